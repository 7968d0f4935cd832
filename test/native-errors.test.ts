// The native code's one error type, provoked for real: every failure of the
// addon, ctr-monitor and ctr-exec names its call, its path and its errno
// ("CALL PATH: strerror", .call, .path, .code). And paths long enough to cut
// a fixed buffer (the overlay's options, a share's mountpoint) either work or
// are refused in one line: never a cut path, never the shared rootfs
// written to.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { buildSpec } from '../src/runtime/build-spec.js';
import { startContainer } from '../src/runtime/container.js';
import { isNativeError, RuntimeError, type NativeError } from '../src/runtime/errors.js';
import { monitorBinary, monitorError } from '../src/runtime/monitor.js';
import { native, type SpawnPlan } from '../src/runtime/native.js';
import { execBinary } from '../src/runtime/runtime.js';
import { assertSandboxed, defaultRootfs, leftovers, lines, runCli, uniqueName } from './helpers/container.js';
import { isOneErrorLine } from './helpers/lifecycle.js';

assertSandboxed();

/** What fn threw, checked to be a NativeError of that call, path and code, whose message reads "call path: strerror". */
function nativeFailure(t: ExecutionContext, fn: () => unknown, call: string, where: string | RegExp | undefined, code: string): NativeError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  return checkNative(t, thrown, call, where, code);
}

function checkNative(t: ExecutionContext, thrown: unknown, call: string, where: string | RegExp | undefined, code: string): NativeError {
  if (!isNativeError(thrown)) {
    t.fail(`expected a NativeError, got ${String(thrown)}`);
    throw new Error('not a NativeError');
  }
  t.is(thrown.call, call);
  if (where instanceof RegExp) t.regex(thrown.path ?? '', where);
  else t.is(thrown.path, where);
  t.is(thrown.code, code);
  t.is(thrown.message, `${call}${thrown.path ? ` ${thrown.path}` : ''}: ${strerror(code)}`);
  return thrown;
}

/** The C library's text for an errno name, as the native code writes it. */
const strerrors: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENODEV: 'No such device',
  ESRCH: 'No such process',
  EINVAL: 'Invalid argument',
  EBADF: 'Bad file descriptor',
  ENAMETOOLONG: 'File name too long',
};
function strerror(code: string): string {
  const text = strerrors[code];
  if (!text) throw new Error(`add ${code} to strerrors`);
  return text;
}

