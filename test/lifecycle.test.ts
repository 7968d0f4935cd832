// Detached containers through the CLI, end to end: run -d, ps, logs (-f),
// kill, stop, inspect, stats, rm; and the OOM events of the runtime API.
import test from 'ava';
import { buildSpec } from '../src/runtime/build-spec.js';
import { Runtime, type RuntimeEvent } from '../src/runtime/runtime.js';
import { assertSandboxed, ipRange, processesIn, uniqueName, waitUntil } from './helpers/container.js';
import { alive, eventually, makeLab, residue, settle } from './helpers/lifecycle.js';

assertSandboxed();

const MiB = 1024 * 1024;
const nextIp = ipRange(150, 169);
/** A pid-1 shell that ignores TERM (it has no handler) and keeps running. */
const idle = 'echo ready; while :; do sleep 0.1; done';

test('run -d prints the name; ps shows it running with pid, IP and memory; logs, inspect, stats; rm -f removes it all', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('life');
  const ip = `10.0.0.${nextIp()}`;
  lab.track(name);
  const run = await lab.cli(['run', '-d', '--name', name, '--ip', ip, '--memory', '32M', '--', 'sh', '-c', `echo hello from $(hostname); ${idle}`]);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, `${name}\n`);
  t.is(run.stderr, '');

  const rows = await lab.ps();
  t.is(rows.length, 1);
  const row = rows[0];
  t.is(row.name, name);
  t.is(row.state, 'running');
  t.is(row.ip, ip);
  t.true(Number.isInteger(row.pid) && row.pid! > 1, `pid ${row.pid}`);
  t.true(alive(row.pid!), 'the pid ps shows is a live process');
  t.true(processesIn(name).includes(row.pid!), 'and it is in the container\'s cgroup');
  t.is(row.memory?.limit, 32 * MiB);
  t.true((row.memory?.current ?? 0) > 0, `memory ${JSON.stringify(row.memory)}`);
  t.is(row.oomKills, 0);
  t.is(row.exitCode, null);
  t.deepEqual(row.command, ['sh', '-c', `echo hello from $(hostname); ${idle}`]);

  // The plain table says the same.
  const table = await lab.cli(['ps']);
  t.is(table.code, 0);
  t.regex(table.stdout, new RegExp(`^${name}\\s+running\\s+${row.pid}\\s+${ip.replace(/\./g, '\\.')}\\s+.*32 MiB`, 'm'));

  const logs = await eventually(async () => {
    const r = await lab.cli(['logs', name]);
    return r.code === 0 && r.stdout.includes('ready') ? r : null;
  }, 'the output to reach the log');
  t.is(logs.stdout, `hello from ${name}\nready\n`);
  const tail = await lab.cli(['logs', '-n', '1', name]);
  t.is(tail.stdout, 'ready\n');

  const info = await lab.inspect(name);
  t.is(info.name, name);
  t.is(info.state, 'running');
  t.is(info.pid, row.pid);
  t.is(info.spec.limits.memoryBytes, 32 * MiB);
  t.is(info.spec.network?.address, ip);
  t.is(info.hostVeth, `ctr-${name}`);
  t.is(info.exit, null);
  t.true(alive(info.monitorPid!), 'the monitor is alive');

  const stats = await lab.cli(['stats', '--no-stream', '--json', name]);
  t.is(stats.code, 0, stats.stderr);
  const samples = JSON.parse(stats.stdout) as Array<{ name: string; memory: { current: number; limit: number | null }; pids: number; oomKills: number }>;
  t.is(samples.length, 1);
  t.is(samples[0].name, name);
  t.true(samples[0].memory.current > 0, `current ${samples[0].memory.current}`);
  t.is(samples[0].memory.limit, 32 * MiB);
  t.true(samples[0].pids >= 1, `pids ${samples[0].pids}`);
  t.is(samples[0].oomKills, 0);

  const rm = await lab.cli(['rm', '-f', name]);
  t.is(rm.code, 0, rm.stderr);
  t.is(rm.stdout, `${name}\n`);
  t.false(alive(row.pid!), 'the init is gone once rm -f returns');
  t.deepEqual(await settle(() => residue(lab.dir, name, ip)), []);
  t.deepEqual(await lab.ps(true), []);
});

