// The anatomy of a running container, read live (inspect --anatomy), the trace of its birth
// (inspect --trace), and its own cgroup read-only at /sys/fs/cgroup inside: checked against the
// kernel's own files, on both sides, for containers with and without network, limits and shares.
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { ContainerAnatomy } from '../src/runtime/anatomy/index.js';
import { namespaceTypes } from '../src/runtime/anatomy/namespaces.js';
import type { BirthTrace } from '../src/runtime/birth-trace.js';
import { cgroupDriver } from '../src/runtime/container.js';
import { keptCapabilities } from '../src/runtime/spec.js';
import { assertSandboxed, lines, startApi, uniqueName, waitUntil } from './helpers/container.js';
import { eventually, isOneErrorLine, makeLab, residue, settle, type Lab } from './helpers/lifecycle.js';

assertSandboxed();

const MiB = 1024 * 1024;
// This file's own subnet, so it never asks for an address another file uses.
const subnet = '10.0.5';

async function runDetached(lab: Lab, args: string[], env?: NodeJS.ProcessEnv): Promise<{ name: string; pid: number }> {
  const name = uniqueName('an');
  lab.track(name);
  const run = await lab.cli(['run', '-d', '--name', name, ...args], { env });
  if (run.code !== 0) throw new Error(`run -d failed: ${run.stderr}`);
  const { pid } = await lab.inspect(name);
  return { name, pid: pid! };
}

