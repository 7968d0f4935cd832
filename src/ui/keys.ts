/**
 * THE key table, as data: the dashboard, the help overlay, the footer and the README's key table
 * are all generated from KEYS, and a test checks that no key means two things in one context.
 *
 * Decision on the k conflict. The table asks for both "j / k / arrows: select" and
 * "k: kill (asks to confirm)". We keep vim's j/k for moving (with ↓/↑), because a teacher who
 * presses k to go up must never land in a kill dialog, and bind kill to **K (Shift-k)**: the
 * same letter, "stronger", still behind a y/n confirmation. Delete (d) confirms too; stop (s)
 * does not (it is a polite SIGTERM).
 *
 * Other decisions:
 * - o cycles the sort (name, state, memory, OOM kills), since s is stop.
 * - In the split view Tab moves the focus to the terminal. Once there, every key (Tab included,
 *   for the shell's completion, and Esc, for vi) belongs to the shell, except Ctrl-] (byte 0x1d,
 *   as in telnet and virsh console), which gives the focus back to the list.
 * - Inside the filter prompt and the new-container form, letters are text, so only ↑/↓, Tab,
 *   Enter and Esc are bindings there.
 */

import type { Key } from 'ink';

export type ActionName =
  | 'select-down'
  | 'select-up'
  | 'new'
  | 'attach'
  | 'split'
  | 'kill'
  | 'stop'
  | 'delete'
  | 'logs'
  | 'filter'
  | 'sort'
  | 'help'
  | 'quit'
  | 'record'
  | 'focus'
  | 'close'
  | 'confirm'
  | 'filter-accept'
  | 'next-field'
  | 'prev-field'
  | 'submit'
  | 'anatomy'
  | 'next-section'
  | 'prev-section'
  | 'scroll-down'
  | 'scroll-up'
  | 'page-down'
  | 'page-up'
  | 'play-pause'
  | 'seek-back'
  | 'seek-forward'
  | 'prev-marker'
  | 'next-marker'
  | 'step'
  | 'faster'
  | 'slower'
  | 'live-view'
  | 'hint';

/**
 * Where the keyboard is:
 * list: the dashboard; split: the dashboard with a terminal pane, the list focused;
 * terminal: the terminal pane focused; filter: typing a filter; help, logs: those overlays;
 * confirm: a y/n dialog; form: the new-container form; player: `ctr-tui play`; lesson: a lesson
 * beside its shell (`ctr-tui lesson`: every other key is the shell's).
 */
export type KeyContext = 'list' | 'split' | 'terminal' | 'filter' | 'help' | 'logs' | 'confirm' | 'form' | 'anatomy' | 'player' | 'lesson';

export const KEY_CONTEXTS: readonly KeyContext[] = ['list', 'split', 'terminal', 'filter', 'help', 'logs', 'confirm', 'form', 'anatomy', 'player', 'lesson'];

export interface KeyHint {
  label: string;
  /** The key as the footer shows it, when shorter than `key` (e.g. "j/k"). */
  key?: string;
  /** Lower ranks stay in the footer when it is narrow. */
  rank: number;
}

export interface KeyBinding {
  /** The key as shown to people, alternatives separated by "/" (e.g. "j/↓"). */
  key: string;
  match: (input: string, key: Key) => boolean;
  action: ActionName;
  description: string;
  /** The contexts in which this binding is live. */
  when: readonly KeyContext[];
  /** The heading it is listed under in the help overlay. */
  section: string;
  /** Shown in the footer when set. */
  hint?: KeyHint;
  /**
   * It acts on the runtime (makes, attaches to, kills, removes a container, or records), or looks
   * into a live container (the anatomy view), which a recording does not hold: left out of a
   * read-only dashboard (a recording's live view), its footer and help included.
   */
  changesRuntime?: true;
}

export type KeyTable = readonly KeyBinding[];

/** A printable character with no Ctrl/Alt. Ink reports Shift-k as input "K". */
const char =
  (...chars: string[]) =>
  (input: string, key: Key) =>
    chars.includes(input) && !key.ctrl && !key.meta;
