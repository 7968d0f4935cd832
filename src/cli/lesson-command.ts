import type { Command } from 'commander';
import { findLesson, listLessons } from '../lessons/catalog.js';
import { runLessonCommand } from '../lessons/lesson-command-run.js';
import { requireRoot } from './require-root.js';
import { openRuntime } from './context.js';

export function registerLesson(program: Command): void {
  const lesson = program
    .command('lesson')
    .description('a lesson: steps, each checked on the real kernel (--demo runs it itself, for a projector)')
    .argument('[name]', 'a lesson (ctr-tui lesson list), or the path of a lesson folder or file')
    .option('--demo', 'run every step itself, typing the commands at a human pace')
    .option('--record <file.cast>', 'with --demo: record the screen as asciicast v2, a marker per step')
    .option('-f, --force', 'with --record: overwrite the file if it exists')
    .option('--typing-delay <ms>', 'demo typing pace, milliseconds per character', '70')
    .action(async (name: string | undefined, options: { demo?: boolean; record?: string; force?: boolean; typingDelay: string }, command: Command) => {
      if (!name) {
        command.help({ error: true });
        return;
      }
      const found = findLesson(name);
      requireRoot('lesson');
      const runtime = await openRuntime(command, 'lesson');
      process.exitCode = await runLessonCommand(runtime, found, {
        demo: Boolean(options.demo), record: options.record, force: options.force, typingDelay: options.typingDelay,
        stateDir: command.optsWithGlobals().stateDir as string,
      });
    });
  lesson
    .command('list')
    .description('the lessons that ship')
    .action(() => {
      for (const l of listLessons()) process.stdout.write(`${l.id.padEnd(22)} ${l.title} (${l.steps.length} steps)\n`);
    });
}
