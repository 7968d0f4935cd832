import type { Command } from 'commander';
import { eventKinds, describeEvent, type EventKind, type RuntimeEvent } from '../runtime/events.js';
import { UsageError } from '../runtime/errors.js';
import { checkName } from '../runtime/names.js';
import { describeVictim } from '../runtime/oom-watch.js';
import { openRuntime } from './context.js';
import { parseTimePoint } from './duration.js';

interface EventsOptions {
  json?: boolean;
  since?: string;
  until?: string;
  filter: string[];
}

interface EventFilter {
  names: Set<string>;
  kinds: Set<EventKind>;
}

/** --filter name=N and --filter event=KIND, as docker events takes them: any of a key's values, all keys. */
export function parseFilters(filters: string[]): EventFilter {
  const filter: EventFilter = { names: new Set(), kinds: new Set() };
  for (const text of filters) {
    const [key, value] = [text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1)];
    if (key === 'name' || key === 'container') filter.names.add(checkName(value));
    else if (key === 'event' && eventKinds.includes(value as EventKind)) filter.kinds.add(value as EventKind);
    else if (key === 'event') throw new UsageError(`invalid --filter "${text}": the events are ${eventKinds.join(', ')}`);
    else throw new UsageError(`invalid --filter "${text}": use name=NAME or event=${eventKinds.join('|')}`);
  }
  return filter;
}

function matches(filter: EventFilter, event: RuntimeEvent): boolean {
  return (!filter.names.size || filter.names.has(event.name)) && (!filter.kinds.size || filter.kinds.has(event.kind));
}

/** One line for people: "2026-12-01T14:03:07.120Z  oom-kill  lab  hungry (pid 2, host pid 4711) hit the 32 MiB memory limit". */
export function eventLine(event: RuntimeEvent): string {
  const details = event.kind === 'oom-kill'
    ? describeVictim(event.kill).replace(/\(pid (\d+)\)/, (all, pid) => (event.kill.hostPid !== null && String(event.kill.hostPid) !== pid ? `(pid ${pid}, host pid ${event.kill.hostPid})` : all))
    : describeEvent(event);
  return `${new Date(event.at).toISOString()}  ${event.kind.padEnd(8)}  ${event.name}  ${details}`;
}

export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('every container event on the host as it happens (created, started, oom-kill, exited, removed), as docker events')
    .option('--json', 'one JSON object per line (the schema is in the README)')
    .option('--since <time>', 'first the events from this time on: a duration ago (10m, 1h30m), a date, or epoch seconds')
    .option('--until <time>', 'stop at this time (with --since in the past: print and exit)')
    .option('--filter <key=value>', 'name=NAME or event=KIND (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .action(async (options: EventsOptions, cmd: Command) => {
      const now = Date.now();
      const since = options.since === undefined ? undefined : parseTimePoint(options.since, '--since', now);
      const until = options.until === undefined ? undefined : parseTimePoint(options.until, '--until', now);
      const filter = parseFilters(options.filter);
      const runtime = await openRuntime(cmd, 'events');
      const print = (event: RuntimeEvent) => {
        if (!matches(filter, event) || (until !== undefined && event.at > until)) return;
        process.stdout.write(`${options.json ? JSON.stringify(event) : eventLine(event)}\n`);
      };
      runtime.on('event', print);
      runtime.watch({ since });
      // The watches do not hold the process up (they are unref'd): this does, until a signal or --until.
      const alive = setInterval(() => undefined, 1 << 30);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        process.stdout.once('error', stop);
        if (until !== undefined) setTimeout(stop, Math.max(0, until - Date.now()));
      });
      clearInterval(alive);
      runtime.off('event', print);
      runtime.close();
    });
}
