// What a container's root cannot do with default options, as with docker's
// defaults: open devices beyond the usual few, make or join namespaces, mount
// (and so rewrite its own cgroup limits), or use the kernel keyring; every
// process of it (init and exec'd) is under the seccomp filter.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, copyFileSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { assertSandboxed, cgroupLimits, lines, runCli, sharedFolder, startApi, uniqueName, waitUntil } from './helpers/container.js';
import { makeLab, settle, residue, type Lab } from './helpers/lifecycle.js';

assertSandboxed();

const probe = path.join(sharedFolder, 'syscall-probe');
const MiB = 1024 * 1024;

function seccompMode(status: string): string | undefined {
  return status.split('\n').find((line) => line.startsWith('Seccomp:'))?.split(/\s+/)[1];
}

/** The probe's lines as a map: name -> "ok" or the errno's name. */
function probeResults(stdout: string): Record<string, string> {
  return Object.fromEntries(lines(stdout).map((line) => line.split(' ') as [string, string]));
}

/** The host's /proc/keys lines whose description is `description`. */
function hostKeys(description: string): string[] {
  return readFileSync('/proc/keys', 'utf8')
    .split('\n')
    .filter((line) => line.split(/\s+/).some((word) => word === `${description}:`));
}

/** Every record in the host's kernel log buffer, as text. */
function hostKernelLog(): string {
  const fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = Buffer.alloc(8192);
  let text = '';
  try {
    for (;;) {
      try {
        const n = readSync(fd, buf);
        if (n === 0) break;
        text += buf.toString('utf8', 0, n);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        if (code !== 'EPIPE') throw err; // EPIPE: records overwritten while reading
      }
    }
  } finally {
    closeSync(fd);
  }
  return text;
}

/** A detached container (init: a sleeping shell) with 64M and 64 pids, in a fresh lab. */
async function detached(t: ExecutionContext, prefix: string): Promise<{ lab: Lab; name: string; pid: number }> {
  const lab = makeLab(t);
  const name = uniqueName(prefix);
  lab.track(name);
  const run = await lab.cli(['run', '-d', '--name', name, '--no-net', '--memory', '64M', '--pids', '64', '--', 'sleep', '3600']);
  if (run.code !== 0) throw new Error(`run -d failed: ${run.stderr}`);
  const { pid } = await lab.inspect(name);
  return { lab, name, pid: pid! };
}

async function removeAndCheck(t: ExecutionContext, lab: Lab, name: string): Promise<void> {
  const rm = await lab.cli(['rm', '-f', name]);
  t.is(rm.code, 0, rm.stderr);
  t.deepEqual(await settle(() => residue(lab.dir, name)), []);
}

// The calls each would get through unconfined even without capabilities (checked below as
// nobody on the host); in a container every one is refused: EPERM, clone3 ENOSYS.
const refused = ['keyctl', 'unshare-user', 'clone-newuser', 'clone3', 'name_to_handle_at', 'process_vm_readv', 'kcmp',
  'get_mempolicy', 'io_uring_setup', 'userfaultfd', 'mount'];
const expectedInside = Object.fromEntries(refused.map((name) => [name, name === 'clone3' ? 'ENOSYS' : 'EPERM']));

test('unconfined, without capabilities, the probe\'s calls get through (the control for the seccomp tests)', (t) => {
  // A copy nobody can reach and run, outside the checkout.
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-probe-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  const copy = path.join(dir, 'syscall-probe');
  copyFileSync(probe, copy);
  chmodSync(copy, 0o755);
  const result = spawnSync(copy, refused, { cwd: dir, uid: 65534, gid: 65534, encoding: 'utf8' });
  t.is(result.status, 0, result.stderr);
  const got = probeResults(result.stdout);
  t.deepEqual(Object.keys(got), refused);
  for (const name of refused) t.not(got[name], expectedInside[name], `${name} as nobody on the host: ${got[name]}`);
});

test('the init (in-process path) runs under seccomp mode 2 and the probe\'s calls are refused', async (t) => {
  const name = uniqueName('sc');
  const api = await startApi(t, { name, network: false, command: ['/bin/sh', '-c', `grep Seccomp: /proc/1/status; ${path.posix.join('/var/shared_folder', 'syscall-probe')} ${refused.join(' ')}`] });
  const exit = await api.container.exited;
  t.is(exit.status, 0, api.stderr());
  const out = lines(api.stdout());
  t.is(seccompMode(out[0] ?? ''), '2', api.stdout());
  t.deepEqual(probeResults(out.slice(1).join('\n')), expectedInside);
});

test('a detached init and an exec\'d process both run under seccomp mode 2, and exec\'d processes are refused the same calls', async (t) => {
  const { lab, name, pid } = await detached(t, 'scx');
  t.is(seccompMode(readFileSync(`/proc/${pid}/status`, 'utf8')), '2', 'the init, seen from the host');
  const view = await lab.cli(['exec', '-T', name, 'sh', '-c', 'grep Seccomp: /proc/1/status /proc/self/status']);
  t.is(view.code, 0, view.stderr);
  t.deepEqual(lines(view.stdout).map((line) => line.replace(/\s+/g, ' ')), ['/proc/1/status:Seccomp: 2', '/proc/self/status:Seccomp: 2']);
  const probed = await lab.cli(['exec', '-T', name, '/var/shared_folder/syscall-probe', ...refused]);
  t.is(probed.code, 0, probed.stderr);
  t.deepEqual(probeResults(probed.stdout), expectedInside);
  await removeAndCheck(t, lab, name);
});

