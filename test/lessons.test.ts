// Lessons (ctr-tui lesson): every shipped lesson run end to end in demo mode
// (real containers, a real pty, each check satisfied by the real kernel), its
// effects read back independently from the event journal; bad lesson files
// refused in one line naming the file and the step; two demo runs tell the
// same sequence of steps; student mode on a real pty. Serial, and in one
// file: every lesson uses the fixed names lab and lab2 and the seed's
// addresses 10.0.0.2/.3.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { lessonIds, listLessons } from '../src/lessons/catalog.js';
import { stepLabel } from '../src/lessons/demo.js';
import { checkTypes, parseLesson, type Check, type Lesson } from '../src/lessons/lesson-file.js';
import { parseCast } from '../src/recording/asciicast-reader.js';
import { UsageError } from '../src/runtime/errors.js';
import { LESSON_KEYS } from '../src/ui/keys.js';
import type { RuntimeEvent } from '../src/runtime/events.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { holds, pollIntervalMs, waitForCheck } from '../src/lessons/checks.js';
import { Runtime } from '../src/runtime/runtime.js';
import { assertSandboxed, cliArgv, hostClient, hostRoutes, leftovers, processesIn, repoRoot, waitUntil } from './helpers/container.js';
import { comm, makeLab, settle, type Lab } from './helpers/lifecycle.js';
import { Keys, spawnScreen } from './helpers/screen.js';

assertSandboxed();

const lessons = listLessons();
const scratch = mkdtempSync(path.join(tmpdir(), 'ctr-tui-lessons-test-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

/** What a terminal would show, line by line, without escape sequences. */
function plainLines(output: string): string[] {
  return output.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '').split(/\r*\n/).map((l) => l.replace(/\r/g, '').trimEnd());
}

function wrappers(): string[] {
  return readdirSync(tmpdir()).filter((f) => f.startsWith('ctr-tui-lesson-'));
}

interface CastLine { t: number; code: string; data: string }

function readCast(file: string): { header: Record<string, unknown>; lines: CastLine[] } {
  const [head, ...rest] = readFileSync(file, 'utf8').trim().split('\n');
  return { header: JSON.parse(head), lines: rest.map((l) => { const [t, code, data] = JSON.parse(l); return { t, code, data }; }) };
}

async function journal(lab: Lab): Promise<RuntimeEvent[]> {
  const result = await lab.cli(['events', '--since', '1h', '--until', '0s', '--json']);
  if (result.code !== 0) throw new Error(`events failed: ${result.stderr}`);
  return result.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as RuntimeEvent);
}

/** Runs a lesson in demo mode with a recording; checks it completed, then that nothing is left. */
async function demo(t: ExecutionContext, lab: Lab, lesson: Lesson, cast: string) {
  const before = wrappers();
  let result = await lab.cli(['lesson', lesson.id, '--demo', '--typing-delay', '2', '--record', cast], { timeoutMs: 150_000 });
  // The lessons use the seed's fixed addresses; a test file running beside this one may hold
  // 10.0.0.2 for a while (its containers take the first free address): wait for it, then again.
  for (let attempt = 1; attempt < 5 && result.code === 1 && /address 10\.0\.0\.\d+ is already in use/.test(result.stderr); attempt++) {
    t.log(`retrying once the address is free: ${result.stderr.trim()}`);
    await waitUntil(() => !hostRoutes().has('10.0.0.2'), 'a free 10.0.0.2', 60_000);
    result = await lab.cli(['lesson', lesson.id, '--demo', '--typing-delay', '2', '--record', cast], { timeoutMs: 150_000 });
  }
  t.is(result.code, 0, `lesson ${lesson.id} --demo: ${result.stderr}\n${result.stdout.slice(-3000)}`);
  t.regex(result.stdout, new RegExp(`Lesson complete: ${lesson.steps.length} of ${lesson.steps.length} steps`));
  for (const step of lesson.steps) t.true(result.stdout.includes(`✓ ${step.text}`), `step passed: ${step.text}`);
  const names = [lesson.lab.name, ...lesson.also];
  t.deepEqual(await settle(() => names.flatMap((n) => leftovers(n))), [], 'nothing of the lesson\'s containers is left');
  t.deepEqual((await lab.ps(true)).map((r) => r.name), [], 'no records left');
  t.deepEqual(wrappers().filter((w) => !before.includes(w)), [], 'its host shell\'s bin dir is removed');
  const { header, lines } = readCast(cast);
  t.is(header.version, 2);
  t.deepEqual(lines.filter((l) => l.code === 'm').map((l) => l.data), lesson.steps.map((s, i) => stepLabel(i, lesson.steps.length, s.text)), 'one marker per step, in order');
  t.true(lines.every((l, i) => i === 0 || l.t >= lines[i - 1].t), 'times never go back');
  // The project's own reader (ctr-tui play, export) takes it as it is.
  const parsed = parseCast(readFileSync(cast, 'utf8'), cast);
  t.deepEqual(parsed.warnings, []);
  t.deepEqual(parsed.markers.map((m) => m.label), lesson.steps.map((s, i) => stepLabel(i, lesson.steps.length, s.text)));
  return { result, events: () => journal(lab), cast: lines };
}