async function anatomyOf(lab: Lab, name: string): Promise<ContainerAnatomy> {
  const result = await lab.cli(['inspect', '--anatomy', '--json', name]);
  if (result.code !== 0) throw new Error(`inspect --anatomy failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as ContainerAnatomy;
}

async function traceOf(lab: Lab, name: string): Promise<BirthTrace | null> {
  const result = await lab.cli(['inspect', '--trace', '--json', name]);
  if (result.code !== 0) throw new Error(`inspect --trace failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as BirthTrace | null;
}

async function removeAndCheck(t: ExecutionContext, lab: Lab, name: string): Promise<void> {
  const rm = await lab.cli(['rm', '-f', name]);
  t.is(rm.code, 0, rm.stderr);
  t.deepEqual(await settle(() => residue(lab.dir, name)), []);
}

const inode = (link: string): number | null => {
  try {
    return Number(/\[(\d+)\]$/.exec(readlinkSync(link))![1]);
  } catch {
    return null;
  }
};

/**
 * Each pattern matches a step (by its "step  detail" text), in this order: the first step matching
 * each pattern comes after the one matching the pattern before it. Returns what is missing or out of order.
 */
function outOfOrder(trace: BirthTrace, patterns: RegExp[]): string[] {
  const texts = trace.steps.map((s) => `${s.step}  ${s.detail}`);
  const problems: string[] = [];
  let last = -1;
  for (const pattern of patterns) {
    const at = texts.findIndex((text, i) => i > last && pattern.test(text));
    if (at < 0) {
      const anywhere = texts.findIndex((text) => pattern.test(text));
      problems.push(anywhere < 0 ? `no step ${pattern}` : `${pattern} at ${anywhere}, before the step before it (at ${last})`);
      continue;
    }
    last = at;
  }
  return problems;
}

function checkTiling(t: ExecutionContext, trace: BirthTrace): void {
  for (const s of trace.steps) {
    t.true(s.durationUs >= 0 && Number.isFinite(s.atUs), `${s.step}: at ${s.atUs} for ${s.durationUs}`);
  }
  const starts = trace.steps.map((s) => s.atUs);
  t.deepEqual(starts, [...starts].sort((a, b) => a - b), 'the steps are in the order they began');
}

test('a container with network, limits and a share: its anatomy matches the kernel\'s files on both sides', async (t) => {
  const lab = makeLab(t);
  const share = mkdtempSync(path.join(tmpdir(), 'ctr-tui-anatomy-share-'));
  t.teardown(() => rmSync(share, { recursive: true, force: true }));
  const { name, pid } = await runDetached(lab, ['--ip', `${subnet}.2`, '--host-ip', `${subnet}.1`, '--memory', '64M', '--pids', '64', '--cpus', '0.5',
    '--share', `${share}:/mnt/data`, '--', 'sh', '-c', 'sleep 3600 & exec sleep 3601']);
  await waitUntil(() => cgroupDriver().open(name)?.processes().length === 2, 'both sleeps');
  const a = await anatomyOf(lab, name);
  t.deepEqual(a.problems, []);
  t.is(a.pid, pid);

  // Namespaces: the inodes are the kernel's, on both sides.
  t.deepEqual(a.namespaces.map((n) => n.type), [...namespaceTypes]);
  for (const ns of a.namespaces) {
    t.is(ns.container, inode(`/proc/${pid}/ns/${ns.type}`), ns.type);
    const host = inode(`/proc/1/ns/${ns.type}`) ?? inode(`/proc/self/ns/${ns.type}`);
    // The CLI's own namespaces are this test's (same sandbox) when pid 1's cannot be read.
    t.is(ns.host, host, ns.type);
  }
  const state = Object.fromEntries(a.namespaces.map((n) => [n.type, n.state]));
  t.deepEqual(state, { pid: 'new', mnt: 'new', uts: 'new', ipc: 'new', net: 'new', cgroup: 'new', user: 'shared', time: 'shared' });

  // cgroup: the limit files, as the kernel names them, with their values.
  const files = new Map(a.cgroup!.files.map((f) => [f.file, f]));
  const limitNames = cgroupDriver().version === 1
    ? ['memory.limit_in_bytes', 'memory.usage_in_bytes', 'memory.max_usage_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.oom_control', 'pids.max', 'pids.current', 'cpu.cfs_quota_us', 'cpu.cfs_period_us']
    : ['memory.max', 'memory.current', 'memory.peak', 'memory.swap.max', 'memory.events', 'pids.max', 'pids.current', 'cpu.max'];
  t.deepEqual([...files.keys()], limitNames);
  for (const f of files.values()) {
    if (f.value === null) continue;  // not on this kernel (memsw without swap accounting, say)
    if (/usage|current|peak|events|oom_control/.test(f.file)) t.regex(f.value, /\d/, f.file);
    else t.is(f.value, readFileSync(f.path, 'utf8').trim(), f.file);
  }
  if (cgroupDriver().version === 1) {
    t.is(files.get('memory.limit_in_bytes')!.value, String(64 * MiB));
    t.is(files.get('cpu.cfs_quota_us')!.value, '50000');
    t.regex(files.get('memory.oom_control')!.value!, /under_oom 0\noom_kill 0/);
  } else {
    t.is(files.get('memory.max')!.value, String(64 * MiB));
    t.is(files.get('cpu.max')!.value, '50000 100000');
  }
  t.is(files.get('pids.max')!.value, '64');
  t.is(files.get('pids.current')!.value, '2');

  // Mounts: the container's own table, each entry marked.
  const mountPoints = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').trim().split('\n').map((line) => line.split(' ')[4]);
  t.deepEqual(a.mounts.map((m) => m.mountPoint), mountPoints);
  const mount = (point: string) => a.mounts.find((m) => m.mountPoint === point);
  t.is(mount('/')?.fsType, 'overlay');
  t.is(mount('/')?.role, 'root');
  t.is(mount('/proc')?.role, 'proc');
  t.true(mount('/sys')?.readonly);
  t.is(mount('/dev/pts')?.fsType, 'devpts');
  t.like(mount('/mnt/data'), { role: 'share', readonly: true });
  t.like(mount('/var/shared_folder'), { role: 'share', readonly: true });
  t.like(mount('/proc/sys'), { role: 'read-only kernel path', readonly: true });
  t.like(mount('/sys/firmware'), { role: 'masked' });
  t.like(mount('/proc/keys'), { role: 'masked', root: '/null' });
  const cgroupMounts = a.mounts.filter((m) => m.role === 'cgroup');
  t.true(cgroupMounts.length > 0 && cgroupMounts.every((m) => m.readonly), JSON.stringify(cgroupMounts));
  t.deepEqual(a.devices.filter((d) => d.kind === 'char').map((d) => `${d.name} ${d.what}`),
    ['full 1:7', 'null 1:3', 'random 1:8', 'tty 5:0', 'urandom 1:9', 'zero 1:5']);

  // Network: the veth pair, seen from both ends, over netlink.
  const { inside, hostEnd } = a.network!;
  const eth0 = inside.links.find((l) => l.name === 'eth0')!;
  t.is(eth0.kind, 'veth');
  t.true(eth0.up);
  t.like(hostEnd, { name: `ctr-${name}`, kind: 'veth', up: true, peerIndex: eth0.index });
  t.is(eth0.peerIndex, hostEnd!.index);
  t.deepEqual(inside.addresses.filter((x) => x.family === 'inet').map((x) => `${x.index} ${x.address}/${x.prefix}`).sort(),
    [`1 127.0.0.1/8`, `${eth0.index} ${subnet}.2/24`].sort());
  t.deepEqual(hostEnd!.addresses.filter((x) => x.family === 'inet').map((x) => `${x.address}/${x.prefix}`), [`${subnet}.1/32`]);
  t.true(inside.routes.some((r) => r.destination === 'default' && r.gateway === `${subnet}.1` && r.device === eth0.index), JSON.stringify(inside.routes));
  t.true(inside.routes.some((r) => r.destination === `${subnet}.1/32` && r.device === eth0.index), JSON.stringify(inside.routes));

  // Processes: the tree, each with its pid inside and on the host.
  t.deepEqual(a.processes.map((p) => [p.depth, p.pidInside, p.command]), [[0, 1, 'sleep 3601'], [1, 2, 'sleep 3600']]);
  t.is(a.processes[0].pid, pid);
  const nspid = readFileSync(`/proc/${a.processes[1].pid}/status`, 'utf8').match(/^NSpid:\s+(\d+)\s+(\d+)$/m);
  t.deepEqual(nspid?.slice(1).map(Number), [a.processes[1].pid, 2]);

  // Security: the kept capabilities are docker's set, the rest dropped; no_new_privs, seccomp filter.
  const kept = Object.keys(keptCapabilities).sort();
  t.deepEqual([...a.security!.bounding].sort(), kept);
  t.deepEqual([...a.security!.effective].sort(), kept);
  t.true(a.security!.dropped.includes('CAP_SYS_ADMIN') && a.security!.dropped.includes('CAP_NET_ADMIN'));
  t.is(a.security!.bounding.length + a.security!.dropped.length, Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')) + 1);
  t.true(a.security!.noNewPrivs);
  t.is(a.security!.seccomp, 2);
  t.is(a.security!.capBndHex, readFileSync(`/proc/${pid}/status`, 'utf8').match(/^CapBnd:\s+(\w+)$/m)![1]);

  // The text form names every section.
  const text = await lab.cli(['inspect', '--anatomy', name]);
  t.is(text.code, 0, text.stderr);
  for (const title of ['== Namespaces ==', '== cgroup ==', '== Mounts ==', '== Network ==', '== Processes ==', '== Security ==']) t.true(text.stdout.includes(title), title);
  t.regex(text.stdout, new RegExp(`ctr-${name} \\(veth\\) UP`));
  await removeAndCheck(t, lab, name);
});

test('the birth trace of a detached container with network, limits and a share has every step, in order', async (t) => {
  const lab = makeLab(t);
  const { name } = await runDetached(lab, ['--ip', `${subnet}.3`, '--host-ip', `${subnet}.1`, '--memory', '64M', '--pids', '64',
    '--share', `${tmpdir()}:/mnt/tmp`, '--', 'sleep', '3600']);
  const trace = (await traceOf(lab, name))!;
  checkTiling(t, trace);
  // The child runs beside ctr-tui from clone on: under load it may begin to wait only after the
  // parent has placed it and made its veth. What must hold is that it waited until released.
  const held = trace.steps.find((s) => s.step === 'held until placed');
  const release = trace.steps.find((s) => s.step.startsWith('release the child'));
  t.truthy(held && release, 'a held step and a release step');
  if (held && release) t.true(held.atUs + held.durationUs >= release.atUs, `held until ${held.atUs + held.durationUs} µs, released at ${release.atUs} µs`);
  const memoryFile = cgroupDriver().version === 1 ? 'memory\\.limit_in_bytes' : 'memory\\.max';
  t.deepEqual(outOfOrder(trace, [
    /^reserve the name  mkdir .*\/an/,
    /^mkdir cgroup  /,
    new RegExp(`^write cgroup file  .*/${memoryFile} = ${64 * MiB}$`),
    /^write cgroup file  .*\/pids\.max = 64$/,
    /^take the network lock/,
    /^start ctr-monitor/,
    /^clone  CLONE_NEWPID\|CLONE_NEWNS\|CLONE_NEWUTS\|CLONE_NEWIPC\|CLONE_NEWNET\|CLONE_PIDFD/,
    /^write cgroup file  .*\/cgroup\.procs = \d+$/,
    /^netlink RTM_NEWLINK: create veth pair  ctr-/,
    new RegExp(`^netlink RTM_NEWADDR: add address  ${subnet}\\.1/32`),
    /^netlink RTM_NEWLINK: set link up  ctr-/,
    new RegExp(`^netlink RTM_NEWROUTE: add route  ${subnet}\\.3/32`),
    /^release the child/,
    /^unshare\(CLONE_NEWCGROUP\)/,
    new RegExp(`^sethostname  ${name}$`),
    /^netlink: set link up  lo$/,
    /^netlink: add address to  eth0$/,
    /^netlink: add default route on  eth0$/,
    /^make mounts private/,
    /^mount overlay on/,
    /^mount proc on  \/proc$/,
    /^mount sysfs on  \/sys$/,
    /^mount devpts on  \/dev\/pts$/,
    /^bind mount  /,
    /^remount read-only  mnt\/tmp$/,
    /^mount cgroup.* on  (sys\/fs\/cgroup|\/sys\/fs\/cgroup)/,
    /^pivot_root  /,
    /^detach the old root/,
    /^mask .*\/proc\/keys$/,
    /^remount read-only  \/proc\/sys$/,
    /^join a new session keyring  _ses\.ctr-tui\./,
    /^drop capabilities/,
    /^load the seccomp filter/,
    /^execve/,
  ]), []);
  const sides = new Map(trace.steps.map((s) => [s.step, s.side]));
  t.is(sides.get('clone'), 'parent');
  t.is(sides.get('pivot_root'), 'child');
  t.is(sides.get('netlink RTM_NEWLINK: create veth pair'), 'parent');
  const text = await lab.cli(['inspect', '--trace', name]);
  t.is(text.code, 0, text.stderr);
  t.is(lines(text.stdout).length, trace.steps.length + 2, 'a title, a header and one line per step');
  await removeAndCheck(t, lab, name);
});

test('without network, limits or shares the trace has no veth or limit steps, and the anatomy shows loopback only', async (t) => {
  const lab = makeLab(t);
  const { name } = await runDetached(lab, ['--no-net', '--', 'sleep', '3600']);
  const trace = (await traceOf(lab, name))!;
  checkTiling(t, trace);
  const texts = trace.steps.map((s) => `${s.step}  ${s.detail}`);
  t.deepEqual(texts.filter((x) => /RTM_|network lock|eth0|memory\.limit_in_bytes|memory\.max =|pids\.max|cpu\./.test(x)), []);
  t.deepEqual(outOfOrder(trace, [/^reserve the name/, /^mkdir cgroup/, /^start ctr-monitor/, /^clone  /, /^release the child/, /^netlink: set link up  lo$/,
    /^mount overlay on/, /^pivot_root/, /^drop capabilities/, /^load the seccomp filter/, /^execve/]), []);
  const a = await anatomyOf(lab, name);
  t.deepEqual(a.network!.inside.links.map((l) => l.name), ['lo']);
  t.deepEqual(a.network!.inside.routes, []);
  t.is(a.network!.hostEnd, null);
  t.deepEqual(a.mounts.filter((m) => m.role === 'share').map((m) => m.mountPoint), ['/var/shared_folder']);
  const limit = a.cgroup!.files.find((f) => f.file === 'memory.limit_in_bytes' || f.file === 'memory.max')!;
  t.true(limit.value === 'max' || Number(limit.value) >= 2 ** 60, `no memory limit: ${limit.value}`);
  await removeAndCheck(t, lab, name);
});

test('the in-process path (a foreground run) keeps its trace too, with the child\'s steps', async (t) => {
  const api = await startApi(t, { name: uniqueName('ant'), network: false, memory: '32M', command: ['/bin/sh', '-c', 'exit 0'] });
  const trace = api.container.trace!;
  checkTiling(t, trace);
  t.deepEqual(outOfOrder(trace, [/^write cgroup file  .*= 33554432$/, /^clone  /, /^write cgroup file  .*cgroup\.procs/, /^release the child/,
    /^unshare\(CLONE_NEWCGROUP\)/, /^mount overlay on/, /^pivot_root/, /^load the seccomp filter/, /^execve/]), []);
  t.is((await api.container.exited).status, 0);
});

test('inside, the container sees its own cgroup read-only at /sys/fs/cgroup: its limits, and writing fails (EROFS)', async (t) => {
  const lab = makeLab(t);
  const { name } = await runDetached(lab, ['--no-net', '--memory', '48M', '--pids', '40', '--', 'sleep', '3600']);
  const v1 = cgroupDriver().version === 1;
  const memoryFile = v1 ? '/sys/fs/cgroup/memory/memory.limit_in_bytes' : '/sys/fs/cgroup/memory.max';
  const pidsFile = v1 ? '/sys/fs/cgroup/pids/pids.max' : '/sys/fs/cgroup/pids.max';
  const procsFile = v1 ? '/sys/fs/cgroup/memory/cgroup.procs' : '/sys/fs/cgroup/cgroup.procs';
  const script = `cat ${memoryFile} ${pidsFile}; n=0; while read p; do n=$((n+1)); done < ${procsFile}; echo $n; echo 1 > ${memoryFile}; echo status=$?; ls /sys/fs/cgroup/${v1 ? 'memory/' : ''} | grep -c ctr-tui; cat /proc/self/cgroup | grep -c ctr-tui`;
  const inside = await lab.cli(['exec', '-T', name, 'sh', '-c', script]);
  const out = lines(inside.stdout);
  t.is(out[0], String(48 * MiB), inside.stderr);
  t.is(out[1], '40');
  t.is(out[2], '2', 'its cgroup.procs lists the init and this shell: its own cgroup, not the host\'s root');
  t.regex(inside.stderr, /Read-only file system/);
  t.is(out[3], 'status=2');
  t.is(out[4], '0', 'no other container\'s cgroup is in sight');
  t.is(out[5], '0', 'its cgroup namespace hides where it is on the host');
  // The host's file is untouched.
  const host = a2host(name, v1);
  t.is(readFileSync(host, 'utf8').trim(), String(48 * MiB));
  await removeAndCheck(t, lab, name);
});

function a2host(name: string, v1: boolean): string {
  const cgroup = cgroupDriver().open(name)!;
  return cgroup.limitFiles().find((f) => f.file === (v1 ? 'memory.limit_in_bytes' : 'memory.max'))!.path;
}

test('with the trace off the record has none, and --trace says so; bad inspect options are one line each', async (t) => {
  const lab = makeLab(t);
  const { name } = await runDetached(lab, ['--no-net', '--', 'sleep', '3600'], { CTR_TUI_NO_BIRTH_TRACE: '1' });
  t.is(await traceOf(lab, name), null);
  const text = await lab.cli(['inspect', '--trace', name]);
  t.regex(text.stdout, /no trace: it was made with the trace off/);
  for (const args of [['--anatomy', '--trace', name], ['--json', name]]) {
    const bad = await lab.cli(['inspect', ...args]);
    t.is(bad.code, 2, args.join(' '));
    t.true(isOneErrorLine(bad.stderr), bad.stderr);
  }
  await removeAndCheck(t, lab, name);
  const { name: done } = await runDetached(lab, ['--no-net', '--', 'true']);
  await eventually(async () => (await lab.inspect(done)).state === 'exited', 'the exit', 10_000);
  const stopped = await lab.cli(['inspect', '--anatomy', done]);
  t.is(stopped.code, 2);
  t.regex(stopped.stderr, new RegExp(`^ctr-tui: cannot see the anatomy of ${done}: it is not running`));
  t.true(isOneErrorLine(stopped.stderr), stopped.stderr);
  t.true(((await traceOf(lab, done))?.steps.length ?? 0) > 20, 'an exited container keeps its trace');
  await removeAndCheck(t, lab, done);
});
