/**
 * The new-container form's data: fields, defaults, a light check, and a command splitter.
 * Values stay strings as typed, like the runtime's RunRequest, which checks them for real:
 *   { name: v.name || undefined, memory: v.memory || undefined, pids: v.pids || undefined,
 *     cpus: v.cpus || undefined, rootfs: v.rootfs || undefined, command: splitCommand(v.command) }
 */

export interface NewContainerValues {
  name: string;
  memory: string;
  pids: string;
  cpus: string;
  command: string;
  rootfs: string;
}

export type NewContainerField = keyof NewContainerValues;

export interface FieldSpec {
  field: NewContainerField;
  label: string;
  /** Shown dimmed while the field is empty. */
  placeholder: string;
  hint: string;
}

export const NEW_CONTAINER_FIELDS: readonly FieldSpec[] = [
  { field: 'name', label: 'name', placeholder: 'random', hint: 'letters, digits, . _ -' },
  { field: 'memory', label: 'memory', placeholder: 'no limit', hint: 'limit, e.g. 64M or 1G' },
  { field: 'pids', label: 'pids', placeholder: 'no limit', hint: 'most processes at once' },
  { field: 'cpus', label: 'cpus', placeholder: 'no limit', hint: 'cores, e.g. 0.5' },
  { field: 'command', label: 'command', placeholder: 'sh', hint: "quotes group words: sh -c 'a; b'" },
  { field: 'rootfs', label: 'rootfs', placeholder: 'built-in', hint: 'a directory or an imported name' },
];

/** Working defaults: a shell with 64 MiB and 64 processes, enough to demonstrate an OOM kill. */
export const NEW_CONTAINER_DEFAULTS: NewContainerValues = {
  name: '',
  memory: '64M',
  pids: '64',
  cpus: '',
  command: 'sh',
  rootfs: '',
};

/** Split a command line into words: whitespace separates, '...' and "..." group, \ escapes. */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unbalanced ${quote} in the command`);
  if (inWord) words.push(word);
  return words;
}

/**
 * A quick check before asking the runtime, which has the last word: the message for the first
 * bad field, or null.
 */
export function validateNewContainer(values: NewContainerValues): string | null {
  const v = Object.fromEntries(Object.entries(values).map(([k, s]) => [k, s.trim()])) as unknown as NewContainerValues;
  if (v.name !== '' && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/.test(v.name)) {
    return `name "${v.name}": start with a letter or digit, then letters, digits, . _ - (at most 64)`;
  }
  if (v.memory !== '' && !/^\d+(\.\d+)?\s*([KMGT](i?B)?|B)?$/i.test(v.memory)) {
    return `memory "${v.memory}": use a size such as 64M or 1G`;
  }
  if (v.pids !== '' && !/^\d+$/.test(v.pids)) return `pids "${v.pids}": use a whole number`;
  if (v.cpus !== '' && !(/^\d*\.?\d+$/.test(v.cpus) && Number(v.cpus) > 0)) return `cpus "${v.cpus}": use a number of cores such as 0.5`;
  try {
    splitCommand(v.command);
  } catch (error) {
    return (error as Error).message;
  }
  return null;
}
