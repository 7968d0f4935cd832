import { createElement, useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useInput, useStdout } from 'ink';
import type { DashboardState, TerminalView } from './model.js';
import type { NewContainerValues } from './new-container.js';
import { validateNewContainer } from './new-container.js';
import { KEYS, dispatchKey, editLine, readOnlyTable, type KeyTable } from './keys.js';
import { computeLayout, type Size } from './layout.js';
import type { Store } from './store.js';
import { frameSignature } from './frame-signature.js';
import { clampAnatomyScroll, initialUiState, keyContext, reduceUi, selectedContainer, visibleContainers, type UiState } from './ui-state.js';
import { anatomyContentRows } from './AnatomyView.js';
import { Dashboard, type DashboardProps } from './Dashboard.js';
import { withoutRecordingClock } from './recording.js';

/** What the dashboard asks of the runtime. Every call names the container it is about. */
export interface DashboardActions {
  /** Create and start a container. Reject (or throw) with an Error: its message shows in the form. */
  create(values: NewContainerValues): Promise<void> | void;
  /** After the user confirmed with y. */
  kill(name: string): void;
  stop(name: string): void;
  /** After the user confirmed with y. */
  remove(name: string): void;
  /** Give the whole terminal to a shell in the container (unmount Ink, or render null, meanwhile). */
  attach(name: string): void;
  quit(): void;
  /** R: start recording the session (a .cast file), or stop the running recording. */
  record?(): void;
  /**
   * The split view opened on a container, with the size its pty should have, or closed (null).
   * Feed the pty's screen back through AppProps.terminal.
   */
  split?(name: string | null, screen: Size | null): void;
  /** The anatomy view opened on a container (sample its anatomy into DashboardState.anatomy), or closed (null). */
  anatomy?(name: string | null): void;
  /**
   * The terminal pane got (true) or lost (false) the keyboard. While true, forward raw stdin to
   * the pty, except the byte 0x1d (Ctrl-]), which the dashboard uses to take the keyboard back.
   */
  focusTerminal?(focused: boolean): void;
}

export interface AppProps {
  store: Store<DashboardState>;
  actions: DashboardActions;
  keys?: KeyTable;
  /** The terminal's size; by default stdout's, following resizes. */
  size?: Size;
  /** The clock for uptimes and the title bar; Date.now by default. */
  clock?: () => number;
  /** The output of a container, for the logs overlay (read on every render). */
  logs?: (container: string) => readonly string[];
  /** The split view's screen, kept by the runtime (e.g. from @xterm/headless). */
  terminal?: Store<TerminalView | null>;
  /** The starting UI state (tests, or restoring after an attach). */
  initialUi?: UiState;
  /** Told about every UI state change, e.g. to keep it across an unmount for attach. */
  onUiChange?: (ui: UiState) => void;
  /** Nothing acts on the runtime: the keys that would (new, attach, kill, record...) are left out, footer and help too. */
  readOnly?: boolean;
}

const nullTerminal: Store<TerminalView | null> = { getSnapshot: () => null, subscribe: () => () => undefined, setState: () => undefined };

/** stdout's size, following resize events. */
export function useTerminalSize(override?: Size): Size {
  const { stdout } = useStdout();
  const read = (): Size => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState<Size>(read);
  useEffect(() => {
    if (override) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, override]);
  return override ?? size;
}

