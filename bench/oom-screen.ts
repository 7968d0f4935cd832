// The OOM kill on screen: from the kernel's "Killed process" record (its
// /dev/kmsg timestamp) to the dashboard's banner naming the victim, on a real
// pty read by a headless xterm. The container is made, and hungry run in it,
// by other ctr-tui processes (as from a second terminal), 10 times back to
// back; each banner must name its own victim's pid inside.
//
//   node --import=tsx bench/oom-screen.ts     (as root; npm run bench runs it in throwaway namespaces)
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { journalPath } from '../src/runtime/event-journal.js';
import { parseEvent } from '../src/runtime/events.js';
import { native } from '../src/runtime/native.js';
import { spawnScreen } from '../test/helpers/screen.js';
import { measureClockOffset, nowUs, parseKmsg, summarize, type LatencySummary } from './lifecycle.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KILLS = 10;

export interface OomScreenResult extends LatencySummary {
  kills: number;
  /** Banners that named another pid than the victim's, or kills never shown. */
  mismatches: number;
}

export async function benchOomScreen(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<OomScreenResult> {
  const stateDir = mkdtempSync(path.join(existsSync('/run') ? '/run' : tmpdir(), 'ctr-tui-bench-oomscreen-'));
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/ctr-tui.js'), '--state-dir', stateDir, ...args], { encoding: 'utf8' });
  const name = `benchscr${(process.pid % 46656).toString(36)}`;
  const offset = measureClockOffset() ?? 0;
  const screen = spawnScreen(process.execPath, [path.join(repoRoot, 'bin/ctr-tui.js'), '--state-dir', stateDir], { cols: 100, rows: 30, cwd: repoRoot });
  const kmsg = native.openKmsg();
  const latencies: number[] = [];
  let mismatches = 0;
  try {
    await screen.waitFor('Containers (0)', 60_000);
    const run = cli(['run', '-d', '--name', name, '--memory', '32M', '--no-net', '--', 'sleep', '300']);
    if (run.status !== 0) throw new Error(`run -d failed: ${run.stderr}`);
    await screen.waitFor(name, 30_000);
    for (let i = 0; i < KILLS; i++) {
      native.readKmsg(kmsg);
      // The banner's moment is taken as the screen shows it, while the exec is still finishing.
      let shownAt = 0;
      let shownPid = 0;
      const shownPidBefore = Number(/\(pid (\d+)\)/.exec(screen.text()[0] ?? '')?.[1] ?? 0);
      const seen = screen.waitFor((lines) => {
        const match = new RegExp(`OOM KILL in ${name}: hungry \\(pid (\\d+)\\)`, 'i').exec(lines[0] ?? '');
        if (!match || Number(match[1]) <= shownPidBefore) return false;
        shownAt = nowUs();
        shownPid = Number(match[1]);
        return true;
      }, 30_000, 'the banner');
      const exec = cli(['exec', name, 'sh', '-c', '/var/shared_folder/hungry --step 8 --interval 1 >/dev/null & echo "victim $!"; wait']);
      const victim = Number(/victim (\d+)/.exec(exec.stdout)?.[1]);
      await seen;
      // The kernel's record of this victim: its host pid from the journal's oom-kill line.
      const journaled = readFileSync(journalPath(stateDir), 'utf8').split('\n').map(parseEvent)
        .find((e) => e?.kind === 'oom-kill' && e.name === name && e.kill.pid === victim);
      const hostPid = journaled?.kind === 'oom-kill' ? journaled.kill.hostPid : null;
      const record = native.readKmsg(kmsg).map(parseKmsg).find((r) => r?.message.startsWith(`Memory cgroup out of memory: Killed process ${hostPid} `));
      if (shownPid !== victim || !record) {
        mismatches++;
        continue;
      }
      latencies.push((shownAt - (record.usec + offset)) / 1000);
    }
  } finally {
    closeSync(kmsg);
    cli(['rm', '-f', name]);
    await screen.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
  log(`  kmsg clock offset ${offset.toFixed(0)} µs`);
  return { ...summarize(latencies), kills: KILLS, mismatches };
}

export function formatOomScreen(r: OomScreenResult): string {
  const f = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(1));
  return [
    `OOM kill -> the dashboard's banner on screen (kernel "Killed process" record to the pty), ${r.kills} kills in a container made by another process:`,
    `  median ${f(r.medianMs)} ms, worst ${f(r.worstMs)} ms over ${r.samples}; mismatches ${r.mismatches} (target: on screen within 100 ms, named right)`,
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.getuid?.() !== 0) throw new Error('bench/oom-screen: needs root');
  delete process.env.CI;
  const result = await benchOomScreen();
  process.stdout.write(`${formatOomScreen(result)}\n`);
}
