import type { Command } from 'commander';
import { constants } from 'node:os';
import { openRuntime } from './context.js';

export function registerExec(program: Command): void {
  program
    .command('exec')
    .description('run a command in a running container (default: its shell), with a pty when -t or when stdin is a terminal')
    .passThroughOptions()
    .argument('<name>')
    .argument('[command...]')
    .option('-t, --tty', 'allocate a pty inside the container')
    .option('-T, --no-tty', 'never allocate a pty')
    .action(async (name: string, argv: string[], options: { tty?: boolean }, command: Command) => {
      const runtime = await openRuntime(command, 'exec');
      const tty = options.tty ?? Boolean(process.stdin.isTTY);
      const child = runtime.exec(name, argv, { tty, stdio: 'inherit' });
      // The container's process answers Ctrl-C; ctr-exec relays the terminal.
      const ignore = () => undefined;
      process.on('SIGINT', ignore);
      const status = await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        // ctr-exec exits 128+N when the process dies of signal N; this is for ctr-exec itself killed.
        child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
      });
      process.off('SIGINT', ignore);
      process.exitCode = status;
    });
}
