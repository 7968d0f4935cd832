// Recording a session, end to end: the real CLI on a pseudo-terminal
// (node-pty, CI unset: see test/helpers/screen.ts), real containers OOM-killed
// by a small --memory, and the .cast file read back: by this test (every line),
// and by Debian's asciinema 2.2 (`asciinema cat`, under script(1) for its
// /dev/tty). Run as root in the sandbox of scripts/test-sandbox.sh.
//
// One at a time: each drives a full-screen Node process and real containers.
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import {
  assertSandboxed, cliArgv, repoRoot, runCli, TestContainers,
} from './helpers/container.js';
import { pressUntil, spawnScreen, type Screen } from './helpers/screen.js';

const COLS = 100;
const ROWS = 30;
const START_MS = 30_000;
const STEP_MS = 20_000;
const MiB = 1024 * 1024;

const containers = new TestContainers();
const asciinema = spawnSync('asciinema', ['--version'], { encoding: 'utf8' }).status === 0;

test.before(() => {
  assertSandboxed();
});

function tempDir(t: ExecutionContext, where: string, prefix: string): string {
  const dir = mkdtempSync(path.join(where, prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openScreen(t: ExecutionContext, args: string[], cwd = repoRoot): Screen {
  const [file, ...rest] = cliArgv(args);
  const screen = spawnScreen(file!, rest, { cols: COLS, rows: ROWS, cwd });
  t.teardown(async () => {
    if (!screen.hasExited()) t.log(`the screen when the test ended:\n${screen.screen()}`);
    await screen.close();
  });
  return screen;
}

// ---------------------------------------------------------------- reading a .cast back

interface Cast {
  header: Record<string, unknown>;
  events: [number, string, unknown][];
  /** Bytes after the last newline (a line cut short), '' for a whole file. */
  tail: string;
}

/**
 * Reads an asciicast v2 file as a strict reader would: a header object, then one
 * [time, code, data] array per line, times non-decreasing. Throws on anything else,
 * but for bytes after the last newline (a line being written when the writer died).
 */
function readCast(text: string): Cast {
  const end = text.lastIndexOf('\n');
  const whole = end < 0 ? '' : text.slice(0, end);
  const lines = whole === '' ? [] : whole.split('\n');
  if (lines.length === 0) throw new Error('no header line');
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  if (header.version !== 2) throw new Error(`header version ${String(header.version)}`);
  let last = 0;
  const events = lines.slice(1).map((line, i) => {
    const event = JSON.parse(line) as unknown;
    if (!Array.isArray(event) || event.length !== 3 || typeof event[0] !== 'number' || typeof event[1] !== 'string') throw new Error(`line ${i + 2} is not [time, code, data]: ${line.slice(0, 80)}`);
    if (event[0] < last) throw new Error(`line ${i + 2} goes back in time (${event[0]} < ${last})`);
    last = event[0];
    if (['o', 'i', 'r', 'm'].includes(event[1]) && typeof event[2] !== 'string') throw new Error(`line ${i + 2}: ${event[1]} data is not a string`);
    return event as [number, string, unknown];
  });
  return { header, events, tail: text.slice(end + 1) };
}

const markers = (cast: Cast) => cast.events.filter((e) => e[1] === 'm').map((e) => e[2] as string);
const stateLines = (cast: Cast, type: string) => cast.events.filter((e) => e[1] === 's' && (e[2] as { type?: string }).type === type).map((e) => e[2] as Record<string, any>);
const outputOf = (cast: Cast) => cast.events.filter((e) => e[1] === 'o').map((e) => e[2] as string).join('');

/** `asciinema cat FILE` (it opens /dev/tty: run under script(1)): its status and what it printed. */
function asciinemaCat(file: string): { status: number | null; output: string } {
  const result = spawnSync('script', ['-qec', `asciinema cat ${file}`, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: result.stdout + result.stderr };
}

/** The checks every recording of a session with an OOM-killed container `name` (limit 32 MiB) passes. */
function checkOomSession(t: ExecutionContext, cast: Cast, name: string): void {
  t.is(cast.tail, '', 'the file ends with a whole line');
  t.deepEqual(cast.header.ctr_tui, { state_track: 1 });
  const labels = markers(cast);
  t.log(`markers: ${JSON.stringify(labels)}`);
  t.true(labels.includes(`${name} created`), 'a created marker');
  t.true(labels.some((l) => l.startsWith(`${name} started (pid `)), 'a started marker');
  t.true(labels.some((l) => new RegExp(`^OOM kill in ${name}: hungry \\((host )?pid \\d+\\) hit the 32 MiB`).test(l)), `an OOM kill marker naming hungry: ${JSON.stringify(labels)}`);
  t.true(labels.some((l) => l.startsWith(`${name} exited (`)), 'an exited marker');

  const events = stateLines(cast, 'event').map((l) => l.event).filter((e) => e.name === name);
  t.deepEqual([...new Set(events.map((e) => e.kind))].filter((k) => k !== 'removed'), ['created', 'started', 'oom-kill', 'exited']);
  for (const e of events) t.is(typeof e.at, 'number');
  const kill = events.find((e) => e.kind === 'oom-kill');
  t.is(kill?.kill.limit, 32 * MiB, 'the event line is the events --json object: kill.limit');
  t.is(kill?.kill.comm, 'hungry');

  const samples = stateLines(cast, 'sample').map((s) => s.containers.find((c: { name: string }) => c.name === name)).filter(Boolean);
  t.true(samples.length >= 1, 'sample lines with the container');
  for (const s of samples) {
    t.is(s.memory.limit, 32 * MiB, 'every sample has the container\'s limit');
    for (const key of ['current', 'peak']) t.is(typeof s.memory[key], 'number');
    t.is(typeof s.pids, 'number');
    t.is(typeof s.cpuPercent, 'number');
    t.is(typeof s.net.rxRate, 'number');
  }
  t.true(stateLines(cast, 'snapshot').length >= 1, 'a snapshot keyframe');
  // Markers and their event lines come together, in order.
  const oomMarker = cast.events.findIndex((e) => e[1] === 'm' && String(e[2]).startsWith(`OOM kill in ${name}`));
  t.deepEqual((cast.events[oomMarker + 1]?.[2] as any)?.event?.kind, 'oom-kill');
}

/** Cut `file` at byte `at`, then back to its last newline: what a reader keeps of a file cut there. */
function cutAt(source: string, dir: string, at: number): string {
  const copy = path.join(dir, `cut-${at}.cast`);
  copyFileSync(source, copy);
  truncateSync(copy, at);
  return copy;
}

// ---------------------------------------------------------------- the dashboard, recorded

test.serial('dashboard --record: a real OOM kill recorded with markers and a state track; asciinema 2.2 reads it; a cut at any line is valid', async (t) => {
  t.timeout(180_000);
  const stateDir = tempDir(t, '/run', 'ctr-tui-rec-');
  const dir = tempDir(t, '/tmp', 'ctr-tui-rec-');
  const file = path.join(dir, 'lesson.cast');
  const name = containers.name(t, stateDir, 'rco');
  const screen = openScreen(t, ['--state-dir', stateDir, 'dashboard', '--record', file]);
  await screen.waitFor('Containers (0)', START_MS);
  await screen.waitFor(/● REC \d\d:\d\d/, STEP_MS, 'the REC sign in the title bar');

  const cli = (args: string[]) => runCli(['--state-dir', stateDir, ...args], { timeoutMs: 60_000 });
  t.is((await cli(['run', '-d', '--name', name, '--memory', '32M', '--no-net', '--', '/var/shared_folder/hungry', '--step', '2', '--interval', '100'])).code, 0);
  await screen.waitFor(new RegExp(`OOM KILL in ${name}`, 'i'), STEP_MS, 'the OOM banner');
  await screen.waitFor(new RegExp(`${name}\\s+exited`, 'i'), STEP_MS, 'the exited line in the Events panel');
  // Two more ticks, for samples after the kill.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  await pressUntil(screen, 'q', /ctr-tui: recorded \d\d:\d\d \(.*\) to /, 'the line saying where the file went');
  t.regex(screen.screen(), new RegExp(`recorded .* to ${file.replace(/[.]/g, '\\.')}`));
  t.is((await screen.exited).exitCode, 0);

  const text = readFileSync(file, 'utf8');
  const cast = readCast(text);
  t.is(cast.header.width, COLS);
  t.is(cast.header.height, ROWS);
  checkOomSession(t, cast, name);
  // What the terminal showed is in the o lines: the screen, the banner.
  const output = outputOf(cast);
  t.true(output.includes('Containers ('), 'the list was recorded');
  t.regex(output, new RegExp(`OOM kill in ${name}`, 'i'), 'the banner was recorded');
  t.true(output.startsWith('\u001b[?1049h'), 'the recording starts with the screen being entered');

  if (!asciinema) {
    t.log('asciinema is not installed (apt-get install asciinema): its checks are skipped');
    return;
  }
  const cat = asciinemaCat(file);
  t.is(cat.status, 0, cat.output.slice(-2000));
  t.true(cat.output.includes('Containers ('), 'asciinema cat shows the dashboard');

  // A writer killed at any byte leaves the lines before it: cut inside the header, inside an
  // output line, inside a marker, inside a state line, and one byte short of the end.
  // A cut inside the header leaves no recording: the header is the first write, whole or not at all.
  t.throws(() => readCast(readFileSync(cutAt(file, dir, 40), 'utf8')), { message: 'no header line' });
  const offsets = new Set<number>();
  const bytes = Buffer.byteLength(text);
  const lineStarts: { code: string; at: number; length: number }[] = [];
  let at = 0;
  for (const line of text.split('\n')) {
    const length = Buffer.byteLength(line) + 1;
    if (at > 0 && line) lineStarts.push({ code: (JSON.parse(line) as unknown[])[1] as string, at, length });
    at += length;
  }
  for (const code of ['o', 'm', 's']) {
    const line = lineStarts.find((l) => l.code === code && l.length > 20);
    if (line) offsets.add(line.at + Math.floor(line.length / 2));
  }
  offsets.add(bytes - 1);
  for (const offset of offsets) {
    const cut = cutAt(file, dir, offset);
    const kept = readCast(readFileSync(cut, 'utf8'));
    t.true(kept.events.length <= cast.events.length);
    // What is left up to the last newline is a valid file for asciinema too.
    const whole = readFileSync(cut, 'utf8');
    writeFileSync(cut, whole.slice(0, whole.lastIndexOf('\n') + 1));
    t.is(asciinemaCat(cut).status, 0, `cut at byte ${offset}`);
  }
});

test.serial('record (no command: the dashboard), killed with SIGKILL, leaves a file valid up to its last whole line', async (t) => {
  t.timeout(120_000);
  const stateDir = tempDir(t, '/run', 'ctr-tui-rec-');
  const dir = tempDir(t, '/tmp', 'ctr-tui-rec-');
  const file = path.join(dir, 'killed.cast');
  const name = containers.name(t, stateDir, 'rck');
  const screen = openScreen(t, ['--state-dir', stateDir, 'record', '-o', file]);
  await screen.waitFor(/● REC/, START_MS, 'the REC sign');
  t.is((await runCli(['--state-dir', stateDir, 'run', '-d', '--name', name, '--memory', '32M', '--no-net', '--', 'sleep', '300'], { timeoutMs: 60_000 })).code, 0);
  await screen.waitFor(new RegExp(`${name}\\s+running`), STEP_MS, `${name}'s row`);
  process.kill(screen.pid, 'SIGKILL');
  await screen.exited;
  const cast = readCast(readFileSync(file, 'utf8'));
  t.true(markers(cast).includes(`${name} created`));
  t.true(stateLines(cast, 'sample').length > 0);
  if (asciinema) {
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.lastIndexOf('\n') + 1));
    t.is(asciinemaCat(file).status, 0);
  }
});

// ---------------------------------------------------------------- R in the dashboard

test.serial('R starts and stops a recording: ● REC in the title bar, then a banner naming the file; an existing file is never overwritten', async (t) => {
  t.timeout(120_000);
  const stateDir = tempDir(t, '/run', 'ctr-tui-rec-');
  const dir = tempDir(t, '/tmp', 'ctr-tui-rec-');
  const screen = openScreen(t, ['--state-dir', stateDir, '--input'], dir);
  await screen.waitFor('Containers (0)', START_MS);
  t.notRegex(screen.screen(), /● REC/);
  await pressUntil(screen, 'R', /● REC \d\d:\d\d/, 'the REC sign', { retryIf: (lines) => !lines.join('\n').includes('REC') });
  await screen.waitFor(/● REC 00:0[1-9]/, STEP_MS, 'the REC clock moving');
  await pressUntil(screen, 'o', /sort: state/, 'the sort changed by o');  // a key, recorded with --input
  await pressUntil(screen, 'R', /recorded \d\d:\d\d \(.*\) to \S+\.cast/, 'the banner naming the file', { retryIf: (lines) => lines.join('\n').includes('● REC') });
  t.notRegex(screen.screen(), /● REC/);
  const files = readdirSync(dir).filter((f) => f.endsWith('.cast'));
  t.is(files.length, 1, `one file in the current directory: ${files.join(', ')}`);
  t.regex(files[0]!, /^ctr-tui-\d{4}-\d\d-\d\d-\d{6}\.cast$/);
  t.regex(screen.screen(), new RegExp(files[0]!.replace(/[.]/g, '\\.')));
  const cast = readCast(readFileSync(path.join(dir, files[0]!), 'utf8'));
  t.true(outputOf(cast).includes('Containers (0)'), 'the file starts with the whole screen, drawn again');
  t.true(cast.events.some((e) => e[1] === 'i' && e[2] === 'o'), 'the o key, as input');

  // Again: a second file, not the first one overwritten.
  const before = statSync(path.join(dir, files[0]!)).size;
  await pressUntil(screen, 'R', /● REC/, 'the REC sign again', { retryIf: (lines) => !lines.join('\n').includes('● REC') });
  await pressUntil(screen, 'R', /recorded \d\d:\d\d/, 'the second banner', { retryIf: (lines) => lines.join('\n').includes('● REC') });
  t.is(readdirSync(dir).filter((f) => f.endsWith('.cast')).length, 2);
  t.is(statSync(path.join(dir, files[0]!)).size, before, 'the first file is untouched');
  await pressUntil(screen, 'q', 'ctr-tui: no containers running', 'the message after quitting');
  t.is((await screen.exited).exitCode, 0);

  // --record to a file that exists: one line, status 2, the file as it was.
  const existing = path.join(dir, files[0]!);
  const refused = await runCli(['--state-dir', stateDir, 'record', '-o', existing, '--', 'ps'], { timeoutMs: 30_000 });
  t.is(refused.code, 2);
  t.regex(refused.stderr, /^ctr-tui: .*already exists: give another file name, or -f to overwrite it\n$/);
  t.is(statSync(existing).size, before);
  const nowhere = await runCli(['--state-dir', stateDir, 'record', '-o', path.join(dir, 'no/such/dir/x.cast')], { timeoutMs: 30_000 });
  t.is(nowhere.code, 2);
  t.regex(nowhere.stderr, /^ctr-tui: cannot record to .*x\.cast: the directory .*no\/such\/dir does not exist\n$/);
  t.false(existsSync(path.join(dir, 'no')));
});

// ---------------------------------------------------------------- record -- run ...

test.serial('record -- run: a shell in a container on a pty, keys passed through, its OOM kill marked; the command\'s status', async (t) => {
  t.timeout(180_000);
  const stateDir = tempDir(t, '/run', 'ctr-tui-rec-');
  const dir = tempDir(t, '/tmp', 'ctr-tui-rec-');
  const file = path.join(dir, 'shell.cast');
  const name = containers.name(t, stateDir, 'rcr');
  const screen = openScreen(t, ['--state-dir', stateDir, 'record', '-o', file, '--title', 'OOM lesson', '--', 'run', '--name', name, '--memory', '32M', '--no-net']);
  await screen.waitFor(new RegExp(`@${name}:\\S*[#$] *$`, 'm'), START_MS, 'the shell prompt');
  screen.type('echo sum-$((6*7))\r');
  await screen.waitFor('sum-42', STEP_MS, 'the shell answering');
  screen.type('/var/shared_folder/hungry --step 4 --interval 100\r');
  await screen.waitFor(/Killed/, 30_000, 'hungry killed');
  screen.type('exit 3\r');
  await screen.waitFor(/ctr-tui: recorded \d\d:\d\d \(.*\) to /, STEP_MS, 'the line saying where the file went');
  t.is((await screen.exited).exitCode, 3, "the command's status");

  const cast = readCast(readFileSync(file, 'utf8'));
  t.is(cast.header.title, 'OOM lesson');
  checkOomSession(t, cast, name);
  const output = outputOf(cast);
  t.true(output.includes('sum-42'), "the shell's output");
  t.regex(output, new RegExp(`ctr-tui: OOM kill in ${name}: hungry`), "run's own line about the kill");
  t.false(cast.events.some((e) => e[1] === 'i'), 'no input without --input');
  if (asciinema) {
    const cat = asciinemaCat(file);
    t.is(cat.status, 0, cat.output.slice(-2000));
    t.true(cat.output.includes('sum-42'));
  }
});

test.after.always('nothing is left behind', () => containers.checkNothingLeft());
