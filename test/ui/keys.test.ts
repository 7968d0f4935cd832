import test from 'ava';
import type { Key } from 'ink';
import {
  KEYS,
  KEY_CONTEXTS,
  NO_KEY,
  TERMINAL_ESCAPE,
  dispatchKey,
  editLine,
  footerHints,
  footerText,
  helpLines,
  keyAlternatives,
  markdownKeyTable,
  type KeyContext,
} from '../../src/ui/keys.js';

const press = (input: string, key: Partial<Key> = {}) => ({ input, key: { ...NO_KEY, ...key } });

/** Every key event a user can plausibly send, as Ink reports them. */
function probes(): { name: string; input: string; key: Key }[] {
  const all: { name: string; input: string; key: Key }[] = [];
  for (let c = 0x20; c < 0x7f; c++) {
    const ch = String.fromCharCode(c);
    all.push({ name: JSON.stringify(ch), ...press(ch, { shift: /[A-Z]/.test(ch) }) });
    all.push({ name: `Alt-${ch}`, ...press(ch, { meta: true }) });
  }
  for (const letter of 'abcdefghijklmnopqrstuvwxyz') all.push({ name: `Ctrl-${letter}`, ...press(letter, { ctrl: true }) });
  const special: (keyof Key)[] = ['upArrow', 'downArrow', 'leftArrow', 'rightArrow', 'pageUp', 'pageDown', 'home', 'end', 'return', 'tab', 'backspace', 'delete'];
  for (const name of special) {
    all.push({ name, ...press('', { [name]: true }) });
    all.push({ name: `Shift-${name}`, ...press('', { [name]: true, shift: true }) });
  }
  all.push({ name: 'Esc', ...press('', { escape: true, meta: true }) });
  all.push({ name: 'Enter (LF)', ...press('\n') });
  all.push({ name: 'Ctrl-]', ...press(TERMINAL_ESCAPE) });
  return all;
}

test('no key means two things in one context, over the whole table', (t) => {
  const conflicts: string[] = [];
  for (const context of KEY_CONTEXTS) {
    for (const probe of probes()) {
      const matching = KEYS.filter((b) => b.when.includes(context) && b.match(probe.input, probe.key));
      if (matching.length > 1) conflicts.push(`${context}: ${probe.name} -> ${matching.map((b) => b.action).join(', ')}`);
    }
  }
  t.deepEqual(conflicts, []);
});

test('every binding is reachable by some key in every context it claims', (t) => {
  const all = probes();
  for (const binding of KEYS) {
    for (const context of binding.when) {
      t.true(
        all.some((p) => binding.match(p.input, p.key) && dispatchKey(KEYS, p.input, p.key, context) === binding.action),
        `${binding.key} (${binding.action}) in ${context}`,
      );
    }
  }
});

test('j/k and the arrows move; K (Shift-k) kills; k never kills', (t) => {
  const at = (context: KeyContext, input: string, key: Partial<Key> = {}) => dispatchKey(KEYS, input, { ...NO_KEY, ...key }, context);
  t.is(at('list', 'j'), 'select-down');
  t.is(at('list', '', { downArrow: true }), 'select-down');
  t.is(at('list', 'k'), 'select-up');
  t.is(at('list', '', { upArrow: true }), 'select-up');
  t.is(at('list', 'K', { shift: true }), 'kill');
  for (const context of KEY_CONTEXTS) t.not(at(context, 'k'), 'kill', context);
  t.is(at('list', 'n'), 'new');
  t.is(at('list', 'a'), 'attach');
  t.is(at('list', 't'), 'split');
  t.is(at('list', 's'), 'stop');
  t.is(at('list', 'd'), 'delete');
  t.is(at('list', 'l'), 'logs');
  t.is(at('list', '/'), 'filter');
  t.is(at('list', 'o'), 'sort');
  t.is(at('list', '?'), 'help');
  t.is(at('list', 'q'), 'quit');
  t.is(at('list', 'c', { ctrl: true }), 'quit');
  t.is(at('list', 'x'), null);
  t.is(at('list', 'j', { meta: true }), null, 'Alt-j is not j');
});

test('contexts: Tab only in split view, letters are text in the filter and the form', (t) => {
  const at = (context: KeyContext, input: string, key: Partial<Key> = {}) => dispatchKey(KEYS, input, { ...NO_KEY, ...key }, context);
  t.is(at('list', '', { tab: true }), null);
  t.is(at('split', '', { tab: true }), 'focus');
  t.is(at('terminal', '', { tab: true }), null, 'Tab belongs to the shell');
  t.is(at('terminal', '', { escape: true }), null, 'Esc belongs to the shell');
  t.is(at('terminal', 'q'), null);
  t.is(at('terminal', TERMINAL_ESCAPE), 'focus');
  t.is(at('filter', 'j'), null);
  t.is(at('filter', 'q'), null);
  t.is(at('filter', '', { downArrow: true }), 'select-down');
  t.is(at('filter', '', { return: true }), 'filter-accept');
  t.is(at('filter', '', { escape: true }), 'close');
  t.is(at('confirm', 'y'), 'confirm');
  t.is(at('confirm', 'n'), 'close');
  t.is(at('confirm', '', { escape: true }), 'close');
  t.is(at('confirm', 'K', { shift: true }), null);
  t.is(at('help', '?'), 'help');
  t.is(at('help', 'q'), 'close');
  t.is(at('form', 'q'), null);
  t.is(at('form', '', { tab: true }), 'next-field');
  t.is(at('form', '', { tab: true, shift: true }), 'prev-field');
  t.is(at('form', '', { return: true }), 'submit');
  t.is(at('form', '\n'), 'submit');
});

