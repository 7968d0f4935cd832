import test, { type ExecutionContext, type Implementation } from 'ava';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowedDevices, deviceRuleLine } from '../src/runtime/cgroup/devices.js';
import type { Cgroup } from '../src/runtime/cgroup/types.js';
import { createV1Driver } from '../src/runtime/cgroup/v1.js';

const ROOT = '/sys/fs/cgroup';
const MiB = 1024 * 1024;
const live = existsSync(join(ROOT, 'memory'));
const driver = live ? createV1Driver() : null;
/** A live v1 test; on a host without the v1 memory controller (pure v2), skipped with the reason in its title. */
const liveTest = (title: string, implementation: Implementation<[]>) =>
  live ? test(title, implementation) : test.skip(`${title} (skipped: no v1 memory controller at ${join(ROOT, 'memory')})`, implementation);

function uniqueName(): string {
  return `test-${randomBytes(4).toString('hex')}`;
}

function requireDriver(): NonNullable<typeof driver> {
  if (driver === null) throw new Error('no v1 driver');
  return driver;
}

function read(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').trim();
}

function controllerDir(controller: string, name: string): string {
  return join(realpathSync(join(ROOT, controller)), 'ctr-tui', name);
}

function cleanUp(t: ExecutionContext, cgroup: Cgroup): void {
  t.teardown(() => {
    cgroup.killAll('SIGKILL');
    cgroup.remove();
  });
}

/** Starts `command` stopped at a `read`, so it can join a cgroup before it runs. */
function spawnHeld(command: string, args: string[]): { child: ChildProcess; release: () => void; exited: Promise<NodeJS.Signals | null> } {
  const child = spawn('sh', ['-c', 'read go && exec "$@"', 'sh', command, ...args], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  return { child, release: () => child.stdin?.write('go\n'), exited };
}

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return predicate();
}

liveTest('create writes the limits into every controller', (t) => {
  const cgroups = requireDriver();
  const name = uniqueName();
  const cgroup = cgroups.create(name, { memoryBytes: 64 * MiB, pids: 100, cpus: 0.5 });
  cleanUp(t, cgroup);

  const memory = controllerDir('memory', name);
  t.is(cgroup.version, 1);
  t.is(read(memory, 'memory.limit_in_bytes'), String(64 * MiB));
  if (existsSync(join(memory, 'memory.memsw.limit_in_bytes'))) {
    t.is(read(memory, 'memory.memsw.limit_in_bytes'), String(64 * MiB));
  }
  t.regex(read(memory, 'memory.oom_control'), /^oom_kill_disable 0$/m);
  t.is(read(controllerDir('pids', name), 'pids.max'), '100');
  t.is(read(controllerDir('cpu', name), 'cpu.cfs_period_us'), '100000');
  t.is(read(controllerDir('cpu', name), 'cpu.cfs_quota_us'), '50000');

  const expectedPaths = [...new Set(['memory', 'devices', 'pids', 'cpu', 'cpuacct'].map((c) => controllerDir(c, name)))];
  t.deepEqual([...cgroup.paths].sort(), expectedPaths.sort());
  t.true(existsSync(cgroup.files.memoryCurrent));
  t.is(cgroup.files.oomWatch.kind, 'v1-eventfd');
  t.deepEqual(cgroup.memory().limit, 64 * MiB);
  t.true(cgroups.list().includes(name));
  t.deepEqual(cgroups.open(name)?.paths, cgroup.paths);
});

liveTest('create denies every device but the ones docker allows', (t) => {
  const name = uniqueName();
  const cgroup = requireDriver().create(name, {});
  cleanUp(t, cgroup);
  const list = read(controllerDir('devices', name), 'devices.list').split('\n');
  t.deepEqual(list, allowedDevices.map(deviceRuleLine));
  t.true(list.includes('c 1:3 rwm') && list.includes('c *:* m') && !list.includes('a *:* rwm'));
  t.true(cgroup.paths.includes(controllerDir('devices', name)));
});

