import type { Command } from 'commander';
import { UsageError } from '../runtime/errors.js';
import { openRuntime } from './context.js';

/**
 * The dashboard command. Ink, React and the views load only when it runs,
 * so that ps, exec and the rest start without them.
 */
export function registerDashboard(program: Command): void {
  program
    .command('dashboard', { isDefault: true })
    .description('the full-screen dashboard (the default command)')
    .argument('[unknown...]')
    .action(async (unknown: string[], _o: unknown, command: Command) => {
      // As the default command it receives any word that is not a command.
      if (unknown.length) throw new UsageError(`unknown command "${unknown[0]}": see ctr-tui --help`);
      const runtime = await openRuntime(command, 'dashboard');
      const { runDashboard } = await import('./dashboard-command.js');
      await runDashboard(runtime);
      process.exit(0);
    });
}
