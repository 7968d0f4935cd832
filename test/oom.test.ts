// The memory limit: hungry runs into it, the kernel's OOM killer stops it,
// and ctr-tui says so.
import test from 'ava';
import type { OomKill } from '../src/runtime/oom-watch.js';
import { assertSandboxed, leftovers, lines, runCli, startApi, uniqueName, waitUntil } from './helpers/container.js';

assertSandboxed();

const MiB = 1024 * 1024;
/** hungry step by step, 4 MiB every 100 ms: a climb that the tests below can watch. */
const stepped = ['/var/shared_folder/hungry', '--step', '4', '--interval', '100'];
const steppedLine = stepped.join(' ');

test('CLI: hungry as PID 1 under --memory 32M is OOM-killed: status 137 and one line naming it', async (t) => {
  const name = uniqueName('oom');
  const result = await runCli(['run', '--name', name, '--memory', '32M', '--no-net', '--', ...stepped], { timeoutMs: 45_000 });
  t.is(result.code, 137, result.stderr);
  const stderr = lines(result.stderr);
  t.is(stderr.length, 1, result.stderr);
  t.is(stderr[0], `ctr-tui: OOM kill in ${name}: hungry (pid 1) hit the 32 MiB memory limit`);
  // It got somewhere before it was stopped, and never past the limit.
  const allocated = [...result.stdout.matchAll(/allocated (\d+) MiB/g)].map((m) => Number(m[1]));
  t.true(allocated.length > 0, result.stdout);
  t.true(Math.max(...allocated) < 32, `hungry reported ${Math.max(...allocated)} MiB under a 32 MiB limit`);
  t.deepEqual(leftovers(name), []);
});

test('CLI: the seed\'s hungry (no options: 100 million new int) under --memory 32M is OOM-killed before it is done', async (t) => {
  const name = uniqueName('oomseed');
  const result = await runCli(['run', '--name', name, '--memory', '32M', '--no-net', '--', '/var/shared_folder/hungry'], { timeoutMs: 45_000 });
  t.is(result.code, 137, result.stderr);
  t.is(result.stdout, '', 'no "I am done"');
  t.regex(result.stderr, new RegExp(`^ctr-tui: OOM kill in ${name}: hungry \\(pid \\d+\\) hit the 32 MiB memory limit\n$`));
  t.deepEqual(leftovers(name), []);
});

test('CLI: the seed\'s hungry that fits (--count 100000, about 3 MiB) says "I am done" and exits 0', async (t) => {
  const name = uniqueName('oomdone');
  const result = await runCli(['run', '--name', name, '--memory', '32M', '--no-net', '--', '/var/shared_folder/hungry', '--count', '100000'], { timeoutMs: 45_000 });
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'I am done\n');
  t.is(result.stderr, '');
  t.deepEqual(leftovers(name), []);
});

test('API: the seed\'s tiny allocations are really charged: 1 million new int use about 32 MiB', async (t) => {
  const name = uniqueName('oomchg');
  const api = await startApi(t, {
    name,
    memory: '64M',
    network: false,
    command: ['/bin/sh', '-c', 'trap "exit 0" TERM; /var/shared_folder/hungry --count 1000000 && exec sleep 60 & wait'],
  });
  await waitUntil(() => api.stdout().includes('I am done'), 'hungry to be done');
  const { peak } = api.container.cgroup.memory();
  // 32-byte heap chunks; plus the shell and the rest.
  t.true(peak >= 30 * MiB && peak < 64 * MiB, `peak ${peak}`);
  api.container.kill('SIGTERM');
  const exit = await api.container.exited;
  t.is(exit.oomKills, 0);
  t.deepEqual(leftovers(name), []);
});

test('API: a container that stays under its limit reports no OOM kill', async (t) => {
  const name = uniqueName('fit');
  const api = await startApi(t, {
    name,
    memory: '32M',
    network: false,
    command: ['/bin/sh', '-c', 'trap "exit 0" TERM; /var/shared_folder/hungry --max 8 --step 4 --interval 1 & wait'],
  });
  const kills: OomKill[] = [];
  api.container.on('oom-kill', (kill) => kills.push(kill));
  await waitUntil(() => api.stdout().includes('reached 8 MiB, holding'), 'hungry to hold 8 MiB');
  const sample = api.container.cgroup.memory();
  t.true(sample.current >= 8 * MiB, `usage ${sample.current}`);
  t.is(sample.limit, 32 * MiB);
  t.is(sample.oomKills, 0);
  api.container.kill('SIGTERM');
  const exit = await api.container.exited;
  t.is(exit.status, 0);
  t.is(exit.oomKills, 0);
  t.deepEqual(kills, []);
  t.deepEqual(leftovers(name), []);
});