test.serial('lesson list names every shipped lesson, one a line', async (t) => {
  const lab = makeLab(t);
  const result = await lab.cli(['lesson', 'list']);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(result.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]), lessonIds());
  t.deepEqual(lessonIds(), ['01-namespaces', '02-memory-oom', '03-veth', '04-rootfs', '05-assignment']);
});

test.serial('lesson 1, namespaces, passes end to end in demo mode', async (t) => {
  const lab = makeLab(t, { timeoutMs: 200_000 });
  const { result } = await demo(t, lab, lessons[0], path.join(scratch, '1.cast'));
  // What the demo typed, the kernel answered: the shell is pid 1, ps sees only the container's processes.
  const shown = plainLines(result.stdout);
  t.is(shown[shown.findIndex((l) => l.endsWith('echo $$')) + 1], '1', 'echo $$ printed 1');
  t.regex(result.stdout, /^\s+1 pts\/0\s+\S+ bash/m);
  t.regex(result.stdout, /you must be root to change the host name|Operation not permitted/, 'sethostname is refused: no CAP_SYS_ADMIN');
});

test.serial('lesson 2, the OOM kill, passes end to end in demo mode: hungry is OOM-killed twice in lab', async (t) => {
  const lab = makeLab(t, { timeoutMs: 200_000 });
  const { events: readEvents } = await demo(t, lab, lessons[1], path.join(scratch, '2.cast'));
  const events = await readEvents();
  const kills = events.filter((e) => e.kind === 'oom-kill' && e.name === 'lab');
  t.is(kills.length, 2, JSON.stringify(kills));
  for (const kill of kills) if (kill.kind === 'oom-kill') {
    t.is(kill.kill.comm, 'hungry');
    t.is(kill.kill.limit, 10 * 1024 * 1024);
  }
});

test.serial('lesson 3, the veth pair, passes end to end in demo mode: two containers serve port 8080', async (t) => {
  const lab = makeLab(t, { timeoutMs: 200_000 });
  const { result, events: readEvents } = await demo(t, lab, lessons[2], path.join(scratch, '3.cast'));
  const events = await readEvents();
  t.regex(result.stdout, /Hello from lab, I got your message: Hello, server!/);
  t.regex(result.stdout, /Hello from lab2, I got your message: Hello, server!/);
  t.true(events.some((e) => e.kind === 'started' && e.name === 'lab2'), 'lab2 was started by the host shell\'s ctr-tui, on the lesson\'s state dir');
  t.true(events.some((e) => e.kind === 'removed' && e.name === 'lab2'), 'and removed at the end');
});

