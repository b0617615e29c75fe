/**
 * The one split of a location input (the report's `state`, the remediation audit location) into
 * its parts, before each parser applies its own rules: a text with no `scheme://` prefix (RFC
 * 3986 scheme letters, any case) is a local path; `s3://bucket/rest` gives the bucket and what
 * follows the bucket's `/` (either may be empty: the parser says which it needs); any other
 * scheme is named, for the parser's "not supported" error.
 */
export type LocationParts =
  | { kind: 'local' }
  | { kind: 'unsupported'; scheme: string }
  | { kind: 's3'; bucket: string; rest: string };

/** Splits a trimmed location text; see LocationParts. Never throws. */
export function locationParts(trimmed: string): LocationParts {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1];
  if (scheme === undefined) return { kind: 'local' };
  if (scheme !== 's3') return { kind: 'unsupported', scheme };
  const after = trimmed.slice('s3://'.length);
  const slash = after.indexOf('/');
  return slash === -1
    ? { kind: 's3', bucket: after, rest: '' }
    : { kind: 's3', bucket: after.slice(0, slash), rest: after.slice(slash + 1) };
}
