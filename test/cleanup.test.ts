// A container leaves nothing behind, and gets the limits it asked for.
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cgroupDriver } from '../src/runtime/container.js';
import {
  assertSandboxed,
  cgroupDirsOf,
  cleanupCli,
  forceCleanup,
  holdAfter,
  hostRoutes,
  ipRange,
  leftovers,
  linkExists,
  processesIn,
  runCli,
  startApi,
  startCli,
  stop,
  uniqueName,
  waitUntil,
} from './helpers/container.js';

assertSandboxed();
const nextIp = ipRange(110, 149);
const MiB = 1024 * 1024;

const read = (file: string) => readFileSync(file, 'utf8').trim();
const driver = cgroupDriver();
/** v1: one cgroup per controller hierarchy; v2: one cgroup in the unified tree. */
const v1Dir = (controller: string, name: string) => `/sys/fs/cgroup/${controller}/ctr-tui/${name}`;
const v2Dir = (name: string) => path.join(driver.containersDir.dir, name);

test('while it runs, it has a cgroup in every controller, a veth and a route; after exit, none of them', async (t) => {
  const name = uniqueName('cln');
  const ip = `10.0.0.${nextIp()}`;
  const cli = startCli(['run', '--name', name, '--ip', ip, '--', '/bin/sh', '-c', holdAfter('true')]);
  cleanupCli(t, cli, name);
  await cli.waitForStdout(/READY\n/);
  const dirs = cgroupDirsOf(name);
  if (driver.version === 1) {
    for (const controller of ['memory', 'pids', 'cpu', 'cpuacct']) {
      t.true(dirs.some((d) => d.startsWith(`/sys/fs/cgroup/${controller}/`)), `a ${controller} cgroup: ${dirs.join(' ')}`);
    }
  } else {
    t.deepEqual(dirs, [v2Dir(name)]);
    t.deepEqual(read(path.join(v2Dir(name), 'cgroup.controllers')).split(' ').sort(), ['cpu', 'memory', 'pids']);
  }
  const pids = processesIn(name);
  t.true(pids.length >= 2, `the shell and its sleep: ${pids.join(' ')}`);
  t.true(linkExists(`ctr-${name}`));
  t.is(hostRoutes().get(ip), `ctr-${name}`);
  const result = await stop(cli, name);
  t.is(result.code, 0, result.stderr);
  // The CLI exits only once all is released: no waiting here.
  t.deepEqual(leftovers(name, { ip }), []);
  for (const pid of pids) t.false(readdirSync('/proc').includes(String(pid)), `process ${pid} is gone`);
});

test('processes left running by PID 1 die with it (and their cgroup goes)', async (t) => {
  const name = uniqueName('orph');
  // Background sleeps, one of them orphaned at once (reparented to PID 1), all running when sh exits.
  const result = await runCli(['run', '--name', name, '--no-net', '--', '/bin/sh', '-c',
    'sleep 100 & sleep 100 & (sleep 100 &); for i in $(seq 100); do n=$(ps -e -o comm= | grep -c sleep); [ "$n" = 3 ] && break; sleep 0.05; done; echo $n']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout.trim(), '3', 'the sleeps were running');
  t.deepEqual(leftovers(name), []);
});

test('killing the container (API) releases everything', async (t) => {
  const name = uniqueName('kil');
  const ip = `10.0.0.${nextIp()}`;
  const { container } = await startApi(t, { name, ip, command: ['/bin/sh', '-c', 'sleep 100 & sleep 100'] });
  t.is(container.veth?.host, `ctr-${name}`);
  t.is(container.veth?.container, 'eth0');
  t.true(container.cgroup.paths.length >= 3);
  await waitUntil(() => container.cgroup.processes().length >= 2, 'sh and its background sleep');
  t.true(container.kill('SIGKILL'));
  const exit = await container.exited;
  t.deepEqual({ code: exit.code, signal: exit.signal, status: exit.status, oomKills: exit.oomKills },
    { code: null, signal: 'SIGKILL', status: 137, oomKills: 0 });
  t.false(container.kill('SIGKILL'), 'kill after exit says so');
  t.deepEqual(leftovers(name, { ip }), []);
  for (const dir of container.cgroup.paths) t.false(readdirSync(path.dirname(dir)).includes(name), dir);
});

