import type { Command } from 'commander';
import { checkRecordingTarget } from '../recording/cast-writer.js';
import { openRuntime } from './context.js';

interface RecordOptions {
  output?: string;
  title?: string;
  input?: boolean;
  force?: boolean;
}

/** The global options to give a recorded ctr-tui command (its state dir is this one's). */
function globalArgs(command: Command): string[] {
  const stateDir = command.optsWithGlobals().stateDir as string | undefined;
  return stateDir ? ['--state-dir', stateDir] : [];
}

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('record a session to an asciicast v2 file with a state track: the dashboard, or any ctr-tui command after --')
    .usage('[-o FILE.cast] [--title T] [--input] [-f] [-- CTR-TUI-ARGS...]')
    .option('-o, --output <file>', 'the .cast file (default: ./ctr-tui-DATE-TIME.cast)')
    .option('--title <title>', "the recording's title")
    .option('--input', 'record the keys typed too (off by default: they may hold passwords)')
    .option('-f, --force', 'overwrite the file if it exists')
    .argument('[args...]', 'a ctr-tui command to record, e.g. -- run lab 2 1 (default: the dashboard)')
    .passThroughOptions()
    .action(async (args: string[], options: RecordOptions, command: Command) => {
      const recording = { file: options.output, title: options.title, input: options.input, force: options.force };
      if (recording.file) checkRecordingTarget(recording.file, recording);
      const runtime = await openRuntime(command, 'record');
      if (args.length === 0) {
        const { runDashboard } = await import('../dashboard/run-dashboard.js');
        await runDashboard(runtime, { record: recording, recordDefaults: { title: options.title, input: options.input } });
        process.exit(0);
      }
      const { recordCommand } = await import('../recording/record-pty.js');
      const { recordedText } = await import('../dashboard/recording-control.js');
      const cli = [process.execPath, ...process.execArgv, process.argv[1]!];
      const { status, result } = await recordCommand(runtime, [...cli, ...globalArgs(command), ...args], recording);
      runtime.close();
      process.stderr.write(`ctr-tui: ${result.error ? `${result.error}; ` : ''}${recordedText(result)}\n`);
      process.exitCode = status;
    });
}