/** A pid that was just in use and is not any more. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  const pid = Number(child.stdout.toString().trim());
  if (!(pid > 0) || existsSync(`/proc/${pid}`)) throw new Error(`no dead pid (${pid})`);
  return pid;
}

// ---------------------------------------------------------------- the addon

test('addon: opening a missing cgroup file names open, the file and ENOENT', (t) => {
  const dir = `/sys/fs/cgroup/ctr-no-such-container-${process.pid}`;
  const oomControl = path.join(dir, 'memory.oom_control');
  nativeFailure(t, () => native.oomEventfd(oomControl, path.join(dir, 'cgroup.event_control')), 'open', oomControl, 'ENOENT');
  const fd = native.inotifyInit();
  t.teardown(() => closeSync(fd));
  const events = path.join(dir, 'memory.events');
  nativeFailure(t, () => native.inotifyAdd(fd, events, native.inotifyFlags.modify), 'inotify_add_watch', events, 'ENOENT');
});

test('addon: a cgroup v1 event the kernel refuses is reported by its write to cgroup.event_control', (t) => {
  const memory = '/sys/fs/cgroup/memory';
  if (!existsSync(path.join(memory, 'cgroup.event_control'))) {
    t.log('no cgroup v1 memory hierarchy here (cgroup v2): cgroup.event_control does not exist');
    t.pass();
    return;
  }
  const dir = mkdtempSync(path.join(memory, 'ctr-native-errors-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const efd = native.oomEventfd(path.join(dir, 'memory.oom_control'), path.join(dir, 'cgroup.event_control'));
  t.teardown(() => closeSync(efd));
  // A usage threshold must be a number: the kernel refuses the line.
  const control = path.join(dir, 'cgroup.event_control');
  const error = nativeFailure(t, () => native.addCgroupEvent(efd, control, path.join(dir, 'memory.usage_in_bytes'), 'lots'), 'write',
    /^\/sys\/fs\/cgroup\/memory\/ctr-native-errors-\w+\/cgroup.event_control \("\d+ \d+ lots"\)$/, 'EINVAL');
  t.true(error.path!.startsWith(`${control} ("${efd} `), error.path);
});

test('addon: a netlink operation on a missing link names the operation, the link and ENODEV', (t) => {
  const link = `ctr-nx${process.pid % 100000}`;
  nativeFailure(t, () => native.linkUp(link), 'netlink: set link up', link, 'ENODEV');
  nativeFailure(t, () => native.addAddress(link, '10.0.0.250', 24), 'netlink: add address', `10.0.0.250 to ${link}`, 'ENODEV');
  t.false(native.deleteLink(link), 'deleting a missing link is no error');
});

test('addon: a pidfd for a dead process, and a release of a pid never spawned, name the pid', (t) => {
  const pid = deadPid();
  nativeFailure(t, () => native.pidfdOpen(pid), 'pidfd_open', `pid ${pid}`, 'ESRCH');
  nativeFailure(t, () => native.release(pid), 'release', `pid ${pid} (no container waiting with that pid)`, 'ESRCH');
  const devNull = openSync('/dev/null', 'r');
  t.teardown(() => closeSync(devNull));
  nativeFailure(t, () => native.pidfdSendSignal(devNull, 0), 'pidfd_send_signal', 'signal 0', 'EBADF');
});

test('addon: a watch the reactor cannot arm again ends, and its callback gets the epoll_ctl error', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-native-watch-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'f');
  writeFileSync(file, '');
  const fd = native.inotifyInit();
  native.inotifyAdd(fd, file, native.inotifyFlags.modify);
  const calls: Array<NativeError | undefined> = [];
  const ended = new Promise<void>((resolve) => {
    const id = native.watchReadable(fd, (error) => {
      calls.push(error);
      // Closed under the watch: re-arming it (EPOLL_CTL_MOD) after this callback fails.
      if (!error) closeSync(fd);
      else resolve();
    }, true);
    t.teardown(() => native.unwatch(id));
  });
  writeFileSync(file, 'x');
  await ended;
  t.is(calls.length, 2);
  t.is(calls[0], undefined);
  checkNative(t, calls[1], 'epoll_ctl(EPOLL_CTL_MOD)', `fd ${fd}`, 'EBADF');
});

/** A plan as src/runtime/container.ts makes one, with no cgroup or network: enough for the child to fail. */
function plan(rootfs: string, argv: string[]): SpawnPlan {
  return {
    rootfs, hostname: 'native-errors', sessionKeyring: `ctr-native-errors-${process.pid}`, argv, env: ['PATH=/bin:/usr/bin'], path: '/bin:/usr/bin',
    mounts: [], net: null, console: 'inherit', stdio: null, keepCaps: [], capLast: Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')),
    namespaces: ['pid', 'mount', 'uts', 'ipc', 'net'],
  };
}

/** Spawns and releases; returns what release threw, once the child is reaped. */
async function childFailure(p: SpawnPlan): Promise<unknown> {
  const { pid, pidfd } = native.spawn(p);
  const exited = new Promise((resolve) => native.watchExit(pidfd, resolve));
  let thrown: unknown;
  try {
    native.release(pid);
  } catch (error) {
    thrown = error;
  }
  await exited;
  return thrown;
}

