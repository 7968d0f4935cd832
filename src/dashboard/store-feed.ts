import { describeEvent, type RuntimeEvent } from '../runtime/events.js';
import type { ContainerView, DashboardState, EventView } from '../ui/model.js';
import type { Store } from '../ui/store.js';
import type { ContainerFacts, ContainerSample, DashboardSource, SourceTick } from './source.js';

const historyLength = 240;
const eventsKept = 200;
export const bannerMs = 15_000;

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

function viewOf(info: ContainerFacts, previous: ContainerView | undefined, now: number): ContainerView {
  const exit = info.exit;
  const oomKills = Math.max(previous?.oomKills ?? 0, exit?.oomKills ?? 0);
  const killedByOom = exit !== null && exit.signal === 9 && oomKills > 0;
  const recentOom = previous?.lastOom ? now - previous.lastOom.at < bannerMs : false;
  return {
    name: info.name,
    state: killedByOom || (info.state === 'running' && recentOom) ? 'oom-killed' : info.state,
    pid: info.state === 'running' ? info.pid : null,
    ip: info.ip,
    hostIp: info.hostIp,
    hostVeth: info.hostVeth,
    command: info.command,
    createdAt: info.createdAt,
    startedAt: info.startedAt,
    exitCode: exit ? exit.code ?? 128 + (exit.signal ?? 0) : null,
    memory: previous?.memory ?? { current: 0, peak: 0, limit: info.memoryLimit, history: [] },
    cpuPercent: info.state === 'running' ? previous?.cpuPercent ?? 0 : 0,
    pids: info.state === 'running' ? previous?.pids ?? 0 : 0,
    oomKills,
    lastOom: previous?.lastOom ?? null,
    net: previous?.net ?? { rxBytes: 0, txBytes: 0, rxRate: 0, txRate: 0, rxHistory: [], txHistory: [] },
  };
}

function withSample(view: ContainerView, s: ContainerSample): ContainerView {
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

/** The state after a tick: one store update for every container and the host. */
export function applyTick(state: DashboardState, tick: SourceTick): DashboardState {
  const previous = new Map(state.containers.map((c) => [c.name, c]));
  const samples = new Map(tick.samples.map((s) => [s.name, s]));
  const containers = tick.containers.map((info) => {
    const view = viewOf(info, previous.get(info.name), tick.at);
    const sample = samples.get(info.name);
    return sample ? withSample(view, sample) : view;
  });
  const banner = state.banner && tick.at - state.banner.at > bannerMs ? null : state.banner;
  return { ...state, containers, host: tick.host ?? state.host, banner };
}

/** The state after an event: a line in the log; for an OOM kill, the row, the graph and the banner. */
export function applyEvent(state: DashboardState, event: RuntimeEvent): DashboardState {
  const line: EventView = { at: event.at, container: event.name, kind: event.kind, text: describeEvent(event) };
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
}

/**
 * Feeds a store from a source: each tick is one store update, each event one more, at once, so
 * that an OOM kill reaches the screen within a frame. Returns the way to stop.
 */
export function feedStore(source: DashboardSource, store: Store<DashboardState>): () => void {
  store.setState((s) => ({ ...s, cgroupVersion: source.cgroupVersion }));
  return source.subscribe({
    tick: (tick) => store.setState((state) => applyTick(state, tick)),
    event: (event) => store.setState((state) => applyEvent(state, event)),
  });
}