test('helpLines lists every binding under its section', (t) => {
  const lines = helpLines(KEYS);
  t.is(lines[0], 'Containers');
  t.true(lines.includes('Filter prompt'));
  t.true(lines.some((l) => /^ {2}K +kill with SIGKILL \(confirms\)$/.test(l)));
  t.true(lines.some((l) => /^ {2}j\/↓ +select the next container$/.test(l)));
  t.is(lines.filter((l) => l.startsWith('  ')).length, KEYS.length);
});

test('footerHints keep the most important hints that fit, in table order', (t) => {
  const wide = footerHints(KEYS, 200, 'list');
  t.is(footerText(wide), 'j/k move  n new  a attach  t split  K kill  s stop  d delete  l logs  i inside  / filter  o sort  ? help  R record  q quit');
  const narrow = footerHints(KEYS, 21, 'list');
  t.is(footerText(narrow), 'n new  ? help  q quit');
  t.is(footerText(footerHints(KEYS, 20, 'list')), '? help  q quit');
  t.true(footerText(footerHints(KEYS, 79, 'list')).length <= 79);
  t.is(footerText(footerHints(KEYS, 80, 'confirm')), 'y yes  n/Esc no');
  t.is(footerText(footerHints(KEYS, 80, 'terminal')), 'Ctrl-] back to the list');
  t.true(footerHints(KEYS, 200, 'split').some((h) => h.key === 'Tab'));
  t.false(footerHints(KEYS, 200, 'list').some((h) => h.key === 'Tab'));
  t.deepEqual(footerHints(KEYS, 0, 'list'), []);
});

test('keyAlternatives splits on "/" except for the slash key itself', (t) => {
  t.deepEqual(keyAlternatives('j/↓'), ['j', '↓']);
  t.deepEqual(keyAlternatives('/'), ['/']);
  t.deepEqual(keyAlternatives('Esc'), ['Esc']);
});

test('markdownKeyTable generates the README key table', (t) => {
  const md = markdownKeyTable(KEYS);
  const lines = md.trimEnd().split('\n');
  t.is(lines[0], '| Key | Action | Where |');
  t.is(lines[1], '|---|---|---|');
  t.is(lines.length, KEYS.length + 2);
  t.true(lines.includes('| `j` / `↓` | select the next container | dashboard, split view |'));
  t.true(lines.includes('| `K` | kill with SIGKILL (confirms) | dashboard, split view |'));
  t.true(lines.includes('| `/` | filter by name, IP or state | dashboard, split view |'));
  t.true(lines.includes('| `Ctrl-]` | back to the list | split terminal |'));
  t.true(lines.includes('| `y` | yes, do it | confirm dialog |'));
  for (const line of lines) t.regex(line, /^\|.*\|$/);
  t.true(md.endsWith('\n'));
});

test('editLine appends printable text and deletes with Backspace/DEL', (t) => {
  t.is(editLine('ab', 'c', NO_KEY), 'abc');
  t.is(editLine('ab', 'cd', NO_KEY), 'abcd', 'pasted text');
  t.is(editLine('ab', '', { ...NO_KEY, backspace: true }), 'a');
  t.is(editLine('ab', '', { ...NO_KEY, delete: true }), 'a', 'DEL (0x7f) arrives as delete');
  t.is(editLine('漢字', '', { ...NO_KEY, backspace: true }), '漢');
  t.is(editLine('', '', { ...NO_KEY, backspace: true }), '');
  t.is(editLine('abc', 'u', { ...NO_KEY, ctrl: true }), '');
  t.is(editLine('ab', '', { ...NO_KEY, upArrow: true }), null);
  t.is(editLine('ab', '', { ...NO_KEY, escape: true }), null);
  t.is(editLine('ab', 'x', { ...NO_KEY, meta: true }), null);
  t.is(editLine('ab', 'a\r\n', NO_KEY), 'aba');
});

test('src/ui/README.md carries the generated key table', async (t) => {
  const { readFile } = await import('node:fs/promises');
  const readme = await readFile(new URL('../../src/ui/README.md', import.meta.url), 'utf8');
  t.true(readme.includes(markdownKeyTable(KEYS)), 'regenerate it: markdownKeyTable(KEYS)');
});