test('addon: a failure inside the cloned child comes back with its call, path and errno', async (t) => {
  const missing = path.join(tmpdir(), `ctr-no-such-rootfs-${process.pid}`);
  checkNative(t, await childFailure(plan(missing, ['/bin/true'])), 'open', missing, 'ENOENT');
  checkNative(t, await childFailure(plan(defaultRootfs, ['/no/such/command'])), 'exec', '/no/such/command', 'ENOENT');
});

test('API: a missing command is "cannot start container NAME: exec CMD: ..." keeping call, path and code, exit status 127', async (t) => {
  const name = uniqueName('nerr');
  const spec = buildSpec({ name, network: false, command: ['no-such-command-anywhere'] });
  let thrown: unknown;
  try {
    const fds: [number, number, number] = [openSync('/dev/null', 'r'), openSync('/dev/null', 'w'), openSync('/dev/null', 'w')];
    try {
      await startContainer(spec, { console: 'inherit', stdio: fds });
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  } catch (error) {
    thrown = error;
  }
  t.true(thrown instanceof RuntimeError);
  const error = thrown as RuntimeError & NativeError;
  t.is(error.message, `cannot start container ${name}: exec no-such-command-anywhere: No such file or directory`);
  t.is(error.exitStatus, 127);
  t.is(error.call, 'exec');
  t.is(error.path, 'no-such-command-anywhere');
  t.is(error.code, 'ENOENT');
  t.deepEqual(leftovers(name), []);
});

// ---------------------------------------------------------------- ctr-monitor and ctr-exec

test('ctr-exec into a dead pid: one line "ctr-exec: open /proc/PID/ns/cgroup: ...", exit status 1', (t) => {
  const pid = deadPid();
  const result = spawnSync(execBinary, ['--pid', String(pid), '--session-keyring', 'x', '--', 'true'], { encoding: 'utf8' });
  t.is(result.status, 1);
  t.is(result.stderr, `ctr-exec: open /proc/${pid}/ns/cgroup: No such file or directory\n`);
});

/** ctr-monitor with these arguments, told to go once it has cloned the init; its status, stdout and stderr once it is gone. */
async function runMonitor(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const monitor = spawn(monitorBinary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  monitor.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (/^pid \d+\n/.test(stdout) && !monitor.stdin.writableEnded) monitor.stdin.end('go\n');
  });
  monitor.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close': it has exited and its stdout and stderr are read to the end.
  const status = await new Promise<number | null>((resolve) => monitor.once('close', (code) => resolve(code)));
  return { status, stdout, stderr };
}

function monitorArgs(stateDir: string, rootfs: string, extra: string[] = []): string[] {
  return ['--state-dir', stateDir, '--rootfs', rootfs, '--hostname', 'h', '--session-keyring', `ctr-native-errors-${process.pid}`, ...extra, '--', '/bin/true'];
}

test('ctr-monitor: a failure in the child is one protocol line the runtime turns into the addon\'s error, and one line in its log', async (t) => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'ctr-native-errors-monitor-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const missing = path.join(stateDir, 'no-such-rootfs');
  const { status, stdout, stderr } = await runMonitor(monitorArgs(stateDir, missing));
  t.is(status, 1);
  const [pidLine, errorLine, ...rest] = lines(stdout);
  t.regex(pidLine!, /^pid \d+$/);
  t.deepEqual(rest, []);
  t.is(errorLine, `error ENOENT\topen\t${missing}\topen ${missing}: No such file or directory`);
  checkNative(t, monitorError(errorLine!), 'open', missing, 'ENOENT');
  t.is(stderr, `ctr-monitor: open ${missing}: No such file or directory\n`);
});

test('ctr-monitor: an OOM kill count it cannot read is recorded as unknown (null) and said in its log, never as 0', async (t) => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'ctr-native-errors-monitor-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const countFile = `/sys/fs/cgroup/ctr-no-such-container-${process.pid}/memory.oom_control`;
  const { status, stdout, stderr } = await runMonitor(monitorArgs(stateDir, defaultRootfs, ['--oom-count-file', countFile]));
  t.is(status, 0, stderr);
  t.deepEqual(lines(stdout).slice(1), ['started']);
  const exit = JSON.parse(readFileSync(path.join(stateDir, 'exit.json'), 'utf8')) as Record<string, unknown>;
  t.like(exit, { code: 0, signal: null, oomKills: null });
  t.is(stderr, `ctr-monitor: open ${countFile}: No such file or directory (the OOM kill count is unknown)\n`);
});

