import type { Command } from 'commander';
import { UsageError } from '../runtime/errors.js';
import { readCast } from '../recording/asciicast-reader.js';
import { RecordedSource } from '../dashboard/recorded-source.js';

export function registerPlay(program: Command): void {
  program
    .command('play')
    .description('play an asciicast v2 recording in the terminal, at its recorded timing (space pause, ←/→ 5 s, [ ] chapters, v live view, q quit)')
    .argument('<file>', 'the recording (.cast)')
    .option('--live-view', 'start in the live view: the dashboard itself rebuilt from the recording\'s state track (v toggles)')
    .action(async (file: string, options: { liveView?: boolean }) => {
      const cast = await readCast(file);
      if (options.liveView && !RecordedSource.canReplay(cast)) {
        throw new UsageError(`${file} has no state track, so there is no dashboard to rebuild: record with ctr-tui record (or play it without --live-view)`);
      }
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new UsageError(`ctr-tui play needs a terminal (stdin and stdout); to see ${file} as text, use: asciinema cat ${file}`);
      }
      const { play } = await import('../player/player.js');
      await play(cast, { input: process.stdin, output: process.stdout }, { liveView: options.liveView === true });
      // A cut-off last line: said once the screen is back, so that it is seen.
      for (const warning of cast.warnings) process.stderr.write(`ctr-tui: warning: ${warning}\n`);
    });
}