test('API: an oom-kill event names hungry, with pid 1 and the limit; exited counts it', async (t) => {
  const name = uniqueName('oomapi');
  const { container } = await startApi(t, { name, memory: '32M', network: false, command: stepped });
  const kills: OomKill[] = [];
  container.on('oom-kill', (kill) => kills.push(kill));
  const exit = await container.exited;
  t.is(exit.signal, 'SIGKILL');
  t.is(exit.status, 137);
  t.true(exit.oomKills >= 1, `oomKills ${exit.oomKills}`);
  t.true(kills.length >= 1, 'at least one oom-kill event');
  t.is(kills[0].comm, 'hungry');
  t.is(kills[0].pid, 1);
  t.is(kills[0].hostPid, container.pid);
  t.is(kills[0].limit, 32 * MiB);
  t.is(kills[0].count, 1);
  t.true(Number.isInteger(kills[0].at) && Math.abs(kills[0].at - Date.now()) < 60_000, `at ${kills[0].at}`);
  t.is(kills.length, exit.oomKills, 'one event per kill the cgroup counted');
  t.deepEqual(leftovers(name), []);
});

test('API: hungry started by a shell is killed, the shell survives and goes on', async (t) => {
  const name = uniqueName('oomsh');
  const api = await startApi(t, {
    name,
    memory: '32M',
    network: false,
    command: ['/bin/sh', '-c', `${steppedLine} > /dev/null; echo "after $?"`],
  });
  const kills: OomKill[] = [];
  api.container.on('oom-kill', (kill) => kills.push(kill));
  const exit = await api.container.exited;
  t.is(exit.status, 0, 'the shell (PID 1) exits normally');
  t.is(exit.signal, null);
  t.is(api.stdout(), 'after 137\n', 'the shell saw hungry die of SIGKILL and carried on');
  t.true(exit.oomKills >= 1);
  t.true(kills.length >= 1);
  t.is(kills[0].comm, 'hungry');
  t.true(kills[0].pid !== null && kills[0].pid > 1 && kills[0].pid < 10, `in-container pid ${kills[0].pid}`);
  t.true(kills[0].hostPid !== null && kills[0].hostPid !== api.container.pid, `host pid ${kills[0].hostPid}`);
  t.deepEqual(leftovers(name), []);
});

test('CLI: hungry started by a shell: the shell prints "after", the OOM line names hungry with its pid', async (t) => {
  const name = uniqueName('oomcs');
  const result = await runCli(['run', '--name', name, '--memory', '32M', '--no-net', '--', '/bin/sh', '-c', `${steppedLine} >/dev/null; echo after`], { timeoutMs: 45_000 });
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'after\n');
  const oomLines = lines(result.stderr).filter((l) => l.startsWith('ctr-tui:'));
  t.is(oomLines.length, 1, result.stderr);
  const match = new RegExp(`^ctr-tui: OOM kill in ${name}: hungry \\(pid (\\d+)\\) hit the 32 MiB memory limit$`).exec(oomLines[0]);
  t.truthy(match, oomLines[0]);
  t.true(Number(match![1]) > 1);
  t.deepEqual(leftovers(name), []);
});

test('API: the memory limit is enforced while running: usage stays under it', async (t) => {
  const name = uniqueName('oomuse');
  const api = await startApi(t, {
    name,
    memory: '32M',
    network: false,
    command: ['/var/shared_folder/hungry', '--step', '4', '--interval', '20'],
  });
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, api.container.cgroup.memory().peak);
    } catch {
      // gone
    }
  }, 5);
  t.teardown(() => clearInterval(timer));
  const exit = await api.container.exited;
  clearInterval(timer);
  t.true(exit.oomKills >= 1);
  t.true(peak > 0, 'usage was sampled');
  t.true(peak <= 32 * MiB, `peak ${peak} within the limit`);
  await waitUntil(() => leftovers(name).length === 0, 'nothing left', 1000);
});

// The addon's reactor thread notes who is in the cgroup the moment the
// notifier fires, so a busy event loop no longer loses the victim's pid inside.
test('API: the OOM victim\'s in-container pid is known even if the event loop was busy', async (t) => {
  const name = uniqueName('oombusy');
  const { container } = await startApi(t, { name, memory: '32M', network: false, command: stepped });
  const kills: OomKill[] = [];
  container.on('oom-kill', (kill) => kills.push(kill));
  const until = Date.now() + 2500;
  while (Date.now() < until) {
    // Busy: hungry fills its 32 MiB in about 1 s and is killed meanwhile.
  }
  const exit = await container.exited;
  t.is(exit.oomKills, 1);
  t.is(kills[0]?.comm, 'hungry');
  t.is(kills[0]?.pid, 1);
});
