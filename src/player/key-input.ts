/**
 * Raw terminal input as the key table's (input, Key) pairs, Ink's shape, so that the player
 * dispatches through the same table as the dashboard without running Ink.
 */
import type { Key } from 'ink';
import { NO_KEY } from '../ui/keys.js';

export interface KeyPress {
  input: string;
  key: Key;
}

const SEQUENCES: Record<string, Partial<Key>> = {
  '\x1b[A': { upArrow: true },
  '\x1b[B': { downArrow: true },
  '\x1b[C': { rightArrow: true },
  '\x1b[D': { leftArrow: true },
  '\x1bOA': { upArrow: true },
  '\x1bOB': { downArrow: true },
  '\x1bOC': { rightArrow: true },
  '\x1bOD': { leftArrow: true },
  '\x1b[5~': { pageUp: true },
  '\x1b[6~': { pageDown: true },
  '\x1b[H': { home: true },
  '\x1b[F': { end: true },
  '\x1b[Z': { tab: true, shift: true },
};

/** Splits one chunk of input into key presses. Unknown escape sequences are dropped whole. */
export function parseKeys(data: string): KeyPress[] {
  const presses: KeyPress[] = [];
  let i = 0;
  while (i < data.length) {
    if (data[i] === '\x1b') {
      const known = Object.keys(SEQUENCES).find((s) => data.startsWith(s, i));
      if (known) {
        presses.push({ input: '', key: { ...NO_KEY, ...SEQUENCES[known] } });
        i += known.length;
        continue;
      }
      // CSI ... final byte, or SS3 x: an escape sequence we do not know.
      const csi = /^\x1b\[[0-9;?]*[\x40-\x7e]/.exec(data.slice(i)) ?? /^\x1bO./.exec(data.slice(i));
      if (csi) {
        i += csi[0].length;
        continue;
      }
      presses.push({ input: '', key: { ...NO_KEY, escape: true } });
      i++;
      continue;
    }
    const ch = String.fromCodePoint(data.codePointAt(i)!);
    i += ch.length;
    const code = ch.codePointAt(0)!;
    if (ch === '\r' || ch === '\n') presses.push({ input: ch, key: { ...NO_KEY, return: true } });
    else if (ch === '\t') presses.push({ input: '', key: { ...NO_KEY, tab: true } });
    else if (ch === '\x7f' || ch === '\b') presses.push({ input: '', key: { ...NO_KEY, backspace: true } });
    else if (code < 0x20) presses.push({ input: String.fromCharCode(code + 0x60), key: { ...NO_KEY, ctrl: true } });
    else presses.push({ input: ch, key: { ...NO_KEY, shift: /[A-Z]/.test(ch) } });
  }
  return presses;
}
