/**
 * The compliance gate's tag scope: `Key=Value` selectors naming the deploy target's tags
 * (`Environment=prod`). Parsed once, here, so the action input and the CLI flag reject the same
 * things with the same words. No I/O: whether a scope selects anything in the account is the
 * sources' question (sources/compliance `requireScopeInEstate`).
 */
import { ConfigurationError } from './errors';

/** Tag keys and values AWS accepts: 1–128 and 0–256 characters of letters, digits, spaces, `_ . : / = + - @`. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;

/** The same separators as every list input (core/inputs `listInput`): commas and newlines. */
function entriesOf(value: string | readonly string[] | undefined): string[] {
  const raw = typeof value === 'string' || value === undefined ? [value ?? ''] : value;
  return raw
    .flatMap((entry) => entry.split(/[,\n]/))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/**
 * Parses scope selectors into `{ key: value }`: a resource is in the scope when it carries every
 * pair. Accepts the raw input (`"Environment=prod\nService=web"`, comma- or newline-separated,
 * blank entries dropped) or entries already split (repeated CLI flags). Keys and values are
 * trimmed; a value may contain `=` (`Query=a=b`). Tag keys and values are case-sensitive in AWS,
 * so nothing is case-folded here.
 *
 * Throws ConfigurationError naming `input` when an entry has no `=` or an empty key, a key is
 * given twice, a value is empty (`Environment=` would select every resource whose value is empty,
 * which is never what a deploy target means: say the value), or a key or value is one AWS would
 * never store (too long, or characters outside letters, digits, spaces and `_ . : / = + - @`).
 * No entries at all gives `{}` (every resource).
 */
export function parseScope(
  value: string | readonly string[] | undefined,
  input = 'scope',
): Record<string, string> {
  const scope: Record<string, string> = {};
  for (const entry of entriesOf(value)) {
    const equals = entry.indexOf('=');
    const key = equals < 0 ? '' : entry.slice(0, equals).trim();
    if (key === '') {
      throw new ConfigurationError(`${input}: "${entry}" is not Key=Value; e.g. Environment=prod`);
    }
    const tagValue = entry.slice(equals + 1).trim();
    if (Object.hasOwn(scope, key)) {
      throw new ConfigurationError(`${input}: the tag key ${key} is given twice`);
    }
    if (tagValue === '') {
      throw new ConfigurationError(
        `${input}: "${entry}" has an empty value; give the value the target's resources carry, e.g. ${key}=prod`,
      );
    }
    if (key.length > MAX_KEY_LENGTH || !TAG_CHARACTERS.test(key)) {
      throw new ConfigurationError(
        `${input}: "${key}" is not a tag key AWS accepts (1-${MAX_KEY_LENGTH} letters, digits, spaces and _ . : / = + - @)`,
      );
    }
    if (tagValue.length > MAX_VALUE_LENGTH || !TAG_CHARACTERS.test(tagValue)) {
      throw new ConfigurationError(
        `${input}: the value of ${key} is not a tag value AWS accepts (up to ${MAX_VALUE_LENGTH} letters, digits, spaces and _ . : / = + - @)`,
      );
    }
    scope[key] = tagValue;
  }
  return scope;
}

/** `Environment=prod, Service=web`, in the order given; `every resource` for an empty scope. */
export function formatScope(scope: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(scope).map(([key, value]) => `${key}=${value}`);
  return pairs.length > 0 ? pairs.join(', ') : 'every resource';
}

/** Levenshtein distance, capped: enough to tell `Enviroment` from `Environment`. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidates that look like `wanted`: the same text in another case, or at most two edits
 * apart (one edit for words of four characters or fewer), closest first. Used to say which tag key
 * or value a scope probably meant (`environment`, `Enviroment` for `Environment`).
 */
export function nearMatches(wanted: string, candidates: Iterable<string>): string[] {
  const target = wanted.toLowerCase();
  const allowed = target.length <= 4 ? 1 : 2;
  const scored: [string, number][] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate === wanted) continue;
    const score = distance(candidate.toLowerCase(), target);
    if (score <= allowed) scored.push([candidate, score]);
  }
  return scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).map(([name]) => name);
}
