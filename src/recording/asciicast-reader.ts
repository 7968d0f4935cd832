/**
 * Reads asciicast v2 recordings (the format `asciinema rec` writes and `ctr-tui record` writes):
 * a JSON header line, then one `[seconds, code, data]` line per event, times absolute.
 *
 *   o output, i input, r resize ("COLSxROWS"), m marker (data: its label) — the standard codes;
 *   s ctr-tui's state track (data: an object: {"type":"event","event":...} with an event as
 *     `ctr-tui events --json` prints it, {"type":"sample","containers":[...],"host":{...}}, or
 *     {"type":"snapshot",...}).
 * Unknown codes and unknown state types are skipped, as the format asks of every consumer.
 *
 * The file is read as a stream, line by line, so a long recording never sits in memory twice.
 *
 * Bad input is one line, `FILE:LINE: what is wrong`, thrown as a UsageError (exit 2): a file that
 * is not asciicast at all, asciicast v1 (one JSON object) or v3, a header without a size, an
 * event line that is not `[time, code, data]`.
 *
 * One exception, on purpose: a LAST line cut short (no newline at the end, and not valid JSON) is
 * what a recorder killed mid-write leaves, and everything before it is a good recording. It is
 * dropped, the recording plays, and `warnings` carries one line naming the file and line
 * (`ctr-tui play` prints it on stderr before playing). A bad line anywhere else, or a bad last
 * line that does end with a newline, is an error.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../runtime/errors.js';
import type { RuntimeEvent } from '../runtime/events.js';

export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  /** Seconds since the epoch when recording began, if the recorder said. */
  timestamp?: number;
  title?: string;
  env?: Record<string, string>;
  /** Pauses longer than this are shortened to it on playback (asciinema's rule). */
  idleTimeLimit?: number;
  /** The recorder announced a ctr-tui state track ("ctr_tui":{"state_track":1}). */
  stateTrack: boolean;
}

/** A terminal event: o, i, r or m. */
export interface CastEvent {
  time: number;
  code: 'o' | 'i' | 'r' | 'm';
  data: string;
}

export interface Marker {
  time: number;
  label: string;
}

export interface ContainerSample {
  name: string;
  state?: string;
  memory?: { current?: number; peak?: number; limit?: number | null };
  pids?: number;
  cpuPercent?: number;
  net?: { rxRate?: number; txRate?: number };
}

export type StateRecord =
  | { type: 'event'; event: RuntimeEvent }
  | { type: 'sample'; containers: ContainerSample[]; host?: Record<string, unknown> }
  | { type: 'snapshot'; [key: string]: unknown };

export interface StateLine {
  time: number;
  record: StateRecord;
}

export interface Cast {
  file: string;
  header: CastHeader;
  /** o, i, r and m events, in file order, times never going back. */
  events: CastEvent[];
  markers: Marker[];
  /** The state track, in file order. */
  state: StateLine[];
  /** The time of the last event (of any code). */
  duration: number;
  /** One line each: things that were wrong but did not stop playback (a cut-off last line). */
  warnings: string[];
}

/** A recording that cannot be read: `FILE:LINE: what`. */
export class CastFormatError extends UsageError {
  constructor(readonly file: string, readonly line: number, readonly what: string) {
    super(`${file}:${line}: ${what}`);
  }
}

const STATE_TYPES = new Set(['event', 'sample', 'snapshot']);

/** Builds a Cast from lines as they come; `end()` says whether the text ended with a newline. */
export class CastParser {
  private lineNo = 0;
  private header: CastHeader | null = null;
  private readonly events: CastEvent[] = [];
  private readonly markers: Marker[] = [];
  private readonly state: StateLine[] = [];
  private readonly warnings: string[] = [];
  private lastTime = 0;

  constructor(readonly file: string) {}

  get hasHeader(): boolean {
    return this.header !== null;
  }

  /** One complete line (without its newline). */
  line(text: string): void {
    this.lineNo++;
    this.parse(text, this.lineNo, false);
  }