/** The dashboard wired to a store, the keyboard and the runtime's actions. */
export function App({ store, actions, keys: table = KEYS, size: sizeOverride, clock = Date.now, logs, terminal = nullTerminal, initialUi = initialUiState, onUiChange, readOnly = false }: AppProps) {
  const keys = readOnly ? readOnlyTable(table) : table;
  const size = useTerminalSize(sizeOverride);
  const [ui, setUiState] = useState<UiState>(initialUi);
  /** Everything the dashboard draws from now, without its callbacks. */
  const drawnProps = (logLines: readonly string[] | null): DashboardProps => ({
    state: store.getSnapshot(), ui, size, now: clock(), keys, terminal: terminal.getSnapshot(), logs: logLines,
  });
  // The logs overlay reads its file when drawn: no signature for it, it always draws.
  // The REC sign's clock is left out of it: it is redrawn alone (see recordingSign).
  useFrames(store, terminal, [ui, size, keys], () => {
    if (ui.overlay?.kind === 'logs') return null;
    const props = drawnProps(null);
    return { ...props, state: withoutRecordingClock(props.state, props.now) };
  });
  // The latest UI state, also between a key press and the next render (keys can arrive faster
  // than React re-subscribes the input handler).
  const uiRef = useRef(ui);
  const setUi = (update: (previous: UiState) => UiState) => {
    const next = update(uiRef.current);
    if (next === uiRef.current) return;
    uiRef.current = next;
    setUiState(next);
    onUiChange?.(next);
  };
  const context = keyContext(ui);

  useInput(
    (input, key) => {
      const ui = uiRef.current;
      const context = keyContext(ui);
      const visible = visibleContainers(store.getSnapshot().containers, ui.filter, ui.sort);
      const current = selectedContainer(visible, ui.selected);
      const action = dispatchKey(keys, input, key, context);
      if (action === null) {
        if (context === 'filter') {
          const filter = editLine(ui.filter, input, key);
          if (filter !== null) setUi((u) => ({ ...u, filter }));
        }
        return;
      }
      switch (action) {
        case 'quit':
          actions.quit();
          return;
        case 'record':
          actions.record?.();
          return;
        case 'attach':
          if (current) actions.attach(current.name);
          return;
        case 'stop':
          if (current) actions.stop(current.name);
          return;
        case 'confirm':
          if (ui.overlay?.kind === 'confirm') {
            if (ui.overlay.action === 'kill') actions.kill(ui.overlay.container);
            else actions.remove(ui.overlay.container);
          }
          break;
      }
      let next = reduceUi(ui, action, visible);
      if (next.overlay?.kind === 'anatomy') {
        const sections = store.getSnapshot().anatomy?.sections ?? [];
        const layout = computeLayout(size, { split: next.split });
        next = clampAnatomyScroll(next, sections[next.overlay.tab]?.lines.length ?? 0, layout ? anatomyContentRows(layout.bodyHeight) : 0);
      }
      const anatomyOf = (u: UiState) => (u.overlay?.kind === 'anatomy' ? u.overlay.container : null);
      if (anatomyOf(next) !== anatomyOf(ui)) actions.anatomy?.(anatomyOf(next));
      if (next.split !== ui.split) {
        const layout = computeLayout(size, { split: next.split });
        actions.split?.(next.split ? (next.selected ?? null) : null, next.split ? (layout?.terminalScreen ?? null) : null);
      }
      if (next.focus !== ui.focus) actions.focusTerminal?.(next.focus === 'terminal');
      setUi(() => next);
    },
    { isActive: context !== 'form' },
  );

  const submitNew = async (values: NewContainerValues) => {
    const error = validateNewContainer(values);
    if (error) {
      setUi((u) => ({ ...u, overlay: { kind: 'new', error, busy: false } }));
      return;
    }
    setUi((u) => ({ ...u, overlay: { kind: 'new', error: null, busy: true } }));
    try {
      await actions.create(values);
      setUi((u) => ({ ...u, overlay: null, selected: values.name.trim() || u.selected }));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      setUi((u) => ({ ...u, overlay: { kind: 'new', error: message, busy: false } }));
    }
  };

  const logContainer = ui.overlay?.kind === 'logs' ? ui.overlay.container : null;
  return (
    <Dashboard
      {...drawnProps(logContainer && logs ? logs(logContainer) : null)}
      onSubmitNew={(values) => void submitNew(values)}
      onCancelNew={() => setUi((u) => ({ ...u, overlay: null }))}
    />
  );
}

/**
 * Re-renders the caller when the stores change in a way that shows: each change is first drawn
 * as a signature (see frame-signature.ts) and compared with the last one. A sample that moves
 * nothing on screen (an idle container's flat graph, an unchanged 0%) then costs no frame.
 * `next` gives the props the dashboard would be drawn with now, or null to always draw.
 */
function useFrames(store: Store<DashboardState>, terminal: Store<TerminalView | null>, inputs: unknown[], next: () => DashboardProps | null): void {
  const gate = useRef({ state: undefined as unknown, screen: undefined as unknown, signature: null as string | null, version: 0, inputs });
  const nextRef = useRef(next);
  nextRef.current = next;
  // Rendered for another reason (a key, a resize): the last signature no longer says what is on screen.
  if (inputs.some((input, i) => input !== gate.current.inputs[i])) {
    gate.current.signature = null;
    gate.current.inputs = inputs;
  }
  const subscribe = useCallback(
    (listener: () => void) => {
      const offStore = store.subscribe(listener);
      const offTerminal = terminal.subscribe(listener);
      return () => {
        offStore();
        offTerminal();
      };
    },
    [store, terminal],
  );
  const version = useCallback(() => {
    const g = gate.current;
    const state = store.getSnapshot();
    const screen = terminal.getSnapshot();
    if (state === g.state && screen === g.screen) return g.version;
    g.state = state;
    g.screen = screen;
    const props = nextRef.current();
    const signature = props === null ? null : frameSignature(createElement(Dashboard, props));
    if (signature === null || signature !== g.signature) g.version++;
    g.signature = signature;
    return g.version;
  }, [store, terminal]);
  useSyncExternalStore(subscribe, version, version);
}
