import { writeSync } from 'node:fs';
import tty from 'node:tty';
import { native } from '../runtime/native.js';

/**
 * Joins this terminal to a container's pty, as `docker run -it` does: raw
 * mode, keystrokes to the pty, its output to the screen, the window size
 * forwarded. Returns a function that restores the terminal.
 */
export function attachTerminal(master: number): () => void {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const resize = () => native.setWindowSize(master, stdout.columns, stdout.rows);
  resize();
  const output = new tty.ReadStream(master);
  output.on('data', (chunk: Buffer) => stdout.write(chunk));
  output.on('error', () => undefined);  // EIO once the container's side is closed
  const input = (chunk: Buffer | string) => {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let at = 0; at < data.length;) {
      try {
        at += writeSync(master, data, at);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      }
    }
  };
  stdin.setRawMode(true);
  stdin.on('data', input);
  stdin.resume();
  stdout.on('resize', resize);
  return () => {
    stdout.off('resize', resize);
    stdin.off('data', input);
    stdin.setRawMode(false);
    stdin.pause();
    output.destroy();
  };
}
