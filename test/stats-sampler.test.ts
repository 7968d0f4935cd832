// StatsSampler against the host's real cgroups (v1 or v2, through the
// runtime's driver), real processes and a real veth pair (run as root inside
// `unshare --net --mount`, as npm test does), and against v2 fixture trees.
import test, { type ExecutionContext, type Implementation } from 'ava';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { detectCgroupDriver } from '../src/runtime/cgroup/detect.js';
import type { Cgroup, CgroupDriver } from '../src/runtime/cgroup/types.js';
import { createV2Driver } from '../src/runtime/cgroup/v2.js';
import { StatsSampler, type StatSample } from '../src/runtime/stats-sampler.js';

const MiB = 1024 * 1024;

function liveDriver(): CgroupDriver | null {
  if (process.getuid?.() !== 0) return null;
  try {
    return detectCgroupDriver();
  } catch {
    return null;
  }
}

const driver = liveDriver();
/** A live test; without root or a usable cgroup hierarchy, skipped with the reason in its title. */
const liveTest = (title: string, implementation: Implementation<[]>) =>
  driver === null ? test.skip(`${title} (skipped: not root, or no usable cgroup hierarchy)`, implementation) : test(title, implementation);

function requireDriver(): CgroupDriver {
  if (driver === null) throw new Error('no cgroup driver');
  return driver;
}

function makeCgroup(t: ExecutionContext, limits = { memoryBytes: 64 * MiB, pids: 32 }): Cgroup {
  const cgroup = requireDriver().create(`stats-${randomBytes(4).toString('hex')}`, limits);
  t.teardown(() => {
    cgroup.killAll('SIGKILL');
    cgroup.remove();
  });
  return cgroup;
}

function makeSampler(t: ExecutionContext, options?: ConstructorParameters<typeof StatsSampler>[0]): StatsSampler {
  const sampler = new StatsSampler(options);
  t.teardown(() => sampler.close());
  return sampler;
}

interface Held {
  child: ChildProcess;
  pid: number;
  release(): void;
  exited: Promise<void>;
}

/** `sh -c 'read x; exec ...'`: it waits on stdin, so it can join the cgroup before it runs. */
function spawnHeld(t: ExecutionContext, script: string): Held {
  const child = spawn('sh', ['-c', `read x; ${script}`], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  if (child.pid === undefined) throw new Error('sh did not start');
  return { child, pid: child.pid, release: () => child.stdin?.write('go\n'), exited };
}

function sampleOf(samples: StatSample[], name: string): StatSample | undefined {
  return samples.find((s) => s.name === name);
}

/** Samples every 20 ms until the predicate holds (or the time is up); returns the last sample. */
async function sampleUntil(
  sampler: StatsSampler,
  name: string,
  predicate: (sample: StatSample) => boolean,
  timeoutMs = 10_000,
): Promise<StatSample | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: StatSample | undefined;
  for (;;) {
    last = sampleOf(sampler.sampleAll(), name);
    if ((last !== undefined && predicate(last)) || Date.now() > deadline) return last;
    await sleep(20);
  }
}

// ------------------------------------------------------------------ live cgroups

