import type { RecordingView } from './model.js';

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
