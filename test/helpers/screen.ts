// A real terminal for end-to-end tests of full-screen programs: the program
// runs on a node-pty pseudo-terminal, and everything it writes is fed to an
// @xterm/headless terminal of the same size, so that a test can look at the
// screen as a person would see it (the same approach as Ink's own
// test/helpers/term.ts, plus a screen emulator).
//
// Ink draws nothing until it exits when it thinks it runs in CI, so the
// child's environment never has CI (or CONTINUOUS_INTEGRATION) set.
import pty from 'node-pty';
import xterm from '@xterm/headless';

export interface ScreenOptions {
  cols?: number;
  rows?: number;
  cwd?: string;
  /** Added to (or, with undefined values, removed from) the parent's environment. */
  env?: NodeJS.ProcessEnv;
}

export interface ScreenExit {
  exitCode: number;
  signal: number | undefined;
}

export type ScreenPredicate = RegExp | string | ((lines: string[]) => boolean);

export interface Screen {
  /** The pid of the program (node-pty spawns it directly). */
  readonly pid: number;
  readonly cols: number;
  readonly rows: number;
  /** The visible screen, one string per row, trailing blanks trimmed. */
  text(): string[];
  /** text() joined with newlines, for regular expressions and failure messages. */
  screen(): string;
  /** Everything the program wrote, escape sequences included. */
  output(): string;
  /**
   * Resolves once `predicate` holds for the screen (a RegExp or a substring of screen(), or a
   * function of text()); rejects on timeout, or when the program exits without it holding, with
   * the screen in the message.
   */
  waitFor(predicate: ScreenPredicate, timeoutMs?: number, what?: string): Promise<void>;
  /** Writes key bytes as one chunk (see Keys for the named ones). */
  press(keys: string): void;
  /** Writes text as typed (one chunk: Ink reads it as one input, like a paste). */
  type(text: string): void;
  resize(cols: number, rows: number): void;
  /** Resolves when the program has exited. */
  readonly exited: Promise<ScreenExit>;
  hasExited(): boolean;
  /** Ends the program (SIGTERM, then SIGKILL after `graceMs`), waits for it, frees the emulator. */
  close(graceMs?: number): Promise<ScreenExit>;
}

/** Bytes of keys as a terminal sends them (xterm, normal cursor mode). */
export const Keys = {
  enter: '\r',
  tab: '\t',
  shiftTab: '\x1b[Z',
  escape: '\x1b',
  backspace: '\x7f',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  ctrlC: '\x03',
  ctrlD: '\x04',
  ctrlU: '\x15',
  /** Ctrl-]: detach from a shell, or leave the split terminal. */
  ctrlBracket: '\x1d',
} as const;

function describe(predicate: ScreenPredicate): string {
  if (typeof predicate === 'string') return JSON.stringify(predicate);
  if (predicate instanceof RegExp) return String(predicate);
  return predicate.name ? `${predicate.name}()` : 'a screen predicate';
}

function frame(lines: string[], cols: number): string {
  const rule = '-'.repeat(Math.min(cols, 100));
  return `${rule}\n${lines.map((l) => l.replace(/\s+$/, '')).join('\n')}\n${rule}`;
}

