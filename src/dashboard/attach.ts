import pty from 'node-pty';
import type { Runtime } from '../runtime/runtime.js';

export const detachKey = '\x1d';  // Ctrl-]

/**
 * A full-screen shell inside the container, on a pty that node-pty gives
 * ctr-exec; the terminal is ours again on Ctrl-] or when the shell exits.
 * Call it with Ink unmounted: it owns stdin and stdout meanwhile.
 */
export function attachFullScreen(runtime: Runtime, name: string): Promise<void> {
  const { file, args } = runtime.execCommand(name, [], true);
  const stdout = process.stdout;
  const stdin = process.stdin;
  stdout.write(`\x1b[H\x1b[2J\x1b[?25hAttached to ${name}. Detach with Ctrl-] (Ctrl-C goes to the shell).\r\n`);
  const term = pty.spawn(file, args, { name: process.env.TERM ?? 'xterm-256color', cols: stdout.columns, rows: stdout.rows - 1, env: process.env as Record<string, string> });
  return new Promise((resolve) => {
    const input = (data: Buffer | string) => {
      const text = data.toString();
      const at = text.indexOf(detachKey);
      if (at < 0) return term.write(text);
      if (at > 0) term.write(text.slice(0, at));
      finish();
    };
    const resize = () => term.resize(stdout.columns, stdout.rows - 1);
    const output = term.onData((data) => stdout.write(data));
    const exited = term.onExit(() => finish());
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      stdin.off('data', input);
      stdout.off('resize', resize);
      output.dispose();
      exited.dispose();
      try {
        term.kill('SIGHUP');
      } catch {
        // already gone
      }
      stdout.write('\x1b[H\x1b[2J');
      resolve();
    }
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', input);
    stdout.on('resize', resize);
  });
}
