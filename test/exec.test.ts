// ctr-tui exec: a process inside a running detached container, in all its
// namespaces and its cgroup, with a pty of the container's own (-t) or plain
// pipes (-T); its exit status is exec's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import pty from 'node-pty';
import { cgroupDriver } from '../src/runtime/container.js';
import { assertSandboxed, cgroupDirsOf, cliArgv, ipRange, repoRoot, uniqueName, waitUntil } from './helpers/container.js';
import { alive, cmdline, comm, makeLab, namespacePid, parentPid, pidsOfProc, residue, settle, type Lab } from './helpers/lifecycle.js';

assertSandboxed();

const nextIp = ipRange(185, 199);

/** A running container (init: a sleeping shell) in a fresh lab. */
async function runningContainer(t: ExecutionContext, prefix: string): Promise<{ lab: Lab; name: string; ip: string; pid: number }> {
  const lab = makeLab(t);
  const name = uniqueName(prefix);
  const ip = `10.0.0.${nextIp()}`;
  lab.track(name);
  const run = await lab.cli(['run', '-d', '--name', name, '--ip', ip, '--memory', '64M', '--', 'sleep', '3600']);
  if (run.code !== 0) throw new Error(`run -d failed: ${run.stderr}`);
  const { pid } = await lab.inspect(name);
  return { lab, name, ip, pid: pid! };
}

async function removeAndCheck(t: ExecutionContext, lab: Lab, name: string, ip: string) {
  const rm = await lab.cli(['rm', '-f', name]);
  t.is(rm.code, 0, rm.stderr);
  t.deepEqual(await settle(() => residue(lab.dir, name, ip)), []);
}

test('exec -t: a pty in the container, sized as the terminal it was given, with the container\'s hostname and pids', async (t) => {
  const { lab, name, ip, pid } = await runningContainer(t, 'xpty');
  const [node, ...args] = cliArgv(['--state-dir', lab.dir, 'exec', '-t', name, 'sh', '-c', 'hostname; echo pid=$$; stty size; ps -e | wc -l; tty']);
  const term = pty.spawn(node, args, {
    name: 'xterm-256color',
    cols: 100,
    rows: 30,
    cwd: repoRoot,
    env: { ...process.env, CI: 'false' } as Record<string, string>,
  });
  let output = '';
  term.onData((data) => (output += data));
  const exitCode = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      term.kill('SIGKILL');
      reject(new Error(`exec -t timed out; output so far ${JSON.stringify(output)}`));
    }, 90_000);
    term.onExit(({ exitCode: code }) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  // A pty turns \n into \r\n.
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  t.is(exitCode, 0, output);
  t.is(lines[0], name, output);
  const inner = Number(/^pid=(\d+)$/.exec(lines[1] ?? '')?.[1]);
  t.true(Number.isInteger(inner) && inner > 1 && inner < 50, `the shell's pid in the container's namespace: ${lines[1]}`);
  t.not(inner, pid);
  t.is(lines[2], '30 100', 'stty size: rows and columns of the terminal exec was given');
  // ps's header, the init, sh, ps and wc: nothing of the host's processes.
  const count = Number(lines[3]);
  t.true(count >= 4 && count <= 8, `ps -e | wc -l in the container: ${lines[3]}`);
  t.regex(lines[4] ?? '', /^\/dev\/pts\/\d+$/, 'a pty of the container\'s own devpts');
  t.true(alive(pid), 'the container keeps running after exec');
  await removeAndCheck(t, lab, name, ip);
});

