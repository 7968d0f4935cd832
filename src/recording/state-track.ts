/**
 * The state track of a ctr-tui recording: what the dashboard was drawn from, beside what it drew.
 *
 * A recording is one asciicast v2 file (https://docs.asciinema.org/manual/asciicast/v2/): a JSON
 * header line, then one JSON array per line, `[seconds_since_start, code, data]`, times absolute
 * and non-decreasing. asciinema 2.2 and asciinema-player ignore the codes they do not know, so the
 * state track lives in the same file:
 *
 *   {"version":2,"width":100,"height":30,"timestamp":1764620000,"title":"...","env":{...},"ctr_tui":{"state_track":1}}
 *   [0.012,"o","\u001b[?1049h..."]          terminal output
 *   [0.5,"r","120x40"]                      a resize, COLSxROWS
 *   [0.9,"i","q"]                           input, only when recorded with --input
 *   [1.2,"m","OOM kill in lab: hungry (pid 2) hit the 32 MiB limit"]   a marker per runtime event
 *   [1.2,"s",{"type":"event","event":{"kind":"oom-kill","name":"lab",...}}]
 *   [1.0,"s",{"type":"sample","containers":[...],"host":{...}}]
 *   [10.0,"s",{"type":"snapshot","state":{...}}]
 *
 * `ctr_tui.state_track` in the header is the track's version (1), present when there is one.
 * Fields are only ever added: a reader ignores what it does not know.
 */

import type { RuntimeEvent } from '../runtime/events.js';
import { describeEvent } from '../runtime/events.js';
import type { DashboardState, HostView } from '../ui/model.js';

export const STATE_TRACK_VERSION = 1;
/** The asciicast event code of state lines. */
export const STATE_CODE = 's';

/** The header's own key. */
export interface CtrTuiHeader {
  state_track: number;
}

/** A runtime event as `ctr-tui events --json` prints it (the README's Events schema), at the moment it arrived. */
export interface EventLine {
  type: 'event';
  event: RuntimeEvent;
}

/** One container in a sample line. */
export interface SampleContainer {
  name: string;
  /** As the dashboard shows it: created, running, exited or oom-killed. */
  state: 'created' | 'running' | 'exited' | 'oom-killed';
  /** Bytes; limit null: none. */
  memory: { current: number; peak: number; limit: number | null };
  pids: number;
  /** Of one core (100 = one core busy). */
  cpuPercent: number;
  /** Bytes per second, from the container's side; 0 without a veth. */
  net: { rxRate: number; txRate: number };
}

/**
 * Every sampling tick of the dashboard's source (1 s, 200 ms while some container's memory
 * moves): every container sampled at that tick (the running ones), as the dashboard showed it
 * after the tick. A container that is not running is not sampled: its state changes are in the
 * event lines. `host` is the host panel's figures (the last ones sampled, every 3 s), null
 * before the first.
 */
export interface SampleLine {
  type: 'sample';
  containers: SampleContainer[];
  host: HostView | null;
}

/**
 * A keyframe, every 10 s and at the start: the whole DashboardState (src/ui/model.ts) but the
 * graphs' histories (memory.history, net.rxHistory, net.txHistory are empty arrays): a reader
 * seeking to time t starts from the last snapshot before t and applies the lines after it; the
 * histories are the sample lines' memory.current and net rates before t.
 */
export interface SnapshotLine {
  type: 'snapshot';
  state: DashboardState;
}

export type StateLine = EventLine | SampleLine | SnapshotLine;

/** A marker's label: the event's one-line description, naming its container. */
export function markerLabel(event: RuntimeEvent): string {
  // The OOM kill's description names the container already ("OOM kill in lab: ...").
  return event.kind === 'oom-kill' ? describeEvent(event) : `${event.name} ${describeEvent(event)}`;
}

/** The sample line of a tick: the containers named in `sampled` (all of them when not given). */
export function sampleLine(state: DashboardState, sampled?: ReadonlySet<string>): SampleLine {
  return {
    type: 'sample',
    containers: state.containers.filter((c) => !sampled || sampled.has(c.name)).map((c) => ({
      name: c.name,
      state: c.state,
      memory: { current: c.memory.current, peak: c.memory.peak, limit: c.memory.limit },
      pids: c.pids,
      cpuPercent: Math.round(c.cpuPercent * 10) / 10,
      net: { rxRate: Math.round(c.net.rxRate), txRate: Math.round(c.net.txRate) },
    })),
    host: state.host,
  };
}

export function snapshotLine(state: DashboardState): SnapshotLine {
  return {
    type: 'snapshot',
    state: {
      ...state,
      containers: state.containers.map((c) => ({ ...c, memory: { ...c.memory, history: [] }, net: { ...c.net, rxHistory: [], txHistory: [] } })),
    },
  };
}

/** A state line read back, or null when `data` is not one (a reader skips it). */
export function parseStateLine(data: unknown): StateLine | null {
  if (typeof data !== 'object' || data === null) return null;
  const type = (data as { type?: unknown }).type;
  return type === 'event' || type === 'sample' || type === 'snapshot' ? (data as StateLine) : null;
}
