import { Command, CommanderError } from 'commander';
import { RuntimeError, UsageError } from '../runtime/errors.js';
import { registerDashboard } from './dashboard-register.js';
import { registerEvents } from './events-command.js';
import { registerExec } from './exec-command.js';
import { registerExport } from './export-command.js';
import { registerLifecycle } from './lifecycle-commands.js';
import { registerLesson } from './lesson-command.js';
import { registerLogs } from './logs-command.js';
import { registerPlay } from './play-command.js';
import { registerPs } from './ps-command.js';
import { registerRecord } from './record-command.js';
import { registerRootfs } from './rootfs-command.js';
import { registerStats } from './stats-command.js';
import { registerRun } from './run-command.js';

export function buildProgram(): Command {
  const program = new Command('ctr-tui')
    .description('Linux containers from the kernel up: run them, watch them, teach with them')
    .enablePositionalOptions()
    .configureOutput({
      // Commander's own usage errors, as every other error: one line.
      outputError: (text, write) => write(`ctr-tui: ${text.replace(/^error: /, '').trim().split('\n')[0]} (see ctr-tui --help)\n`),
    })
    .option('--state-dir <dir>', 'where container records live', '/run/ctr-tui')
    .exitOverride();
  registerDashboard(program);
  registerRun(program);
  registerPs(program);
  registerExec(program);
  registerLogs(program);
  registerLifecycle(program);
  registerStats(program);
  registerEvents(program);
  registerRootfs(program);
  registerRecord(program);
  registerPlay(program);
  registerExport(program);
  registerLesson(program);
  return program;
}

/**
 * An unexpected error's line. A bare errno ("ENODEV: no such device, read")
 * says neither what was being done nor where: name the command, and the
 * path and call when the error has them.
 */
export function unexpected(error: unknown, command: string): string {
  const e = error as NodeJS.ErrnoException;
  const message = e?.message ?? String(error);
  if (!e?.code || !/^E[A-Z0-9]+: /.test(message)) return message;
  const where = e.path && !message.includes(e.path) ? ` (${e.syscall ?? 'on'} ${e.path})` : '';
  return `${command} failed: ${message}${where}`;
}

/** Runs the CLI and returns the exit status; every error is one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  let command = 'ctr-tui';
  program.hook('preAction', (_program, action) => {
    command = `ctr-tui ${action.parent && action.parent !== program ? `${action.parent.name()} ` : ''}${action.name()}`;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`ctr-tui: ${error.message}\n`);
      return 2;
    }
    if (error instanceof RuntimeError) {
      process.stderr.write(`ctr-tui: ${error.message}\n`);
      return error.exitStatus;
    }
    process.stderr.write(`ctr-tui: ${unexpected(error, command)}\n`);
    return 1;
  }
}
