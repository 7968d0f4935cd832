import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupDriver, memoryNow, startContainer, startError, type RunningContainer, type StartOptions } from './container.js';
import { RuntimeError, UsageError } from './errors.js';
import { appendEvent, journalPath } from './event-journal.js';
import { EventStream, journalOomKill } from './event-stream.js';
import type { RuntimeEvent } from './events.js';
import { launchMonitor } from './monitor.js';
import { attachVeth, awaitVethGone, claimableNetwork, hostVethName, withNetworkLock } from './network.js';
import { native } from './native.js';
import { packagePath } from './paths.js';
import { defaultShell } from './rootfs.js';
import { isSameProcess, processStartTime } from './process-identity.js';
import { stateOf, type ContainerRecord, type ContainerState, type ExitRecord } from './record.js';
import { containerPath, keptCapabilities, sessionKeyring, type ContainerSpec } from './spec.js';
import { StateStore, type Creation } from './state-store.js';
import { TraceRecorder } from './birth-trace.js';
import { readAnatomy, type ContainerAnatomy } from './anatomy/index.js';
import { withCgroupTracer } from './cgroup/common.js';

export type { RuntimeEvent } from './events.js';

export interface ContainerInfo extends ContainerRecord {
  state: ContainerState;
}

export const execBinary = packagePath('build/Release/ctr-exec');
const capLast = readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim();

/**
 * A container's cgroup always holds its processes while it runs, and its
 * monitor removes it at exit; one that has stood empty for a minute lost its
 * monitor (killed, or its state dir went away) and is removed.
 */
function removeAbandonedCgroups(minimumAgeMs = 60_000): void {
  const driver = cgroupDriver();
  for (const name of driver.list()) {
    const cgroup = driver.open(name);
    if (!cgroup) continue;
    try {
      if (cgroup.processes().length > 0) continue;
      const age = Date.now() - Math.min(...cgroup.paths.map((p) => statSync(p).mtimeMs));
      if (age >= minimumAgeMs) cgroup.remove();
    } catch {
      // Removed by its monitor meanwhile, or a process moved in: not ours to touch.
    }
  }
}

/** How long ago a path was last changed; 0 when it is gone (another command removed it meanwhile). */
function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Signal names and numbers as kill(1) takes them: KILL, SIGKILL, 9. */
export function parseSignal(text: string): number {
  const upper = text.toUpperCase();
  const n = /^\d+$/.test(text) ? Number(text) : constants.signals[(upper.startsWith('SIG') ? upper : `SIG${upper}`) as NodeJS.Signals];
  if (!n || n < 1 || n > 64) throw new UsageError(`unknown signal "${text}": use a name such as TERM, KILL, INT or a number`);
  return n;
}

/**
 * Detached containers that outlive this process: each is parented by its
 * own ctr-monitor, and recorded in the state store. Both the CLI and the
 * dashboard use this API.
 */
export class Runtime extends EventEmitter<{ event: [RuntimeEvent] }> {
  readonly store: StateStore;
  private stream: EventStream | undefined;

  constructor(stateDir?: string) {
    super();
    this.store = new StateStore(stateDir);
  }

  list(): ContainerInfo[] {
    return this.store.list().map((r) => ({ ...r, state: stateOf(r) }));
  }

  get(name: string): ContainerInfo {
    const record = this.store.read(name);
    if (!record) throw new UsageError(`no such container: ${name} (see ctr-tui ps -a)`);
    return { ...record, state: stateOf(record) };
  }

  /** Whether a name is in use: recorded here, or held by a container's cgroup. */
  nameTaken(name: string): boolean {
    return this.store.has(name) || cgroupDriver().open(name) !== null;
  }

  /** Records a container without starting it. */
  create(spec: ContainerSpec): ContainerInfo {
    const info = this.record(spec);
    this.store.settle(spec.name);
    return info;
  }

  /** create, but the name stays marked as in creation (run settles it once started, or removes it). */
  private record(spec: ContainerSpec): ContainerInfo {
    if (cgroupDriver().open(spec.name)) throw new UsageError(`a container named ${spec.name} already exists (its cgroup is still there)`);
    const trace = new TraceRecorder();
    trace.step('reserve the name', `mkdir ${this.store.containerDir(spec.name)}`, () => this.store.reserve(spec.name));
    const record: ContainerRecord = {
      name: spec.name, spec, createdAt: Date.now(), pid: null, pidStart: null, monitorPid: null, monitorStart: null,
      hostVeth: spec.network ? hostVethName(spec.name) : null, startedAt: null, exit: null, trace: trace.result(),
    };
    this.store.write(record);
    this.publish({ kind: 'created', name: spec.name, at: record.createdAt });
    return { ...record, state: 'created' };
  }

