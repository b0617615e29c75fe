/**
 * Where remediation audit records are kept (the audit-location inputs), parsed and named: in a
 * module of its own, free of the record validator, so the input parsers (remediate and report
 * inputs, the CLI's options) load it alone (core/remediation-audit reads and writes records).
 */
import { ConfigurationError } from './errors';
import { locationParts } from './location';

/** Where audit records are kept: an S3 prefix, or a local directory. */
export type AuditLocation =
  { kind: 's3'; bucket: string; prefix: string } | { kind: 'directory'; path: string };

/**
 * Parses the audit location input: `s3://bucket/prefix/` (the prefix may be empty: records then
 * start at the bucket's root) or a directory path. `input` names the input in errors.
 * @throws ConfigurationError naming the input: empty, a scheme other than s3://, no bucket.
 */
export function parseAuditLocation(text: string, input: string): AuditLocation {
  const trimmed = text.trim();
  const bad = (why: string): ConfigurationError =>
    new ConfigurationError(
      `${input}: ${JSON.stringify(text)} ${why}; expected s3://bucket/prefix/ or a directory such as assetguard-audit`,
    );
  if (trimmed === '') throw bad('is empty');
  const parts = locationParts(trimmed);
  if (parts.kind === 'local') return { kind: 'directory', path: trimmed };
  if (parts.kind === 'unsupported') throw bad(`uses ${parts.scheme}://, which is not supported`);
  const { bucket } = parts;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw bad(
      bucket === ''
        ? 'names no bucket'
        : `names ${JSON.stringify(bucket)}, which is not an S3 bucket name`,
    );
  }
  const prefix = parts.rest.replace(/^\/+|\/+$/g, '');
  return { kind: 's3', bucket, prefix };
}

/** `s3://bucket/prefix/` or the directory, as errors and logs name the location. */
export function describeAuditLocation(location: AuditLocation): string {
  return location.kind === 's3'
    ? `s3://${location.bucket}/${location.prefix === '' ? '' : `${location.prefix}/`}`
    : location.path;
}
