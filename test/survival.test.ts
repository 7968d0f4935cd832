// Detached containers outlive whoever created them: each is parented by its
// own ctr-monitor, and any later ctr-tui process finds, enters, stops and
// removes them. Killing the monitor kills the container (PDEATHSIG), and the
// next command reconciles the record and frees what it held.
import { existsSync } from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { assertSandboxed, cgroupDirsOf, ipRange, linkExists, uniqueName, waitUntil } from './helpers/container.js';
import {
  alive, creatorScript, eventually, makeLab, containersCgroupDir, parentPid, residue, settle, startCreator, type Lab,
} from './helpers/lifecycle.js';

assertSandboxed();

const nextIp = ipRange(170, 184);
const idle = 'echo ready; while :; do sleep 0.1; done';

/** ps, exec, stop, rm from fresh ctr-tui processes, for a container whose creator is gone. */
async function useFromNewProcesses(t: ExecutionContext, lab: Lab, name: string, pid: number, ip: string) {
  const rows = await lab.ps();
  const row = rows.find((r) => r.name === name);
  t.is(row?.state, 'running', JSON.stringify(rows));
  t.is(row?.pid, pid);
  t.true(alive(pid));
  const exec = await lab.cli(['exec', '-T', name, 'hostname']);
  t.is(exec.code, 0, exec.stderr);
  t.is(exec.stdout, `${name}\n`);
  const stop = await lab.cli(['stop', '-t', '1', name]);
  t.is(stop.code, 0, stop.stderr);
  t.false(alive(pid));
  const after = (await lab.ps(true)).find((r) => r.name === name);
  t.is(after?.state, 'exited');
  t.is(after?.exitCode, 137);
  const rm = await lab.cli(['rm', name]);
  t.is(rm.code, 0, rm.stderr);
  t.deepEqual(await settle(() => residue(lab.dir, name, ip)), []);
}

test('run -d: the container outlives the CLI that made it; a new ctr-tui lists, execs into, stops and removes it', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('surv');
  const ip = `10.0.0.${nextIp()}`;
  lab.track(name);
  const creator = lab.start(['run', '-d', '--name', name, '--ip', ip, '--', 'sh', '-c', idle]);
  creator.endInput();
  const created = await creator.result;
  t.is(created.code, 0, created.stderr);
  t.false(alive(creator.pid), 'the creating CLI has exited');
  const info = await lab.inspect(name);
  t.is(info.state, 'running');
  // The init's parent is the monitor, a session leader of its own, not the CLI.
  t.is(parentPid(info.pid!), info.monitorPid);
  t.not(info.monitorPid, creator.pid);
  await useFromNewProcesses(t, lab, name, info.pid!, ip);
});

test('API: the container outlives a creator killed with SIGKILL while it still runs', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('survk');
  const ip = `10.0.0.${nextIp()}`;
  lab.track(name);
  const creator = startCreator(creatorScript(t, lab.dir, [{ name, ip, command: ['sh', '-c', idle] }]), 1);
  t.teardown(() => creator.kill('SIGKILL'));
  const [started] = await creator.started;
  t.is(started.name, name);
  t.true(alive(creator.pid), 'the creator blocks after run()');
  creator.kill('SIGKILL');
  const gone = await creator.exited;
  t.is(gone.signal, 'SIGKILL');
  t.false(alive(creator.pid));
  t.true(alive(started.pid), 'the container is still running');
  await useFromNewProcesses(t, lab, name, started.pid, ip);
});

test('an exit that happens after the creator was killed is recorded: ps -a and inspect show code 7', async (t) => {
  const lab = makeLab(t);
  const quick = uniqueName('exq');
  const later = uniqueName('exl');
  const ipQuick = `10.0.0.${nextIp()}`;
  const ipLater = `10.0.0.${nextIp()}`;
  lab.track(quick, later);
  const creator = startCreator(creatorScript(t, lab.dir, [
    { name: quick, ip: ipQuick, command: ['sh', '-c', 'exit 7'] },
    // Exits only when told to, so certainly after its creator is dead.
    { name: later, ip: ipLater, command: ['sh', '-c', 'while [ ! -e /dev/shm/go ]; do sleep 0.05; done; exit 7'] },
  ]), 2);
  t.teardown(() => creator.kill('SIGKILL'));
  const started = await creator.started;
  t.deepEqual(started.map((s) => s.name), [quick, later]);
  creator.kill('SIGKILL');
  t.is((await creator.exited).signal, 'SIGKILL');

  const running = (await lab.ps()).map((r) => r.name);
  t.true(running.includes(later), `ps: ${running.join(', ')}`);
  const go = await lab.cli(['exec', '-T', later, 'touch', '/dev/shm/go']);
  t.is(go.code, 0, go.stderr);

  const rows = await eventually(async () => {
    const all = await lab.ps(true);
    return all.length === 2 && all.every((r) => r.state === 'exited') ? all : null;
  }, 'both containers to be recorded as exited');
  for (const row of rows) t.is(row.exitCode, 7, `${row.name}: ${JSON.stringify(row)}`);
  for (const name of [quick, later]) {
    const info = await lab.inspect(name);
    t.is(info.exit?.code, 7, name);
    t.is(info.exit?.signal, null, name);
    t.true(existsSync(path.join(lab.dir, name, 'exit.json')), `${name}: the monitor wrote exit.json`);
  }
  t.is((await lab.cli(['rm', quick, later])).code, 0);
  t.deepEqual(await settle(() => [...residue(lab.dir, quick, ipQuick), ...residue(lab.dir, later, ipLater)]), []);
});

test('SIGKILL of the monitor kills the container (PDEATHSIG); the next ps -a records it exited and frees its cgroup', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('mkill');
  const ip = `10.0.0.${nextIp()}`;
  lab.track(name);
  t.is((await lab.cli(['run', '-d', '--name', name, '--ip', ip, '--memory', '32M', '--', 'sh', '-c', idle])).code, 0);
  const info = await lab.inspect(name);
  const { pid, monitorPid } = info as { pid: number; monitorPid: number };
  t.is(parentPid(pid), monitorPid);
  process.kill(monitorPid, 'SIGKILL');
  await waitUntil(() => !alive(monitorPid), 'the monitor to die', 5000);
  await waitUntil(() => !alive(pid), 'the container\'s init to die with its monitor (PDEATHSIG)', 5000);
  t.pass('the init died with its monitor');
  // Nobody removed the cgroup: the monitor that would have is dead.
  t.true(existsSync(path.join(containersCgroupDir(), name)), 'the cgroup is still there before reconciliation');
  t.false(existsSync(path.join(lab.dir, name, 'exit.json')), 'no exit.json: the monitor died first');

  const rows = await lab.ps(true);
  t.is(rows.length, 1);
  t.is(rows[0].state, 'exited');
  t.not(rows[0].exitCode, null);
  t.log(`ps -a after the monitor was killed: exitCode ${rows[0].exitCode}`);
  t.false(existsSync(path.join(containersCgroupDir(), name)), 'ps -a removed the cgroup');
  t.deepEqual(cgroupDirsOf(name), [], 'and the cgroup in every hierarchy');
  await waitUntil(() => !linkExists(`ctr-${name}`), 'the veth to go with the namespace', 5000);
  const after = await lab.inspect(name);
  t.is(after.state, 'exited');
  t.not(after.exit, null);
  // Running containers no longer include it; rm needs no -f.
  t.deepEqual(await lab.ps(), []);
  const rm = await lab.cli(['rm', name]);
  t.is(rm.code, 0, rm.stderr);
  t.deepEqual(await settle(() => residue(lab.dir, name, ip)), []);
});
