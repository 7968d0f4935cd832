// What a process inside a container can and cannot see of the host.
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  assertSandboxed,
  defaultRootfs,
  ipRange,
  leftovers,
  lines,
  runCli,
  sharedFolder,
  startApi,
  uniqueName,
  waitUntil,
} from './helpers/container.js';

assertSandboxed();
const nextIp = ipRange(10, 39);

/** Runs `sh -c SCRIPT` in a fresh container (no network unless `ip`) and checks it left nothing. */
async function inContainer(t: import('ava').ExecutionContext, script: string, extra: string[] = []) {
  const name = uniqueName('iso');
  const result = await runCli(['run', '--name', name, ...extra, '--', '/bin/sh', '-c', script]);
  t.deepEqual(leftovers(name), [], `container ${name} left something behind`);
  return result;
}

test('the hostname is the one asked for, and the host keeps its own', async (t) => {
  const before = readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
  const result = await inContainer(t, 'hostname; cat /proc/sys/kernel/hostname; echo "$HOSTNAME"', ['--no-net', '--hostname', 'box-under-test']);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(lines(result.stdout), ['box-under-test', 'box-under-test', 'box-under-test']);
  t.is(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim(), before);
});

test('the hostname defaults to the container name', async (t) => {
  const name = uniqueName('hn');
  const result = await runCli(['run', '--name', name, '--no-net', '--', 'hostname']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, `${name}\n`);
});

test('the command is PID 1 and ps shows only the container\'s processes', async (t) => {
  // sleep in the background, then ps: not the last command, so sh cannot exec it.
  // (waiting, boundedly, until the background child has exec'd sleep)
  const result = await inContainer(t, 'sleep 30 & for i in $(seq 2000); do [ "$(cat /proc/$!/comm)" = sleep ] && break; done; ps -e -o pid=,ppid=,comm=; echo "self $$"; kill $!', ['--no-net']);
  t.is(result.code, 0, result.stderr);
  const out = lines(result.stdout);
  t.is(out.at(-1), 'self 1', 'the shell is PID 1 of its pid namespace');
  const processes = out.slice(0, -1).map((line) => line.trim().split(/\s+/));
  const byComm = new Map(processes.map(([pid, ppid, comm]) => [comm, { pid: Number(pid), ppid: Number(ppid) }]));
  t.deepEqual([...byComm.keys()].sort(), ['ps', 'sh', 'sleep'], `ps -e listed ${JSON.stringify(out)}`);
  t.is(processes.length, 3);
  t.deepEqual(byComm.get('sh'), { pid: 1, ppid: 0 });
  t.is(byComm.get('sleep')!.ppid, 1);
  t.is(byComm.get('ps')!.ppid, 1);
  t.true(byComm.get('sleep')!.pid < 10 && byComm.get('ps')!.pid < 10, 'pids count from 1 in a new pid namespace');
});

test('the host sees PID 1 of the container under another pid, in the container\'s cgroup', async (t) => {
  const name = uniqueName('hp');
  const { container } = await startApi(t, { name, network: false, command: ['/bin/sleep', '30'] });
  t.not(container.pid, 1);
  const status = readFileSync(`/proc/${container.pid}/status`, 'utf8');
  const nspid = status.split('\n').find((l) => l.startsWith('NSpid:'))!.split(/\s+/).slice(1).map(Number);
  t.deepEqual(nspid, [container.pid, 1], 'host pid, then 1 in the container');
  t.true(readFileSync(`/proc/${container.pid}/cgroup`, 'utf8').includes(`memory:/ctr-tui/${name}`));
  container.kill('SIGKILL');
  const exit = await container.exited;
  t.is(exit.signal, 'SIGKILL');
  t.is(exit.status, 137);
  t.deepEqual(leftovers(name), []);
});

test('/ is the rootfs', async (t) => {
  const result = await inContainer(t, 'ls -1A /', ['--no-net']);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(lines(result.stdout).sort(), readdirSync(defaultRootfs).sort());
});

