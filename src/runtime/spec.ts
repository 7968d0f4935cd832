import type { ResourceLimits } from './cgroup/types.js';
import type { NetworkSpec } from './network.js';

export interface ShareSpec {
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readonly: boolean;
}

/** A container, fully decided: every default filled in and every value checked. */
export interface ContainerSpec {
  name: string;
  hostname: string;
  rootfs: string;
  command: string[];
  env: Record<string, string>;
  limits: ResourceLimits;
  network: NetworkSpec | null;
  shares: ShareSpec[];
}

export const containerPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The session keyring every process of container `name` joins, its init and
 * each exec'd process a new one of its own (as runc names them, "_ses." and
 * the container's id): the host root's keys are not theirs, and the host can
 * tell in /proc/keys whose they are.
 */
export function sessionKeyring(name: string): string {
  return `_ses.ctr-tui.${name}`;
}

/** Docker's default capability set, by number (linux/capability.h). */
export const keptCapabilities: Record<string, number> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_RAW: 13,
  CAP_SYS_CHROOT: 18,
  CAP_MKNOD: 27,
  CAP_AUDIT_WRITE: 29,
  CAP_SETFCAP: 31,
};