// Serial: AVA runs serial tests alone, before the concurrent ones, so that no
// other test opens or closes fds in this process meanwhile.
test.serial('20 create/exit cycles leave nothing, not even an fd', async (t) => {
  // The addon opens its reactor (epoll, eventfd) and a netlink socket once,
  // on first use: count fds after a first cycle without and one with a network.
  let fdsBefore = 0;
  const names: string[] = [];
  const ips: string[] = [];
  for (let i = 0; i < 20; i++) {
    const name = uniqueName('cyc');
    const ip = i % 2 ? `10.0.0.${nextIp()}` : undefined;
    names.push(name);
    const api = await startApi(t, {
      name,
      // every other one with a network
      ...(ip ? { ip } : { network: false }),
      memory: '64M',
      pids: '16',
      command: ['/bin/sh', '-c', `echo cycle ${i}`],
    });
    if (ip) ips.push(ip);
    const exit = await api.container.exited;
    t.is(exit.status, 0);
    t.is(api.stdout(), `cycle ${i}\n`);
    t.deepEqual(leftovers(name, { ip }), [], `cycle ${i}`);
    if (i === 1) fdsBefore = readdirSync('/proc/self/fd').length;
  }
  for (const name of names) t.deepEqual(cgroupDirsOf(name), []);
  const routes = hostRoutes();
  for (const ip of ips) t.false(routes.has(ip));
  // The temp-file fds of startApi are closed at once; the addon, the OOM
  // watchers and the kernel-log reader must not keep any either.
  const fdsAfter = readdirSync('/proc/self/fd').length;
  t.true(fdsAfter <= fdsBefore, `fds: ${fdsBefore} before, ${fdsAfter} after`);
});

test('20 sequential CLI runs leave nothing', async (t) => {
  t.timeout(120_000);
  const base = nextIp();
  const before = memoryCgroups();
  for (let i = 0; i < 20; i++) {
    const name = uniqueName('seq');
    const ip = `10.0.0.${base}`;
    const result = await runCli(['run', '--name', name, '--ip', ip, '--', '/bin/true']);
    t.is(result.code, 0, result.stderr);
    t.deepEqual(leftovers(name, { ip }), [], `run ${i}`);
  }
  const after = memoryCgroups().filter((n) => n.startsWith('seq'));
  t.deepEqual(after, before.filter((n) => n.startsWith('seq')));
});

