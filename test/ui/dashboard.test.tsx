// @jsxRuntime automatic
// @jsxImportSource react
import { RED, INVERSE } from './_color.js';
import test from 'ava';
import { render } from 'ink-testing-library';
import { Dashboard } from '../../src/ui/Dashboard.js';
import { initialUiState, type UiState } from '../../src/ui/ui-state.js';
import { displayWidth, oomBannerText } from '../../src/ui/format.js';
import type { DashboardState } from '../../src/ui/model.js';
import { renderSized } from './_render.js';
import { NOW, container, hungry, state, stripAnsi } from './_fixtures.js';

const banner: DashboardState = { ...state, banner: { text: oomBannerText('hungry', hungry.lastOom!), level: 'error', at: NOW } };
const terminal = { title: 'sh · web', lines: ['/ # ls', 'bin  dev  etc', '/ # '], cursor: { x: 4, y: 2 } };
const many: DashboardState = {
  ...state,
  containers: Array.from({ length: 30 }, (_, i) => container({ name: `container-with-a-long-name-${i}`, ip: `10.0.0.${i + 2}` })),
  events: Array.from({ length: 50 }, (_, i) => ({ at: NOW - i * 1000, container: `c${i}`, kind: 'started' as const, text: 'x'.repeat(200) })),
};

const variants: [string, UiState, DashboardState][] = [
  ['normal', { ...initialUiState, selected: 'web' }, state],
  ['empty', initialUiState, { containers: [], host: null, events: [], banner: null, cgroupVersion: 2 }],
  ['banner', { ...initialUiState, selected: 'hungry' }, banner],
  ['filter', { ...initialUiState, filter: 'hu', filtering: true }, state],
  ['help', { ...initialUiState, overlay: { kind: 'help' } }, state],
  ['logs', { ...initialUiState, overlay: { kind: 'logs', container: 'web' } }, state],
  ['confirm', { ...initialUiState, overlay: { kind: 'confirm', action: 'kill', container: 'web' } }, state],
  ['new', { ...initialUiState, overlay: { kind: 'new', error: 'memory "abc": use a size such as 64M or 1G', busy: false } }, state],
  ['split', { ...initialUiState, split: true, focus: 'terminal' }, banner],
  ['many', { ...initialUiState, selected: 'container-with-a-long-name-29' }, many],
];

const dashboard = (ui: UiState, s: DashboardState, columns: number, rows: number) => (
  <Dashboard state={s} ui={ui} size={{ columns, rows }} now={NOW} terminal={terminal} logs={['hello from web']} />
);

for (const [name, ui, s] of variants) {
  test(`80x24 (${name}): within 80 columns and rows-1 = 23 lines`, (t) => {
    const r = render(dashboard(ui, s, 80, 24));
    const lines = stripAnsi(r.lastFrame() ?? '').split('\n');
    r.unmount();
    t.true(lines.length <= 23, `${lines.length} lines`);
    t.is(lines.length, 23, 'the layout fills the root exactly');
    for (const [i, line] of lines.entries()) t.true(displayWidth(line) <= 80, `line ${i} is ${displayWidth(line)} wide: ${line}`);
  });
}

for (const [columns, rows] of [
  [81, 25],
  [99, 31],
  [120, 40],
  [200, 60],
  [80, 60],
  [240, 24],
] as const) {
  test(`${columns}x${rows}: every variant fills the root exactly`, (t) => {
    for (const [name, ui, s] of variants) {
      const r = renderSized(dashboard(ui, s, columns, rows), { columns, rows });
      const lines = stripAnsi(r.lastFrame() ?? '').split('\n');
      r.unmount();
      const widest = Math.max(...lines.map(displayWidth));
      t.true(lines.length === rows - 1 && widest <= columns, `${name}: ${lines.length} lines, widest ${widest}`);
    }
  });
}

