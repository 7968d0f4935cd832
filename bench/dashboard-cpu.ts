// What the dashboard costs at idle: the CPU time of the real `ctr-tui`
// dashboard process, on a pseudo-terminal (120x40), watching 10 and then 100
// idle containers at its default 1 s sample rate. The target: at most
// 2 % of one core with 10 containers.
//
// The containers are real (made through the runtime API, each a `sleep
// infinity` under its own monitor); inside a throwaway network namespace
// (npm run bench) the first 10 also get a veth, as from the form, so that the
// network sampling is exercised too. Everything made is removed, even on
// failure or Ctrl-C.
//
// The figure is the dashboard process's own utime + stime (every thread),
// from /proc/PID/stat, over two windows of the same dashboard:
//   - "graphs filling", 3 s after the list has shown every container: the
//     memory graph still grows a dot column every second, so every second is
//     a new frame;
//   - "idle", 30 s from 125 s after: the graph window (2 samples a cell) and the network
//     sparklines have filled, and a flat line scrolls without a visible
//     change. This is the figure the target is about: what a dashboard left
//     open on idle containers costs.
// CPU time of programs it ran and reaped (systeminformation runs some) is
// reported beside it.
//
//   node --import=tsx bench/dashboard-cpu.ts          (as root; best under npm run bench's sandbox)
//
// Environment: BENCH_SIZES=10,100  BENCH_SETTLE_MS=3000  BENCH_MEASURE_MS=15000  BENCH_IDLE_AFTER_MS=125000  BENCH_IDLE_MS=30000
//   BENCH_PROFILE=auto|always|never  (auto: a 10 s --cpu-prof run when a size is over the target)
//   BENCH_KEEP_PROFILE=FILE  (keep the last .cpuprofile there, for a closer look)
//   BENCH_DASHBOARD_CLI=dist|bundle|tsx (dist, the default: bin/ctr-tui.js as installed; bundle: src/ bundled by esbuild; tsx: src/ through tsx)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSpec } from '../src/runtime/build-spec.js';
import { cgroupDriver } from '../src/runtime/container.js';
import { Runtime } from '../src/runtime/runtime.js';
import { spawnScreen, type Screen } from '../test/helpers/screen.js';
import { inThrowawayNetns } from './stats-tick.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TARGET_PERCENT = 2;

export interface DashboardCpuResult {
  containers: number;
  /**
   * The dashboard process's utime + stime over the idle window, as a percentage of one core:
   * once every graph window has filled, when only what really changes is redrawn.
   */
  cpuPercentOfOneCore: number;
  /** The same over the first seconds, while the memory graphs still grow a column a second. */
  fillingPercent: number;
  fillingBytesPerSecond: number;
  /** The same, plus the CPU time of the programs it ran and reaped meanwhile (cutime + cstime). */
  withChildrenPercent: number;
  /** Bytes the dashboard wrote to its terminal per second (how much it redraws). */
  outputBytesPerSecond: number;
  /** Frames drawn per second, idle and while the graphs fill. */
  framesPerSecond: number;
  fillingFramesPerSecond: number;
  measureMs: number;
  /** Where the time goes, from a --cpu-prof run, when one was made. */
  profile?: ProfileSummary;
}

export interface ProfileLine {
  percent: number;
  ms: number;
  fn: string;
}

export interface DashboardCpuOptions {
  sizes?: number[];
  /** When the "filling" window starts, after the list has shown every container. */
  settleMs?: number;
  measureMs?: number;
  /**
   * When the idle window starts, after the list has shown every container: once the memory
   * graph (2 samples a cell, about 100 s at 120 columns) and the network sparklines have filled.
   */
  idleAfterMs?: number;
  /** The idle window: long enough for several host samples (every 3 s). */
  idleMs?: number;
  /** auto: profile a size whose figure is over TARGET_PERCENT. */
  profile?: 'auto' | 'always' | 'never';
  profileMs?: number;
  /** Veths for the first `network` containers (only inside a throwaway network namespace). */
  network?: number;
  cli?: 'dist' | 'bundle' | 'tsx';
  /** More arguments for the dashboard (e.g. --record FILE, for bench/recording.ts). */
  dashboardArgs?: string[];
  log?: (line: string) => void;
}

// ---------------------------------------------------------------- /proc

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface CpuTimes {
  own: number;
  children: number;
}

