// @jsxRuntime automatic
// @jsxImportSource react
// The views fed through a DashboardSource: a fake one (no runtime), the store fed by the same
// code as from the live source, and a recorder listening to that same source and store: its
// state lines are what the views were drawn from.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, type DashboardActions } from '../../src/ui/App.js';
import { createStore } from '../../src/ui/store.js';
import { emptyDashboardState, type DashboardState } from '../../src/ui/model.js';
import { feedStore } from '../../src/dashboard/store-feed.js';
import { SessionRecorder } from '../../src/recording/recorder.js';
import { CastWriter } from '../../src/recording/cast-writer.js';
import { sampleLine, parseStateLine } from '../../src/recording/state-track.js';
import { replayState } from '../../src/recording/state-replay.js';
import { Dashboard } from '../../src/ui/Dashboard.js';
import { initialUiState } from '../../src/ui/ui-state.js';
import type { RuntimeEvent } from '../../src/runtime/events.js';
import { renderSized, until } from './_render.js';
import { MiB, NOW, hungry, web, stripAnsi } from './_fixtures.js';
import { FakeSource, factsOf, sampleOf } from './_fake-source.js';

const noActions: DashboardActions = { create: () => undefined, kill: () => undefined, stop: () => undefined, remove: () => undefined, attach: () => undefined, quit: () => undefined };

const running = { ...hungry, state: 'running' as const, pid: 4300, exitCode: null, oomKills: 0, lastOom: null, memory: { ...hungry.memory, current: 20 * MiB, peak: 20 * MiB } };
const oomKill: RuntimeEvent = { kind: 'oom-kill', name: 'hungry', at: NOW, kill: { comm: 'hungry', hostPid: 4310, pid: 7, limit: 64 * MiB, count: 1, at: NOW } };

function fed() {
  const source = new FakeSource();
  const store = createStore<DashboardState>(emptyDashboardState);
  const unfeed = feedStore(source, store);
  source.facts = [factsOf(web), factsOf(running)];
  return { source, store, unfeed };
}

test('a source feeds the views through the store: rows from its ticks, the OOM banner from its event', async (t) => {
  const { source, store } = fed();
  t.is(store.getSnapshot().cgroupVersion, 1, "the source's cgroup version");
  const r = renderSized(<App store={store} actions={noActions} clock={() => NOW} />, { columns: 100, rows: 30 });
  const text = () => stripAnsi(r.lastFrame() ?? '');
  source.tick([sampleOf(web), sampleOf(running)], null, NOW);
  t.true(await until(() => /web\s+running/.test(text()) && /hungry\s+running/.test(text())), text());
  t.regex(text(), /20M\/64M/, "hungry's memory from the sample, against its limit from the record");
  source.event(oomKill);
  t.true(await until(() => /OOM kill in hungry: hungry \(pid 7\)/i.test(text())), text());
  t.true(await until(() => /hungry\s+OOM/.test(text())), 'the row turns to OOM');
  r.unmount();
});

test('a recorder on the same source and store: a marker and an event line per event, a sample line per tick as the store had it, a snapshot first', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-rec-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { source, store } = fed();
  const file = path.join(dir, 'unit.cast');
  const recorder = new SessionRecorder(source, store, { columns: 90, rows: 25 }, { file, title: 'unit', input: true });
  recorder.output('\u001b[H\u001b[2Jhello ✓ ');
  recorder.output(Buffer.from('wörld'));
  recorder.input('q');
  recorder.resize(120, 40);
  source.tick([sampleOf(web), sampleOf(running)], null, NOW);
  source.event(oomKill);
  source.tick([sampleOf(web)], null, NOW + 1000);
  const stateAfter = store.getSnapshot();
  const result = recorder.stop();
  t.is(result.path, file);
  t.is(result.error, null);
  const text = readFileSync(file, 'utf8');
  t.is(result.bytes, Buffer.byteLength(text));
  const [headerLine, ...lines] = text.trimEnd().split('\n');
  const header = JSON.parse(headerLine!);
  t.like(header, { version: 2, width: 90, height: 25, title: 'unit', ctr_tui: { state_track: 1 } });
  const events = lines.map((l) => JSON.parse(l) as [number, string, unknown]);
  t.deepEqual(events.map((e) => (e[1] === 's' ? `s:${(e[2] as { type: string }).type}` : e[1])), ['s:snapshot', 'o', 'o', 'i', 'r', 's:sample', 's:snapshot', 'm', 's:event', 's:sample'], 'a snapshot again at the first tick that shows containers the first one had not');
  t.is(events[1]![2], '\u001b[H\u001b[2Jhello ✓ ');
  t.is(events[2]![2], 'wörld');
  t.is(events[4]![2], '120x40');
  t.is(events[7]![2], 'OOM kill in hungry: hungry (pid 7) hit the 64 MiB memory limit');
  t.deepEqual((events[8]![2] as { event: unknown }).event, oomKill, 'the event as events --json has it');
  const lastSample = parseStateLine(events[9]![2]);
  t.deepEqual(lastSample, JSON.parse(JSON.stringify(sampleLine(stateAfter, new Set(['web'])))), 'the sample is what the views drew from');
  t.deepEqual(lastSample?.type === 'sample' ? lastSample.containers.map((c) => c.name) : [], ['web'], 'only the containers sampled at that tick');
  const firstSample = parseStateLine(events[5]![2]);
  const hungrySample = firstSample?.type === 'sample' ? firstSample.containers.find((c) => c.name === 'hungry') : undefined;
  t.like(hungrySample, { state: 'running', memory: { current: 20 * MiB, limit: 64 * MiB } });
  for (let i = 1; i < events.length; i++) t.true(events[i]![0] >= events[i - 1]![0], 'times never go back');

  // Cut at every byte: the whole lines before the cut are the same lines, each valid.
  const bytes = Buffer.from(text);
  const whole = (n: number) => bytes.subarray(0, n).toString('utf8');
  for (let at = headerLine!.length + 1; at < bytes.length; at++) {
    const cut = whole(at);
    const kept = cut.slice(0, cut.lastIndexOf('\n'));
    const keptLines = kept.split('\n');
    t.deepEqual(keptLines, [headerLine, ...lines].slice(0, keptLines.length));
  }
});