const down = (_input: string, key: Key) => key.downArrow;
const up = (_input: string, key: Key) => key.upArrow;
const escape = (_input: string, key: Key) => key.escape;
const enter = (input: string, key: Key) => key.return || input === '\r' || input === '\n';
const tab = (_input: string, key: Key) => key.tab && !key.shift;
const shiftTab = (_input: string, key: Key) => key.tab && key.shift;
const either =
  (...matchers: Array<(input: string, key: Key) => boolean>) =>
  (input: string, key: Key) =>
    matchers.some((m) => m(input, key));

/** Ctrl-]: the byte that hands the focus back from the terminal pane. */
export const TERMINAL_ESCAPE = '\x1d';

const DASHBOARD: readonly KeyContext[] = ['list', 'split'];

export const KEYS: KeyTable = [
  { key: 'j/↓', match: either(char('j'), down), action: 'select-down', description: 'select the next container', when: DASHBOARD, section: 'Containers', hint: { key: 'j/k', label: 'move', rank: 3 } },
  { key: 'k/↑', match: either(char('k'), up), action: 'select-up', description: 'select the previous container', when: DASHBOARD, section: 'Containers' },
  { key: 'n', match: char('n'), action: 'new', description: 'new container (a form)', when: DASHBOARD, section: 'Containers', hint: { label: 'new', rank: 2 } , changesRuntime: true },
  { key: 'a', match: char('a'), action: 'attach', description: 'attach a full-screen shell', when: DASHBOARD, section: 'Containers', hint: { label: 'attach', rank: 4 } , changesRuntime: true },
  { key: 't', match: char('t'), action: 'split', description: 'split view: list and a shell', when: DASHBOARD, section: 'Containers', hint: { label: 'split', rank: 5 } , changesRuntime: true },
  { key: 'K', match: char('K'), action: 'kill', description: 'kill with SIGKILL (confirms)', when: DASHBOARD, section: 'Containers', hint: { label: 'kill', rank: 6 } , changesRuntime: true },
  { key: 's', match: char('s'), action: 'stop', description: 'stop: SIGTERM, then SIGKILL', when: DASHBOARD, section: 'Containers', hint: { label: 'stop', rank: 8 } , changesRuntime: true },
  { key: 'd', match: char('d'), action: 'delete', description: 'delete it (confirms)', when: DASHBOARD, section: 'Containers', hint: { label: 'delete', rank: 9 } , changesRuntime: true },
  { key: 'l', match: char('l'), action: 'logs', description: "show the container's output", when: DASHBOARD, section: 'Containers', hint: { label: 'logs', rank: 10 } },
  { key: 'i', match: char('i'), action: 'anatomy', description: 'see inside: its anatomy and birth trace', when: DASHBOARD, section: 'Containers', hint: { label: 'inside', rank: 12 } , changesRuntime: true },
  { key: '/', match: char('/'), action: 'filter', description: 'filter by name, IP or state', when: DASHBOARD, section: 'View', hint: { label: 'filter', rank: 7 } },
  { key: 'o', match: char('o'), action: 'sort', description: 'sort: name, state, memory, OOM', when: DASHBOARD, section: 'View', hint: { label: 'sort', rank: 11 } },
  { key: 'Tab', match: tab, action: 'focus', description: 'focus the terminal pane', when: ['split'], section: 'View', hint: { label: 'terminal', rank: 1 } },
  { key: 'Esc', match: escape, action: 'close', description: 'clear filter / close split', when: DASHBOARD, section: 'View' },
  { key: '?', match: char('?'), action: 'help', description: 'show or hide this help', when: ['list', 'split', 'help'], section: 'View', hint: { label: 'help', rank: 0 } },
  { key: 'R', match: char('R'), action: 'record', description: 'record this session, or stop', when: DASHBOARD, section: 'View', hint: { label: 'record', rank: 12 } , changesRuntime: true },
  // Ctrl-C reaches the table only when Ink is rendered with exitOnCtrlC: false (it should be: the
  // dashboard must restore the screen on its way out, and a split terminal wants its Ctrl-C).
  // One row with q, so that the help overlay keeps its columns at 80x24.
  { key: 'q/Ctrl-C', match: either(char('q'), (input, key) => key.ctrl && input === 'c'), action: 'quit', description: 'quit the dashboard', when: DASHBOARD, section: 'View', hint: { key: 'q', label: 'quit', rank: 0 } },

  { key: 'Enter', match: enter, action: 'filter-accept', description: 'keep the filter', when: ['filter'], section: 'Filter prompt', hint: { label: 'keep', rank: 0 } },
  { key: 'Esc', match: escape, action: 'close', description: 'clear the filter', when: ['filter'], section: 'Filter prompt', hint: { label: 'clear', rank: 0 } },
  { key: '↓', match: down, action: 'select-down', description: 'next match', when: ['filter'], section: 'Filter prompt', hint: { key: '↑/↓', label: 'move', rank: 1 } },
  { key: '↑', match: up, action: 'select-up', description: 'previous match', when: ['filter'], section: 'Filter prompt' },

  { key: 'y', match: char('y', 'Y'), action: 'confirm', description: 'yes, do it', when: ['confirm'], section: 'Dialogs', hint: { label: 'yes', rank: 0 } },
  { key: 'n/Esc', match: either(char('n', 'N'), escape), action: 'close', description: 'no, cancel', when: ['confirm'], section: 'Dialogs', hint: { label: 'no', rank: 0 } },
  { key: 'Esc/q', match: either(escape, char('q')), action: 'close', description: 'close help or logs', when: ['help', 'logs'], section: 'Dialogs', hint: { label: 'close', rank: 0 } },

  { key: 'Tab/↓', match: either(tab, down), action: 'next-field', description: 'next field', when: ['form'], section: 'New container form', hint: { label: 'next', rank: 1 } },
  { key: 'Shift-Tab/↑', match: either(shiftTab, up), action: 'prev-field', description: 'previous field', when: ['form'], section: 'New container form', hint: { key: '↑', label: 'previous', rank: 2 } },
  { key: 'Enter', match: enter, action: 'submit', description: 'create and start it', when: ['form'], section: 'New container form', hint: { label: 'create', rank: 0 } },
  { key: 'Esc', match: escape, action: 'close', description: 'cancel', when: ['form'], section: 'New container form', hint: { label: 'cancel', rank: 0 } },

  { key: '→/Tab', match: either((_i, k) => k.rightArrow, tab), action: 'next-section', description: 'next section', when: ['anatomy'], section: 'Anatomy view', hint: { key: '←/→', label: 'section', rank: 1 } },
  { key: '←/Shift-Tab', match: either((_i, k) => k.leftArrow, shiftTab), action: 'prev-section', description: 'previous section', when: ['anatomy'], section: 'Anatomy view' },
  { key: 'j/↓', match: either(char('j'), down), action: 'scroll-down', description: 'scroll down', when: ['anatomy'], section: 'Anatomy view', hint: { key: '↑/↓', label: 'scroll', rank: 2 } },
  { key: 'k/↑', match: either(char('k'), up), action: 'scroll-up', description: 'scroll up', when: ['anatomy'], section: 'Anatomy view' },
  { key: 'PgDn/Space', match: either((_i, k) => k.pageDown, char(' ')), action: 'page-down', description: 'a page down', when: ['anatomy'], section: 'Anatomy view', hint: { key: 'PgDn', label: 'page', rank: 3 } },
  { key: 'PgUp', match: (_i, k) => k.pageUp, action: 'page-up', description: 'a page up', when: ['anatomy'], section: 'Anatomy view' },
  { key: 'Esc/q/i', match: either(escape, char('q', 'i')), action: 'close', description: 'close the anatomy view', when: ['anatomy'], section: 'Anatomy view', hint: { label: 'close', rank: 0 } },

  { key: 'Ctrl-]', match: (input) => input === TERMINAL_ESCAPE, action: 'focus', description: 'back to the list', when: ['terminal'], section: 'Split terminal', hint: { label: 'back to the list', rank: 0 } },

  // ctr-tui play: a recording in the terminal.
  { key: 'Space', match: char(' '), action: 'play-pause', description: 'pause / play', when: ['player'], section: 'Player', hint: { label: 'pause', rank: 0 } },
  { key: '←', match: (_input, key) => key.leftArrow, action: 'seek-back', description: 'back 5 s', when: ['player'], section: 'Player', hint: { key: '←/→', label: '5s', rank: 2 } },
  { key: '→', match: (_input, key) => key.rightArrow, action: 'seek-forward', description: 'forward 5 s', when: ['player'], section: 'Player' },
  { key: '[', match: char('['), action: 'prev-marker', description: 'previous marker (chapter)', when: ['player'], section: 'Player', hint: { key: '[/]', label: 'chapter', rank: 1 } },
  { key: ']', match: char(']'), action: 'next-marker', description: 'next marker (chapter)', when: ['player'], section: 'Player' },
  { key: '.', match: char('.'), action: 'step', description: 'one step (while paused)', when: ['player'], section: 'Player', hint: { label: 'step', rank: 4 } },
  { key: '+/=', match: char('+', '='), action: 'faster', description: 'faster (x2)', when: ['player'], section: 'Player', hint: { key: '+/-', label: 'speed', rank: 3 } },
  { key: '-', match: char('-'), action: 'slower', description: 'slower (/2)', when: ['player'], section: 'Player' },
  { key: 'v', match: char('v'), action: 'live-view', description: 'live view: the dashboard rebuilt at this moment, or back', when: ['player'], section: 'Player', hint: { label: 'live view', rank: 1 } },
  { key: 'q', match: either(char('q'), (input, key) => key.ctrl && input === 'c'), action: 'quit', description: 'quit the player (Ctrl-C too)', when: ['player'], section: 'Player', hint: { label: 'quit', rank: 0 } },

  // ctr-tui lesson: the lesson beside the student's shell, which has every other key (Ctrl-C too),
  // so only control keys a shell rarely needs.
  { key: 'Ctrl-G', match: (input, key) => key.ctrl && input === 'g', action: 'hint', description: 'show or hide the step\'s hint', when: ['lesson'], section: 'Lesson', hint: { label: 'hint', rank: 0 } },
  { key: 'Ctrl-]', match: (input) => input === TERMINAL_ESCAPE, action: 'quit', description: 'leave the lesson (its containers are removed)', when: ['lesson'], section: 'Lesson', hint: { label: 'leave', rank: 0 } },
];

