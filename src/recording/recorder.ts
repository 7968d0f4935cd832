import { existsSync } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { DashboardSource } from '../dashboard/source.js';
import type { DashboardState } from '../ui/model.js';
import type { Store } from '../ui/store.js';
import { CastWriter, type CastOpenOptions } from './cast-writer.js';
import { markerLabel, sampleLine, snapshotLine, STATE_CODE, type StateLine } from './state-track.js';

/** A keyframe (snapshot line) this often, so that a reader can seek without reading from the start. */
const snapshotEveryS = 10;

export interface RecordingOptions extends CastOpenOptions {
  /** The .cast file; by default defaultRecordingPath() in the current directory. */
  file?: string;
  title?: string;
  /** Record the keys typed too ("i" lines): off by default, since they may hold passwords. */
  input?: boolean;
}

/**
 * ./ctr-tui-YYYY-MM-DD-HHMMSS.cast (local time): where a recording goes without -o. The current
 * directory, so that under sudo the file lands where the teacher is, not in root's home; with
 * -2, -3... when a file of that name exists (two recordings in one second).
 */
export function defaultRecordingPath(now = new Date(), dir = process.cwd()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}-${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
  for (let n = 1; ; n++) {
    const file = path.join(dir, `ctr-tui-${stamp}${n > 1 ? `-${n}` : ''}.cast`);
    if (!existsSync(file)) return file;
  }
}

export interface RecordingResult {
  path: string;
  bytes: number;
  seconds: number;
  /** Why it stopped before it was asked to (a write failed: the disk is full), or null. */
  error: string | null;
}

/**
 * One recording: terminal output, resizes and (optionally) input, as the terminal saw them, and
 * the state track from the SAME source and store the views read: a marker and an event line for
 * every runtime event, a sample line at every sampling tick, a snapshot every 10 s.
 *
 * The caller taps the terminal (output(), input(), resize()); the recorder subscribes to the
 * source itself. It must subscribe after the store's feed (feedStore), so that a sample line
 * holds the state the tick has just made.
 */
export class SessionRecorder {
  private readonly writer: CastWriter;
  private readonly unsubscribe: () => void;
  private readonly decoder = new StringDecoder('utf8');
  private lastSnapshot = -Infinity;
  private failure: string | null = null;
  readonly recordsInput: boolean;

  constructor(source: DashboardSource, private readonly store: Store<DashboardState>, size: { columns: number; rows: number }, options: RecordingOptions = {}, private readonly onFailure?: (message: string) => void) {
    this.writer = CastWriter.open(options.file ?? defaultRecordingPath(), { width: size.columns, height: size.rows, title: options.title, stateTrack: true }, options);
    this.recordsInput = options.input ?? false;
    this.snapshot();
    this.unsubscribe = source.subscribe({
      event: (event) => this.safely(() => {
        this.writer.marker(markerLabel(event));
        this.state({ type: 'event', event });
      }),
      tick: (tick) => this.safely(() => {
        const state = this.store.getSnapshot();
        this.state(sampleLine(state, new Set(tick.samples.map((sample) => sample.name))));
        if (this.writer.elapsed() - this.lastSnapshot >= snapshotEveryS) this.snapshot();
      }),
    });
  }

  get path(): string {
    return this.writer.path;
  }

  /** Seconds since the recording started. */
  elapsed(): number {
    return this.writer.elapsed();
  }

  output(data: string | Uint8Array): void {
    const text = typeof data === 'string' ? data : this.decoder.write(Buffer.from(data));
    this.safely(() => this.writer.output(text));
  }

  input(data: string | Uint8Array): void {
    if (this.recordsInput) this.safely(() => this.writer.input(typeof data === 'string' ? data : Buffer.from(data).toString('utf8')));
  }

  resize(columns: number, rows: number): void {
    this.safely(() => this.writer.resize(columns, rows));
  }

  stop(): RecordingResult {
    this.unsubscribe();
    const seconds = this.writer.elapsed();
    let bytes = this.writer.bytes;
    try {
      bytes = this.writer.close();
    } catch (error) {
      this.failure ??= `${(error as Error).message}`;
    }
    return { path: this.writer.path, bytes, seconds, error: this.failure };
  }

  private snapshot(): void {
    this.lastSnapshot = this.writer.elapsed();
    this.state(snapshotLine(this.store.getSnapshot()));
  }

  private state(line: StateLine): void {
    this.writer.event(STATE_CODE, line);
  }

  /** A failed write (a full disk) ends the recording, not the session. */
  private safely(write: () => void): void {
    if (this.failure !== null || this.writer.closed) return;
    try {
      write();
    } catch (error) {
      this.failure = `recording to ${this.writer.path} stopped: ${(error as Error).message}`;
      try {
        this.writer.close();
      } catch {
        // the failure above says it
      }
      this.onFailure?.(this.failure);
    }
  }
}
