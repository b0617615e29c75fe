/**
 * Reads back the remediation audit records `assetguard remediate` appends (core/remediation-audit:
 * one JSON object per run, at `<prefix>/<YYYY>/<MM>/<DD>/<start>-<id>.json`), from an S3 prefix or
 * a directory, one UTC day at a time. Every record is checked against the record's schema; one
 * that is not JSON, not a record, or not valid is a warning naming its key, never dropped in
 * silence and never a reason to stop. A location that holds nothing is said, not an error.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { clientOf, type LazyClient } from '../core/aws';
import { countCall, type CallCounts } from '../core/collections';
import {
  awsFailure,
  ConfigurationError,
  errorMessage,
  hasAwsCode,
  UndecidedError,
} from '../core/errors';
import type { Log } from '../core/log';
import { mapConcurrent } from './paging';
import {
  auditDayPath,
  auditRecordKey,
  checkRemediationAuditRecord,
  describeAuditLocation,
  type AuditLocation,
  type RemediationAuditRecord,
} from '../core/remediation-audit';

/** The input (and CLI flag) of the daily report naming where the records are. */
export const REMEDIATION_AUDIT_INPUT = 'remediation-audit';

/**
 * The largest record read, in bytes. A record is a few hundred bytes per resource, so 4 MiB is
 * thousands of resources in one run; anything larger is not a record remediate wrote.
 */
export const MAX_AUDIT_RECORD_BYTES = 4 * 1024 * 1024;

/**
 * The most records read in one window: the newest ones (keys sort by start time). Remediation
 * runs on demand, a few a day; more than this in a week is said, with how many were not read.
 */
export const MAX_AUDIT_RECORDS = 1000;

/** GetObject calls in flight at once. */
const AUDIT_READ_CONCURRENCY = 8;

const DAY_MS = 86_400_000;

/** One record as read, with its key below the location (`2026/03/02/…json`). */
export interface AuditRecordRead {
  key: string;
  record: RemediationAuditRecord;
}

/** What one reading of the audit location gave. */
export interface AuditReading {
  /** `s3://bucket/prefix/` or the directory, as the report names it. */
  location: string;
  /** The day paths read (`YYYY/MM/DD`), oldest first. */
  days: string[];
  /** Valid records, by key (so by start time). */
  records: AuditRecordRead[];
  /** One per record that could not be taken (naming its key), and per limit reached. */
  warnings: string[];
  /**
   * Said when the location holds nothing at all (a directory that does not exist, an S3 prefix
   * with no object): no remediation run has written there yet, or the location is not the one
   * remediate writes to.
   */
  empty?: string;
  /** AWS calls by operation (ListObjectsV2, GetObject); none for a directory. */
  calls: CallCounts;
}

export interface AuditReadOptions {
  /** The first and the last day to read (UTC days, both included). */
  from: Date;
  to: Date;
  /**
   * Needed only for an s3:// location: the client, or a `LazyClient` (core/aws) built only when
   * the location is in S3.
   */
  s3?: S3Client | LazyClient<S3Client>;
  log?: Log;
  /** Default MAX_AUDIT_RECORDS. */
  maxRecords?: number;
}

/** `YYYY/MM/DD` of every UTC day from `from` to `to`, both included, oldest first. */
export function auditDays(from: Date, to: Date): string[] {
  const days: string[] = [];
  const first = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  for (let day = first; day <= to.getTime(); day += DAY_MS) days.push(auditDayPath(new Date(day)));
  return days;
}

/** A file or object found under a day: its key below the location, and how to read it. */
interface Listed {
  key: string;
  /** Where a warning names it: `s3://bucket/prefix/2026/…json` or the file's path. */
  where: string;
  size?: number;
  read: () => Promise<string | { gone: string }>;
}

