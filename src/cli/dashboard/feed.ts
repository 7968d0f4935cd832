import { cgroupDriver } from '../../runtime/container.js';
import { describeEvent } from '../../runtime/events.js';
import type { ContainerInfo, Runtime, RuntimeEvent } from '../../runtime/runtime.js';
import { StatsSampler, type StatSample } from '../../runtime/stats-sampler.js';
import type { ContainerView, DashboardState, EventView } from '../../ui/model.js';
import type { Store } from '../../ui/store.js';
import { AnatomySampler } from './anatomy-sampler.js';
import { HostSampler } from './host-sampler.js';

const historyLength = 240;
/** While memory is moving (hungry climbing), sample this often, so the climb shows before the kill. */
const busyIntervalMs = 200;
const movingBytes = 1 << 20;
const eventsKept = 200;
const bannerMs = 15_000;
/**
 * The host's CPU, memory and interfaces are sampled every 3 s (top's default), over that 3 s
 * window. A host CPU figure moves at every sample on any machine, so the host panel sets how
 * often an idle dashboard redraws: every 3 s, that is about 1 % of a core here (see bench/).
 * Containers keep the 1 s sample rate.
 */
const hostIntervalMs = 3000;

/**
 * The history with `value` appended, the oldest dropped when full. A full history of one value
 * (an idle container's) is returned as it is: the same values, no new array to allocate and
 * collect, every second, for every container.
 */
function push(history: number[], value: number): number[] {
  if (history.length >= historyLength && history.every((v) => v === value)) return history;
  const next = history.length >= historyLength ? history.slice(1) : history.slice();
  next.push(value);
  return next;
}

function viewOf(info: ContainerInfo, previous: ContainerView | undefined): ContainerView {
  const exit = info.exit;
  const oomKills = Math.max(previous?.oomKills ?? 0, exit?.oomKills ?? 0);
  const killedByOom = exit !== null && exit.signal === 9 && oomKills > 0;
  const recentOom = previous?.lastOom ? Date.now() - previous.lastOom.at < bannerMs : false;
  return {
    name: info.name,
    state: killedByOom || (info.state === 'running' && recentOom) ? 'oom-killed' : info.state,
    pid: info.state === 'running' ? info.pid : null,
    ip: info.spec.network?.address ?? null,
    hostIp: info.spec.network?.hostAddress ?? null,
    hostVeth: info.hostVeth,
    command: info.spec.command,
    createdAt: info.createdAt,
    startedAt: info.startedAt,
    exitCode: exit ? exit.code ?? 128 + (exit.signal ?? 0) : null,
    memory: previous?.memory ?? { current: 0, peak: 0, limit: info.spec.limits.memoryBytes ?? null, history: [] },
    cpuPercent: info.state === 'running' ? previous?.cpuPercent ?? 0 : 0,
    pids: info.state === 'running' ? previous?.pids ?? 0 : 0,
    oomKills,
    lastOom: previous?.lastOom ?? null,
    net: previous?.net ?? { rxBytes: 0, txBytes: 0, rxRate: 0, txRate: 0, rxHistory: [], txHistory: [] },
  };
}

function withSample(view: ContainerView, s: StatSample): ContainerView {
  return {
    ...view,
    memory: { current: s.memory.current, peak: s.memory.peak, limit: s.memory.limit, history: push(view.memory.history, s.memory.current) },
    cpuPercent: s.cpuPercent,
    pids: s.pids,
    oomKills: Math.max(view.oomKills, s.oomKills),
    net: s.net
      ? { rxBytes: s.net.rxBytes, txBytes: s.net.txBytes, rxRate: s.net.rxRate, txRate: s.net.txRate, rxHistory: push(view.net.rxHistory, s.net.rxRate), txHistory: push(view.net.txHistory, s.net.txRate) }
      : view.net,
  };
}

/**
 * Feeds the dashboard's store from the runtime: one sampling tick a second
 * (every container in one pass, one store update), and runtime events the
 * moment they arrive, so that an OOM kill reaches the screen at once.
 */