test.serial('lesson 4, the root filesystem, passes end to end in demo mode: the second lab does not have the first one\'s file', async (t) => {
  const lab = makeLab(t, { timeoutMs: 200_000 });
  const { result, events: readEvents } = await demo(t, lab, lessons[3], path.join(scratch, '4.cast'));
  const events = await readEvents();
  t.is(events.filter((e) => e.kind === 'started' && e.name === 'lab').length, 2, 'exit in the shell, then a fresh lab');
  t.regex(result.stdout, /No such file or directory/);
});

test.serial('lesson 5, the assignment, passes end to end in demo mode', async (t) => {
  const lab = makeLab(t, { timeoutMs: 200_000 });
  const { result, events: readEvents } = await demo(t, lab, lessons[4], path.join(scratch, '5.cast'));
  const events = await readEvents();
  t.regex(result.stdout, /inet 10\.0\.0\.2\/24/);
  t.regex(result.stdout, /inet 10\.0\.0\.1\/32/);
  t.regex(result.stdout, /Hello from lab, I got your message/);
  t.true(events.some((e) => e.kind === 'oom-kill' && e.name === 'lab' && e.kill.comm === 'hungry'));
});

test.serial('two demo runs of a lesson tell the same sequence of events (markers and banners), times aside', async (t) => {
  const lab = makeLab(t, { timeoutMs: 200_000 });
  const runs = [];
  for (const n of [1, 2]) runs.push(await demo(t, lab, lessons[3], path.join(scratch, `same-${n}.cast`)));
  const banners = (out: string) => out.split(/\r?\n/).filter((l) => /── Step|✓ |Lesson complete/.test(l)).map((l) => l.replace(/^.*?(── Step|✓ |Lesson complete)/, '$1'));
  t.deepEqual(banners(runs[0].result.stdout), banners(runs[1].result.stdout));
  t.is(banners(runs[0].result.stdout).length, 2 * lessons[3].steps.length + 1);
  const markers = (cast: CastLine[]) => cast.filter((l) => l.code === 'm').map((l) => l.data);
  t.deepEqual(markers(runs[0].cast), markers(runs[1].cast));
});

// ---------------------------------------------------------------- bad lesson files

const good = { title: 'T', lab: { name: 'lab', run: ['lab', '2', '1'] }, steps: [{ text: 'a', check: { type: 'hostname', equals: 'lab' } }] };

