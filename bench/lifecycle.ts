// Detached-container latencies:
//
// 1. OOM notification: from the kernel's "Killed process" record (its
//    /dev/kmsg timestamp) to the runtime API's 'oom-kill' event handler,
//    over 20 kills (hungry run 20 times, 0.2 s apart, by a shell under a
//    32 MiB limit), paired by the victim's host pid; the event must also
//    name the victim's pid inside as the shell printed it.
// 2. exec: spawn -> exit of /bin/true in a running container, through
//    Runtime.exec (ctr-exec), next to `runc exec` (when runc is installed)
//    and `nsenter -t PID -a` (the floor: joining namespaces and nothing else).
//
//   node --import=tsx bench/lifecycle.ts     (as root; npm run bench runs it in throwaway namespaces)
//
// Bounded (well under 60 s) and leaves nothing behind (it checks).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSpec } from '../src/runtime/build-spec.js';
import { UsageError } from '../src/runtime/errors.js';
import { journalFile } from '../src/runtime/event-journal.js';
import { native } from '../src/runtime/native.js';
import { Runtime, type RuntimeEvent } from '../src/runtime/runtime.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rootfs = path.join(repoRoot, 'rootfs');

const OOM_KILLS = 20;
const EXEC_RUNS = 30;
const WARMUP = 3;
/** The whole bench stops waiting past this. */
const BUDGET_MS = 50_000;

export interface LatencySummary {
  samples: number;
  medianMs: number;
  worstMs: number;
}

export interface LifecycleBenchResult {
  oom: LatencySummary & {
    /** CLOCK_MONOTONIC minus the kmsg clock, in µs, as measured by writing our own kmsg record (null: not measurable). */
    clockOffsetUs: number | null;
    /** Kills the kernel recorded. */
    kills: number;
    /** Kills not paired one to one by pid (kernel record without an event, or the reverse), or named with a wrong pid inside. */
    mismatches: number;
  };
  exec: {
    ctr: LatencySummary;
    runc: LatencySummary | { skipped: string };
    nsenter: LatencySummary;
  };
  leftBehind: string[];
  totalMs: number;
}

export interface LifecycleBenchOptions {
  log?: (line: string) => void;
}

export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function summarize(times: number[]): LatencySummary {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { samples: sorted.length, medianMs: median, worstMs: sorted.at(-1) ?? NaN };
}

/** "pri,seq,usec,flags;message" -> usec and message. */
export function parseKmsg(record: string): { usec: number; message: string } | null {
  const semi = record.indexOf(';');
  if (semi < 0) return null;
  const fields = record.slice(0, semi).split(',');
  const usec = Number(fields[2]);
  if (!Number.isFinite(usec)) return null;
  return { usec, message: record.slice(semi + 1).split('\n')[0] };
}

/**
 * The kmsg timestamp is the kernel's local clock; Node's hrtime is
 * CLOCK_MONOTONIC. They agree on most machines, but measure: write our own
 * record and compare its timestamp with the time we wrote it.
 */
export function measureClockOffset(): number | null {
  const offsets: number[] = [];
  let fd = -1;
  let out = -1;
  try {
    fd = native.openKmsg();
    out = openSync('/dev/kmsg', 'w');
    for (let i = 0; i < 3; i++) {
      const marker = `ctr-tui-bench: clock probe ${process.pid}.${i}`;
      const before = nowUs();
      writeSync(out, `${marker}\n`);
      const after = nowUs();
      const record = native.readKmsg(fd).map(parseKmsg).find((r) => r?.message === marker);
      if (record) offsets.push((before + after) / 2 - record.usec);
    }
  } catch {
    // /dev/kmsg not writable (printk_devkmsg=off): assume the clocks agree.
  } finally {
    if (out >= 0) closeSync(out);
    if (fd >= 0) closeSync(fd);
  }
  if (!offsets.length) return null;
  return offsets.sort((a, b) => a - b)[offsets.length >> 1];
}

