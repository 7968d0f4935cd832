// @jsxRuntime automatic
// @jsxImportSource react
// The lesson panel (student mode) and its keys: drawn from a view model, the
// keys read from LESSON_KEYS as raw terminal bytes arrive.
import test from 'ava';
import { render } from 'ink-testing-library';
import { keyOf, routeInput, studentLayout } from '../../src/lessons/student.js';
import { dispatchKey, LESSON_KEYS } from '../../src/ui/keys.js';
import { LessonPanel, wrapText, type LessonView } from '../../src/ui/LessonPanel.js';

const view: LessonView = {
  title: 'Namespaces',
  steps: [
    { text: 'You are pid 1.', command: 'echo $$', onHost: false },
    { text: 'Start a process in the background, then list every process the container can see.', command: 'sleep 1000 & ps -e', hint: 'sleep 1000 &', onHost: false },
    { text: 'Compare on the host.', onHost: true },
  ],
  current: 1,
  showHint: false,
  waitingFor: 'a sleep in lab',
};

test('LessonPanel: done steps ticked, the current one in full with its command and what it watches, the rest ahead', (t) => {
  const { lastFrame } = render(<LessonPanel lesson={view} width={40} height={20} />);
  const frame = lastFrame() ?? '';
  t.regex(frame, /✓ 1\. You are pid 1\./);
  t.regex(frame, /▶ Step 2 of 3/);
  t.regex(frame, /\$ sleep 1000 & ps -e/);
  t.regex(frame, /watching: a sleep in lab/);
  t.regex(frame, / {2}3\. Compare on the host\./);
  t.notRegex(frame, /Hint:/);
  t.regex(frame, /Ctrl-G hint {2}Ctrl-] leave/);
  for (const line of frame.split('\n')) t.true([...line].length <= 40, line);
  t.is(frame.split('\n').length, 20);
});

test('LessonPanel: the hint on request; the end of the lesson', (t) => {
  t.regex(render(<LessonPanel lesson={{ ...view, showHint: true }} width={40} height={20} />).lastFrame() ?? '', /Hint: sleep 1000 &/);
  const done = render(<LessonPanel lesson={{ ...view, current: 3 }} width={40} height={20} />).lastFrame() ?? '';
  t.regex(done, /✓ Lesson complete: 3 of 3 steps\./);
  t.regex(done, /✓ 3\. Compare on the host\./);
});

test('wrapText keeps words whole and lines within the width', (t) => {
  t.deepEqual(wrapText('one two three four', 9), ['one two', 'three', 'four']);
  t.deepEqual(wrapText('a\nb', 5), ['a', 'b']);
});

test('lesson keys: Ctrl-G is the hint, Ctrl-] leaves; everything else, Ctrl-C included, goes to the shell in order', (t) => {
  const g = keyOf('\x07');
  t.is(dispatchKey(LESSON_KEYS, g.input, g.key, 'lesson'), 'hint');
  const b = keyOf('\x1d');
  t.is(dispatchKey(LESSON_KEYS, b.input, b.key, 'lesson'), 'quit');
  const c = keyOf('\x03');
  t.is(dispatchKey(LESSON_KEYS, c.input, c.key, 'lesson'), null);
  const seen: string[] = [];
  routeInput('ls\x07-l\r\x03\x1b[A\x1d', (action) => seen.push(`<${action}>`), (text) => seen.push(text));
  t.deepEqual(seen, ['ls', '<hint>', '-l\r\x03\x1b[A', '<quit>']);
});

test('student layout: the panel about two fifths, the shell the rest, one row short of the screen (an Ink 6 trap)', (t) => {
  t.deepEqual(studentLayout(120, 32), { panelWidth: 48, terminalWidth: 72, height: 31 });
  t.deepEqual(studentLayout(200, 50), { panelWidth: 56, terminalWidth: 144, height: 49 });
});