liveTest('samples a real cgroup: memory, limit, pids, CPU time and peak', async (t) => {
  const cgroup = makeCgroup(t);
  const sampler = makeSampler(t);
  const held = spawnHeld(t, 'exec python3 -c "b=bytearray(20*1024*1024); import time; time.sleep(30)"');
  cgroup.addProcess(held.pid);
  sampler.add({ name: cgroup.name, cgroup, hostVeth: null });

  const first = sampleOf(sampler.sampleAll(), cgroup.name);
  t.truthy(first);
  t.is(first?.cpuPercent, 0, 'the first sample has no CPU percentage');
  t.is(first?.net, null);
  held.release();

  const sample = await sampleUntil(sampler, cgroup.name, (s) => s.memory.current > 20 * MiB);
  if (sample === undefined) return t.fail('no sample');
  t.true(sample.memory.current > 20 * MiB, `memory.current stayed at ${sample.memory.current}`);
  t.is(sample.memory.limit, 64 * MiB);
  t.true(sample.memory.peak >= sample.memory.current, `peak ${sample.memory.peak} < current ${sample.memory.current}`);
  t.true(sample.pids >= 1, `pids is ${sample.pids}`);
  t.true(sample.cpuNs > 0, 'no CPU time after python started and filled 20 MiB');
  t.is(sample.oomKills, 0);
  t.true(sample.cpuPercent >= 0);
  t.true(sample.at > (first?.at ?? Infinity));

  // What the driver reads the slow way agrees.
  const slow = cgroup.memory();
  t.is(slow.limit, sample.memory.limit);
  t.true(Math.abs(slow.current - sample.memory.current) < 4 * MiB);

  held.child.kill('SIGKILL');
  await held.exited;
  cgroup.remove();
  let after: StatSample[] = [];
  t.notThrows(() => {
    after = sampler.sampleAll();
  });
  t.is(sampleOf(after, cgroup.name), undefined);
  t.false(sampler.has(cgroup.name), 'a removed cgroup is dropped');
  t.deepEqual(sampler.sampleAll(), []);
});

liveTest('cpuPercent is the CPU time between two samples over the time between them', async (t) => {
  const cgroup = makeCgroup(t);
  const sampler = makeSampler(t);
  const held = spawnHeld(t, 'while :; do :; done');
  cgroup.addProcess(held.pid);
  sampler.add({ name: cgroup.name, cgroup, hostVeth: null });
  held.release();
  await sleep(100);

  const a = sampleOf(sampler.sampleAll(), cgroup.name);
  await sleep(400);
  const b = sampleOf(sampler.sampleAll(), cgroup.name);
  if (a === undefined || b === undefined) return t.fail('no sample');
  t.true(b.cpuNs > a.cpuNs, 'a busy loop used no CPU time');
  const expected = ((b.cpuNs - a.cpuNs) / 1e6 / (b.at - a.at)) * 100;
  t.true(Math.abs(b.cpuPercent - expected) < 1e-6, `cpuPercent ${b.cpuPercent}, expected ${expected}`);
  // One shell loop is at most one core busy (some slack for timer granularity).
  t.true(b.cpuPercent > 0 && b.cpuPercent <= 110, `cpuPercent ${b.cpuPercent}`);
  t.log(`one busy loop: ${b.cpuPercent.toFixed(1)}% of a core`);
});

liveTest('an OOM kill is counted', async (t) => {
  const cgroup = makeCgroup(t, { memoryBytes: 32 * MiB, pids: 32 });
  const sampler = makeSampler(t);
  const held = spawnHeld(t, 'exec python3 -c "b = bytearray(200 << 20)"');
  cgroup.addProcess(held.pid);
  sampler.add({ name: cgroup.name, cgroup, hostVeth: null });
  t.is(sampleOf(sampler.sampleAll(), cgroup.name)?.oomKills, 0);
  held.release();
  await held.exited;
  // The count is read every oomEvery (10) ticks, staggered.
  const sample = await sampleUntil(sampler, cgroup.name, (s) => s.oomKills >= 1, 5000);
  t.true((sample?.oomKills ?? 0) >= 1, `oomKills is ${sample?.oomKills}`);
  t.true((sample?.memory.peak ?? 0) >= 30 * MiB, `peak is ${sample?.memory.peak}`);
  t.is(sample?.memory.limit, 32 * MiB);
});

liveTest('add is idempotent by name, remove and close release the container', (t) => {
  const cgroup = makeCgroup(t);
  const sampler = makeSampler(t);
  const target = { name: cgroup.name, cgroup, hostVeth: null };
  sampler.add(target);
  sampler.add(target);
  sampler.add({ ...target });
  t.is(sampler.size, 1);
  t.is(sampler.sampleAll().length, 1);
  sampler.remove(cgroup.name);
  sampler.remove(cgroup.name);
  t.deepEqual(sampler.sampleAll(), []);
  sampler.add(target);
  sampler.close();
  t.deepEqual(sampler.sampleAll(), []);
});

