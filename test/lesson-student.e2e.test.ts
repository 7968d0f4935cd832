// Student mode, as a student sees it: the real CLI on a real pty (node-pty),
// its screen read through @xterm/headless (CI unset: see NOTES, Ink traps).
// The lesson panel sits beside a real shell in lab; nothing is typed for the
// student; a step passes when the student does it, and not when they do
// something else; Ctrl-G shows the hint; Ctrl-] leaves and nothing is left.
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { pollIntervalMs } from '../src/lessons/checks.js';
import { assertSandboxed, cliArgv, leftovers, processesIn, repoRoot } from './helpers/container.js';
import { comm, makeLab, settle } from './helpers/lifecycle.js';
import { Keys, spawnScreen } from './helpers/screen.js';

assertSandboxed();

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
