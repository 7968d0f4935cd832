/**
 * The dashboard's own state (selection, filter, sort, overlays, focus): pure data and a pure
 * reducer over key-table actions. Actions with effects on containers (attach, stop, confirm a
 * kill, submit the form, quit) are carried out by the caller (App.tsx), which then reduces.
 */

import type { ContainerState, ContainerView } from './model.js';
import type { ActionName, KeyContext } from './keys.js';

export type SortKey = 'name' | 'state' | 'memory' | 'oom';
export const SORT_ORDER: readonly SortKey[] = ['name', 'state', 'memory', 'oom'];

export type Overlay =
  | { kind: 'help' }
  | { kind: 'logs'; container: string }
  | { kind: 'confirm'; action: 'kill' | 'delete'; container: string }
  | { kind: 'new'; error: string | null; busy: boolean }
  /** tab: the section shown (index into the sections); scroll: its first line shown. */
  | { kind: 'anatomy'; container: string; tab: number; scroll: number };

export interface UiState {
  /**
   * The selected container, by name, so that the selection stays on the same container when
   * a live sort (memory) reorders the rows. A name no longer shown selects the first row.
   */
  selected: string | null;
  filter: string;
  /** The filter prompt has the keyboard. */
  filtering: boolean;
  sort: SortKey;
  overlay: Overlay | null;
  /** The split view (a terminal pane beside the list) is open. */
  split: boolean;
  focus: 'list' | 'terminal';
}

/** The anatomy view's sections (namespaces, cgroup, mounts, network, processes, security, trace), and a page's lines. */
export const ANATOMY_TABS = 7;
export const ANATOMY_PAGE = 10;

/** Scroll kept within what a section has to show: at most its lines less the rows shown. */
export function clampAnatomyScroll(ui: UiState, lineCount: number, rows: number): UiState {
  if (ui.overlay?.kind !== 'anatomy') return ui;
  const scroll = Math.max(0, Math.min(ui.overlay.scroll, lineCount - rows));
  return scroll === ui.overlay.scroll ? ui : { ...ui, overlay: { ...ui.overlay, scroll } };
}

export const initialUiState: UiState = {
  selected: null,
  filter: '',
  filtering: false,
  sort: 'name',
  overlay: null,
  split: false,
  focus: 'list',
};

export function keyContext(ui: UiState): KeyContext {
  if (ui.overlay) return ui.overlay.kind === 'new' ? 'form' : ui.overlay.kind;
  if (ui.filtering) return 'filter';
  if (ui.split) return ui.focus === 'terminal' ? 'terminal' : 'split';
  return 'list';
}

const STATE_RANK: Record<ContainerState, number> = { running: 0, 'oom-killed': 1, created: 2, exited: 3 };

export function matchesFilter(container: ContainerView, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle === '') return true;
  const fields = [container.name, container.ip ?? '', container.state, container.state === 'oom-killed' ? 'oom' : ''];
  return fields.some((field) => field.toLowerCase().includes(needle));
}

