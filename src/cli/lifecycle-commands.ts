import type { Command } from 'commander';
import { UsageError } from '../runtime/errors.js';
import { checkName, namePattern } from '../runtime/names.js';
import { parseSignal, type Runtime } from '../runtime/runtime.js';
import { openRuntime } from './context.js';
import { inspectOutput, type InspectOptions } from './inspect-views.js';

/**
 * Does `act` for each name, as docker does for several: every name is
 * checked first (a malformed one: nothing is done, exit 2); then each is
 * acted on, and a failure is one line that does not stop the others. With
 * one name its error is the command's, as before. With several the status
 * is 0 when all were done; 2 when none was and each failure was a mistake
 * in what was asked (an unknown name, a container not running), as it is
 * for one; otherwise 1.
 */
async function eachName(names: string[], act: (name: string) => Promise<void>, parallel = false): Promise<void> {
  for (const name of names) checkName(name);
  if (names.length === 1) return act(names[0]);
  const outcomes: PromiseSettledResult<void>[] = [];
  if (parallel) outcomes.push(...await Promise.allSettled(names.map((name) => act(name))));
  else for (const name of names) outcomes.push(...await Promise.allSettled([act(name)]));
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
  for (const error of failures) process.stderr.write(`ctr-tui: ${error instanceof Error ? error.message : String(error)}\n`);
  if (failures.length) process.exitCode = failures.length === names.length && failures.every((e) => e instanceof UsageError) ? 2 : 1;
}

/**
 * `kill NAME SIGNAL`, the form before several names: two arguments, the
 * second a signal (a number, a known name, or upper case) and not the name
 * of a container.
 */
function oldKillForm(runtime: Runtime, args: string[]): { name: string; signal: string } | null {
  if (args.length !== 2) return null;
  const [name, signal] = args;
  let isSignal = /^\d+$/.test(signal) || /^(SIG)?[A-Z][A-Z0-9+-]*$/.test(signal);
  try {
    parseSignal(signal);
    isSignal = true;
  } catch {
    // not a known signal: upper case or a number still reads as one (and is refused as unknown)
  }
  if (!isSignal || (namePattern.test(signal) && runtime.store.has(signal))) return null;
  return { name, signal };
}

export function registerLifecycle(program: Command): void {
  program
    .command('kill')
    .description('send a signal (default KILL) to containers\' inits: kill [-s SIGNAL] NAME..., or kill NAME SIGNAL')
    .argument('<names...>')
    .option('-s, --signal <signal>', 'a name (TERM, SIGINT) or number (default: KILL)')
    .action(async (args: string[], options: { signal?: string }, command: Command) => {
      const runtime = await openRuntime(command, 'kill');
      const old = options.signal === undefined ? oldKillForm(runtime, args) : null;
      const names = old ? [old.name] : args;
      if (old) checkName(old.name);
      const signal = parseSignal(old?.signal ?? options.signal ?? 'KILL');  // a bad signal: nothing is done
      await eachName(names, async (name) => runtime.kill(name, signal));
    });
  program
    .command('stop')
    .description('stop containers: TERM, then KILL after the timeout')
    .argument('<names...>')
    .option('-t, --time <seconds>', 'seconds to wait before KILL', '10')
    .action(async (names: string[], options: { time: string }, command: Command) => {
      const seconds = Number(options.time);
      if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`invalid --time "${options.time}": use a number of seconds`);
      const runtime = await openRuntime(command, 'stop');
      // All at once, as docker does: each waits out its own timeout.
      await eachName(names, async (name) => {
        await runtime.stop(name, seconds);
        process.stdout.write(`${name}\n`);
      }, true);
    });
  program
    .command('rm')
    .description('remove containers (-f: kill running ones first)')
    .argument('<names...>')
    .option('-f, --force', 'kill the container if it is running')
    .action(async (names: string[], options: { force?: boolean }, command: Command) => {
      const runtime = await openRuntime(command, 'rm');
      await eachName(names, async (name) => {
        await runtime.remove(name, options.force);
        process.stdout.write(`${name}\n`);
      });
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
