// @jsxRuntime automatic
// @jsxImportSource react
// The anatomy view (i) over a fake anatomy: it fits 80x24 and 120x40, shows every section as a
// tab, scrolls within a section, and the app asks for the container's anatomy while it is open.
import test from 'ava';
import { App, type DashboardActions } from '../../src/ui/App.js';
import { Dashboard } from '../../src/ui/Dashboard.js';
import { KEYS, dispatchKey, NO_KEY } from '../../src/ui/keys.js';
import { computeLayout } from '../../src/ui/layout.js';
import { anatomyContentRows } from '../../src/ui/AnatomyView.js';
import type { DashboardState, TerminalView } from '../../src/ui/model.js';
import { createStore } from '../../src/ui/store.js';
import { ANATOMY_TABS, clampAnatomyScroll, initialUiState, reduceUi, type UiState } from '../../src/ui/ui-state.js';
import { displayWidth } from '../../src/ui/format.js';
import { renderSized, tick, until } from './_render.js';
import { NOW, state, stripAnsi, web } from './_fixtures.js';
import { panel, trace } from './_anatomy-fixture.js';

const withAnatomy: DashboardState = { ...state, anatomy: panel };
const open = (tab: number, scroll = 0): UiState => ({ ...initialUiState, selected: 'web', overlay: { kind: 'anatomy', container: 'web', tab, scroll } });

function screen(ui: UiState, columns: number, rows: number, data: DashboardState = withAnatomy): string[] {
  const r = renderSized(<Dashboard state={data} ui={ui} size={{ columns, rows }} now={NOW} />, { columns, rows });
  const lines = stripAnsi(r.lastFrame() ?? '').split('\n');
  r.unmount();
  return lines;
}

for (const [columns, rows] of [[80, 24], [120, 40]] as const) {
  test(`at ${columns}x${rows} every section fits, with every tab in the tab row`, (t) => {
    for (let tab = 0; tab < ANATOMY_TABS; tab++) {
      const lines = screen(open(tab), columns, rows);
      t.is(lines.length, rows - 1, `tab ${tab}`);
      t.true(lines.every((l) => displayWidth(l) <= columns), `tab ${tab}:\n${lines.join('\n')}`);
      // The panel fills the body: every line of it, border to border.
      t.true(lines.slice(1, -1).every((l) => displayWidth(l) === columns && /^[╭│╰]/.test(l) && /[╮│╯]$/.test(l)), `tab ${tab}:\n${lines.join('\n')}`);
      t.regex(lines[1], /Inside web/);
      const tabs = lines[2];
      for (const title of panel.sections.map((s) => s.title)) t.true(tabs.includes(title), `${title} in ${tabs}`);
      t.true(tabs.includes(`[${panel.sections[tab].title}]`), tabs);
      // The section's first lines, cut to the width.
      const inner = columns - 4;
      const first = panel.sections[tab].lines[0];
      t.true(lines[3].includes(first.length > inner ? first.slice(0, inner - 1) : first), `${lines[3]} / ${first}`);
    }
  });

  test(`at ${columns}x${rows} the trace scrolls: the position shows in the border, the last step can be reached`, (t) => {
    const rowsShown = anatomyContentRows(computeLayout({ columns, rows })!.bodyHeight);
    const traceTab = panel.sections.findIndex((s) => s.id === 'trace');
    const lineCount = panel.sections[traceTab].lines.length;
    t.true(lineCount > rowsShown, 'the fixture needs scrolling');
    const top = screen(open(traceTab), columns, rows);
    t.regex(top[1], new RegExp(`1-${rowsShown}/${lineCount}`));
    // Past the end is clamped: the last line is on screen, the first is not.
    const bottom = screen(clampAnatomyScroll(open(traceTab, 1000), lineCount, rowsShown), columns, rows);
    t.regex(bottom[1], new RegExp(`${lineCount - rowsShown + 1}-${lineCount}/${lineCount}`));
    t.true(bottom.some((l) => l.includes('execve')), bottom.join('\n'));
    t.false(bottom.some((l) => l.includes('reserve the name')));
    t.regex(bottom.join('\n'), /c mknod {2}dev\/n\d+/);
    t.regex(top.join('\n'), /p write {2}memory\/…\/memory\.limit_in_bytes = 67108864/);
  });
}