/** utime+stime and cutime+cstime of `pid`, in seconds. */
function cpuTimes(pid: number): CpuTimes {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: the fields after it start past its ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
  const at = (field: number) => Number(fields[field - 3]);
  return { own: (at(14) + at(15)) / clockTicks, children: (at(16) + at(17)) / clockTicks };
}

// ---------------------------------------------------------------- the CLI

interface Cli {
  argv: (args: string[], nodeFlags?: string[]) => string[];
  dispose: () => void;
}

/**
 * The dashboard's command line. By default src/ bundled by esbuild (the
 * compiler tsx uses) into test/.cli-build/ (the git-ignored scratch directory
 * where the tests' helpers bundle the CLI too: two levels below the package
 * root, as src/runtime/paths.ts expects), so that what runs is what dist/
 * would run, without a tsx loader in the process.
 */
async function prepareCli(kind: 'dist' | 'bundle' | 'tsx'): Promise<Cli> {
  const entry = path.join(repoRoot, 'test/helpers/cli-entry.ts');
  if (kind === 'dist') {
    // What users run: bin/ctr-tui.js over dist/, as npm ci built it.
    return { argv: (args, flags = []) => [process.execPath, ...flags, path.join(repoRoot, 'bin/ctr-tui.js'), ...args], dispose: () => undefined };
  }
  if (kind === 'tsx') {
    return { argv: (args, flags = []) => [process.execPath, ...flags, '--import=tsx', entry, ...args], dispose: () => undefined };
  }
  const { buildSync } = await import('esbuild');
  const dir = path.join(repoRoot, 'test/.cli-build');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(path.join(dir, '.gitignore'))) writeFileSync(path.join(dir, '.gitignore'), '*\n');
  const outfile = path.join(dir, `bench-dashboard-${process.pid}.mjs`);
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'error' });
  return {
    argv: (args, flags = []) => [process.execPath, ...flags, outfile, ...args],
    dispose: () => rmSync(outfile, { force: true }),
  };
}

function startDashboard(cli: Cli, stateDir: string, nodeFlags: string[] = [], extra: string[] = []): Screen {
  const [file, ...args] = cli.argv(['--state-dir', stateDir, ...extra], nodeFlags);
  return spawnScreen(file!, args, { cols: 120, rows: 40, cwd: repoRoot });
}

/** Waits for the title bar to count `count` running containers. */
async function waitForList(screen: Screen, count: number): Promise<void> {
  const summary = `${count} container${count === 1 ? '' : 's'} · ${count} running`;
  await screen.waitFor(summary, 60_000, `the title bar's "${summary}"`);
}

async function quit(screen: Screen): Promise<void> {
  screen.press('q');
  const timer = setTimeout(() => void screen.close(), 10_000);
  await screen.exited;
  clearTimeout(timer);
  await screen.close();
}

// ---------------------------------------------------------------- profiles

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** The part of the profile summarised, and how much of it the process was busy (not idle). */
  windowMs: number;
  busyMs: number;
  /** The functions with the most self time (idle left out); percentages of the busy time. */
  self: ProfileLine[];
  /**
   * Inclusive time by where the code lives (a package under node_modules, a file of src/, or
   * node's internals): a sample counts once for every place on its stack.
   */
  inclusive: ProfileLine[];
}

/** "ink", "@xterm/headless", "src/dashboard/live-source.ts", or null for node's internals and the like. */
function placeOf(url: string): string | null {
  const file = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(file);
  if (pkg) return pkg[1]!;
  if (file.startsWith(`${repoRoot}/`)) return file.slice(repoRoot.length + 1);
  return null;
}

/**
 * Summarises a .cpuprofile, only its samples from `fromUs` on (V8's profile clock and
 * process.hrtime are both CLOCK_MONOTONIC here); the whole profile if none fall there.
 */
