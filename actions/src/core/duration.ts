import { ConfigurationError } from './errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses durations such as `15m`, `90s`, `1h30m` or `500ms` into milliseconds. Every number needs
 * its unit: a bare `10` is refused rather than guessed (10 s? 10 min?). `what` names the input in
 * the error so the user knows which one to fix. Throws ConfigurationError (exit 2).
 */
/**
 * The longest duration accepted: 24 days, under Node's timer limit (2^31 - 1 ms, about 24.8
 * days), beyond which setTimeout fires at once. No wait of assetguard's is meant to be longer.
 */
export const MAX_DURATION_MS = 24 * 24 * 60 * 60 * 1000;

export function parseDuration(text: string, what: string): number {
  const trimmed = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) {
    throw new ConfigurationError(
      `${what}: "${text}" has no unit; write it with one, e.g. ${trimmed}s or ${trimmed}m`,
    );
  }
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(trimmed); match; match = part.exec(trimmed)) {
    total += Number(match[1]) * (UNITS[match[2] ?? ''] ?? 0);
    consumed = part.lastIndex;
  }
  if (trimmed === '' || consumed !== trimmed.length || total <= 0) {
    throw new ConfigurationError(
      `${what}: "${text}" is not a duration; use a number with a unit, e.g. 15m, 90s, 1h30m`,
    );
  }
  if (total > MAX_DURATION_MS) {
    throw new ConfigurationError(
      `${what}: "${text}" is longer than the maximum of 24 days (576h); use a shorter duration`,
    );
  }
  return total;
}

/**
 * Formats milliseconds for people, rounded to the second, in the units parseDuration reads back:
 * `0s`, `59s`, `1m30s`, `15m`, `1h`, `26h5m3s`.
 */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  if (total < 60) return `${total}s`;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return (
    (hours > 0 ? `${hours}h` : '') +
    (minutes > 0 ? `${minutes}m` : '') +
    (seconds > 0 ? `${seconds}s` : '')
  );
}
