// The one event stream: every container of a state dir, whoever made it,
// with each OOM kill told once and named by its victim's identity. Real
// containers, made by other processes (the CLI) while this one watches.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { Runtime, type RuntimeEvent } from '../src/runtime/runtime.js';
import type { OomKill } from '../src/runtime/oom-watch.js';
import { assertSandboxed, leftovers, lines, uniqueName, waitUntil } from './helpers/container.js';
import { makeLab, type Lab } from './helpers/lifecycle.js';

assertSandboxed();

const MiB = 1024 * 1024;
/** A hungry that fills 32 MiB in a few ms; each run prints the victim-to-be's pid inside. */
const hungry = '/var/shared_folder/hungry --step 8 --interval 1 >/dev/null';
const killLoop = (n: number, pause: string) => `for i in $(seq ${n}); do ${hungry} & echo "victim $!"; wait; ${pause} done`;
const victims = (stdout: string) => lines(stdout).filter((l) => l.startsWith('victim ')).map((l) => Number(l.slice(7)));

function watcher(t: ExecutionContext, lab: Lab): RuntimeEvent[] {
  const runtime = new Runtime(lab.dir);
  const events: RuntimeEvent[] = [];
  runtime.on('event', (e) => events.push(e));
  runtime.watch();
  t.teardown(() => runtime.close());
  return events;
}

const killsOf = (events: RuntimeEvent[], name: string): OomKill[] =>
  events.flatMap((e) => (e.kind === 'oom-kill' && e.name === name ? [e.kill] : []));
const kindsOf = (events: RuntimeEvent[], name: string) => events.filter((e) => e.name === name).map((e) => e.kind);

function assertNamedKills(t: ExecutionContext, told: OomKill[], expectedPids: number[]): void {
  // In the cgroup's own order (a kill may reach a watcher through the journal, a little later).
  const kills = [...told].sort((a, b) => a.count - b.count);
  t.deepEqual(kills.map((k) => k.pid), expectedPids, 'each kill named with its own victim\'s pid inside');
  t.true(kills.every((k) => k.comm === 'hungry'), JSON.stringify(kills));
  t.true(kills.every((k) => k.limit === 32 * MiB));
  t.is(new Set(kills.map((k) => k.hostPid)).size, kills.length, 'distinct host pids');
  t.true(kills.every((k) => k.hostPid !== null && k.hostPid !== k.pid));
  t.deepEqual(kills.map((k) => k.count), kills.map((_, i) => i + 1));
}

test.serial('a foreground run made by another process after the watcher started: lifecycle and six back-to-back kills, each named right', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('evfg');
  lab.track(name);
  const events = watcher(t, lab);
  const result = await lab.cli(['run', '--name', name, '--memory', '32M', '--no-net', '--', 'sh', '-c', killLoop(6, 'sleep 0.1;')]);
  t.is(result.code, 0, result.stderr);
  const pids = victims(result.stdout);
  t.is(pids.length, 6, result.stdout);
  await waitUntil(() => kindsOf(events, name).includes('removed'), 'the removed event', 30_000);
  t.deepEqual(kindsOf(events, name), ['created', 'started', ...pids.map(() => 'oom-kill' as const), 'exited', 'removed']);
  assertNamedKills(t, killsOf(events, name), pids);
  // The CLI that ran it names the same victims.
  t.deepEqual(lines(result.stderr), pids.map((pid) => `ctr-tui: OOM kill in ${name}: hungry (pid ${pid}) hit the 32 MiB memory limit`));
  const exited = events.find((e): e is Extract<RuntimeEvent, { kind: 'exited' }> => e.kind === 'exited' && e.name === name)!;
  t.deepEqual({ code: exited.exit.code, oomKills: exited.exit.oomKills }, { code: 0, oomKills: 6 });
  t.deepEqual(leftovers(name), []);
});

