// Container start-up cost: create -> run /bin/true -> exit -> cleaned up.
//
//   npm run bench      (= sh scripts/test-sandbox.sh bench, as root, in
//                       throwaway network and mount namespaces)
//
// Compares ctr-tui's in-process API and CLI with runc on the same rootfs,
// and with the floor: unshare into the same namespaces, and a bare spawn.
// Prints the median and p90 of each, and the ratios. Leaves nothing behind
// (it checks, and exits 1 if it did).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSpec } from '../src/runtime/build-spec.js';
import { startContainer } from '../src/runtime/container.js';
import { traceOffVar } from '../src/runtime/birth-trace.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rootfs = path.join(repoRoot, 'rootfs');
const cliBin = path.join(repoRoot, 'bin/ctr-tui.js');

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = 3;
/** Per variant: stop measuring (with fewer runs) past this, to keep the whole bench under 2 minutes. */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 12_000);

interface Result {
  label: string;
  times: number[];
  note?: string;
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

async function measure(label: string, once: (i: number) => Promise<void>): Promise<Result> {
  for (let i = 0; i < WARMUP; i++) await once(-1 - i);
  const times: number[] = [];
  const began = Date.now();
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await once(i);
    times.push(ms(start));
    if (Date.now() - began > BUDGET_MS && times.length >= 5) break;
  }
  process.stderr.write(`  ${label}: ${times.length} runs\n`);
  return { label, times };
}

/** Two variants measured by turns (a, b, a, b, ...), for a ratio that the machine's load moves less. */
async function measureByTurns(labelA: string, labelB: string, once: (a: boolean) => Promise<void>): Promise<[Result, Result]> {
  for (let i = 0; i < WARMUP; i++) {
    await once(true);
    await once(false);
  }
  const a: number[] = [];
  const b: number[] = [];
  const began = Date.now();
  for (let i = 0; i < RUNS; i++) {
    for (const [traced, times] of [[i % 2 === 0, i % 2 === 0 ? a : b], [i % 2 !== 0, i % 2 !== 0 ? a : b]] as const) {
      const start = process.hrtime.bigint();
      await once(traced);
      times.push(ms(start));
    }
    if (Date.now() - began > 2 * BUDGET_MS && a.length >= 5) break;
  }
  process.stderr.write(`  ${labelA} / ${labelB}: ${a.length} runs each, by turns\n`);
  return [{ label: labelA, times: a }, { label: labelB, times: b }];
}

/** Spawns a program and resolves when it has exited; rejects on a non-zero status. */
function run(file: string, args: string[], options: { cwd?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: options.cwd });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(file)} ${args.join(' ')}: exit ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

// ---------------------------------------------------------------- ctr-tui

const devNull = openSync('/dev/null', 'r+');
const stdio: [number, number, number] = [devNull, devNull, devNull];
const BENCH_IP = '10.0.0.9';

/** Every container name this run used (b + pid + counter: short enough for a plain ctr-NAME veth). */
const used = new Set<string>();
let seq = 0;
function nextName(): string {
  const name = `b${process.pid.toString(36)}n${(seq++).toString(36)}`;
  used.add(name);
  return name;
}

async function apiOnce(name: string, network: boolean): Promise<void> {
  const spec = buildSpec({ name, command: ['/bin/true'], ...(network ? { ip: BENCH_IP } : { network: false }) });
  const container = await startContainer(spec, { console: 'inherit', stdio });
  const exit = await container.exited;  // resolves once the cgroup is removed and the veth gone
  if (exit.status !== 0) throw new Error(`${name}: /bin/true exited ${exit.status}`);
}

function distIsStale(): boolean {
  const newest = (dir: string): number => {
    let latest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      latest = Math.max(latest, entry.isDirectory() ? newest(file) : statSync(file).mtimeMs);
    }
    return latest;
  };
  const dist = path.join(repoRoot, 'dist');
  return !existsSync(dist) || newest(path.join(repoRoot, 'src')) > newest(dist);
}