/** A Key with nothing pressed, for building synthetic key events (tests, raw stdin). */
export const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** The action a key press means in a context, or null when it means nothing there. */
export function dispatchKey(table: KeyTable, input: string, key: Key, context: KeyContext): ActionName | null {
  for (const binding of table) {
    if (binding.when.includes(context) && binding.match(input, key)) return binding.action;
  }
  return null;
}

export interface HelpSection {
  title: string;
  rows: { key: string; description: string }[];
}

/** The table grouped by section, in table order. */
export function helpSections(table: KeyTable): HelpSection[] {
  const sections: HelpSection[] = [];
  for (const binding of table) {
    let section = sections.find((s) => s.title === binding.section);
    if (!section) {
      section = { title: binding.section, rows: [] };
      sections.push(section);
    }
    section.rows.push({ key: binding.key, description: binding.description });
  }
  return sections;
}

/** The help overlay's text: a heading per section, then "  key   description" rows. */
export function helpLines(table: KeyTable): string[] {
  const keyWidth = Math.max(0, ...table.map((b) => [...b.key].length));
  const lines: string[] = [];
  for (const section of helpSections(table)) {
    lines.push(section.title);
    for (const row of section.rows) lines.push(`  ${row.key.padEnd(keyWidth)}  ${row.description}`);
  }
  return lines;
}

