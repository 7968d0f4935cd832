import { existsSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
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

function hasMemoryController(root: string): boolean {
  try {
    return readText(join(root, 'cgroup.controllers')).split(/\s+/).includes('memory');
  } catch {
    return false;
  }
}

/** CTR_TUI_CGROUP=v1|v2 overrides what is found at root. */
export function detectCgroupDriver(root = '/sys/fs/cgroup', env: NodeJS.ProcessEnv = process.env): CgroupDriver {
  const override = env.CTR_TUI_CGROUP;
  if (override === 'v1') return createV1Driver(root);
  if (override === 'v2') return createV2Driver(root);
  if (override !== undefined && override !== '') {
    throw new Error(`CTR_TUI_CGROUP must be "v1" or "v2", not ${JSON.stringify(override)}`);
  }
  if (isCgroup2(root) && hasMemoryController(root)) return createV2Driver(root);
  if (existsSync(join(root, 'memory'))) return createV1Driver(root);
  throw new Error(
    `cgroup: no usable cgroup hierarchy at ${root}: it is neither a cgroup2 mount with the memory controller nor a v1 tree with ${join(root, 'memory')} (set CTR_TUI_CGROUP=v1 or v2 to choose)`,
  );
}