liveTest('adding a cgroup that is already gone adds nothing and says so (false), without an error', (t) => {
  const cgroup = makeCgroup(t);
  cgroup.remove();
  const sampler = makeSampler(t);
  t.false(sampler.add({ name: cgroup.name, cgroup, hostVeth: null }));
  t.is(sampler.size, 0);
  t.deepEqual(sampler.sampleAll(), []);
  const live = makeCgroup(t);
  t.true(sampler.add({ name: live.name, cgroup: live, hostVeth: null }));
  t.is(sampler.size, 1);
});

// ------------------------------------------------------------------ a real veth pair

function links(): string[] {
  return readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.slice(0, line.indexOf(':')).trim())
    .filter((name) => name !== '');
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function hostCounters(link: string): { rx: number; tx: number } {
  const [info] = JSON.parse(ip('-j', '-s', 'link', 'show', 'dev', link)) as [{ stats64: { rx: { bytes: number }; tx: { bytes: number } } }];
  return { rx: info.stats64.rx.bytes, tx: info.stats64.tx.bytes };
}

liveTest('veth counters are swapped to the container\'s point of view', async (t) => {
  // Only inside a network namespace of the test run's own (npm test): a fresh
  // one holds lo, the runtime's ctr-* links and this test's own.
  const foreign = links().filter((link) => link !== 'lo' && !link.startsWith('ctr-') && !link.startsWith('vst'));
  if (foreign.length > 0) {
    return t.fail(`run this in a network namespace of its own (found ${foreign.join(', ')}): use npm test`);
  }
  const id = randomBytes(3).toString('hex');
  const host = `vst${id}h`;
  const peer = `vst${id}p`;
  ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
  t.teardown(() => {
    try {
      ip('link', 'del', host);
    } catch {
      // Already gone (the test deletes it itself).
    }
  });
  // No IPv6, so that nothing but this test's datagrams crosses the pair.
  for (const link of [host, peer]) {
    const knob = `/proc/sys/net/ipv6/conf/${link}/disable_ipv6`;
    if (existsSync(knob)) writeFileSync(knob, '1');
  }
  const subnet = `10.${200 + (randomBytes(1)[0] % 50)}.${randomBytes(1)[0]}`;
  ip('addr', 'add', `${subnet}.1/24`, 'dev', host);
  ip('link', 'set', host, 'up');
  ip('link', 'set', peer, 'up');
  const [peerInfo] = JSON.parse(ip('-j', 'link', 'show', 'dev', peer)) as [{ address: string }];
  // Frames for .77 go to the peer end, which has no address: they arrive and are dropped, unanswered.
  ip('neigh', 'replace', `${subnet}.77`, 'lladdr', peerInfo.address, 'dev', host, 'nud', 'permanent');

  const cgroup = makeCgroup(t);
  const sampler = makeSampler(t);
  sampler.add({ name: 'via-host-end', cgroup, hostVeth: host });
  sampler.add({ name: 'via-peer-end', cgroup, hostVeth: peer });
  sampler.add({ name: 'no-such-link', cgroup, hostVeth: 'vstnothere0' });

  const before = sampler.sampleAll();
  const a0 = sampleOf(before, 'via-host-end')?.net;
  const b0 = sampleOf(before, 'via-peer-end')?.net;
  if (!a0 || !b0) return t.fail('no net counters for the veth pair');
  t.is(sampleOf(before, 'no-such-link')?.net, null);
  t.is(a0.rxRate, 0);

  const count = 20;
  const size = 1000;
  const socket = createSocket('udp4');
  t.teardown(() => socket.close());
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => socket.send(Buffer.alloc(size), 9, `${subnet}.77`, (err) => (err ? reject(err) : resolve())));
  }
  await sleep(50);

  const after = sampler.sampleAll();
  const a1 = sampleOf(after, 'via-host-end')?.net;
  const b1 = sampleOf(after, 'via-peer-end')?.net;
  if (!a1 || !b1) return t.fail('no net counters after the traffic');
  // The host end transmitted the datagrams, so its container received them...
  t.true(a1.rxBytes - a0.rxBytes >= count * size, `container rx grew by ${a1.rxBytes - a0.rxBytes}`);
  t.true(a1.txBytes - a0.txBytes < size, `container tx grew by ${a1.txBytes - a0.txBytes}`);
  t.true(a1.rxRate > 0);
  // ...and seen from the other end, the same bytes were sent by its container.
  t.true(b1.txBytes - b0.txBytes >= count * size, `peer-side container tx grew by ${b1.txBytes - b0.txBytes}`);
  t.true(b1.rxBytes - b0.rxBytes < size);
  const counters = hostCounters(host);
  t.is(a1.rxBytes, counters.tx, "container rx is the host end's tx_bytes");
  t.is(a1.txBytes, counters.rx, "container tx is the host end's rx_bytes");

  // Once the link is gone the container stays, without net counters.
  ip('link', 'del', host);
  const gone = sampler.sampleAll();
  t.is(sampleOf(gone, 'via-host-end')?.net, null);
  t.is(sampleOf(gone, 'via-peer-end')?.net, null);
  t.is(gone.length, 3);
});