// ---------------------------------------------------------------- runc

interface Runc {
  bundle: string;
  state: string;
}

/** A bundle whose rootfs is ours (read-only), running /bin/true without a terminal; null with the reason if runc cannot. */
async function prepareRunc(): Promise<Runc | { skip: string }> {
  const which = spawnSync('sh', ['-c', 'command -v runc'], { encoding: 'utf8' });
  if (which.status !== 0) return { skip: 'runc is not installed (apt-get install -y runc)' };
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-bench-runc-'));
  const bundle = path.join(dir, 'bundle');
  const state = path.join(dir, 'state');
  spawnSync('mkdir', ['-p', bundle, state]);
  const generated = spawnSync('runc', ['spec'], { cwd: bundle, encoding: 'utf8' });
  if (generated.status !== 0) return { skip: `runc spec failed: ${generated.stderr.trim()}` };
  const config = JSON.parse(readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  config.root = { path: rootfs, readonly: true };
  config.process.args = ['/bin/true'];
  config.process.terminal = false;
  config.hostname = 'bench';
  writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config, null, 2));
  const runc = { bundle, state };
  try {
    await runcOnce(runc, `runc-${nextName()}`);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `runc run fails here: ${(error as Error).message.split('\n')[0]}` };
  }
  return runc;
}

async function runcOnce(runc: Runc, id: string): Promise<void> {
  // `run` deletes the container when it exits (no --keep).
  try {
    await run('runc', ['--root', runc.state, 'run', '--bundle', runc.bundle, id]);
  } catch (error) {
    spawnSync('runc', ['--root', runc.state, 'delete', '--force', id]);
    throw error;
  }
}

// ---------------------------------------------------------------- what is left

function leftovers(): string[] {
  const found: string[] = [];
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    for (const name of used) {
      // ours under ctr-tui/, runc's at /<id> by default
      for (const dir of [path.join('/sys/fs/cgroup', hierarchy, 'ctr-tui', name), path.join('/sys/fs/cgroup', hierarchy, `runc-${name}`)]) {
        if (existsSync(dir)) found.push(`cgroup ${dir}`);
      }
    }
  }
  const links = readFileSync('/proc/self/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean);
  // This is the bench's own network namespace: any ctr-* link here is ours.
  for (const link of links) if (link.startsWith('ctr-')) found.push(`link ${link}`);
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(rootfs)) found.push(`mount ${line}`);
  return found;
}

// ---------------------------------------------------------------- main

