// The CLI SIGKILLed at random points while it creates a container (run -d,
// and a foreground run): the next command (ps) reconciles, and then nothing
// is left of a container that did not get to run, and every record that is
// left tells the truth. The delays come from a seeded PRNG; the seed is
// printed (CTR_TUI_ROBUSTNESS_SEED=N replays a run).
import { watch } from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { Runtime } from '../src/runtime/runtime.js';
import { assertSandboxed, uniqueName, type CliProcess, type CliResult } from './helpers/container.js';
import { makeLab, settle, type Lab } from './helpers/lifecycle.js';
import {
  addedHoldings, containerMount, harnessSeed, hostHoldings, markVariable, markedProcesses, recordProblems, removedResidue, seededRandom, stateEntries,
} from './helpers/robustness.js';

assertSandboxed();

const trials = Number(process.env.CTR_TUI_ROBUSTNESS_KILLS ?? 50);
const seed = harnessSeed();
const random = seededRandom(seed);
// Owned addresses (see ipRange in helpers/container.ts): one for each kind of run, reused trial after trial.
const detachedIp = '10.0.0.250';
const foregroundIp = '10.0.0.251';
const tag = uniqueName('mark');
const env = { [markVariable]: tag };

interface Tally {
  trials: number;
  beforeStart: number;
  afterStart: number;
  completed: number;
  leftovers: string[];
}

/** How long a whole command takes here and now (the machine is shared: measured, not assumed). */
async function timed(run: () => Promise<CliResult>): Promise<number> {
  const started = process.hrtime.bigint();
  const result = await run();
  if (result.code !== 0) throw new Error(`calibration run failed (${result.code}): ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * When to kill. Node's start-up alone is most of a CLI's life and varies
 * a lot on a shared machine, so most kills are timed from the moment the
 * CLI reserves the name (its directory appears in the state dir): a delay
 * drawn over the creation and a little past it. One in five is timed from
 * the spawn instead, to hit the start-up and the first steps too.
 */
interface KillPoint {
  from: 'spawn' | 'reservation';
  delayMs: number;
}

function drawKillPoint(bootMs: number, creationMs: number): KillPoint {
  if (random() < 0.2) return { from: 'spawn', delayMs: Math.round(random() * (bootMs + creationMs) * 1.1) };
  // Half spread evenly over the creation, half crowded into its first steps (the most of them, and the quickest).
  const spread = random() < 0.5 ? random() : random() * random();
  return { from: 'reservation', delayMs: Math.round(spread * creationMs * 1.3 * 100) / 100 };
}

/** Sends SIGKILL at the kill point; returns a function that cancels what is still pending. */
function armKill(lab: Lab, name: string, cli: CliProcess, point: KillPoint): () => void {
  const timers: NodeJS.Timeout[] = [];
  const kill = () => timers.push(setTimeout(() => cli.signal('SIGKILL'), point.delayMs));
  if (point.from === 'spawn') {
    kill();
    return () => timers.forEach(clearTimeout);
  }
  const watcher = watch(lab.dir, (_event, file) => {
    if (file !== name) return;
    watcher.close();
    kill();
  });
  return () => {
    watcher.close();
    timers.forEach(clearTimeout);
  };
}

/** Node's start-up (--help) and the time from the name's reservation to the command's end. */
async function calibrate(lab: Lab, args: (name: string) => string[]): Promise<{ bootMs: number; creationMs: number }> {
  const bootMs = await timed(() => lab.cli(['--help']));
  const name = uniqueName('cal');
  lab.track(name);
  let reservedAt = 0n;
  const watcher = watch(lab.dir, (_event, file) => {
    if (file === name && !reservedAt) reservedAt = process.hrtime.bigint();
  });
  const result = await lab.cli(args(name), { env });
  const endedAt = process.hrtime.bigint();
  watcher.close();
  if (result.code !== 0 || !reservedAt) throw new Error(`calibration run failed (${result.code}): ${result.stderr}`);
  const rm = await lab.cli(['rm', '-f', name]);
  if (rm.code !== 0 && !/no such container/.test(rm.stderr)) throw new Error(`rm -f ${name}: ${rm.stderr}`);
  return { bootMs, creationMs: Number(endedAt - reservedAt) / 1e6 };
}

/**
 * After a trial: ps (which reconciles) lists the container running or not
 * at all; a record left is truthful; once removed, nothing of the container
 * is left. Returns whether it was listed running.
 */
async function checkTrial(t: ExecutionContext, lab: Lab, name: string, ip: string, tally: Tally, what: string, autoRemove: boolean): Promise<boolean> {
  const rows = (await lab.ps(true)).filter((r) => r.name === name);
  const running = rows.some((r) => r.state === 'running');
  if (rows.length) {
    // ps has reconciled: the record and its removal go through the API (one process less per trial).
    const runtime = new Runtime(lab.dir);
    const record = runtime.get(name);
    const problems = recordProblems(record);
    if (autoRemove) problems.push(`${name}: a foreground run's record outlived its ctr-tui (state ${record.state})`);
    if (record.state !== 'running') problems.push(`${name}: left ${record.state} after its creator died: half-made`);
    if (problems.length) t.log(`${what}: ${problems.join('; ')}`);
    tally.leftovers.push(...problems);
    try {
      await runtime.remove(name, true);
    } catch (error) {
      tally.leftovers.push(`${what}: rm -f ${name} failed: ${(error as Error).message}`);
    }
    runtime.close();
  }
  const left = await settle(() => [...removedResidue(lab.dir, [name], [ip]), ...markedProcesses(tag).map((pid) => `marked process ${pid}`)], 5000);
  if (left.length) t.log(`${what}: left ${left.join('; ')}`);
  tally.leftovers.push(...left);
  const entries = stateEntries(lab.dir);
  if (entries.length) {
    t.log(`${what}: the state dir still holds ${entries.join(', ')}`);
    tally.leftovers.push(...entries.map((e) => `state dir entry ${e}`));
  }
  return running;
}

