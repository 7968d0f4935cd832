// ctr-tui play's live view end to end: the real CLI on a pseudo-terminal (node-pty), its output
// interpreted by a headless xterm (test/helpers/screen.ts), every assertion on what the screen
// shows. The recordings are generated (test/helpers/cast-generator.ts: a dashboard-like one with
// a state track and OOM kills, and a plain one without).
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertSandboxed, cliArgv, killCgroup, processesIn, runCli, TestContainers, uniqueName } from './helpers/container.js';
import { dashboardCast, simpleCast } from './helpers/cast-generator.js';
import { Keys, pressUntil, spawnScreen, type Screen } from './helpers/screen.js';

const START_MS = 30_000;
const STEP_MS = 10_000;
const containers = new TestContainers();

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-live-view-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function play(t: ExecutionContext, args: string[], cols = 120, rows = 40): Screen {
  const [node, ...rest] = cliArgv(['play', ...args]);
  const screen = spawnScreen(node!, rest, { cols, rows });
  t.teardown(() => screen.close());
  return screen;
}

/** The last row with something on it: the player's status line, or the timeline's status row; the dashboard's footer is above the timeline's bar. */
const filled = (lines: string[]) => lines.filter((l) => l.trim() !== '');
const last = (lines: string[]) => filled(lines).at(-1) ?? '';
const footer = (lines: string[]) => filled(lines).at(-3) ?? '';
const row = (screen: Screen, name: string) => new RegExp(`^│[ ▸]+${name}\\s.*$`, 'm').exec(screen.screen())?.[0] ?? '';

test.serial('--live-view: the dashboard rebuilt at the OOM marker, read-only, another container selected, the chapter on the timeline; v to the terminal playback and back', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'lesson.cast');
  writeFileSync(file, dashboardCast({ seconds: 60, oomAt: [20] }).text);
  const screen = play(t, ['--live-view', file]);
  await screen.waitFor('Containers (4)', START_MS, "the dashboard's own container list, rebuilt from the state track");
  await screen.waitFor((lines) => /▶ \d+:\d\d \/ 0:59 {2}1x/.test(last(lines)), STEP_MS, 'the timeline: playing, position / duration, speed');
  // Read-only: the keys that act on the runtime are not offered.
  t.regex(footer(screen.text()), /j\/k move/);
  t.notRegex(footer(screen.text()), /\bnew\b|\bkill\b|\battach\b|\brecord\b/, footer(screen.text()));
  t.regex(row(screen, 'hungry-lab'), /running/, 'before the kill');

  await pressUntil(screen, ' ', (lines) => last(lines).includes('❚❚'), 'paused');
  await pressUntil(screen, ']', (lines) => /❚❚ 0:20 \//.test(last(lines)) && /OOM kill in hungry-lab/.test(last(lines)), 'the OOM chapter, on the timeline', {
    retryIf: (lines) => !/OOM kill/.test(last(lines)),
  });
  await screen.waitFor(() => /OOM\s+32M\/32M/.test(row(screen, 'hungry-lab')), STEP_MS, 'hungry-lab oom-killed, its memory at its 32M limit');
  await screen.waitFor(/OOM kill in hungry-lab: hungry \(pid 2\) hit the 32 MiB/, STEP_MS, 'the banner and the event log');
  // K would kill: refused (not in the read-only table), nothing changes, no dialog.
  screen.press('K');
  t.false(/Kill /.test(screen.screen()), 'no kill dialog');

  // The dashboard's own navigation: another container, its memory panel.
  const selected = () => /Memory · (\S+)/.exec(screen.screen())?.[1];
  const before = selected();
  await pressUntil(screen, 'j', () => selected() !== undefined && selected() !== before, 'another container selected');
  const other = selected()!;
  await screen.waitFor(() => /▸/.test(row(screen, other)), STEP_MS, `${other}'s row the selected one`);
  await screen.waitFor((lines) => /❚❚ 0:20 \/.*OOM kill in hungry-lab/.test(last(lines)), STEP_MS, 'still paused on the chapter');
  // Help opens over it; q closes help (it does not quit).
  await pressUntil(screen, '?', /╭─ Keys ─/, 'the help overlay');
  await pressUntil(screen, Keys.escape, () => selected() === other, 'help closed, the selection kept');

  // v: the terminal playback at the same moment; v again: the live view, the selection kept.
  await pressUntil(screen, 'v', (lines) => /❚❚ 0:20 \//.test(last(lines)) && /4 containers/.test(lines.join('\n')), 'the recorded terminal at 0:20');
  t.false(screen.screen().includes('Containers (4)'), 'the recorded screen, not the rebuilt one');
  await pressUntil(screen, 'v', () => screen.screen().includes('Containers (4)') && selected() === other, 'back in the live view, the same container selected');
  await pressUntil(screen, 'q', () => screen.hasExited(), 'quit');
  t.is((await screen.exited).exitCode, 0);
  const out = screen.output();
  t.true(out.lastIndexOf('\x1b[?1049l') > out.lastIndexOf('\x1b[?1049h'), 'the alternate screen left');
});