function format(n: number): string {
  return Number.isNaN(n) ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1);
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: needs root: run "sudo npm run bench"\n');
    return 2;
  }
  const wallStart = Date.now();
  process.stderr.write(`bench: ${RUNS} runs after ${WARMUP} warm-ups each (at most ${BUDGET_MS / 1000} s per variant)\n`);
  const results: Result[] = [];
  results.push(await measure('ctr-tui API, --no-net', () => apiOnce(nextName(), false)));
  results.push(await measure('ctr-tui API, with veth', () => apiOnce(nextName(), true)));
  // The same with the birth trace off (it is on by default), run by turns with it on, so that
  // both see the same machine: what keeping the trace costs.
  for (const [label, network] of [['--no-net', false], ['with veth', true]] as const) {
    results.push(...(await measureByTurns(`ctr-tui API, ${label}, traced`, `ctr-tui API, ${label}, no trace`, (traced) => {
      if (traced) delete process.env[traceOffVar];
      else process.env[traceOffVar] = '1';
      return apiOnce(nextName(), network);
    })));
  }
  delete process.env[traceOffVar];

  const stale = distIsStale();
  const cliNote = stale ? 'dist/ is older than src/: run "npm run build:ts"' : undefined;
  results.push({ ...(await measure('ctr-tui CLI, --no-net', () => run(process.execPath, [cliBin, 'run', '--name', nextName(), '--no-net', '--', '/bin/true']))), note: cliNote });
  results.push({ ...(await measure('ctr-tui CLI, with veth', () => run(process.execPath, [cliBin, 'run', '--name', nextName(), '--ip', BENCH_IP, '--', '/bin/true']))), note: cliNote });

  const runc = await prepareRunc();
  if ('skip' in runc) {
    results.push({ label: 'runc run', times: [], note: `skipped: ${runc.skip}` });
  } else {
    results.push(await measure('runc run (lo only)', () => runcOnce(runc, `runc-${nextName()}`)));
    rmSync(path.dirname(runc.bundle), { recursive: true, force: true });
  }

  // Where the CLI's time goes: Node itself, then loading the CLI without running anything.
  results.push(await measure('node -e 0', () => run(process.execPath, ['-e', '0'])));
  results.push({ ...(await measure('ctr-tui --help (no container)', () => run(process.execPath, [cliBin, '--help']))), note: cliNote });
  results.push(await measure('unshare -pmuin --fork /bin/true', () => run('unshare', ['--pid', '--mount', '--uts', '--ipc', '--net', '--fork', '/bin/true'])));
  results.push(await measure('spawn /bin/true', () => run('/bin/true', [])));
  closeSync(devNull);

  const rows = results.map((r) => {
    const sorted = [...r.times].sort((a, b) => a - b);
    return { ...r, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), min: sorted[0] ?? NaN };
  });
  const width = Math.max(...rows.map((r) => r.label.length));
  const out: string[] = [];
  out.push(`create -> /bin/true -> exit -> cleaned up, in ms (${RUNS} runs after ${WARMUP} warm-ups; Node ${process.version})`);
  out.push(`${'variant'.padEnd(width)}  ${'runs'.padStart(4)}  ${'median'.padStart(7)}  ${'p90'.padStart(7)}  ${'min'.padStart(7)}`);
  for (const r of rows) {
    out.push(`${r.label.padEnd(width)}  ${String(r.times.length).padStart(4)}  ${format(r.median).padStart(7)}  ${format(r.p90).padStart(7)}  ${format(r.min).padStart(7)}${r.note ? `  (${r.note})` : ''}`);
  }
  const median = (label: string) => rows.find((r) => r.label.startsWith(label))?.median ?? NaN;
  const ratio = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? '-' : `${(a / b).toFixed(1)}x`);
  const runcMedian = median('runc run');
  const floor = median('unshare');
  out.push('');
  out.push('ratios of medians        / runc   / unshare');
  for (const label of ['ctr-tui API, --no-net', 'ctr-tui API, with veth', 'ctr-tui CLI, --no-net', 'ctr-tui CLI, with veth']) {
    out.push(`${label.padEnd(24)} ${ratio(median(label), runcMedian).padStart(6)}  ${ratio(median(label), floor).padStart(8)}`);
  }
  out.push('');
  out.push('the birth trace             traced / untraced');
  for (const label of ['--no-net', 'with veth']) {
    out.push(`${`ctr-tui API, ${label}`.padEnd(24)} ${ratio(median(`ctr-tui API, ${label}, traced`), median(`ctr-tui API, ${label}, no trace`)).padStart(9)}  (${format(median(`ctr-tui API, ${label}, traced`) - median(`ctr-tui API, ${label}, no trace`))} ms a run, by turns)`);
  }
  out.push('');
  out.push(`The CLI rows include Node's start-up ("node -e 0") and loading the CLI ("ctr-tui --help").`);

  const left = leftovers();
  out.push(left.length ? `LEFT BEHIND: ${left.join('; ')}` : `left behind: nothing (none of the ${used.size} containers' cgroups, no ctr-* link, no rootfs mount)`);
  out.push(`total bench time: ${((Date.now() - wallStart) / 1000).toFixed(1)} s`);
  process.stdout.write(`${out.join('\n')}\n`);
  return left.length ? 1 : 0;
}

process.exitCode = await main();
