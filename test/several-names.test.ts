// rm, stop and kill with several names, as docker does: an unknown name is
// one line and does not stop the others (exit 1); a malformed name stops
// everything before anything is done (exit 2).
import test from 'ava';
import { assertSandboxed, ipRange, lines, uniqueName } from './helpers/container.js';
import { alive, eventually, isOneErrorLine, makeLab, residue, settle, snapshot, type Lab } from './helpers/lifecycle.js';

assertSandboxed();

// A subnet of its own: no other test file uses 10.0.7.0/24.
const nextIp = ipRange(2, 30);
const ghost = 'no-such-box';

/** Two detached containers that sleep (one with a veth), recorded in the lab. */
async function twoSleepers(lab: Lab, prefix: string) {
  const a = uniqueName(prefix);
  const b = uniqueName(prefix);
  lab.track(a, b);
  const ip = `10.0.7.${nextIp()}`;
  for (const args of [['--ip', ip], ['--no-net']]) {
    const name = args[0] === '--ip' ? a : b;
    const run = await lab.cli(['run', '-d', '--name', name, ...args, '--', 'sleep', '3600']);
    if (run.code !== 0) throw new Error(`run -d ${name}: ${run.stderr}`);
  }
  const pids = [(await lab.inspect(a)).pid!, (await lab.inspect(b)).pid!];
  return { a, b, ip, pids };
}

const noSuch = new RegExp(`^ctr-tui: no such container: ${ghost}\\b[^\\n]*\\n$`);

test('rm -f a ghost b: removes a and b, one line naming ghost, exit 1', async (t) => {
  const lab = makeLab(t);
  const { a, b, ip } = await twoSleepers(lab, 'rmf');
  const result = await lab.cli(['rm', '-f', a, ghost, b]);
  t.is(result.code, 1, result.stderr);
  t.regex(result.stderr, noSuch);
  t.deepEqual(lines(result.stdout), [a, b]);
  t.deepEqual(await settle(() => residue(lab.dir, a, ip)), [], `${a}: nothing left`);
  t.deepEqual(await settle(() => residue(lab.dir, b)), [], `${b}: nothing left`);
  t.deepEqual(await lab.ps(true), []);
});

test('stop a ghost b: stops a and b, one line naming ghost, exit 1', async (t) => {
  const lab = makeLab(t);
  const { a, b, pids } = await twoSleepers(lab, 'stp');
  const result = await lab.cli(['stop', '-t', '1', a, ghost, b]);
  t.is(result.code, 1, result.stderr);
  t.regex(result.stderr, noSuch);
  t.deepEqual(lines(result.stdout).sort(), [a, b].sort());
  for (const pid of pids) t.false(alive(pid), `init ${pid} is gone`);
  const rows = await lab.ps(true);
  t.deepEqual(rows.map((r) => [r.name, r.state]).sort(), [[a, 'exited'], [b, 'exited']].sort());
});

test('kill a ghost b: signals a and b, one line naming ghost, exit 1; -s TERM for several', async (t) => {
  const lab = makeLab(t);
  const first = await twoSleepers(lab, 'kil');
  const result = await lab.cli(['kill', first.a, ghost, first.b]);
  t.is(result.code, 1, result.stderr);
  t.regex(result.stderr, noSuch);
  t.is(result.stdout, '');
  await eventually(async () => first.pids.every((pid) => !alive(pid)), 'both inits to die of KILL');

  const second = await twoSleepers(lab, 'kis');
  const termed = await lab.cli(['kill', '-s', 'TERM', second.a, second.b]);
  t.is(termed.code, 0, termed.stderr);
  t.is(termed.stderr, '');
  // sleep as an init has no TERM handler, so the kernel drops TERM: both still run.
  t.true(second.pids.every((pid) => alive(pid)), 'an init without a handler ignores TERM');
  const killed = await lab.cli(['kill', '--signal', '9', second.a, second.b]);
  t.is(killed.code, 0, killed.stderr);
  await eventually(async () => second.pids.every((pid) => !alive(pid)), 'both inits to die of signal 9');
});

test('a malformed name among several: nothing is done at all, exit 2, one line', async (t) => {
  const lab = makeLab(t);
  const { a, b, pids } = await twoSleepers(lab, 'mal');
  const before = snapshot(lab.dir);
  for (const bad of ['bad name!', '../x', '..']) {
    for (const args of [['rm', '-f', a, bad, b], ['stop', '-t', '0', a, bad, b], ['kill', a, bad, b], ['kill', '-s', 'TERM', a, b, bad]]) {
      const result = await lab.cli(args);
      t.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      t.true(isOneErrorLine(result.stderr), `${args.join(' ')}: ${JSON.stringify(result.stderr)}`);
      t.true(result.stderr.startsWith('ctr-tui: invalid container name'), result.stderr);
      t.is(result.stdout, '', args.join(' '));
    }
  }
  t.deepEqual(snapshot(lab.dir), before, 'the state dir is as before');
  t.true(pids.every((pid) => alive(pid)), 'both still run');
  t.deepEqual((await lab.ps()).map((r) => r.state), ['running', 'running']);
});

test('several names, none of them known: a line for each, exit 2; a bad signal: nothing done', async (t) => {
  const lab = makeLab(t);
  const other = 'no-such-either';
  for (const args of [['rm', '-f', ghost, other], ['stop', ghost, other], ['kill', ghost, other]]) {
    const result = await lab.cli(args);
    t.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    const said = lines(result.stderr);
    t.is(said.length, 2, result.stderr);
    t.regex(said[0] ?? '', new RegExp(`no such container: ${ghost}\\b`));
    t.regex(said[1] ?? '', new RegExp(`no such container: ${other}\\b`));
  }
  const { a, b, pids } = await twoSleepers(lab, 'sig');
  const bad = await lab.cli(['kill', '-s', 'NOPE', a, b]);
  t.is(bad.code, 2, bad.stderr);
  t.true(isOneErrorLine(bad.stderr), bad.stderr);
  t.regex(bad.stderr, /unknown signal "NOPE"/);
  t.true(pids.every((pid) => alive(pid)));
});
