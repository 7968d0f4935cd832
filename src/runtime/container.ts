import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { detectCgroupDriver } from './cgroup/detect.js';
import { isGone } from './cgroup/common.js';
import type { Cgroup, CgroupDriver, MemorySample } from './cgroup/types.js';
import { isNativeError, RuntimeError, UsageError, wrapNativeError } from './errors.js';
import { TraceRecorder, type BirthTrace } from './birth-trace.js';
import { withCgroupTracer } from './cgroup/common.js';
import { attachVeth, awaitVethGone, claimableNetwork, withNetworkLock, type Veth } from './network.js';
import { native, type ExitStatus } from './native.js';
import { OomWatch, type OomKill } from './oom-watch.js';
import { containerPath, keptCapabilities, sessionKeyring, type ContainerSpec } from './spec.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** As a shell reports it: the code, or 128 + the signal number. */
  status: number;
  oomKills: number;
}

export interface StartOptions {
  /** 'pty': a pty from the container's own devpts, its master handed back. */
  console: 'pty' | 'inherit';
  /** With 'inherit': the fds that become the container's 0, 1 and 2. */
  stdio?: [number, number, number];
  /** Where the birth trace goes (one is made when absent). */
  trace?: TraceRecorder;
}

let driver: CgroupDriver | undefined;
export function cgroupDriver(): CgroupDriver {
  driver ??= detectCgroupDriver();
  return driver;
}

/** A container's memory figures now; null when its cgroup is gone, or goes while it is read. */
export function memoryNow(name: string): MemorySample | null {
  try {
    return cgroupDriver().open(name)?.memory() ?? null;
  } catch (err) {
    if (isGone(err)) return null;
    throw err;
  }
}

const capLast = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));

function signalName(n: number): NodeJS.Signals | null {
  const entry = Object.entries(constants.signals).find(([, value]) => value === n);
  return (entry?.[0] as NodeJS.Signals | undefined) ?? null;
}

/**
 * A container whose first process is a child of this Node process. Emits
 * 'oom-kill' (OomKill) as kills happen; `exited` resolves once the container
 * is gone and everything it held (cgroup, veth) is released.
 */
export class RunningContainer extends EventEmitter<{ 'oom-kill': [OomKill] }> {
  readonly exited: Promise<ExitInfo>;
  private alive = true;

  constructor(
    readonly spec: ContainerSpec,
    readonly pid: number,
    private readonly pidfd: number,
    readonly cgroup: Cgroup,
    readonly veth: Veth | null,
    readonly ptyMaster: number | null,
    exit: Promise<ExitStatus>,
    private readonly oomWatch: OomWatch,
    /** How it was born (birth-trace.ts); null with the trace off. */
    readonly trace: BirthTrace | null = null,
  ) {
    super();
    this.exited = exit.then((status) => this.cleanUp(status));
  }

  /** Signals the container's init; false when it has already exited. */
  kill(signal: NodeJS.Signals | number = 'SIGKILL'): boolean {
    if (!this.alive) return false;
    return native.pidfdSendSignal(this.pidfd, typeof signal === 'number' ? signal : constants.signals[signal]);
  }

  private async cleanUp(status: ExitStatus): Promise<ExitInfo> {
    this.alive = false;
    const oomKills = memoryNow(this.cgroup.name)?.oomKills ?? 0;
    this.oomWatch.close(oomKills);
    // Orphans of a pid namespace die with its init; wait for them to leave.
    this.cgroup.killAll('SIGKILL');
    this.cgroup.remove();
    if (this.veth) await awaitVethGone(this.veth.host);
    const signal = status.signal === null ? null : signalName(status.signal);
    return {
      code: status.code,
      signal,
      status: status.code ?? 128 + (status.signal ?? 0),
      oomKills,
    };
  }
}

/** A failure inside the child becomes one line; a missing command exits 127 as in a shell. */
export function startError(name: string, error: unknown): unknown {
  // Already said with its context (a RuntimeError), or not a native failure.
  if (!isNativeError(error) || error instanceof RuntimeError) return error;
  const status = error.call === 'exec' ? (error.code === 'ENOENT' ? 127 : 126) : 1;
  return wrapNativeError(`cannot start container ${name}`, error, status);
}

function exitOf(pidfd: number): Promise<ExitStatus> {
  return new Promise((resolve) => native.watchExit(pidfd, resolve));
}

/**
 * Creates and starts a container: its cgroup, a child cloned into new
 * namespaces, its veth pair; then lets the child mount its rootfs and exec.
 * On any failure everything made so far is undone before the error is thrown.
 */
export async function startContainer(spec: ContainerSpec, options: StartOptions): Promise<RunningContainer> {
  if (!spec.network) return start(spec, options);
  const trace = options.trace ?? new TraceRecorder();
  options = { ...options, trace };
  const asked = trace.now();
  return withNetworkLock(() => {
    trace.since(asked, 'take the network lock', 'flock(2) on the host-wide lock file: picking and claiming an address are one step host-wide');
    // The spec says where the container ended up: an automatic address may change here.
    spec.network = claimableNetwork(spec.network!);
    return start(spec, options);
  });
}

async function start(spec: ContainerSpec, options: StartOptions): Promise<RunningContainer> {
  if (cgroupDriver().open(spec.name)) throw new UsageError(`a container named ${spec.name} already exists: pick another --name`);
  const trace = options.trace ?? new TraceRecorder();
  const tracer = trace.enabled ? trace.step.bind(trace) : undefined;
  const cgroup = cgroupDriver().create(spec.name, spec.limits, tracer);
  let child: { pid: number; pidfd: number } | undefined;
  let exit: Promise<ExitStatus> | undefined;
  let veth: Veth | null = null;
  let oomWatch: OomWatch | undefined;
  try {
    child = native.spawn({
      rootfs: spec.rootfs,
      hostname: spec.hostname,
      sessionKeyring: sessionKeyring(spec.name),
      argv: spec.command,
      env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      path: spec.env.PATH ?? containerPath,
      mounts: spec.shares.map((s) => ({ source: s.source, target: s.target.replace(/^\/+/, ''), readonly: s.readonly })),
      net: spec.network ? { ifname: 'eth0', address: spec.network.address, prefix: spec.network.prefix, gateway: spec.network.hostAddress } : null,
      console: options.console,
      stdio: options.stdio ?? null,
      keepCaps: Object.values(keptCapabilities).map(String),
      capLast,
      namespaces: ['pid', 'mount', 'uts', 'ipc', 'net'],
      trace: trace.enabled,
      cgroupView: cgroup.insideView(),
    });
    exit = exitOf(child.pidfd);
    const pid = child.pid;
    withCgroupTracer(tracer, () => cgroup.addProcess(pid));
    if (spec.network) veth = attachVeth(spec.name, child.pid, spec.network, trace);
    oomWatch = new OomWatch(cgroup, (kill) => container.emit('oom-kill', kill));
    const { ptyMaster, trace: childTrace } = trace.step('release the child', 'one byte on its sync pipe; then wait for its exec', () => native.release(pid));
    trace.addNative(childTrace);
    const container: RunningContainer = new RunningContainer(spec, child.pid, child.pidfd, cgroup, veth, ptyMaster, exit, oomWatch, trace.result());
    return container;
  } catch (error) {
    oomWatch?.close();
    if (child) {
      native.abort(child.pid);
      await exit;
    }
    cgroup.killAll('SIGKILL');
    cgroup.remove();
    if (veth) await awaitVethGone(veth.host);
    throw startError(spec.name, error);
  }
}
