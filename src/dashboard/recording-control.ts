import { formatBytes } from '../ui/format.js';
import { formatRecordingLength } from '../ui/recording.js';
import type { DashboardState } from '../ui/model.js';
import type { Store } from '../ui/store.js';
import { SessionRecorder, type RecordingOptions, type RecordingResult } from '../recording/recorder.js';
import { tapTerminal } from '../recording/terminal-tap.js';
import type { DashboardSource } from './source.js';

/** "recorded 01:23 (245K) to /home/t/ctr-tui-2026-12-02-101500.cast". */
export function recordedText(result: RecordingResult): string {
  return `recorded ${formatRecordingLength(result.seconds * 1000)} (${formatBytes(result.bytes)}) to ${result.path}`;
}

/**
 * The dashboard's R key and --record: one recording at a time of this session, tapping the
 * terminal and the dashboard's own source and store. While it runs, the store's `recording`
 * makes the title bar show ● REC; when it stops, a banner says where the file went.
 */
export class RecordingControl {
  private recorder: SessionRecorder | null = null;
  private untap: (() => void) | null = null;

  constructor(private readonly source: DashboardSource, private readonly store: Store<DashboardState>, private readonly redraw: () => void) {}

  get active(): boolean {
    return this.recorder !== null;
  }

  /** Starts recording (throws a UsageError for a file that exists, or cannot be made). */
  start(options: RecordingOptions = {}): void {
    if (this.recorder) return;
    const size = { columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 };
    const recorder = new SessionRecorder(this.source, this.store, size, options, (message) => {
      this.finish();
      this.banner(message, 'error');
    });
    this.recorder = recorder;
    this.untap = tapTerminal(recorder);
    // The last recording's "recorded to" banner would hide the title bar: it goes.
    this.store.setState((s) => ({ ...s, recording: { startedAt: Date.now() }, banner: s.banner?.level === 'info' ? null : s.banner }));
    // Ink draws only what changed: draw the whole screen again so that the file starts with it.
    this.redraw();
  }

  /** Stops the recording; its result, or null when none was running. */
  stop(): RecordingResult | null {
    const result = this.finish();
    if (result) this.banner(recordedText(result), result.error ? 'error' : 'info');
    return result;
  }

  toggle(options: RecordingOptions = {}): void {
    if (this.recorder) this.stop();
    else this.start(options);
  }

  private finish(): RecordingResult | null {
    const recorder = this.recorder;
    if (!recorder) return null;
    this.recorder = null;
    this.untap?.();
    this.untap = null;
    const result = recorder.stop();
    this.store.setState((s) => ({ ...s, recording: null }));
    return result;
  }

  private banner(text: string, level: 'error' | 'info'): void {
    this.store.setState((s) => ({ ...s, banner: { text, level, at: Date.now() } }));
  }
}
