// ctr-tui play end to end: the real CLI on a pseudo-terminal (node-pty), its output interpreted
// by a headless xterm (test/helpers/screen.ts), every assertion on what the screen shows. The
// recordings are generated (test/helpers/cast-generator.ts: a dashboard-like one with a state
// track, Ink-style frames that never clear the screen) and one is recorded for real: the
// dashboard run on a pty (test/helpers/pty-recording.ts).
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliArgv } from './helpers/container.js';
import { dashboardCast, simpleCast } from './helpers/cast-generator.js';
import { recordPty } from './helpers/pty-recording.js';
import { Keys, pressUntil, spawnScreen, type Screen } from './helpers/screen.js';

test.serial.before(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (the real recording runs the dashboard): run them with "npm test"');
});

const START_MS = 30_000;
const STEP_MS = 10_000;

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-play-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function play(t: ExecutionContext, file: string, cols = 120, rows = 42): Screen {
  const [node, ...args] = cliArgv(['play', file]);
  const screen = spawnScreen(node!, args, { cols, rows });
  t.teardown(() => screen.close());
  return screen;
}

/** The status line: the screen's last row. */
const status = (screen: Screen) => screen.text().at(-1) ?? '';
const statusTime = (screen: Screen) => /(\d+):(\d\d) \//.exec(status(screen));
const seconds = (m: RegExpExecArray | null) => (m ? Number(m[1]) * 60 + Number(m[2]) : NaN);

/** The terminal was given back: the alternate screen left after it was entered, the cursor shown. */
function assertRestored(t: ExecutionContext, screen: Screen): void {
  const out = screen.output();
  t.true(out.includes('\x1b[?1049h'), 'the player used the alternate screen');
  t.true(out.lastIndexOf('\x1b[?1049l') > out.lastIndexOf('\x1b[?1049h'), 'and left it');
  t.true(out.lastIndexOf('\x1b[?25h') > out.lastIndexOf('\x1b[?25l'), 'the cursor is shown again');
}

test.serial('plays a dashboard recording, pauses, jumps between OOM chapters, steps, quits with q and restores the terminal', async (t) => {
  const dir = tempDir(t);
  const cast = dashboardCast({ seconds: 90, oomAt: [20, 40] });
  const file = path.join(dir, 'lesson.cast');
  writeFileSync(file, cast.text);
  const screen = play(t, file);
  await screen.waitFor('4 containers', START_MS, 'the recorded dashboard');
  await screen.waitFor((lines) => /▶ \d+:\d\d \/ 1:29  1x/.test(lines.at(-1) ?? ''), STEP_MS, 'the status line: playing, time / duration, speed');
  t.regex(status(screen), /cache started \(pid 4003\)/, 'the current chapter is the last marker so far');
  // It plays: the recorded clock (in the title row) moves.
  const clock = () => /4 containers .* (\d\d:\d\d:\d\d)/.exec(screen.screen())?.[1];
  const first = clock();
  await screen.waitFor(() => clock() !== first, STEP_MS, 'the recording moving on');

  await pressUntil(screen, ' ', (lines) => (lines.at(-1) ?? '').includes('❚❚'), 'paused');
  const pausedAt = seconds(statusTime(screen));
  t.true(pausedAt < 20, `paused before the first OOM kill (at ${pausedAt} s)`);
  const oomCount = () => /hungry-lab .*MiB +1 +(\d+) *$/m.exec(screen.screen())?.[1];
  t.is(oomCount(), '0');

  const at = (time: string, chapter: RegExp) => (lines: string[]) => new RegExp(`❚❚ ${time} /`).test(lines.at(-1) ?? '') && chapter.test(lines.at(-1) ?? '');
  await pressUntil(screen, ']', at('0:20', /OOM kill in hungry-lab/), 'the first OOM chapter, still paused', { retryIf: (l) => !/OOM kill/.test(l.at(-1) ?? '') });
  await screen.waitFor(cast.banners[0]!, STEP_MS, 'the banner on the recorded screen');
  t.is(oomCount(), '1');
  await pressUntil(screen, ']', at('0:40', /OOM kill in hungry-lab/), 'the second OOM chapter', { retryIf: at('0:20', /OOM/) });
  await screen.waitFor(() => oomCount() === '2', STEP_MS, 'the second kill counted on the recorded screen');

  // One step while paused: the next frame, one recorded second later.
  await pressUntil(screen, '.', at('0:41', /OOM kill/), 'one step on', { retryIf: at('0:40', /OOM/) });
  // Back: first to the start of the current chapter (begun a second ago), then the one before.
  await pressUntil(screen, '[', at('0:40', /OOM kill/), 'the start of the current chapter', { retryIf: at('0:41', /OOM/) });
  await pressUntil(screen, '[', at('0:20', /OOM kill/), 'the chapter before', { retryIf: at('0:40', /OOM/) });
  await screen.waitFor(() => oomCount() === '1', STEP_MS, 'the screen as it was at the first kill: rebuilt, not drawn over');
  // Speed.
  await pressUntil(screen, '+', (lines) => / 2x /.test(lines.at(-1) ?? ''), 'double speed');
  await pressUntil(screen, '-', (lines) => / 1x /.test(lines.at(-1) ?? ''), 'normal speed');
  // Seek forward 5 s, then back.
  await pressUntil(screen, Keys.right, at('0:25', /OOM/), '5 s on', { retryIf: at('0:20', /OOM/) });
  await pressUntil(screen, Keys.left, at('0:20', /OOM/), '5 s back', { retryIf: at('0:25', /OOM/) });

  screen.press('q');
  const exit = await screen.exited;
  t.is(exit.exitCode, 0);
  assertRestored(t, screen);
});