  /** Starts a created container under its own monitor. */
  async start(name: string): Promise<ContainerInfo> {
    const record = this.get(name);
    if (record.state !== 'created') throw new UsageError(`container ${name} is ${record.state}: only a created container can be started`);
    const spec = record.spec;
    const trace = new TraceRecorder(undefined, record.trace ?? null);
    const tracer = trace.enabled ? trace.step.bind(trace) : undefined;
    const cgroup = cgroupDriver().create(name, spec.limits, tracer);
    let veth: string | null = null;
    try {
      // Picking an address and claiming it (its route) happen under one lock.
      const asked = trace.now();
      const place = async () => {
        if (spec.network) {
          trace.since(asked, 'take the network lock', 'flock(2) on the host-wide lock file: picking and claiming an address are one step host-wide');
          spec.network = claimableNetwork(spec.network);
        }
        const launched = await trace.stepAsync('start ctr-monitor', 'its parent from now on; it clones the init, which waits',
          () => launchMonitor(spec, this.store.containerDir(name), cgroup, journalPath(this.store.dir)));
        try {
          // Whoever undoes a creation whose creator died must find its monitor (see undoCreation).
          this.store.write({ ...record, spec, monitorPid: launched.monitorPid, monitorStart: processStartTime(launched.monitorPid) });
          // Watched before its init is let go: no kill can come before the watch.
          this.stream?.watchOom(name, cgroup);
          withCgroupTracer(tracer, () => cgroup.addProcess(launched.pid));
          if (spec.network) veth = attachVeth(name, launched.pid, spec.network, trace).host;
        } catch (error) {
          await launched.abort();
          throw error;
        }
        return launched;
      };
      const monitor = spec.network ? await withNetworkLock(place) : await place();
      try {
        trace.addNative(await trace.stepAsync('release the child', 'through ctr-monitor: one byte on its sync pipe; then wait for its exec', () => monitor.release()));
      } catch (error) {
        await monitor.abort();
        throw error;
      }
      const started: ContainerRecord = {
        ...record, spec, pid: monitor.pid, pidStart: processStartTime(monitor.pid), monitorPid: monitor.monitorPid,
        monitorStart: processStartTime(monitor.monitorPid), startedAt: Date.now(), trace: trace.result(),
      };
      this.store.write(started);
      this.publish({ kind: 'started', name, pid: monitor.pid, at: started.startedAt! });
      return { ...started, state: 'running' };
    } catch (error) {
      cgroup.killAll('SIGKILL');
      cgroup.remove();
      if (veth) await awaitVethGone(veth);
      throw startError(name, error);
    }
  }

  /**
   * create + start; on failure nothing is left, not even the record. Until
   * it is recorded as started, the name is marked as in creation: if this
   * process dies before that, the next reconciliation undoes it all.
   */
  async run(spec: ContainerSpec): Promise<ContainerInfo> {
    this.record(spec);
    let info: ContainerInfo;
    try {
      info = await this.start(spec.name);
    } catch (error) {
      this.store.remove(spec.name);
      this.publish({ kind: 'removed', name: spec.name, at: Date.now() });
      throw error;
    }
    this.store.settle(spec.name);
    return info;
  }

  /**
   * A container whose init is a child of this process (ctr-tui run without
   * -d): recorded while it runs, so that ps and the dashboard see it, with
   * this process standing in for its monitor; removed when it exits.
   */
  async startAttached(spec: ContainerSpec, options: StartOptions): Promise<RunningContainer> {
    const trace = options.trace ?? new TraceRecorder();
    trace.step('reserve the name', `mkdir ${this.store.containerDir(spec.name)}`, () => this.store.reserve(spec.name));
    let container: RunningContainer;
    try {
      container = await startContainer(spec, { ...options, trace });
    } catch (error) {
      this.store.remove(spec.name);
      throw error;
    }
    const now = Date.now();
    this.store.write({
      name: spec.name, spec, createdAt: now, pid: container.pid, pidStart: processStartTime(container.pid), monitorPid: process.pid,
      monitorStart: processStartTime(process.pid), hostVeth: container.veth?.host ?? null, startedAt: now, exit: null, autoRemove: true,
      trace: container.trace,
    });
    this.store.settle(spec.name);
    this.publish({ kind: 'created', name: spec.name, at: now });
    this.publish({ kind: 'started', name: spec.name, pid: container.pid, at: now });
    // This process is the container's owner: it journals its kills, unless a watcher got there first.
    container.on('oom-kill', (kill) => journalOomKill(this.store, spec.name, kill));
    const finish = (exit: ExitRecord | null) => {
      if (exit) this.publish({ kind: 'exited', name: spec.name, exit, at: exit.finishedAt });
      this.store.remove(spec.name);
      this.publish({ kind: 'removed', name: spec.name, at: Date.now() });
    };
    void container.exited.then((info) => finish({
      code: info.code, signal: info.signal === null ? null : constants.signals[info.signal], oomKills: info.oomKills, finishedAt: Date.now(),
    }), () => finish(null));
    return container;
  }