async function removeQuietly(runtime: Runtime, name: string): Promise<void> {
  try {
    await runtime.remove(name, true);
  } catch (error) {
    // The container may exit between remove's check and its kill: then it is an exited one.
    if (error instanceof UsageError && /no such container/.test(error.message)) return;
    try {
      await runtime.remove(name);
    } catch {
      // gone already
    }
  }
}

// ---------------------------------------------------------------- 1. OOM notification

async function benchOom(runtime: Runtime, name: string, deadline: number, log: (line: string) => void): Promise<LifecycleBenchResult['oom']> {
  const clockOffsetUs = measureClockOffset();
  log(`  kmsg clock vs CLOCK_MONOTONIC: ${clockOffsetUs === null ? 'not measurable, assumed equal' : `${clockOffsetUs.toFixed(0)} µs`}`);
  const kmsg = native.openKmsg();
  // The kernel's side: each "Killed process PID" record (never rate-limited), by host pid.
  // The bench runs alone, so every such record while it runs is one of its kills.
  const kernelTimes = new Map<number, number>();
  // The runtime's side: each 'oom-kill' event, when its handler ran, and whom it named.
  const told: { hostPid: number | null; pid: number | null; at: number }[] = [];
  let exited = false;
  const drainKmsg = () => {
    for (const line of native.readKmsg(kmsg)) {
      const record = parseKmsg(line);
      const killed = record && /^Memory cgroup out of memory: Killed process (\d+) /.exec(record.message);
      if (killed) kernelTimes.set(Number(killed[1]), record.usec);
    }
  };
  const onEvent = (event: RuntimeEvent) => {
    if (event.name !== name) return;
    if (event.kind === 'oom-kill') told.push({ hostPid: event.kill.hostPid, pid: event.kill.pid, at: nowUs() });
    if (event.kind === 'exited') exited = true;
  };
  runtime.on('event', onEvent);
  let victims: number[] = [];
  try {
    // Back to back, 0.2 s apart: each victim's pid inside is printed by the shell.
    const loop = `i=0; while [ $i -lt ${OOM_KILLS} ]; do /var/shared_folder/hungry --step 8 --interval 1 > /dev/null & echo "victim $!"; wait; i=$((i+1)); sleep 0.2; done`;
    await runtime.run(buildSpec({ name, memory: '32M', network: false, command: ['/bin/sh', '-c', loop] }));
    while (!exited && Date.now() < deadline) {
      await sleep(10);
      drainKmsg();
    }
    drainKmsg();
    if (!exited) log(`  (OOM part cut short by the time budget after ${told.length} kills)`);
    victims = [...readFileSync(runtime.store.logFile(name), 'utf8').matchAll(/^victim (\d+)$/gm)].map((m) => Number(m[1]));
  } finally {
    runtime.off('event', onEvent);
    closeSync(kmsg);
    await removeQuietly(runtime, name);
  }
  const offset = clockOffsetUs ?? 0;
  const latencies: number[] = [];
  // Paired by pid from both sides: a kill the kernel made that no event names, an
  // event naming a pid the kernel never killed, or the wrong pid inside, is a mismatch.
  let mismatches = 0;
  told.forEach((event, i) => {
    const kernel = event.hostPid === null ? undefined : kernelTimes.get(event.hostPid);
    if (kernel === undefined || event.pid !== victims[i]) mismatches++;
    if (kernel !== undefined) latencies.push((event.at - (kernel + offset)) / 1000);
  });
  const namedPids = new Set(told.map((e) => e.hostPid));
  for (const pid of kernelTimes.keys()) if (!namedPids.has(pid)) mismatches++;
  return { ...summarize(latencies), clockOffsetUs, kills: kernelTimes.size, mismatches };
}

// ---------------------------------------------------------------- 2. exec