export function summariseProfile(profile: CpuProfile, fromUs = 0, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const stamps: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) stamps.push((t += delta));
  let from = stamps.findIndex((stamp) => stamp >= fromUs);
  if (from < 0 || fromUs <= profile.startTime) from = 0;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (let i = from; i < profile.samples.length; i++) {
    // A sample's time is the gap to the next one.
    const us = (stamps[i + 1] ?? profile.endTime) - stamps[i]!;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') continue;
    busy += us;
    const place = frame.url ? ` ${placeOf(frame.url) ?? frame.url.replace(/^file:\/\//, '')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'}${place}`;
    self.set(key, (self.get(key) ?? 0) + us);
    const places = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const url = byId.get(id)?.callFrame.url;
      const where = url ? placeOf(url) : null;
      if (where) places.add(where);
    }
    if (places.size === 0) places.add(frame.functionName.startsWith('(') ? frame.functionName : '(node internals)');
    for (const where of places) inclusive.set(where, (inclusive.get(where) ?? 0) + us);
  }
  const lines = (map: Map<string, number>) => [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, ms: Math.round(us / 100) / 10, percent: Math.round((us / (busy || 1)) * 1000) / 10 }));
  const windowUs = (profile.endTime - (stamps[from] ?? profile.startTime));
  return { windowMs: Math.round(windowUs / 1000), busyMs: Math.round(busy / 1000), self: lines(self), inclusive: lines(inclusive) };
}