  private running(name: string, action: string): ContainerInfo {
    const record = this.get(name);
    if (record.state !== 'running' || !isSameProcess(record.pid, record.pidStart)) {
      throw new UsageError(`cannot ${action} ${name}: it is not running (state: ${record.state === 'running' ? 'exited' : record.state})`);
    }
    return record;
  }

  kill(name: string, signal: number | string = 'KILL'): void {
    const number = typeof signal === 'number' ? signal : parseSignal(signal);
    const record = this.running(name, 'signal');
    const pidfd = native.pidfdOpen(record.pid!);
    try {
      // The pidfd pins the process: check once more that it is ours, then signal it.
      if (processStartTime(record.pid!) !== record.pidStart) throw new UsageError(`cannot signal ${name}: it is not running`);
      native.pidfdSendSignal(pidfd, number);
    } finally {
      closeSync(pidfd);
    }
  }

  /** Waits until the monitor has recorded the exit; null on timeout. */
  async waitExit(name: string, timeoutMs: number): Promise<ExitRecord | null> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      const exit = this.store.readExit(name);
      if (exit) return exit;
      const record = this.store.read(name);
      if (record && !isSameProcess(record.monitorPid, record.monitorStart) && !isSameProcess(record.pid, record.pidStart)) {
        return this.reconcileOne(record);
      }
      if (Date.now() > deadline) return null;
      await sleep(delay);
    }
  }

  /** TERM, then KILL after the timeout, as docker stop does. */
  async stop(name: string, timeoutSeconds = 10): Promise<ExitRecord> {
    this.kill(name, 'TERM');
    const exit = await this.waitExit(name, timeoutSeconds * 1000);
    if (exit) return exit;
    try {
      this.kill(name, 'KILL');
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
    }
    const killed = await this.waitExit(name, 10_000);
    if (!killed) throw new RuntimeError(`container ${name} did not exit after SIGKILL`);
    return killed;
  }

  async remove(name: string, force = false): Promise<void> {
    const record = this.get(name);
    if (record.state === 'running' && isSameProcess(record.pid, record.pidStart)) {
      if (!force) throw new UsageError(`container ${name} is running: stop it first, or use rm -f`);
      try {
        this.kill(name, 'KILL');
      } catch (error) {
        // It exited by itself meanwhile: that is what we wanted.
        if (!(error instanceof UsageError) && (error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    if (record.state === 'running') {
      await this.waitExit(name, 10_000);
      await this.monitorGone(record, 5_000);
    }
    await this.releaseResources(record);
    this.store.remove(name);
    this.publish({ kind: 'removed', name, at: Date.now() });
  }

  /** The monitor writes into the state dir until it exits: wait for that before deleting it. */
  private async monitorGone(record: ContainerRecord, timeoutMs: number): Promise<void> {
    if (record.monitorPid === process.pid) return;
    const deadline = Date.now() + timeoutMs;
    for (let delay = 1; isSameProcess(record.monitorPid, record.monitorStart) && Date.now() < deadline; delay = Math.min(delay * 2, 50)) {
      await sleep(delay);
    }
  }

  /** A running container's anatomy, read live (anatomy/index.ts). */
  anatomy(name: string): ContainerAnatomy {
    return readAnatomy(this.running(name, 'see the anatomy of'), cgroupDriver());
  }

  /** The ctr-exec command line for a process in all of a running container's namespaces and its cgroup. */
  execCommand(name: string, argv: string[], tty: boolean, extraEnv: Record<string, string> = {}): { file: string; args: string[] } {
    const record = this.running(name, 'exec in');
    const cgroup = cgroupDriver().open(name);
    // As run's: a login shell, whose profile sets the prompt (user@container).
    const command = argv.length ? argv : [defaultShell(record.spec.rootfs), '-l'];
    const env = { ...record.spec.env, ...extraEnv };
    const args = ['--pid', String(record.pid), '--cap-last', capLast, '--keep-caps', Object.values(keptCapabilities).join(','), '--path', env.PATH ?? containerPath,
      '--session-keyring', sessionKeyring(name)];
    if (tty) args.push('--tty');
    for (const dir of cgroup?.paths ?? []) args.push('--cgroup-procs', path.join(dir, 'cgroup.procs'));
    for (const [k, v] of Object.entries(env)) args.push('--env', `${k}=${v}`);
    return { file: execBinary, args: [...args, '--', ...command] };
  }

  /** Runs a process inside a running container (see execCommand). */
  exec(name: string, argv: string[], options: { tty: boolean; stdio?: StdioOptions; env?: Record<string, string> }): ChildProcess {
    const { file, args } = this.execCommand(name, argv, options.tty, options.env);
    return spawn(file, args, { stdio: options.stdio ?? 'inherit' });
  }

  /**
   * Brings the store in line with the kernel: containers whose init and
   * monitor are both gone get their final state and their resources freed.
   */
  async reconcile(): Promise<void> {
    const inCreation = new Set<string>();
    for (const creation of this.store.creations()) {
      if (isSameProcess(creation.pid, creation.pidStart)) inCreation.add(creation.name);
      else await this.undoCreation(creation);
    }
    for (const name of this.store.names()) {
      if (inCreation.has(name)) continue;
      const record = this.store.read(name);
      if (!record) {
        // A name reserved by a creator that died before writing state.json.
        if (ageMs(this.store.containerDir(name)) > 60_000) this.store.remove(name);
        continue;
      }
      if (stateOf(record) === 'running' && !isSameProcess(record.monitorPid, record.monitorStart) && !isSameProcess(record.pid, record.pidStart)) {
        await this.reconcileOne(record);
      }
    }
    removeAbandonedCgroups();
  }

  /**
   * A creator died before it recorded its container as started (a record
   * with a pid is one it finished: the rest of reconcile takes care of it):
   * what it made is undone, as a failed run is. Its monitor is killed (the
   * init dies with it), its cgroup and veth go, and the name is free again.
   */
  private async undoCreation(creation: Creation): Promise<void> {
    const record = this.store.read(creation.name);
    if (record?.pid === null || record?.pid === undefined) {
      if (record && isSameProcess(record.monitorPid, record.monitorStart)) {
        this.signalProcess(record.monitorPid!, record.monitorStart!, constants.signals.SIGKILL);
        await this.monitorGone(record, 5_000);
      }
      const cgroup = cgroupDriver().open(creation.name);
      if (cgroup) {
        cgroup.killAll('SIGKILL');
        cgroup.remove();
      }
      await awaitVethGone(hostVethName(creation.name), 500);
      rmSync(this.store.containerDir(creation.name), { recursive: true, force: true });
      if (record) this.publish({ kind: 'removed', name: creation.name, at: Date.now() });
    }
    rmSync(creation.marker, { force: true });
  }

  /** Signals pid if it is still the process that started at pidStart (a pidfd pins it meanwhile); false if it is gone. */
  private signalProcess(pid: number, pidStart: number, signal: number): boolean {
    let pidfd: number;
    try {
      pidfd = native.pidfdOpen(pid);
    } catch {
      return false;
    }
    try {
      return processStartTime(pid) === pidStart && native.pidfdSendSignal(pidfd, signal);
    } finally {
      closeSync(pidfd);
    }
  }

  private async reconcileOne(record: ContainerRecord): Promise<ExitRecord> {
    // No record from the monitor: it died, and its death killed the init (PDEATHSIG is SIGKILL).
    const exit: ExitRecord = this.store.readExit(record.name) ?? {
      code: null, signal: 9, oomKills: memoryNow(record.name)?.oomKills ?? 0, finishedAt: Date.now(),
    };
    await this.releaseResources(record);
    this.publish({ kind: 'exited', name: record.name, exit, at: exit.finishedAt });
    // A foreground run whose ctr-tui died (kill -9) before it could remove it.
    if (record.autoRemove) {
      this.store.remove(record.name);
      this.publish({ kind: 'removed', name: record.name, at: Date.now() });
    } else {
      this.store.write({ ...record, exit });
    }
    return exit;
  }

  private async releaseResources(record: ContainerRecord): Promise<void> {
    const cgroup = cgroupDriver().open(record.name);
    if (cgroup) {
      cgroup.killAll('SIGKILL');
      cgroup.remove();
    }
    if (record.hostVeth) await awaitVethGone(record.hostVeth, 500);
  }

  /**
   * Starts telling of events (the 'event' emitter) for every container on the
   * host, whoever made it (see EventStream); with since, the journal's events
   * from that time on come first.
   */
  watch(options: { since?: number } = {}): void {
    if (this.stream) return;
    this.stream = new EventStream(this.store, cgroupDriver(), {
      since: options.since,
      onOwnerGone: (name) => {
        const record = this.store.read(name);
        if (record && stateOf(record) === 'running') this.reconcileOne(record).catch(() => undefined);
      },
    });
    this.stream.on('event', (event) => this.emit('event', event));
    this.stream.start();
  }

  close(): void {
    this.stream?.close();
    this.stream = undefined;
  }

  /** Every event goes to the host's journal; watchers, this process's too, read it from there. */
  private publish(event: RuntimeEvent): void {
    appendEvent(this.store.dir, event);
  }
}