// ------------------------------------------------------------------ v2 fixture trees

function v2Fixture(t: ExecutionContext, files: Record<string, string>): { cgroup: Cgroup; write: (file: string, text: string) => void } {
  const root = mkdtempSync(join(tmpdir(), 'ctr-tui-stats-v2-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
  writeFileSync(join(root, 'cgroup.subtree_control'), '');
  // A fixture tree has no cgroup to attach the device program to (test/cgroup-v2.test.ts covers it).
  const cgroup = createV2Driver(root, 'ctr-tui', () => undefined).create('box', {});
  const dir = cgroup.paths[0];
  // writeFileSync truncates the same inode, so the sampler's held fds see the new text.
  const write = (file: string, text: string): void => writeFileSync(join(dir, file), text);
  for (const [file, text] of Object.entries(files)) write(file, text);
  return { cgroup, write };
}

const CPU_STAT = (usec: number): string =>
  `usage_usec ${usec}\nuser_usec ${Math.floor(usec / 2)}\nsystem_usec ${Math.ceil(usec / 2)}\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n`;
const MEMORY_EVENTS = (kills: number): string => `low 0\nhigh 0\nmax 7\noom ${kills}\noom_kill ${kills}\noom_group_kill 0\n`;

test('v2: memory.current, memory.max "max", cpu.stat usage_usec, memory.events oom_kill, pids.current', (t) => {
  const { cgroup, write } = v2Fixture(t, {
    'memory.current': '1048576\n',
    'memory.max': 'max\n',
    'pids.current': '3\n',
    'cpu.stat': CPU_STAT(1500),
    'memory.events': MEMORY_EVENTS(2),
  });
  const sampler = makeSampler(t, { idleRefreshEvery: 1, oomEvery: 1 });
  sampler.add({ name: 'box', cgroup, hostVeth: null });
  const [first] = sampler.sampleAll();
  t.like(first, { name: 'box', memory: { current: MiB, peak: MiB, limit: null }, pids: 3, cpuNs: 1_500_000, cpuPercent: 0, oomKills: 2, net: null });

  // Without memory.peak, the peak is the highest usage seen.
  write('memory.current', '4194304\n');
  write('cpu.stat', CPU_STAT(2500));
  t.like(sampler.sampleAll()[0], { memory: { current: 4 * MiB, peak: 4 * MiB }, cpuNs: 2_500_000 });
  write('memory.current', '2097152\n');
  write('memory.events', MEMORY_EVENTS(3));
  const third = sampler.sampleAll()[0];
  t.like(third, { memory: { current: 2 * MiB, peak: 4 * MiB }, oomKills: 3 });
  t.true(third.cpuPercent === 0, 'CPU time did not move');
});

test('v2: a numeric memory.max is the limit, and memory.peak is used when present', (t) => {
  const { cgroup, write } = v2Fixture(t, {
    'memory.current': '1000\n',
    'memory.peak': '9000\n',
    'memory.max': '67108864\n',
    'pids.current': '1\n',
    'cpu.stat': CPU_STAT(0),
    'memory.events': MEMORY_EVENTS(0),
  });
  const sampler = makeSampler(t, { idleRefreshEvery: 1 });
  sampler.add({ name: 'box', cgroup, hostVeth: null });
  t.like(sampler.sampleAll()[0], { memory: { current: 1000, peak: 9000, limit: 64 * MiB } });
  write('memory.peak', '12000\n');
  t.like(sampler.sampleAll()[0], { memory: { current: 1000, peak: 12000 } });
});

test('an idle container (CPU time unchanged) is re-read only every idleRefreshEvery ticks', (t) => {
  const { cgroup, write } = v2Fixture(t, {
    'memory.current': '1000\n',
    'memory.max': 'max\n',
    'pids.current': '1\n',
    'cpu.stat': CPU_STAT(100),
    'memory.events': MEMORY_EVENTS(0),
  });
  const sampler = makeSampler(t, { idleRefreshEvery: 4 });
  sampler.add({ name: 'box', cgroup, hostVeth: null });
  t.is(sampler.sampleAll()[0].memory.current, 1000);
  write('memory.current', '5000\n');
  write('pids.current', '2\n');
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) seen.push(sampler.sampleAll()[0].memory.current);
  t.deepEqual([...new Set(seen)].sort(), [1000, 5000], `usage across 4 idle ticks: ${seen.join(', ')}`);
  t.is(seen[3], 5000);
  // Once the CPU time moves, the next tick reads everything.
  write('memory.current', '7000\n');
  write('cpu.stat', CPU_STAT(200));
  t.like(sampler.sampleAll()[0], { memory: { current: 7000 }, pids: 2 });
});

test('network counters come from /proc/net/dev, swapped to the container\'s point of view', (t) => {
  const { cgroup } = v2Fixture(t, { 'memory.current': '0\n', 'memory.max': 'max\n', 'cpu.stat': CPU_STAT(0), 'memory.events': MEMORY_EVENTS(0) });
  const dir = mkdtempSync(join(tmpdir(), 'ctr-tui-stats-netdev-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const procNetDev = join(dir, 'dev');
  const line = (name: string, rx: number, tx: number): string =>
    `${name.padStart(6)}: ${String(rx).padStart(7)}      10    0    0    0     0          0         0 ${String(tx).padStart(8)}      20    0    0    0     0       0          0\n`;
  const write = (rows: string): void =>
    writeFileSync(
      procNetDev,
      'Inter-|   Receive                                                |  Transmit\n' +
        ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
        rows,
    );
  write(line('lo', 5, 5) + line('ctr-a', 100, 2000) + line('ctr-abcdefghijk', 1, 2) + line('ctr-b', 7, 8));
  const sampler = makeSampler(t, { procNetDev });
  sampler.add({ name: 'a', cgroup, hostVeth: 'ctr-a' });
  sampler.add({ name: 'long', cgroup, hostVeth: 'ctr-abcdefghijk' });
  sampler.add({ name: 'none', cgroup, hostVeth: null });
  const first = sampler.sampleAll();
  t.deepEqual(sampleOf(first, 'a')?.net, { rxBytes: 2000, txBytes: 100, rxRate: 0, txRate: 0 });
  t.deepEqual(sampleOf(first, 'long')?.net, { rxBytes: 2, txBytes: 1, rxRate: 0, txRate: 0 });
  t.is(sampleOf(first, 'none')?.net, null);

  write(line('lo', 5, 5) + line('ctr-a', 1100, 5000));
  const second = sampler.sampleAll();
  const net = sampleOf(second, 'a')?.net;
  t.is(net?.rxBytes, 5000);
  t.is(net?.txBytes, 1100);
  t.true((net?.rxRate ?? 0) > 0 && (net?.txRate ?? 0) > 0);
  t.true(Math.abs((net?.rxRate ?? 0) / (net?.txRate ?? 1) - 3) < 1e-9, 'rates are bytes over the same interval');
  t.is(sampleOf(second, 'long')?.net, null, 'a link that is no longer listed has no counters');
});
