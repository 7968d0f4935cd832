// A foreground `run` and the signals around it: TERM then KILL after the
// grace, INT forwarded without a terminal, its parent's death noticed, and a
// record nobody is left to remove removed by the next command.
import test from 'ava';
import { spawn } from 'node:child_process';
import { assertSandboxed, cliArgv, uniqueName, waitUntil } from './helpers/container.js';
import { alive, eventually, makeLab, parentPid, pidsOfProc, residue, settle } from './helpers/lifecycle.js';
import { stopGraceMs } from '../src/cli/foreground-signals.js';

assertSandboxed();

// sleep as a container's init ignores TERM: only the KILL after the grace stops it.
const ignoresTerm = ['--no-net', '--', 'sleep', '600'];

test('SIGTERM to a foreground run whose init ignores it: KILL after the grace, exit 137, nothing left', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('fgk');
  lab.track(name);
  const cli = lab.start(['run', '--name', name, ...ignoresTerm]);
  cli.endInput();
  await eventually(async () => (await lab.ps()).find((r) => r.name === name), `${name} running`);
  const sent = Date.now();
  cli.signal('SIGTERM');
  const result = await cli.result;
  const took = Date.now() - sent;
  t.is(result.code, 137, result.stderr);
  t.true(took >= stopGraceMs - 500 && took < stopGraceMs + 8000, `exited ${took} ms after TERM (grace ${stopGraceMs} ms)`);
  t.deepEqual(await settle(() => residue(lab.dir, name)), []);
});

test('SIGINT without a terminal is passed on to the container', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('fgi');
  lab.track(name);
  const cli = lab.start(['run', '--name', name, '--no-net', '--', 'sh', '-c', 'trap "echo got INT; exit 5" INT; echo ready; sleep 60 & wait']);
  cli.endInput();
  await cli.waitForStdout(/ready/);
  cli.signal('SIGINT');
  const result = await cli.result;
  t.is(result.code, 5, result.stderr);
  t.is(result.stdout, 'ready\ngot INT\n');
  t.deepEqual(await settle(() => residue(lab.dir, name)), []);
});

test('a wrapper that dies without passing the signal on (sh -c, npx, timeout): the run notices and stops its container', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('fgp');
  lab.track(name);
  const argv = cliArgv(['--state-dir', lab.dir, 'run', '--name', name, ...ignoresTerm]).map((a) => `'${a}'`).join(' ');
  // "; true": sh stays the CLI's parent instead of exec'ing it.
  const wrapper = spawn('sh', ['-c', `${argv} </dev/null >/dev/null 2>&1; true`], { stdio: 'ignore' });
  const wrapperGone = new Promise((resolve) => wrapper.once('exit', resolve));
  const cliPid = await waitUntil(() => pidsOfProc().map(Number).find((p) => parentPid(p) === wrapper.pid), 'the CLI under sh', 30_000);
  await eventually(async () => (await lab.ps()).find((r) => r.name === name), `${name} running`);
  const killedAt = Date.now();
  wrapper.kill('SIGKILL');
  await wrapperGone;
  // TERM (ignored by the init), then KILL after the grace; then the CLI cleans up and exits.
  await waitUntil(() => !alive(cliPid), 'the orphaned CLI to exit', stopGraceMs + 15_000);
  const took = Date.now() - killedAt;
  t.true(took < stopGraceMs + 10_000, `the CLI outlived its parent by ${took} ms`);
  t.deepEqual(await settle(() => residue(lab.dir, name)), [], 'the container is gone with it');
});

test('a foreground run whose CLI is SIGKILLed: the next command removes its record and all it held', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('fgr');
  lab.track(name);
  const cli = lab.start(['run', '--name', name, ...ignoresTerm]);
  cli.endInput();
  const running = await eventually(async () => (await lab.ps()).find((r) => r.name === name), `${name} running`);
  t.is((await lab.inspect(name)).autoRemove, true, 'the record says it is removed at exit');
  cli.signal('SIGKILL');
  await cli.result;
  // The init dies with its parent (PDEATHSIG); nothing else is left to remove the record.
  await waitUntil(() => !alive(running.pid!), 'the init to die with the CLI');
  const all = await lab.ps(true);
  t.deepEqual(all.filter((r) => r.name === name), [], 'not listed, not even as exited');
  t.deepEqual(await settle(() => residue(lab.dir, name)), []);
});
