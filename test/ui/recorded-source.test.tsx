// @jsxRuntime automatic
// @jsxImportSource react
// RecordedSource: a recording's state track as a dashboard source. A session is recorded from a
// fake source and its store (as test/ui/source.test.tsx does), the live store's state kept at a
// few moments; then the recording is read back and fed through a RecordedSource, its clock set
// to each moment, into a fresh store by the same feedStore: the views draw the same screen.
// And a generated recording (test/helpers/cast-generator.ts: no snapshot at all, containers
// only in their event lines) seeked to and fro.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/ui/store.js';
import { emptyDashboardState, type DashboardState } from '../../src/ui/model.js';
import { feedStore } from '../../src/dashboard/store-feed.js';
import { RecordedSource } from '../../src/dashboard/recorded-source.js';
import { SessionRecorder } from '../../src/recording/recorder.js';
import { limitIdle, parseCast } from '../../src/recording/asciicast-reader.js';
import { stateAt } from '../../src/recording/state-replay.js';
import { Dashboard } from '../../src/ui/Dashboard.js';
import { initialUiState } from '../../src/ui/ui-state.js';
import type { RuntimeEvent } from '../../src/runtime/events.js';
import { renderSized, tick } from './_render.js';
import { MiB, container, hungry, web, stripAnsi } from './_fixtures.js';
import { FakeSource, factsOf, sampleOf } from './_fake-source.js';
import { dashboardCast } from '../helpers/cast-generator.js';

const size = { columns: 110, rows: 32 };

function draw(state: DashboardState, selected: string, now: number): string {
  const r = renderSized(<Dashboard state={state} ui={{ ...initialUiState, selected }} size={size} now={now} />, size);
  const frame = stripAnsi(r.lastFrame() ?? '');
  r.unmount();
  return frame;
}

/** The frame's figures: the graphs' cells left out (histories from before the recording are not in it). */
const figures = (frame: string) => frame.split('\n').map((l) => l.replace(/[⠀-⣿▁-█▏▎▍▌▋▊▉░]/g, '').replace(/\s+/g, ' '));

test('the state at each moment of a recorded session, through RecordedSource and feedStore, draws what the live store drew; a container made after the first snapshot included', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-recorded-source-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'session.cast');
  // Times near now: the recording's clock (its header's timestamp) says when a banner expires.
  const base = Date.now();
  const source = new FakeSource();
  const live = createStore<DashboardState>(emptyDashboardState);
  feedStore(source, live);
  const running = { ...hungry, state: 'running' as const, pid: 4300, exitCode: null, oomKills: 0, lastOom: null, startedAt: base - 60_000, memory: { ...hungry.memory, current: 20 * MiB, peak: 20 * MiB } };
  const webNow = { ...web, startedAt: base - 90_000 };
  source.facts = [factsOf(webNow), factsOf(running)];
  source.tick([sampleOf(webNow), sampleOf(running)], null, base);
  const recorder = new SessionRecorder(source, live, size, { file });
  const moments: { name: string; t: number; state: DashboardState; now: number; selections: string[] }[] = [];
  const moment = async (name: string, now: number, selections: string[]) => {
    moments.push({ name, t: recorder.elapsed(), state: live.getSnapshot(), now, selections });
    // The next lines come later than this moment, by more than SAME_MOMENT (lines that close count as one moment).
    await tick(20);
  };
  source.tick([sampleOf(webNow), sampleOf({ ...running, memory: { ...running.memory, current: 30 * MiB } })], null, base + 1000);
  await moment('recording, two running', base + 1000, ['web', 'hungry']);

  // A container made after the snapshot: its created line, then a snapshot at the next tick (its limit, command and addresses are in no other line).
  const late = container({ name: 'late', state: 'created', pid: null, ip: null, hostIp: null, hostVeth: null, command: [], createdAt: base + 1500, startedAt: null, memory: { current: 0, peak: 0, limit: 16 * MiB, history: [] } });
  const created: RuntimeEvent = { kind: 'created', name: 'late', at: base + 1500 };
  source.facts = [...source.facts, factsOf(late)];
  source.event(created);
  source.tick([sampleOf(webNow), sampleOf(running)], null, base + 1600);
  await moment('late created', base + 1600, ['web']);
  const lateRunning = { ...late, state: 'running' as const, pid: 4400, startedAt: base + 1700, memory: { current: 3 * MiB, peak: 3 * MiB, limit: 16 * MiB, history: [] } };
  source.facts = [factsOf(webNow), factsOf(running), factsOf(lateRunning)];
  source.event({ kind: 'started', name: 'late', pid: 4400, at: base + 1700 });
  source.tick([sampleOf(webNow), sampleOf(running), sampleOf(lateRunning)], null, base + 2000);
  await moment('late running', base + 2000, ['web', 'hungry', 'late']);

  const kill: RuntimeEvent = { kind: 'oom-kill', name: 'hungry', at: base + 2500, kill: { comm: 'hungry', hostPid: 4310, pid: 7, limit: 64 * MiB, count: 1, at: base + 2500 } };
  source.event(kill);
  await moment('OOM kill', base + 2500, ['hungry', 'web']);
  const exited = { ...running, state: 'exited' as const, pid: null, exitCode: 137, oomKills: 1 };
  source.facts = [factsOf(webNow), factsOf(exited), factsOf(lateRunning)];
  source.event({ kind: 'exited', name: 'hungry', at: base + 2600, exit: { code: null, signal: 9, oomKills: 1, finishedAt: base + 2600 } });
  source.tick([sampleOf(webNow), sampleOf(lateRunning)], null, base + 3000);
  await moment('hungry exited', base + 3000, ['hungry', 'late']);
  recorder.stop();

  const cast = limitIdle(parseCast(readFileSync(file, 'utf8'), file));
  t.true(RecordedSource.canReplay(cast));
  t.is(cast.state.filter((l) => l.record.type === 'snapshot').length, 2, 'a snapshot at the start, one at the first tick that showed late');
  let clock = 0;
  const recordedSource = new RecordedSource(cast, () => clock);
  const replayed = createStore<DashboardState>(emptyDashboardState);
  feedStore(recordedSource, replayed);
  t.is(replayed.getSnapshot().cgroupVersion, 1, "the recorded session's cgroup version");
  // Forwards, then backwards: the clock seeks both ways.
  for (const m of [...moments, ...[...moments].reverse()]) {
    clock = m.t;
    recordedSource.refresh();
    const state = replayed.getSnapshot();
    t.deepEqual(state.containers.map((c) => [c.name, c.state]), m.state.containers.map((c) => [c.name, c.state]), `${m.name}: the rows and their states`);
    t.is(state.banner?.text ?? null, m.state.banner?.text ?? null, `${m.name}: the banner`);
    for (const selected of m.selections) t.deepEqual(figures(draw(state, selected, m.now)), figures(draw(m.state, selected, m.now)), `${m.name}, ${selected} selected`);
  }
  const atKill = moments.find((m) => m.name === 'OOM kill')!;
  clock = atKill.t;
  recordedSource.refresh();
  const hungryRow = replayed.getSnapshot().containers.find((c) => c.name === 'hungry')!;
  t.is(hungryRow.state, 'oom-killed');
  t.is(hungryRow.memory.history.at(-1), 64 * MiB, "the graph's last point on the limit");
});