test.serial('run -d by another process, then exec\'d processes killed back to back: each named with its pid inside', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('evd');
  lab.track(name);
  const events = watcher(t, lab);
  t.is((await lab.cli(['run', '-d', '--name', name, '--memory', '32M', '--no-net', '--', 'sleep', '300'])).code, 0);
  const exec = await lab.cli(['exec', name, 'sh', '-c', killLoop(5, '')]);
  t.is(exec.code, 0, exec.stderr);
  const pids = victims(exec.stdout);
  t.is(pids.length, 5, exec.stdout);
  await waitUntil(() => killsOf(events, name).length >= 5, 'five oom-kill events', 30_000);
  assertNamedKills(t, killsOf(events, name), pids);
  t.is((await lab.cli(['rm', '-f', name])).code, 0);
  await waitUntil(() => kindsOf(events, name).includes('removed'), 'the removed event', 30_000);
  t.deepEqual(kindsOf(events, name), ['created', 'started', 'oom-kill', 'oom-kill', 'oom-kill', 'oom-kill', 'oom-kill', 'exited', 'removed']);
  t.deepEqual(leftovers(name), []);
});

test.serial('two containers OOM-killed at the same moment: each kill in its own container, each init named pid 1', async (t) => {
  const lab = makeLab(t);
  const names = [uniqueName('evtwa'), uniqueName('evtwb')];
  lab.track(...names);
  const gate = mkdtempSync(path.join(tmpdir(), 'ctr-tui-gate-'));
  t.teardown(() => rmSync(gate, { recursive: true, force: true }));
  const events = watcher(t, lab);
  const wait = `while [ ! -e /gate/go ]; do sleep 0.01; done; exec ${hungry.replace(' >/dev/null', '')}`;
  for (const name of names) {
    const run = await lab.cli(['run', '-d', '--name', name, '--memory', '32M', '--no-net', '--share', `${gate}:/gate`, '--', 'sh', '-c', wait]);
    t.is(run.code, 0, run.stderr);
  }
  const inits = await Promise.all(names.map(async (name) => (await lab.inspect(name)).pid));
  writeFileSync(path.join(gate, 'go'), '');
  await waitUntil(() => names.every((name) => kindsOf(events, name).includes('exited')), 'both exits', 30_000);
  names.forEach((name, i) => {
    const kills = killsOf(events, name);
    t.is(kills.length, 1, `${name}: ${JSON.stringify(kills)}`);
    t.like(kills[0], { comm: 'hungry', pid: 1, hostPid: inits[i], count: 1 });
  });
  for (const name of names) t.is((await lab.cli(['rm', name])).code, 0);
  for (const name of names) t.deepEqual(leftovers(name), []);
});

test.serial('more than 10 kills within 5 s across the host (the kernel\'s summary is rate-limited): every one named, none twice', async (t) => {
  const lab = makeLab(t);
  const names = [uniqueName('evma'), uniqueName('evmb'), uniqueName('evmc')];
  lab.track(...names);
  const events = watcher(t, lab);
  const runs = await Promise.all(names.map((name) => lab.cli(['run', '--name', name, '--memory', '32M', '--no-net', '--', 'sh', '-c', killLoop(4, '')])));
  const began = Math.min(...events.filter((e) => e.kind === 'started').map((e) => e.at));
  for (const [i, name] of names.entries()) {
    t.is(runs[i].code, 0, runs[i].stderr);
    await waitUntil(() => kindsOf(events, name).includes('removed'), `${name} removed`, 30_000);
    assertNamedKills(t, killsOf(events, name), victims(runs[i].stdout));
  }
  const kills = events.filter((e) => e.kind === 'oom-kill');
  t.is(kills.length, 12);
  t.true(Math.max(...kills.map((e) => e.at)) - began < 5000, 'all within 5 s');
});

test.serial('a foreground ctr-tui killed with SIGKILL: the watcher tells its container\'s end', async (t) => {
  const lab = makeLab(t);
  const name = uniqueName('evkill');
  lab.track(name);
  const events = watcher(t, lab);
  const cli = lab.start(['run', '--name', name, '--no-net', '--', 'sh', '-c', 'echo up; exec sleep 300']);
  await cli.waitForStdout(/up/);
  await waitUntil(() => kindsOf(events, name).includes('started'), 'the started event');
  cli.signal('SIGKILL');
  const exited = await waitUntil(() => events.find((e): e is Extract<RuntimeEvent, { kind: 'exited' }> => e.kind === 'exited' && e.name === name), 'the exited event', 30_000);
  t.is(exited.exit.signal, 9);
  await cli.result;
  await lab.cli(['rm', '-f', name]);
  await waitUntil(() => leftovers(name).length === 0, 'nothing left', 10_000);
});

