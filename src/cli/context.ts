import type { Command } from 'commander';
import { Runtime } from '../runtime/runtime.js';
import { requireRoot } from './require-root.js';

/** The runtime for a command, reconciled with the kernel first (containers may have died meanwhile). */
export async function openRuntime(command: Command, name: string): Promise<Runtime> {
  requireRoot(name);
  const runtime = new Runtime(command.optsWithGlobals().stateDir as string | undefined);
  await runtime.reconcile();
  return runtime;
}

/** Which names are in use in the command's state dir (no reconciling): random names avoid them. */
export function takenNames(command: Command): (name: string) => boolean {
  const runtime = new Runtime(command.optsWithGlobals().stateDir as string | undefined);
  return (name) => runtime.nameTaken(name);
}
