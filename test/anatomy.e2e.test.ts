// The anatomy view end to end: the real dashboard on a pseudo-terminal (headless xterm), i on a
// real running container, and what the screen shows checked against the kernel's own files.
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import test from 'ava';
import { assertSandboxed, cliArgv, repoRoot, runCli, uniqueName } from './helpers/container.js';
import { residue, settle } from './helpers/lifecycle.js';
import { Keys, pressUntil, spawnScreen } from './helpers/screen.js';

test.before(() => {
  assertSandboxed();
});

test.serial('i opens the anatomy of the selected container: its real namespace inodes, its cgroup files, its veth; Esc closes it', async (t) => {
  t.timeout(120_000);
  const stateDir = mkdtempSync('/run/ctr-tui-anat-');
  const name = uniqueName('ane');
  t.teardown(async () => {
    await runCli(['--state-dir', stateDir, 'rm', '-f', name], { timeoutMs: 20_000 }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });
  const run = await runCli(['--state-dir', stateDir, 'run', '-d', '--name', name, '--ip', '10.0.5.9', '--host-ip', '10.0.5.1', '--memory', '32M', '--', 'sleep', '3600'], { timeoutMs: 30_000 });
  t.is(run.code, 0, run.stderr);
  const inspect = await runCli(['--state-dir', stateDir, 'inspect', name]);
  const pid = (JSON.parse(inspect.stdout) as { pid: number }).pid;
  const netInode = /\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/net`))![1];

  const [file, ...args] = cliArgv(['--state-dir', stateDir]);
  const screen = spawnScreen(file, args, { cols: 80, rows: 24, cwd: repoRoot });
  t.teardown(() => screen.close());
  await screen.waitFor(name, 30_000, 'the container in the list');
  await pressUntil(screen, 'i', '[Namespaces]', 'the anatomy view');
  await screen.waitFor(new RegExp(`net +${netInode} +\\d+ +new`), 15_000, 'its net namespace inode');
  await pressUntil(screen, Keys.right, '[cgroup]', 'the cgroup section');
  await screen.waitFor(/memory\.limit_in_bytes +33554432 \(32 MiB\)|memory\.max +33554432 \(32 MiB\)/, 15_000, 'its memory limit file');
  await pressUntil(screen, `${Keys.right}${Keys.right}`, '[Network]', 'the network section');
  await screen.waitFor(/eth0 \(veth\) UP .*10\.0\.5\.9\/24/, 15_000, 'eth0 inside');
  await screen.waitFor(new RegExp(`ctr-${name} \\(veth\\) UP .*10\\.0\\.5\\.1/32`), 15_000, 'the host end');
  await pressUntil(screen, Keys.escape, /Containers \(1\)/, 'the list again');
  await pressUntil(screen, 'q', /ctr-tui: 1 container/, 'the dashboard gone');
  t.is((await screen.exited).exitCode, 0);
  const rm = await runCli(['--state-dir', stateDir, 'rm', '-f', name]);
  t.is(rm.code, 0, rm.stderr);
  t.deepEqual(await settle(() => residue(stateDir, name)), []);
});
