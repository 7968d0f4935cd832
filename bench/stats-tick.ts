// How long one StatsSampler tick takes for 10 and for 100 real containers
// (the issue's target: 100 containers in under 1 ms per tick).
//
// Each container is a real cgroup (made by the detected driver, v1 here)
// holding one `sleep`. Inside a throwaway network namespace (npm run bench
// runs under `unshare --net`) each also gets a real veth pair, host end here
// and peer end in one other namespace, as the runtime lays them out, so that
// /proc/net/dev holds what it would on a host with that many containers.
// Outside one, veths are skipped. Everything made is removed, even on failure.
//
//   node --import=tsx bench/stats-tick.ts          (as root)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { detectCgroupDriver } from '../src/runtime/cgroup/detect.js';
import type { Cgroup } from '../src/runtime/cgroup/types.js';
import { StatsSampler, type StatsSamplerOptions } from '../src/runtime/stats-sampler.js';

export interface StatsTickResult {
  containers: number;
  /** Wall time of one sampleAll(). */
  medianUs: number;
  p90Us: number;
  /** This process's CPU time (user + system) for one sampleAll(): the same work, without the time other processes took the core. */
  cpuMedianUs: number;
}

export interface StatsTickOptions extends StatsSamplerOptions {
  sizes?: number[];
  ticks?: number;
  /** Make veth pairs; default: only inside a network namespace other than pid 1's. */
  veths?: boolean;
  log?: (line: string) => void;
}

const WARMUP_TICKS = 20;

/**
 * True when this process has a network namespace of its own, as under
 * `unshare --net`: one that is not pid 1's, or (when pid 1's cannot be read)
 * one holding nothing but lo and the runtime's ctr-* links.
 */