test('run -d with a missing command: one line naming exec and the command, exit status 127, nothing left', async (t) => {
  const name = uniqueName('nerd');
  const stateDir = mkdtempSync(path.join(tmpdir(), 'ctr-native-errors-state-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const result = await runCli(['--state-dir', stateDir, 'run', '-d', '--no-net', '--name', name, '--', 'no-such-command-anywhere']);
  t.is(result.code, 127, result.stderr);
  t.is(result.stderr, `ctr-tui: cannot start container ${name}: exec no-such-command-anywhere: No such file or directory\n`);
  t.deepEqual(leftovers(name), []);
});

// ---------------------------------------------------------------- paths no buffer may cut

/** A directory whose path is at least `length` bytes long, made of nested 200-byte names. */
function deepDir(base: string, length: number): string {
  let dir = base;
  for (let i = 0; dir.length < length; i++) dir = path.join(dir, `${String(i).padStart(3, '0')}-${'d'.repeat(196)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The default rootfs at a path of exactly `length` bytes: a symlink to it at the end of nested dirs. */
function longRootfs(t: ExecutionContext, length: number): string {
  const base = mkdtempSync(path.join(tmpdir(), 'ctr-native-long-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const dir = deepDir(base, length - 200);
  const rootfs = path.join(dir, `rootfs-${'r'.repeat(length - dir.length - 8)}`);
  symlinkSync(defaultRootfs, rootfs);
  if (rootfs.length !== length) throw new Error(`longRootfs: ${rootfs.length} bytes, not ${length}`);
  return rootfs;
}

/** Runs a container on `rootfs` that writes a file to its root; checks it stayed in its own layer. */
async function writesToItsOwnLayer(t: ExecutionContext, rootfs: string): Promise<void> {
  const file = `ctr-native-long-${process.pid}-${rootfs.length}`;
  t.teardown(() => rmSync(path.join(defaultRootfs, file), { force: true }));
  const name = uniqueName('nlng');
  const result = await runCli(['run', '--rm', '--no-net', '--name', name, '--rootfs', rootfs, '--', '/bin/sh', '-c',
    `echo mine > /${file} && cat /${file} && grep -c ' / / .* - overlay ' /proc/self/mountinfo`]);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(lines(result.stdout), ['mine', '1'], 'the root is an overlay');
  t.false(existsSync(path.join(defaultRootfs, file)), 'the shared rootfs was written to');
  t.deepEqual(leftovers(name), []);
}

test('a rootfs path longer than the overlay options could hold (over 4096 bytes of them) still gets a writable layer of its own', async (t) => {
  t.timeout(120_000);
  // The old options named the rootfs twice: 2 x 2200 bytes passed a page, and the 1024 bytes they had.
  await writesToItsOwnLayer(t, longRootfs(t, 2200));
});

test('a rootfs path that cut the old options just before "workdir=" is not bound writable in place of the overlay', async (t) => {
  t.timeout(120_000);
  // "lowerdir=/proc/self/fd/N,upperdir=ROOTFS/upper,work" in 1024 bytes: the kernel refused the
  // cut options (EINVAL), and the old code took that for "no overlay here" and bound the shared rootfs writable.
  await writesToItsOwnLayer(t, longRootfs(t, 978));
});

test('a rootfs path the kernel cannot take (PATH_MAX) is refused in one line', async (t) => {
  const base = mkdtempSync(path.join(tmpdir(), 'ctr-native-toolong-'));
  // rm's fts walks by fd; no one path of it may be given to the kernel whole.
  t.teardown(() => spawnSync('rm', ['-rf', base]));
  // Made step by step (relative mkdir), since no one call may take the whole path.
  let made = 0;
  const parts: string[] = [];
  while (base.length + made < 4200) {
    const part = `${String(parts.length).padStart(3, '0')}-${'d'.repeat(196)}`;
    parts.push(part);
    made += part.length + 1;
  }
  // A shell's cd keeps the whole path and gives up at PATH_MAX: python's chdir goes one name at a time.
  const mk = spawnSync('python3', ['-c', 'import os, sys\nfor p in sys.argv[1:]:\n  os.mkdir(p)\n  os.chdir(p)', ...parts], { cwd: base, encoding: 'utf8' });
  t.is(mk.status, 0, mk.stderr);
  const rootfs = path.join(base, ...parts);
  t.true(rootfs.length >= 4096);
  const name = uniqueName('ntl');
  const result = await runCli(['run', '--rm', '--no-net', '--name', name, '--rootfs', rootfs, '--', '/bin/true']);
  t.is(result.code, 2, result.stderr);
  t.true(isOneErrorLine(result.stderr), result.stderr);
  t.regex(result.stderr, /^ctr-tui: rootfs ".*" is too long: \d+ bytes, and the kernel takes paths under 4096\n$/);
  t.deepEqual(leftovers(name), []);
});

test('a share whose mountpoint path is longer than any fixed buffer is made and mounted', async (t) => {
  t.timeout(120_000);
  const source = mkdtempSync(path.join(tmpdir(), 'ctr-native-share-'));
  t.teardown(() => rmSync(source, { recursive: true, force: true }));
  writeFileSync(path.join(source, 'hello'), 'from the host\n');
  // 6 x 201 bytes: past the 256 bytes mkdir_parents copied it into.
  const target = `/ctr-native-share-${process.pid}/${Array.from({ length: 6 }, (_, i) => `${i}-${'s'.repeat(198)}`).join('/')}`;
  t.teardown(() => rmSync(path.join(defaultRootfs, `ctr-native-share-${process.pid}`), { recursive: true, force: true }));
  const name = uniqueName('nshr');
  const result = await runCli(['run', '--rm', '--no-net', '--name', name, '--share', `${source}:${target}`, '--', '/bin/sh', '-c', `cat '${target}/hello'`]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'from the host\n');
  t.false(existsSync(path.join(defaultRootfs, `ctr-native-share-${process.pid}`)), 'the mountpoint was made in the shared rootfs');
  t.deepEqual(leftovers(name), []);
});

// Node 20 swallows an exception thrown in an N-API thread-safe callback (DEP0168): a watch's
// callback that throws would be called again and again, silently. native.ts throws it again as
// an ordinary uncaught exception, so the process ends saying what went wrong.
test('a watch callback that throws ends the process with its error, not a silent loop', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-throw-'));
  const script = [
    `import { writeFileSync } from 'node:fs';`,
    `import { native } from ${JSON.stringify(path.resolve('src/runtime/native.ts'))};`,
    `const fd = native.inotifyInit();`,
    `native.inotifyAdd(fd, ${JSON.stringify(dir)}, 0x100);`,
    `native.watchReadable(fd, () => { throw new Error('thrown by the callback'); });`,
    `setTimeout(() => writeFileSync(${JSON.stringify(path.join(dir, 'f'))}, ''), 50);`,
    `setTimeout(() => { console.log('still running'); process.exit(0); }, 5000);`,
  ].join('\n');
  const file = path.join(dir, 'throw.ts');
  writeFileSync(file, script);
  const run = spawnSync(process.execPath, ['--import=tsx', file], { encoding: 'utf8', timeout: 30_000 });
  rmSync(dir, { recursive: true, force: true });
  t.not(run.status, 0, run.stdout);
  t.notRegex(run.stdout, /still running/);
  t.regex(run.stderr, /thrown by the callback/);
  t.notRegex(run.stderr, /DEP0168/);
});