/**
 * Reads the records of every UTC day from `options.from` to `options.to` at `location`: for S3,
 * one ListObjectsV2 listing per day prefix (the SDK paginator) and a GetObject per record (at most
 * eight at once); for a directory, the files of each `YYYY/MM/DD` directory. Records are checked
 * with core/remediation-audit `checkRemediationAuditRecord`; each of these is a warning naming
 * its key, and the rest are still read: not `.json` or not directly in a day (not a record), over
 * MAX_AUDIT_RECORD_BYTES, not JSON, another format (foreign), invalid under the schema, filed
 * under a key other than its startedAt and id give (kept), an id seen before (the first kept),
 * listed and then gone. Over `maxRecords` in the window, the newest are read and the rest counted
 * in a warning. No record in the window and nothing at the location at all (one more listing of
 * the prefix, at most one key; or no directory) is `empty`, said by the report.
 * @throws ConfigurationError naming the `remediation-audit` input: a bucket that does not exist
 *   (NoSuchBucket), a path that is not a directory or cannot be read. AwsError naming the
 *   permission: any other failed listing or read (AccessDenied, network). UndecidedError: a
 *   listing whose entry has no Key, or a key outside the prefix it asked for.
 */
export async function readRemediationAudit(
  location: AuditLocation,
  options: AuditReadOptions,
): Promise<AuditReading> {
  const days = auditDays(options.from, options.to);
  const reading: AuditReading = {
    location: describeAuditLocation(location),
    days,
    records: [],
    warnings: [],
    calls: {},
  };
  const found =
    location.kind === 's3'
      ? await listS3(location, days, await requireS3(options), reading)
      : await listDirectory(location.path, days, reading);
  if (found === undefined) return reading;
  const max = options.maxRecords ?? MAX_AUDIT_RECORDS;
  // Keys sort by start time: the newest are the last ones.
  const sorted = [...found].sort((a, b) => compareText(a.key, b.key));
  const wanted = sorted.slice(Math.max(0, sorted.length - max));
  if (sorted.length > wanted.length) {
    reading.warnings.push(
      `remediation audit: ${sorted.length} records under ${reading.location} in ${days.length} days, more than the ${max} read: the ${sorted.length - wanted.length} oldest (from ${sorted[0]?.key ?? ''}) are left out`,
    );
  }
  const texts = await mapConcurrent(wanted, AUDIT_READ_CONCURRENCY, (item) => item.read());
  const ids = new Map<string, string>();
  wanted.forEach((item, index) => {
    const text = texts[index];
    if (text === undefined) return;
    if (typeof text !== 'string') {
      reading.warnings.push(`remediation audit: ${item.where} ${text.gone}; left out`);
      return;
    }
    const record = parseRecord(text, item, reading.warnings);
    if (record === undefined) return;
    const first = ids.get(record.id);
    if (first !== undefined) {
      reading.warnings.push(
        `remediation audit: ${item.where} repeats run ${JSON.stringify(record.id)} of ${first}; counted once`,
      );
      return;
    }
    ids.set(record.id, item.key);
    const expected = auditRecordKey(record);
    if (expected !== item.key) {
      reading.warnings.push(
        `remediation audit: ${item.where} is filed under another key than its startedAt and id give (${expected}); read all the same`,
      );
    }
    reading.records.push({ key: item.key, record });
  });
  if (reading.records.length === 0 && found.length === 0 && location.kind === 's3') {
    // An empty week is normal; a prefix that never held a record is worth saying.
    const anything = await anyObjectUnder(location, await requireS3(options), reading.calls);
    if (!anything) reading.empty = `no object under ${reading.location}`;
  }
  options.log?.(
    `remediation audit: ${reading.records.length} record(s) of ${days.length} days under ${reading.location}${reading.warnings.length > 0 ? `, ${reading.warnings.length} warning(s)` : ''}`,
  );
  return reading;
}

/** The record in `text`, or undefined with a warning naming `item` and why it is not taken. */
function parseRecord(
  text: string,
  item: Listed,
  warnings: string[],
): RemediationAuditRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    warnings.push(
      `remediation audit: ${item.where} is not JSON (${errorMessage(error)}); left out`,
    );
    return undefined;
  }
  const checked = checkRemediationAuditRecord(value);
  if ('foreign' in checked) {
    warnings.push(`remediation audit: ${item.where} ${checked.foreign}; left out`);
    return undefined;
  }
  if ('invalid' in checked) {
    warnings.push(`remediation audit: ${item.where} ${checked.invalid}; left out`);
    return undefined;
  }
  return checked.record;
}