test('below 80x24 the dashboard says the terminal is too small', (t) => {
  const r = render(dashboard(initialUiState, state, 60, 20));
  const text = stripAnsi(r.lastFrame() ?? '');
  r.unmount();
  t.regex(text, /terminal too small: need 80x24, have 60x20/);
  t.notRegex(text, /Containers/);
  t.true(text.split('\n').length <= 19);
  const r2 = render(dashboard(initialUiState, state, 80, 23));
  t.regex(stripAnsi(r2.lastFrame() ?? ''), /have 80x23/);
  r2.unmount();
});

test('the panels are all there, the right ones for the selected container', (t) => {
  const r = render(dashboard({ ...initialUiState, selected: 'web' }, state, 80, 24));
  const text = stripAnsi(r.lastFrame() ?? '');
  r.unmount();
  for (const title of ['Containers (3)', 'Events', 'Memory · web', 'Network · web', 'Host', 'ctr-tui', 'cgroup v1']) t.true(text.includes(title), title);
  t.regex(text, /veth0a1b ◀─+▶ eth0/);
  t.regex(text.split('\n').at(-1) ?? '', /^j\/k move {2}n new .*\? help {2}q quit/);
});

test('an OOM kill: the banner replaces the title line, red and inverse', (t) => {
  const r = render(dashboard({ ...initialUiState, selected: 'hungry' }, banner, 80, 24));
  const raw = r.lastFrame() ?? '';
  r.unmount();
  const first = raw.split('\n')[0] ?? '';
  t.regex(stripAnsi(first), /^ OOM KILL in hungry: hungry \(pid 7\) hit the 64 MiB limit +14:03:07/);
  t.true(first.includes(RED) && first.includes(INVERSE));
  t.regex(stripAnsi(raw), /Memory · hungry/);
});

test('the filter narrows the list', (t) => {
  const r = render(dashboard({ ...initialUiState, filter: 'hu', filtering: true }, state, 80, 24));
  const text = stripAnsi(r.lastFrame() ?? '');
  r.unmount();
  t.regex(text, /Containers \(1\/3\)/);
  t.regex(text, /▸ hungry/);
  t.notRegex(text, /│ +web +running/);
  t.notRegex(text, /│ +old +exited/);
  t.regex(text, /\/hu/);
  t.regex(text.split('\n').at(-1) ?? '', /Enter keep {2}Esc clear/);
});

test('dialogs draw over the dashboard, which stays visible around them', (t) => {
  const r = render(dashboard({ ...initialUiState, overlay: { kind: 'confirm', action: 'delete', container: 'web' } }, state, 80, 24));
  const text = stripAnsi(r.lastFrame() ?? '');
  r.unmount();
  t.regex(text, /Delete web\?/);
  t.regex(text, /y +yes +n +no/);
  t.regex(text, /Containers/);
  t.regex(text, /Host/);
});

test('help and logs take the body', (t) => {
  const help = render(dashboard({ ...initialUiState, overlay: { kind: 'help' } }, state, 80, 24));
  t.regex(stripAnsi(help.lastFrame() ?? ''), /Keys.*\n.*Containers +View +│/);
  help.unmount();
  const logs = render(dashboard({ ...initialUiState, overlay: { kind: 'logs', container: 'web' } }, state, 80, 24));
  t.regex(stripAnsi(logs.lastFrame() ?? ''), /Logs · web[\s\S]*hello from web/);
  logs.unmount();
});

test('the split view shows the terminal and keeps the memory graph', (t) => {
  const r = render(dashboard({ ...initialUiState, split: true, focus: 'list', selected: 'web' }, state, 80, 24));
  const text = stripAnsi(r.lastFrame() ?? '');
  r.unmount();
  t.regex(text, /sh · web/);
  t.regex(text, /bin {2}dev {2}etc/);
  t.regex(text, /Memory · web/);
  t.regex(text.split('\n').at(-1) ?? '', /Tab terminal/);
});
