import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectCgroupDriver } from '../src/runtime/cgroup/detect.js';
import type { Cgroup } from '../src/runtime/cgroup/types.js';
import { createV2Driver } from '../src/runtime/cgroup/v2.js';

const MiB = 1024 * 1024;
const CGROUP2_SUPER_MAGIC = 0x63677270;
const UNIFIED = '/sys/fs/cgroup/unified';

/** A temp dir shaped like a cgroup2 root; plain mkdir creates no files, so tests add the kernel's files. */
function makeFixture(t: ExecutionContext, controllers = 'cpu memory pids', subtreeControl = ''): string {
  const root = mkdtempSync(join(tmpdir(), 'ctr-tui-cgroup-v2-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'cgroup.controllers'), `${controllers}\n`);
  writeFileSync(join(root, 'cgroup.subtree_control'), subtreeControl);
  return root;
}

function read(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

function fill(cgroup: Cgroup, files: Record<string, string>): void {
  const dir = cgroup.paths[0] ?? '';
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
}

test('create writes memory.max, memory.swap.max, pids.max and cpu.max', (t) => {
  const root = makeFixture(t);
  const cgroup = createV2Driver(root).create('box', { memoryBytes: 64 * MiB, pids: 100, cpus: 0.5 });
  const dir = join(root, 'ctr-tui', 'box');

  t.is(cgroup.version, 2);
  t.deepEqual(cgroup.paths, [dir]);
  t.is(read(join(dir, 'memory.max')), String(64 * MiB));
  t.is(read(join(dir, 'memory.swap.max')), '0');
  t.is(read(join(dir, 'pids.max')), '100');
  t.is(read(join(dir, 'cpu.max')), '50000 100000');
  t.deepEqual(cgroup.files, {
    memoryCurrent: join(dir, 'memory.current'),
    procs: join(dir, 'cgroup.procs'),
    oomWatch: { kind: 'v2-inotify', memoryEvents: join(dir, 'memory.events') },
  });
});

test('create enables +memory +pids +cpu in the root and in the parent', (t) => {
  const root = makeFixture(t);
  createV2Driver(root).create('box', {});
  t.is(read(join(root, 'cgroup.subtree_control')), '+memory +pids +cpu');
  t.is(read(join(root, 'ctr-tui', 'cgroup.subtree_control')), '+memory +pids +cpu');
});

test('create enables only controllers that are listed and not yet enabled', (t) => {
  const root = makeFixture(t, 'memory pids io', 'memory');
  createV2Driver(root).create('box', { memoryBytes: MiB });
  t.is(read(join(root, 'cgroup.subtree_control')), '+pids');
  t.is(read(join(root, 'ctr-tui', 'cgroup.subtree_control')), '+memory +pids');
});

test('a limit whose controller is missing throws naming it and leaves nothing', (t) => {
  const root = makeFixture(t, 'memory pids');
  t.throws(() => createV2Driver(root).create('box', { memoryBytes: MiB, cpus: 0.5 }), {
    message: /the cpu controller is not available in .*cgroup\.controllers \(it lists: memory pids\)/,
  });
  t.deepEqual(readdirSync(root).sort(), ['cgroup.controllers', 'cgroup.subtree_control']);
  t.is(read(join(root, 'cgroup.subtree_control')), '');
});

test('memory() reads current, peak, limit and oom_kill', (t) => {
  const cgroup = createV2Driver(makeFixture(t)).create('box', { memoryBytes: 64 * MiB });
  fill(cgroup, {
    'memory.current': '1234\n',
    'memory.peak': '5000\n',
    'memory.events': 'low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n',
  });
  t.deepEqual(cgroup.memory(), { current: 1234, peak: 5000, limit: 64 * MiB, oomKills: 2 });
});

test('memory.max "max" is no limit, and a missing oom_kill line is 0', (t) => {
  const cgroup = createV2Driver(makeFixture(t)).create('box', {});
  fill(cgroup, { 'memory.current': '10\n', 'memory.peak': '10\n', 'memory.max': 'max\n', 'memory.events': 'low 0\n' });
  t.is(cgroup.memory().limit, null);
  t.is(cgroup.memory().oomKills, 0);
});

test('without memory.peak the peak is the largest current seen', (t) => {
  const cgroup = createV2Driver(makeFixture(t)).create('box', {});
  fill(cgroup, { 'memory.max': 'max\n', 'memory.events': 'oom_kill 0\n' });
  const peaks = [100, 300, 200].map((current) => {
    fill(cgroup, { 'memory.current': `${current}\n` });
    return cgroup.memory().peak;
  });
  t.deepEqual(peaks, [100, 300, 300]);
});

test('pids, processes and cpu usage are parsed', (t) => {
  const cgroup = createV2Driver(makeFixture(t)).create('box', {});
  cgroup.addProcess(41);
  t.is(read(join(cgroup.paths[0] ?? '', 'cgroup.procs')), '41');
  fill(cgroup, { 'cgroup.procs': '41\n42\n', 'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n' });
  t.deepEqual(cgroup.processes(), [41, 42]);
  t.is(cgroup.pids(), 2);
  fill(cgroup, { 'pids.current': '3\n' });
  t.is(cgroup.pids(), 3);
  t.is(cgroup.cpuUsageNs(), 1_500_000);
});

test('killAll writes cgroup.kill when the kernel has it', (t) => {
  const cgroup = createV2Driver(makeFixture(t)).create('box', {});
  fill(cgroup, { 'cgroup.kill': '' });
  cgroup.killAll();
  t.is(read(join(cgroup.paths[0] ?? '', 'cgroup.kill')), '1');
});

test('killAll signals every listed pid when there is no cgroup.kill', async (t) => {
  const cgroup = createV2Driver(makeFixture(t)).create('box', {});
  const child = spawn('sleep', ['30']);
  t.teardown(() => child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  fill(cgroup, { 'cgroup.procs': `${child.pid}\n` });
  cgroup.killAll('SIGTERM');
  t.is(await exited, 'SIGTERM');
});

test('create refuses an existing name or a bad name; open and list see what exists', (t) => {
  const root = makeFixture(t);
  const cgroups = createV2Driver(root);
  cgroups.create('box', { pids: 5 });
  t.throws(() => cgroups.create('box', { pids: 6 }), { message: /"box" already exists/ });
  t.is(read(join(root, 'ctr-tui', 'box', 'pids.max')), '5');
  t.throws(() => cgroups.create('../up', {}), { message: /invalid name "\.\.\/up"/ });
  t.false(existsSync(join(root, 'up')));
  t.deepEqual(cgroups.list(), ['box']);
  t.is(cgroups.open('box')?.paths[0], join(root, 'ctr-tui', 'box'));
  t.is(cgroups.open('nothing'), null);
  t.is(cgroups.open('../etc'), null);
});

test('detect honours CTR_TUI_CGROUP', (t) => {
  t.is(detectCgroupDriver('/sys/fs/cgroup', { CTR_TUI_CGROUP: 'v2' }).version, 2);
  t.is(detectCgroupDriver('/sys/fs/cgroup', { CTR_TUI_CGROUP: 'v1' }).version, 1);
  t.throws(() => detectCgroupDriver('/sys/fs/cgroup', { CTR_TUI_CGROUP: 'v3' }), {
    message: 'CTR_TUI_CGROUP must be "v1" or "v2", not "v3"',
  });
});

test('detect finds v1 on this hybrid machine', (t) => {
  t.is(detectCgroupDriver('/sys/fs/cgroup', {}).version, 1);
  if (process.env.CTR_TUI_CGROUP === undefined) t.is(detectCgroupDriver().version, 1);
});

test('detect takes a plain dir with memory/ for v1 and throws on an empty one', (t) => {
  const root = makeFixture(t);
  t.throws(() => detectCgroupDriver(root, {}), { message: /no usable cgroup hierarchy at .*CTR_TUI_CGROUP/ });
  mkdirSync(join(root, 'memory'));
  t.is(detectCgroupDriver(root, {}).version, 1);
});

const hasUnified = existsSync(UNIFIED) && statfsSync(UNIFIED).type === CGROUP2_SUPER_MAGIC;
const unifiedTest = hasUnified ? test : test.skip;

unifiedTest('detect ignores a cgroup2 mount without the memory controller', (t) => {
  const controllers = read(join(UNIFIED, 'cgroup.controllers')).split(/\s+/);
  if (controllers.includes('memory')) return t.pass();
  t.throws(() => detectCgroupDriver(UNIFIED, {}), { message: /no usable cgroup hierarchy/ });
});

unifiedTest('live on the controller-less v2 mount: join, cpu.stat, cgroup.kill, remove', async (t) => {
  const cgroups = createV2Driver(UNIFIED);
  const name = `test-${randomBytes(4).toString('hex')}`;
  if (!read(join(UNIFIED, 'cgroup.controllers')).includes('memory')) {
    t.throws(() => cgroups.create(name, { memoryBytes: 64 * MiB }), { message: /the memory controller is not available/ });
    t.false(existsSync(join(UNIFIED, 'ctr-tui', name)));
  }
  const cgroup = cgroups.create(name, {});
  t.teardown(() => {
    cgroup.killAll();
    cgroup.remove();
  });
  const child = spawn('sh', ['-c', 'read go && exec sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.teardown(() => child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  cgroup.addProcess(child.pid ?? 0);
  child.stdin.write('go\n');

  t.deepEqual(cgroup.processes(), [child.pid]);
  t.is(cgroup.pids(), 1);
  t.true(cgroups.list().includes(name));
  cgroup.killAll();
  t.is(await exited, 'SIGKILL');
  t.true(cgroup.cpuUsageNs() > 0);
  cgroup.remove();
  t.false(existsSync(join(UNIFIED, 'ctr-tui', name)));
  t.is(cgroups.open(name), null);
});
