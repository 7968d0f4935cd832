import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The kept output: the rotated file first, then the current one. */
export function readLog(file: string): string {
  const parts = [`${file}.1`, file].filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8'));
  return parts.join('');
}

export function lastLines(text: string, count: number): string {
  if (count < 0) return text;
  const lines = text.split('\n');
  const trailing = lines[lines.length - 1] === '' ? lines.pop() : undefined;
  const kept = lines.slice(Math.max(0, lines.length - count));
  return kept.join('\n') + (trailing !== undefined && kept.length ? '\n' : '');
}

/**
 * Follows a log as it grows, through the monitor's rotations, until
 * `stillGoing` says the writer is done. Calls onData with each new piece.
 */
export async function followLog(file: string, from: number, onData: (text: string) => void, stillGoing: () => boolean): Promise<void> {
  let position = from;
  const buffer = Buffer.alloc(65536);
  for (;;) {
    const size = existsSync(file) ? statSync(file).size : 0;
    if (size < position) position = 0;  // rotated: the new file starts empty
    if (size > position) {
      const fd = openSync(file, 'r');
      try {
        for (let n; (n = readSync(fd, buffer, 0, buffer.length, position)) > 0; position += n) onData(buffer.toString('utf8', 0, n));
      } finally {
        closeSync(fd);
      }
      continue;
    }
    if (!stillGoing()) return;
    await sleep(100);
  }
}
