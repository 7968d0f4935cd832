// The cgroup v2 suite: ctr-tui on a pure v2 hierarchy, checked against the
// kernel's own files. scripts/vm-v2.sh runs it in a VM (Debian's kernel,
// nothing v1 mounted); it also runs on any pure-v2 host as root:
// `node_modules/.bin/ava --config test/vm-v2/ava.config.js` in a sandbox.
// Node under software emulation is 10-20 times slower, so each test starts
// few CLI processes, and the file runs serially with long timeouts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { cgroupDriver } from '../../src/runtime/container.js';
import type { RuntimeEvent } from '../../src/runtime/runtime.js';
import { assertSandboxed, leftovers, lines, processesIn, waitUntil } from '../helpers/container.js';
import { makeLab, type Lab } from '../helpers/lifecycle.js';

assertSandboxed();

const MiB = 1024 * 1024;
const root = '/sys/fs/cgroup';
const driver = cgroupDriver();
const read = (file: string): string => readFileSync(file, 'utf8').trim();
const keyed = (file: string, key: string): number => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(read(file))?.[1] ?? NaN);
const words = (file: string): string[] => read(file).split(/\s+/).filter(Boolean).sort();
const pidsOf = (file: string): number[] => lines(read(file)).map(Number);
const cgroupOf = (name: string): string => path.join(driver.containersDir.dir, name);
/** Long: every CLI process takes seconds under emulation. */
const slow = { timeoutMs: 600_000 };
const began = Date.now();
/** A progress line on the console as it happens (t.log shows only at the end, and a step can take a minute here). */
const step = (what: string): void => {
  process.stderr.write(`  [vm-v2 +${((Date.now() - began) / 1000).toFixed(1)} s] ${what}\n`);
};
let counter = 0;
const nameFor = (prefix: string): string => `${prefix}${process.pid.toString(36)}${(counter++).toString(36)}`;

/** `events --json` of the lab's state dir for NAMES, started (and watching) before their containers. */
async function eventsWatcher(t: ExecutionContext, lab: Lab, names: string[]) {
  const probe = nameFor('vprb');
  lab.track(probe);
  step('events --json: waiting until it watches');
  const watcher = lab.start(['events', '--json', ...[...names, probe].flatMap((name) => ['--filter', `name=${name}`])], slow);
  t.teardown(() => watcher.signal('SIGTERM'));
  // It is watching once a container's events reach it.
  while (!watcher.stdout().includes(probe)) {
    t.is((await lab.cli(['run', '--name', probe, '--no-net', '--', 'true'], slow)).code, 0);
  }
  step('events --json is watching');
  return {
    events: (name: string): RuntimeEvent[] => lines(watcher.stdout()).map((l) => JSON.parse(l) as RuntimeEvent).filter((e) => e.name === name),
    async waitFor(kind: RuntimeEvent['kind'], name: string): Promise<void> {
      await watcher.waitForStdout(new RegExp(`"kind":"${kind}","name":"${name}"`), 300_000);
    },
  };
}

test.beforeEach((t) => step(`begin: ${t.title}`));

test.serial('the runtime finds cgroup v2 at /sys/fs/cgroup, and nothing v1 is mounted', (t) => {
  t.is(driver.version, 2);
  t.is(driver.containersDir.dir, path.join(root, 'ctr-tui'));
  const v1 = lines(readFileSync('/proc/mounts', 'utf8')).filter((line) => line.split(' ')[2] === 'cgroup');
  t.deepEqual(v1, [], 'no cgroup v1 mount');
  t.true(words(path.join(root, 'cgroup.controllers')).includes('memory'));
});

