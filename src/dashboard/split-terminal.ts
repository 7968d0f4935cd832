import xterm from '@xterm/headless';
import pty from 'node-pty';
import type { Runtime } from '../runtime/runtime.js';
import type { TerminalView } from '../ui/model.js';
import type { Store } from '../ui/store.js';

/**
 * The split view's terminal: a shell in the container on a node-pty, its
 * output interpreted by a headless xterm, whose screen is published to a
 * store (at most every 33 ms) for the TerminalPanel to draw.
 */
export class SplitTerminal {
  private readonly term: xterm.Terminal;
  private readonly pty: pty.IPty;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(runtime: Runtime, readonly container: string, cols: number, rows: number, private readonly store: Store<TerminalView | null>, onExit: () => void) {
    const { file, args } = runtime.execCommand(container, [], true);
    this.term = new xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
    this.pty = pty.spawn(file, args, { name: 'xterm-256color', cols, rows, env: process.env as Record<string, string> });
    this.pty.onData((data) => this.term.write(data, () => this.schedule()));
    this.pty.onExit(() => {
      if (this.closed) return;  // closed by us, not by the shell
      this.close();
      onExit();
    });
    this.publish();
  }

  write(data: string): void {
    if (!this.closed) this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.closed || (cols === this.term.cols && rows === this.term.rows)) return;
    this.term.resize(cols, rows);
    this.pty.resize(cols, rows);
    this.schedule();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    try {
      this.pty.kill('SIGHUP');
    } catch {
      // already exited
    }
    this.term.dispose();
    this.store.setState(null);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish();
    }, 33);
  }

  private publish(): void {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.term.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    this.store.setState({ title: `${this.container}: shell`, lines, cursor: { x: buffer.cursorX, y: buffer.cursorY } });
  }
}
