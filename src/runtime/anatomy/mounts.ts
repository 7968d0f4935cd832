import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { ShareSpec } from '../spec.js';

/** What a mount is for, in the container's anatomy. */
export type MountRole =
  | 'root' | 'proc' | 'sys' | 'dev' | 'devpts' | 'shm' | 'cgroup' | 'share' | 'masked' | 'read-only kernel path' | 'other';

export interface MountEntry {
  id: number;
  parent: number;
  /** What of its filesystem it shows: "/" for all of it, "/null" for a bind of one file. */
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
  readonly: boolean;
  /** The per-mount options (ro, nosuid, ...) and the filesystem's own (lowerdir=, upperdir=, ...). */
  options: string;
  superOptions: string;
  role: MountRole;
  /** One line on what it is there for. */
  note: string;
}

export interface DeviceNode {
  name: string;
  kind: 'char' | 'block' | 'symlink' | 'dir' | 'other';
  /** "1:3" for a device node; the target for a symlink. */
  what: string;
}

const masked = new Set(['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/acpi', '/proc/scsi', '/sys/firmware']);
const readOnlyKernel = new Set(['/proc/sys', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sysrq-trigger']);

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
const unescape = (field: string): string => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

export function parseMountinfo(text: string): Omit<MountEntry, 'role' | 'note'>[] {
  const entries: Omit<MountEntry, 'role' | 'note'>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [left, right] = line.split(' - ');
    if (right === undefined) continue;
    const f = left.split(' ');
    const [fsType, source, superOptions = ''] = right.split(' ');
    entries.push({
      id: Number(f[0]), parent: Number(f[1]), root: unescape(f[3]), mountPoint: unescape(f[4]), options: f[5], fsType, source: unescape(source), superOptions,
      readonly: f[5].split(',').includes('ro'),
    });
  }
  return entries;
}

function classify(m: Omit<MountEntry, 'role' | 'note'>, shares: readonly ShareSpec[], rootfs: string): { role: MountRole; note: string } {
  const ro = m.readonly ? 'read-only' : 'read-write';
  if (m.mountPoint === '/') {
    if (m.fsType === 'overlay') {
      const opts = new Map(m.superOptions.split(',').map((o) => [o.split('=')[0], o.split('=').slice(1).join('=')]));
      const lower = opts.get('lowerdir') ?? '?';
      const lowerText = lower.startsWith('/proc/self/fd/') ? `${rootfs}, opened as ${lower} before the tmpfs hid it` : lower;
      const upper = opts.get('upperdir') ?? '?';
      const upperText = upper.startsWith('/proc/self/fd/') ? `${upper}, a directory` : upper;
      return { role: 'root', note: `overlay: lower = the rootfs (${lowerText}), upper = ${upperText} on a tmpfs` };
    }
    return { role: 'root', note: `the rootfs itself (${m.fsType}), bound on itself: no overlay here` };
  }
  if (masked.has(m.mountPoint)) return { role: 'masked', note: m.root === '/' ? 'masked: an empty read-only tmpfs over it' : `masked: /dev${m.root} bound over it` };
  if (readOnlyKernel.has(m.mountPoint)) return { role: 'read-only kernel path', note: 'bound on itself, read-only' };
  if (m.mountPoint === '/proc') return { role: 'proc', note: 'its own procfs: only the processes of its pid namespace' };
  if (m.mountPoint === '/sys') return { role: 'sys', note: `sysfs, ${ro}` };
  if (m.mountPoint.startsWith('/sys/fs/cgroup')) return { role: 'cgroup', note: `its own cgroup (${m.fsType === 'tmpfs' ? 'the hierarchies\' holder' : m.superOptions.split(',').filter((o) => o !== 'rw' && o !== 'ro').join(',') || m.fsType}), ${ro}` };
  if (m.mountPoint === '/dev') return { role: 'dev', note: 'a tmpfs with the few device nodes it may use' };
  if (m.mountPoint === '/dev/pts') return { role: 'devpts', note: 'its own devpts instance (newinstance): its own ptys' };
  if (m.mountPoint === '/dev/shm') return { role: 'shm', note: 'its own shared memory tmpfs' };
  const share = shares.find((s) => path.posix.normalize(`/${s.target}`) === m.mountPoint);
  if (share) return { role: 'share', note: `shared folder from ${share.source}, ${ro}` };
  return { role: 'other', note: ro };
}

/** The container's own mount table (/proc/PID/mountinfo), each entry marked. */
export function readMounts(pid: number, shares: readonly ShareSpec[], rootfs: string): MountEntry[] {
  return parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8')).map((m) => ({ ...m, ...classify(m, shares, rootfs) }));
}

/** What its /dev holds (seen through /proc/PID/root). */
export function readDeviceNodes(pid: number): DeviceNode[] {
  const dir = `/proc/${pid}/root/dev`;
  return readdirSync(dir).sort().map((name) => {
    const st = lstatSync(path.join(dir, name));
    const major = Math.floor(st.rdev / 256) & 0xfff, minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
    if (st.isCharacterDevice()) return { name, kind: 'char', what: `${major}:${minor}` };
    if (st.isBlockDevice()) return { name, kind: 'block', what: `${major}:${minor}` };
    if (st.isSymbolicLink()) return { name, kind: 'symlink', what: readlinkSafe(path.join(dir, name)) };
    return { name, kind: st.isDirectory() ? 'dir' : 'other', what: '' };
  });
}

function readlinkSafe(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '';
  }
}
