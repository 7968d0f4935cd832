import type { Command } from 'commander';
import { UsageError } from '../runtime/errors.js';
import { openRuntime } from './context.js';
import { inspectOutput, type InspectOptions } from './inspect-views.js';

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
    .description('print a container\'s record as JSON; --anatomy: what it is made of, read live; --trace: how it was born')
    .argument('<name>')
    .option('--anatomy', 'its namespaces, cgroup files, mounts, network, processes and confinement (text; --json for JSON)')
    .option('--trace', 'every step the runtime took to make it, with durations (text; --json for JSON)')
    .option('--json', 'with --anatomy or --trace: JSON')
    .action(async (name: string, options: InspectOptions, command: Command) => {
      const runtime = await openRuntime(command, 'inspect');
      process.stdout.write(inspectOutput(runtime, name, options));
    });
}
