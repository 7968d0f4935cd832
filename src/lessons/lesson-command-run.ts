import { rmSync } from 'node:fs';
import { CastWriter } from '../recording/cast-writer.js';
import { UsageError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { presentDemo } from './demo.js';
import type { Lesson } from './lesson-file.js';
import { LessonRun } from './lesson-run.js';
import { runStudent } from './student.js';

export interface LessonCommandOptions {
  demo: boolean;
  record?: string;
  /** With record: overwrite an existing file. */
  force?: boolean;
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
  // The recording is the shared recorder's file (asciicast v2, one whole line per write):
  // never over an existing file without -f, one line when it cannot be made.
  const cast = options.record ? CastWriter.open(options.record, { width: cols, height: rows, title: lesson.title }, { force: options.force }) : null;
  /** A lesson that never ran leaves no recording behind. */
  const discard = () => {
    if (!cast) return;
    cast.close();
    rmSync(cast.path, { force: true });
  };
  let run: LessonRun;
  try {
    run = new LessonRun(lesson, { runtime, stateDir: options.stateDir, mode: 'demo', typingDelayMs, cols, rows });
  } catch (error) {
    discard();
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
  let ran = false;
  try {
    const completed = await run.run();
    ran = true;
    return completed ? 0 : 130;
  } finally {
    await run.stop();
    unhook();
    if (ran) cast?.close();
    else discard();
  }
}