  /** The text ended; `rest` is what followed the last newline (empty when it ended with one). */
  end(rest: string): Cast {
    if (rest.trim() !== '') {
      this.lineNo++;
      this.parse(rest, this.lineNo, true);
    }
    if (!this.header) throw new CastFormatError(this.file, 1, 'empty file: not an asciicast recording (a JSON header line, then [time, code, data] lines)');
    const last = Math.max(this.lastTime, this.events.at(-1)?.time ?? 0);
    return { file: this.file, header: this.header, events: this.events, markers: this.markers, state: this.state, duration: last, warnings: this.warnings };
  }

  private fail(no: number, what: string): never {
    throw new CastFormatError(this.file, no, what);
  }

  private parse(text: string, no: number, cutShort: boolean): void {
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (!this.header) return this.parseHeader(text, no);
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (cutShort) {
        this.warnings.push(`${this.file}:${no}: the last line is cut short (the recorder stopped mid-write): played up to ${this.lastTime.toFixed(1)} s`);
        return;
      }
      this.fail(no, `not JSON: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} (an event line is [time, code, data])`);
    }
    if (!Array.isArray(value) || value.length < 3) this.fail(no, 'an event line must be a JSON array [time, code, data]');
    const [time, code, data] = value as [unknown, unknown, unknown];
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) this.fail(no, `the time ${JSON.stringify(time)} is not a number of seconds >= 0`);
    if (typeof code !== 'string') this.fail(no, `the event code ${JSON.stringify(code)} is not a string`);
    // Times are absolute and should never go back; a recorder's clock may wobble: hold it still.
    const t = Math.max(time, this.lastTime);
    this.lastTime = t;
    switch (code) {
      case 'o':
      case 'i':
      case 'm':
        if (typeof data !== 'string') this.fail(no, `the data of an "${code}" event must be a string`);
        this.events.push({ time: t, code, data });
        if (code === 'm') this.markers.push({ time: t, label: data });
        return;
      case 'r':
        if (typeof data !== 'string' || !/^\d+x\d+$/.test(data)) this.fail(no, `a resize ("r") event's data must be "COLSxROWS", not ${JSON.stringify(data)}`);
        this.events.push({ time: t, code, data });
        return;
      case 's': {
        const record = data as { type?: unknown } | null;
        if (typeof record !== 'object' || record === null || Array.isArray(record)) this.fail(no, 'a state ("s") line\'s data must be a JSON object');
        if (typeof record.type === 'string' && STATE_TYPES.has(record.type)) this.state.push({ time: t, record: record as StateRecord });
        return;
      }
      default:
        return; // an unknown code: skipped, as the format asks
    }
  }

  private parseHeader(text: string, no: number): void {
    const trimmed = text.trim();
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      if (trimmed.startsWith('{')) {
        this.fail(no, 'not an asciicast v2 header (a JSON object on one line); an object spread over lines is asciicast v1, which is not supported: record again, or convert it with asciinema');
      }
      this.fail(no, 'not an asciicast recording: the first line must be a JSON header like {"version": 2, "width": 80, "height": 24}');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(no, 'not an asciicast recording: the first line must be a JSON object, the header');
    }
    const h = value as Record<string, unknown>;
    if (h.version === 1 || Array.isArray(h.stdout)) this.fail(no, 'asciicast v1 is not supported, only v2: convert it with `asciinema convert -f asciicast-v2 IN OUT`');
    if (h.version === 3) this.fail(no, 'asciicast v3 is not supported, only v2: convert it with `asciinema convert -f asciicast-v2 IN OUT` (or record with --output-format asciicast-v2)');
    if (h.version !== 2) this.fail(no, `unknown asciicast version ${JSON.stringify(h.version)}: only version 2 is supported`);
    const size = (key: 'width' | 'height') => {
      const n = h[key];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10000) this.fail(no, `the header's "${key}" must be a whole number of ${key === 'width' ? 'columns' : 'rows'}, not ${JSON.stringify(n)}`);
      return n;
    };
    const header: CastHeader = { version: 2, width: size('width'), height: size('height'), stateTrack: false };
    if (typeof h.timestamp === 'number') header.timestamp = h.timestamp;
    if (typeof h.title === 'string') header.title = h.title;
    if (typeof h.env === 'object' && h.env !== null) header.env = h.env as Record<string, string>;
    if (typeof h.idle_time_limit === 'number' && h.idle_time_limit > 0) header.idleTimeLimit = h.idle_time_limit;
    const ours = h.ctr_tui as { state_track?: unknown } | undefined;
    header.stateTrack = typeof ours === 'object' && ours !== null && ours.state_track === 1;
    this.header = header;
  }
}