function report(t: ExecutionContext, what: string, tally: Tally): void {
  const line = `robustness: ${tally.trials} SIGKILLs of ${what} (seed ${seed}): ${tally.beforeStart} before the container started, ${tally.afterStart} after, ${tally.completed} after the command had finished; ${tally.leftovers.length} leftovers`;
  t.log(line);
  t.deepEqual(tally.leftovers, [], line);
}

const mine = (dir: string) => (entry: string) => entry.includes(tag.slice(4, 7)) || containerMount(entry, dir);

test.serial(`run -d SIGKILLed at ${trials} random points: after ps, nothing half-made, every record truthful`, async (t) => {
  const lab = makeLab(t, { timeoutMs: 900_000 });
  const args = (name: string) => ['run', '-d', '--name', name, '--ip', detachedIp, '--', 'sleep', '3600'];
  const { bootMs, creationMs } = await calibrate(lab, args);
  t.log(`seed ${seed}; ctr-tui --help ${bootMs.toFixed(0)} ms; run -d from the name's reservation to its end ${creationMs.toFixed(1)} ms`);
  const before = await hostHoldings(tag);
  const tally: Tally = { trials: 0, beforeStart: 0, afterStart: 0, completed: 0, leftovers: [] };
  for (let i = 0; i < trials; i++) {
    const name = uniqueName('kd');
    lab.track(name);
    const point = drawKillPoint(bootMs, creationMs);
    const cli = lab.start(args(name), { env });
    cli.endInput();
    const disarm = armKill(lab, name, cli, point);
    const result = await cli.result;
    disarm();
    tally.trials++;
    const what = `trial ${i} (kill ${point.delayMs} ms after the ${point.from})`;
    // Where the kill hit: ps, after reconciling, shows a running container or none.
    const running = await checkTrial(t, lab, name, detachedIp, tally, what, false);
    if (result.signal !== 'SIGKILL') {
      tally.completed++;
      if (result.code !== 0 || result.stdout !== `${name}\n`) tally.leftovers.push(`${what}: run -d ended ${result.code}: ${result.stderr.trim()}`);
      if (!running) tally.leftovers.push(`${what}: run -d printed ${name}, but ps does not list it running`);
    } else if (running) {
      tally.afterStart++;
    } else {
      tally.beforeStart++;
    }
  }
  const added = addedHoldings(before, await hostHoldings(tag), mine(lab.dir));
  tally.leftovers.push(...added);
  report(t, 'run -d', tally);
});

test.serial(`a foreground run SIGKILLed at ${trials} random points: after ps, no record and nothing of it left`, async (t) => {
  const lab = makeLab(t, { timeoutMs: 900_000 });
  const args = (name: string) => ['run', '--name', name, '--ip', foregroundIp, '--', '/bin/sh', '-c', 'echo READY'];
  const { bootMs, creationMs } = await calibrate(lab, args);
  t.log(`seed ${seed}; ctr-tui --help ${bootMs.toFixed(0)} ms; a foreground run from the name's reservation to READY and out ${creationMs.toFixed(1)} ms`);
  const before = await hostHoldings(tag);
  const tally: Tally = { trials: 0, beforeStart: 0, afterStart: 0, completed: 0, leftovers: [] };
  for (let i = 0; i < trials; i++) {
    const name = uniqueName('kf');
    lab.track(name);
    const point = drawKillPoint(bootMs, creationMs);
    const cli = lab.start(['run', '--name', name, '--ip', foregroundIp, '--', '/bin/sh', '-c', 'echo READY; exec sleep 3600'], { env });
    cli.endInput();
    const disarm = armKill(lab, name, cli, point);
    // The container runs forever: the kill always comes, before or after its READY.
    const fallback = setTimeout(() => cli.signal('SIGKILL'), 30_000);
    const result = await cli.result;
    disarm();
    clearTimeout(fallback);
    tally.trials++;
    if (result.signal !== 'SIGKILL') tally.leftovers.push(`trial ${i}: the run ended by itself (${result.code}): ${result.stderr.trim()}`);
    else if (/READY/.test(result.stdout)) tally.afterStart++;
    else tally.beforeStart++;
    await checkTrial(t, lab, name, foregroundIp, tally, `trial ${i} (kill ${point.delayMs} ms after the ${point.from})`, true);
  }
  const added = addedHoldings(before, await hostHoldings(tag), mine(lab.dir));
  tally.leftovers.push(...added);
  report(t, 'a foreground run', tally);
});