/** A --cpu-prof run of the dashboard, summarised over `ms` once it has settled. */
async function profileDashboard(cli: Cli, stateDir: string, count: number, ms: number, settleMs: number): Promise<ProfileSummary> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-prof-'));
  try {
    const screen = startDashboard(cli, stateDir, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    let fromUs = 0;
    try {
      await waitForList(screen, count);
      await sleep(settleMs);
      fromUs = Number(process.hrtime.bigint() / 1000n);
      await sleep(ms);
    } finally {
      await quit(screen);
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the dashboard wrote no .cpuprofile');
    if (process.env.BENCH_KEEP_PROFILE) copyFileSync(path.join(dir, file), process.env.BENCH_KEEP_PROFILE);
    return summariseProfile(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile, fromUs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the bench

export async function benchDashboardCpu(options: DashboardCpuOptions = {}): Promise<DashboardCpuResult[]> {
  const {
    sizes = [10, 100], settleMs = 3000, measureMs = 15_000, idleAfterMs = 125_000, idleMs = 30_000, profile = 'never', profileMs = 10_000,
    cli: cliKind = 'bundle', log = (line: string) => console.error(line),
  } = options;
  const withNet = inThrowawayNetns();
  const network = withNet ? (options.network ?? 10) : 0;
  if (!withNet) log('dashboard-cpu: not in a network namespace of its own, so no veths (run it with npm run bench)');
  if (process.getuid?.() !== 0) throw new Error('dashboard-cpu needs root (it makes real containers)');

  const stateDir = mkdtempSync(path.join(existsSync('/run') ? '/run' : tmpdir(), 'ctr-tui-bench-dash-'));
  const runtime = new Runtime(stateDir);
  const prefix = `bd${randomBytes(2).toString('hex')}`;
  const made: string[] = [];
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const cli = await prepareCli(cliKind);
  const results: DashboardCpuResult[] = [];
  try {
    for (const size of [...sizes].sort((a, b) => a - b)) {
      const began = Date.now();
      while (made.length < size) {
        if (interrupted) throw new Error(`interrupted by ${interrupted}`);
        const name = `${prefix}-${made.length}`;
        made.push(name);  // before run(): a failed start still gets a rm -f
        await runtime.run(buildSpec({ name, command: ['sh', '-c', 'exec sleep infinity'], network: made.length <= network }));
      }
      log(`dashboard-cpu: ${size} containers running (made in ${Date.now() - began} ms)`);

      const screen = startDashboard(cli, stateDir, [], options.dashboardArgs);
      let result: DashboardCpuResult;
      try {
        await waitForList(screen, size);
        const listed = Date.now();
        const measure = async (ms: number) => {
          const bytesBefore = screen.output().length;
          const before = cpuTimes(screen.pid);
          const start = process.hrtime.bigint();
          await sleep(ms);
          const after = cpuTimes(screen.pid);
          const wall = Number(process.hrtime.bigint() - start) / 1e9;
          const drawn = screen.output().slice(bytesBefore);
          const bytes = drawn.length;
          // Ink wraps every frame in a synchronized update (ESC[?2026h ... ESC[?2026l).
          const frames = drawn.split('\u001b[?2026h').length - 1;
          const pct = (seconds: number) => Math.round((seconds / wall) * 10_000) / 100;
          return {
            own: pct(after.own - before.own),
            withChildren: pct(after.own - before.own + after.children - before.children),
            bytesPerSecond: Math.round(bytes / wall),
            framesPerSecond: Math.round((frames / wall) * 100) / 100,
            ms: Math.round(wall * 1000),
          };
        };
        await sleep(settleMs);
        const filling = await measure(measureMs);
        log(`dashboard-cpu: ${size} containers, graphs filling: ${filling.own} % of one core, ${filling.framesPerSecond} frames/s; idle window in ${Math.round((listed + idleAfterMs - Date.now()) / 1000)} s`);
        await sleep(Math.max(0, listed + idleAfterMs - Date.now()));
        const idle = await measure(idleMs);
        result = {
          containers: size,
          cpuPercentOfOneCore: idle.own,
          fillingPercent: filling.own,
          fillingBytesPerSecond: filling.bytesPerSecond,
          withChildrenPercent: idle.withChildren,
          outputBytesPerSecond: idle.bytesPerSecond,
          framesPerSecond: idle.framesPerSecond,
          fillingFramesPerSecond: filling.framesPerSecond,
          measureMs: idle.ms,
        };
      } finally {
        await quit(screen);
      }
      log(`dashboard-cpu: ${size} containers, idle: ${result.cpuPercentOfOneCore} % of one core (${result.withChildrenPercent} % with its children), ${result.framesPerSecond} frames/s`);
      if (profile === 'always' || (profile === 'auto' && result.cpuPercentOfOneCore > TARGET_PERCENT)) {
        if (interrupted) throw new Error(`interrupted by ${interrupted}`);
        log(`dashboard-cpu: profiling ${size} containers for ${profileMs} ms`);
        result.profile = await profileDashboard(cli, stateDir, size, profileMs, idleAfterMs);
      }
      results.push(result);
    }
  } finally {
    cli.dispose();
    const left: string[] = [];
    for (const name of made) {
      try {
        await runtime.remove(name, true);
      } catch (error) {
        if (runtime.list().some((c) => c.name === name)) left.push(`${name} (${(error as Error).message})`);
      }
    }
    runtime.close();
    for (const name of made) if (cgroupDriver().open(name)) left.push(`cgroup of ${name}`);
    rmSync(stateDir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (left.length) log(`dashboard-cpu: LEFT BEHIND: ${left.join(', ')}`);
  }
  return results;
}

export function formatDashboardCpu(results: DashboardCpuResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const verdict = r.containers === 10 ? (r.cpuPercentOfOneCore <= TARGET_PERCENT ? '  (target ≤ 2 %: met)' : '  (target ≤ 2 %: OVER)') : '';
    lines.push(`  ${String(r.containers).padStart(4)} containers, idle: ${r.cpuPercentOfOneCore.toFixed(2)} % of one core, ${r.withChildrenPercent.toFixed(2)} % with its children; ${r.framesPerSecond} frames/s, ${r.outputBytesPerSecond} B/s${verdict}`);
    lines.push(`       while the graphs fill (the first minutes): ${r.fillingPercent.toFixed(2)} % of one core; ${r.fillingFramesPerSecond} frames/s, ${r.fillingBytesPerSecond} B/s`);
    if (r.profile) {
      const { windowMs, busyMs, self, inclusive } = r.profile;
      lines.push(`       --cpu-prof over ${windowMs} ms after settling: busy ${busyMs} ms (${((busyMs / windowMs) * 100).toFixed(1)} % of the main thread)`);
      lines.push('       inclusive, by where the code lives (% of busy time):');
      for (const p of inclusive.slice(0, 10)) lines.push(`       ${p.percent.toFixed(1).padStart(5)} %  ${String(p.ms).padStart(7)} ms  ${p.fn}`);
      lines.push('       top self time:');
      for (const p of self) lines.push(`       ${p.percent.toFixed(1).padStart(5)} %  ${String(p.ms).padStart(7)} ms  ${p.fn}`);
    }
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);
  const profile = (process.env.BENCH_PROFILE ?? 'auto') as 'auto' | 'always' | 'never';
  const sizes = process.env.BENCH_SIZES?.split(',').map(Number);
  console.log(`dashboard CPU at idle, 120x40, default 1 s sample rate; target: 10 containers ≤ ${TARGET_PERCENT} % of one core; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const results = await benchDashboardCpu({
    sizes, settleMs: env('BENCH_SETTLE_MS'), measureMs: env('BENCH_MEASURE_MS'), idleAfterMs: env('BENCH_IDLE_AFTER_MS'), idleMs: env('BENCH_IDLE_MS'), profile,
    cli: (['tsx', 'bundle'] as const).find((k) => k === process.env.BENCH_DASHBOARD_CLI) ?? 'dist',
  });
  console.log(formatDashboardCpu(results));
  process.exit(0);
}