/** Parses a whole recording held in memory. */
export function parseCast(text: string, file = '<recording>'): Cast {
  const parser = new CastParser(file);
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    parser.line(text.slice(start, nl));
    start = nl + 1;
  }
  return parser.end(text.slice(start));
}

const HEADER_MAX = 1 << 20;

/** Reads a recording from disk as a stream. A missing file is a UsageError too. */
export async function readCast(file: string): Promise<Cast> {
  const parser = new CastParser(file);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      const text = rest + decoder.write(chunk as Buffer);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        parser.line(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
      // A header is a short line: a megabyte with no newline yet is some other kind of file.
      if (!parser.hasHeader && start === 0 && rest.length > HEADER_MAX) {
        throw new CastFormatError(file, 1, `not an asciicast recording: no end of the header line in the first ${HEADER_MAX >> 20} MiB`);
      }
    }
  } catch (error) {
    if (error instanceof CastFormatError) throw error;
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new UsageError(`no such file: ${file}`);
    if (e.code === 'EISDIR') throw new UsageError(`${file} is a directory, not a recording`);
    if (e.code === 'EACCES') throw new UsageError(`cannot read ${file}: permission denied`);
    throw error;
  }
  return parser.end(rest + decoder.end());
}

/**
 * asciinema's idle time limit: every pause longer than `limit` seconds is shortened to it, and
 * every later time moves up by what was cut. Markers and the state track move with the output,
 * so a chapter or a chart point stays on the frame it belongs to. asciinema-player applies the
 * same rule to the same header field.
 */
export function limitIdle(cast: Cast, limit = cast.header.idleTimeLimit): Cast {
  if (!limit) return cast;
  // As the player does: the cuts come from the terminal events (o, i, r, m) alone; a state line
  // keeps its distance from the event before it, up to the limit.
  const mappedEvents: number[] = [];
  let prev = 0;
  let out = 0;
  for (const e of cast.events) {
    out += Math.min(e.time - prev, limit);
    prev = e.time;
    mappedEvents.push(out);
  }
  const at = (t: number) => {
    const i = upperBound(cast.events, t) - 1;
    if (i < 0) return Math.min(t, limit);
    return mappedEvents[i]! + Math.min(t - cast.events[i]!.time, limit);
  };
  const events = cast.events.map((e, i) => ({ ...e, time: mappedEvents[i]! }));
  const state = cast.state.map((s) => ({ ...s, time: at(s.time) }));
  return {
    ...cast,
    events,
    markers: events.filter((e) => e.code === 'm').map((e) => ({ time: e.time, label: e.data })),
    state,
    duration: Math.max(events.at(-1)?.time ?? 0, state.at(-1)?.time ?? 0),
  };
}

/** The index of the first element whose time is > t (times sorted ascending). */
export function upperBound(items: readonly { time: number }[], t: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.time <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The state lines recorded up to and including time t, in order (for a view rebuilt at t). */
export function stateUntil(cast: Cast, t: number): StateLine[] {
  return cast.state.slice(0, upperBound(cast.state, t));
}

/** The last sample at or before t, or null. */
export function sampleAt(cast: Cast, t: number): (StateLine & { record: Extract<StateRecord, { type: 'sample' }> }) | null {
  for (let i = upperBound(cast.state, t) - 1; i >= 0; i--) {
    const line = cast.state[i]!;
    if (line.record.type === 'sample') return line as StateLine & { record: Extract<StateRecord, { type: 'sample' }> };
  }
  return null;
}

/** The last marker at or before t (the current chapter), or null before the first. */
export function markerAt(cast: Cast, t: number): Marker | null {
  const i = upperBound(cast.markers, t);
  return i > 0 ? cast.markers[i - 1]! : null;
}
