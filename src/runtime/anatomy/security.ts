import { readFileSync } from 'node:fs';

/** Capability names by number (linux/capability.h). */
export const capabilityNames: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

const capLast = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));

export interface SecurityAnatomy {
  /** CapEff and CapBnd of its init, as hex and decoded. */
  effective: string[];
  bounding: string[];
  /** Every capability this kernel has that the bounding set no longer holds. */
  dropped: string[];
  capEffHex: string;
  capBndHex: string;
  noNewPrivs: boolean;
  /** 0 off, 1 strict, 2 filter. */
  seccomp: number;
  seccompFilters: number;
}

export function capabilityName(n: number): string {
  return capabilityNames[n] ?? `CAP_${n}`;
}

/** The names of the bits set in a /proc status mask ("00000000a80425fb"). */
export function decodeCapabilities(hex: string): string[] {
  const mask = BigInt(`0x${hex}`);
  const names: string[] = [];
  for (let n = 0; n <= capLast; n++) if ((mask >> BigInt(n)) & 1n) names.push(capabilityName(n));
  return names;
}

export function statusFields(pid: number): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return fields;
}

export function readSecurity(pid: number): SecurityAnatomy {
  const status = statusFields(pid);
  const capEffHex = status.get('CapEff') ?? '0';
  const capBndHex = status.get('CapBnd') ?? '0';
  const bounding = decodeCapabilities(capBndHex);
  const all = Array.from({ length: capLast + 1 }, (_, n) => capabilityName(n));
  return {
    effective: decodeCapabilities(capEffHex),
    bounding,
    dropped: all.filter((name) => !bounding.includes(name)),
    capEffHex,
    capBndHex,
    noNewPrivs: status.get('NoNewPrivs') === '1',
    seccomp: Number(status.get('Seccomp') ?? 0),
    seccompFilters: Number(status.get('Seccomp_filters') ?? 0),
  };
}