function problem(value: unknown): string {
  try {
    parseLesson(value, 'x/lesson.json', 'x');
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  return 'accepted';
}

test('a lesson file is checked on load: each problem is one line naming the file and the step', (t) => {
  t.is(problem(good), 'accepted');
  const step = (check: unknown, extra: Record<string, unknown> = {}) => ({ ...good, steps: [good.steps[0], { text: 'b', check, ...extra }] });
  t.is(problem(step({ type: 'sleep', seconds: 3 })), 'x/lesson.json: step 2: unknown check type "sleep": use one of process, hostname, namespaces, listening, connected, memory-limit, memory-above, event, file-written, file-missing, root-mount, veth, output');
  t.is(problem(step({ type: 'listening', port: 70000 })), 'x/lesson.json: step 2: check "listening": "port" must be a port number, 1-65535');
  t.is(problem(step({ type: 'listening' })), 'x/lesson.json: step 2: check "listening" needs "port"');
  t.is(problem(step({ type: 'listening', port: 80, container: 'other' })), 'x/lesson.json: step 2: check "listening": container "other" is not one of the lesson\'s (lab)');
  t.is(problem(step({ type: 'memory-limit', bytes: 'lots' })), 'x/lesson.json: step 2: check "memory-limit": "bytes" must be a size such as "10M" or a number of bytes (got "lots")');
  t.is(problem(step({ type: 'event', kind: 'oom' })), 'x/lesson.json: step 2: check "event": "kind" must be one of created, started, exited, oom-kill, removed (got "oom")');
  t.is(problem(step({ type: 'output', run: 'ls', matches: '(' })).split(':').slice(0, 4).join(':'), 'x/lesson.json: step 2: check "output": "matches" is not a valid regular expression');
  t.is(problem(step({ type: 'file-written', path: 'notes.txt' })), 'x/lesson.json: step 2: check "file-written": "path" must be an absolute path without ".." (got "notes.txt")');
  t.is(problem(step({ type: 'hostname', equals: 'lab', typo: 1 })), 'x/lesson.json: step 2: check "hostname" has no field "typo" (it takes container, equals)');
  t.is(problem(step({ type: 'hostname', equals: 'lab' }, { in: 'moon' })), 'x/lesson.json: step 2: "in" must be "lab" or "host"');
  t.is(problem({ ...good, steps: [{ check: { type: 'hostname', equals: 'lab' } }] }), 'x/lesson.json: step 1: "text" must be a non-empty string');
  t.is(problem({ ...good, steps: [] }), 'x/lesson.json: "steps" must be a non-empty list');
  t.is(problem({ ...good, lab: { name: '../x', run: [] } }), 'x/lesson.json: "lab.name" "../x" is not a valid container name');
  for (const message of ['a', 'b'].map(() => problem(step({ type: 'sleep' })))) t.false(message.includes('\n'));
});

test.serial('ctr-tui lesson on a bad file: one line with the file and the step, exit 2, nothing made', async (t) => {
  const lab = makeLab(t);
  const dir = path.join(scratch, 'bad-lesson');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'lesson.json');
  writeFileSync(file, JSON.stringify({ ...good, steps: [good.steps[0], { text: 'wait', check: { type: 'sleep', seconds: 5 } }] }));
  for (const target of [dir, file]) {
    const result = await lab.cli(['lesson', target, '--demo']);
    t.is(result.code, 2);
    t.is(result.stderr, `ctr-tui: ${file}: step 2: unknown check type "sleep": use one of process, hostname, namespaces, listening, connected, memory-limit, memory-above, event, file-written, file-missing, root-mount, veth, output\n`);
    t.is(result.stdout, '');
  }
  writeFileSync(file, '{"title": "T", "steps": [');
  const broken = await lab.cli(['lesson', dir, '--demo']);
  t.is(broken.code, 2);
  t.regex(broken.stderr, new RegExp(`^ctr-tui: ${file.replace(/[.]/g, '\\.')}: not valid JSON: [^\\n]+\\n$`));
  const unknown = await lab.cli(['lesson', 'no-such-lesson']);
  t.is(unknown.code, 2);
  t.is(unknown.stderr, `ctr-tui: no lesson "no-such-lesson": see ctr-tui lesson list (${lessonIds().join(', ')})\n`);
  t.deepEqual(leftovers('lab'), []);
  t.deepEqual((await lab.ps(true)).map((r) => r.name), []);
});

test.serial('a lesson refuses to start when one of its containers exists, and leaves that container alone', async (t) => {
  const lab = makeLab(t);
  lab.track('lab');
  const run = await lab.cli(['run', '-d', '--name', 'lab', '--ip', '10.0.0.2', '--', 'sleep', '3600']);
  t.is(run.code, 0, run.stderr);
  const result = await lab.cli(['lesson', '1', '--demo']);
  t.is(result.code, 2);
  t.is(result.stderr, 'ctr-tui: a container named lab already exists, and lesson 01-namespaces makes its own: remove it first (ctr-tui rm -f lab)\n');
  t.deepEqual((await lab.ps()).map((r) => r.name), ['lab'], 'the student\'s own lab is still running');
  t.is((await lab.cli(['rm', '-f', 'lab'])).code, 0);
  t.deepEqual(await settle(() => leftovers('lab')), []);
});

