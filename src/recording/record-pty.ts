import pty from 'node-pty';
import { LiveSource } from '../dashboard/live-source.js';
import { feedStore } from '../dashboard/store-feed.js';
import { RuntimeError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { emptyDashboardState, type DashboardState } from '../ui/model.js';
import { createStore } from '../ui/store.js';
import { SessionRecorder, type RecordingOptions, type RecordingResult } from './recorder.js';

/** After the command exits, how long its containers' last events (exited, removed) may take to arrive. */
const trailingEventsMs = 2000;

export interface RecordedCommand {
  /** The command's exit status (128+signal when killed). */
  status: number;
  result: RecordingResult;
}

/**
 * Records another ctr-tui command (`ctr-tui record -- run lab 2 1`): it runs on a pty of the
 * terminal's size, keys pass through, its output reaches the terminal and the file, and the
 * state track comes from a live source (Runtime.watch and the stats sampler), as the
 * dashboard's does. `argv` is the command line to run: node, its flags, the CLI script, args.
 */
export async function recordCommand(runtime: Runtime, argv: string[], options: RecordingOptions): Promise<RecordedCommand> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  if (!stdin.isTTY || !stdout.isTTY) throw new RuntimeError('ctr-tui record needs a terminal: run it in one (it records what the terminal shows)');
  const columns = stdout.columns || 80;
  const rows = stdout.rows || 24;
  const store = createStore<DashboardState>(emptyDashboardState);
  const source = new LiveSource(runtime);
  const unfeed = feedStore(source, store);
  const recorder = new SessionRecorder(source, store, { columns, rows }, options, (message) => process.stderr.write(`\r\nctr-tui: ${message}\r\n`));
  // Which containers the command made, and which of them have ended: their last events are awaited.
  const made = new Set<string>();
  const ended = new Set<string>();
  let onEnded = () => undefined as void;
  const untrack = source.subscribe({
    event: (event) => {
      if (event.kind === 'created') made.add(event.name);
      if (event.kind === 'exited' || event.kind === 'removed') ended.add(event.name);
      onEnded();
    },
  });
  source.start();

  const [file, ...args] = argv;
  let child: pty.IPty;
  try {
    child = pty.spawn(file!, args, { name: process.env.TERM ?? 'xterm-256color', cols: columns, rows, cwd: process.cwd(), env: process.env as Record<string, string> });
  } catch (error) {
    untrack();
    unfeed();
    source.stop();
    recorder.stop();
    throw new RuntimeError(`ctr-tui record: could not start ${args.join(' ')}: ${(error as Error).message}`);
  }
  const input = (data: Buffer | string) => {
    child.write(typeof data === 'string' ? data : data.toString('utf8'));
    recorder.input(data);
  };
  const resize = () => {
    child.resize(stdout.columns, stdout.rows);
    recorder.resize(stdout.columns, stdout.rows);
  };
  const passOn = (signal: NodeJS.Signals) => () => {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  };
  const signals = (['SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, passOn(signal)] as const);
  for (const [signal, handler] of signals) process.on(signal, handler);
  const output = child.onData((data) => {
    recorder.output(data);
    stdout.write(data);
  });
  stdin.setRawMode(true);
  stdin.resume();
  stdin.on('data', input);
  stdout.on('resize', resize);
  const status = await new Promise<number>((resolve) => {
    child.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode));
  });
  stdin.off('data', input);
  stdout.off('resize', resize);
  stdin.setRawMode(false);
  stdin.pause();
  for (const [signal, handler] of signals) process.off(signal, handler);
  // Output still in flight, and the last events of the containers it made.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, trailingEventsMs);
    onEnded = () => {
      if ([...made].every((name) => ended.has(name))) {
        clearTimeout(timer);
        setTimeout(resolve, 50);
      }
    };
    onEnded();
  });
  output.dispose();
  untrack();
  const result = recorder.stop();
  unfeed();
  source.stop();
  return { status, result };
}
