import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A path inside the installed package (works from src/ under tsx and from dist/). */
export function packagePath(relative: string): string {
  return path.join(root, relative);
}

export const defaultRootfs = packagePath('rootfs');
export const sharedFolder = packagePath('shared_folder');
export const sharedFolderTarget = '/var/shared_folder';
