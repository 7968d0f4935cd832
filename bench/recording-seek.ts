// Seeking in a long recording, as `ctr-tui play` does it: a generated 30-minute dashboard-like
// recording (test/helpers/cast-generator.ts: Ink-style frames that never clear the screen, a
// state track, OOM kills), written to disk, then
//   - the reader's parse time (streaming from disk) and the keyframe index's build time;
//   - many seeks to random times: restore the keyframe before t, replay to t, draw the screen
//     (the player's renderRows): median and worst, next to replaying from the start (what a
//     player without an index must do), for a few of the same times.
//
//   node --import=tsx bench/recording-seek.ts        (no root needed)
//
// Environment: BENCH_MINUTES=30  BENCH_FPS=2 (frames a second)  BENCH_SEEKS=300
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import xterm from '@xterm/headless';
import { readCast, upperBound } from '../src/recording/asciicast-reader.js';
import { ScreenIndex, VirtualScreen } from '../src/recording/screen-index.js';
import { renderRows } from '../src/player/screen-render.js';
import { dashboardCast } from '../test/helpers/cast-generator.js';

export interface SeekBench {
  minutes: number;
  bytes: number;
  events: number;
  parseMs: number;
  indexMs: number;
  keyframes: number;
  keyframeBytes: number;
  seeks: number;
  medianMs: number;
  p95Ms: number;
  worstMs: number;
  /** CPU time per seek (less disturbed by a busy machine than the wall clock). */
  cpuMedianMs: number;
  cpuWorstMs: number;
  replayMedianMs: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export async function benchRecordingSeek(minutes = 30, fps = 2, seeks = 300): Promise<SeekBench> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-bench-cast-'));
  try {
    const seconds = minutes * 60;
    const generated = dashboardCast({ seconds, fps, oomAt: Array.from({ length: Math.floor(seconds / 120) }, (_, i) => 60 + i * 120) });
    const file = path.join(dir, 'long.cast');
    writeFileSync(file, generated.text);
    const bytes = statSync(file).size;

    let start = performance.now();
    const cast = await readCast(file);
    const parseMs = performance.now() - start;

    start = performance.now();
    const index = await ScreenIndex.build(cast);
    const indexMs = performance.now() - start;

    const screen = new VirtualScreen(index);
    // Random times, a fixed seed so runs compare.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const times = Array.from({ length: seeks }, () => random() * cast.duration);
    // Warm up the JIT.
    for (const t of times.slice(0, 20)) await screen.seek(t);
    const costs: number[] = [];
    const cpu: number[] = [];
    for (const t of times) {
      const began = performance.now();
      const used = process.cpuUsage();
      await screen.seek(t);
      renderRows(screen.term, 120, 40);
      costs.push(performance.now() - began);
      const { user, system } = process.cpuUsage(used);
      cpu.push((user + system) / 1000);
    }
    cpu.sort((a, b) => a - b);
    screen.dispose();
    costs.sort((a, b) => a - b);

    // Without an index: every byte from the start to t through a fresh terminal.
    const replays: number[] = [];
    for (const t of times.slice(0, 9)) {
      const began = performance.now();
      const term = new xterm.Terminal({ cols: 120, rows: 40, scrollback: 0, allowProposedApi: true });
      const data = cast.events.slice(0, upperBound(cast.events, t)).filter((e) => e.code === 'o').map((e) => e.data).join('');
      await new Promise<void>((resolve) => term.write(data, resolve));
      renderRows(term, 120, 40);
      term.dispose();
      replays.push(performance.now() - began);
    }
    replays.sort((a, b) => a - b);

    return {
      minutes,
      bytes,
      events: cast.events.length + cast.state.length,
      parseMs,
      indexMs,
      keyframes: index.keyframes.length,
      keyframeBytes: index.keyframes.reduce((sum, k) => sum + k.screen.length, 0),
      seeks,
      medianMs: quantile(costs, 0.5),
      p95Ms: quantile(costs, 0.95),
      worstMs: costs.at(-1)!,
      cpuMedianMs: quantile(cpu, 0.5),
      cpuWorstMs: cpu.at(-1)!,
      replayMedianMs: quantile(replays, 0.5),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatRecordingSeek(r: SeekBench): string {
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  return [
    `  recording                 ${r.minutes} min, ${mb(r.bytes)}, ${r.events} lines`,
    `  parse (streaming, disk)   ${r.parseMs.toFixed(0).padStart(6)} ms   ${((r.bytes / 1024 / 1024) / (r.parseMs / 1000)).toFixed(0)} MiB/s`,
    `  build the seek index      ${r.indexMs.toFixed(0).padStart(6)} ms   ${r.keyframes} keyframes (every 5 s), ${mb(r.keyframeBytes)}`,
    `  seek + draw, ${r.seeks} random   median ${r.medianMs.toFixed(1)} ms   p95 ${r.p95Ms.toFixed(1)} ms   worst ${r.worstMs.toFixed(1)} ms`,
    `  the same seeks, CPU time   median ${r.cpuMedianMs.toFixed(1)} ms   worst ${r.cpuWorstMs.toFixed(1)} ms`,
    `  replay from the start     median ${r.replayMedianMs.toFixed(0)} ms   (${(r.replayMedianMs / r.medianMs).toFixed(0)}x a seek)`,
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const minutes = Number(process.env.BENCH_MINUTES ?? 30);
  console.log(`recording seek: a generated ${minutes}-minute dashboard-like recording, 120x40, ${process.env.BENCH_FPS ?? 2} frames/s`);
  console.log(formatRecordingSeek(await benchRecordingSeek(minutes, Number(process.env.BENCH_FPS ?? 2), Number(process.env.BENCH_SEEKS ?? 300))));
  process.exit(0);
}