test.serial('ctr-tui events: live lines, --json, --since replays, --filter, and bad input in one line', async (t) => {
  const lab = makeLab(t);
  const [name, other] = [uniqueName('evcli'), uniqueName('evoth')];
  lab.track(name, other);
  const probe = uniqueName('evprb');
  lab.track(probe);
  const json = lab.start(['events', '--json', '--filter', `name=${name}`, '--filter', `name=${probe}`]);
  const text = lab.start(['events']);
  t.teardown(() => {
    json.signal('SIGTERM');
    text.signal('SIGTERM');
  });
  // Both are watching once a container's events reach them.
  while (!json.stdout().includes(probe) || !text.stdout().includes(probe)) {
    await lab.cli(['run', '--name', probe, '--no-net', '--', 'true']);
  }
  t.is((await lab.cli(['run', '-d', '--name', other, '--no-net', '--', 'true'])).code, 0);
  const run = await lab.cli(['run', '--name', name, '--memory', '32M', '--no-net', '--', 'sh', '-c', killLoop(2, '')]);
  t.is(run.code, 0, run.stderr);
  const pids = victims(run.stdout);
  await json.waitForStdout(/"kind":"removed"/, 30_000);
  const jsonEvents = lines(json.stdout()).map((l) => JSON.parse(l) as RuntimeEvent).filter((e) => e.name === name);
  t.deepEqual(jsonEvents.map((e) => e.kind), ['created', 'started', 'oom-kill', 'oom-kill', 'exited', 'removed']);
  t.deepEqual(jsonEvents.flatMap((e) => (e.kind === 'oom-kill' ? [e.kill.pid] : [])), pids);
  await text.waitForStdout(new RegExp(`removed\\s+${name}`), 30_000);
  t.regex(text.stdout(), new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  oom-kill  ${name}  hungry \\(pid ${pids[0]}, host pid \\d+\\) hit the 32 MiB memory limit$`, 'm'));
  t.regex(text.stdout(), new RegExp(`exited    ${other}  exited \\(code 0\\)`));

  // Looking back: the same events, from the journal, then it stops at --until.
  const since = await lab.cli(['events', '--json', '--since', '10m', '--until', '0s', '--filter', `name=${name}`]);
  t.is(since.code, 0, since.stderr);
  // Each process times the kills it sees itself: compare what happened, not when each heard of it.
  const story = (events: RuntimeEvent[]) => events.map((e) => (e.kind === 'oom-kill' ? { ...e, at: 0, kill: { ...e.kill, at: 0 } } : e));
  t.deepEqual(story(lines(since.stdout).map((l) => JSON.parse(l) as RuntimeEvent)), story(jsonEvents));
  const onlyKills = await lab.cli(['events', '--since', '10m', '--until', '0s', '--filter', 'event=oom-kill']);
  t.is(lines(onlyKills.stdout).length, 2, onlyKills.stdout);

  for (const [args, message] of [
    [['--since', 'yesterday-ish'], /^ctr-tui: invalid --since "yesterday-ish": use a duration such as 10m/],
    [['--filter', 'color=red'], /^ctr-tui: invalid --filter "color=red": use name=NAME or event=/],
    [['--filter', 'event=boom'], /^ctr-tui: invalid --filter "event=boom": the events are created, started, exited, oom-kill, removed\n$/],
  ] as const) {
    const bad = await lab.cli(['events', ...args]);
    t.is(bad.code, 2, bad.stderr);
    t.is(lines(bad.stderr).length, 1);
    t.regex(bad.stderr, message);
  }
  t.is((await lab.cli(['rm', other])).code, 0);
  for (const n of [name, other, probe]) t.deepEqual(leftovers(n), []);
});