test('a file made in the rootfs on the host is seen inside, and the host\'s /work is not', async (t) => {
  const marker = `marker-${process.pid}-${Date.now()}`;
  const file = path.join(defaultRootfs, 'tmp', marker);
  writeFileSync(file, 'from the host\n');
  t.teardown(() => rmSync(file, { force: true }));
  const result = await inContainer(t, `cat /tmp/${marker}; test -e ${JSON.stringify(path.join(defaultRootfs, 'tmp', marker))} && echo host-path-visible; test -e /work || echo no-work`, ['--no-net']);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(lines(result.stdout), ['from the host', 'no-work']);
});

test('host mounts are invisible inside, and container mounts do not leak to the host', async (t) => {
  // A mount in the test's own (throwaway) mount namespace, which containers are cloned from.
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-hostmount-'));
  t.teardown(() => {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  const mount = spawnSync('mount', ['-t', 'tmpfs', 'ctr-tui-host-marker', dir], { encoding: 'utf8' });
  t.is(mount.status, 0, mount.stderr);
  writeFileSync(path.join(dir, 'secret'), 'host only\n');
  t.true(readFileSync('/proc/self/mountinfo', 'utf8').includes(dir));

  const name = uniqueName('mnt');
  const api = await startApi(t, {
    name,
    network: false,
    command: ['/bin/sh', '-c', `cat /proc/mounts; echo ---; cat ${dir}/secret 2>&1; echo ---; exec sleep 30`],
  });
  await waitUntil(() => api.stdout().split('---').length >= 3, 'the container to list its mounts');
  const [mounts, secret] = api.stdout().split('---\n');
  t.false(mounts.includes('ctr-tui-host-marker'), 'the host\'s tmpfs is not mounted inside');
  t.false(mounts.includes(dir));
  t.regex(secret, /No such file or directory/);

  const mountPoints = lines(mounts).map((line) => line.split(' ')[1]);
  const allowed = new Set([
    '/', '/proc', '/sys', '/dev', '/dev/pts', '/dev/shm', '/var/shared_folder',
    '/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/acpi', '/proc/scsi', '/sys/firmware',
    '/proc/sys', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sysrq-trigger',
  ]);
  // Its own cgroup, read-only at /sys/fs/cgroup (v1: one hierarchy per directory under it).
  const ownCgroup = (m: string) => m === '/sys/fs/cgroup' || m.startsWith('/sys/fs/cgroup/');
  t.deepEqual(mountPoints.filter((m) => !allowed.has(m) && !ownCgroup(m)), [], 'only the container\'s own mounts');
  t.deepEqual(lines(mounts).filter((line) => ownCgroup(line.split(' ')[1]) && !line.split(' ')[3].split(',').includes('ro')), [], 'its cgroup is read-only');
  for (const needed of ['/', '/proc', '/sys', '/dev', '/dev/pts', '/var/shared_folder']) t.true(mountPoints.includes(needed), needed);

  // While the container runs, none of its mounts shows in the host's mount table.
  const hostMounts = readFileSync('/proc/self/mountinfo', 'utf8');
  t.false(hostMounts.includes(defaultRootfs), 'the rootfs bind mount stays in the container');
  t.false(hostMounts.includes('/var/shared_folder'));
  t.false(hostMounts.split('\n').some((line) => / - devpts /.test(line) && line.includes('ptmxmode=666')), 'no container devpts on the host');
});

test('every namespace differs from the host\'s', async (t) => {
  const kinds = ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'];
  const ip = `10.0.0.${nextIp()}`;
  const result = await inContainer(t, kinds.map((k) => `readlink /proc/self/ns/${k}`).join('; '), ['--ip', ip]);
  t.is(result.code, 0, result.stderr);
  const inside = lines(result.stdout);
  t.is(inside.length, kinds.length);
  kinds.forEach((kind, i) => {
    const host = readlinkSync(`/proc/self/ns/${kind}`);
    t.regex(inside[i], new RegExp(`^${kind}:\\[\\d+\\]$`));
    t.not(inside[i], host, `${kind} namespace`);
  });
});

test('the shared folder is mounted read-only with the seed programs', async (t) => {
  const marker = `written-${process.pid}`;
  const result = await inContainer(t, `ls -1 /var/shared_folder; touch /var/shared_folder/${marker} && echo WROTE; echo "touch=$?"`, ['--no-net']);
  t.is(result.code, 0, result.stderr);
  const out = lines(result.stdout);
  for (const program of ['client', 'hungry', 'server']) t.true(out.includes(program), `${program} in ${JSON.stringify(out)}`);
  t.false(out.includes('WROTE'));
  t.regex(out.at(-1)!, /^touch=[1-9]/);
  t.regex(result.stderr, /Read-only file system/);
  t.false(existsSync(path.join(sharedFolder, marker)));
});

test('--share mounts a host directory, read-only unless :rw', async (t) => {
  const ro = mkdtempSync(path.join(tmpdir(), 'ctr-tui-ro-'));
  const rw = mkdtempSync(path.join(tmpdir(), 'ctr-tui-rw-'));
  t.teardown(() => {
    rmSync(ro, { recursive: true, force: true });
    rmSync(rw, { recursive: true, force: true });
  });
  writeFileSync(path.join(ro, 'in'), 'shared in\n');
  // Targets that exist in the rootfs, so that nothing is created in it.
  const result = await inContainer(
    t,
    'cat /home/in; touch /home/new 2>/dev/null || echo ro-refused; echo out > /root/out && echo rw-ok',
    ['--no-net', '--share', `${ro}:/home`, '--share', `${rw}:/root:rw`],
  );
  t.is(result.code, 0, result.stderr);
  t.deepEqual(lines(result.stdout), ['shared in', 'ro-refused', 'rw-ok']);
  t.false(existsSync(path.join(ro, 'new')));
  t.is(readFileSync(path.join(rw, 'out'), 'utf8'), 'out\n');
  t.false(existsSync(path.join(defaultRootfs, 'root', 'out')), 'written to the share, not the rootfs');
});

// The container writes on an overlay of its own (upper layer on a tmpfs), so a
// mountpoint its share needs is made there, not in the rootfs on the host.
test('--share to a path the rootfs lacks leaves the rootfs unchanged', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-share-'));
  const top = `ctr-tui-share-target-${process.pid}`;
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(defaultRootfs, top), { recursive: true, force: true });
  });
  const result = await inContainer(t, `test -d /${top}/deep && echo mounted`, ['--no-net', '--share', `${dir}:/${top}/deep`]);
  t.is(result.stdout, 'mounted\n', result.stderr);
  t.false(existsSync(path.join(defaultRootfs, top)), `the host's ${path.join(defaultRootfs, top)} was created`);
});

