import { RuntimeError } from '../runtime/errors.js';

export function requireRoot(command: string): void {
  if (process.getuid?.() !== 0) {
    throw new RuntimeError(`${command} needs root to make namespaces, cgroups and veths: run "sudo ctr-tui ${command} ..."`);
  }
}