test('a file that exists is never overwritten without force; with force it is', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-rec-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'taken.cast');
  writeFileSync(file, 'precious\n');
  t.throws(() => CastWriter.open(file, { width: 80, height: 24 }), { message: `${file} already exists: give another file name, or -f to overwrite it` });
  t.is(readFileSync(file, 'utf8'), 'precious\n');
  t.throws(() => CastWriter.open(path.join(dir, 'no/such/dir.cast'), { width: 80, height: 24 }), { message: /the directory .* does not exist/ });
  const writer = CastWriter.open(file, { width: 80, height: 24 }, { force: true });
  writer.output('x');
  writer.close();
  t.false(readFileSync(file, 'utf8').includes('precious'));
  t.is(JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!).ctr_tui, undefined, 'no state track, no ctr_tui key');
  t.true(statSync(file).size > 0);
});

test('the recorded feed and the live feed through the same views: the state rebuilt from the state lines draws the same screen', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-rec-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { source, store } = fed();
  const file = path.join(dir, 'replay.cast');
  const host = { cpuPercent: 12, memUsed: 1024 * MiB, memTotal: 4096 * MiB, load: [0.5, 0.4, 0.3] as [number, number, number], interfaces: [{ name: 'eth0', ipv4: '192.168.1.20', rxRate: 1000, txRate: 200 }] };
  // Some ticks before the recording starts (the graphs' histories hold them), then the recording.
  for (let i = 0; i < 3; i++) source.tick([sampleOf(web), sampleOf({ ...running, memory: { ...running.memory, current: (10 + i) * MiB } })], host, NOW - 5000 + i * 1000);
  const recorder = new SessionRecorder(source, store, { columns: 100, rows: 30 }, { file });
  for (let i = 3; i < 8; i++) source.tick([sampleOf(web), sampleOf({ ...running, memory: { ...running.memory, current: (10 + 6 * i) * MiB } })], host, NOW - 5000 + i * 1000);
  source.event(oomKill);
  source.tick([sampleOf(web)], host, NOW + 500);
  recorder.stop();
  const live = store.getSnapshot();
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(1)
    .map((l) => JSON.parse(l) as [number, string, unknown])
    .filter((e) => e[1] === 's')
    .map((e) => parseStateLine(e[2]))
    .filter((l) => l !== null);
  const replayed = replayState(lines);
  const draw = (s: DashboardState, selected: string) => {
    const r = renderSized(<Dashboard state={s} ui={{ ...initialUiState, selected }} size={{ columns: 100, rows: 30 }} now={NOW + 600} />, { columns: 100, rows: 30 });
    const frame = stripAnsi(r.lastFrame() ?? '');
    r.unmount();
    return frame;
  };
  for (const selected of ['web', 'hungry']) {
    const liveFrame = draw(live, selected);
    t.regex(liveFrame, /OOM kill in hungry/i);
    // The histories before the recording started are not in the file: the graphs and sparklines
    // are drawn from the recorded samples only, so compare every line without its graph cells.
    const figures = (frame: string) => frame.split('\n').map((l) => l.replace(/[⠀-⣿▁-█▏▎▍▌▋▊▉░]/g, '').replace(/\s+/g, ' '));
    t.deepEqual(figures(draw(replayed, selected)), figures(liveFrame), `selected ${selected}`);
  }
  t.is(replayed.containers.find((c) => c.name === 'hungry')?.memory.history.at(-1), 64 * MiB, 'the OOM kill puts the last point on the limit');
});
