// Mistakes with detached containers: one clear line on stderr, exit status 2
// for a usage error, and nothing changed: not the state dir, not the
// containers.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertSandboxed, ipRange, uniqueName } from './helpers/container.js';
import { alive, eventually, isOneErrorLine, newLab, residue, settle, snapshot, type Lab } from './helpers/lifecycle.js';
import { processStartTime } from '../src/runtime/process-identity.js';
import type { ContainerInfo } from '../src/runtime/runtime.js';

assertSandboxed();

const nextIp = ipRange(200, 209);

interface Fixture {
  lab: ReturnType<typeof newLab>;
  running: ContainerInfo;
  stopped: ContainerInfo;
}

// One lab for the whole file: a running container and an exited one. The
// tests only ever fail to change them, so they may share them.
let fixture: Fixture | undefined;
let cleanup: (() => Promise<void>) | undefined;
const runningName = uniqueName('bad');
const stoppedName = uniqueName('badx');
const ips = [`10.0.0.${nextIp()}`, `10.0.0.${nextIp()}`];

// Serial: every test checks that the shared state dir is unchanged by a refused command, and
// another test's run -d (its records, its creation marker) would change it meanwhile.
test.before(async (t) => {
  t.timeout(180_000);
  const lab = newLab();
  cleanup = () => lab.cleanup();
  lab.track(runningName, stoppedName);
  const a = await lab.cli(['run', '-d', '--name', runningName, '--ip', ips[0], '--', 'sleep', '3600']);
  const b = await lab.cli(['run', '-d', '--name', stoppedName, '--ip', ips[1], '--', 'sh', '-c', 'exit 0']);
  if (a.code !== 0 || b.code !== 0) throw new Error(`setup failed: ${a.stderr} ${b.stderr}`);
  await eventually(async () => (await lab.ps(true)).find((r) => r.name === stoppedName && r.state === 'exited'), 'the second container to exit');
  // One more command, so that any reconciliation is done before the tests take their snapshots.
  await lab.ps(true);
  fixture = { lab, running: await lab.inspect(runningName), stopped: await lab.inspect(stoppedName) };
});

test.after.always(async () => {
  await cleanup?.();
});

function lab(): Lab {
  if (!fixture) throw new Error('setup failed');
  return fixture.lab;
}

/** Runs the CLI and checks that the state dir and the running container are just as before. */
async function unchanged(t: ExecutionContext, args: string[], input?: string) {
  const before = snapshot(lab().dir);
  const result = await lab().cli(args, input === undefined ? {} : { input });
  t.deepEqual(snapshot(lab().dir), before, `ctr-tui ${args.join(' ')} changed the state dir`);
  t.true(alive(fixture!.running.pid!), `ctr-tui ${args.join(' ')}: the running container still runs`);
  return result;
}

const ghost = 'no-such-box';
const unknownName: Array<[string, string[]]> = [
  ['exec', ['exec', '-T', ghost, 'true']],
  ['exec (no command)', ['exec', '-T', ghost]],
  ['logs', ['logs', ghost]],
  ['logs -f', ['logs', '-f', ghost]],
  ['kill', ['kill', ghost]],
  ['kill with signal', ['kill', ghost, 'TERM']],
  ['stop', ['stop', ghost]],
  ['rm', ['rm', ghost]],
  ['rm -f', ['rm', '-f', ghost]],
  ['inspect', ['inspect', ghost]],
  ['stats', ['stats', '--no-stream', ghost]],
];

test.serial('an unknown name: exit 2 and one line naming it, for exec, logs, kill, stop, rm, inspect, stats', async (t) => {
  t.timeout(180_000);
  for (const [what, args] of unknownName) {
    const result = await unchanged(t, args);
    t.is(result.code, 2, `${what}: ${result.stderr}`);
    t.true(isOneErrorLine(result.stderr), `${what}: ${JSON.stringify(result.stderr)}`);
    t.true(result.stderr.includes(ghost), `${what}: ${result.stderr}`);
    t.is(result.stdout, '', what);
  }
});