/** Sorting never reorders ties unpredictably: the name breaks them. */
export function compareContainers(sort: SortKey): (a: ContainerView, b: ContainerView) => number {
  const byName = (a: ContainerView, b: ContainerView) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  switch (sort) {
    case 'name':
      return byName;
    case 'state':
      return (a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || byName(a, b);
    case 'memory':
      return (a, b) => b.memory.current - a.memory.current || byName(a, b);
    case 'oom':
      return (a, b) => b.oomKills - a.oomKills || byName(a, b);
  }
}

/** The rows the list shows: filtered, then sorted. */
export function visibleContainers(containers: readonly ContainerView[], filter: string, sort: SortKey): ContainerView[] {
  return containers.filter((c) => matchesFilter(c, filter)).sort(compareContainers(sort));
}

/** The index of the selected row in `visible`, or -1 when nothing is shown. */
export function selectedIndex(visible: readonly ContainerView[], selected: string | null): number {
  if (visible.length === 0) return -1;
  const index = selected === null ? -1 : visible.findIndex((c) => c.name === selected);
  return index === -1 ? 0 : index;
}

export function selectedContainer(visible: readonly ContainerView[], selected: string | null): ContainerView | null {
  return visible[selectedIndex(visible, selected)] ?? null;
}

function move(ui: UiState, visible: readonly ContainerView[], delta: number): UiState {
  if (visible.length === 0) return ui;
  const index = Math.max(0, Math.min(visible.length - 1, selectedIndex(visible, ui.selected) + delta));
  return { ...ui, selected: visible[index]?.name ?? null };
}

/**
 * The next UI state after an action. `visible` is the list as shown (visibleContainers of the
 * current state). Actions that only have effects elsewhere (attach, stop, quit, submit) leave
 * the state as it is, except that confirm closes its dialog.
 */
export function reduceUi(ui: UiState, action: ActionName, visible: readonly ContainerView[]): UiState {
  const current = selectedContainer(visible, ui.selected);
  switch (action) {
    case 'select-down':
      return move(ui, visible, 1);
    case 'select-up':
      return move(ui, visible, -1);
    case 'new':
      return { ...ui, overlay: { kind: 'new', error: null, busy: false } };
    case 'kill':
    case 'delete':
      return current ? { ...ui, overlay: { kind: 'confirm', action, container: current.name } } : ui;
    case 'logs':
      return current ? { ...ui, overlay: { kind: 'logs', container: current.name } } : ui;
    case 'anatomy':
      return current ? { ...ui, overlay: { kind: 'anatomy', container: current.name, tab: 0, scroll: 0 } } : ui;
    case 'next-section':
    case 'prev-section': {
      if (ui.overlay?.kind !== 'anatomy') return ui;
      const tab = (ui.overlay.tab + (action === 'next-section' ? 1 : -1) + ANATOMY_TABS) % ANATOMY_TABS;
      return { ...ui, overlay: { ...ui.overlay, tab, scroll: 0 } };
    }
    case 'scroll-down':
    case 'scroll-up':
    case 'page-down':
    case 'page-up': {
      if (ui.overlay?.kind !== 'anatomy') return ui;
      const step = { 'scroll-down': 1, 'scroll-up': -1, 'page-down': ANATOMY_PAGE, 'page-up': -ANATOMY_PAGE }[action];
      return { ...ui, overlay: { ...ui.overlay, scroll: Math.max(0, ui.overlay.scroll + step) } };
    }
    case 'help':
      return { ...ui, overlay: ui.overlay?.kind === 'help' ? null : { kind: 'help' } };
    case 'filter':
      return { ...ui, filtering: true };
    case 'filter-accept':
      return { ...ui, filtering: false };
    case 'sort': {
      const next = SORT_ORDER[(SORT_ORDER.indexOf(ui.sort) + 1) % SORT_ORDER.length] ?? 'name';
      return { ...ui, sort: next, selected: current?.name ?? ui.selected };
    }
    case 'split':
      return ui.split ? { ...ui, split: false, focus: 'list' } : current ? { ...ui, split: true, focus: 'list', selected: current.name } : ui;
    case 'focus':
      return ui.split ? { ...ui, focus: ui.focus === 'list' ? 'terminal' : 'list' } : ui;
    case 'confirm':
      return { ...ui, overlay: null };
    case 'close':
      if (ui.overlay) return { ...ui, overlay: null };
      if (ui.filtering || ui.filter !== '') return { ...ui, filtering: false, filter: '' };
      if (ui.split) return { ...ui, split: false, focus: 'list' };
      return ui;
    // ctr-tui play's keys (the 'player' context), never the dashboard's.
    case 'play-pause':
    case 'seek-back':
    case 'seek-forward':
    case 'prev-marker':
    case 'next-marker':
    case 'step':
    case 'faster':
    case 'slower':
    case 'live-view':
      return ui;
    case 'attach':
    case 'stop':
    case 'quit':
    case 'record':
    case 'next-field':
    case 'prev-field':
    case 'submit':
    case 'hint':  // the lesson's, not the dashboard's
      return ui;
  }
}

/** Type into the filter. A selection the filter hides falls back to the first match (selectedIndex). */
export function setFilter(ui: UiState, filter: string): UiState {
  return { ...ui, filter };
}
