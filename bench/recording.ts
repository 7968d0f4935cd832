// What recording costs: the real dashboard on a pty (120x40) watching 10 idle
// containers, once as it is and once with --record (the asciicast file with
// its state track), measured as bench/dashboard-cpu.ts measures (the
// dashboard process's own utime + stime from /proc). Target: recording costs
// at most 1.2x the dashboard's CPU without it.
//
// And the file's size per minute with 10 containers, extrapolated from the
// length of the recorded run (said so in the output): the terminal output
// (o lines) and the state track (s lines: a sample a second, a snapshot every
// 10 s), separately.
//
//   node --import=tsx bench/recording.ts     (as root; best under npm run bench's sandbox)
//
// Environment: BENCH_CONTAINERS=10  BENCH_SETTLE_MS=3000  BENCH_MEASURE_MS=20000  BENCH_IDLE_AFTER_MS=125000  BENCH_IDLE_MS=30000
// (idle: once the graphs have filled, as in dashboard-cpu.ts; the run takes about 6 minutes)
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CastWriter } from '../src/recording/cast-writer.js';
import { benchDashboardCpu, type DashboardCpuResult } from './dashboard-cpu.js';

export const TARGET_RATIO = 1.2;

export interface RecordingBenchResult {
  containers: number;
  without: DashboardCpuResult;
  with: DashboardCpuResult;
  /** with / without, over the idle window and over the filling window. */
  idleRatio: number;
  fillingRatio: number;
  /** The recorded run's length, and its file's size extrapolated to a minute. */
  recordedSeconds: number;
  bytesPerMinute: number;
  outputBytesPerMinute: number;
  stateBytesPerMinute: number;
  /** The same over the recording's last idleMs (the idle window: graphs full, a frame every 3 s). */
  idleBytesPerMinute: number;
  /**
   * The writer's own CPU: every line of the recorded file written again through a CastWriter
   * (JSON, one write(2) each), timed in this process, as a percentage of one core over the
   * recording's length. Steadier than the difference of two noisy dashboard runs.
   */
  writerPercentOfOneCore: number;
}

/** Writes `events` again through a CastWriter in `dir`; the CPU time it took, in ms. */
function rewriteMs(events: [number, string, unknown][], dir: string): number {
  const writer = CastWriter.open(path.join(dir, 'rewrite.cast'), { width: 120, height: 40, stateTrack: true });
  const start = process.cpuUsage();
  for (const [, code, data] of events) writer.event(code, data);
  const used = process.cpuUsage(start);
  writer.close();
  return (used.user + used.system) / 1000;
}

/** Bytes of the o lines and of the s lines (and the rest) of a .cast file, and its length in seconds. */
export function castComposition(text: string, from = 0): { output: number; state: number; other: number; seconds: number } {
  const sizes = { output: 0, state: 0, other: 0, seconds: 0 };
  for (const line of text.split('\n').slice(1)) {
    if (!line) continue;
    const [t, code] = JSON.parse(line) as [number, string];
    sizes.seconds = t;
    if (t < from) continue;
    const bytes = Buffer.byteLength(line) + 1;
    if (code === 'o') sizes.output += bytes;
    else if (code === 's') sizes.state += bytes;
    else sizes.other += bytes;
  }
  return sizes;
}

export async function benchRecording(options: { containers?: number; settleMs?: number; measureMs?: number; idleAfterMs?: number; idleMs?: number; log?: (line: string) => void } = {}): Promise<RecordingBenchResult> {
  const { containers = 10, settleMs = 3000, measureMs = 20_000, idleAfterMs = 125_000, idleMs = 30_000, log = (line: string) => console.error(line) } = options;
  const common = { sizes: [containers], settleMs, measureMs, idleAfterMs, idleMs, profile: 'never' as const, cli: 'dist' as const, log };
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-bench-rec-'));
  try {
    const file = path.join(dir, 'bench.cast');
    log('recording: the dashboard without recording');
    const [without] = await benchDashboardCpu(common);
    log('recording: the dashboard with --record');
    const [recorded] = await benchDashboardCpu({ ...common, dashboardArgs: ['--record', file] });
    const text = readFileSync(file, 'utf8');
    const parts = castComposition(text);
    const perMinute = (bytes: number, seconds = parts.seconds) => Math.round((bytes / seconds) * 60);
    // The idle window ends when the dashboard is told to quit, a moment before the file's end.
    const idleFrom = Math.max(0, parts.seconds - idleMs / 1000);
    const idle = castComposition(text, idleFrom);
    const idleBytes = idle.output + idle.state + idle.other;
    return {
      containers,
      without: without!,
      with: recorded!,
      idleRatio: recorded!.cpuPercentOfOneCore / Math.max(0.01, without!.cpuPercentOfOneCore),
      fillingRatio: recorded!.fillingPercent / Math.max(0.01, without!.fillingPercent),
      recordedSeconds: Math.round(parts.seconds),
      bytesPerMinute: perMinute(statSync(file).size),
      outputBytesPerMinute: perMinute(parts.output),
      stateBytesPerMinute: perMinute(parts.state),
      idleBytesPerMinute: perMinute(idleBytes, parts.seconds - idleFrom),
      writerPercentOfOneCore: Math.round((rewriteMs(text.split('\n').slice(1).filter(Boolean).map((l) => JSON.parse(l) as [number, string, unknown]), dir) / (parts.seconds * 1000)) * 10_000) / 100,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatRecording(r: RecordingBenchResult): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const verdict = r.idleRatio <= TARGET_RATIO ? 'met' : 'OVER';
  return [
    `  ${r.containers} containers, idle: ${r.without.cpuPercentOfOneCore.toFixed(2)} % of one core without recording, ${r.with.cpuPercentOfOneCore.toFixed(2)} % with: ${r.idleRatio.toFixed(2)}x (target ≤ ${TARGET_RATIO}x: ${verdict}); frames/s ${r.without.framesPerSecond} and ${r.with.framesPerSecond}`,
    `       while the graphs fill: ${r.without.fillingPercent.toFixed(2)} % and ${r.with.fillingPercent.toFixed(2)} %: ${r.fillingRatio.toFixed(2)}x`,
    `  file size with ${r.containers} containers: ${kb(r.bytesPerMinute)} per minute (terminal output ${kb(r.outputBytesPerMinute)}, state track ${kb(r.stateBytesPerMinute)}), extrapolated from a ${r.recordedSeconds} s recording`,
    `       idle (its last ${r.with.measureMs > 0 ? Math.round(r.with.measureMs / 1000) : '?'} s: graphs full, a frame every 3 s): ${kb(r.idleBytesPerMinute)} per minute`,
    `  the writer's own CPU (the file's lines written again, timed in-process): ${r.writerPercentOfOneCore.toFixed(3)} % of one core`,
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);
  console.log(`recording: dashboard CPU without and with --record, 120x40, 10 idle containers; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const result = await benchRecording({
    containers: env('BENCH_CONTAINERS'), settleMs: env('BENCH_SETTLE_MS'), measureMs: env('BENCH_MEASURE_MS'), idleAfterMs: env('BENCH_IDLE_AFTER_MS'), idleMs: env('BENCH_IDLE_MS'),
  });
  console.log(formatRecording(result));
  process.exit(0);
}
