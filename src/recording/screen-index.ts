/**
 * Seeking in a recording: what the terminal showed at time t.
 *
 * A terminal's screen at t depends on every byte written before t, and a dashboard recording
 * (Ink's incremental frames) never clears the screen, so "replay from the last clear" does not
 * work. Instead the recording's output is fed once through a headless terminal
 * (@xterm/headless) and its screen is kept, serialized (@xterm/addon-serialize), every
 * `interval` seconds of recording and every `maxBytes` of output: a keyframe. Seeking restores
 * the keyframe before t and replays only the output from there to t.
 *
 * A keyframe is the screen (both buffers, cursor, colours, the terminal modes the serializer
 * knows), not everything a terminal holds: a scroll region or a character set switched before
 * the keyframe is not carried over. Recordings of full-screen programs redraw those soon.
 */
import xterm from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { upperBound, type Cast, type CastEvent } from './asciicast-reader.js';

export interface Keyframe {
  /** The screen after the events before `next`; `time` is the last of those events' time. */
  time: number;
  next: number;
  cols: number;
  rows: number;
  screen: string;
}

export interface IndexOptions {
  /** Seconds of recording between keyframes. */
  interval?: number;
  /** Bytes of output between keyframes, at most. */
  maxBytes?: number;
  /** Called now and then with the share of the recording indexed, 0..1. */
  onProgress?: (done: number) => void;
  /** Stops the build (it then rejects with the signal's reason). */
  signal?: AbortSignal;
}

type Terminal = InstanceType<typeof xterm.Terminal>;

function newTerminal(cols: number, rows: number): { term: Terminal; serialize: () => string } {
  const term = new xterm.Terminal({ cols, rows, scrollback: 0, allowProposedApi: true });
  const addon = new serializeAddon.SerializeAddon();
  term.loadAddon(addon as never);
  return { term, serialize: () => addon.serialize({ scrollback: 0 }) };
}

const written = (term: Terminal, data: string) => new Promise<void>((resolve) => term.write(data, resolve));

function parseSize(data: string): [number, number] {
  const [cols, rows] = data.split('x').map(Number);
  return [Math.max(1, cols!), Math.max(1, rows!)];
}

/**
 * Feeds events [from, to) to a terminal: consecutive output as one write, a resize after the
 * output before it has been parsed.
 */
async function apply(term: Terminal, events: readonly CastEvent[], from: number, to: number): Promise<void> {
  let batch = '';
  for (let i = from; i < to; i++) {
    const event = events[i]!;
    if (event.code === 'o') batch += event.data;
    else if (event.code === 'r') {
      if (batch) await written(term, batch);
      batch = '';
      const [cols, rows] = parseSize(event.data);
      term.resize(cols, rows);
    }
  }
  if (batch) await written(term, batch);
}

export class ScreenIndex {
  private constructor(readonly cast: Cast, readonly keyframes: readonly Keyframe[]) {}

  static async build(cast: Cast, options: IndexOptions = {}): Promise<ScreenIndex> {
    const interval = options.interval ?? 5;
    const maxBytes = options.maxBytes ?? 1 << 20;
    const { header, events } = cast;
    const { term, serialize } = newTerminal(header.width, header.height);
    const keyframes: Keyframe[] = [{ time: 0, next: 0, cols: header.width, rows: header.height, screen: '' }];
    let from = 0;
    let bytes = 0;
    let lastKey = 0;
    let lastProgress = 0;
    try {
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        if (event.code === 'o') bytes += event.data.length;
        const due = event.time - lastKey >= interval || bytes >= maxBytes;
        // A keyframe before this event (which has a later time), once enough has passed.
        if (due && i > from && events[i - 1]!.time < event.time) {
          options.signal?.throwIfAborted();
          await apply(term, events, from, i);
          from = i;
          keyframes.push({ time: events[i - 1]!.time, next: i, cols: term.cols, rows: term.rows, screen: serialize() });
          lastKey = event.time;
          bytes = 0;
          if (options.onProgress && i - lastProgress > 5000) {
            options.onProgress(i / events.length);
            lastProgress = i;
          }
        }
      }
    } finally {
      term.dispose();
    }
    return new ScreenIndex(cast, keyframes);
  }

  /** The last keyframe at or before t. */
  keyframeAt(t: number): Keyframe {
    return this.keyframes[Math.max(0, upperBound(this.keyframes, t) - 1)]!;
  }
}

/**
 * A terminal showing a recording at a position: `seek` jumps anywhere (keyframe + a few seconds
 * of output), `advanceTo` plays forward. `position` is the number of events applied.
 */
export class VirtualScreen {
  readonly term: Terminal;
  private applied = 0;

  constructor(readonly index: ScreenIndex) {
    const { width, height } = index.cast.header;
    this.term = newTerminal(width, height).term;
  }

  get position(): number {
    return this.applied;
  }

  /** Shows the screen at t: every event with time <= t applied, no later one. */
  async seek(t: number): Promise<void> {
    const events = this.index.cast.events;
    const target = upperBound(events, t);
    // Playing on is cheaper than a keyframe when the target is just ahead.
    const key = this.index.keyframeAt(t);
    if (target >= this.applied && key.next <= this.applied) return this.advanceTo(t);
    this.term.reset();
    this.term.resize(key.cols, key.rows);
    if (key.screen) await written(this.term, key.screen);
    this.applied = key.next;
    await apply(this.term, events, this.applied, target);
    this.applied = target;
  }

  /** Applies the events up to time t (never goes back). */
  async advanceTo(t: number): Promise<void> {
    const target = upperBound(this.index.cast.events, t);
    if (target <= this.applied) return;
    const from = this.applied;
    this.applied = target;
    await apply(this.term, this.index.cast.events, from, target);
  }

  /** Applies events up to and including the next output or resize; its time, or null at the end. */
  async step(): Promise<number | null> {
    const events = this.index.cast.events;
    let i = this.applied;
    while (i < events.length && events[i]!.code !== 'o' && events[i]!.code !== 'r') i++;
    if (i >= events.length) return null;
    // Every event sharing that time goes too, so position stays "all events <= t".
    const time = events[i]!.time;
    await this.advanceTo(time);
    return time;
  }

  dispose(): void {
    this.term.dispose();
  }
}
