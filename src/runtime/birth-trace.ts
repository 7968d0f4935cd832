/**
 * The trace of a container's birth: every step the runtime took, in order, with its duration.
 * The parent's steps (name, cgroup files, veth messages, release) are timed here; the child's
 * (clone to execve) come from the addon's trace (addon/core/birth_trace.h), on the same clock
 * (CLOCK_MONOTONIC, which process.hrtime reads), so the two sides interleave by time.
 */

export interface TraceStep {
  /** Who took it: ctr-tui (or its monitor), or the container's first process. */
  side: 'parent' | 'child';
  step: string;
  detail: string;
  /** Microseconds since the trace began. */
  atUs: number;
  durationUs: number;
}

export interface BirthTrace {
  /** Wall-clock time of the first step (epoch ms). */
  startedAt: number;
  steps: TraceStep[];
}

/** The env var that turns the trace off (bench/lifecycle.ts compares the two). */
export const traceOffVar = 'CTR_TUI_NO_BIRTH_TRACE';
export const traceEnabled = (): boolean => !process.env[traceOffVar];

const nowNs = (): bigint => process.hrtime.bigint();

interface RawStep {
  side: 'parent' | 'child';
  step: string;
  detail: string;
  startNs: bigint;
  endNs: bigint;
}

/** Collects steps as they happen; a disabled recorder only runs the work. */
export class TraceRecorder {
  private readonly raw: RawStep[] = [];
  private readonly wallAtStart = Date.now();
  private readonly monoAtStart = nowNs();

  constructor(readonly enabled = traceEnabled(), private readonly earlier: BirthTrace | null = null) {}

  /** Runs work and records it as one step of the parent's. */
  step<T>(step: string, detail: string, work: () => T): T {
    if (!this.enabled) return work();
    const startNs = nowNs();
    try {
      return work();
    } finally {
      this.raw.push({ side: 'parent', step, detail, startNs, endNs: nowNs() });
    }
  }

  async stepAsync<T>(step: string, detail: string, work: () => Promise<T>): Promise<T> {
    if (!this.enabled) return work();
    const startNs = nowNs();
    try {
      return await work();
    } finally {
      this.raw.push({ side: 'parent', step, detail, startNs, endNs: nowNs() });
    }
  }

  /** A clock reading for since(). */
  now(): bigint {
    return nowNs();
  }

  /** Records a step of the parent's that began at start (from now()) and ends now. */
  since(start: bigint, step: string, detail: string): void {
    if (this.enabled) this.raw.push({ side: 'parent', step, detail, startNs: start, endNs: nowNs() });
  }

  /** The addon's lines: "start\tend\tstep\tdetail"; clone and execve are the parent's, the rest the child's. */
  addNative(text: string | null | undefined): void {
    if (!this.enabled || !text) return;
    for (const line of text.split('\n')) {
      const [start, end, step, ...rest] = line.split('\t');
      if (!step || !/^\d+$/.test(start) || !/^\d+$/.test(end)) continue;
      const side = step === 'clone' || step === 'execve' ? 'parent' : 'child';
      this.raw.push({ side, step, detail: rest.join('\t'), startNs: BigInt(start), endNs: BigInt(end) });
    }
  }

  /** The steps so far, in the order they began, after those of an earlier trace (created, then started). */
  result(): BirthTrace | null {
    if (!this.enabled) return this.earlier;
    const base = this.earlier ? this.earlier.startedAt : this.wallAtStart;
    // Wall-clock offset of this recorder against the earlier trace's origin, in microseconds.
    const shiftUs = (this.wallAtStart - base) * 1000;
    const sorted = [...this.raw].sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
    const steps = sorted.map((s) => ({
      side: s.side, step: s.step, detail: s.detail,
      atUs: round(shiftUs + Number(s.startNs - this.monoAtStart) / 1000),
      durationUs: round(Number(s.endNs - s.startNs) / 1000),
    }));
    return { startedAt: base, steps: [...(this.earlier?.steps ?? []), ...steps] };
  }
}

const round = (us: number): number => Math.round(us * 10) / 10;

/** The whole trace's span, first step's start to last step's end, in microseconds. */
export function traceSpanUs(trace: BirthTrace): number {
  if (trace.steps.length === 0) return 0;
  const first = trace.steps[0].atUs;
  return Math.max(...trace.steps.map((s) => s.atUs + s.durationUs)) - first;
}
