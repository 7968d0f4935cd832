import { native } from '../native.js';

/** One device cgroup rule, as runc writes them: `c 1:3 rwm`. */
export interface DeviceRule {
  type: 'c' | 'b';
  major: number | '*';
  minor: number | '*';
  /** A subset of "rwm": read, write, mknod. */
  access: string;
}

/**
 * What a container may use of the host's devices: docker's defaults. Any
 * device node may be made (CAP_MKNOD), but only these can be opened.
 */
export const allowedDevices: readonly DeviceRule[] = [
  { type: 'c', major: '*', minor: '*', access: 'm' },
  { type: 'b', major: '*', minor: '*', access: 'm' },
  { type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { type: 'c', major: 5, minor: 1, access: 'rwm' }, // console
  { type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { type: 'c', major: 136, minor: '*', access: 'rwm' }, // pts/*
];

/** The line v1's devices.allow takes. */
export function deviceRuleLine(rule: DeviceRule): string {
  return `${rule.type} ${rule.major}:${rule.minor} ${rule.access}`;
}

/** cgroup v2 has no device files: a BPF program on the cgroup decides. */
export type DeviceFilterAttacher = (cgroupDir: string, rules: readonly DeviceRule[]) => void;

export const attachDeviceProgram: DeviceFilterAttacher = (cgroupDir, rules) => {
  const any = (n: number | '*'): number => (n === '*' ? -1 : n);
  try {
    native.attachDeviceFilter(
      cgroupDir,
      rules.map((rule) => ({ type: rule.type, major: any(rule.major), minor: any(rule.minor), access: rule.access })),
    );
  } catch (err) {
    throw new Error(`cgroup v2: confining the devices of ${cgroupDir} failed: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
};
