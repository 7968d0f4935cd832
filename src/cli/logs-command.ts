import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { followLog, lastLines, readLog } from '../runtime/container-log.js';
import { UsageError } from '../runtime/errors.js';
import { openRuntime } from './context.js';

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description('show the output of a container\'s main process')
    .argument('<name>')
    .option('-f, --follow', 'keep printing new output until the container exits')
    .option('-n, --tail <lines>', 'only the last N lines', 'all')
    .action(async (name: string, options: { follow?: boolean; tail: string }, command: Command) => {
      const tail = options.tail === 'all' ? -1 : Number(options.tail);
      if (!Number.isInteger(tail) || tail < -1) throw new UsageError(`invalid --tail "${options.tail}": use a number of lines or "all"`);
      const runtime = await openRuntime(command, 'logs');
      runtime.get(name);
      const file = runtime.store.logFile(name);
      process.stdout.write(lastLines(readLog(file), tail));
      if (!options.follow) return;
      const from = existsSync(file) ? statSync(file).size : 0;
      await followLog(file, from, (text) => process.stdout.write(text), () => runtime.store.readExit(name) === null && runtime.get(name).state === 'running');
    });
}