// An unknown name among several is docker's way (the others are done, exit 1):
// test/several-names.test.ts. A malformed one stops everything first.
test.serial('rm of several names where one is malformed removes none of them', async (t) => {
  t.timeout(180_000);
  const result = await unchanged(t, ['rm', '-f', stoppedName, '../x', runningName]);
  t.is(result.code, 2);
  t.true(isOneErrorLine(result.stderr), result.stderr);
  t.regex(result.stderr, /invalid container name "\.\.\/x"/);
  t.is((await lab().inspect(stoppedName)).state, 'exited', 'the exited container is still recorded');
});

test.serial('exec into an exited container: non-zero and one line saying it is not running', async (t) => {
  t.timeout(180_000);
  for (const args of [['exec', '-T', stoppedName, 'true'], ['exec', '-t', stoppedName, 'true']]) {
    const result = await unchanged(t, args);
    t.not(result.code, 0);
    t.is(result.code, 2);
    t.true(isOneErrorLine(result.stderr), result.stderr);
    t.regex(result.stderr, new RegExp(`${stoppedName}.*not running`));
  }
});

test.serial('kill and stop of an exited container: exit 2, one line', async (t) => {
  t.timeout(180_000);
  for (const args of [['kill', stoppedName], ['stop', '-t', '1', stoppedName]]) {
    const result = await unchanged(t, args);
    t.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    t.true(isOneErrorLine(result.stderr), result.stderr);
    t.regex(result.stderr, /not running/);
  }
});

test.serial('kill with an unknown signal: exit 2, one line, and the container still runs', async (t) => {
  t.timeout(180_000);
  for (const signal of ['NOPE', 'SIGWHAT', '0', '65', '-9', '']) {
    const result = await unchanged(t, ['kill', runningName, signal]);
    t.is(result.code, 2, `signal "${signal}": ${result.stderr}`);
    t.true(isOneErrorLine(result.stderr), `signal "${signal}": ${JSON.stringify(result.stderr)}`);
  }
  const [row] = (await lab().ps()).filter((r) => r.name === runningName);
  t.is(row?.state, 'running');
  t.is(row?.pid, fixture!.running.pid);
});

test.serial('rm of a running container without -f: exit 2, one line, and it still runs', async (t) => {
  t.timeout(180_000);
  const result = await unchanged(t, ['rm', runningName]);
  t.is(result.code, 2);
  t.true(isOneErrorLine(result.stderr), result.stderr);
  t.regex(result.stderr, /running.*-f/);
  t.is(result.stdout, '');
  const [row] = (await lab().ps()).filter((r) => r.name === runningName);
  t.is(row?.state, 'running');
  t.is(row?.pid, fixture!.running.pid);
  t.deepEqual(residue(lab().dir, runningName).filter((r) => r.startsWith('cgroup')).length > 0, true, 'its cgroup is still there');
});

test.serial('bad option values (stop -t, logs -n) and a taken name for run -d: exit 2, one line, nothing changed', async (t) => {
  t.timeout(180_000);
  for (const args of [['stop', '-t', 'soon', runningName], ['stop', '-t', '-1', runningName], ['logs', '-n', 'many', runningName]]) {
    const result = await unchanged(t, args);
    t.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    t.true(isOneErrorLine(result.stderr), `${args.join(' ')}: ${JSON.stringify(result.stderr)}`);
  }
  const taken = await unchanged(t, ['run', '-d', '--name', runningName, '--no-net', '--', 'true']);
  t.is(taken.code, 2, taken.stderr);
  t.true(isOneErrorLine(taken.stderr), taken.stderr);
  t.regex(taken.stderr, /already exists/);
  t.is(taken.stdout, '');
});

test.serial('the fixture is intact at the end (nothing leaked into its records)', async (t) => {
  t.timeout(180_000);
  // Runs alongside the others; re-reads what setup saw.
  const info = await lab().inspect(runningName);
  t.is(info.pid, fixture!.running.pid);
  t.is(info.state, 'running');
  t.deepEqual(await settle(() => residue(lab().dir, stoppedName).filter((r) => !r.startsWith('state dir'))), []);
});