test('logs -f prints what comes later and returns when the container exits; kill sends the named signal', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('follow');
  const ip = `10.0.0.${nextIp()}`;
  lab.track(name);
  // USR1 makes the shell say "two" and exit 5: nothing else ends it.
  const run = await lab.cli(['run', '-d', '--name', name, '--ip', ip, '--', 'sh', '-c', `trap 'echo two; exit 5' USR1; echo one; while :; do sleep 0.05; done`]);
  t.is(run.code, 0, run.stderr);
  const follow = lab.start(['logs', '-f', name]);
  await follow.waitForStdout(/^one\n/, 90_000);
  t.false(follow.stdout().includes('two'));
  const kill = await lab.cli(['kill', name, 'USR1']);
  t.is(kill.code, 0, kill.stderr);
  t.is(kill.stdout, '');
  const followed = await follow.result;
  t.is(followed.code, 0, followed.stderr);
  t.is(followed.stdout, 'one\ntwo\n');
  const rows = await lab.ps(true);
  t.is(rows.length, 1);
  t.is(rows[0].state, 'exited');
  t.is(rows[0].exitCode, 5);
  t.is((await lab.ps()).length, 0, 'ps without -a hides it');
  // logs of an exited container still work, and -f returns at once.
  const after = await lab.cli(['logs', '-f', name]);
  t.is(after.code, 0);
  t.is(after.stdout, 'one\ntwo\n');
  t.is((await lab.cli(['rm', name])).code, 0, 'rm without -f removes an exited container');
  t.deepEqual(await settle(() => residue(lab.dir, name, ip)), []);
});

test('kill: a numeric signal, and KILL by default (exit 137)', async (t) => {
  const lab = makeLab(t);
  const a = uniqueName('kila');
  const b = uniqueName('kilb');
  const ipA = `10.0.0.${nextIp()}`;
  const ipB = `10.0.0.${nextIp()}`;
  lab.track(a, b);
  t.is((await lab.cli(['run', '-d', '--name', a, '--ip', ipA, '--', 'sh', '-c', `trap 'exit 42' HUP; ${idle}`])).code, 0);
  t.is((await lab.cli(['run', '-d', '--name', b, '--ip', ipB, '--', 'sh', '-c', idle])).code, 0);
  // The trap has to be set before the signal comes: wait for the output that follows it.
  await eventually(async () => (await lab.cli(['logs', a])).stdout.includes('ready'), `${a} to be ready`);
  t.is((await lab.cli(['kill', a, '1'])).code, 0);
  t.is((await lab.cli(['kill', b])).code, 0);
  const rows = await eventually(async () => {
    const all = await lab.ps(true);
    return all.every((r) => r.state === 'exited') ? all : null;
  }, 'both to exit');
  const byName = new Map(rows.map((r) => [r.name, r]));
  t.is(byName.get(a)?.exitCode, 42);
  t.is(byName.get(b)?.exitCode, 137);
  const infoB = await lab.inspect(b);
  t.deepEqual({ code: infoB.exit?.code, signal: infoB.exit?.signal }, { code: null, signal: 9 });
  // A second kill finds nothing to signal.
  const again = await lab.cli(['kill', b]);
  t.is(again.code, 2);
  t.regex(again.stderr, /^ctr-tui: cannot signal .* it is not running/);
  t.is((await lab.cli(['rm', a, b])).code, 0);
  t.deepEqual(await settle(() => [...residue(lab.dir, a, ipA), ...residue(lab.dir, b, ipB)]), []);
});

test('stop: a pid-1 shell ignores TERM, so stop -t 1 kills it after a second (exit 137)', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('stop');
  const ip = `10.0.0.${nextIp()}`;
  lab.track(name);
  t.is((await lab.cli(['run', '-d', '--name', name, '--ip', ip, '--', 'sh', '-c', idle])).code, 0);
  const { pid } = await lab.inspect(name);
  const before = Date.now();
  const stop = await lab.cli(['stop', '-t', '1', name]);
  t.is(stop.code, 0, stop.stderr);
  t.is(stop.stdout, `${name}\n`);
  // The KILL comes at least a second after the CLI started (the TERM is
  // sent once it is up); the upper bound only catches a wait of the default
  // 10 s or more, as CLI start-up is slow on a loaded machine.
  const { exit } = await lab.inspect(name);
  const killedAfter = exit!.finishedAt - before;
  t.true(killedAfter >= 1000, `the container was killed ${killedAfter} ms after stop started: before its 1 s grace period`);
  t.true(killedAfter < 30_000, `the container was killed ${killedAfter} ms after stop started`);
  t.false(alive(pid!));
  const [row] = await lab.ps(true);
  t.is(row.state, 'exited');
  t.is(row.exitCode, 137);
  const info = await lab.inspect(name);
  t.is(info.exit?.signal, 9);
  t.is(info.exit?.code, null);
  // The monitor removed the cgroup when the init exited.
  t.deepEqual(await settle(() => residue(lab.dir, name, ip).filter((r) => !r.startsWith('state dir'))), []);
  t.is((await lab.cli(['rm', name])).code, 0);
  t.deepEqual(await settle(() => residue(lab.dir, name, ip)), []);
});