export function spawnScreen(file: string, args: string[], options: ScreenOptions = {}): Screen {
  let cols = options.cols ?? 100;
  let rows = options.rows ?? 30;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, TERM: 'xterm-256color', ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;

  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  const child = pty.spawn(file, args, { name: 'xterm-256color', cols, rows, cwd: options.cwd ?? process.cwd(), env });
  let raw = '';
  let exit: ScreenExit | null = null;
  let disposed = false;
  const waiters = new Set<() => void>();
  const poke = () => {
    for (const waiter of [...waiters]) waiter();
  };

  // The emulator parses asynchronously: look at the screen once a chunk is parsed.
  const dataSub = child.onData((data) => {
    raw += data;
    if (!disposed) term.write(data, poke);
  });
  const exited = new Promise<ScreenExit>((resolve) => {
    child.onExit(({ exitCode, signal }) => {
      dataSub.dispose();
      const settle = () => {
        exit = { exitCode, signal };
        resolve(exit);
        poke();
      };
      // Let the emulator finish parsing what came before the exit.
      if (disposed) settle();
      else term.write('', settle);
    });
  });

  const text = (): string[] => {
    if (disposed) return [];
    const buffer = term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < term.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return lines;
  };
  const screen = () => text().join('\n');
  const holds = (predicate: ScreenPredicate): boolean => {
    if (typeof predicate === 'string') return screen().includes(predicate);
    if (predicate instanceof RegExp) return predicate.test(screen());
    return predicate(text());
  };

  return {
    get pid() {
      return child.pid;
    },
    get cols() {
      return cols;
    },
    get rows() {
      return rows;
    },
    text,
    screen,
    output: () => raw,
    waitFor(predicate, timeoutMs = 10_000, what) {
      const label = what ?? describe(predicate);
      return new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const finish = (error?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          let ok: boolean;
          try {
            ok = holds(predicate);
          } catch (error) {
            return finish(error as Error);
          }
          if (ok) return finish();
          if (exit) {
            finish(new Error(`the program exited (code ${exit.exitCode}, signal ${exit.signal ?? 'none'}) before the screen showed ${label}; the screen:\n${frame(text(), cols)}`));
          }
        };
        const timer = setTimeout(() => {
          finish(new Error(`timed out after ${Date.now() - started} ms waiting for the screen to show ${label}; the screen:\n${frame(text(), cols)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    press(keys) {
      if (!exit) child.write(keys);
    },
    type(typed) {
      if (!exit) child.write(typed);
    },
    resize(newCols, newRows) {
      cols = newCols;
      rows = newRows;
      if (!disposed) term.resize(newCols, newRows);
      if (!exit) child.resize(newCols, newRows);
    },
    exited,
    hasExited: () => exit !== null,
    async close(graceMs = 3000) {
      if (!exit) {
        try {
          child.kill('SIGTERM');
        } catch {
          // already gone
        }
        const hard = setTimeout(() => {
          try {
            if (!exit) process.kill(child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }, graceMs);
        await exited;
        clearTimeout(hard);
      }
      const result = await exited;
      if (!disposed) {
        disposed = true;
        term.dispose();
      }
      return result;
    },
  };
}

export interface PressUntilOptions {
  /** Presses at most this many times. */
  tries?: number;
  /** How long to wait for `done` before pressing again. */
  retryMs?: number;
  /** How long to wait after the last press. */
  timeoutMs?: number;
  /**
   * Press again only while this holds (by default: while `done` does not). Use it to say "the
   * key has not worked yet" when a key pressed twice would do harm once it has worked.
   */
  retryIf?: (lines: string[]) => boolean;
}

/**
 * Presses `keys` until the screen shows `done`. Ink subscribes its input handlers in React
 * effects, which run after the frame that needs them has been drawn, so a key sent the moment a
 * new frame shows can reach no handler, or a stale one, and be lost. A lost key changes nothing
 * on the screen, so it is pressed again after `retryMs`. Only for keys whose repetition is
 * harmless (or guarded by `retryIf`); for text, make sure first that its handler listens.
 */
export async function pressUntil(screen: Screen, keys: string, done: ScreenPredicate, what?: string, options: PressUntilOptions = {}): Promise<void> {
  const { tries = 3, retryMs = 4000, timeoutMs = 15_000, retryIf } = options;
  for (let attempt = 1; ; attempt++) {
    screen.press(keys);
    const last = attempt >= tries;
    try {
      await screen.waitFor(done, last ? timeoutMs : retryMs, what);
      return;
    } catch (error) {
      if (last || screen.hasExited()) throw error;
      if (retryIf && !retryIf(screen.text())) {
        await screen.waitFor(done, timeoutMs, what);
        return;
      }
    }
  }
}