export interface FooterHint {
  key: string;
  label: string;
}

/** Hint text as the footer prints it: "n new  ? help  q quit". */
export function footerText(hints: readonly FooterHint[]): string {
  return hints.map((h) => `${h.key} ${h.label}`).join('  ');
}

/**
 * The hints for a context that fit in `width` cells once joined by footerText: the most
 * important (lowest rank) are kept, then shown in table order.
 */
export function footerHints(table: KeyTable, width: number, context: KeyContext = 'list'): FooterHint[] {
  const candidates = table
    .map((binding, index) => ({ binding, index }))
    .filter(({ binding }) => binding.hint && binding.when.includes(context));
  const byRank = [...candidates].sort((a, b) => (a.binding.hint?.rank ?? 0) - (b.binding.hint?.rank ?? 0) || a.index - b.index);
  const chosen = new Set<number>();
  let used = 0;
  for (const { binding, index } of byRank) {
    const hint = binding.hint;
    if (!hint) continue;
    const cost = [...(hint.key ?? binding.key)].length + 1 + [...hint.label].length + (chosen.size > 0 ? 2 : 0);
    if (used + cost > width) continue;
    chosen.add(index);
    used += cost;
  }
  return candidates
    .filter(({ index }) => chosen.has(index))
    .map(({ binding }) => ({ key: binding.hint?.key ?? binding.key, label: binding.hint?.label ?? '' }));
}

