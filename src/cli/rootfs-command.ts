import type { Command } from 'commander';
import { describeSkipped, importRootfs } from '../runtime/rootfs-import.js';
import { listImported, rootfsLibrary } from '../runtime/rootfs.js';
import { requireRoot } from './require-root.js';

export function registerRootfs(program: Command): void {
  const rootfs = program.command('rootfs').description('manage root filesystems');
  rootfs
    .command('import')
    .description('install a rootfs tarball (Debian or Alpine root filesystem, docker export output, ...)')
    .argument('<file>', 'a .tar, .tar.gz, .tar.xz ...')
    .option('--name <name>', 'the name to give it (default: from the file name)')
    .action(async (file: string, options: { name?: string }) => {
      requireRoot('rootfs import');
      const { target, skipped } = await importRootfs(file, options.name);
      const left = describeSkipped(skipped);
      if (left) process.stderr.write(`ctr-tui: ${file}: ${left}\n`);
      process.stdout.write(`imported ${file} as ${target}: use it with --rootfs ${target.split('/').pop()}\n`);
    });
  rootfs
    .command('ls')
    .description(`list the imported root filesystems (in ${rootfsLibrary})`)
    .action(() => {
      for (const name of listImported()) process.stdout.write(`${name}\n`);
    });
}
