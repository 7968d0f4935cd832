// The dashboard end to end: the real CLI on a pseudo-terminal, its output
// interpreted by a headless xterm, and every assertion made on what the
// screen shows, as a person at the keyboard would see it. Real containers:
// run as root in the sandbox of scripts/test-sandbox.sh (npm test).
//
// The tests run one at a time: each drives a full-screen Node process and
// real containers, and the machine has 2 cores.
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  assertSandboxed, cgroupDirsOf, cliArgv, linkExists, processesIn, repoRoot, runCli, TestContainers, waitUntil,
} from './helpers/container.js';
import { Keys, pressUntil, spawnScreen, type Screen, type ScreenPredicate } from './helpers/screen.js';

const COLS = 100;
const ROWS = 30;
/** Generous: the machine is shared, and a dashboard start loads Ink, React and the runtime. */
const START_MS = 30_000;
const STEP_MS = 15_000;

const containers = new TestContainers();

test.before(() => {
  assertSandboxed();
});

/** A state directory of the test's own (on the sandbox's tmpfs /run), removed in teardown. */
function stateDirFor(t: ExecutionContext): string {
  const dir = mkdtempSync('/run/ctr-tui-dash-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What is left of container `name` on the host (cgroups, processes, veth, record). */
function leftovers(name: string, stateDir: string): string[] {
  return [
    ...cgroupDirsOf(name).map((dir) => `cgroup ${dir}`),
    ...processesIn(name).map((pid) => `process ${pid}`),
    ...(linkExists(`ctr-${name}`) ? [`link ctr-${name}`] : []),
    ...(existsSync(path.join(stateDir, name)) ? [`state ${path.join(stateDir, name)}`] : []),
  ];
}

/** The dashboard on a 100x30 terminal; closed in teardown if the test did not quit it. */
function openDashboard(t: ExecutionContext, stateDir: string): Screen {
  const [file, ...args] = cliArgv(['--state-dir', stateDir]);
  const screen = spawnScreen(file, args, { cols: COLS, rows: ROWS, cwd: repoRoot });
  t.teardown(async () => {
    if (!screen.hasExited()) t.log(`the screen when the test ended:\n${screen.screen()}`);
    await screen.close();
  });
  return screen;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The container's row in the list: "│ ▸ NAME   running ..." (selected) or "│   NAME ...". */
const row = (name: string, state = '\\S+') => new RegExp(`│ [▸ ] ${escape(name)}\\s+${state}\\b`, 'm');
const hasRow = (name: string) => (lines: string[]) => lines.some((line) => row(name).test(line));
const shows = (text: string | RegExp) => (lines: string[]) => lines.some((l) => (typeof text === 'string' ? l.includes(text) : text.test(l)));
const not = (predicate: (lines: string[]) => boolean) => (lines: string[]) => !predicate(lines);

// ---------------------------------------------------------------- the form

const FIELDS = ['name', 'memory', 'pids', 'cpus', 'command', 'rootfs'];
const FIELD = new RegExp(`▸ (${FIELDS.join('|')})\\b`);
const formOpen = shows('New container');
/** The form field that has the focus (the one marked ▸), or null when the form is not shown. */
function focusedField(lines: string[]): string | null {
  for (const line of lines) {
    const match = FIELD.exec(line);
    if (match) return match[1]!;
  }
  return null;
}

/**
 * Moves the form's focus to `field` with Tab / Shift-Tab, watching the ▸ move after every key.
 * This also makes sure that the form listens to the keyboard before anything is typed into it
 * (see pressUntil), since a key it missed leaves the ▸ where it was and is pressed again.
 */
async function focusField(screen: Screen, field: string): Promise<void> {
  for (let step = 0; step < 12; step++) {
    // A frame may be half drawn when looked at (Ink redraws in pieces): wait for a whole one.
    await screen.waitFor((lines) => focusedField(lines) !== null, 3000).catch(() => undefined);
    const current = focusedField(screen.text());
    if (current === field) return;
    if (current === null) throw new Error(`the new-container form is not shown:\n${screen.screen()}`);
    screen.press(FIELDS.indexOf(field) > FIELDS.indexOf(current) ? Keys.tab : Keys.shiftTab);
    await screen.waitFor((lines) => focusedField(lines) !== current, 3000).catch(() => undefined);
  }
  throw new Error(`could not move the form's focus to ${field}:\n${screen.screen()}`);
}

/** Opens the new-container form, types a name and a memory limit, submits it. */
async function createThroughForm(screen: Screen, name: string, memory = '64M'): Promise<void> {
  await pressUntil(screen, 'n', formOpen, 'the new-container form', { retryIf: not(formOpen) });
  await focusField(screen, 'memory');
  await pressUntil(screen, Keys.ctrlU, new RegExp(`▸ memory\\s+(?!${escape(memory)})\\S`), 'the memory field cleared');
  screen.type(memory);
  await screen.waitFor(new RegExp(`▸ memory\\s+${escape(memory)}\\s`), STEP_MS);
  await focusField(screen, 'name');
  screen.type(name);
  await screen.waitFor(new RegExp(`▸ name\\s+${escape(name)}\\s`), STEP_MS);
  // Enter again only while the form is there and not busy: a second submit would try the name twice.
  await pressUntil(screen, Keys.enter, row(name, 'running'), `${name} running in the list`, {
    retryMs: 10_000,
    retryIf: (lines) => formOpen(lines) && !shows('starting')(lines) && !shows('✗')(lines),
  });
}

/** Answers y to the dialog titled `title`: pressed again only while the dialog is still there. */
async function confirm(screen: Screen, title: string, done: ScreenPredicate, what: string): Promise<void> {
  await pressUntil(screen, 'y', done, what, { retryIf: shows(title) });
}

test.serial('the form creates a container; K kills it, d deletes it, q quits with none running', async (t) => {
  t.timeout(120_000);
  const stateDir = stateDirFor(t);
  const name = containers.name(t, stateDir, 'dfm');
  const screen = openDashboard(t, stateDir);

  await screen.waitFor('Containers (0)', START_MS);
  await createThroughForm(screen, name);
  t.regex(screen.screen(), row(name, 'running'));
  t.regex(screen.screen(), /Containers \(1\)/);
  t.regex(screen.screen(), /\d+(\.\d+)?[KMG]?\/64M/, 'the row shows the 64M limit');

  // K asks first; y kills: the row turns to exited.
  await pressUntil(screen, 'K', `Kill ${name}?`, 'the kill dialog');
  await confirm(screen, `Kill ${name}?`, row(name, 'exited'), `${name} exited in the list`);
  t.notRegex(screen.screen(), new RegExp(`Kill ${escape(name)}\\?`), 'the dialog closed');

  // d asks first; y deletes: the row is gone.
  await pressUntil(screen, 'd', `Delete ${name}?`, 'the delete dialog');
  await confirm(screen, `Delete ${name}?`, (lines) => !hasRow(name)(lines) && shows('Containers (0)')(lines), `${name}'s row gone`);
  await screen.waitFor(`${name} removed`, STEP_MS, 'the removal in the Events panel');
  t.false(hasRow(name)(screen.text()));
  t.deepEqual(leftovers(name, stateDir), []);

  await pressUntil(screen, 'q', 'ctr-tui: no containers running', 'the message after quitting');
  const exit = await screen.exited;
  t.is(exit.exitCode, 0);
  t.notRegex(screen.screen(), /Containers \(/, 'the normal screen is back, without the dashboard');
});

test.serial('attach, an OOM kill in the shell, the banner, the split view, and q with a container still running', async (t) => {
  t.timeout(180_000);
  const stateDir = stateDirFor(t);
  const name = containers.name(t, stateDir, 'dat');
  const screen = openDashboard(t, stateDir);

  await screen.waitFor('Containers (0)', START_MS);
  await createThroughForm(screen, name, '64M');

  // a: a full-screen shell in the container. (Pressed again only after a long wait: once
  // attached, an a would go to the shell; the Ctrl-U below clears the line anyway.)
  await pressUntil(screen, 'a', `Attached to ${name}`, 'the attach screen', { retryMs: 8000 });
  await screen.waitFor(new RegExp(`@${escape(name)}:\\S*[#$] *$`, 'm'), STEP_MS, 'the shell prompt');
  screen.type(`${Keys.ctrlU}/var/shared_folder/hungry --step 8 --interval 50\r`);
  await screen.waitFor(/Killed/, 30_000, 'the shell reporting hungry Killed');
  t.log(`attached:\n${screen.screen()}`);

  // Ctrl-]: back to the dashboard, which tells of the kill.
  // "OOM KILL in NAME: hungry (pid N) hit the 64 MiB limit" (the case and the size's spelling left free).
  const banner = new RegExp(`OOM KILL in ${escape(name)}: hungry \\(pid \\d+\\) hit the 64 ?Mi?B?( memory)? limit`, 'i');
  await pressUntil(screen, Keys.ctrlBracket, banner, 'the OOM banner', { retryIf: shows(`Attached to ${name}`) });
  await screen.waitFor(row(name, 'OOM'), STEP_MS, `${name}'s row in the OOM state`);
  await screen.waitFor(new RegExp(`\\d\\d:\\d\\d:\\d\\d ${escape(name)}\\s+OOM KILL in ${escape(name)}`, 'i'), STEP_MS, 'the OOM line in the Events panel');
  const lines = screen.text();
  t.log(`after the detach:\n${screen.screen()}`);
  t.regex(lines[0] ?? '', banner, 'the banner is the top line');
  t.true(lines.some((l) => row(name, 'OOM').test(l)));
  t.true(lines.some((l) => /Events/.test(l)));

  // t: the split view; Tab gives the pane the keyboard; the shell there runs hostname.
  const splitOpen = shows(`${name}: shell`);
  await pressUntil(screen, 't', splitOpen, 'the terminal pane', { retryMs: 8000, retryIf: not(splitOpen) });
  await screen.waitFor('Tab to type here', STEP_MS);
  await pressUntil(screen, Keys.tab, 'Ctrl-] back to the list', 'the pane focused', { retryIf: shows('Tab to type here') });
  // The pane is the right part of the screen (the list is 40 columns wide at 100 columns).
  const paneShows = (text: string) => (lines: string[]) => lines.some((l) => l.slice(40).replace(/[│\s]/g, '') === text);
  await pressUntil(screen, `${Keys.ctrlU}hostname\r`, paneShows(name), `the pane printing the hostname ${name}`);
  t.true(paneShows(name)(screen.text()));
  t.log(`split view:\n${screen.screen()}`);
  await pressUntil(screen, Keys.ctrlBracket, 'Tab to type here', 'the focus back on the list');
  await pressUntil(screen, Keys.escape, (l) => !splitOpen(l) && shows('Events')(l), 'the split view closed');

  // q: the container is still running (only hungry was killed), and the message says so.
  await pressUntil(screen, 'q', /ctr-tui: 1 container still running/, 'the message after quitting');
  t.regex(screen.screen(), new RegExp(`still running \\(${escape(name)}\\)`));
  t.is((await screen.exited).exitCode, 0);

  await TestContainers.remove(name, stateDir);
  await waitUntil(() => leftovers(name, stateDir).length === 0, `${name} cleaned up`, 10_000).catch(() => undefined);
  t.deepEqual(leftovers(name, stateDir), []);
});

test.serial('a container made in another terminal after the dashboard opened: its OOM kill shows live, and its life in the event log', async (t) => {
  t.timeout(180_000);
  const stateDir = stateDirFor(t);
  const name = containers.name(t, stateDir, 'dao');
  const screen = openDashboard(t, stateDir);
  await screen.waitFor('Containers (0)', START_MS);

  // The second terminal: ctr-tui run -d, then exec hungry in it.
  const cli = (args: string[]) => runCli(['--state-dir', stateDir, ...args], { timeoutMs: 60_000 });
  t.is((await cli(['run', '-d', '--name', name, '--memory', '32M', '--no-net', '--', 'sleep', '300'])).code, 0);
  await screen.waitFor(row(name, 'running'), STEP_MS, `${name}'s row`);
  const exec = await cli(['exec', name, 'sh', '-c', '/var/shared_folder/hungry --step 8 --interval 1 >/dev/null & echo "victim $!"; wait']);
  const victim = /victim (\d+)/.exec(exec.stdout)?.[1];
  t.truthy(victim, exec.stdout);

  const banner = new RegExp(`OOM KILL in ${escape(name)}: hungry \\(pid ${victim}\\) hit the 32 ?Mi?B?( memory)? limit`, 'i');
  await screen.waitFor(banner, STEP_MS, 'the OOM banner naming the victim');
  await screen.waitFor(row(name, 'OOM'), STEP_MS, `${name}'s row in the OOM state`);
  for (const what of ['created', 'started', `OOM KILL in ${escape(name)}`]) {
    await screen.waitFor(new RegExp(`\\d\\d:\\d\\d:\\d\\d ${escape(name)}\\s+${what}`, 'i'), STEP_MS, `the ${what} line in the Events panel`);
  }
  t.log(`after the kill:\n${screen.screen()}`);

  t.is((await cli(['rm', '-f', name])).code, 0);
  for (const what of ['exited', 'removed']) {
    await screen.waitFor(new RegExp(`\\d\\d:\\d\\d:\\d\\d ${escape(name)}\\s+${what}`, 'i'), STEP_MS, `the ${what} line in the Events panel`);
  }
  await pressUntil(screen, 'q', 'ctr-tui: no containers running', 'the message after quitting');
  t.is((await screen.exited).exitCode, 0);
  t.deepEqual(leftovers(name, stateDir), []);
});

test.serial('a terminal below 80x24 shows "terminal too small"; back at 100x30 the list is redrawn', async (t) => {
  t.timeout(90_000);
  const stateDir = stateDirFor(t);
  const screen = openDashboard(t, stateDir);
  await screen.waitFor('Containers (0)', START_MS);

  screen.resize(70, 20);
  await screen.waitFor('terminal too small', STEP_MS);
  t.regex(screen.screen(), /need 80x24, have 70x20/);
  t.notRegex(screen.screen(), /Containers \(0\)/);

  screen.resize(COLS, ROWS);
  // A frame can arrive in several chunks: wait for its last line (the footer) too.
  const redrawn = (lines: string[]) => lines.some((l) => l.includes('Containers (0)')) && /q quit/.test(lines[ROWS - 2] ?? '') && !lines.some((l) => l.includes('terminal too small'));
  await screen.waitFor(redrawn, STEP_MS, 'the list redrawn, with the footer on the last row but one');
  t.regex(screen.screen(), /no containers/);
  t.regex(screen.text()[ROWS - 2] ?? '', /q quit/, 'the footer is back');

  await pressUntil(screen, 'q', 'ctr-tui: no containers running', 'the message after quitting');
  t.is((await screen.exited).exitCode, 0);
});

test.after.always('nothing is left behind', () => containers.checkNothingLeft());
