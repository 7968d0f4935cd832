// What one dashboard frame costs, in-process: the real App and Ink (production
// React) drawing to a fake 120x40 terminal, watching 10 containers. Three
// kinds of store update, each measured as CPU time per update:
//   - floor:   Ink redrawing a blank 120x39 screen (39 one-character Texts),
//              what any Ink frame of this size costs;
//   - frame:   a sample that moves the host's CPU figure: a full redraw;
//   - skipped: a sample that changes nothing on screen (same figures, a flat
//              graph scrolling): the frame gate's signature only, no redraw.
//
//   node --import=tsx bench/frame-cost.ts        (no root needed)
//
// Environment: BENCH_FRAMES=100 (updates per kind)  BENCH_GAP_MS=40 (between updates: Ink draws
//   at most 30 frames a second; 1000 to see a frame as the 1 s sampler sees it, with cold caches)
//   BENCH_N=10 (containers in the list)  BENCH_KINDS=frame,skipped (the floor always runs)
delete process.env.CI; // Ink 6 draws nothing with CI set
process.env.NODE_ENV = 'production';
const { EventEmitter } = await import('node:events');
const { setTimeout: sleep } = await import('node:timers/promises');
const { pathToFileURL } = await import('node:url');
const { createElement: h } = await import('react');
const { Box, Text, render } = await import('ink');
const { App } = await import('../src/ui/App.js');
const { createStore, useStore } = await import('../src/ui/store.js');
const { container, state, host } = await import('../test/ui/_fixtures.js');
const { Stdin: FakeInput } = await import('../test/ui/_render.js');

class FakeTerminal extends EventEmitter {
  columns = 120;
  rows = 40;
  isTTY = true;
  frames = 0;
  write = () => {
    this.frames++;
    return true;
  };
}

export interface FrameCost {
  kind: 'floor' | 'frame' | 'skipped';
  /** CPU time per store update, in ms. */
  ms: number;
  /** Terminal writes per update (a drawn frame is 3: begin sync, frame, end sync). */
  writesPerUpdate: number;
}

const gapMs = Number(process.env.BENCH_GAP_MS ?? 40);

async function measure<T>(tree: ReturnType<typeof h>, store: { setState(next: (s: T) => T): void }, update: (s: T, i: number) => T, updates: number): Promise<{ ms: number; writesPerUpdate: number }> {
  const out = new FakeTerminal();
  const app = render(tree, { stdout: out as never, stdin: new FakeInput() as never, stderr: new FakeTerminal() as never, exitOnCtrlC: false, patchConsole: false });
  // Warm up: the JIT, Ink's first layout.
  for (let i = 0; i < 20; i++) {
    store.setState((s) => update(s, i));
    await sleep(40);
  }
  const writes = out.frames;
  const before = process.cpuUsage();
  for (let i = 0; i < updates; i++) {
    store.setState((s) => update(s, 20 + i));
    await sleep(gapMs);
  }
  const used = process.cpuUsage(before);
  const result = { ms: (used.user + used.system) / 1000 / updates, writesPerUpdate: (out.frames - writes) / updates };
  app.unmount();
  return result;
}

export async function benchFrameCost(updates = 100): Promise<FrameCost[]> {
  const results: FrameCost[] = [];
  // The floor: a blank screen whose one visible character changes.
  const counter = createStore(0);
  function Blank() {
    const n = useStore(counter);
    return h(Box, { flexDirection: 'column', width: 120, height: 39 }, ...Array.from({ length: 39 }, (_, i) => h(Text, { key: i }, i === 0 ? String(n % 10) : ' ')));
  }
  results.push({ kind: 'floor', ...(await measure(h(Blank), counter, (n) => n + 1, updates)) });

  const MiB = 1024 * 1024;
  const containers = Array.from({ length: Number(process.env.BENCH_N ?? 10) }, (_, i) =>
    container({ name: `c${i}`, cpuPercent: 0, memory: { current: MiB, peak: MiB, limit: 64 * MiB, history: new Array(240).fill(MiB) } }),
  );
  type S = typeof state;
  const tick = (s: S, hostCpu: number): S => ({
    ...s,
    host: { ...host, cpuPercent: hostCpu },
    containers: s.containers.map((c) => ({ ...c, memory: { ...c.memory, history: [...c.memory.history.slice(1), c.memory.current] } })),
  });
  const actions = { create() {}, kill() {}, stop() {}, remove() {}, attach() {}, quit() {} };
  const clock = () => Date.UTC(2026, 0, 1, 12, 0, 0);
  for (const kind of (['frame', 'skipped'] as const).filter((k) => !process.env.BENCH_KINDS || process.env.BENCH_KINDS.split(',').includes(k))) {
    const store = createStore<S>({ ...state, containers });
    const app = h(App, { store, actions, clock, size: { columns: 120, rows: 40 } });
    results.push({ kind, ...(await measure<S>(app, store, (s, i) => tick(s, kind === 'frame' ? 10 + (i % 50) : 23), updates)) });
  }
  return results;
}

export function formatFrameCost(results: FrameCost[]): string {
  const floor = results.find((r) => r.kind === 'floor')!.ms;
  const label = { floor: 'Ink floor (blank 120x39)', frame: 'dashboard frame', skipped: 'sample, nothing to draw' };
  return results
    .map((r) => `  ${label[r.kind].padEnd(26)} ${r.ms.toFixed(2).padStart(7)} ms CPU per update  ${(r.ms / floor).toFixed(2)}x the floor  ${r.writesPerUpdate.toFixed(1)} writes`)
    .join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`frame cost: ${process.env.BENCH_N ?? 10} containers, 120x40, in-process, CPU time per store update`);
  console.log(formatFrameCost(await benchFrameCost(Number(process.env.BENCH_FRAMES ?? 100))));
  process.exit(0);
}
