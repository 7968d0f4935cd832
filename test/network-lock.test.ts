// The network lock (picking an address and claiming it) is flock(2) on a
// file: nothing a dead or half-finished holder leaves behind can block a run.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withNetworkLock } from '../src/runtime/network.js';
import { assertSandboxed, leftovers, runCli, runHost, uniqueName, waitUntil } from './helpers/container.js';

assertSandboxed();

const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-netlock-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
// A lock file of this test file's own, so that holding it never slows the other files' runs.
const lockFile = path.join(dir, 'network.lock');
process.env.CTR_TUI_NETWORK_LOCK = lockFile;

/** `flock -o FILE sleep 60` (the sleep does not inherit the lock), as another process would hold it; resolves once it does. */
async function holder(pidInFile: boolean) {
  const script = pidInFile ? `echo $$ > ${lockFile}; exec flock -o ${lockFile} sleep 60` : `exec flock -o ${lockFile} sleep 60`;
  const child = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitUntil(() => existsSync(lockFile), 'the lock file');
  // Held once a non-blocking attempt of our own fails.
  for (;;) {
    const probe = await runHost('flock', ['-n', lockFile, 'true']);
    if (probe.code !== 0) break;
    await sleep(10);
  }
  return { pid: child.pid!, kill: async () => {
    process.kill(-child.pid!, 'SIGKILL');  // flock and its sleep
    await exited;
  } };
}

test.serial('an empty or garbled lock file left by a killed creator does not block anyone', async (t) => {
  for (const content of ['', 'garbage', '999999 12345\n']) {
    writeFileSync(lockFile, content);
    const began = Date.now();
    t.is(await withNetworkLock(async () => 42, 2000), 42, JSON.stringify(content));
    t.true(Date.now() - began < 500, `took ${Date.now() - began} ms with ${JSON.stringify(content)}`);
  }
});

test.serial('a live holder is waited for, and named when it holds on too long', async (t) => {
  const held = await holder(true);
  const error = await t.throwsAsync(withNetworkLock(async () => 1, 300));
  t.regex(error!.message, new RegExp(`^the network lock ${lockFile} is held by pid ${held.pid}: try again`));
  // The holder is SIGKILLed while we wait: the kernel drops its lock at once.
  const waiting = withNetworkLock(async () => Date.now(), 10_000);
  await sleep(200);
  const killedAt = Date.now();
  await held.kill();
  const gotAt = await waiting;
  t.true(gotAt - killedAt < 500, `got the lock ${gotAt - killedAt} ms after its holder died`);
});

test.serial('two holders in one process take turns', async (t) => {
  let inside = 0;
  let most = 0;
  const work = async () => {
    inside++;
    most = Math.max(most, inside);
    await sleep(30);
    inside--;
  };
  await Promise.all([withNetworkLock(work), withNetworkLock(work), withNetworkLock(work)]);
  t.is(most, 1);
});

test.serial('a networked run with an empty lock file left over starts at once', async (t) => {
  t.timeout(60_000);
  writeFileSync(lockFile, '');
  const name = uniqueName('nlk');
  const began = Date.now();
  const result = await runCli(['run', '--name', name, '--ip', '10.0.3.2', '--host-ip', '10.0.3.1', '--', 'true'], {});
  t.is(result.code, 0, result.stderr);
  t.is(result.stderr, '');
  t.true(Date.now() - began < 8000, `took ${Date.now() - began} ms`);
  t.deepEqual(leftovers(name, { ip: '10.0.3.2' }), []);
});