test('what a container writes to its root stays in its own layer, and goes with it', async (t) => {
  const file = `ctr-tui-layer-${process.pid}`;
  t.teardown(() => rmSync(path.join(defaultRootfs, file), { force: true }));
  const result = await inContainer(t, `echo mine > /${file} && cat /${file} && rm /bin/true && echo removed`, ['--no-net']);
  t.deepEqual(lines(result.stdout), ['mine', 'removed'], result.stderr);
  t.false(existsSync(path.join(defaultRootfs, file)), 'the file is not in the rootfs on the host');
  t.true(existsSync(path.join(defaultRootfs, 'bin', 'true')), 'the rootfs on the host still has /bin/true');
  const next = await inContainer(t, `test -e /${file} || echo gone; test -e /bin/true && echo still-there`, ['--no-net']);
  t.deepEqual(lines(next.stdout), ['gone', 'still-there'], 'the next container starts from the rootfs as it was');
});

test('kernel files are masked and /proc/sys is read-only', async (t) => {
  const masked = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug'].filter((p) => existsSync(p));
  t.true(masked.length > 0, 'the host has at least one of the files to mask');
  const script = [
    ...masked.map((p) => `echo "${p} $(wc -c < ${p}) $(stat -c %t:%T ${p})"`),
    'echo x > /proc/sys/kernel/hostname && echo sysctl-written',
    'test -z "$(ls -A /sys/firmware 2>/dev/null)" && echo firmware-empty',
  ].join('; ');
  const result = await inContainer(t, script, ['--no-net']);
  const out = lines(result.stdout);
  for (const p of masked) t.true(out.includes(`${p} 0 1:3`), `${p} reads as /dev/null: ${JSON.stringify(out)}`);
  t.false(out.includes('sysctl-written'));
  t.regex(result.stderr, /Read-only file system/);
  t.true(out.includes('firmware-empty'));
});