test.serial('a recording bigger than the terminal is cropped, and the status line says so', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'big.cast');
  writeFileSync(file, dashboardCast({ seconds: 20, oomAt: [] }).text);
  const screen = play(t, file, 70, 20);
  await screen.waitFor('4 containers', START_MS);
  await screen.waitFor('[120x40 cropped to 70x19]', STEP_MS, 'the crop note');
  t.true(screen.text().every((l) => l.length <= 70));
  screen.press('q');
  t.is((await screen.exited).exitCode, 0);
  assertRestored(t, screen);
});

test.serial('plays a plain asciicast (no state track, an unknown code) to its end; SIGTERM restores the terminal', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'simple.cast');
  writeFileSync(file, simpleCast());
  const screen = play(t, file, 60, 14);
  await screen.waitFor('the end', START_MS);
  await screen.waitFor((lines) => /■ 0:03 \/ 0:03/.test(lines.at(-1) ?? ''), STEP_MS, 'stopped at the end');
  t.regex(screen.screen(), /hello from a recording\nline two\nline three, chapter two\nthe end/);
  t.regex(status(screen), /second chapter/);
  // Space at the end plays again from the start.
  await pressUntil(screen, ' ', (lines) => !lines.join('\n').includes('the end') || /▶ 0:0[0-2]/.test(lines.at(-1) ?? ''), 'playing again from the start');
  screen.press('\x1b[?'); // an unknown escape sequence: ignored
  await screen.waitFor('the end', STEP_MS);
  process.kill(screen.pid, 'SIGTERM');
  const exit = await screen.exited;
  t.is(exit.signal, 15, 'SIGTERM ends it as SIGTERM does, after giving the terminal back');
  assertRestored(t, screen);
});

test.serial('a last line cut short: played up to it, and one warning line once the terminal is back', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'cut.cast');
  writeFileSync(file, simpleCast() + '[3.5, "o", "cut sho');
  const screen = play(t, file, 60, 14);
  await screen.waitFor((lines) => /■ 0:03 \/ 0:03/.test(lines.at(-1) ?? ''), START_MS, 'the end of what is complete');
  t.false(screen.screen().includes('cut sho'));
  screen.press('q');
  t.is((await screen.exited).exitCode, 0);
  assertRestored(t, screen);
  const out = screen.output();
  const warning = `ctr-tui: warning: ${file}:12: the last line is cut short (the recorder stopped mid-write): played up to 3.0 s\r\n`;
  t.true(out.endsWith(warning), JSON.stringify(out.slice(-200)));
  t.true(out.lastIndexOf('\x1b[?1049l') < out.indexOf(warning), 'said after the screen is back');
});

test.serial('plays a real recording: the dashboard recorded on a pty', async (t) => {
  const dir = tempDir(t);
  const stateDir = mkdtempSync(path.join(dir, 'state-'));
  const [node, ...args] = cliArgv(['--state-dir', stateDir]);
  const text = await recordPty(node!, args, {
    cols: 100,
    rows: 30,
    timeoutMs: 60_000,
    drive: async (write, output) => {
      const started = Date.now();
      while (!output().includes('Containers (0)')) {
        if (Date.now() - started > START_MS) throw new Error(`the dashboard did not start; it wrote:\n${output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1500));
      write('q');
    },
  });
  const file = path.join(dir, 'real.cast');
  writeFileSync(file, text);
  t.log(`recorded ${text.split('\n').length - 2} output chunks, ${text.length} bytes`);
  const screen = play(t, file, 100, 31);
  await screen.waitFor('Containers (0)', START_MS, 'the recorded dashboard');
  await screen.waitFor((lines) => /■ \d+:\d\d \//.test(lines.at(-1) ?? ''), STEP_MS, 'the end of the recording');
  screen.press('q');
  t.is((await screen.exited).exitCode, 0);
  assertRestored(t, screen);
});