async function requireS3(options: AuditReadOptions): Promise<S3Client> {
  if (!options.s3) throw new Error('an s3:// remediation audit location needs an S3 client');
  return clientOf(options.s3);
}

function noSuchBucket(location: Extract<AuditLocation, { kind: 's3' }>): ConfigurationError {
  return new ConfigurationError(
    `${REMEDIATION_AUDIT_INPUT}: ${describeAuditLocation(location)} names bucket ${JSON.stringify(location.bucket)}, which does not exist; give the location remediate writes its audit records to`,
  );
}

/** `prefix/` (or nothing at the bucket's root) followed by `rest`. */
function underPrefix(prefix: string, rest: string): string {
  return prefix === '' ? rest : `${prefix}/${rest}`;
}

/**
 * Every object of each day prefix, or a warning for those that cannot be records (a key deeper
 * than the day, not `.json`, over the size limit). Folder markers (keys ending in `/`) are
 * skipped: they hold nothing.
 */
async function listS3(
  location: Extract<AuditLocation, { kind: 's3' }>,
  days: readonly string[],
  s3: S3Client,
  reading: AuditReading,
): Promise<Listed[]> {
  // S3's commands come from a chunk (import()), as S3Client's package: only a run given an
  // s3:// location reads them.
  const { paginateListObjectsV2 } = await import('@aws-sdk/client-s3');
  const found: Listed[] = [];
  for (const day of days) {
    const prefix = underPrefix(location.prefix, `${day}/`);
    const where = `s3://${location.bucket}/${prefix}`;
    try {
      for await (const page of paginateListObjectsV2(
        { client: s3 },
        { Bucket: location.bucket, Prefix: prefix },
      )) {
        countCall(reading.calls, 'ListObjectsV2');
        for (const object of page.Contents ?? []) {
          const key = object.Key;
          if (typeof key !== 'string' || !key.startsWith(prefix)) {
            throw new UndecidedError(
              `the listing of ${where} (ListObjectsV2) answered ${typeof key === 'string' ? `key ${JSON.stringify(key)}, outside the prefix asked for` : 'an object without its Key'}: the records cannot be read from a malformed answer`,
            );
          }
          if (key.endsWith('/')) continue;
          const name = key.slice(prefix.length);
          const entry: Listed = {
            key: `${day}/${name}`,
            where: `s3://${location.bucket}/${key}`,
            ...(object.Size !== undefined && { size: object.Size }),
            read: () => getObjectText(s3, location.bucket, key, reading.calls),
          };
          if (isRecordName(entry, reading.warnings)) found.push(entry);
        }
      }
    } catch (error) {
      if (error instanceof UndecidedError) throw error;
      if (hasAwsCode(error, 'NoSuchBucket')) throw noSuchBucket(location);
      throw awsFailure(`list the remediation audit records under ${where}`, 's3:ListBucket', error);
    }
  }
  return found;
}

/** Whether anything at all is stored under the location's prefix: one call, at most one key. */
async function anyObjectUnder(
  location: Extract<AuditLocation, { kind: 's3' }>,
  s3: S3Client,
  calls: CallCounts,
): Promise<boolean> {
  const prefix = location.prefix === '' ? undefined : `${location.prefix}/`;
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  try {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: location.bucket,
        MaxKeys: 1,
        ...(prefix !== undefined && { Prefix: prefix }),
      }),
    );
    countCall(calls, 'ListObjectsV2');
    return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
  } catch (error) {
    if (hasAwsCode(error, 'NoSuchBucket')) throw noSuchBucket(location);
    throw awsFailure(
      `list the remediation audit records under ${describeAuditLocation(location)}`,
      's3:ListBucket',
      error,
    );
  }
}

/**
 * One object's text, or `{ gone }` when it was deleted since the listing (NoSuchKey) or answered
 * without a body; over MAX_AUDIT_RECORD_BYTES it is not read past the limit.
 */
