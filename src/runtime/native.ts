import { createRequire } from 'node:module';
import type { NativeError } from './errors.js';
import { packagePath } from './paths.js';

export interface SpawnPlan {
  rootfs: string;
  hostname: string;
  /** The name of the new session keyring the init joins. */
  sessionKeyring: string;
  argv: string[];
  env: string[];
  path: string;
  mounts: { source: string; target: string; readonly: boolean }[];
  net: { ifname: string; address: string; prefix: number; gateway: string } | null;
  console: 'pty' | 'inherit';
  stdio: [number, number, number] | null;
  keepCaps: string[];
  capLast: number;
  namespaces: Array<'pid' | 'mount' | 'uts' | 'ipc' | 'net'>;
  /** Record the child's steps (addon/core/birth_trace.h); absent: no trace. */
  trace?: boolean;
  /** Its own cgroup, read-only at /sys/fs/cgroup (CgroupView); null or absent: none. */
  cgroupView?: { version: number; dirs: string[]; options: string[]; links: string[] } | null;
}

/** One message of an rtnetlink dump, whole (its nlmsghdr first). */
export type NetlinkMessage = Buffer;

export interface ExitStatus {
  code: number | null;
  signal: number | null;
  /** The watch failed (the reactor could not wait on the pidfd): the exit is unknown. */
  error?: NativeError;
}

/**
 * The addon's exports: one kernel operation each. Every error they throw is a
 * NativeError (errors.ts): "CALL PATH: strerror" with .call, .path and .code;
 * only a wrong argument type is a plain TypeError. A watch whose fd the kernel
 * stops waiting on ends, and its callback gets the NativeError as argument.
 */
export interface Native {
  spawn(plan: SpawnPlan): { pid: number; pidfd: number };
  /** trace: the birth trace's lines when the plan asked for it (birth-trace.ts parses them). */
  release(pid: number): { ptyMaster: number | null; trace: string | null };
  abort(pid: number): void;
  createVeth(host: string, peer: string, peerNsPid: number): void;
  deleteLink(name: string): boolean;
  linkUp(name: string): void;
  addAddress(name: string, address: string, prefix: number): void;
  addRoute(name: string, dst: string, prefix: number, gateway: string | null): void;
  linkExists(name: string): boolean;
  /** The RTM_GET* dump of the network namespace of pid (0: this process's). */
  netlinkDump(pid: number, kind: 'link' | 'address' | 'route'): NetlinkMessage[];
  watchExit(pidfd: number, callback: (status: ExitStatus) => void): number;
  watchReadable(fd: number, callback: (error?: NativeError) => void, keepAlive?: boolean): number;
  /** When fd fires, the reactor thread drains it and notes who is in the cgroup (procsFiles); then callback(). */
  watchSnapshot(fd: number, procsFiles: string[], callback: (error?: NativeError) => void): number;
  /** What a snapshot watch has noted since the last call: host pid, pid inside, host pid, pid inside, ... */
  takeSnapshot(id: number): number[];
  unwatch(id: number): boolean;
  pidfdSendSignal(pidfd: number, signal: number): boolean;
  pidfdOpen(pid: number): number;
  /** flock(fd, LOCK_EX | LOCK_NB): false while another open file holds the lock; the kernel drops it when the fd closes. */
  tryLockExclusive(fd: number, path: string): boolean;
  setWindowSize(fd: number, cols: number, rows: number): void;
  openKmsg(): number;
  readKmsg(fd: number): string[];
  oomEventfd(oomControl: string, eventControl: string): number;
  /** v1: one more event on an eventfd, "<efd> <fd of file> <args>" in cgroup.event_control (a usage threshold, say). */
  addCgroupEvent(eventfd: number, eventControl: string, file: string, args: string): void;
  inotifyModify(path: string): number;
  drain(fd: number): number;
  inotifyInit(): number;
  inotifyAdd(fd: number, path: string, mask: number): number;
  inotifyRemove(fd: number, wd: number): void;
  inotifyRead(fd: number): { wd: number; mask: number; name: string }[];
  inotifyFlags: Record<'modify' | 'closeWrite' | 'create' | 'delete' | 'deleteSelf' | 'movedFrom' | 'movedTo' | 'ignored' | 'overflow' | 'onlyDir' | 'isDir', number>;
  /** cgroup v2: loads a BPF device program allowing only `rules` and attaches it to the cgroup at dir. */
  attachDeviceFilter(dir: string, rules: { type: 'c' | 'b'; major: number; minor: number; access: string }[]): void;
}

const addon = createRequire(import.meta.url)(packagePath('build/Release/ctr_native.node')) as Native;

/**
 * A watch's callback as the reactor calls it. Node 20 swallows an exception thrown in an N-API
 * thread-safe callback (a DEP0168 warning, no more), so a callback that throws would be called
 * again and again on a fd nobody drains, silently. Thrown again from a microtask, it is an
 * ordinary uncaught exception: the command ends and says what went wrong.
 */
function surfaced<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      callback(...args);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  };
}

export const native: Native = {
  ...addon,
  watchExit: (pidfd, callback) => addon.watchExit(pidfd, surfaced(callback)),
  watchReadable: (fd, callback, keepAlive) =>
    keepAlive === undefined ? addon.watchReadable(fd, surfaced(callback)) : addon.watchReadable(fd, surfaced(callback), keepAlive),
  watchSnapshot: (fd, procsFiles, callback) => addon.watchSnapshot(fd, procsFiles, surfaced(callback)),
};