test.serial('run -d --memory 48M --pids 20 --cpus 0.5: limits written, controllers handed down, stats match the files, exec joins, pids and CPU enforced, rm -f removes it', async (t) => {
  const lab = makeLab(t, { timeoutMs: 900_000 });
  const name = nameFor('vlim');
  lab.track(name);
  step('run -d with limits');
  const run = await lab.cli(['run', '-d', '--name', name, '--memory', '48M', '--pids', '20', '--cpus', '0.5', '--no-net', '--', 'sh', '-c', 'exec sleep 600'], slow);
  t.is(run.code, 0, run.stderr);
  const dir = cgroupOf(name);
  t.is(driver.open(name)?.paths[0], dir);

  // The limits, as the kernel reads them back.
  t.is(read(path.join(dir, 'memory.max')), String(48 * MiB));
  t.is(read(path.join(dir, 'memory.swap.max')), '0');
  t.is(read(path.join(dir, 'pids.max')), '20');
  t.is(read(path.join(dir, 'cpu.max')), '50000 100000');

  // The controllers: enabled at the root and in ctr-tui/, and only the three it uses there.
  for (const controller of ['cpu', 'memory', 'pids']) t.true(words(path.join(root, 'cgroup.subtree_control')).includes(controller), controller);
  t.deepEqual(words(path.join(root, 'ctr-tui', 'cgroup.subtree_control')), ['cpu', 'memory', 'pids']);
  t.deepEqual(words(path.join(dir, 'cgroup.controllers')), ['cpu', 'memory', 'pids']);
  t.deepEqual(words(path.join(dir, 'cgroup.subtree_control')), []);
  t.deepEqual(pidsOf(path.join(root, 'ctr-tui', 'cgroup.procs')), [], 'no process in the parent (v2 hands controllers only to cgroups without processes)');

  // Its init is the cgroup's only process; its monitor is outside it.
  const info = await lab.inspect(name);
  t.is(info.state, 'running');
  const initPid = info.pid!;
  t.deepEqual(pidsOf(path.join(dir, 'cgroup.procs')), [initPid]);
  t.false(pidsOf(path.join(dir, 'cgroup.procs')).includes(info.monitorPid!));

  // Stats: between two readings of the files around the sample.
  const before = { current: read(path.join(dir, 'memory.current')), cpu: keyed(path.join(dir, 'cpu.stat'), 'usage_usec') };
  step('stats --json');
  const stats = await lab.cli(['stats', '--json', name], slow);
  const after = { cpu: keyed(path.join(dir, 'cpu.stat'), 'usage_usec') };
  t.is(stats.code, 0, stats.stderr);
  const [sample] = JSON.parse(stats.stdout) as Array<{ memory: { current: number; peak: number; limit: number }; pids: number; cpuNs: number; oomKills: number }>;
  t.is(sample.memory.limit, 48 * MiB);
  t.is(sample.memory.peak, Number(read(path.join(dir, 'memory.peak'))), 'peak is memory.peak');
  t.true(Math.abs(sample.memory.current - Number(before.current)) < 2 * MiB, `current ${sample.memory.current} vs memory.current ${before.current}`);
  t.is(sample.pids, Number(read(path.join(dir, 'pids.current'))));
  t.is(sample.pids, 1);
  t.true(sample.cpuNs >= before.cpu * 1000 && sample.cpuNs <= after.cpu * 1000, `cpuNs ${sample.cpuNs} within cpu.stat usage_usec ${before.cpu}..${after.cpu} (µs)`);
  t.is(sample.oomKills, 0);

  // exec joins the container's cgroup: "/" from inside (its cgroup namespace), the pid in cgroup.procs from outside.
  step('exec: /proc/self/cgroup inside, cgroup.procs outside');
  const held = lab.start(['exec', '-T', name, 'sh', '-c', 'cat /proc/self/cgroup; echo inside $$; exec sleep 600'], slow);
  held.endInput();
  const [, inner] = await held.waitForStdout(/inside (\d+)/, 300_000);
  t.is(lines(held.stdout())[0], '0::/');
  const procs = await waitUntil(() => (pidsOf(path.join(dir, 'cgroup.procs')).length === 2 ? pidsOf(path.join(dir, 'cgroup.procs')) : null), 'the exec\'d process in cgroup.procs', 60_000);
  t.true(procs.includes(initPid));
  const execd = procs.find((pid) => pid !== initPid)!;
  t.regex(read(`/proc/${execd}/status`), new RegExp(`^NSpid:\\s+${execd}\\s+${inner}$`, 'm'), 'the host pid is the one that said its pid inside');
  process.kill(execd, 'SIGKILL');
  t.is((await held.result).code, 137, 'exec exits with its process\'s status');

  // cpu.max and pids.max hold, in one exec (each process costs seconds here): a busy
  // loop for 3 s is throttled to half a core; then 30 sleeps asked for, at most 20
  // processes at once, counted from inside without a fork. (Last: the sleeps outlive
  // the exec, as zombies of an init that never reaps them.)
  step('exec: a busy loop under cpu.max, then 30 sleeps under pids.max');
  const throttledBefore = keyed(path.join(dir, 'cpu.stat'), 'nr_throttled');
  const usageBefore = keyed(path.join(dir, 'cpu.stat'), 'usage_usec');
  const throttledUsecBefore = keyed(path.join(dir, 'cpu.stat'), 'throttled_usec');
  // A failed fork ends a shell (status 2): the sleeps are forked by a subshell.
  const script = 'timeout 3 sh -c "while :; do :; done"; echo busy $?; (for i in $(seq 30); do sleep 5 & done) 2>/dev/null; set -- /proc/[0-9]*; echo most $#';
  const both = await lab.cli(['exec', '-T', name, 'sh', '-c', script], slow);
  t.is(both.code, 0, both.stderr);
  // coreutils' timeout says 124; busybox's returns the TERM'd shell's 143.
  t.regex(both.stdout, /^busy (124|143)$/m);
  const cpu = read(path.join(dir, 'cpu.stat'));
  t.true(keyed(path.join(dir, 'cpu.stat'), 'nr_throttled') > throttledBefore, cpu);
  // The kernel's own word that the quota held the loop back. (A bound on the CPU used
  // is not kept: under emulation, starting the exec's processes costs seconds of CPU too.)
  const used = keyed(path.join(dir, 'cpu.stat'), 'usage_usec') - usageBefore;
  t.true(keyed(path.join(dir, 'cpu.stat'), 'throttled_usec') > throttledUsecBefore, `${used} µs of CPU used, never throttled: ${cpu}`);
  const most = Number(/^most (\d+)$/m.exec(both.stdout)?.[1]);
  t.true(most >= 15 && most <= 20, `processes inside at once: ${both.stdout}`);
  t.true(keyed(path.join(dir, 'pids.events'), 'max') > 0, `pids.events: ${read(path.join(dir, 'pids.events'))}`);
  t.true(Number(read(path.join(dir, 'pids.current'))) <= 20);

  step('rm -f');
  const rm = await lab.cli(['rm', '-f', name], slow);
  t.is(rm.code, 0, rm.stderr);
  await waitUntil(() => !existsSync(dir), `${dir} removed`, 60_000);
  t.deepEqual(leftovers(name), []);
});

