import { cgroupDriver } from '../runtime/container.js';
import type { ContainerInfo, Runtime, RuntimeEvent } from '../runtime/runtime.js';
import { StatsSampler } from '../runtime/stats-sampler.js';
import { HostSampler } from './host-sampler.js';
import { SourceListeners, type ContainerFacts, type ContainerSample, type DashboardSource, type SourceListener, type SourceTick } from './source.js';

/** While memory is moving (hungry climbing), sample this often, so the climb shows before the kill. */
const busyIntervalMs = 200;
const movingBytes = 1 << 20;
/**
 * The host's CPU, memory and interfaces are sampled every 3 s (top's default), over that 3 s
 * window. A host CPU figure moves at every sample on any machine, so the host panel sets how
 * often an idle dashboard redraws: every 3 s, that is about 1 % of a core here (see bench/).
 * Containers keep the 1 s sample rate.
 */
const hostIntervalMs = 3000;

function factsOf(info: ContainerInfo): ContainerFacts {
  return {
    name: info.name,
    state: info.state,
    pid: info.pid,
    ip: info.spec.network?.address ?? null,
    hostIp: info.spec.network?.hostAddress ?? null,
    hostVeth: info.hostVeth,
    command: info.spec.command,
    createdAt: info.createdAt,
    startedAt: info.startedAt,
    exit: info.exit ? { code: info.exit.code, signal: info.exit.signal, oomKills: info.exit.oomKills } : null,
    memoryLimit: info.spec.limits.memoryBytes ?? null,
  };
}

/**
 * The live dashboard source: the runtime's records and its event stream (every container on the
 * host, whoever made it), one sampling tick a second (every container in one pass), faster while
 * some container's memory moves, and events the moment they arrive.
 */
export class LiveSource implements DashboardSource {
  private readonly listeners = new SourceListeners();
  private readonly sampler = new StatsSampler();
  private readonly host = new HostSampler();
  private timer: NodeJS.Timeout | undefined;
  private readonly onEvent = (event: RuntimeEvent) => {
    this.records.delete(event.name);
    this.listeners.event(event);
  };
  /** Records change only at the events above; re-read all of them now and then for other writers. */
  private readonly records = new Map<string, ContainerInfo>();
  private readonly lastMemory = new Map<string, number>();
  private ticks = 0;
  private hostSampledAt = 0;
  private running = false;
  readonly cgroupVersion: 1 | 2;

  constructor(private readonly runtime: Runtime, private readonly intervalMs = 1000) {
    this.cgroupVersion = cgroupDriver().version;
  }

  subscribe(listener: SourceListener): () => void {
    return this.listeners.subscribe(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.runtime.on('event', this.onEvent);
    this.runtime.watch();
    this.loop();
  }

  private loop(): void {
    const moving = this.tick();
    this.timer = setTimeout(() => this.loop(), moving ? busyIntervalMs : this.intervalMs);
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    this.runtime.off('event', this.onEvent);
    this.runtime.close();
    this.sampler.close();
  }

  refresh(): void {
    this.tick();
  }

  /**
   * Re-reads the records, samples every running container and the host, tells the listeners
   * once. Returns whether some container's memory is moving.
   */
  private tick(): boolean {
    const infos = this.containers();
    for (const info of infos) {
      if (info.state === 'running' && !this.sampler.has(info.name)) {
        const cgroup = cgroupDriver().open(info.name);
        if (cgroup) this.sampler.add({ name: info.name, cgroup, hostVeth: info.hostVeth });
      } else if (info.state !== 'running' && this.sampler.has(info.name)) {
        this.sampler.remove(info.name);
      }
    }
    const samples: ContainerSample[] = this.sampler.sampleAll().map((s) => ({
      name: s.name, memory: s.memory, pids: s.pids, cpuPercent: s.cpuPercent, oomKills: s.oomKills, net: s.net,
    }));
    const moving = samples.some((s) => Math.abs(s.memory.current - (this.lastMemory.get(s.name) ?? s.memory.current)) >= movingBytes);
    this.lastMemory.clear();
    for (const s of samples) this.lastMemory.set(s.name, s.memory.current);
    // Less a busy tick's length, so that timer jitter cannot push a sample to the 4th tick.
    const hostDue = !moving && Date.now() - this.hostSampledAt >= hostIntervalMs - busyIntervalMs;
    const host = hostDue ? this.host.sample() : null;
    if (hostDue) this.hostSampledAt = Date.now();
    const tick: SourceTick = { at: Date.now(), containers: infos.map(factsOf), samples, host };
    this.listeners.tick(tick);
    return moving;
  }

  private containers(): ContainerInfo[] {
    if (++this.ticks % 10 === 0) this.records.clear();
    const names = this.runtime.store.names();
    for (const name of this.records.keys()) if (!names.includes(name)) this.records.delete(name);
    for (const name of names) {
      if (this.records.has(name)) continue;
      try {
        this.records.set(name, this.runtime.get(name));
      } catch {
        // Reserved but not yet written, or removed meanwhile.
      }
    }
    return [...this.records.values()];
  }
}