test('exec -T: stdin and stdout are passed through; the exit status is exec\'s (3, 127 for a missing command)', async (t) => {
  const { lab, name, ip } = await runningContainer(t, 'xio');
  const cat = await lab.cli(['exec', '-T', name, 'cat'], { input: 'hi\nthere\n' });
  t.is(cat.code, 0, cat.stderr);
  t.is(cat.stdout, 'hi\nthere\n');
  t.is(cat.stderr, '');
  const big = 'x'.repeat(200_000) + '\n';
  const wc = await lab.cli(['exec', '-T', name, 'wc', '-c'], { input: big });
  t.is(wc.stdout.trim(), String(big.length));
  const three = await lab.cli(['exec', '-T', name, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.is(three.code, 3);
  t.is(three.stdout, 'out\n');
  t.is(three.stderr, 'err\n');
  const missing = await lab.cli(['exec', '-T', name, '/no/such/program']);
  t.is(missing.code, 127, missing.stderr);
  t.regex(missing.stderr, /no\/such\/program/);
  const killed = await lab.cli(['exec', '-T', name, 'sh', '-c', 'kill -9 $$']);
  t.is(killed.code, 137, 'a signal death becomes 128 + the signal');
  for (const [signal, status] of [['USR1', 138], ['TERM', 143], ['SEGV', 139]] as const) {
    const died = await lab.cli(['exec', '-T', name, 'sh', '-c', `kill -${signal} $$`]);
    t.is(died.code, status, `killed by SIG${signal}: 128 + its number`);
  }
  // ctr-exec itself killed by a signal: the same rule, for its signal.
  const held = lab.start(['exec', '-T', name, 'sh', '-c', 'echo started; exec sleep 3599.5 </dev/null >/dev/null 2>&1']);
  held.endInput();
  await held.waitForStdout(/started/);
  const helper = await waitUntil(() => pidsOfProc().map(Number).find((p) => parentPid(p) === held.pid && comm(p) === 'ctr-exec'), 'ctr-exec, the child of ctr-tui exec');
  process.kill(helper, 'SIGUSR1');
  t.is((await held.result).code, 138, 'ctr-exec killed by SIGUSR1: 138, not 137');
  await removeAndCheck(t, lab, name, ip);
});

test('exec joins the container\'s cgroup: /proc/self/cgroup shows "/" and the host sees the process in cgroup.procs', async (t) => {
  const { lab, name, ip } = await runningContainer(t, 'xcg');
  const view = await lab.cli(['exec', '-T', name, 'cat', '/proc/self/cgroup']);
  t.is(view.code, 0, view.stderr);
  const memoryLine = view.stdout.split('\n').find((l) => /^\d+:memory:/.test(l));
  t.is(memoryLine?.split(':')[2], '/', view.stdout);
  for (const line of view.stdout.split('\n').filter(Boolean)) t.is(line.split(':')[2], '/', `every hierarchy is rooted at the container: ${line}`);

  // A process that stays while we look from the host; a distinctive argument to find it by.
  const marker = '3599.25';
  const exec = lab.start(['exec', '-T', name, 'sh', '-c', `echo started; exec sleep ${marker}`]);
  exec.endInput();
  await exec.waitForStdout(/started/);
  const dirs = cgroupDirsOf(name);
  // The cgroup.procs that lists all of the container's processes (v1: the memory hierarchy's), as the runtime's driver names it.
  const procsFile = cgroupDriver().open(name)?.files.procs ?? '';
  t.true(dirs.some((d) => procsFile.startsWith(`${d}/`)), `cgroup dirs ${dirs.join(', ')}; procs ${procsFile}`);
  const hostPid = await waitUntil(() => {
    const procs = readFileSync(procsFile, 'utf8').split('\n').filter(Boolean).map(Number);
    return procs.find((p) => (cmdline(p) ?? []).join(' ') === `sleep ${marker}`);
  }, 'the exec\'d sleep in the container\'s cgroup.procs');
  // ...and in that of every other hierarchy the container has (v2's unified one has no controllers).
  for (const dir of dirs) {
    const procs = readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    t.true(procs.includes(hostPid), `${dir}/cgroup.procs has ${hostPid}`);
  }
  t.is(comm(parentPid(hostPid)!), 'ctr-exec', 'its parent is ctr-exec');
  t.true((namespacePid(hostPid) ?? 0) < 50, `in the container it has a small pid (${namespacePid(hostPid)})`);
  process.kill(hostPid, 'SIGKILL');
  const result = await exec.result;
  t.is(result.code, 137);
  await removeAndCheck(t, lab, name, ip);
});
