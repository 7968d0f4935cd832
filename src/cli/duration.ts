import { UsageError } from '../runtime/errors.js';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A point in time as docker events takes it: a duration before now (10m,
 * 1h30m, 45s), a date (2026-12-01T14:00:00), or seconds since the epoch.
 * Returns milliseconds since the epoch.
 */
export function parseTimePoint(text: string, option: string, now = Date.now()): number {
  if (/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) {
    let total = 0;
    for (const [, n, , unit] of text.matchAll(/(\d+(\.\d+)?)(ms|s|m|h|d)/g)) total += Number(n) * units[unit];
    return now - total;
  }
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) {
    throw new UsageError(`invalid ${option} "${text}": use a duration such as 10m or 1h30m, a date such as 2026-12-01T14:00, or seconds since the epoch`);
  }
  return date;
}