export function inThrowawayNetns(): boolean {
  try {
    return statSync('/proc/self/ns/net').ino !== statSync('/proc/1/ns/net').ino;
  } catch {
    const links = [...linkNames()];
    return links.includes('lo') && links.every((link) => link === 'lo' || link.startsWith('ctr-'));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function startSleeper(args: string[] = []): ChildProcess {
  const child = spawn(args.length ? args[0] : 'sleep', args.length ? args.slice(1) : ['3600'], { stdio: 'ignore' });
  child.on('error', () => {});
  return child;
}

function ip(batch: string): void {
  const result = spawnSync('ip', ['-batch', '-'], { input: batch, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip -batch failed: ${result.stderr || result.error?.message || `status ${result.status}`}`);
}

function linkNames(): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon > 0) names.add(line.slice(0, colon).trim());
  }
  return names;
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

interface Fixture {
  cgroups: Cgroup[];
  sleepers: ChildProcess[];
  veths: string[];
  peerNs: ChildProcess | null;
}

async function grow(fixture: Fixture, count: number, prefix: string, withVeths: boolean): Promise<void> {
  const driver = detectCgroupDriver();
  if (withVeths && fixture.peerNs === null) {
    // One namespace holds every peer end, standing in for the containers' namespaces.
    const holder = startSleeper(['unshare', '--net', '--', 'sleep', '3600']);
    fixture.peerNs = holder;
    const own = statSync('/proc/self/ns/net').ino;
    const ready = await waitFor(() => {
      try {
        return holder.pid !== undefined && statSync(`/proc/${holder.pid}/ns/net`).ino !== own;
      } catch {
        return false;
      }
    }, 5000);
    if (!ready) throw new Error('the peer network namespace did not appear');
  }
  let batch = '';
  for (let i = fixture.cgroups.length; i < count; i++) {
    const name = `${prefix}-${i}`;
    const cgroup = driver.create(name, { memoryBytes: 64 * 1024 * 1024, pids: 32 });
    fixture.cgroups.push(cgroup);
    const sleeper = startSleeper();
    fixture.sleepers.push(sleeper);
    if (sleeper.pid === undefined) throw new Error('could not start sleep');
    cgroup.addProcess(sleeper.pid);
    if (withVeths) {
      const host = `sb${prefix.slice(-6)}${i}`;
      batch += `link add ${host} type veth peer name p${i} netns ${fixture.peerNs?.pid}\nlink set ${host} up\n`;
      fixture.veths.push(host);
    }
  }
  if (batch !== '') ip(batch);
}

async function tearDown(fixture: Fixture, log: (line: string) => void): Promise<void> {
  for (const child of fixture.sleepers) child.kill('SIGKILL');
  await Promise.all(fixture.sleepers.map(exited));
  const failures: string[] = [];
  for (const cgroup of fixture.cgroups) {
    try {
      cgroup.remove();
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (fixture.peerNs !== null) {
    // The peers go with their namespace, and each takes its host end with it.
    fixture.peerNs.kill('SIGKILL');
    await exited(fixture.peerNs);
    const gone = await waitFor(() => {
      const names = linkNames();
      return fixture.veths.every((veth) => !names.has(veth));
    }, 10_000);
    if (!gone) {
      const names = linkNames();
      const left = fixture.veths.filter((veth) => names.has(veth));
      if (left.length) ip(left.map((veth) => `link del ${veth}\n`).join(''));
    }
  }
  if (failures.length) log(`cleanup failures:\n${failures.join('\n')}`);
}

async function measure(fixture: Fixture, count: number, ticks: number, options: StatsSamplerOptions): Promise<StatsTickResult> {
  const sampler = new StatsSampler(options);
  try {
    for (let i = 0; i < count; i++) {
      sampler.add({ name: fixture.cgroups[i].name, cgroup: fixture.cgroups[i], hostVeth: fixture.veths[i] ?? null });
    }
    const times: number[] = [];
    const cpuTimes: number[] = [];
    for (let t = 0; t < WARMUP_TICKS + ticks; t++) {
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      const samples = sampler.sampleAll();
      const us = Number(process.hrtime.bigint() - start) / 1000;
      const used = process.cpuUsage(cpu);
      if (samples.length !== count) throw new Error(`a tick returned ${samples.length} samples, not ${count}`);
      if (t >= WARMUP_TICKS) {
        times.push(us);
        cpuTimes.push(used.user + used.system);
      }
      // Ticks apart, as a dashboard's timer would be, rather than back to back.
      await sleep(2);
    }
    times.sort((a, b) => a - b);
    cpuTimes.sort((a, b) => a - b);
    return {
      containers: count,
      medianUs: round(percentile(times, 0.5)),
      p90Us: round(percentile(times, 0.9)),
      cpuMedianUs: round(percentile(cpuTimes, 0.5)),
    };
  } finally {
    sampler.close();
  }
}

function round(us: number): number {
  return Math.round(us * 10) / 10;
}

export async function benchStatsTick(options: StatsTickOptions = {}): Promise<StatsTickResult[]> {
  const { sizes = [10, 100], ticks = 200, log = (line: string) => console.error(line), ...samplerOptions } = options;
  const withVeths = options.veths ?? inThrowawayNetns();
  if (!withVeths) log('stats-tick: not in a network namespace of its own, so no veths (run it with npm run bench)');
  const prefix = `bench-${randomBytes(3).toString('hex')}`;
  const fixture: Fixture = { cgroups: [], sleepers: [], veths: [], peerNs: null };
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results: StatsTickResult[] = [];
  try {
    for (const size of [...sizes].sort((a, b) => a - b)) {
      await grow(fixture, size, prefix, withVeths);
      if (interrupted) throw new Error(`interrupted by ${interrupted}`);
      results.push(await measure(fixture, size, ticks, samplerOptions));
      if (interrupted) throw new Error(`interrupted by ${interrupted}`);
    }
  } finally {
    await tearDown(fixture, log);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return results;
}

function print(title: string, results: StatsTickResult[]): void {
  console.log(title);
  for (const r of results) {
    console.log(`  ${String(r.containers).padStart(4)} containers: median ${r.medianUs} µs, p90 ${r.p90Us} µs (CPU time: median ${r.cpuMedianUs} µs)`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);
  const options = { oomEvery: env('OOM_EVERY'), idleRefreshEvery: env('IDLE_REFRESH_EVERY') };
  console.log(`stats tick (StatsSampler.sampleAll), 200 ticks 2 ms apart; target: 100 containers < 1000 µs; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  print('defaults (idle containers: CPU time read, the rest every 5th tick):', await benchStatsTick(options));
  if (options.idleRefreshEvery === undefined) {
    print('worst case, as if every container were busy (idleRefreshEvery 1: every file every tick):', await benchStatsTick({ ...options, idleRefreshEvery: 1 }));
  }
}