test.serial('OOM: hungry as the init of a foreground run, and exec\'d in a run -d container, is killed, counted in memory.events and named, by the CLI and by events --json in another process', async (t) => {
  const lab = makeLab(t, { timeoutMs: 900_000 });
  const [fg, bg] = [nameFor('vfg'), nameFor('vex')];
  lab.track(fg, bg);
  const watcher = await eventsWatcher(t, lab, [fg, bg]);
  const killOf = (name: string) => watcher.events(name).flatMap((e) => (e.kind === 'oom-kill' ? [e.kill] : []));

  // The init of a foreground run.
  step('run hungry in the foreground');
  const run = await lab.cli(['run', '--name', fg, '--memory', '32M', '--no-net', '--', '/var/shared_folder/hungry', '--step', '4', '--interval', '20'], slow);
  t.is(run.code, 137, run.stderr);
  t.is(run.stderr, `ctr-tui: OOM kill in ${fg}: hungry (pid 1) hit the 32 MiB memory limit\n`);
  await watcher.waitFor('removed', fg);
  t.deepEqual(watcher.events(fg).map((e) => e.kind), ['created', 'started', 'oom-kill', 'exited', 'removed']);
  t.like(killOf(fg)[0], { comm: 'hungry', pid: 1, limit: 32 * MiB, count: 1 });
  const exited = watcher.events(fg).find((e): e is Extract<RuntimeEvent, { kind: 'exited' }> => e.kind === 'exited')!;
  t.like(exited.exit, { oomKills: 1 });
  t.false(existsSync(cgroupOf(fg)));
  t.deepEqual(leftovers(fg), []);

  // An exec'd process of a detached container: it alone is killed.
  step('run -d, then exec hungry');
  t.is((await lab.cli(['run', '-d', '--name', bg, '--memory', '32M', '--no-net', '--', 'sh', '-c', 'exec sleep 600'], slow)).code, 0);
  const dir = cgroupOf(bg);
  const exec = await lab.cli(['exec', '-T', bg, 'sh', '-c', 'echo victim $$; exec /var/shared_folder/hungry --step 4 --interval 20 >/dev/null'], slow);
  t.is(exec.code, 137, exec.stderr);
  const victim = Number(/^victim (\d+)$/m.exec(exec.stdout)?.[1]);
  t.is(keyed(path.join(dir, 'memory.events'), 'oom_kill'), 1, read(path.join(dir, 'memory.events')));
  step('stats --json after the kill');
  const stats = JSON.parse((await lab.cli(['stats', '--json', bg], slow)).stdout) as Array<{ oomKills: number }>;
  t.is(stats[0].oomKills, 1);
  await watcher.waitFor('oom-kill', bg);
  t.is(killOf(bg).length, 1, JSON.stringify(killOf(bg)));
  t.like(killOf(bg)[0], { comm: 'hungry', pid: victim, limit: 32 * MiB });
  t.deepEqual(pidsOf(path.join(dir, 'cgroup.procs')).length, 1, 'the init lives on');
  step('rm -f');
  t.is((await lab.cli(['rm', '-f', bg], slow)).code, 0);
  await waitUntil(() => !existsSync(dir), `${dir} removed`, 60_000);
  t.deepEqual(leftovers(bg), []);
});

