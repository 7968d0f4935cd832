import test from 'ava';
import {
  initialUiState,
  keyContext,
  matchesFilter,
  reduceUi,
  selectedContainer,
  selectedIndex,
  visibleContainers,
  type UiState,
} from '../../src/ui/ui-state.js';
import { container, hungry, MiB, old, web } from './_fixtures.js';

const all = [web, hungry, old];
const names = (list: { name: string }[]) => list.map((c) => c.name);

test('visibleContainers filters by name, IP or state, then sorts', (t) => {
  t.deepEqual(names(visibleContainers(all, '', 'name')), ['hungry', 'old', 'web']);
  t.deepEqual(names(visibleContainers(all, 'HU', 'name')), ['hungry']);
  t.deepEqual(names(visibleContainers(all, '10.0.0.4', 'name')), ['old']);
  t.deepEqual(names(visibleContainers(all, 'oom', 'name')), ['hungry']);
  t.deepEqual(names(visibleContainers(all, 'running', 'name')), ['web']);
  t.deepEqual(names(visibleContainers(all, 'zzz', 'name')), []);
  t.deepEqual(names(visibleContainers(all, '', 'state')), ['web', 'hungry', 'old']);
  t.deepEqual(names(visibleContainers(all, '', 'memory')), ['web', 'hungry', 'old']);
  t.deepEqual(names(visibleContainers(all, '', 'oom')), ['hungry', 'old', 'web']);
  t.true(matchesFilter(web, '  '));
});

test('selection is by name and falls back to the first row', (t) => {
  const visible = visibleContainers(all, '', 'name');
  t.is(selectedIndex(visible, 'web'), 2);
  t.is(selectedIndex(visible, 'gone'), 0);
  t.is(selectedIndex([], 'web'), -1);
  t.is(selectedContainer(visible, null)?.name, 'hungry');
  t.is(selectedContainer([], null), null);
});

test('the selection follows its container when a live sort reorders the rows', (t) => {
  let ui: UiState = { ...initialUiState, sort: 'memory', selected: 'b' };
  const a = container({ name: 'a', memory: { current: 1 * MiB, peak: 1, limit: null, history: [] } });
  const b = container({ name: 'b', memory: { current: 2 * MiB, peak: 1, limit: null, history: [] } });
  t.is(selectedContainer(visibleContainers([a, b], '', ui.sort), ui.selected)?.name, 'b');
  const grown = { ...a, memory: { ...a.memory, current: 5 * MiB } };
  const visible = visibleContainers([grown, b], '', ui.sort);
  t.deepEqual(names(visible), ['a', 'b']);
  t.is(selectedContainer(visible, ui.selected)?.name, 'b');
  ui = reduceUi(ui, 'select-up', visible);
  t.is(ui.selected, 'a');
});

test('reduceUi: moving stops at the ends', (t) => {
  const visible = visibleContainers(all, '', 'name');
  let ui = initialUiState;
  ui = reduceUi(ui, 'select-up', visible);
  t.is(ui.selected, 'hungry');
  ui = reduceUi(ui, 'select-down', visible);
  ui = reduceUi(ui, 'select-down', visible);
  ui = reduceUi(ui, 'select-down', visible);
  t.is(ui.selected, 'web');
  t.is(reduceUi(initialUiState, 'select-down', []), initialUiState);
});

test('reduceUi: overlays open and close, kill/delete capture the container', (t) => {
  const visible = visibleContainers(all, '', 'name');
  const ui = { ...initialUiState, selected: 'web' };
  t.deepEqual(reduceUi(ui, 'kill', visible).overlay, { kind: 'confirm', action: 'kill', container: 'web' });
  t.deepEqual(reduceUi(ui, 'delete', visible).overlay, { kind: 'confirm', action: 'delete', container: 'web' });
  t.is(reduceUi(ui, 'kill', []).overlay, null, 'nothing to kill');
  t.deepEqual(reduceUi(ui, 'logs', visible).overlay, { kind: 'logs', container: 'web' });
  t.deepEqual(reduceUi(ui, 'new', visible).overlay, { kind: 'new', error: null, busy: false });
  const help = reduceUi(ui, 'help', visible);
  t.deepEqual(help.overlay, { kind: 'help' });
  t.is(keyContext(help), 'help');
  t.is(reduceUi(help, 'help', visible).overlay, null);
  t.is(reduceUi(help, 'close', visible).overlay, null);
  const confirm = reduceUi(ui, 'kill', visible);
  t.is(keyContext(confirm), 'confirm');
  t.is(reduceUi(confirm, 'confirm', visible).overlay, null);
  t.is(keyContext(reduceUi(ui, 'new', visible)), 'form');
});

test('reduceUi: filter prompt, Esc clears, Enter keeps', (t) => {
  const visible = visibleContainers(all, '', 'name');
  let ui = reduceUi(initialUiState, 'filter', visible);
  t.is(keyContext(ui), 'filter');
  ui = { ...ui, filter: 'hu' };
  const kept = reduceUi(ui, 'filter-accept', visible);
  t.is(kept.filter, 'hu');
  t.is(keyContext(kept), 'list');
  const cleared = reduceUi(kept, 'close', visible);
  t.is(cleared.filter, '');
  t.is(reduceUi(ui, 'close', visible).filter, '');
});

test('reduceUi: sort cycles and keeps the selection', (t) => {
  const visible = visibleContainers(all, '', 'name');
  let ui: UiState = { ...initialUiState, selected: null };
  const sorts: string[] = [];
  for (let i = 0; i < 4; i++) {
    ui = reduceUi(ui, 'sort', visible);
    sorts.push(ui.sort);
  }
  t.deepEqual(sorts, ['state', 'memory', 'oom', 'name']);
  t.is(ui.selected, 'hungry');
});

test('reduceUi: split view and focus', (t) => {
  const visible = visibleContainers(all, '', 'name');
  let ui = reduceUi({ ...initialUiState, selected: 'web' }, 'split', visible);
  t.true(ui.split);
  t.is(keyContext(ui), 'split');
  ui = reduceUi(ui, 'focus', visible);
  t.is(keyContext(ui), 'terminal');
  ui = reduceUi(ui, 'focus', visible);
  t.is(keyContext(ui), 'split');
  t.false(reduceUi(ui, 'close', visible).split, 'Esc closes the split');
  t.false(reduceUi(ui, 'split', visible).split, 't toggles');
  t.false(reduceUi(initialUiState, 'split', []).split, 'no container, no split');
  t.is(reduceUi(initialUiState, 'focus', visible), initialUiState);
});