test.serial('run -d that cannot start: one line, the foreground form\'s status and wording, and nothing left', async (t) => {
  t.timeout(180_000);
  const work = mkdtempSync(path.join(tmpdir(), 'ctr-tui-badrun-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const file = path.join(work, 'a-file');
  writeFileSync(file, 'not a directory\n');
  // A rootfs with a shell for nothing: no sleep in it.
  const empty = path.join(work, 'rootfs');
  mkdirSync(path.join(empty, 'bin'), { recursive: true });
  const cases: Array<{ what: string; args: string[]; status: number; line: RegExp }> = [
    { what: 'a missing command', args: ['--no-net', '--', '/nonexistent'], status: 127, line: /^ctr-tui: cannot start container \S+: exec \/nonexistent: No such file or directory\n$/ },
    { what: 'a file shared as a directory', args: ['--no-net', '--share', `${file}:/x`, '--', 'sleep', '5'], status: 1, line: /^ctr-tui: cannot start container \S+: bind mount .*a-file: Not a directory\n$/ },
    { what: 'a rootfs without the command', args: ['--ip', `10.0.0.${nextIp()}`, '--rootfs', empty, '--', 'sleep', '5'], status: 127, line: /^ctr-tui: cannot start container \S+: exec sleep: No such file or directory\n$/ },
  ];
  for (const c of cases) {
    const name = uniqueName('badd');
    lab().track(name);
    const before = snapshot(lab().dir);
    const detached = await lab().cli(['run', '-d', '--name', name, ...c.args]);
    t.is(detached.code, c.status, `${c.what}: ${detached.stderr}`);
    t.regex(detached.stderr, c.line, c.what);
    t.is(detached.stdout, '', c.what);
    t.deepEqual(await settle(() => residue(lab().dir, name)), [], `${c.what}: nothing left`);
    t.deepEqual(snapshot(lab().dir), before, `${c.what}: the state dir is as before`);
    const foreground = await lab().cli(['run', '--name', name, ...c.args]);
    t.is(foreground.code, detached.code, `${c.what}: the same status in the foreground`);
    t.is(foreground.stderr, detached.stderr, `${c.what}: the same line in the foreground`);
    t.deepEqual(await settle(() => residue(lab().dir, name)), [], `${c.what}: nothing left by the foreground form either`);
  }
});

test.serial('a name that is a path never reaches outside the state dir: exit 2, one line, and the process it names lives on', async (t) => {
  t.timeout(180_000);
  // Beside the state dir: a directory with a state.json that names an unrelated host process as a running container.
  const outside = mkdtempSync(`${lab().dir}-outside-`);
  t.teardown(() => rmSync(outside, { recursive: true, force: true }));
  const victim = spawn('sleep', ['600'], { stdio: 'ignore' });
  t.teardown(() => victim.kill('SIGKILL'));
  const pidStart = await waitFor(() => processStartTime(victim.pid!));
  const forged = { ...fixture!.running, name: 'x', pid: victim.pid, pidStart, monitorPid: victim.pid, monitorStart: pidStart, hostVeth: null };
  mkdirSync(path.join(outside, 'x'));
  writeFileSync(path.join(outside, 'x', 'state.json'), JSON.stringify(forged));
  writeFileSync(path.join(outside, 'x', 'container.log'), 'not a container\'s log\n');
  const before = snapshot(outside);
  for (const name of [`../${path.basename(outside)}/x`, `${outside}/x`, '..', '.', `${runningName}/..`]) {
    for (const args of [['rm', '-f', name], ['kill', name], ['kill', name, 'TERM'], ['stop', '-t', '0', name], ['logs', name], ['inspect', name], ['exec', '-T', name, 'true'], ['stats', '--no-stream', name]]) {
      const result = await unchanged(t, args);
      t.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      t.true(isOneErrorLine(result.stderr), `${args.join(' ')}: ${JSON.stringify(result.stderr)}`);
      t.true(result.stderr.startsWith('ctr-tui: invalid container name'), `${args.join(' ')}: ${result.stderr}`);
      t.is(result.stdout, '', args.join(' '));
    }
  }
  t.true(alive(victim.pid!), 'the process the forged record names still runs');
  t.deepEqual(snapshot(outside), before, 'nothing outside the state dir was touched');
});

async function waitFor<T>(get: () => T | null): Promise<T> {
  return eventually(async () => get(), 'a value');
}
