/**
 * Appends remediation audit records (core/remediation-audit) to S3 or a directory. A record is
 * written once and never replaced: an audit trail that a later run could overwrite is no trail.
 */
import { randomBytes } from 'node:crypto';
import { link, open, stat, unlink } from 'node:fs/promises';
import { makeDirectory } from '../core/directories';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  AssetguardError,
  awsFailure,
  ConfigurationError,
  DeliveryError,
  hasAwsCode,
  UndecidedError,
} from '../core/errors';
import {
  auditRecordKey,
  checkRemediationAuditRecord,
  describeAuditLocation,
  type AuditLocation,
  type RemediationAuditRecord,
} from '../core/remediation-audit';

/** The object key (below the bucket) or the file path a record is written to. */
export function auditRecordPath(location: AuditLocation, record: RemediationAuditRecord): string {
  const key = auditRecordKey(record);
  if (location.kind === 'directory') return join(location.path, ...key.split('/'));
  return location.prefix === '' ? key : `${location.prefix}/${key}`;
}

/** Where a record is (or would be) written: `s3://bucket/key`, or the file's path. */
export function auditRecordWhere(location: AuditLocation, record: RemediationAuditRecord): string {
  const path = auditRecordPath(location, record);
  return location.kind === 's3' ? `s3://${location.bucket}/${path}` : path;
}

function alreadyThere(where: string): DeliveryError {
  return new DeliveryError(
    `an audit record already exists at ${where}; audit records are never overwritten (two runs with the same id started in the same second?)`,
  );
}

function fileError(what: string, path: string, error: unknown): ConfigurationError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return new ConfigurationError(`audit: cannot ${what} ${path}: ${code}`);
}

/** The HTTP status and the `x-amz-bucket-region` header of a failed S3 call, when it has them. */
function httpFailure(error: unknown): { status?: number; bucketRegion?: string } {
  const failed = error as {
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string | undefined> };
  };
  const status = failed.$metadata?.httpStatusCode;
  const bucketRegion = failed.$response?.headers?.['x-amz-bucket-region'];
  return {
    ...(typeof status === 'number' && { status }),
    ...(typeof bucketRegion === 'string' && bucketRegion !== '' && { bucketRegion }),
  };
}

function otherRegion(bucket: string, bucketRegion: string, region: string): ConfigurationError {
  return new ConfigurationError(
    `audit: the bucket ${bucket} is in ${bucketRegion}, and the run (region ${region}) writes its record there: run in ${bucketRegion}, or use an audit bucket in ${region}`,
  );
}

/**
 * Checks an S3 location with HeadBucket before anything runs: the bucket exists, these
 * credentials may reach it, and it is in the run's region, where the record is written. HEAD
 * answers carry no error body, so the SDK names only a 404 (NotFound); the rest are told by
 * their HTTP status: 301 (or 400 naming another region in `x-amz-bucket-region`) is a bucket in
 * another region, 403 a denied request.
 */
async function checkAuditBucket(
  location: Extract<AuditLocation, { kind: 's3' }>,
  s3: S3Client,
  region: string,
): Promise<void> {
  const { bucket } = location;
  let bucketRegion: string | undefined;
  // Loaded here, by a run with an s3:// location: in the bundles, the S3 client's package is a
  // chunk file that a run keeping its records in a directory never parses.
  const { HeadBucketCommand } = await import('@aws-sdk/client-s3');
  try {
    ({ BucketRegion: bucketRegion } = await s3.send(new HeadBucketCommand({ Bucket: bucket })));
  } catch (error) {
    const failed = httpFailure(error);
    if (failed.status === 404) {
      throw new ConfigurationError(
        `audit: the bucket ${bucket} does not exist (HeadBucket answered 404): create it in ${region}, or correct the audit location`,
      );
    }
    if (
      failed.bucketRegion !== undefined &&
      failed.bucketRegion !== region &&
      (failed.status === 301 || failed.status === 400)
    ) {
      throw otherRegion(bucket, failed.bucketRegion, region);
    }
    // Named by its status, so a denied request gets the permission to grant.
    const cause =
      failed.status === undefined
        ? error
        : Object.assign(
            new Error(`HTTP ${failed.status} (HeadBucket answers without an error body)`),
            { name: failed.status === 403 ? 'AccessDenied' : `HTTP${failed.status}`, cause: error },
          );
    throw awsFailure(
      `reach the audit location ${describeAuditLocation(location)} before anything runs`,
      's3:ListBucket',
      cause,
    );
  }
  if (bucketRegion !== undefined && bucketRegion !== '' && bucketRegion !== region) {
    throw otherRegion(bucket, bucketRegion, region);
  }
}