test('a generated recording with no snapshot: containers from their event lines, the OOM kill at its marker, and the banner gone 15 s later; start() gives a state at once, a paused clock no more', async (t) => {
  const generated = dashboardCast({ seconds: 60, oomAt: [20] });
  const cast = limitIdle(parseCast(generated.text, 'generated.cast'));
  t.is(cast.state.filter((l) => l.record.type === 'snapshot').length, 0);
  const oom = cast.markers.find((m) => m.label.startsWith('OOM kill'))!;
  t.is(oom.time, 20.1);

  const before = stateAt(cast, oom.time - 0.5);
  t.deepEqual(before.containers.map((c) => [c.name, c.state]), [['hungry-lab', 'running'], ['web', 'running'], ['db', 'running'], ['cache', 'running']]);
  t.is(before.banner, null);
  const at = stateAt(cast, oom.time);
  const hungryLab = at.containers.find((c) => c.name === 'hungry-lab')!;
  t.like(hungryLab, { state: 'oom-killed', oomKills: 1, pid: 4000, memory: { current: 32 * MiB, limit: 32 * MiB } });
  t.is(at.banner?.text, generated.banners[0]);
  t.true(at.events.some((e) => e.kind === 'oom-kill'));
  t.is(at.events.filter((e) => e.kind === 'created').length, 4);
  t.is(stateAt(cast, oom.time + 16).banner, null, 'the banner expires as it does live (15 s)');
  t.is(stateAt(cast, oom.time + 16).containers.find((c) => c.name === 'hungry-lab')?.state, 'running', 'restarted after the kill');

  let clock = oom.time;
  const source = new RecordedSource(cast, () => clock);
  const store = createStore<DashboardState>(emptyDashboardState);
  let updates = 0;
  store.subscribe(() => updates++);
  feedStore(source, store);
  source.start();
  t.teardown(() => source.stop());
  t.deepEqual(store.getSnapshot().containers, at.containers, 'the state at the clock, at once');
  const after = updates;
  await tick(350);
  t.is(updates, after, 'a paused clock: no new state');
  clock = 5;
  await tick(350);
  t.is(store.getSnapshot().banner, null, 'seeked back before the kill');
  t.is(store.getSnapshot().containers.find((c) => c.name === 'hungry-lab')?.state, 'running');
});
