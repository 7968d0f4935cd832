/**
 * The real terminal while the player owns it: alternate screen, raw input, hidden cursor, and
 * all of it given back on every way out (quit, an exception, process.exit, SIGTERM/SIGHUP).
 */
export interface TerminalSession {
  restore(): void;
}

const ENTER = '\x1b[?1049h\x1b[?25l\x1b[2J\x1b[H';
const LEAVE = '\x1b[0m\x1b[?25h\x1b[?1049l';

export function enterTerminal(input: NodeJS.ReadStream, output: NodeJS.WriteStream): TerminalSession {
  let restored = false;
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];
  const onSignal = (signal: NodeJS.Signals) => {
    restore();
    process.kill(process.pid, signal);
  };
  const onExit = () => restore();
  const restore = () => {
    if (restored) return;
    restored = true;
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', onExit);
    try {
      input.setRawMode?.(false);
    } catch {
      // the terminal is gone
    }
    input.pause();
    output.write(LEAVE);
  };
  for (const s of signals) process.once(s, onSignal);
  process.once('exit', onExit);
  input.setRawMode?.(true);
  input.resume();
  output.write(ENTER);
  return { restore };
}