test('before the first sample the view says it is reading; an error is shown', (t) => {
  t.regex(screen(open(0), 80, 24, { ...state, anatomy: null }).join('\n'), /reading its anatomy…/);
  const failed = screen(open(0), 80, 24, { ...state, anatomy: { container: 'web', sampledAt: NOW, sections: [], error: 'cannot see the anatomy of web: it is not running' } });
  t.regex(failed.join('\n'), /it is not running/);
});

test('keys: i opens it from the list, arrows and Tab move between sections (wrapping), j/k and PgDn/PgUp scroll, Esc/q/i close', (t) => {
  t.is(dispatchKey(KEYS, 'i', NO_KEY, 'list'), 'anatomy');
  t.is(dispatchKey(KEYS, 'i', NO_KEY, 'split'), 'anatomy');
  t.is(dispatchKey(KEYS, '', { ...NO_KEY, rightArrow: true }, 'anatomy'), 'next-section');
  t.is(dispatchKey(KEYS, '', { ...NO_KEY, tab: true, shift: true }, 'anatomy'), 'prev-section');
  t.is(dispatchKey(KEYS, 'j', NO_KEY, 'anatomy'), 'scroll-down');
  t.is(dispatchKey(KEYS, '', { ...NO_KEY, pageUp: true }, 'anatomy'), 'page-up');
  for (const key of ['q', 'i']) t.is(dispatchKey(KEYS, key, NO_KEY, 'anatomy'), 'close');
  t.is(dispatchKey(KEYS, 'K', NO_KEY, 'anatomy'), null, 'no kill from inside the view');
  let ui = reduceUi(initialUiState, 'anatomy', [web]);
  t.deepEqual(ui.overlay, { kind: 'anatomy', container: 'web', tab: 0, scroll: 0 });
  ui = reduceUi(ui, 'prev-section', [web]);
  t.like(ui.overlay, { tab: ANATOMY_TABS - 1 });
  ui = reduceUi(reduceUi(ui, 'page-down', [web]), 'scroll-down', [web]);
  t.like(ui.overlay, { scroll: 11 });
  ui = reduceUi(ui, 'next-section', [web]);
  t.like(ui.overlay, { tab: 0, scroll: 0 });
  t.like(reduceUi(ui, 'scroll-up', [web]).overlay, { scroll: 0 });
  t.is(reduceUi(ui, 'close', [web]).overlay, null);
  t.is(reduceUi(initialUiState, 'anatomy', []).overlay, null, 'nothing selected, nothing to open');
});

test('the app asks for the selected container\'s anatomy when the view opens, and stops when it closes', async (t) => {
  const store = createStore<DashboardState>({ ...state, anatomy: null });
  const terminal = createStore<TerminalView | null>(null);
  const calls: string[] = [];
  const actions: DashboardActions = {
    create: () => undefined, kill: () => undefined, stop: () => undefined, remove: () => undefined, attach: () => undefined, quit: () => undefined,
    anatomy: (name) => {
      calls.push(`anatomy ${name}`);
      if (name) store.setState((s) => ({ ...s, anatomy: { ...panel, container: name } }));
    },
  };
  const r = renderSized(<App store={store} terminal={terminal} actions={actions} clock={() => NOW} />, { columns: 80, rows: 24 });
  const text = () => stripAnsi(r.lastFrame() ?? '');
  await until(() => text().includes('Containers'));
  await tick(30);
  r.stdin.write('i');
  t.true(await until(() => text().includes('[Namespaces]')), text());
  for (let i = 0; i < 6; i++) {
    r.stdin.write('\u001b[C');
    await tick(25);
  }
  t.true(await until(() => text().includes('[Trace]')), text());
  t.true(text().includes(trace.steps[0].step));
  r.stdin.write('\u001b');
  t.true(await until(() => text().includes('Containers')), text());
  r.unmount();
  t.deepEqual(calls, ['anatomy hungry', 'anatomy null']);
});
