import { applyEvent } from '../dashboard/store-feed.js';
import type { ContainerView, DashboardState } from '../ui/model.js';
import { emptyDashboardState } from '../ui/model.js';
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

/**
 * The dashboard's state rebuilt from a recording's state track, as it stood after the last of
 * `lines`: from the last snapshot, each event applied as the live dashboard applies it
 * (store-feed.ts) and each sample's figures set, the graphs' histories grown from the samples.
 * A container that a sample names but no snapshot had yet (made between two snapshots) gets
 * its figures from the next snapshot on; until then it is left out.
 */
export function replayState(lines: readonly StateLine[]): DashboardState {
  let from = -1;
  lines.forEach((line, i) => {
    if (line.type === 'snapshot') from = i;
  });
  let state: DashboardState = from >= 0 ? (lines[from] as Extract<StateLine, { type: 'snapshot' }>).state : emptyDashboardState;
  // Histories are in the samples before the snapshot too: grow them from those first.
  const history = lines.slice(0, Math.max(0, from)).filter((l): l is SampleLine => l.type === 'sample');
  for (const sample of history) state = applySample(state, sample, false);
  for (const line of lines.slice(from + 1)) {
    if (line.type === 'event') state = applyEvent(state, line.event);
    else if (line.type === 'sample') state = applySample(state, line, true);
  }
  return state;
}

function applySample(state: DashboardState, sample: SampleLine, current: boolean): DashboardState {
  const byName = new Map(sample.containers.map((c) => [c.name, c]));
  const containers = state.containers.map((view) => {
    const s = byName.get(view.name);
    if (!s) return view;
    if (current) return withSample(view, s);
    return { ...view, memory: { ...view.memory, history: push(view.memory.history, s.memory.current) }, net: { ...view.net, rxHistory: push(view.net.rxHistory, s.net.rxRate), txHistory: push(view.net.txHistory, s.net.txRate) } };
  });
  return { ...state, containers, host: current ? sample.host ?? state.host : state.host };
}