test.serial('v in play: from the terminal playback into the live view at the same moment, and back', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'lesson.cast');
  writeFileSync(file, dashboardCast({ seconds: 60, oomAt: [20] }).text);
  const screen = play(t, [file]);
  await screen.waitFor('4 containers', START_MS, 'the recorded terminal');
  t.regex(last(screen.text()), /v live view/, 'the key offered on the status line');
  await pressUntil(screen, ' ', (lines) => last(lines).includes('❚❚'), 'paused');
  const at = /❚❚ (\d+:\d\d) \//.exec(last(screen.text()))?.[1];
  t.truthy(at);
  await pressUntil(screen, 'v', (lines) => lines.join('\n').includes('Containers (4)') && new RegExp(`❚❚ ${at} /`).test(last(lines)), 'the live view, paused where the playback was');
  await pressUntil(screen, 'v', (lines) => !lines.join('\n').includes('Containers (4)') && /4 containers/.test(lines.join('\n')) && new RegExp(`❚❚ ${at} /`).test(last(lines)), 'the terminal playback again');
  await pressUntil(screen, 'q', () => screen.hasExited(), 'quit');
  t.is((await screen.exited).exitCode, 0);
});

test.serial('v in play: the status line says a recording without a state track has no live view', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'plain.cast');
  writeFileSync(file, simpleCast());
  const screen = play(t, [file], 80, 24);
  await screen.waitFor('hello from a recording', START_MS, 'the plain recording playing');
  await pressUntil(screen, 'v', (lines) => /no live view: this recording has no state track/.test(last(lines)), 'the refusal on the status line');
  await pressUntil(screen, 'q', () => screen.hasExited(), 'quit');
  t.is((await screen.exited).exitCode, 0);
});

test.serial('--live-view of a recording without a state track: one line, exit 2', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'plain.cast');
  writeFileSync(file, simpleCast());
  const result = await runCli(['play', '--live-view', file], { timeoutMs: 20_000 });
  t.is(result.code, 2);
  const lines = result.stderr.trim().split('\n');
  t.is(lines.length, 1, result.stderr);
  t.regex(lines[0]!, /plain\.cast has no state track.*without --live-view/);
});

test.serial('a real recording: the dashboard recorded with --record through a real OOM kill, then its live view at the OOM marker', async (t) => {
  t.timeout(180_000);
  assertSandboxed();
  const stateDir = mkdtempSync(path.join('/run', 'ctr-live-view-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const dir = tempDir(t);
  const file = path.join(dir, 'real.cast');
  const name = uniqueName('lvr');
  containers.track(name);
  const cli = (args: string[]) => runCli(['--state-dir', stateDir, ...args], { timeoutMs: 60_000 });
  t.teardown(async () => {
    await cli(['rm', '-f', name]).catch(() => undefined);
    if (processesIn(name).length) killCgroup(name);
  });
  const [node, ...args] = cliArgv(['--state-dir', stateDir, 'dashboard', '--record', file]);
  const dashboard = spawnScreen(node!, args, { cols: 100, rows: 30 });
  t.teardown(() => dashboard.close());
  await dashboard.waitFor('Containers (0)', START_MS);
  t.is((await cli(['run', '-d', '--name', name, '--memory', '32M', '--no-net', '--', '/var/shared_folder/hungry', '--step', '2', '--interval', '100'])).code, 0);
  await dashboard.waitFor(new RegExp(`OOM KILL in ${name}`, 'i'), STEP_MS * 2, 'the OOM banner, live');
  await new Promise((resolve) => setTimeout(resolve, 2500)); // samples after the kill
  await pressUntil(dashboard, 'q', /ctr-tui: recorded /, 'the recording written');

  const screen = play(t, ['--live-view', file], 100, 30);
  await screen.waitFor('Containers (', START_MS, 'the live view of the real recording');
  await pressUntil(screen, ' ', (lines) => last(lines).includes('❚❚'), 'paused');
  await pressUntil(screen, ']', (lines) => new RegExp(`❚❚ \\d+:\\d\\d /.*OOM kill in ${name}`).test(last(lines)), 'the OOM chapter', {
    retryIf: (lines) => !/OOM kill/.test(last(lines)),
    tries: 6,
  });
  await screen.waitFor(() => /OOM\s+\S+\/32M/.test(row(screen, name)), STEP_MS, `${name} oom-killed in its row, against its 32M limit`);
  await screen.waitFor(/peak 32M\s+limit 32M/, STEP_MS, 'its memory at the limit, in the memory panel');
  await pressUntil(screen, 'q', () => screen.hasExited(), 'quit');
  t.is((await screen.exited).exitCode, 0);
});

test.after.always('nothing is left behind', () => containers.checkNothingLeft());
