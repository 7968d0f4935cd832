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
import { RuntimeError } from '../runtime/errors.js';
import { attachFullScreen } from './dashboard/attach.js';
import { DashboardFeed } from './dashboard/feed.js';
import { enterAlternateScreen, leaveAlternateScreen, restoreScreenOnExit } from './dashboard/screen.js';
import { SplitTerminal } from './dashboard/split-terminal.js';

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The full-screen dashboard; resolves when the user quits. */
export async function runDashboard(runtime: Runtime): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new RuntimeError('the dashboard needs a terminal: run it in one, or use ctr-tui ps and ctr-tui stats');
  }
  const state = createStore<DashboardState>(emptyDashboardState);
  const terminal = createStore<TerminalView | null>(null);
  const feed = new DashboardFeed(runtime, state);
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
      feed.anatomy.watch(name);
      feed.tick();
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
      feed.tick();
    },
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
  feed.start();
  mount();
  await done;
  (ink as Instance | null)?.unmount();
  (split as SplitTerminal | null)?.close();
  process.stdin.off('data', forward);
  feed.stop();
  leaveAlternateScreen();
  const running = runtime.list().filter((c) => c.state === 'running').map((c) => c.name);
  process.stdout.write(running.length
    ? `ctr-tui: ${running.length} container${running.length > 1 ? 's' : ''} still running (${running.join(', ')}): see "ctr-tui ps", remove with "ctr-tui rm -f NAME"\n`
    : 'ctr-tui: no containers running\n');
}