/**
 * Checks, before anything runs, that records can be written to the location, so that a run
 * never changes AWS and then fails to keep its record. A directory is created if missing, must
 * be a directory, and is probed by writing (and removing) a file. An S3 location's bucket must
 * exist, be reachable with these credentials and be in the run's region (`checkAuditBucket`,
 * HeadBucket; no object is written to probe it: a probe would be an object of its own).
 * @throws ConfigurationError naming the audit input (not a directory, cannot be written, no
 *   such bucket, a bucket in another region); AwsError naming s3:ListBucket (which HeadBucket
 *   is authorized as) when the bucket cannot be reached.
 * `aws.s3` gives the S3 client, or a promise of it (core/aws `LazyClient`); it is asked for only
 * for an s3:// location.
 */
export async function checkAuditLocation(
  location: AuditLocation,
  aws: { s3: () => S3Client | Promise<S3Client>; region: string },
): Promise<void> {
  if (location.kind === 's3') {
    await checkAuditBucket(location, await aws.s3(), aws.region);
    return;
  }
  const { path } = location;
  try {
    await makeDirectory(path);
  } catch (error) {
    throw fileError('create the directory', path, error);
  }
  const info = await stat(path).catch((error: unknown) => {
    throw fileError('read', path, error);
  });
  if (!info.isDirectory()) {
    throw new ConfigurationError(
      `audit: ${path} is not a directory; choose a directory or s3://bucket/prefix/`,
    );
  }
  const probe = join(path, `.assetguard-probe-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(probe, 'wx');
    await handle.close();
    await unlink(probe);
  } catch (error) {
    throw fileError('write in', path, error);
  }
}

/**
 * Writes a record as a new file, whole or not at all, never over an existing one: the text goes
 * to a temporary file in the same directory (flushed to disk), which is then hard-linked to its
 * name. Unlike rename, link fails (EEXIST) when the name is taken, atomically.
 */
async function writeNewFile(path: string, text: string): Promise<void> {
  const directory = dirname(path);
  try {
    await makeDirectory(directory);
  } catch (error) {
    throw fileError('create the directory', directory, error);
  }
  const temporary = join(directory, `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyThere(path);
    throw fileError('write', path, error);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/**
 * Appends one audit record: to S3 with PutObject and `If-None-Match: *` (S3 refuses the write,
 * 412 PreconditionFailed, when the key exists; 409 ConditionalRequestConflict when another write
 * of it is in flight), or as a new file in the directory (`writeNewFile`). The key is
 * core/remediation-audit `auditRecordKey` below the prefix or directory. Returns where it went
 * (`s3://bucket/key` or the file's path).
 * The record is checked against its schema first (core/remediation-audit), as the reader does.
 * @throws DeliveryError when a record with that key exists; AwsError naming s3:PutObject;
 *   ConfigurationError naming the audit input for a directory that cannot be written;
 *   UndecidedError for a record that does not match its schema.
 * `clients.s3` as for `checkAuditLocation`: asked for only for an s3:// location.
 */
export async function writeAuditRecord(
  location: AuditLocation,
  record: RemediationAuditRecord,
  clients: { s3: () => S3Client | Promise<S3Client> },
): Promise<string> {
  // The reader (the daily report) refuses what does not match the contract: never write it.
  const checked = checkRemediationAuditRecord(record);
  if (!('record' in checked)) {
    throw new UndecidedError(
      `refusing to write an audit record that ${'foreign' in checked ? checked.foreign : checked.invalid}`,
    );
  }
  const path = auditRecordPath(location, record);
  const text = `${JSON.stringify(record, null, 2)}\n`;
  if (location.kind === 'directory') {
    await writeNewFile(path, text);
    return path;
  }
  const where = auditRecordWhere(location, record);
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = await clients.s3();
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: path,
        Body: text,
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
  } catch (error) {
    if (
      hasAwsCode(error, 'PreconditionFailed') ||
      hasAwsCode(error, 'ConditionalRequestConflict')
    ) {
      throw alreadyThere(where);
    }
    if (error instanceof AssetguardError) throw error;
    throw awsFailure(
      `write the audit record to ${describeAuditLocation(location)}`,
      's3:PutObject',
      error,
    );
  }
  return where;
}