test('the README\'s example lesson is a valid lesson, and its table names every check type', (t) => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Lessons'), readme.indexOf('\n## ', readme.indexOf('## Lessons') + 1));
  const example = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  t.truthy(example);
  const lesson = parseLesson(JSON.parse(example!), 'README.md', 'example');
  t.is(lesson.steps.length, 2);
  for (const type of checkTypes) t.true(section.includes(`\`${type}\``), `README names check ${type}`);
  for (const binding of LESSON_KEYS) t.true(section.includes(`\`${binding.key}\``), `README names the lesson key ${binding.key}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test.serial(`${signal} in the middle of a demo (Ctrl-C): the lesson stops, exit 130, and nothing of its containers is left`, async (t) => {
    const lab = makeLab(t, { timeoutMs: 200_000 });
    lab.track('lab', 'lab2');
    const before = wrappers();
    const cli = lab.start(['lesson', '3', '--demo', '--typing-delay', '2']);
    // Step 4 starts lab2 from the host shell: stop once lab2 is listening, so both containers are there.
    await cli.waitForStdout(/── Step 5\/5/, 150_000);
    t.true(processesIn('lab').length > 0 && processesIn('lab2').length > 0, 'lab and lab2 are running');
    cli.signal(signal);
    const result = await cli.result;
    t.is(result.code, 130, result.stderr);
    t.regex(result.stdout, /Lesson stopped\./);
    t.deepEqual(await settle(() => ['lab', 'lab2'].flatMap((n) => leftovers(n))), []);
    t.deepEqual((await lab.ps(true)).map((r) => r.name), []);
    t.deepEqual(wrappers().filter((w) => !before.includes(w)), []);
  });
}

test.serial('a lesson whose container cannot start (its address is taken) says why in one line, exit 1, and leaves nothing', async (t) => {
  const lab = makeLab(t);
  lab.track('occupant', 'lab');
  const run = await lab.cli(['run', '-d', '--name', 'occupant', '--ip', '10.0.0.2', '--', 'sleep', '3600']);
  t.is(run.code, 0, run.stderr);
  const result = await lab.cli(['lesson', '1', '--demo'], { timeoutMs: 120_000 });
  t.is(result.code, 1);
  t.is(result.stderr, 'ctr-tui: the lesson\'s container lab could not start (ctr-tui run lab 2 1 exited 2): ctr-tui: address 10.0.0.2 is already in use by ctr-occupant: pick another with --ip\n');
  t.deepEqual(leftovers('lab'), []);
  t.deepEqual((await lab.ps()).map((r) => r.name), ['occupant']);
  t.is((await lab.cli(['rm', '-f', 'occupant'])).code, 0);
  t.deepEqual(await settle(() => leftovers('occupant')), []);
});

// ---------------------------------------------------------------- student mode, on a real pty
// (CI unset: see NOTES, Ink traps). Nothing is typed for the student; a step passes when the
// student does it, and not when they do something else.

test.serial('student mode: a step passes by doing it, not by doing something else; hint on Ctrl-G; Ctrl-] leaves, nothing left', async (t) => {
  const lab = makeLab(t, { timeoutMs: 240_000 });
  lab.track('lab');
  const [file, ...args] = cliArgv(['--state-dir', lab.dir, 'lesson', '1']);
  const screen = spawnScreen(file, args, { cols: 120, rows: 32, cwd: repoRoot });
  t.teardown(() => screen.close());

  // Step 1 (the shell is pid 1 in its namespace) is a fact: it holds once the shell runs.
  await screen.waitFor('▶ Step 2 of 5', 90_000, 'step 2, once step 1 is checked');
  await screen.waitFor('✓ 1. Your shell is the first process', 5_000);
  await screen.waitFor(/root@lab:\/# +│/, 30_000, 'the shell\'s prompt in the terminal pane');
  t.false(screen.screen().includes('sleep 1000 &\n'), 'nothing is typed for the student');

  t.false(screen.screen().includes('Hint:'));
  screen.press('\x07');  // Ctrl-G: the key table's hint, in the lesson context
  await screen.waitFor('Hint: sleep 1000 & starts one', 10_000);

  // Something else: ps, not a background sleep. The step must not pass.
  screen.type('ps -e\r');
  await screen.waitFor(/\d+ pts\/0\s+\S+ ps\b/, 20_000, 'ps\'s output in the shell');
  t.false(processesIn('lab').some((pid) => comm(pid) === 'sleep'), 'no sleep in lab (read from its cgroup)');
  // Several of the check's looks later (it polls state; nothing else could make it pass), still step 2.
  await sleep(8 * pollIntervalMs);
  t.true(screen.screen().includes('▶ Step 2 of 5'), screen.screen());
  t.false(screen.screen().includes('✓ 2.'));

  // Doing it: the step passes, and the next ones (facts and a host-side fact) follow.
  screen.type('sleep 1000 &\r');
  await screen.waitFor('✓ 2. Start a process in the background', 20_000);
  t.true(processesIn('lab').some((pid) => comm(pid) === 'sleep'));
  await screen.waitFor('✓ Lesson complete: 5 of 5 steps.', 30_000);

  screen.press(Keys.ctrlBracket);
  const exit = await screen.exited;
  t.is(exit.exitCode, 0, screen.output().slice(-2000));
  t.deepEqual(await settle(() => leftovers('lab')), [], 'lab is removed when the student leaves');
  t.deepEqual((await lab.ps(true)).map((r) => r.name), []);
});

test.serial('bad options: one line each, exit 2, no recording and nothing else left', async (t) => {
  const lab = makeLab(t);
  const before = wrappers();
  const cast = path.join(scratch, 'never.cast');
  // A recording already there is never overwritten without -f.
  const taken = path.join(scratch, 'taken.cast');
  writeFileSync(taken, 'a teacher\'s earlier recording\n');
  const cases: [string[], string][] = [
    [['lesson', '1', '--record', cast], 'ctr-tui: --record records a demo: add --demo\n'],
    [['lesson', '1', '--demo', '--typing-delay', 'fast'], 'ctr-tui: invalid --typing-delay "fast": use a whole number of milliseconds\n'],
    [['lesson', '1', '--demo', '--record', path.join(scratch, 'no/such/dir/x.cast')], `ctr-tui: cannot record to ${path.join(scratch, 'no/such/dir/x.cast')}: the directory ${path.join(scratch, 'no/such/dir')} does not exist\n`],
    [['lesson', '1', '--demo', '--record', taken], `ctr-tui: ${taken} already exists: give another file name, or -f to overwrite it\n`],
  ];
  for (const [args, stderr] of cases) {
    const result = await lab.cli(args);
    t.is(result.code, 2, args.join(' '));
    t.is(result.stderr, stderr);
  }
  t.deepEqual(readdirSync(scratch).filter((f) => f === 'never.cast'), []);
  t.is(readFileSync(taken, 'utf8'), 'a teacher\'s earlier recording\n', 'the file there is untouched');
  t.deepEqual(wrappers().filter((w) => !before.includes(w)), []);
  t.deepEqual(leftovers('lab'), []);
});

// ---------------------------------------------------------------- each check, both ways

test.serial('each state check holds on the real state and fails on another', async (t) => {
  const lab = makeLab(t);
  const name = 'chk';
  lab.track(name);
  const run = await lab.cli(['run', '-d', '--name', name, '--hostname', 'hal', '--ip', '10.0.0.254', '--memory', '32M', '--', '/var/shared_folder/server', '8080']);
  t.is(run.code, 0, run.stderr);
  const runtime = new Runtime(lab.dir);
  t.teardown(() => runtime.close());
  const ctx = { runtime, lab: name, hostCwd: repoRoot };
  const c = name;
  await waitUntil(() => processesIn(name).some((p) => comm(p) === 'server'), 'the server');
  const both: [Exclude<Check, { type: 'event' }>, boolean][] = [
    [{ type: 'process', container: c, comm: ['server'], nspid: 1 }, true],
    [{ type: 'process', container: c, comm: ['server'], nspid: 2 }, false],
    [{ type: 'process', container: c, comm: ['sleep'] }, false],
    [{ type: 'hostname', container: c, equals: 'hal' }, true],
    [{ type: 'hostname', container: c, equals: 'chk' }, false],
    [{ type: 'namespaces', container: c, kinds: ['pid', 'uts', 'net', 'mnt', 'ipc', 'cgroup'] }, true],
    [{ type: 'memory-limit', container: c, bytes: 32 * 1024 * 1024 }, true],
    [{ type: 'memory-limit', container: c, bytes: 10 * 1024 * 1024 }, false],
    [{ type: 'memory-above', container: c, bytes: 1024 * 1024 * 1024 }, false],
    [{ type: 'root-mount', container: c, fstype: 'overlay' }, true],
    [{ type: 'root-mount', container: c, fstype: 'ext4' }, false],
    [{ type: 'veth', container: c, ip: '10.0.0.254', hostIp: '10.0.0.1' }, true],
    [{ type: 'veth', container: c, ip: '10.0.0.251', hostIp: '10.0.0.1' }, false],
    [{ type: 'file-missing', container: c, path: '/root/nothing-here' }, true],
    [{ type: 'file-missing', container: c, path: '/etc/passwd' }, false],
    [{ type: 'file-written', container: c, path: '/etc/passwd' }, false],
    [{ type: 'file-written', container: c, path: '/root/w' }, false],
    [{ type: 'output', in: 'lab', run: 'hostname', matches: '^hal$' }, true],
    [{ type: 'output', in: 'lab', run: 'hostname', matches: '^lab$' }, false],
    [{ type: 'output', in: 'host', run: 'echo on-the-host', matches: '^on-the-host$' }, true],
  ];
  const once = (check: Exclude<Check, { type: 'event' }>) => holds(check, ctx, new AbortController().signal);
  for (const [check, expected] of both) t.is(await once(check), expected, JSON.stringify(check));

  // Now the states they wait for: the server's socket, a file written inside, a client, an OOM kill.
  await waitForCheck({ type: 'listening', container: c, port: 8080 }, ctx, AbortSignal.timeout(20_000));
  t.false(await once({ type: 'listening', container: c, port: 8081 }));
  t.false(await once({ type: 'connected', container: c, port: 8080 }), 'no client yet');
  const write = await lab.cli(['exec', '-T', name, 'sh', '-c', 'echo hi > /root/w']);
  t.is(write.code, 0, write.stderr);
  t.true(await once({ type: 'file-written', container: c, path: '/root/w' }));
  const client = spawn(hostClient, ['10.0.0.254', '8080', '--count', '5', '--interval', '500'], { stdio: 'ignore' });
  const clientExit = new Promise((resolve) => client.once('exit', resolve));
  await waitForCheck({ type: 'connected', container: c, port: 8080 }, ctx, AbortSignal.timeout(20_000));
  await clientExit;
  runtime.watch();
  const killed = waitForCheck({ type: 'event', container: c, kind: 'oom-kill', comm: 'hungry' }, ctx, AbortSignal.timeout(60_000));
  const other = waitForCheck({ type: 'event', container: c, kind: 'oom-kill', comm: 'server' }, ctx, AbortSignal.timeout(60_000));
  other.catch(() => undefined);
  const hungry = await lab.cli(['exec', '-T', name, '/var/shared_folder/hungry']);
  t.is(hungry.code, 137, 'hungry was killed (SIGKILL)');
  await killed;
  t.true(await once({ type: 'memory-limit', container: c, bytes: 32 * 1024 * 1024 }));
  // No state check holds for a container that is not running.
  t.is((await lab.cli(['rm', '-f', name])).code, 0);
  t.false(await once({ type: 'process', container: c, comm: ['server'] }));
  t.false(await once({ type: 'file-missing', container: c, path: '/root/nothing-here' }));
  t.deepEqual(await settle(() => leftovers(name)), []);
});
