/**
 * `ctr-tui play`: a recording in the terminal at its recorded timing. The recording is played
 * into a headless terminal of its own size (src/recording/screen-index.ts), and that screen is
 * drawn onto the real one, cropped to it, above a status line: time, duration, speed, the
 * current chapter (the last marker). Keys come from the key table's 'player' context.
 */
import { KEYS, dispatchKey, footerHints, footerText } from '../ui/keys.js';
import { limitIdle, markerAt, type Cast } from '../recording/asciicast-reader.js';
import { ScreenIndex, VirtualScreen } from '../recording/screen-index.js';
import { parseKeys } from './key-input.js';
import { Playback, applyPlayerAction, clockTime } from './playback.js';
import { RecordedSource } from '../dashboard/recorded-source.js';
import { initialUiState, type UiState } from '../ui/ui-state.js';
import { renderRows } from './screen-render.js';
import { enterTerminal } from './terminal-session.js';

export interface PlayerIO {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/** How often the screen is brought up to date while playing (ms). */
const FRAME_MS = 1000 / 30;

function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length > width ? chars.slice(0, Math.max(0, width - 1)).join('') + '…' : text.padEnd(width);
}

export interface PlayOptions {
  /** Start in the live view (--live-view): the dashboard rebuilt from the state track. */
  liveView?: boolean;
}

/** What the status line says when v finds no state track. */
export const NO_STATE_TRACK = 'no live view: this recording has no state track (record it with ctr-tui record)';

export async function play(recording: Cast, io: PlayerIO, options: PlayOptions = {}): Promise<void> {
  const cast = limitIdle(recording);
  const { output } = io;
  const session = enterTerminal(io.input, output);
  let screen: VirtualScreen | null = null;
  try {
    const size = () => ({ cols: output.columns || 80, rows: output.rows || 24 });
    const status = (text: string) => {
      const { cols, rows } = size();
      output.write(`\x1b[${rows};1H\x1b[0;7m${fit(text, cols)}\x1b[0m`);
    };
    status(` indexing ${cast.file}… (q quits)`);
    // A long recording takes a second or two to index: q works meanwhile.
    const stop = new AbortController();
    const onEarlyKey = (data: Buffer | string) => {
      for (const { input, key } of parseKeys(typeof data === 'string' ? data : data.toString('utf8'))) {
        if (dispatchKey(KEYS, input, key, 'player') === 'quit') stop.abort();
      }
    };
    io.input.on('data', onEarlyKey);
    let index: ScreenIndex;
    try {
      index = await ScreenIndex.build(cast, { signal: stop.signal, onProgress: (done) => status(` indexing ${cast.file}… ${Math.round(done * 100)}% (q quits)`) });
    } catch (error) {
      if (stop.signal.aborted) return;
      throw error;
    } finally {
      io.input.off('data', onEarlyKey);
    }
    screen = new VirtualScreen(index);
    const virtual = screen;
    const playback = new Playback(cast.duration, cast.markers);

    let notice: { text: string; until: number } | null = null;
    let drawn: string[] = [];
    let full = true;
    const draw = () => {
      const { cols, rows } = size();
      const height = Math.max(0, rows - 1);
      const lines = renderRows(virtual.term, cols, height);
      let out = full ? '\x1b[0m\x1b[2J' : '';
      for (let y = 0; y < height; y++) {
        const line = lines[y] ?? '';
        if (!full && (drawn[y] ?? '') === line) continue;
        out += `\x1b[${y + 1};1H${line}\x1b[0m\x1b[K`;
      }
      drawn = lines;
      full = false;
      const t = playback.time;
      const state = playback.ended && !playback.playing ? '■' : playback.playing ? '▶' : '❚❚';
      const chapter = markerAt(cast, t);
      // The recording's size now (an "r" event may have changed it).
      const { cols: w, rows: h } = virtual.term;
      // The crop note before the chapter: a narrow status line cuts the chapter's end first.
      const crop = cols < w || height < h ? `  [${w}x${h} cropped to ${Math.min(cols, w)}x${Math.min(height, h)}]` : '';
      const said = notice && performance.now() < notice.until ? notice.text : chapter?.label;
      const left = ` ${state} ${clockTime(t)} / ${clockTime(cast.duration)}  ${playback.speed}x${crop}${said ? `  ${said}` : ''}`;
      const hints = footerText(footerHints(KEYS, Math.max(0, cols - [...left].length - 3), 'player'));
      out += `\x1b[${rows};1H\x1b[0;7m${fit(hints ? `${left}${' '.repeat(Math.max(2, cols - [...left].length - [...hints].length - 1))}${hints} ` : left, cols)}\x1b[0m`;
      output.write(out);
    };

    // One update at a time: keys set what to do, update() brings the screen there.
    let jumped = true;
    let busy = false;
    let again = false;
    let quit: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (quit = resolve));
    let finished = false;
    const update = async () => {
      if (live) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        do {
          again = false;
          const t = playback.time;
          if (jumped) await virtual.seek(t);
          else await virtual.advanceTo(t);
          jumped = false;
          if (playback.playing && playback.ended) playback.pause();
          draw();
        } while (again && !finished);
      } finally {
        busy = false;
      }
    };
    const jump = (change: () => unknown) => {
      change();
      jumped = true;
      void update();
    };
    // The live view has the terminal meanwhile: the player neither reads keys nor draws.
    let live = false;
    const dashboardUi: { current: UiState } = { current: initialUiState };
    const liveView = async () => {
      if (!RecordedSource.canReplay(cast)) {
        notice = { text: NO_STATE_TRACK, until: performance.now() + 4000 };
        void update();
        return;
      }
      live = true;
      io.input.off('data', onKey);
      while (busy) await new Promise((r) => setTimeout(r, 5));
      const { runLiveView } = await import('./live-view.js');
      const how = await runLiveView(cast, playback, io, dashboardUi);
      live = false;
      if (how === 'quit') {
        finished = true;
        quit();
        return;
      }
      io.input.on('data', onKey);
      full = true;
      jump(() => undefined);
    };
    const onKey = async (data: Buffer | string) => {
      for (const { input, key } of parseKeys(typeof data === 'string' ? data : data.toString('utf8'))) {
        const action = dispatchKey(KEYS, input, key, 'player');
        switch (action) {
          case 'quit':
            finished = true;
            quit();
            return;
          case 'live-view':
            await liveView();
            return;
          case 'step': {
            if (playback.playing) playback.pause();
            while (busy) await new Promise((r) => setTimeout(r, 5));
            await virtual.seek(playback.time);
            const time = await virtual.step();
            if (time !== null) playback.seekTo(time);
            void update();
            break;
          }
          default:
            if (applyPlayerAction(playback, action)) jump(() => undefined);
            break;
        }
      }
    };
    const onResize = () => {
      full = true;
      void update();
    };
    io.input.on('data', onKey);
    output.on('resize', onResize);
    const timer = setInterval(() => {
      if (playback.playing) void update();
    }, FRAME_MS);
    if (options.liveView) void liveView();
    else void update();
    try {
      await done;
    } finally {
      clearInterval(timer);
      io.input.off('data', onKey);
      output.off('resize', onResize);
      while (busy) await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    screen?.dispose();
    session.restore();
  }
}
