import { EventEmitter } from 'node:events';
import pty from 'node-pty';

export interface ShellSessionOptions {
  cols: number;
  rows: number;
  cwd: string;
  env: Record<string, string>;
}

/**
 * One shell on a real pty (node-pty): the lesson's shell in its container
 * (`ctr-tui run ...`), or a shell on the host. Its output is an event
 * stream; what is written to it is typed.
 */
export class ShellSession extends EventEmitter<{ output: [string]; exit: [number] }> {
  private readonly term: pty.IPty;
  readonly exited: Promise<number>;
  private done = false;

  constructor(file: string, args: string[], options: ShellSessionOptions) {
    super();
    this.term = pty.spawn(file, args, { name: 'xterm-256color', cols: options.cols, rows: options.rows, cwd: options.cwd, env: options.env });
    this.term.onData((data) => this.emit('output', data));
    this.exited = new Promise((resolve) => {
      this.term.onExit(({ exitCode }) => {
        this.done = true;
        resolve(exitCode);
        this.emit('exit', exitCode);
      });
    });
  }

  get pid(): number {
    return this.term.pid;
  }

  get hasExited(): boolean {
    return this.done;
  }

  write(data: string): void {
    if (!this.done) this.term.write(data);
  }

  resize(cols: number, rows: number): void {
    if (!this.done) this.term.resize(cols, rows);
  }

  /** Hangs up (the shell's ctr-tui run passes HUP on and removes its container), then KILL after graceMs. */
  async close(graceMs = 5000): Promise<void> {
    if (this.done) return;
    const signal = (name: string) => {
      try {
        this.term.kill(name);
      } catch {
        // already gone
      }
    };
    signal('SIGHUP');
    const hard = setTimeout(() => signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(hard);
  }
}
