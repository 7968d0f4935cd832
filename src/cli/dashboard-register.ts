import type { Command } from 'commander';
import { UsageError } from '../runtime/errors.js';
import { checkRecordingTarget } from '../recording/cast-writer.js';
import { openRuntime } from './context.js';

interface DashboardCliOptions {
  record?: string;
  force?: boolean;
  input?: boolean;
}

/**
 * The dashboard command. Ink, React and the views load only when it runs,
 * so that ps, exec and the rest start without them.
 */
export function registerDashboard(program: Command): void {
  program
    .command('dashboard', { isDefault: true })
    .description('the full-screen dashboard (the default command)')
    .option('--record <file>', 'start recording at once, to FILE.cast (R stops and starts it)')
    .option('-f, --force', 'with --record: overwrite the file if it exists')
    .option('--input', 'recordings hold the keys typed too')
    .argument('[unknown...]')
    .action(async (unknown: string[], options: DashboardCliOptions, command: Command) => {
      // As the default command it receives any word that is not a command.
      if (unknown.length) throw new UsageError(`unknown command "${unknown[0]}": see ctr-tui --help`);
      if (options.record) checkRecordingTarget(options.record, options);
      const runtime = await openRuntime(command, 'dashboard');
      const { runDashboard } = await import('../dashboard/run-dashboard.js');
      await runDashboard(runtime, {
        record: options.record ? { file: options.record, force: options.force, input: options.input } : undefined,
        recordDefaults: { input: options.input },
      });
      process.exit(0);
    });
}
