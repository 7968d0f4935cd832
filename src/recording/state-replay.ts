import { applyEvent, bannerMs, viewOf } from '../dashboard/store-feed.js';
import type { ContainerFacts } from '../dashboard/source.js';
import type { RuntimeEvent } from '../runtime/events.js';
import type { ContainerView, DashboardState } from '../ui/model.js';
import { emptyDashboardState } from '../ui/model.js';
import { stateUntil, type Cast } from './asciicast-reader.js';
import type { SampleLine, StateLine } from './state-track.js';

const historyLength = 240;

function push(history: number[], value: number): number[] {
  return [...history, value].slice(-historyLength);
}

function withSample(view: ContainerView, sample: SampleLine['containers'][number]): ContainerView {
  return {
    ...view,
    state: sample.state,
    memory: { current: sample.memory.current, peak: sample.memory.peak, limit: sample.memory.limit, history: push(view.memory.history, sample.memory.current) },
    pids: sample.pids,
    cpuPercent: sample.cpuPercent,
    net: { ...view.net, rxRate: sample.net.rxRate, txRate: sample.net.txRate, rxHistory: push(view.net.rxHistory, sample.net.rxRate), txHistory: push(view.net.txHistory, sample.net.txRate) },
  };
}

/** The facts an event line tells of its container (no record in a recording: what the row needs). */
function factsOf(view: ContainerView | undefined, event: RuntimeEvent): ContainerFacts {
  const facts: ContainerFacts = {
    name: event.name,
    state: view?.state === 'oom-killed' ? (view.pid !== null ? 'running' : 'exited') : view?.state ?? 'created',
    pid: view?.pid ?? null,
    ip: view?.ip ?? null,
    hostIp: view?.hostIp ?? null,
    hostVeth: view?.hostVeth ?? null,
    command: view?.command ?? [],
    createdAt: view?.createdAt ?? event.at,
    startedAt: view?.startedAt ?? null,
    exit: null,
    memoryLimit: view?.memory.limit ?? null,
  };
  if (event.kind === 'started') Object.assign(facts, { state: 'running', pid: event.pid, startedAt: event.at });
  if (event.kind === 'exited') Object.assign(facts, { state: 'exited', pid: null, exit: { code: event.exit.code, signal: event.exit.signal, oomKills: event.exit.oomKills } });
  return facts;
}

/**
 * A container's lifecycle event applied to the rows, as a tick after it would show it: a
 * container created (also one made after the last snapshot: its row is built from its created
 * and started lines), started, exited or removed.
 */
function applyLifecycle(state: DashboardState, event: RuntimeEvent): DashboardState {
  if (event.kind === 'oom-kill') return state;
  const index = state.containers.findIndex((c) => c.name === event.name);
  if (event.kind === 'removed') return index < 0 ? state : { ...state, containers: state.containers.filter((_, i) => i !== index) };
  const previous = index >= 0 ? state.containers[index] : undefined;
  const view = viewOf(factsOf(previous, event), previous, event.at);
  // An exit keeps the OOM state the kill gave it (viewOf: signal 9 with kills is an OOM kill).
  const containers = index >= 0 ? state.containers.map((c, i) => (i === index ? view : c)) : [...state.containers, view];
  return { ...state, containers };
}

/**
 * The dashboard's state rebuilt from a recording's state track, as it stood after the last of
 * `lines`: from the last snapshot, each event applied as the live dashboard applies it
 * (store-feed.ts: the log line, the OOM kill's row, graph and banner; the lifecycle events as the
 * next tick would show them, so that a container made after the last snapshot has its row from
 * its created and started lines) and each sample's figures set, the graphs' histories grown from
 * the samples (the last 240 before the snapshot, then the ones after it).
 */
export function replayState(lines: readonly StateLine[]): DashboardState {
  let from = -1;
  lines.forEach((line, i) => {
    if (line.type === 'snapshot') from = i;
  });
  let state: DashboardState = from >= 0 ? (lines[from] as Extract<StateLine, { type: 'snapshot' }>).state : emptyDashboardState;
  // Histories are in the samples before the snapshot too: the last 240 of them, in one pass.
  if (from > 0) state = withHistories(state, lines.slice(0, from).filter((l): l is SampleLine => l.type === 'sample').slice(-historyLength));
  for (const line of lines.slice(from + 1)) {
    if (line.type === 'event') state = applyEvent(applyLifecycle(state, line.event), line.event);
    else if (line.type === 'sample') state = applySample(state, line);
  }
  return state;
}

/** The recording's wall clock at time t (ms since the epoch): its header's timestamp, plus t. */
export function recordedClock(cast: Cast, t: number): number {
  return ((cast.header.timestamp ?? 0) + t) * 1000;
}

/**
 * The recorder writes an event's marker, then its state line, microseconds apart: a seek to the
 * marker (']') must see the event. Lines this close after t count as at t.
 */
export const SAME_MOMENT = 0.005;

/**
 * The dashboard as it stood at time t of a recording (the reader's state lines up to t,
 * replayed), its banner gone once it is older than the live dashboard keeps it.
 */
export function stateAt(cast: Cast, t: number): DashboardState {
  const state = replayState(stateUntil(cast, t + SAME_MOMENT).map((line) => line.record as StateLine));
  const banner = state.banner && recordedClock(cast, t) - state.banner.at > bannerMs ? null : state.banner;
  return banner === state.banner ? state : { ...state, banner };
}

/** The graphs' histories from samples before a snapshot (oldest first), each container's own points. */
function withHistories(state: DashboardState, samples: readonly SampleLine[]): DashboardState {
  const points = new Map(state.containers.map((c) => [c.name, { memory: [] as number[], rx: [] as number[], tx: [] as number[] }]));
  for (const sample of samples) {
    for (const s of sample.containers) {
      const p = points.get(s.name);
      if (!p) continue;
      p.memory.push(s.memory.current);
      p.rx.push(s.net.rxRate);
      p.tx.push(s.net.txRate);
    }
  }
  const containers = state.containers.map((view) => {
    const p = points.get(view.name)!;
    return {
      ...view,
      memory: { ...view.memory, history: [...p.memory, ...view.memory.history].slice(-historyLength) },
      net: { ...view.net, rxHistory: [...p.rx, ...view.net.rxHistory].slice(-historyLength), txHistory: [...p.tx, ...view.net.txHistory].slice(-historyLength) },
    };
  });
  return { ...state, containers };
}

function applySample(state: DashboardState, sample: SampleLine): DashboardState {
  const byName = new Map(sample.containers.map((c) => [c.name, c]));
  const containers = state.containers.map((view) => {
    const s = byName.get(view.name);
    return s ? withSample(view, s) : view;
  });
  return { ...state, containers, host: sample.host ?? state.host };
}