export class DashboardFeed {
  private readonly sampler = new StatsSampler();
  private readonly host = new HostSampler();
  /** The anatomy view's container, sampled while the view is open. */
  readonly anatomy: AnatomySampler;
  private timer: NodeJS.Timeout | undefined;
  private readonly onEvent = (event: RuntimeEvent) => {
    this.records.delete(event.name);
    this.apply(event);
  };
  /** Records change only at the events above; re-read all of them now and then for other writers. */
  private readonly records = new Map<string, ContainerInfo>();
  private ticks = 0;
  private hostSampledAt = 0;

  constructor(private readonly runtime: Runtime, private readonly store: Store<DashboardState>, private readonly intervalMs = 1000) {
    this.anatomy = new AnatomySampler(runtime);
  }

  start(): void {
    this.store.setState((s) => ({ ...s, cgroupVersion: cgroupDriver().version }));
    this.runtime.on('event', this.onEvent);
    this.runtime.watch();
    this.loop();
  }

  private loop(): void {
    const moving = this.tick();
    this.timer = setTimeout(() => this.loop(), moving ? busyIntervalMs : this.intervalMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.runtime.off('event', this.onEvent);
    this.runtime.close();
    this.sampler.close();
  }

  /**
   * Re-reads the records, samples every running container and the host,
   * publishes once. Returns whether some container's memory is moving.
   */
  tick(): boolean {
    const infos = this.containers();
    for (const info of infos) {
      if (info.state === 'running' && !this.sampler.has(info.name)) {
        const cgroup = cgroupDriver().open(info.name);
        if (cgroup) this.sampler.add({ name: info.name, cgroup, hostVeth: info.hostVeth });
      } else if (info.state !== 'running' && this.sampler.has(info.name)) {
        this.sampler.remove(info.name);
      }
    }
    const samples = new Map(this.sampler.sampleAll().map((s) => [s.name, s]));
    const before = new Map(this.store.getSnapshot().containers.map((c) => [c.name, c.memory.current]));
    const moving = [...samples.values()].some((s) => Math.abs(s.memory.current - (before.get(s.name) ?? s.memory.current)) >= movingBytes);
    // Less a busy tick's length, so that timer jitter cannot push a sample to the 4th tick.
    const hostDue = !moving && Date.now() - this.hostSampledAt >= hostIntervalMs - busyIntervalMs;
    const host = hostDue ? this.host.sample() : null;
    if (hostDue) this.hostSampledAt = Date.now();
    const anatomy = this.anatomy.sample();
    this.store.setState((state) => {
      const previous = new Map(state.containers.map((c) => [c.name, c]));
      const containers = infos.map((info) => {
        const view = viewOf(info, previous.get(info.name));
        const sample = samples.get(info.name);
        return sample ? withSample(view, sample) : view;
      });
      const banner = state.banner && Date.now() - state.banner.at > bannerMs ? null : state.banner;
      return { ...state, containers, host: host ?? state.host, banner, ...(anatomy !== undefined && { anatomy }) };
    });
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

  private apply(event: RuntimeEvent): void {
    const line: EventView = { at: event.at, container: event.name, kind: event.kind, text: describeEvent(event) };
    this.store.setState((state) => {
      const events = [...state.events, line].slice(-eventsKept);
      if (event.kind !== 'oom-kill') return { ...state, events };
      const kill = event.kill;
      const containers = state.containers.map((c) => {
        if (c.name !== event.name) return c;
        const limit = kill.limit ?? c.memory.limit;
        // The kill happened at the limit: the graph's last point sits on it.
        const history = limit === null ? c.memory.history : push(c.memory.history, limit);
        return {
          ...c,
          state: 'oom-killed' as const,
          oomKills: Math.max(c.oomKills + 1, kill.count),
          lastOom: { comm: kill.comm, pid: kill.pid ?? kill.hostPid, limit, at: event.at },
          memory: { ...c.memory, peak: Math.max(c.memory.peak, limit ?? 0), history },
        };
      });
      return { ...state, events, containers, banner: { text: line.text, level: 'error', at: event.at } };
    });
  }
}
