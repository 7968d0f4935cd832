import type { Command } from 'commander';
import { exportHtml } from '../export/html-export.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a recording as one self-contained HTML page (player, chapters, memory chart) that works offline')
    .argument('<file>', 'the recording (.cast)')
    .option('-o, --output <file>', 'the page to write (default: FILE with .html)')
    .option('-f, --force', 'overwrite the page if it exists')
    .action(async (file: string, options: { output?: string; force?: boolean }) => {
      const { output, warnings } = await exportHtml(file, options.output, { force: options.force === true });
      for (const warning of warnings) process.stderr.write(`ctr-tui: warning: ${warning}\n`);
      process.stdout.write(`${output}\n`);
    });
}
