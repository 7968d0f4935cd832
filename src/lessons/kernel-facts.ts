import { readFileSync, readlinkSync } from 'node:fs';

/**
 * What the kernel says about a process, read from /proc on the host: no
 * command run inside the container, nothing it could fake.
 */

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export function commOf(pid: number): string | null {
  return read(`/proc/${pid}/comm`)?.trim() ?? null;
}

/** The process's pid in its own (innermost) pid namespace: NSpid's last field. */
export function innermostPid(pid: number): number | null {
  const line = read(`/proc/${pid}/status`)?.split('\n').find((l) => l.startsWith('NSpid:'));
  const fields = line?.split(/\s+/).slice(1).filter(Boolean);
  return fields?.length ? Number(fields[fields.length - 1]) : null;
}

/** The namespace a process is in, as its link reads: "uts:[4026532281]". */
export function namespaceOf(pid: number | 'self', kind: string): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/${kind}`);
  } catch {
    return null;
  }
}

export interface TcpSocket {
  localPort: number;
  remoteAddress: string;
  /** The kernel's state number: 1 established, 10 listen. */
  state: number;
}

export const TCP_ESTABLISHED = 1;
export const TCP_LISTEN = 10;

/** IPv4 "0100007F" (little-endian hex, as /proc/net/tcp prints it) as dotted quads. */
function ipv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
}

/** The TCP sockets of the network namespace a process is in (/proc/PID/net/tcp and tcp6). */
export function tcpSockets(pid: number): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const file of ['tcp', 'tcp6']) {
    const text = read(`/proc/${pid}/net/${file}`);
    for (const line of text?.split('\n').slice(1) ?? []) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4) continue;
      const [localAddress, localPort] = fields[1].split(':');
      const [remote] = fields[2].split(':');
      sockets.push({
        localPort: parseInt(localPort, 16),
        remoteAddress: file === 'tcp' && localAddress.length === 8 ? ipv4(remote) : remote,
        state: parseInt(fields[3], 16),
      });
    }
  }
  return sockets;
}

/** The addresses the namespace of a process owns (fib_trie's "/32 host LOCAL" entries). */
export function localAddresses(pid: number | 'self'): string[] {
  const lines = read(`/proc/${pid}/net/fib_trie`)?.split('\n') ?? [];
  const addresses = new Set<string>();
  // "|-- ADDR" heads the lines after it ("/32 host LOCAL", "/24 link UNICAST", ...) until the next node.
  let address: string | null = null;
  for (const line of lines) {
    const node = /[|+]-- (\S+)/.exec(line);
    if (node) address = line.includes('|--') ? node[1] : null;
    else if (address && /\/32 host LOCAL/.test(line)) addresses.add(address);
  }
  return [...addresses];
}

/** The filesystem type mounted at / for a process (the last "/" in its mountinfo: the one it sees). */
export function rootFsType(pid: number): string | null {
  const lines = read(`/proc/${pid}/mountinfo`)?.split('\n') ?? [];
  let type: string | null = null;
  for (const line of lines) {
    const [before, after] = line.split(' - ');
    if (!after) continue;
    if (before.split(' ')[4] === '/') type = after.split(' ')[0];
  }
  return type;
}

/** The network interfaces of the namespace a process is in (/proc/PID/net/dev: unlike /sys/class/net, always that namespace's). */
export function interfaces(pid: number | 'self'): string[] {
  const lines = read(`/proc/${pid}/net/dev`)?.split('\n').slice(2) ?? [];
  return lines.map((l) => l.split(':')[0].trim()).filter(Boolean);
}

/**
 * Whether a shell is at its prompt: no job of its own holds the terminal in
 * the foreground (its terminal's foreground process group, field 8 of
 * /proc/PID/stat, is its own group, field 5), and it is asleep.
 */
export function shellAtPrompt(pid: number): boolean {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return false;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state, , pgrp, , , tpgid] = fields;
  return state === 'S' && pgrp === tpgid;
}
