import { readFileSync } from 'node:fs';
import { statusFields } from './security.js';

export interface ProcessEntry {
  /** On the host. */
  pid: number;
  /** Inside the container's pid namespace (the last NSpid). */
  pidInside: number | null;
  /** The host pid of its parent, when that is in the container too; null for the init. */
  parent: number | null;
  /** How deep in the tree: the init is 0. */
  depth: number;
  name: string;
  command: string;
}

function readProcess(pid: number): Omit<ProcessEntry, 'depth' | 'parent'> & { ppid: number } {
  const status = statusFields(pid);
  const nspid = (status.get('NSpid') ?? '').split(/\s+/).filter(Boolean).map(Number);
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    command = '';
  }
  return { pid, pidInside: nspid.length > 1 ? nspid[nspid.length - 1] : null, ppid: Number(status.get('PPid') ?? 0), name: status.get('Name') ?? '?', command };
}

/** The processes of the container (its cgroup's), as a tree in depth-first order from its init. */
export function readProcessTree(pids: readonly number[]): ProcessEntry[] {
  const found = new Map<number, ReturnType<typeof readProcess>>();
  for (const pid of pids) {
    try {
      found.set(pid, readProcess(pid));
    } catch {
      // exited while we looked
    }
  }
  const children = new Map<number, number[]>();
  const roots: number[] = [];
  for (const p of found.values()) {
    if (found.has(p.ppid)) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
    else roots.push(p.pid);
  }
  const out: ProcessEntry[] = [];
  const visit = (pid: number, depth: number, parent: number | null) => {
    const p = found.get(pid)!;
    out.push({ pid, pidInside: p.pidInside, parent, depth, name: p.name, command: p.command });
    for (const child of (children.get(pid) ?? []).sort((a, b) => a - b)) visit(child, depth + 1, pid);
  };
  for (const root of roots.sort((a, b) => (found.get(a)!.pidInside ?? a) - (found.get(b)!.pidInside ?? b))) visit(root, 0, null);
  return out;
}
