import { upperBound, type Cast } from '../recording/asciicast-reader.js';
import { SAME_MOMENT, stateAt } from '../recording/state-replay.js';
import { SourceListeners, type DashboardSource, type SourceListener } from './source.js';

/** How often the player's clock is read while the live view runs (ms). */
const pollMs = 100;

/**
 * A recording's state track as a dashboard source, side by side with LiveSource: the state at
 * the player's clock (playing, paused or seeked), rebuilt from the last snapshot before it
 * (state-replay.ts) and given whole to the store (feedStore). The clock is read every 100 ms;
 * a new state is given only when a state line was crossed (or on refresh()), so a paused
 * recording costs nothing.
 */
export class RecordedSource implements DashboardSource {
  private readonly listeners = new SourceListeners();
  private timer: NodeJS.Timeout | undefined;
  /** How many state lines the last state given was built from; -1: none given yet. */
  private given = -1;
  readonly cgroupVersion: 1 | 2;

  /** `clock` is the player's: seconds of recording (the same idle-limited times as `cast`). */
  constructor(private readonly cast: Cast, private readonly clock: () => number) {
    const snapshot = cast.state.find((line) => line.record.type === 'snapshot')?.record as { state?: { cgroupVersion?: unknown } } | undefined;
    this.cgroupVersion = snapshot?.state?.cgroupVersion === 1 ? 1 : 2;
  }

  /** The recording has a state track to rebuild the dashboard from. */
  static canReplay(cast: Cast): boolean {
    return cast.header.stateTrack && cast.state.length > 0;
  }

  subscribe(listener: SourceListener): () => void {
    return this.listeners.subscribe(listener);
  }

  start(): void {
    if (this.timer) return;
    this.refresh();
    this.timer = setInterval(() => this.poll(), pollMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  refresh(): void {
    this.given = -1;
    this.poll();
  }

  /** The state now, when the clock crossed a state line since the last one given. */
  private poll(): void {
    const t = this.clock();
    const lines = upperBound(this.cast.state, t + SAME_MOMENT);
    // A banner expires with time alone: rebuild once a second even between lines.
    const second = Math.floor(t);
    if (lines === this.given && second === this.second) return;
    this.given = lines;
    this.second = second;
    this.listeners.state(stateAt(this.cast, t));
  }

  private second = -1;
}
