import { constants } from 'node:os';
import type { RunningContainer } from '../runtime/container.js';

/** Docker's stop grace, as `ctr-tui stop` waits: the init has this long to exit after TERM. */
export const stopGraceMs = 10_000;
/** How often a foreground run checks that its parent is alive (one getppid a time). */
const parentPollMs = 200;

export interface SignalRelay {
  /** From now on signals go to this container (those that came before it existed are sent now). */
  attach(container: RunningContainer): void;
  close(): void;
}

/**
 * The signals of a foreground `run`, as `docker run` passes them on:
 * - TERM and HUP go to the container's init; if it is still there
 *   `stopGraceMs` later (an init ignores what it has no handler for), KILL.
 * - INT goes to it too when stdin is not a terminal (`kill -INT`, a script's
 *   Ctrl-C); on a terminal Ctrl-C reaches the container through its pty.
 * - QUIT and TSTP are ignored, so this process is not stopped or dumped.
 * - The death of this process's parent (a wrapper such as npx, `sh -c` or
 *   `timeout`, which dies on TERM without passing it on) counts as a TERM:
 *   the container is not left running with nobody to answer for it.
 * Installed before the container exists, so that no signal in between
 * takes the default action (and this process with it).
 */
export function relaySignals(options: { stdinIsTerminal: boolean; graceMs?: number }): SignalRelay {
  const graceMs = options.graceMs ?? stopGraceMs;
  let container: RunningContainer | null = null;
  const pending: NodeJS.Signals[] = [];
  let killTimer: NodeJS.Timeout | undefined;
  const send = (signal: NodeJS.Signals) => {
    if (!container) {
      pending.push(signal);
      return;
    }
    container.kill(constants.signals[signal]);
    if ((signal === 'SIGTERM' || signal === 'SIGHUP') && !killTimer) {
      killTimer = setTimeout(() => container?.kill('SIGKILL'), graceMs);
      killTimer.unref();
    }
  };
  const ignore = () => undefined;
  const forwarded: NodeJS.Signals[] = options.stdinIsTerminal ? ['SIGTERM', 'SIGHUP'] : ['SIGTERM', 'SIGHUP', 'SIGINT'];
  const ignored: NodeJS.Signals[] = options.stdinIsTerminal ? ['SIGINT', 'SIGQUIT', 'SIGTSTP'] : ['SIGQUIT', 'SIGTSTP'];
  for (const signal of ignored) process.on(signal, ignore);
  for (const signal of forwarded) process.on(signal, send);

  const parent = process.ppid;
  let orphaned = false;
  const watchParent = setInterval(() => {
    if (orphaned || process.ppid === parent) return;
    orphaned = true;
    send('SIGTERM');
  }, parentPollMs);
  watchParent.unref();

  return {
    attach(started) {
      container = started;
      for (const signal of pending.splice(0)) send(signal);
    },
    close() {
      clearInterval(watchParent);
      clearTimeout(killTimer);
      for (const signal of ignored) process.off(signal, ignore);
      for (const signal of forwarded) process.off(signal, send);
    },
  };
}