test('devices: a block or kmsg node can be made but not opened (EPERM), nothing reaches the host\'s kernel log, the usual devices work', async (t) => {
  const marker = `ctr-tui-confinement-${randomBytes(6).toString('hex')}`;
  // /dev is the one place inside that allows device nodes (the writable layer is nodev).
  const script = [
    'mknod /dev/probe-loop b 7 0 && echo made-loop',
    '(exec 3</dev/probe-loop) 2>&1',
    'mknod /dev/probe-kmsg c 1 11 && echo made-kmsg',
    `(echo ${marker} >/dev/probe-kmsg) 2>&1`,
    'echo x >/dev/null && echo null-ok',
    'for d in zero full random urandom; do head -c 3 /dev/$d | wc -c; done',
    '(exec 3<>/dev/ptmx) && echo ptmx-ok',
  ].join('; ');
  const result = await runCli(['run', '--rm', '--name', uniqueName('dev'), '--no-net', '--', '/bin/sh', '-c', script]);
  t.is(result.code, 0, result.stderr);
  const out = lines(result.stdout);
  t.deepEqual(out.filter((line) => !line.includes('Operation not permitted')), ['made-loop', 'made-kmsg', 'null-ok', '3', '3', '3', '3', 'ptmx-ok']);
  t.is(out.filter((line) => /probe-loop: Operation not permitted/.test(line)).length, 1, result.stdout);
  t.is(out.filter((line) => /probe-kmsg: Operation not permitted/.test(line)).length, 1, result.stdout);
  t.false(hostKernelLog().includes(marker), 'the container\'s line is in the host\'s kernel log');
  // The reader does see a line written from the host: the check above can fail.
  const control = `ctr-tui confinement test: control line ${randomBytes(6).toString('hex')}`;
  writeFileSync('/dev/kmsg', `${control}\n`);
  t.true(hostKernelLog().includes(control));
});

test('namespaces: unshare -U, unshare -m, unshare -Urm and mount -t cgroup fail inside; the limits seen from the host are unchanged', async (t) => {
  const { lab, name } = await detached(t, 'ns');
  const script = [
    'unshare -U true; echo "unshare-U $?"',
    'unshare -m true; echo "unshare-m $?"',
    // -Urm, not -UrmC: busybox's unshare (the rootfs may have it) knows no -C, and the attack needs none.
    'unshare -Urm sh -c "mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg && echo $((2 << 30)) > /tmp/cg/memory.limit_in_bytes"; echo "unshare-Urm $?"',
    'mkdir -p /tmp/cg; mount -t cgroup -o memory cgroup /tmp/cg; echo "mount-cgroup $?"',
    'mount -t cgroup2 none /tmp/cg; echo "mount-cgroup2 $?"',
  ].join('; ');
  const result = await lab.cli(['exec', '-T', name, 'sh', '-c', script]);
  t.is(result.code, 0, result.stderr);
  // mount's failure status is 32 from util-linux, 1 from busybox: any but 0.
  const statuses = lines(result.stdout).map((l) => l.replace(/^(mount-cgroup2?) [1-9]\d*$/, '$1 failed'));
  t.deepEqual(statuses, ['unshare-U 1', 'unshare-m 1', 'unshare-Urm 1', 'mount-cgroup failed', 'mount-cgroup2 failed']);
  // util-linux: "unshare failed: Operation not permitted"; busybox: "unshare(0x10000000): Operation not permitted".
  t.regex(result.stderr, /unshare( failed|\(0x[0-9a-f]+\)): Operation not permitted/);
  t.notRegex(result.stderr, /invalid option|unrecognized option/);
  t.regex(result.stderr, /mount: .*(permission denied|Operation not permitted|must be superuser)/i);

  t.deepEqual(cgroupLimits(name), { memory: String(64 * MiB), pids: '64' });
  await removeAndCheck(t, lab, name);
});

test('keyrings: the init and each exec\'d process have a new session keyring, not the host\'s; a key cannot be added inside', async (t) => {
  const { lab, name } = await detached(t, 'key');
  const keyring = `_ses.ctr-tui.${name}`;
  // The init's, seen from the host (named after the container, so not the host's own).
  t.is(hostKeys(keyring).length, 1, readFileSync('/proc/keys', 'utf8'));

  const description = `ctr-tui-key-${randomBytes(6).toString('hex')}`;
  const added = await lab.cli(['exec', '-T', name, '/var/shared_folder/syscall-probe', `add_key:${description}`, 'keyctl']);
  t.is(added.code, 0, added.stderr);
  t.deepEqual(probeResults(added.stdout), { add_key: 'EPERM', keyctl: 'EPERM' });
  t.deepEqual(hostKeys(description), [], 'the key reached the host');

  // An exec'd process joins one of its own (the init's is not shared), gone when it exits.
  const exec = lab.start(['exec', '-T', name, 'sh', '-c', 'echo started; cat >/dev/null']);
  await exec.waitForStdout(/started/);
  await waitUntil(() => hostKeys(keyring).length === 2, `two ${keyring} keyrings in /proc/keys`);
  exec.endInput();
  t.is((await exec.result).code, 0);
  await waitUntil(() => hostKeys(keyring).length === 1, `the exec'd process's ${keyring} keyring gone from /proc/keys`);

  await removeAndCheck(t, lab, name);
  await waitUntil(() => hostKeys(keyring).length === 0, `no ${keyring} keyring left in /proc/keys`);
});
