import xterm from '@xterm/headless';
import { Box, render } from 'ink';
import type { Key } from 'ink';
import type { Runtime } from '../runtime/runtime.js';
import { dispatchKey, LESSON_KEYS, NO_KEY, type ActionName } from '../ui/keys.js';
import { LessonPanel, type LessonView } from '../ui/LessonPanel.js';
import type { TerminalView } from '../ui/model.js';
import { createStore, useStore, type Store } from '../ui/store.js';
import { TerminalPanel } from '../ui/TerminalPanel.js';
import type { Lesson } from './lesson-file.js';
import { LessonRun } from './lesson-run.js';

interface Layout {
  panelWidth: number;
  terminalWidth: number;
  height: number;
}

/** The lesson panel takes about two fifths of the width; the shell the rest. Ink's root is rows - 1 high (an Ink 6 trap). */
export function studentLayout(columns: number, rows: number): Layout {
  const panelWidth = Math.max(24, Math.min(56, Math.floor(columns * 0.4)));
  return { panelWidth, terminalWidth: Math.max(10, columns - panelWidth), height: Math.max(6, rows - 1) };
}

/** A raw input character as Ink would report it (Ctrl-letters as ctrl + the letter), for the key table. */
export function keyOf(char: string): { input: string; key: Key } {
  const code = char.charCodeAt(0);
  if (char.length === 1 && code >= 1 && code <= 26 && char !== '\r' && char !== '\t') {
    return { input: String.fromCharCode(code + 96), key: { ...NO_KEY, ctrl: true } };
  }
  return { input: char, key: NO_KEY };
}

/** Splits raw input into what the lesson acts on (its keys) and what goes to the shell, in order. */
export function routeInput(text: string, act: (action: ActionName) => void, forward: (text: string) => void): void {
  let pending = '';
  for (const char of text) {
    const { input, key } = keyOf(char);
    const action = dispatchKey(LESSON_KEYS, input, key, 'lesson');
    if (!action) {
      pending += char;
      continue;
    }
    if (pending) forward(pending);
    pending = '';
    act(action);
  }
  if (pending) forward(pending);
}

function StudentView({ lesson, terminal, layout }: { lesson: Store<LessonView>; terminal: Store<TerminalView | null>; layout: Store<Layout> }) {
  const view = useStore(lesson);
  const screen = useStore(terminal);
  const { panelWidth, terminalWidth, height } = useStore(layout);
  return (
    <Box flexDirection="row" height={height}>
      <LessonPanel lesson={view} width={panelWidth} height={height} />
      <TerminalPanel terminal={screen} width={terminalWidth} height={height} focused hint="your shell: type here" />
    </Box>
  );
}

/**
 * Student mode: the lesson as a panel beside a real shell in its container.
 * Nothing is typed for the student; each step's check watches the kernel,
 * ticks when it holds and moves on. Ctrl-G shows the hint, Ctrl-] leaves
 * (key table: src/ui/keys.ts, the lesson context); every other key is the shell's.
 */
export async function runStudent(runtime: Runtime, lesson: Lesson, stateDir: string): Promise<number> {
  const stdout = process.stdout;
  const stdin = process.stdin;
  const layout = createStore(studentLayout(stdout.columns, stdout.rows));
  const inner = () => ({ cols: layout.getSnapshot().terminalWidth - 2, rows: layout.getSnapshot().height - 2 });
  const run = new LessonRun(lesson, { runtime, stateDir, mode: 'student', ...inner() });
  const lessonStore = createStore<LessonView>({
    title: lesson.title,
    steps: lesson.steps.map((s) => ({ text: s.text, command: s.command, hint: s.hint, onHost: s.in === 'host' })),
    current: 0,
    showHint: false,
    waitingFor: '',
  });
  run.on('event', (event) => {
    if (event.kind === 'step') lessonStore.setState((v) => ({ ...v, current: event.index, showHint: false, waitingFor: event.waitingFor }));
    if (event.kind === 'passed') lessonStore.setState((v) => ({ ...v, current: event.index + 1 }));
  });

  // The shell's screen: a headless xterm, published at most every 33 ms (as the split view's).
  const terminal = createStore<TerminalView | null>(null);
  const term = new xterm.Terminal({ ...inner(), allowProposedApi: true, scrollback: 0 });
  let timer: NodeJS.Timeout | undefined;
  const publish = () => {
    timer = undefined;
    const buffer = term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < term.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    terminal.setState({ title: `${lesson.lab.name}: shell`, lines, cursor: { x: buffer.cursorX, y: buffer.cursorY } });
  };
  run.on('output', (place, data) => {
    if (place === 'lab') term.write(data, () => (timer ??= setTimeout(publish, 33)));
  });

  let leave!: () => void;
  const left = new Promise<void>((resolve) => (leave = resolve));
  const input = (chunk: Buffer | string) => routeInput(chunk.toString(), (action) => {
    if (action === 'hint') lessonStore.setState((v) => ({ ...v, showHint: !v.showHint }));
    if (action === 'quit') leave();
  }, (text) => run.write('lab', text));
  const resize = () => {
    layout.setState(studentLayout(stdout.columns, stdout.rows));
    const { cols, rows } = inner();
    term.resize(cols, rows);
    run.resize('lab', cols, rows);
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
  const restore = () => stdout.write('\x1b[?1049l\x1b[?25h');
  process.on('exit', restore);
  for (const s of signals) process.on(s, leave);
  stdout.write('\x1b[?1049h\x1b[?25l');
  const ink = render(<StudentView lesson={lessonStore} terminal={terminal} layout={layout} />, { exitOnCtrlC: false, patchConsole: false });
  stdin.setRawMode(true);
  stdin.resume();
  stdin.on('data', input);
  stdout.on('resize', resize);
  let failure: unknown = null;
  const finished = run.run().catch((error: unknown) => {
    failure = error;  // told once the screen is the user's again
    leave();
    return false;
  });
  try {
    await left;
  } finally {
    stdin.off('data', input);
    stdout.off('resize', resize);
    for (const s of signals) process.off(s, leave);
    await run.stop();
    await finished;
    clearTimeout(timer);
    ink.unmount();
    term.dispose();
    stdin.setRawMode(false);
    stdin.pause();
    restore();
    process.off('exit', restore);
  }
  if (failure) throw failure;
  return 0;
}