liveTest('a process in the cgroup can make device nodes but open only the allowed ones', async (t) => {
  const cgroup = requireDriver().create(uniqueName(), {});
  cleanUp(t, cgroup);
  const dir = mkdtempSync(join(tmpdir(), 'ctr-tui-devices-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = `mknod ${dir}/loop b 7 0 && echo made; (exec 3<${dir}/loop) 2>/dev/null || echo loop-refused;
    (exec 3</dev/kmsg) 2>/dev/null || echo kmsg-refused; head -c 4 /dev/urandom | wc -c`;
  const child = spawn('sh', ['-c', `read go; ${script}`], { stdio: ['pipe', 'pipe', 'ignore'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const closed = new Promise((resolve) => child.once('close', resolve));
  cgroup.addProcess(child.pid ?? 0);
  child.stdin?.write('go\n');
  await closed;
  t.deepEqual(out.trim().split('\n'), ['made', 'loop-refused', 'kmsg-refused', '4']);
});

liveTest('without a memory limit the limit reads as null', (t) => {
  const cgroup = requireDriver().create(uniqueName(), {});
  cleanUp(t, cgroup);
  t.is(cgroup.memory().limit, null);
  t.is(cgroup.memory().oomKills, 0);
});

liveTest('a process joins, is measured, is killed, and the cgroup is removed', async (t) => {
  const cgroups = requireDriver();
  const name = uniqueName();
  const cgroup = cgroups.create(name, { memoryBytes: 64 * MiB, pids: 10 });
  cleanUp(t, cgroup);
  const { child, release, exited } = spawnHeld('sleep', ['30']);
  t.teardown(() => child.kill('SIGKILL'));
  const pid = child.pid ?? t.fail('no pid');
  if (typeof pid !== 'number') return;

  cgroup.addProcess(pid);
  release();
  t.deepEqual(cgroup.processes(), [pid]);
  t.is(cgroup.pids(), 1);
  t.true(await waitFor(() => cgroup.memory().current > 0), 'memory usage stays 0');
  t.true(cgroup.cpuUsageNs() > 0);

  cgroup.killAll();
  t.is(await exited, 'SIGKILL');
  cgroup.remove();
  for (const dir of cgroup.paths) t.false(existsSync(dir), `${dir} is left`);
  t.is(cgroups.open(name), null);
  t.false(cgroups.list().includes(name));
  t.notThrows(() => cgroup.remove());
});

liveTest('remove refuses, naming the pid, while a process is still inside', async (t) => {
  const cgroup = requireDriver().create(uniqueName(), {});
  cleanUp(t, cgroup);
  const { child, exited } = spawnHeld('sleep', ['30']);
  t.teardown(() => child.kill('SIGKILL'));
  cgroup.addProcess(child.pid ?? 0);

  const error = t.throws(() => cgroup.remove());
  t.regex(error.message, new RegExp(`still busy .*${child.pid}`));
  cgroup.killAll();
  await exited;
  t.notThrows(() => cgroup.remove());
});

liveTest('creating an existing name throws and leaves the first alone', (t) => {
  const cgroups = requireDriver();
  const name = uniqueName();
  const cgroup = cgroups.create(name, { pids: 5 });
  cleanUp(t, cgroup);
  t.throws(() => cgroups.create(name, { pids: 7 }), { message: new RegExp(`"${name}" already exists`) });
  t.is(read(controllerDir('pids', name), 'pids.max'), '5');
});

liveTest('bad names throw and leave nothing behind', (t) => {
  const cgroups = requireDriver();
  for (const name of ['', '-x', '.hidden', 'a/b', '../escape', 'a b', 'x'.repeat(65)]) {
    t.throws(() => cgroups.create(name, { pids: 5 }), { message: /invalid name/ }, JSON.stringify(name));
    for (const controller of ['memory', 'devices', 'pids', 'cpu', 'cpuacct']) {
      if (name !== '') t.false(existsSync(controllerDir(controller, name)), `${controller}/${name}`);
    }
  }
});

liveTest('a limit the kernel rejects undoes the whole create', (t) => {
  const cgroups = requireDriver();
  const name = uniqueName();
  t.throws(() => cgroups.create(name, { memoryBytes: 64 * MiB, cpus: 0.001 }), {
    message: /writing "100" to .*cpu\.cfs_quota_us failed: EINVAL/,
  });
  for (const controller of ['memory', 'devices', 'pids', 'cpu', 'cpuacct']) {
    t.false(existsSync(controllerDir(controller, name)), controller);
  }
  t.is(cgroups.open(name), null);
});

liveTest('a process that outgrows the memory limit is OOM-killed and counted', async (t) => {
  const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  const cgroup = requireDriver().create(uniqueName(), { memoryBytes: 32 * MiB });
  cleanUp(t, cgroup);
  const { child, release, exited } = spawnHeld(python, ['-c', 'b = b"x" * (200 << 20)']);
  t.teardown(() => child.kill('SIGKILL'));

  cgroup.addProcess(child.pid ?? 0);
  release();
  t.is(await exited, 'SIGKILL');
  const sample = cgroup.memory();
  t.true(sample.oomKills >= 1, `oom_kill is ${sample.oomKills}`);
  t.true(sample.peak >= 30 * MiB, `peak is ${sample.peak}`);
  t.true(sample.peak <= 32 * MiB);
});
