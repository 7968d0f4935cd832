import type { Command } from 'commander';
import { formatBytes } from '../runtime/cgroup/size.js';
import { memoryNow } from '../runtime/container.js';
import type { ContainerInfo } from '../runtime/runtime.js';
import { openRuntime } from './context.js';
import { formatDuration, formatTable } from './table.js';

export interface PsRow {
  name: string;
  state: string;
  pid: number | null;
  ip: string | null;
  memory: { current: number; limit: number | null } | null;
  oomKills: number;
  uptimeMs: number | null;
  exitCode: number | null;
  command: string[];
}

export function psRow(c: ContainerInfo, now = Date.now()): PsRow {
  // memoryNow: a container that exits while it is listed is listed without figures, never an error.
  const sample = c.state === 'running' ? memoryNow(c.name) : null;
  return {
    name: c.name,
    state: c.state,
    pid: c.state === 'running' ? c.pid : null,
    ip: c.spec.network?.address ?? null,
    memory: sample ? { current: sample.current, limit: sample.limit } : null,
    oomKills: sample?.oomKills ?? c.exit?.oomKills ?? 0,
    uptimeMs: c.state === 'running' && c.startedAt ? now - c.startedAt : null,
    exitCode: c.exit ? c.exit.code ?? 128 + (c.exit.signal ?? 0) : null,
    command: c.spec.command,
  };
}

function stateText(row: PsRow): string {
  return row.state === 'exited' ? `exited (${row.exitCode})` : row.state;
}

export function registerPs(program: Command): void {
  program
    .command('ps')
    .description('list containers (running ones; -a for all)')
    .option('-a, --all', 'show exited and created containers too')
    .option('--json', 'print JSON')
    .action(async (options: { all?: boolean; json?: boolean }, command: Command) => {
      const runtime = await openRuntime(command, 'ps');
      const rows = runtime.list().filter((c) => options.all || c.state === 'running').map((c) => psRow(c));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(formatTable(
        ['NAME', 'STATE', 'PID', 'IP', 'MEMORY', 'OOM', 'UPTIME', 'COMMAND'],
        rows.map((r) => [
          r.name, stateText(r), r.pid === null ? '-' : String(r.pid), r.ip ?? '-',
          r.memory ? `${formatBytes(r.memory.current)} / ${r.memory.limit === null ? '-' : formatBytes(r.memory.limit)}` : '-',
          String(r.oomKills), r.uptimeMs === null ? '-' : formatDuration(r.uptimeMs), r.command.join(' '),
        ]),
      ));
    });
}
