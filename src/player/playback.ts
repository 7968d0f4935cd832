/**
 * The player's clock, without a terminal: where in the recording we are, given the wall clock,
 * the pauses, the speed and the seeks. Times are seconds of recording.
 */
import type { Marker } from '../recording/asciicast-reader.js';

export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16] as const;

export class Playback {
  private base = 0; // recording time at `since`
  private since: number; // wall clock (ms) when base was taken
  private speedIndex = SPEEDS.indexOf(1);
  playing = true;

  constructor(readonly duration: number, readonly markers: readonly Marker[], private readonly now: () => number = () => performance.now()) {
    this.since = now();
  }

  get speed(): number {
    return SPEEDS[this.speedIndex]!;
  }

  get time(): number {
    const t = this.playing ? this.base + ((this.now() - this.since) / 1000) * this.speed : this.base;
    return Math.min(this.duration, Math.max(0, t));
  }

  get ended(): boolean {
    return this.time >= this.duration;
  }

  private rebase(t: number): void {
    this.base = Math.min(this.duration, Math.max(0, t));
    this.since = this.now();
  }

  togglePause(): void {
    // At the end, play means again from the start.
    const t = this.ended && !this.playing ? 0 : this.time;
    this.playing = !this.playing;
    this.rebase(t);
  }

  pause(): void {
    this.rebase(this.time);
    this.playing = false;
  }

  seekTo(t: number): void {
    this.rebase(t);
  }

  seekBy(seconds: number): void {
    this.rebase(this.time + seconds);
  }

  /** To the next marker after now; false when there is none. */
  nextMarker(): boolean {
    const t = this.time;
    const next = this.markers.find((m) => m.time > t + 1e-6);
    if (!next) return false;
    this.rebase(next.time);
    return true;
  }

  /** To the start of the current chapter, or the one before when within half a second of its start (as players do). */
  prevMarker(): boolean {
    const t = this.time;
    const before = this.markers.filter((m) => m.time < t - 0.5);
    const target = before.at(-1);
    this.rebase(target ? target.time : 0);
    return true;
  }

  faster(): void {
    const t = this.time;
    this.speedIndex = Math.min(SPEEDS.length - 1, this.speedIndex + 1);
    this.rebase(t);
  }

  slower(): void {
    const t = this.time;
    this.speedIndex = Math.max(0, this.speedIndex - 1);
    this.rebase(t);
  }
}

/** "1:05" or "1:02:03". */
export function clockTime(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