const CONTEXT_NAMES: Record<KeyContext, string> = {
  list: 'dashboard',
  split: 'split view',
  terminal: 'split terminal',
  filter: 'filter prompt',
  help: 'help',
  logs: 'logs',
  confirm: 'confirm dialog',
  form: 'new container form',
  player: 'player (ctr-tui play)',
  anatomy: 'anatomy view',
  lesson: 'lesson (ctr-tui lesson)',
};

/** A read-only dashboard's table (a recording's live view): no binding that acts on the runtime. */
export function readOnlyTable(table: KeyTable): KeyTable {
  return table.filter((binding) => !binding.changesRuntime);
}

/** The bindings of some contexts only. */
export function bindingsFor(table: KeyTable, contexts: readonly KeyContext[]): KeyTable {
  return table.filter((binding) => binding.when.some((c) => contexts.includes(c)));
}

/**
 * Contexts whose keys the dashboard's help leaves out: other programs' (ctr-tui play, a lesson),
 * and the full-screen views that show all their keys in their own footer (the anatomy view, the
 * new-container form). So the help fits 80x24 in two columns, every description whole.
 */
const notInDashboardHelp: readonly KeyContext[] = ['player', 'lesson', 'anatomy', 'form'];

/** What the dashboard's help overlay lists: the dashboard's own keys. */
export function dashboardHelpTable(table: KeyTable): KeyTable {
  return bindingsFor(table, KEY_CONTEXTS.filter((c) => !notInDashboardHelp.includes(c)));
}

/** A lesson's keys (ctr-tui lesson). */
export const LESSON_KEYS: KeyTable = bindingsFor(KEYS, ['lesson']);

/** A key label's alternatives: "j/↓" is j or ↓, but "/" alone is the slash key. */
export function keyAlternatives(label: string): string[] {
  if (label === '/') return ['/'];
  return label.split('/').filter((k) => k !== '');
}

/** The README's key table, generated from the table. */
export function markdownKeyTable(table: KeyTable): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = ['| Key | Action | Where |', '|---|---|---|'];
  for (const binding of table) {
    const keys = keyAlternatives(binding.key)
      .map((k) => '`' + cell(k) + '`')
      .join(' / ');
    const where = binding.when.map((c) => CONTEXT_NAMES[c]).join(', ');
    lines.push(`| ${keys} | ${cell(binding.description)} | ${where} |`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Line editing for the filter prompt and the form's fields: the new text, or null when the key
 * is not an edit. Backspace (and the DEL byte, which Ink reports as delete) removes a character,
 * Ctrl-U clears, printable text (also pasted text) is appended.
 */
export function editLine(text: string, input: string, key: Key): string | null {
  if (key.backspace || key.delete) return Array.from(text).slice(0, -1).join('');
  if (key.ctrl && input === 'u') return '';
  if (key.ctrl || key.meta || key.escape || key.tab || key.return) return null;
  const printable = input.replace(/[\u0000-\u001f\u007f]/g, '');
  if (printable === '') return null;
  return text + printable;
}
