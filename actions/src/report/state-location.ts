/**
 * Where the daily report's state lives (the `state` input), parsed and named: in a module of its
 * own, free of the S3 client and the schema validator, so the input parsers (report/inputs, the
 * CLI's options) load it without them (report/state reads and writes the state).
 */
import { locationParts } from '../core/location';
import { ConfigurationError } from '../core/errors';

/** The input that names the state's location. */
export const STATE_INPUT = 'state';

export type StateLocation =
  { kind: 's3'; bucket: string; key: string } | { kind: 'file'; path: string };

/**
 * Loose on purpose: today's bucket names are lowercase, digits, dots and hyphens, but older
 * us-east-1 buckets may hold capitals and underscores; S3 itself says NoSuchBucket to the rest.
 */
const BUCKET_NAME = /^[^\s/]+$/;

function badLocation(text: string, why: string): ConfigurationError {
  return new ConfigurationError(
    `${STATE_INPUT}: ${JSON.stringify(text)} ${why}; expected s3://bucket/key or a file path such as .assetguard/report-state.json`,
  );
}

/**
 * The state's location from the `state` input: `s3://bucket/key` (an object; the key may hold
 * slashes) or a file path (relative to the working directory).
 * @throws ConfigurationError naming the `state` input for an empty text, an s3:// location
 *   without bucket or key (or a bucket with spaces, or a key ending in `/`),
 *   another scheme (https://, file://, …), or a path ending in `/` (a directory).
 */
export function parseStateLocation(text: string): StateLocation {
  const trimmed = text.trim();
  if (trimmed === '') throw badLocation(text, 'is empty');
  const parts = locationParts(trimmed);
  if (parts.kind === 'unsupported') {
    throw badLocation(text, `uses ${parts.scheme}://, which is not supported`);
  }
  if (parts.kind === 's3') {
    const { bucket, rest: key } = parts;
    if (bucket === '') throw badLocation(text, 'names no bucket');
    if (!BUCKET_NAME.test(bucket)) {
      throw badLocation(text, `names ${JSON.stringify(bucket)}, which is not an S3 bucket name`);
    }
    if (key === '') throw badLocation(text, 'names no object key after the bucket');
    if (key.endsWith('/')) throw badLocation(text, 'names a folder, not an object key');
    return { kind: 's3', bucket, key };
  }
  if (trimmed.endsWith('/')) throw badLocation(text, 'names a directory, not a file');
  return { kind: 'file', path: trimmed };
}

/** `s3://bucket/key` or the file path, as errors and logs name the location. */
export function describeStateLocation(location: StateLocation): string {
  return location.kind === 's3' ? `s3://${location.bucket}/${location.key}` : location.path;
}
