import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';
import { checkName, namePattern } from './names.js';
import { processStartTime } from './process-identity.js';
import type { ContainerRecord, ExitRecord } from './record.js';

export const defaultStateDir = '/run/ctr-tui';

/**
 * One directory per container under the state dir: state.json (written
 * atomically by ctr-tui), exit.json (written by the monitor), container.log.
 * Creating the directory reserves the name, so two ctr-tui processes cannot
 * both create the same container.
 *
 * Beside them, while a process creates a container, a marker naming it,
 * `.creating.PID.START.NAME` (its pid and start time): made before the
 * directory, in one open(2), and removed once the creation is done or
 * undone. A creator killed half-way leaves its marker, and the next
 * reconciliation knows from it, with no age to wait for, that the
 * half-made container is nobody's.
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

  /** Reserves the name for this process, marked as in creation (see settle); throws a UsageError when it is taken. */
  reserve(name: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const marker = this.creationMarker(name);
    const taken = () => new UsageError(`a container named ${name} already exists: pick another --name, or remove it (ctr-tui rm ${name})`);
    try {
      closeSync(openSync(marker, 'wx', 0o600));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw taken();
      throw error;
    }
    try {
      mkdirSync(this.containerDir(name), { mode: 0o700 });
    } catch (error) {
      rmSync(marker, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw taken();
      throw error;
    }
  }

  /** This process has finished creating the container (its record is complete): no longer in creation. */
  settle(name: string): void {
    rmSync(this.creationMarker(name), { force: true });
  }

  /** Containers in creation, or left half-made by a creator that died: the name and who creates it. */
  creations(): Creation[] {
    if (!existsSync(this.dir)) return [];
    const found: Creation[] = [];
    for (const entry of readdirSync(this.dir)) {
      const match = /^\.creating\.(\d+)\.(\d+)\.(.+)$/.exec(entry);
      if (!match || !namePattern.test(match[3])) continue;
      found.push({ name: match[3], pid: Number(match[1]), pidStart: Number(match[2]), marker: path.join(this.dir, entry) });
    }
    return found;
  }

  private creationMarker(name: string): string {
    return path.join(this.dir, `.creating.${process.pid}.${processStartTime(process.pid)}.${checkName(name)}`);
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

  /** Removes the container's directory, and this process's creation marker for it. */
  remove(name: string): void {
    rmSync(this.containerDir(name), { recursive: true, force: true });
    this.settle(name);
  }

  logFile(name: string): string {
    return path.join(this.containerDir(name), 'container.log');
  }
}

/** A container in creation: its name, and the creator's pid and start time (see StateStore.reserve). */
export interface Creation {
  name: string;
  pid: number;
  pidStart: number;
  marker: string;
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
