import { closeSync, openSync, rmSync, writeSync } from 'node:fs';

/**
 * A minimal asciicast v2 file of a lesson's own screen: the header, then
 * `[t, "o", text]` for what the projector showed and `[t, "m", label]` for
 * each step. (The shared recorder, src/recording/cast-writer.ts, is to
 * replace this when the branches meet.)
 */
export class LessonCast {
  private readonly fd: number;
  private readonly started = process.hrtime.bigint();

  constructor(private readonly file: string, width: number, height: number, title: string) {
    this.fd = openSync(file, 'w', 0o644);
    const header = { version: 2, width, height, timestamp: Math.floor(Date.now() / 1000), title, env: { TERM: 'xterm-256color', SHELL: '/bin/sh' } };
    writeSync(this.fd, `${JSON.stringify(header)}\n`);
  }

  private line(code: string, data: string): void {
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9;
    writeSync(this.fd, `${JSON.stringify([Number(seconds.toFixed(6)), code, data])}\n`);
  }

  output(text: string): void {
    this.line('o', text);
  }

  marker(label: string): void {
    this.line('m', label);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Closes and removes the file: the lesson never began. */
  discard(): void {
    this.close();
    rmSync(this.file, { force: true });
  }
}
