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
import { Playback, clockTime } from './playback.js';
import { renderRows } from './screen-render.js';
import { enterTerminal } from './terminal-session.js';

export interface PlayerIO {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

const SEEK_STEP = 5;
/** How often the screen is brought up to date while playing (ms). */
const FRAME_MS = 1000 / 30;

function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length > width ? chars.slice(0, Math.max(0, width - 1)).join('') + '…' : text.padEnd(width);
}

export async function play(recording: Cast, io: PlayerIO): Promise<void> {
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
      const left = ` ${state} ${clockTime(t)} / ${clockTime(cast.duration)}  ${playback.speed}x${crop}${chapter ? `  ${chapter.label}` : ''}`;
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
    const onKey = async (data: Buffer | string) => {
      for (const { input, key } of parseKeys(typeof data === 'string' ? data : data.toString('utf8'))) {
        switch (dispatchKey(KEYS, input, key, 'player')) {
          case 'quit':
            finished = true;
            quit();
            return;
          case 'play-pause':
            jump(() => playback.togglePause());
            break;
          case 'seek-back':
            jump(() => playback.seekBy(-SEEK_STEP));
            break;
          case 'seek-forward':
            jump(() => playback.seekBy(SEEK_STEP));
            break;
          case 'next-marker':
            jump(() => playback.nextMarker());
            break;
          case 'prev-marker':
            jump(() => playback.prevMarker());
            break;
          case 'faster':
            jump(() => playback.faster());
            break;
          case 'slower':
            jump(() => playback.slower());
            break;
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
    void update();
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
