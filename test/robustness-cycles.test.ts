// Create/remove cycles, many, through the runtime API (and some through the
// CLI): every cycle's container is gone with all it held, and the test
// process itself keeps no fd per container. Strict: a remove that fails is a
// failure, whatever it raced with.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { buildSpec } from '../src/runtime/build-spec.js';
import { Runtime } from '../src/runtime/runtime.js';
import { assertSandboxed, uniqueName } from './helpers/container.js';
import { makeLab, settle } from './helpers/lifecycle.js';
import { addedHoldings, containerMount, hostHoldings, markVariable, openFds, removedResidue, stateEntries } from './helpers/robustness.js';

assertSandboxed();

const cycles = Number(process.env.CTR_TUI_ROBUSTNESS_CYCLES ?? 300);
const cliCycles = 15;
// Owned addresses (see ipRange in helpers/container.ts).
const apiIp = '10.0.0.252';
const cliIp = '10.0.0.253';
const tag = uniqueName('mark');
const pidTag = tag.slice(4, 7);

function fdTargets(fds: string[]): string[] {
  return fds.map((fd) => {
    try {
      return readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n')[0] ?? fd;
    } catch {
      return fd;
    }
  });
}

test.serial(`${cycles} create/remove cycles through the API: no cgroup, veth, mount, state file, monitor or fd left`, async (t) => {
  const lab = makeLab(t, { timeoutMs: 600_000 });
  const runtime = new Runtime(lab.dir);
  t.teardown(() => runtime.close());
  const base = uniqueName('cy');
  const before = await hostHoldings(tag);
  const fdsBefore = openFds();
  const names: string[] = [];
  const kinds = { exited: 0, killed: 0, noNet: 0 };
  const started = Date.now();
  for (let i = 0; i < cycles; i++) {
    const name = `${base}-${i}`;
    names.push(name);
    lab.track(name);
    // Three kinds, in turn: one that exits at once and is removed once exited; one that runs and is
    // removed with force (some exit while removed: a race that must not show); one without a veth.
    const kind = i % 3;
    const network = kind !== 2;
    const command = kind === 0 ? ['/bin/true'] : ['sleep', '3600'];
    const info = await runtime.run(buildSpec({ name, ip: network ? apiIp : undefined, network, command }));
    if (info.state !== 'running') t.fail(`cycle ${i}: run gave state ${info.state}`);
    if (kind === 0) {
      const exit = await runtime.waitExit(name, 10_000);
      if (!exit || exit.code !== 0) t.fail(`cycle ${i}: exit ${JSON.stringify(exit)}`);
      await runtime.remove(name);
      kinds.exited++;
    } else {
      await runtime.remove(name, true);
      if (network) kinds.killed++;
      else kinds.noNet++;
    }
  }
  const took = Date.now() - started;
  const left = await settle(() => removedResidue(lab.dir, names, [apiIp]));
  const entries = stateEntries(lab.dir);
  const added = addedHoldings(before, await hostHoldings(tag), (entry) => entry.includes(pidTag) || containerMount(entry, lab.dir));
  const fdsAfter = openFds();
  const newFds = fdTargets(fdsAfter.filter((fd) => !fdsBefore.includes(fd)));
  t.log(`robustness: ${cycles} API create/remove cycles (${kinds.exited} exited then removed, ${kinds.killed} removed running with -f, ${kinds.noNet} without a veth) in ${took} ms, ${(took / cycles).toFixed(1)} ms each; fds ${fdsBefore.length} -> ${fdsAfter.length}; ${left.length + entries.length + added.length} leftovers`);
  t.deepEqual(left, [], 'nothing of any container is left');
  t.deepEqual(entries, [], 'the state dir holds only the event journal');
  t.deepEqual(added, [], 'the host holds nothing new');
  // A few fds may come and go with Node's own work (a timer's, a child's pipe); one per container would be hundreds.
  t.true(fdsAfter.length <= fdsBefore.length + 3, `open fds went from ${fdsBefore.length} to ${fdsAfter.length}: ${newFds.join('; ')}`);
});

test.serial(`${cliCycles} run -d / rm -f cycles and ${cliCycles} foreground runs through the CLI leave nothing`, async (t) => {
  const lab = makeLab(t, { timeoutMs: 600_000 });
  const env = { [markVariable]: tag };
  const before = await hostHoldings(tag);
  const names: string[] = [];
  for (let i = 0; i < cliCycles; i++) {
    const name = uniqueName('cc');
    names.push(name);
    lab.track(name);
    const run = await lab.cli(['run', '-d', '--name', name, '--ip', cliIp, '--', 'sleep', '3600'], { env });
    t.is(run.code, 0, run.stderr);
    const rm = await lab.cli(['rm', '-f', name], { env });
    t.is(rm.code, 0, rm.stderr);
    t.is(rm.stdout, `${name}\n`);
    const fg = uniqueName('cf');
    names.push(fg);
    lab.track(fg);
    const once = await lab.cli(['run', '--name', fg, '--ip', cliIp, '--', '/bin/sh', '-c', 'echo once'], { env });
    t.is(once.code, 0, once.stderr);
    t.is(once.stdout, 'once\n');
  }
  const left = await settle(() => removedResidue(lab.dir, names, [cliIp]));
  const entries = stateEntries(lab.dir);
  const added = addedHoldings(before, await hostHoldings(tag), (entry) => entry.includes(pidTag) || containerMount(entry, lab.dir));
  t.log(`robustness: ${cliCycles * 2} CLI cycles (${cliCycles} run -d + rm -f, ${cliCycles} foreground runs); ${left.length + entries.length + added.length} leftovers`);
  t.deepEqual(left, []);
  t.deepEqual(entries, []);
  t.deepEqual(added, []);
});
