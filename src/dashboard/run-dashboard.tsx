import { render, type Instance } from 'ink';
import { buildSpec } from '../runtime/build-spec.js';
import { lastLines, readLog } from '../runtime/container-log.js';
import type { Runtime } from '../runtime/runtime.js';
import { emptyDashboardState, type DashboardState, type TerminalView } from '../ui/model.js';
import { splitCommand, type NewContainerValues } from '../ui/new-container.js';
import { createStore } from '../ui/store.js';
import { App, type DashboardActions } from '../ui/App.js';
import { TERMINAL_ESCAPE } from '../ui/keys.js';
import { initialUiState, type UiState } from '../ui/ui-state.js';
import { recordingSign } from '../ui/recording.js';
import { RuntimeError } from '../runtime/errors.js';
import type { RecordingOptions } from '../recording/recorder.js';
import { AnatomySampler } from './anatomy-sampler.js';
import { attachFullScreen } from './attach.js';
import { LiveSource } from './live-source.js';
import { recordedText, RecordingControl } from './recording-control.js';
import { enterAlternateScreen, leaveAlternateScreen, restoreScreenOnExit } from './screen.js';
import { SplitTerminal } from './split-terminal.js';
import { feedStore } from './store-feed.js';

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface DashboardOptions {
  /** Start with a recording running (--record FILE, or ctr-tui record). */
  record?: RecordingOptions;
  /** Options for the recordings R starts (e.g. --input). */
  recordDefaults?: Omit<RecordingOptions, 'file' | 'force'>;
}

/** The full-screen dashboard; resolves when the user quits. */
export async function runDashboard(runtime: Runtime, options: DashboardOptions = {}): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new RuntimeError('the dashboard needs a terminal: run it in one, or use ctr-tui ps and ctr-tui stats');
  }
  const state = createStore<DashboardState>(emptyDashboardState);
  const terminal = createStore<TerminalView | null>(null);
  const source = new LiveSource(runtime);
  const unfeed = feedStore(source, state);
  // The anatomy view's container, read at the source's ticks while the view is open.
  const anatomy = new AnatomySampler(runtime);
  const publishAnatomy = () => {
    const sample = anatomy.sample();
    if (sample !== undefined) state.setState((s) => ({ ...s, anatomy: sample }));
  };
  const unfeedAnatomy = source.subscribe({ tick: publishAnatomy });
  const recording = new RecordingControl(source, state, () => {
    if (!ink) return;
    ink.unmount();
    process.stdout.write('\x1b[H\x1b[2J');
    mount();
  });
  // The REC sign's clock: redrawn alone every second, a few bytes, where a whole frame would
  // cost as much as the rest of an idle dashboard (see bench/recording.ts).
  let signTimer: NodeJS.Timeout | undefined;
  const drawSign = () => {
    clearTimeout(signTimer);
    signTimer = undefined;
    const recordingView = state.getSnapshot().recording;
    if (!recordingView) return;
    const now = Date.now();
    const sign = ink ? recordingSign(state.getSnapshot(), { columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 }, now) : null;
    if (sign) process.stdout.write(`\x1b7\x1b[1;${sign.column + 1}H${sign.onBanner ? '\x1b[1;7;31m' : '\x1b[1;31m'}${sign.text}\x1b[0m\x1b8`);
    signTimer = setTimeout(drawSign, 1005 - ((now - recordingView.startedAt) % 1000));
    signTimer.unref();
  };
  const unwatchSign = state.subscribe(() => {
    if (state.getSnapshot().recording && !signTimer) drawSign();
  });
  let ui: UiState = initialUiState;
  let split: SplitTerminal | null = null;
  let ink: Instance | null = null;
  let quit: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    quit = resolve;
  });
  const banner = (text: string) => state.setState((s) => ({ ...s, banner: { text, level: 'error', at: Date.now() } }));
  const attempt = (what: string, action: () => unknown) => {
    try {
      const result = action();
      if (result instanceof Promise) result.catch((error) => banner(`${what}: ${errorText(error)}`));
    } catch (error) {
      banner(`${what}: ${errorText(error)}`);
    }
  };
  // While the terminal pane has the keyboard, raw keystrokes go to its shell.
  const forward = (data: Buffer | string) => {
    const text = data.toString();
    if (!text.includes(TERMINAL_ESCAPE)) split?.write(text);
  };

  const actions: DashboardActions = {
    attach(name) {
      ink?.unmount();
      ink = null;
      attachFullScreen(runtime, name).catch((error) => banner(`attach ${name}: ${errorText(error)}`)).finally(mount);
    },
    split(name, screen) {
      split?.close();
      split = null;
      if (!name || !screen) return;
      try {
        split = new SplitTerminal(runtime, name, screen.columns, screen.rows, terminal, () => banner(`the shell in ${name} exited: press Esc to close the split view`));
      } catch (error) {
        banner(`split view: ${errorText(error)}`);
      }
    },
    anatomy(name) {
      anatomy.watch(name);
      publishAnatomy();
    },
    focusTerminal(focused) {
      process.stdin.off('data', forward);
      if (focused) process.stdin.on('data', forward);
    },
    kill: (name) => attempt(`kill ${name}`, () => runtime.kill(name, 'KILL')),
    stop: (name) => attempt(`stop ${name}`, () => runtime.stop(name, 10)),
    remove: (name) => attempt(`delete ${name}`, () => runtime.remove(name, true)),
    async create(values: NewContainerValues) {
      const spec = buildSpec({
        name: values.name.trim() || undefined, memory: values.memory || undefined, pids: values.pids || undefined,
        cpus: values.cpus || undefined, rootfs: values.rootfs || undefined, command: splitCommand(values.command), term: process.env.TERM,
      }, (taken) => runtime.nameTaken(taken));
      // A bare shell would exit at once without a terminal: keep the container alive
      // (as docker run -dit does) so that a and t have something to attach to.
      if (/^(\/bin\/)?(sh|bash)$/.test(values.command.trim() || 'sh')) spec.command = ['/bin/sh', '-c', 'exec sleep infinity'];
      await runtime.run(spec);
      source.refresh();
    },
    record: () => attempt('record', () => recording.toggle(options.recordDefaults)),
    quit: () => quit(),
  };
  const logs = (name: string) => lastLines(readLog(runtime.store.logFile(name)), 500).split('\n');

  function mount(): void {
    enterAlternateScreen();
    ink = render(
      <App store={state} actions={actions} terminal={terminal} logs={logs} initialUi={ui} onUiChange={(next) => { ui = next; }} />,
      { exitOnCtrlC: false, patchConsole: false },
    );
  }

  restoreScreenOnExit();
  // Before the screen is entered, so that the file holds it from its first byte.
  if (options.record) recording.start(options.record);
  source.start();
  mount();
  await done;
  (ink as Instance | null)?.unmount();
  (split as SplitTerminal | null)?.close();
  process.stdin.off('data', forward);
  const recorded = recording.stop();
  unwatchSign();
  clearTimeout(signTimer);
  unfeed();
  unfeedAnatomy();
  source.stop();
  leaveAlternateScreen();
  const running = runtime.list().filter((c) => c.state === 'running').map((c) => c.name);
  process.stdout.write(running.length
    ? `ctr-tui: ${running.length} container${running.length > 1 ? 's' : ''} still running (${running.join(', ')}): see "ctr-tui ps", remove with "ctr-tui rm -f NAME"\n`
    : 'ctr-tui: no containers running\n');
  if (recorded) process.stdout.write(`ctr-tui: ${recordedText(recorded)}\n`);
}
