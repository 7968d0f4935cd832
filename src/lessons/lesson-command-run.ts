import { UsageError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { presentDemo } from './demo.js';
import { LessonCast } from './lesson-cast.js';
import type { Lesson } from './lesson-file.js';
import { LessonRun } from './lesson-run.js';
import { runStudent } from './student.js';

export interface LessonCommandOptions {
  demo: boolean;
  record?: string;
  typingDelay: string;
  stateDir: string;
}

/** Ctrl-C, TERM and HUP stop the lesson: its shells end and its containers are removed. */
function stopOnSignals(run: LessonRun): () => void {
  const stop = () => void run.stop();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, stop);
  return () => signals.forEach((s) => process.off(s, stop));
}

/** `ctr-tui lesson NAME [--demo [--record F]]`: the exit status (0: every step passed; 130: stopped). */
export async function runLessonCommand(runtime: Runtime, lesson: Lesson, options: LessonCommandOptions): Promise<number> {
  const typingDelayMs = Number(options.typingDelay);
  if (!/^\d+$/.test(options.typingDelay)) throw new UsageError(`invalid --typing-delay "${options.typingDelay}": use a whole number of milliseconds`);
  if (options.record && !options.demo) throw new UsageError('--record records a demo: add --demo');
  if (!options.demo) {
    if (!process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError('a lesson needs a terminal: run it in one, or show it with --demo');
    return runStudent(runtime, lesson, options.stateDir);
  }
  const cols = process.stdout.columns || 100;
  const rows = process.stdout.rows || 30;
  let cast: LessonCast | null = null;
  if (options.record) {
    try {
      cast = new LessonCast(options.record, cols, rows, lesson.title);
    } catch (error) {
      throw new UsageError(`--record: cannot write ${options.record} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  let run: LessonRun;
  try {
    run = new LessonRun(lesson, { runtime, stateDir: options.stateDir, mode: 'demo', typingDelayMs, cols, rows });
  } catch (error) {
    cast?.discard();
    throw error;
  }
  presentDemo(run, {
    write: (text) => {
      process.stdout.write(text);
      cast?.output(text);
    },
    marker: (label) => cast?.marker(label),
  });
  const unhook = stopOnSignals(run);
  try {
    const completed = await run.run();
    return completed ? 0 : 130;
  } finally {
    await run.stop();
    unhook();
    cast?.close();
  }
}
