// ink-testing-library's stdout is always 100 columns wide and has no rows; this is the same
// harness with a terminal size, for rendering the dashboard at 130x36 or testing resizes.
import { EventEmitter } from 'node:events';
import type { ReactElement } from 'react';
import { render as inkRender } from 'ink';

class Stdout extends EventEmitter {
  frames: string[] = [];
  constructor(public columns: number, public rows: number) {
    super();
  }
  isTTY = true;
  write = (frame: string) => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = () => this.frames[this.frames.length - 1];
  resize(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export class Stdin extends EventEmitter {
  isTTY = true;
  data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const { data } = this;
    this.data = null;
    return data;
  };
}

export function renderSized(tree: ReactElement, size: { columns: number; rows: number }) {
  const stdout = new Stdout(size.columns, size.rows);
  const stdin = new Stdin();
  const stderr = new Stdout(size.columns, size.rows);
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return { ...instance, stdout, stdin, lastFrame: stdout.lastFrame };
}

export const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Poll until `check` holds (true) or `timeout` ms pass (false). Ink commits and draws a little
 * after a key press, later still on a loaded machine: assert on the outcome, not on a delay.
 */
export async function until(check: () => boolean, timeout = 3000): Promise<boolean> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await tick(10);
  }
}