test.serial('run -d under its monitor: the exit is recorded and the monitor removes the cgroup by itself', async (t) => {
  const lab = makeLab(t, { timeoutMs: 900_000 });
  const name = nameFor('vexit');
  lab.track(name);
  t.is((await lab.cli(['run', '-d', '--name', name, '--memory', '32M', '--no-net', '--', 'sh', '-c', 'sleep 1; exit 3'], slow)).code, 0);
  // The monitor writes exit.json; then one inspect (each CLI process costs seconds here).
  await waitUntil(() => existsSync(path.join(lab.dir, name, 'exit.json')), 'the monitor\'s exit.json', 300_000);
  const exited = await lab.inspect(name);
  t.is(exited.state, 'exited');
  t.like(exited.exit, { code: 3, oomKills: 0 });
  await waitUntil(() => !existsSync(cgroupOf(name)), 'the cgroup removed by the monitor', 60_000);
  t.deepEqual(processesIn(name), []);
  t.is((await lab.cli(['rm', name], slow)).code, 0);
  t.deepEqual(leftovers(name), []);
});

test.serial('devices: the v2 device program refuses a block device inside; the usual devices work', async (t) => {
  const lab = makeLab(t, { timeoutMs: 900_000 });
  const name = nameFor('vdev');
  lab.track(name);
  const script = 'mknod /dev/probe-loop b 7 0 && echo made; (exec 3</dev/probe-loop) 2>&1; echo x >/dev/null && echo null-ok; head -c 3 /dev/urandom | wc -c';
  const result = await lab.cli(['run', '--name', name, '--no-net', '--', 'sh', '-c', script], slow);
  t.is(result.code, 0, result.stderr);
  const out = lines(result.stdout);
  t.is(out[0], 'made');
  t.regex(out[1], /probe-loop: Operation not permitted/);
  t.deepEqual(out.slice(2), ['null-ok', '3']);
  t.deepEqual(leftovers(name), []);
});