async function getObjectText(
  s3: S3Client,
  bucket: string,
  key: string,
  calls: CallCounts,
): Promise<string | { gone: string }> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    countCall(calls, 'GetObject');
    const body = answer.Body;
    if (answer.ContentLength !== undefined && answer.ContentLength > MAX_AUDIT_RECORD_BYTES) {
      (body as { destroy?: () => void } | undefined)?.destroy?.();
      return { gone: tooLarge(answer.ContentLength) };
    }
    if (body === undefined) return { gone: 'was answered without a body (GetObject)' };
    return await body.transformToString('utf8');
  } catch (error) {
    if (hasAwsCode(error, 'NoSuchKey')) return { gone: 'was listed, then gone (NoSuchKey)' };
    throw awsFailure(
      `read the remediation audit record s3://${bucket}/${key}`,
      's3:GetObject',
      error,
    );
  }
}

function tooLarge(bytes: number): string {
  return `is ${(bytes / 1024 / 1024).toFixed(1)} MiB, over the ${MAX_AUDIT_RECORD_BYTES / 1024 / 1024} MiB a record is at most`;
}

/**
 * Whether a listed entry can be a record: a `.json` name directly in its day, within the size
 * limit. Otherwise a warning naming it, and false.
 */
function isRecordName(entry: Listed, warnings: string[]): boolean {
  const name = entry.key.slice('YYYY/MM/DD/'.length);
  if (name.includes('/') || !name.endsWith('.json')) {
    warnings.push(
      `remediation audit: ${entry.where} is not an audit record (records are <day>/<start>-<id>.json); left out`,
    );
    return false;
  }
  if (entry.size !== undefined && entry.size > MAX_AUDIT_RECORD_BYTES) {
    warnings.push(`remediation audit: ${entry.where} ${tooLarge(entry.size)}; left out`);
    return false;
  }
  return true;
}

function directoryError(path: string, error: unknown): ConfigurationError {
  const code = (error as NodeJS.ErrnoException).code;
  return new ConfigurationError(
    `${REMEDIATION_AUDIT_INPUT}: cannot read the remediation audit records in ${path}: ${code ?? errorMessage(error)}`,
    { cause: error },
  );
}

/**
 * The files of each day directory `<path>/YYYY/MM/DD/`; a day without one has no record. A
 * location that does not exist is `empty` (returns undefined).
 */
async function listDirectory(
  path: string,
  days: readonly string[],
  reading: AuditReading,
): Promise<Listed[] | undefined> {
  try {
    if (!(await stat(path)).isDirectory()) {
      throw new ConfigurationError(
        `${REMEDIATION_AUDIT_INPUT}: ${path} is not a directory; give the directory remediate writes its audit records to (or s3://bucket/prefix/)`,
      );
    }
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      reading.empty = `no directory ${path}`;
      return undefined;
    }
    throw directoryError(path, error);
  }
  const found: Listed[] = [];
  for (const day of days) {
    const directory = join(path, ...day.split('/'));
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      throw directoryError(directory, error);
    }
    for (const dirent of entries.sort((a, b) => compareText(a.name, b.name))) {
      const file = join(directory, dirent.name);
      const key = `${day}/${dirent.name}${dirent.isFile() ? '' : '/'}`;
      const entry: Listed = { key, where: file, read: () => readRecordFile(file) };
      if (isRecordName(entry, reading.warnings)) found.push(entry);
    }
  }
  if (found.length === 0 && reading.warnings.length === 0) {
    try {
      if ((await readdir(path)).length === 0) reading.empty = `nothing in ${path}`;
    } catch (error) {
      throw directoryError(path, error);
    }
  }
  return found;
}

/** A record file's text, or `{ gone }` when it vanished or is over the size limit. */
async function readRecordFile(file: string): Promise<string | { gone: string }> {
  try {
    const { size } = await stat(file);
    if (size > MAX_AUDIT_RECORD_BYTES) return { gone: tooLarge(size) };
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { gone: 'was listed, then gone' };
    }
    throw directoryError(file, error);
  }
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
