import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';
import { checkName, namePattern } from './names.js';
import type { ContainerRecord, ExitRecord } from './record.js';

export const defaultStateDir = '/run/ctr-tui';

/**
 * One directory per container under the state dir: state.json (written
 * atomically by ctr-tui), exit.json (written by the monitor), container.log.
 * Creating the directory reserves the name, so two ctr-tui processes cannot
 * both create the same container.
 */
export class StateStore {
  constructor(readonly dir = defaultStateDir) {}

  /**
   * Every path of a container is built here, from a checked name: a name
   * such as ../../srv/x is refused before it can reach outside the state dir.
   */
  containerDir(name: string): string {
    return path.join(this.dir, checkName(name));
  }

  /** Whether a container (or a half-created one) has this name. */
  has(name: string): boolean {
    return existsSync(this.containerDir(name));
  }

  /** Reserves the name; throws a UsageError when it is taken. */
  reserve(name: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    try {
      mkdirSync(this.containerDir(name), { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new UsageError(`a container named ${name} already exists: pick another --name, or remove it (ctr-tui rm ${name})`);
      }
      throw error;
    }
  }

  write(record: ContainerRecord): void {
    writeAtomically(path.join(this.containerDir(record.name), 'state.json'), `${JSON.stringify(record, null, 2)}\n`);
  }

  read(name: string): ContainerRecord | null {
    const file = path.join(this.containerDir(name), 'state.json');
    let record: ContainerRecord;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as ContainerRecord;
    } catch {
      return null;
    }
    record.exit ??= this.readExit(name);
    return record;
  }

  readExit(name: string): ExitRecord | null {
    try {
      return JSON.parse(readFileSync(path.join(this.containerDir(name), 'exit.json'), 'utf8')) as ExitRecord;
    } catch {
      return null;
    }
  }

  /** Names with a state directory, including half-created ones without state.json. */
  names(): string[] {
    if (!existsSync(this.dir)) return [];
    // Only what could be a container's name: anything else in the dir is not ours.
    return readdirSync(this.dir, { withFileTypes: true }).filter((d) => d.isDirectory() && namePattern.test(d.name)).map((d) => d.name).sort();
  }

  list(): ContainerRecord[] {
    return this.names().map((name) => this.read(name)).filter((r): r is ContainerRecord => r !== null);
  }

  remove(name: string): void {
    rmSync(this.containerDir(name), { recursive: true, force: true });
  }

  logFile(name: string): string {
    return path.join(this.containerDir(name), 'container.log');
  }
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
