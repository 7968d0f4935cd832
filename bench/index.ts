// npm run bench: every benchmark, one after the other, each in its own
// process (inside the throwaway namespaces of scripts/test-sandbox.sh).
//   run.ts            a container's whole life, next to runc and unshare
//   lifecycle.ts      OOM notification latency; exec next to runc exec and nsenter
//   oom-screen.ts     an OOM kill from the kernel's record to the dashboard's banner on a pty
//   stats-tick.ts     one sampling tick for 10 and 100 containers
//   frame-cost.ts     one dashboard frame in-process, next to Ink's floor (a blank screen)
//   dashboard-cpu.ts  the dashboard's own CPU at idle, 10 and 100 containers
//   recording-seek.ts seeking in a 30-minute recording (ctr-tui play), the reader's parse time
//   recording.ts      the dashboard's CPU with and without recording; a recording's size per minute
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = ['run.ts', 'lifecycle.ts', 'oom-screen.ts', 'stats-tick.ts', 'frame-cost.ts', 'dashboard-cpu.ts', 'recording.ts', 'recording-seek.ts'].filter((b) => !only.length || only.some((o) => b.startsWith(o)));
let failed = 0;
for (const bench of benches) {
  process.stdout.write(`\n=== ${bench}\n`);
  const result = spawnSync(process.execPath, ['--import=tsx', path.join(here, bench)], { stdio: 'inherit', env: { ...process.env, BENCH_PROFILE: process.env.BENCH_PROFILE ?? 'never' } });
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`=== ${bench} failed (status ${result.status ?? result.signal})\n`);
  }
}
process.exitCode = failed ? 1 : 0;
