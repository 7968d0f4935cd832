import { existsSync, readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../errors.js';
import { readText } from './common.js';
import type { CgroupDriver } from './types.js';
import { createV1Driver } from './v1.js';
import { createV2Driver } from './v2.js';

const CGROUP2_SUPER_MAGIC = 0x63677270;

function isCgroup2(root: string): boolean {
  try {
    return statfsSync(root).type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

function controllersOf(root: string): string[] | null {
  try {
    return readText(join(root, 'cgroup.controllers')).split(/\s+/).filter((word) => word !== '');
  } catch {
    return null;
  }
}

const SYSFS_MAGIC = 0x62656572;

function fsTypeOf(dir: string): number | null {
  try {
    return statfsSync(dir).type;
  } catch {
    return null;
  }
}

function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/**
 * Why neither driver fits `root`: what is there, and what to do, in one
 * line. The usual cause is a fresh sysfs without cgroups on it, as
 * `ip netns exec` mounts.
 */
function noUsableHierarchy(root: string): RuntimeError {
  const prefix = `cgroup: no usable cgroup hierarchy at ${root}`;
  if (!existsSync(root)) {
    return new RuntimeError(`${prefix}: it does not exist (is sysfs mounted on /sys?): mount cgroup2 there (mount -t cgroup2 none ${root}) or run ctr-tui where the host's cgroups are mounted`);
  }
  if (isCgroup2(root)) {
    const controllers = controllersOf(root) ?? [];
    return new RuntimeError(
      `${prefix}: cgroup2 is mounted there but its cgroup.controllers lists ${controllers.join(' ') || 'nothing'}, without memory (a v1 hierarchy holds it, or the kernel was booted with cgroup_disable=memory): boot with systemd.unified_cgroup_hierarchy=1, or unmount the v1 memory hierarchy`,
    );
  }
  const entries = entriesOf(root);
  const type = fsTypeOf(root);
  if (entries.length === 0) {
    const where = type === SYSFS_MAGIC ? 'an empty directory of sysfs: nothing is mounted on it' : 'an empty directory';
    return new RuntimeError(
      `${prefix}: it is ${where} (\`ip netns exec\` mounts a fresh sysfs that hides the host's cgroups): run ctr-tui outside \`ip netns exec\` (ctr-tui makes its own network namespaces), or mount cgroup2 there first (mount -t cgroup2 none ${root})`,
    );
  }
  return new RuntimeError(
    `${prefix}: it is a directory with ${entries.join(', ')} but no memory controller (no ${join(root, 'memory')}): mount it (mkdir ${join(root, 'memory')} && mount -t cgroup -o memory none ${join(root, 'memory')}), or boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1)`,
  );
}

/** CTR_TUI_CGROUP=v1|v2 overrides what is found at root. */
export function detectCgroupDriver(root = '/sys/fs/cgroup', env: NodeJS.ProcessEnv = process.env): CgroupDriver {
  const override = env.CTR_TUI_CGROUP;
  if (override === 'v1') return createV1Driver(root);
  if (override === 'v2') return createV2Driver(root);
  if (override !== undefined && override !== '') {
    throw new Error(`CTR_TUI_CGROUP must be "v1" or "v2", not ${JSON.stringify(override)}`);
  }
  if (isCgroup2(root) && (controllersOf(root) ?? []).includes('memory')) return createV2Driver(root);
  if (existsSync(join(root, 'memory'))) return createV1Driver(root);
  throw noUsableHierarchy(root);
}
