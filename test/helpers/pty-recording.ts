// A real recording without asciinema: a program run on a node-pty pseudo-terminal, everything
// it writes kept with the time it came, written as asciicast v2 (what `asciinema rec` does).
import pty from 'node-pty';
import { castText, type CastLine } from './cast-generator.js';

export interface PtyRecordingOptions {
  cols?: number;
  rows?: number;
  env?: NodeJS.ProcessEnv;
  /** Called once the program has written something; it may press keys (write) and must resolve when done. */
  drive?: (write: (data: string) => void, output: () => string) => Promise<void>;
  timeoutMs?: number;
}

export async function recordPty(file: string, args: string[], options: PtyRecordingOptions = {}): Promise<string> {
  const cols = options.cols ?? 80;
  const rows = options.rows ?? 24;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, TERM: 'xterm-256color', ...options.env })) if (v !== undefined) env[k] = v;
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  const child = pty.spawn(file, args, { name: 'xterm-256color', cols, rows, cwd: process.cwd(), env });
  const start = performance.now();
  const lines: CastLine[] = [];
  let all = '';
  child.onData((data) => {
    all += data;
    lines.push([(performance.now() - start) / 1000, 'o', data]);
  });
  const exited = new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  try {
    if (options.drive) await options.drive((d) => child.write(d), () => all);
    await exited;
  } finally {
    clearTimeout(timer);
  }
  return castText({ width: cols, height: rows, timestamp: Math.floor(Date.now() / 1000), title: `${args.join(' ')} (recorded on a pty)`, env: { TERM: 'xterm-256color' } }, lines);
}
