import { readlinkSync } from 'node:fs';

/** Every namespace type /proc/PID/ns shows, as the kernel names them there. */
export const namespaceTypes = ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup', 'user', 'time'] as const;
export type NamespaceType = (typeof namespaceTypes)[number];

export interface NamespaceEntry {
  type: NamespaceType;
  /** The inode of the container's namespace (readlink /proc/PID/ns/TYPE: "net:[4026532297]"). */
  container: number | null;
  /** The host's: pid 1's, or ctr-tui's own where pid 1's cannot be read (hostFrom says which). */
  host: number | null;
  hostFrom: string;
  /** new: the container has its own; shared: it is in the host's. */
  state: 'new' | 'shared' | 'unknown';
}

export function namespaceInode(pid: number | 'self', type: NamespaceType): number | null {
  try {
    const match = /\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/${type}`));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The container's namespaces next to the host's, each marked new or shared. The host's are pid 1's;
 * where those cannot be read (in a sandbox, or a VM whose init refuses it) ctr-tui's own stand in.
 */
export function readNamespaces(pid: number): NamespaceEntry[] {
  return namespaceTypes.map((type) => {
    const container = namespaceInode(pid, type);
    let host = namespaceInode(1, type);
    let hostFrom = `/proc/1/ns/${type}`;
    if (host === null) {
      host = namespaceInode('self', type);
      hostFrom = `/proc/self/ns/${type} (ctr-tui's)`;
    }
    const state = container === null || host === null ? 'unknown' : container === host ? 'shared' : 'new';
    return { type, container, host, hostFrom, state };
  });
}
