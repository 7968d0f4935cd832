/**
 * The live view of `ctr-tui play` (v, or --live-view): the dashboard itself rebuilt from the
 * recording's state track at the player's clock, at the terminal's own size. The same App and
 * Dashboard views as `ctr-tui`, fed by a RecordedSource through feedStore, read-only (the keys
 * that act on the runtime are left out of the table), with a Timeline under them. The player's
 * keys (the key table's 'player' context) drive the clock while the dashboard's list has the
 * keyboard; the dashboard's own keys (select, help, logs, filter, sort) work as they do live.
 */
import { Box, render, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { markerAt, type Cast } from '../recording/asciicast-reader.js';
import { recordedClock } from '../recording/state-replay.js';
import { RecordedSource } from '../dashboard/recorded-source.js';
import { feedStore } from '../dashboard/store-feed.js';
import { App, useTerminalSize, type DashboardActions } from '../ui/App.js';
import { KEYS, dispatchKey, footerHints } from '../ui/keys.js';
import { emptyDashboardState, type DashboardState } from '../ui/model.js';
import { createStore, type Store } from '../ui/store.js';
import { Timeline, TIMELINE_HEIGHT } from '../ui/Timeline.js';
import { initialUiState, keyContext, type UiState } from '../ui/ui-state.js';
import { applyPlayerAction, type Playback } from './playback.js';

const refused = () => undefined;

interface LiveViewProps {
  cast: Cast;
  playback: Playback;
  store: Store<DashboardState>;
  source: RecordedSource;
  ui: { current: UiState };
  onExit(how: 'back' | 'quit'): void;
}

function LiveView({ cast, playback, store, source, ui, onExit }: LiveViewProps) {
  const size = useTerminalSize();
  const [, setFrame] = useState(0);
  const [listFocused, setListFocused] = useState(keyContext(ui.current) === 'list');
  const exited = useRef(false);
  // The timeline's clock: looked at four times a second, drawn when what it shows moved (a
  // second, play/pause, the speed), and at once after a key.
  useEffect(() => {
    let shown = '';
    const timer = setInterval(() => {
      if (playback.playing && playback.ended) playback.pause();
      const now = `${Math.floor(playback.time)} ${playback.playing} ${playback.speed}`;
      if (now !== shown) setFrame((n) => n + 1);
      shown = now;
    }, 250);
    return () => clearInterval(timer);
  }, [playback]);
  useInput((input, key) => {
    // Keys typed in the filter prompt or read in an overlay are the dashboard's.
    if (!listFocused || exited.current) return;
    const action = dispatchKey(KEYS, input, key, 'player');
    if (action === 'live-view') {
      exited.current = true;
      onExit('back');
      return;
    }
    if (applyPlayerAction(playback, action)) {
      source.refresh();
      setFrame((n) => n + 1);
    }
  });
  const actions: DashboardActions = { create: refused, kill: refused, stop: refused, remove: refused, attach: refused, quit: () => onExit('quit') };
  const t = playback.time;
  const dashboard = { columns: size.columns, rows: Math.max(1, size.rows - TIMELINE_HEIGHT) };
  const hints = footerHints(KEYS.filter((b) => b.action !== 'step'), Math.floor(size.columns / 2), 'player');
  return (
    <Box flexDirection="column" width={size.columns}>
      <App
        store={store}
        actions={actions}
        size={dashboard}
        clock={() => recordedClock(cast, playback.time)}
        initialUi={ui.current}
        onUiChange={(next) => {
          ui.current = next;
          setListFocused(keyContext(next) === 'list');
        }}
        readOnly
      />
      <Timeline time={t} duration={cast.duration} playing={playback.playing} speed={playback.speed} markers={cast.markers} chapter={markerAt(cast, t)} hints={hints} width={size.columns - 1} />
    </Box>
  );
}

export interface LiveViewIO {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/**
 * Shows the live view until v (back to the terminal playback: 'back') or q ('quit'). `ui` is
 * the dashboard's UI state (the selection, an open panel), kept across toggles.
 */
export async function runLiveView(cast: Cast, playback: Playback, io: LiveViewIO, ui: { current: UiState } = { current: initialUiState }): Promise<'back' | 'quit'> {
  const store = createStore<DashboardState>(emptyDashboardState);
  const source = new RecordedSource(cast, () => playback.time);
  const unfeed = feedStore(source, store);
  source.start();
  let exit: (how: 'back' | 'quit') => void = () => undefined;
  const done = new Promise<'back' | 'quit'>((resolve) => (exit = resolve));
  io.output.write('\x1b[0m\x1b[2J\x1b[H');
  const ink = render(<LiveView cast={cast} playback={playback} store={store} source={source} ui={ui} onExit={(how) => exit(how)} />, {
    stdin: io.input, stdout: io.output, exitOnCtrlC: false, patchConsole: false,
  });
  try {
    return await done;
  } finally {
    ink.unmount();
    source.stop();
    unfeed();
    // Ink gave the terminal back cooked and paused: the player reads raw keys again.
    if (io.input.isTTY) io.input.setRawMode(true);
    io.input.resume();
    io.output.write('\x1b[0m\x1b[2J\x1b[H');
  }
}