test.serial('anatomy on v2: the limit files by their v2 names with the kernel\'s values; inside, /sys/fs/cgroup is its own cgroup, read-only; the trace has the v2 writes', async (t) => {
  const lab = makeLab(t, { timeoutMs: 900_000 });
  const name = nameFor('vana');
  lab.track(name);
  step('run -d with limits, for its anatomy');
  const run = await lab.cli(['run', '-d', '--name', name, '--memory', '40M', '--pids', '12', '--no-net', '--', 'sh', '-c', 'exec sleep 600'], slow);
  t.is(run.code, 0, run.stderr);
  const dir = cgroupOf(name);
  step('inspect --anatomy --json');
  const inspected = await lab.cli(['inspect', '--anatomy', '--json', name], slow);
  t.is(inspected.code, 0, inspected.stderr);
  const anatomy = JSON.parse(inspected.stdout) as { cgroup: { version: number; paths: string[]; files: Array<{ file: string; path: string; value: string | null }> } };
  t.is(anatomy.cgroup.version, 2);
  t.deepEqual(anatomy.cgroup.paths, [dir]);
  t.deepEqual(anatomy.cgroup.files.map((f) => f.file), ['memory.max', 'memory.current', 'memory.peak', 'memory.swap.max', 'memory.events', 'pids.max', 'pids.current', 'cpu.max']);
  const value = (file: string) => anatomy.cgroup.files.find((f) => f.file === file)!;
  for (const file of ['memory.max', 'memory.swap.max', 'pids.max', 'cpu.max']) {
    t.is(value(file).path, path.join(dir, file));
    t.is(value(file).value, read(path.join(dir, file)), file);
  }
  t.is(value('memory.max').value, String(40 * MiB));
  t.is(value('cpu.max').value, 'max 100000');
  t.regex(value('memory.events').value ?? '', /^oom_kill 0$/m);
  step('exec: its cgroup read-only at /sys/fs/cgroup');
  const inside = await lab.cli(['exec', '-T', name, 'sh', '-c', 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; echo 1 > /sys/fs/cgroup/memory.max; echo status=$?; grep -c " /sys/fs/cgroup .*cgroup2" /proc/self/mountinfo'], slow);
  t.deepEqual(lines(inside.stdout), [String(40 * MiB), '12', 'status=2', '1'], inside.stderr);
  t.regex(inside.stderr, /Read-only file system/);
  t.is(read(path.join(dir, 'memory.max')), String(40 * MiB), 'the host\'s file is unchanged');
  step('inspect --trace --json');
  const traced = await lab.cli(['inspect', '--trace', '--json', name], slow);
  const steps = (JSON.parse(traced.stdout) as { steps: Array<{ step: string; detail: string }> }).steps.map((s) => `${s.step}  ${s.detail}`);
  t.true(steps.includes(`write cgroup file  ${path.join(dir, 'memory.max')} = ${40 * MiB}`), steps.join('\n'));
  t.true(steps.includes('mount cgroup2 (read-only) on  /sys/fs/cgroup'), steps.join('\n'));
  step('rm -f');
  t.is((await lab.cli(['rm', '-f', name], slow)).code, 0);
  t.deepEqual(leftovers(name), []);
});

test.serial('nothing left behind: no container cgroup under ctr-tui/, no process in it', (t) => {
  const parent = driver.containersDir.dir;
  const dirs = existsSync(parent) ? readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
  t.deepEqual(dirs, []);
  if (existsSync(parent)) t.deepEqual(pidsOf(path.join(parent, 'cgroup.procs')), []);
});
