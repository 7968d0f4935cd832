/**
 * The terminal's alternate screen, which Ink 6 does not manage: entered on
 * start, left on quit, on Ctrl-C, on a signal and on a crash, so that the
 * user's shell is never left in a drawn-over, cursorless state.
 */
const enter = '\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l';
const leave = '\x1b[?25h\x1b[?1049l';

let active = false;

function restore(): void {
  if (!active) return;
  active = false;
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  process.stdout.write(leave);
}

export function enterAlternateScreen(): void {
  if (active) return;
  active = true;
  process.stdout.write(enter);
}

export function leaveAlternateScreen(): void {
  restore();
}

/** Restores the terminal whatever way the process ends. */
export function restoreScreenOnExit(): void {
  process.once('exit', restore);
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      restore();
      process.exit(128 + (signal === 'SIGTERM' ? 15 : 1));
    });
  }
  process.once('uncaughtException', (error) => {
    restore();
    process.stderr.write(`ctr-tui: ${error.stack ?? error.message}\n`);
    process.exit(70);
  });
}
