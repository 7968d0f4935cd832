import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatBytes } from '../runtime/cgroup/size.js';
import { cgroupDriver } from '../runtime/container.js';
import { UsageError } from '../runtime/errors.js';
import { StatsSampler, type StatSample } from '../runtime/stats-sampler.js';
import { openRuntime } from './context.js';
import { formatTable } from './table.js';

function statsTable(samples: StatSample[]): string {
  return formatTable(
    ['NAME', 'MEM USED', 'PEAK', 'LIMIT', 'MEM %', 'OOM', 'PIDS', 'CPU %', 'NET RX / TX'],
    samples.map((s) => [
      s.name, formatBytes(s.memory.current), formatBytes(s.memory.peak), s.memory.limit === null ? '-' : formatBytes(s.memory.limit),
      s.memory.limit ? `${((100 * s.memory.current) / s.memory.limit).toFixed(1)}%` : '-', String(s.oomKills), String(s.pids),
      `${s.cpuPercent.toFixed(1)}%`, s.net ? `${formatBytes(s.net.rxBytes)} / ${formatBytes(s.net.txBytes)}` : '-',
    ]),
  );
}

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('live resource usage of running containers (memory, OOM kills, pids, CPU, network)')
    .argument('[names...]', 'only these containers')
    .option('--no-stream', 'print one sample and exit')
    .option('--json', 'print JSON (one sample)')
    .action(async (names: string[], options: { stream: boolean; json?: boolean }, command: Command) => {
      const runtime = await openRuntime(command, 'stats');
      for (const name of names) runtime.get(name);
      const sampler = new StatsSampler({ oomEvery: 1 });
      const sync = () => {
        for (const c of runtime.list()) {
          if (c.state !== 'running' || (names.length && !names.includes(c.name)) || sampler.has(c.name)) continue;
          const cgroup = cgroupDriver().open(c.name);
          if (cgroup) sampler.add({ name: c.name, cgroup, hostVeth: c.hostVeth });
        }
      };
      sync();
      if (names.length && sampler.size === 0) throw new UsageError(`${names.join(', ')}: not running`);
      sampler.sampleAll();
      await sleep(500);
      if (options.json || !options.stream) {
        const samples = sampler.sampleAll();
        process.stdout.write(options.json ? `${JSON.stringify(samples, null, 2)}\n` : statsTable(samples));
        sampler.close();
        return;
      }
      const tty = process.stdout.isTTY;
      for (;;) {
        sync();
        const samples = sampler.sampleAll();
        process.stdout.write((tty ? '\x1b[H\x1b[2J' : '') + statsTable(samples));
        if (names.length && samples.length === 0) break;
        await sleep(1000);
      }
      sampler.close();
    });
}
