import { displayWidth } from './format.js';
import { computeLayout, type Size } from './layout.js';
import type { DashboardState, RecordingView } from './model.js';

/** A length as the REC sign shows it: 01:23, or 1:02:03 past an hour. */
export function formatRecordingLength(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h > 0 ? `${h}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
}

/** The title bar's sign while recording: "● REC 01:23". */
export function recordingText(recording: RecordingView, now: number): string {
  return `● REC ${formatRecordingLength(now - recording.startedAt)}`;
}

/** Where the REC sign sits on the top line, as TitleBar and Banner draw it. */
export interface RecordingSign {
  /** 0-based column of its first cell (the space before ●). */
  column: number;
  /** " ● REC 01:23 ", as drawn. */
  text: string;
  /** Drawn over a banner (inverse red) rather than the title bar (bold red). */
  onBanner: boolean;
}

/** The title bar's name cell, " ctr-tui ": the REC sign follows it. */
export const TITLE_NAME = ' ctr-tui ';

/**
 * The REC sign of a frame, for redrawing it alone every second (run-dashboard.tsx), so that the
 * clock moves without a whole frame; null when none is drawn (not recording, or the terminal is
 * too small for the dashboard).
 */
export function recordingSign(state: DashboardState, size: Size, now: number): RecordingSign | null {
  if (!state.recording || !computeLayout(size)) return null;
  const text = ` ${recordingText(state.recording, now)} `;
  return state.banner ? { column: 0, text, onBanner: true } : { column: displayWidth(TITLE_NAME), text, onBanner: false };
}

/**
 * The state as the frame gate (App's signature) sees it: the REC clock frozen, so that its
 * seconds alone never cost a frame (they are redrawn by themselves, see recordingSign).
 */
export function withoutRecordingClock(state: DashboardState, now: number): DashboardState {
  return state.recording && state.recording.startedAt !== now ? { ...state, recording: { startedAt: now } } : state;
}
