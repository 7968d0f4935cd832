// @jsxRuntime automatic
// @jsxImportSource react
// The REC sign: its text, where TitleBar and Banner draw it (recordingSign says the same, for the
// dashboard's redraw of the sign alone), and that its clock alone never costs a frame.
import test from 'ava';
import { App, type DashboardActions } from '../../src/ui/App.js';
import { Dashboard } from '../../src/ui/Dashboard.js';
import { createStore } from '../../src/ui/store.js';
import type { DashboardState } from '../../src/ui/model.js';
import { formatRecordingLength, recordingSign, recordingText } from '../../src/ui/recording.js';
import { initialUiState } from '../../src/ui/ui-state.js';
import { renderSized, tick, until } from './_render.js';
import { NOW, hungry, state, stripAnsi } from './_fixtures.js';
import { oomBannerText } from '../../src/ui/format.js';

const noActions: DashboardActions = { create: () => undefined, kill: () => undefined, stop: () => undefined, remove: () => undefined, attach: () => undefined, quit: () => undefined };
const size = { columns: 100, rows: 30 };
const recording: DashboardState = { ...state, recording: { startedAt: NOW - 83_000 } };
const withBanner: DashboardState = { ...recording, banner: { text: oomBannerText('hungry', hungry.lastOom!), level: 'error', at: NOW } };

test('the REC sign reads ● REC mm:ss, h:mm:ss past an hour', (t) => {
  t.is(recordingText({ startedAt: NOW - 83_400 }, NOW), '● REC 01:23');
  t.is(formatRecordingLength(0), '00:00');
  t.is(formatRecordingLength(3_723_000), '1:02:03');
});

for (const [what, s] of [['the title bar', recording], ['a banner', withBanner]] as const) {
  test(`the REC sign on ${what} is where recordingSign says it is`, (t) => {
    const r = renderSized(<Dashboard state={s} ui={initialUiState} size={size} now={NOW} />, size);
    const top = stripAnsi(r.lastFrame() ?? '').split('\n')[0] ?? '';
    r.unmount();
    const sign = recordingSign(s, size, NOW);
    t.truthy(sign);
    t.is([...top].slice(sign!.column, sign!.column + [...sign!.text].length).join(''), sign!.text, top);
    t.is(sign!.text, ' ● REC 01:23 ');
    t.is(sign!.onBanner, what === 'a banner');
  });
}

test('no sign when not recording, or when the terminal is too small to draw the dashboard', (t) => {
  t.is(recordingSign(state, size, NOW), null);
  t.is(recordingSign(recording, { columns: 70, rows: 20 }, NOW), null);
});

test.serial('the REC clock alone draws no frame; what else changes on screen does', async (t) => {
  const store = createStore<DashboardState>(recording);
  let now = NOW;
  const r = renderSized(<App store={store} actions={noActions} clock={() => now} size={size} />, size);
  const text = () => stripAnsi(r.lastFrame() ?? '');
  t.true(await until(() => text().includes('● REC 01:23')), text());
  await tick(50);
  const frames = r.stdout.frames.length;
  // Seconds pass, samples come that change nothing else: no frame.
  for (let i = 1; i <= 3; i++) {
    now = NOW + i * 1000;
    store.setState((s) => ({ ...s, containers: [...s.containers] }));
    await tick(30);
  }
  t.is(r.stdout.frames.length, frames, 'no frame for the clock alone');
  // Something that shows: the frame has the clock as it is now.
  store.setState((s) => ({ ...s, host: s.host && { ...s.host, cpuPercent: 77 } }));
  t.true(await until(() => text().includes('cpu  77%')), text());
  t.regex(text(), /● REC 01:26/);
  r.unmount();
});