test('stop: a container that honours TERM stops at once, not after the timeout (exit 0)', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('stopq');
  const ip = `10.0.0.${nextIp()}`;
  lab.track(name);
  t.is((await lab.cli(['run', '-d', '--name', name, '--ip', ip, '--', 'sh', '-c', `trap 'exit 0' TERM; ${idle}`])).code, 0);
  await eventually(async () => (await lab.cli(['logs', name])).stdout.includes('ready'), 'the trap to be set');
  const stop = await lab.cli(['stop', '-t', '20', name]);
  const returned = Date.now();
  t.is(stop.code, 0, stop.stderr);
  // It exited of its TERM (status 0, not 137), and stop returned soon after, not at the 20 s timeout.
  const { exit } = await lab.inspect(name);
  t.is(exit?.signal, null);
  t.true(returned - exit!.finishedAt < 10_000, `stop returned ${returned - exit!.finishedAt} ms after the exit`);
  const [row] = await lab.ps(true);
  t.is(row.exitCode, 0);
  t.is((await lab.cli(['rm', name])).code, 0);
  t.deepEqual(await settle(() => residue(lab.dir, name, ip)), []);
});

// hungry runs under a shell that outlives it, so the kill is read while the
// cgroup still exists. (Known bug: when hungry is the init itself, its
// monitor may remove the cgroup before a busy event loop reads the kill
// count; OomWatch.check() then gives up and no 'oom-kill' event comes,
// though 'exited' says oomKills 1.)
test('API: watch() reports the OOM kill of hungry under 32M, then the exit with the kill counted; ps -a shows it', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('oomev');
  const ip = `10.0.0.${nextIp()}`;
  lab.track(name);
  const runtime = new Runtime(lab.dir);
  t.teardown(() => runtime.close());
  const events: RuntimeEvent[] = [];
  runtime.on('event', (e) => events.push(e));
  runtime.watch();
  const info = await runtime.run(buildSpec({
    name, ip, memory: '32M', command: ['sh', '-c', '/var/shared_folder/hungry --step 4 --interval 100; echo "hungry ended: $?"; while :; do sleep 0.1; done'],
  }));
  t.is(info.state, 'running');
  const kill = await waitUntil(() => events.find((e): e is Extract<RuntimeEvent, { kind: 'oom-kill' }> => e.kind === 'oom-kill' && e.name === name), 'the oom-kill event', 90_000);
  t.is(kill.kill.comm, 'hungry');
  t.not(kill.kill.hostPid, info.pid, 'the victim is hungry, not the shell (the init)');
  t.true(kill.kill.pid !== null && kill.kill.pid > 1, `in-container pid ${kill.kill.pid}`);
  t.is(kill.kill.limit, 32 * MiB);
  t.is(kill.kill.count, 1);
  await eventually(async () => (await lab.cli(['logs', name])).stdout.includes('hungry ended: 137'), 'the shell to see hungry killed');
  t.is(events.filter((e) => e.kind === 'exited').length, 0, 'the container goes on after the kill');
  runtime.kill(name, 'KILL');
  const exited = await waitUntil(() => events.find((e): e is Extract<RuntimeEvent, { kind: 'exited' }> => e.kind === 'exited' && e.name === name), 'the exited event', 90_000);
  const mine = events.filter((e) => e.name === name);
  t.deepEqual(mine.map((e) => e.kind), ['created', 'started', 'oom-kill', 'exited']);
  t.is(exited.exit.oomKills, 1);
  t.is(exited.exit.signal, 9);
  t.is(exited.exit.code, null);

  const [row] = await lab.ps(true);
  t.is(row.name, name);
  t.is(row.state, 'exited');
  t.is(row.exitCode, 137);
  t.true(row.oomKills >= 1, `ps -a OOM ${row.oomKills}`);
  const table = await lab.cli(['ps', '-a']);
  t.regex(table.stdout, new RegExp(`^${name}\\s+exited \\(137\\)\\s+-\\s+\\S+\\s+-\\s+[1-9]`, 'm'));

  await runtime.remove(name);
  // Events reach every watcher, this process too, through the host's journal.
  await waitUntil(() => events.at(-1)?.kind === 'removed', 'the removed event');
  t.deepEqual(await settle(() => residue(lab.dir, name, ip)), []);
});
