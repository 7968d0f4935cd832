import type { Command } from 'commander';
import { UsageError } from '../runtime/errors.js';
import { openRuntime } from './context.js';

export function registerLifecycle(program: Command): void {
  program
    .command('kill')
    .description('send a signal (default KILL) to a container\'s init')
    .argument('<name>')
    .argument('[signal]', 'a name (TERM, SIGINT) or number', 'KILL')
    .action(async (name: string, signal: string, _o: unknown, command: Command) => {
      const runtime = await openRuntime(command, 'kill');
      runtime.kill(name, signal);
    });
  program
    .command('stop')
    .description('stop a container: TERM, then KILL after the timeout')
    .argument('<name>')
    .option('-t, --time <seconds>', 'seconds to wait before KILL', '10')
    .action(async (name: string, options: { time: string }, command: Command) => {
      const seconds = Number(options.time);
      if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`invalid --time "${options.time}": use a number of seconds`);
      const runtime = await openRuntime(command, 'stop');
      await runtime.stop(name, seconds);
      process.stdout.write(`${name}\n`);
    });
  program
    .command('rm')
    .description('remove containers (-f: kill running ones first)')
    .argument('<names...>')
    .option('-f, --force', 'kill the container if it is running')
    .action(async (names: string[], options: { force?: boolean }, command: Command) => {
      const runtime = await openRuntime(command, 'rm');
      for (const name of names) runtime.get(name);  // every name checked before anything is removed
      for (const name of names) {
        await runtime.remove(name, options.force);
        process.stdout.write(`${name}\n`);
      }
    });
  program
    .command('inspect')
    .description('print a container\'s record as JSON')
    .argument('<name>')
    .action(async (name: string, _o: unknown, command: Command) => {
      const runtime = await openRuntime(command, 'inspect');
      process.stdout.write(`${JSON.stringify(runtime.get(name), null, 2)}\n`);
    });
}