test('capabilities are dropped to Docker\'s default set, with no_new_privs', async (t) => {
  const host = readFileSync('/proc/self/status', 'utf8');
  const hostBnd = BigInt(`0x${/CapBnd:\s*(\w+)/.exec(host)![1]}`);
  const result = await inContainer(t, 'grep -E "^(CapBnd|CapEff|CapPrm|NoNewPrivs)" /proc/self/status', ['--no-net']);
  t.is(result.code, 0, result.stderr);
  const fields = Object.fromEntries(lines(result.stdout).map((l) => l.split(/:\s*/)));
  // chown dac_override fowner fsetid kill setgid setuid setpcap net_bind_service net_raw sys_chroot mknod audit_write setfcap
  const dockerDefault = [0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31].reduce((m, c) => m | (1n << BigInt(c)), 0n);
  t.is(BigInt(`0x${fields.CapBnd}`), dockerDefault);
  t.is(BigInt(`0x${fields.CapEff}`), dockerDefault);
  t.not(BigInt(`0x${fields.CapBnd}`), hostBnd);
  t.is(fields.NoNewPrivs, '1');
});

test('a dropped capability is really gone (CAP_SYS_ADMIN: mount fails)', async (t) => {
  const result = await inContainer(t, 'mount -t tmpfs x /tmp && echo MOUNTED; echo rc=$?', ['--no-net']);
  t.false(result.stdout.includes('MOUNTED'));
  t.regex(result.stdout, /rc=[1-9]/);
  t.regex(result.stderr, /permission denied|must be superuser|Operation not permitted/i);
});

test('the cgroup namespace is rooted at the container\'s cgroup', async (t) => {
  const result = await inContainer(t, 'cat /proc/self/cgroup', ['--no-net']);
  t.is(result.code, 0, result.stderr);
  const entries = lines(result.stdout);
  t.true(entries.length > 0);
  for (const entry of entries) t.regex(entry, /^\d+:[^:]*:\/$/, `cgroup entry ${entry}`);
});

test('only stdin, stdout and stderr reach the command (no leaked fds)', async (t) => {
  // Hold an extra fd open in this process: it must not reach the container.
  const held = readdirSync('/proc/self/fd').length;
  t.true(held > 3);
  const result = await inContainer(t, 'ls -1 /proc/self/fd', ['--no-net']);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(lines(result.stdout), ['0', '1', '2', '3'], 'ls\'s own directory fd is 3');
});

test('the container\'s environment is a clean one', async (t) => {
  const name = uniqueName('env');
  const result = await runCli(['run', '--name', name, '--no-net', '--', 'env'], { env: { CTR_TUI_TEST_SECRET: 'leak' } });
  t.is(result.code, 0, result.stderr);
  const env = Object.fromEntries(lines(result.stdout).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  t.false('CTR_TUI_TEST_SECRET' in env, 'the CLI\'s own environment does not leak in');
  t.is(env.HOSTNAME, name);
  t.is(env.HOME, '/root');
  t.regex(env.PATH ?? '', /\/usr\/bin/);
});
