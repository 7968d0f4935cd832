import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Cgroup } from './cgroup/types.js';
import { RuntimeError, type NativeError } from './errors.js';
import { packagePath } from './paths.js';
import { traceEnabled } from './birth-trace.js';
import { containerPath, keptCapabilities, sessionKeyring, type ContainerSpec } from './spec.js';

export const monitorBinary = packagePath('build/Release/ctr-monitor');
const capLast = readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim();

export interface LaunchedMonitor {
  monitorPid: number;
  /** The container's init, cloned and waiting to be placed. */
  pid: number;
  /** Lets the init go on; resolves once it has exec'd (with the birth trace's lines, null with it off), rejects with the child's error. */
  release(): Promise<string | null>;
  /** Kills the waiting init (placing it failed); resolves when the monitor is gone. */
  abort(): Promise<void>;
}

function monitorArgs(spec: ContainerSpec, stateDir: string, cgroup: Cgroup, journal: string): string[] {
  const args = ['--state-dir', stateDir, '--journal', journal, '--name', spec.name, '--rootfs', spec.rootfs, '--hostname', spec.hostname,
    '--session-keyring', sessionKeyring(spec.name), '--path', spec.env.PATH ?? containerPath,
    '--cap-last', capLast, '--keep-caps', Object.values(keptCapabilities).join(',')];
  for (const [k, v] of Object.entries(spec.env)) args.push('--env', `${k}=${v}`);
  for (const s of spec.shares) args.push('--mount', `${s.source}\t${s.target.replace(/^\/+/, '')}\t${s.readonly ? 'ro' : 'rw'}`);
  if (spec.network) args.push('--net', `eth0,${spec.network.address},${spec.network.prefix},${spec.network.hostAddress}`);
  for (const dir of cgroup.paths) args.push('--cgroup', dir);
  const view = cgroup.insideView();
  args.push('--cgroup-view', String(view.version));
  view.dirs.forEach((dir, i) => args.push('--cgroup-view-mount', `${dir}\t${view.options[i]}`));
  for (let i = 0; i + 1 < view.links.length; i += 2) args.push('--cgroup-view-link', `${view.links[i]}\t${view.links[i + 1]}`);
  if (traceEnabled()) args.push('--trace');
  const oom = cgroup.files.oomWatch;
  args.push('--oom-count-file', oom.kind === 'v1-eventfd' ? oom.oomControl : oom.memoryEvents);
  return [...args, '--', ...spec.command];
}

/**
 * Starts ctr-monitor for one detached container. It clones the init and
 * reports its pid; the caller places it (cgroup, veth) and calls release().
 */
export async function launchMonitor(spec: ContainerSpec, stateDir: string, cgroup: Cgroup, journal: string): Promise<LaunchedMonitor> {
  const stderr = openSync(path.join(stateDir, 'monitor.log'), 'a', 0o600);
  const child = spawn(monitorBinary, monitorArgs(spec, stateDir, cgroup, journal), { detached: true, stdio: ['pipe', 'pipe', stderr] });
  closeSync(stderr);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', (e) => reject(new RuntimeError(`cannot start ${monitorBinary}: ${e.message}`))));
  const next = async (): Promise<string> => {
    const line = await Promise.race([lines.next(), spawnFailed]);
    if (line.done) {
      const why = readFileSync(path.join(stateDir, 'monitor.log'), 'utf8').trim().split('\n').pop() ?? 'it exited';
      throw new RuntimeError(`container monitor failed: ${why}`);
    }
    return line.value;
  };
  const finish = () => {
    child.stdin!.end();
    child.stdout!.destroy();
    child.unref();
  };
  const first = await next();
  if (first.startsWith('error ')) throw monitorError(first);
  const pid = Number(first.replace(/^pid /, ''));
  if (!Number.isInteger(pid) || pid <= 0) throw new RuntimeError(`container monitor said "${first}"`);
  return {
    monitorPid: child.pid!,
    pid,
    async release() {
      child.stdin!.write('go\n');
      let answer = await next();
      let trace: string | null = null;
      if (answer.startsWith('trace ')) {
        trace = JSON.parse(answer.slice('trace '.length)) as string;
        answer = await next();
      }
      // On failure the monitor stays referenced: abort() awaits its exit, and
      // an unreferenced child would let Node exit (status 13) before that.
      if (answer !== 'started') throw monitorError(answer);
      finish();
      return trace;
    },
    async abort() {
      child.ref();
      child.stdin!.end();
      await exited;
      child.stdout!.destroy();
    },
  };
}

/** "error <ENAME>\t<call>\t<path>\t<call path: strerror>" from the monitor: the addon's error, as the addon throws it. */
export function monitorError(line: string): Error {
  const match = /^error (E[A-Z0-9]+)\t([^\t]*)\t([^\t]*)\t(.*)$/.exec(line);
  if (!match) return new RuntimeError(`container monitor said "${line}"`);
  const [, code, call, where, message] = match;
  const error = new Error(message) as NativeError;
  error.call = call;
  if (where) error.path = where;
  error.code = code;
  const errno = (constants.errno as Record<string, number | undefined>)[code];
  if (errno !== undefined) error.errno = errno;
  return error;
}