/** The ctr-tui containers' cgroups (v1: in the memory hierarchy); none while the shared parent has not been made yet. */
function memoryCgroups(): string[] {
  const dir = driver.containersDir.dir;
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

test(`limits are written to the cgroup: ${driver.version === 1 ? 'memory, memsw, pids, cpu quota (v1)' : 'memory.max, memory.swap.max, pids.max, cpu.max (v2)'}`, async (t) => {
  const name = uniqueName('lim');
  const { container } = await startApi(t, { name, network: false, memory: '48M', pids: '20', cpus: '0.5', command: ['/bin/sleep', '30'] });
  if (driver.version === 1) {
    const memory = v1Dir('memory', name);
    t.is(read(`${memory}/memory.limit_in_bytes`), String(48 * MiB));
    t.is(read(`${memory}/memory.memsw.limit_in_bytes`), String(48 * MiB), 'swap capped too');
    t.is(read(`${v1Dir('pids', name)}/pids.max`), '20');
    t.is(read(`${v1Dir('cpu', name)}/cpu.cfs_period_us`), '100000');
    t.is(read(`${v1Dir('cpu', name)}/cpu.cfs_quota_us`), '50000');
    for (const controller of ['memory', 'pids', 'cpu', 'cpuacct']) {
      t.deepEqual(read(`${v1Dir(controller, name)}/cgroup.procs`).split('\n').map(Number), [container.pid], controller);
    }
  } else {
    const dir = v2Dir(name);
    t.is(read(`${dir}/memory.max`), String(48 * MiB));
    t.is(read(`${dir}/memory.swap.max`), '0', 'no swap');
    t.is(read(`${dir}/pids.max`), '20');
    t.is(read(`${dir}/cpu.max`), '50000 100000');
    t.deepEqual(read(`${dir}/cgroup.procs`).split('\n').map(Number), [container.pid]);
  }
  t.is(container.cgroup.memory().limit, 48 * MiB);
  container.kill('SIGKILL');
  await container.exited;
  t.deepEqual(leftovers(name), []);
});

test('without limits, the cgroup is unlimited', async (t) => {
  const name = uniqueName('unl');
  const { container } = await startApi(t, { name, network: false, command: ['/bin/sleep', '30'] });
  t.is(container.cgroup.memory().limit, null);
  if (driver.version === 1) {
    t.is(read(`${v1Dir('pids', name)}/pids.max`), 'max');
    t.is(read(`${v1Dir('cpu', name)}/cpu.cfs_quota_us`), '-1');
  } else {
    t.is(read(`${v2Dir(name)}/memory.max`), 'max');
    t.is(read(`${v2Dir(name)}/pids.max`), 'max');
    t.is(read(`${v2Dir(name)}/cpu.max`), 'max 100000');
  }
  container.kill('SIGKILL');
  await container.exited;
});

test('the pids limit is enforced: fork fails past it', async (t) => {
  const name = uniqueName('pid');
  // PID 1 (sh) + 3 sleeps = 4 = the limit; the next fork must fail.
  const result = await runCli(['run', '--name', name, '--no-net', '--pids', '4', '--', '/bin/sh', '-c',
    'sleep 30 & sleep 30 & sleep 30 & echo three; sleep 30 & echo four']);
  t.is(result.stdout, 'three\n');
  // bash says "Cannot fork", busybox sh "can't fork" (the rootfs has either).
  t.regex(result.stderr, /Cannot fork|can't fork/);
  t.not(result.code, 0);
  t.deepEqual(leftovers(name), []);
});

test('the CPU quota is enforced: a busy loop gets about half a core', async (t) => {
  const name = uniqueName('cpu');
  const { container } = await startApi(t, { name, network: false, cpus: '0.5', command: ['/bin/sh', '-c', 'while :; do :; done'] });
  const start = container.cgroup.cpuUsageNs();
  const began = process.hrtime.bigint();
  await waitUntil(() => process.hrtime.bigint() - began > 1_000_000_000n, 'one second to pass', 3000);
  const used = container.cgroup.cpuUsageNs() - start;
  const elapsed = Number(process.hrtime.bigint() - began);
  const share = used / elapsed;
  t.true(share < 0.65, `used ${(share * 100).toFixed(0)}% of a core under --cpus 0.5`);
  t.true(used > 0, 'it did run (on a loaded machine it may get far less than its quota)');
  container.kill('SIGKILL');
  await container.exited;
  t.deepEqual(leftovers(name), []);
});

test('SIGTERM right after the container\'s first output is forwarded, never kills the CLI', async (t) => {
  t.timeout(120_000);
  for (let i = 0; i < 8; i++) {
    const name = uniqueName('trm');
    const cli = startCli(['run', '--name', name, '--no-net', '--', '/bin/sh', '-c', holdAfter('true')]);
    cleanupCli(t, cli, name);  // removes the orphan's cgroup if the CLI died
    await cli.waitForStdout(/READY\n/);
    cli.signal('SIGTERM');
    const result = await cli.result;
    const left = leftovers(name);
    if (left.length) await forceCleanup(name);
    t.is(result.signal, null, `try ${i}: the CLI itself was killed by ${result.signal}`);
    t.is(result.code, 0, `try ${i}: the container's trap exits 0`);
    t.deepEqual(left, [], `try ${i}`);
    if (result.signal) return;
  }
});
