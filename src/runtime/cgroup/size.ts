const UNIT_BYTES: Record<string, number> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:i?B)?|B)?$/i;
const UNIT_NAMES = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

function invalidSize(text: string): Error {
  return new Error(
    `invalid size ${JSON.stringify(text)}: use a number with an optional unit K, M, G or T (e.g. 64M)`,
  );
}

export function parseSize(text: string): number {
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) throw invalidSize(text);
  const [, number = '', unit = ''] = match;
  if (unit === '' && number.includes('.')) throw invalidSize(text);
  const bytes = Math.round(Number(number) * (UNIT_BYTES[unit.toUpperCase()] ?? 1));
  if (!Number.isSafeInteger(bytes)) throw new Error(`invalid size ${JSON.stringify(text)}: too large`);
  return bytes;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`;
  const sign = n < 0 ? '-' : '';
  let value = Math.abs(n);
  let unit = 0;
  while (value >= 1024 && unit < UNIT_NAMES.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${sign}${Math.round(value)} B`;
  let rounded = Math.round(value * 10) / 10;
  if (rounded >= 1024 && unit < UNIT_NAMES.length - 1) {
    rounded = 1;
    unit++;
  }
  return `${sign}${rounded} ${UNIT_NAMES[unit]}`;
}