function timeChild(start: () => ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = process.hrtime.bigint();
    const child = start();
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const took = Number(process.hrtime.bigint() - began) / 1e6;
      if (code === 0) resolve(took);
      else reject(new Error(`exit ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

async function measure(runs: number, deadline: number, once: () => Promise<number>): Promise<LatencySummary> {
  for (let i = 0; i < WARMUP; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < runs && Date.now() < deadline; i++) times.push(await once());
  return summarize(times);
}

interface RuncContainer {
  dir: string;
  id: string;
}

function runc(dir: string, args: string[]) {
  return spawnSync('runc', ['--root', path.join(dir, 'state'), ...args], { encoding: 'utf8', timeout: 10_000 });
}

/** A runc container on our rootfs running sleep, or the reason there is none. */
function startRunc(): RuncContainer | { skipped: string } {
  if (spawnSync('sh', ['-c', 'command -v runc']).status !== 0) return { skipped: 'runc: not installed' };
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-bench-runc-'));
  const bundle = path.join(dir, 'bundle');
  spawnSync('mkdir', ['-p', bundle, path.join(dir, 'state')]);
  const id = `ctrtui-lifecycle-${process.pid}`;
  const generated = spawnSync('runc', ['spec'], { cwd: bundle, encoding: 'utf8' });
  if (generated.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `runc spec failed: ${generated.stderr.trim()}` };
  }
  const config = JSON.parse(readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  config.root = { path: rootfs, readonly: true };
  config.process.args = ['sleep', '3600'];
  config.process.terminal = false;
  config.hostname = 'bench';
  writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config, null, 2));
  // -d without a terminal: the container's stdio is ours, so give it /dev/null.
  const started = spawnSync('runc', ['--root', path.join(dir, 'state'), 'run', '-d', '--bundle', bundle, id], { stdio: 'ignore', timeout: 10_000 });
  if (started.status !== 0) {
    stopRunc({ dir, id });
    return { skipped: `runc run -d failed (status ${started.status})` };
  }
  return { dir, id };
}

function stopRunc(container: RuncContainer): void {
  runc(container.dir, ['delete', '--force', container.id]);
  rmSync(container.dir, { recursive: true, force: true });
}

async function benchExec(runtime: Runtime, name: string, deadline: number): Promise<LifecycleBenchResult['exec']> {
  const info = await runtime.run(buildSpec({ name, network: false, command: ['sleep', '3600'] }));
  let runcContainer: RuncContainer | { skipped: string } = { skipped: 'not tried' };
  try {
    const ctr = await measure(EXEC_RUNS, deadline, () => timeChild(() => runtime.exec(name, ['/bin/true'], { tty: false, stdio: ['ignore', 'ignore', 'pipe'] })));
    const nsenter = await measure(EXEC_RUNS, deadline, () => timeChild(() => spawn('nsenter', ['-t', String(info.pid), '-a', '/bin/true'], { stdio: ['ignore', 'ignore', 'pipe'] })));
    runcContainer = startRunc();
    let runcResult: LatencySummary | { skipped: string };
    if ('skipped' in runcContainer) {
      runcResult = runcContainer;
    } else {
      const { dir, id } = runcContainer;
      runcResult = await measure(EXEC_RUNS, deadline, () => timeChild(() => spawn('runc', ['--root', path.join(dir, 'state'), 'exec', id, '/bin/true'], { stdio: ['ignore', 'ignore', 'pipe'] })));
    }
    return { ctr, runc: runcResult, nsenter };
  } finally {
    if (!('skipped' in runcContainer)) stopRunc(runcContainer);
    await removeQuietly(runtime, name);
  }
}

// ---------------------------------------------------------------- what is left

function leftovers(stateDir: string, names: string[]): string[] {
  const found: string[] = [];
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    for (const name of names) {
      const dir = path.join('/sys/fs/cgroup', hierarchy, 'ctr-tui', name);
      if (existsSync(dir)) found.push(`cgroup ${dir}`);
    }
    for (const entry of existsSync(path.join('/sys/fs/cgroup', hierarchy)) ? readdirSync(path.join('/sys/fs/cgroup', hierarchy)) : []) {
      if (entry.startsWith('ctrtui-lifecycle-')) found.push(`cgroup ${path.join('/sys/fs/cgroup', hierarchy, entry)}`);
    }
  }
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ctr-monitor' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(stateDir)) found.push(`ctr-monitor ${pid}`);
    } catch {
      // gone
    }
  }
  // The event journal stays: it is the state dir's history, not a container's.
  const records = existsSync(stateDir) ? readdirSync(stateDir).filter((entry) => !entry.startsWith(journalFile)) : [];
  if (records.length) found.push(`state ${records.join(', ')}`);
  return found;
}

async function settleLeftovers(stateDir: string, names: string[]): Promise<string[]> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const found = leftovers(stateDir, names);
    if (!found.length || Date.now() > deadline) return found;
    await sleep(20);
  }
}

// ---------------------------------------------------------------- main

export async function benchLifecycle(options: LifecycleBenchOptions = {}): Promise<LifecycleBenchResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (process.getuid?.() !== 0) throw new Error('bench/lifecycle: needs root');
  const began = Date.now();
  const deadline = began + BUDGET_MS;
  const stateDir = mkdtempSync(path.join(existsSync('/run') ? '/run' : tmpdir(), 'ctr-tui-bench-lc-'));
  const tag = (process.pid % 46656).toString(36);
  const oomName = `benchoom${tag}`;
  const execName = `benchexec${tag}`;
  const runtime = new Runtime(stateDir);
  runtime.watch();
  try {
    log(`OOM notification latency over ${OOM_KILLS} kills...`);
    const oom = await benchOom(runtime, oomName, Math.min(deadline, Date.now() + 30_000), log);
    log(`exec latency, ${EXEC_RUNS} runs after ${WARMUP} warm-ups...`);
    const exec = await benchExec(runtime, execName, deadline);
    runtime.close();
    const leftBehind = await settleLeftovers(stateDir, [oomName, execName]);
    return { oom, exec, leftBehind, totalMs: Date.now() - began };
  } finally {
    runtime.close();
    for (const name of [oomName, execName]) await removeQuietly(runtime, name);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function fmt(n: number): string {
  return Number.isNaN(n) ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1);
}

export function formatLifecycle(result: LifecycleBenchResult): string {
  const out: string[] = [];
  const { oom, exec } = result;
  out.push(`OOM kill -> 'oom-kill' event (the kernel's "Killed process" record to the handler, paired by pid), ${oom.kills} kills back to back:`);
  out.push(`  median ${fmt(oom.medianMs)} ms, worst ${fmt(oom.worstMs)} ms over ${oom.samples} paired; mismatches ${oom.mismatches}` +
    `; kmsg clock offset ${oom.clockOffsetUs === null ? 'unknown (assumed 0)' : `${oom.clockOffsetUs.toFixed(0)} µs`}`);
  out.push('');
  out.push(`exec /bin/true in a running container, spawn -> exit (median of ${exec.ctr.samples}):`);
  const floor = exec.nsenter.medianMs;
  const runcMedian = 'skipped' in exec.runc ? NaN : exec.runc.medianMs;
  const rows: Array<[string, LatencySummary | { skipped: string }]> = [
    ['ctr-tui exec (Runtime.exec)', exec.ctr],
    ['runc exec', exec.runc],
    ['nsenter -t PID -a (floor)', exec.nsenter],
  ];
  out.push(`  ${'variant'.padEnd(28)} ${'median'.padStart(7)} ${'worst'.padStart(7)}  ${'/ floor'.padStart(7)}  ${'/ runc'.padStart(6)}`);
  for (const [label, r] of rows) {
    if ('skipped' in r) {
      out.push(`  ${label.padEnd(28)} ${r.skipped}`);
      continue;
    }
    const ratio = (b: number) => (Number.isNaN(b) ? '-' : `${(r.medianMs / b).toFixed(2)}x`);
    out.push(`  ${label.padEnd(28)} ${fmt(r.medianMs).padStart(7)} ${fmt(r.worstMs).padStart(7)}  ${ratio(floor).padStart(7)}  ${ratio(runcMedian).padStart(6)}`);
  }
  out.push('');
  out.push(result.leftBehind.length ? `LEFT BEHIND: ${result.leftBehind.join('; ')}` : 'left behind: nothing');
  out.push(`total: ${(result.totalMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchLifecycle();
  process.stdout.write(`${formatLifecycle(result)}\n`);
  process.exitCode = result.leftBehind.length ? 1 : 0;
}
