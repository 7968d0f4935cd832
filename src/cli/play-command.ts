import type { Command } from 'commander';
import { UsageError } from '../runtime/errors.js';
import { readCast } from '../recording/asciicast-reader.js';

export function registerPlay(program: Command): void {
  program
    .command('play')
    .description('play an asciicast v2 recording in the terminal, at its recorded timing (space pause, ←/→ 5 s, [ ] chapters, q quit)')
    .argument('<file>', 'the recording (.cast)')
    .action(async (file: string) => {
      const cast = await readCast(file);
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new UsageError(`ctr-tui play needs a terminal (stdin and stdout); to see ${file} as text, use: asciinema cat ${file}`);
      }
      const { play } = await import('../player/player.js');
      await play(cast, { input: process.stdin, output: process.stdout });
      // A cut-off last line: said once the screen is back, so that it is seen.
      for (const warning of cast.warnings) process.stderr.write(`ctr-tui: warning: ${warning}\n`);
    });
}
