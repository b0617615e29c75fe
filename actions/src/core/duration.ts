import { ConfigurationError } from './errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses durations such as `15m`, `90s`, `1h30m` or `500ms`; a bare number means seconds.
 * `what` names the input in the error so the user knows which one to fix.
 */
export function parseDuration(text: string, what: string): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed) && Number(trimmed) > 0) return Number(trimmed) * 1000;
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
  return total;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
}
