/**
 * Appends remediation audit records (core/remediation-audit) to S3 or a directory. A record is
 * written once and never replaced: an audit trail that a later run could overwrite is no trail.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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

/**
 * Checks, before anything runs, that records can be written to a directory location: it is
 * created if missing, must be a directory, and is probed by writing (and removing) a file. An S3
 * location is not probed (a probe would be an object of its own); its first write is the record.
 * @throws ConfigurationError naming the audit input.
 */
export async function checkAuditLocation(location: AuditLocation): Promise<void> {
  if (location.kind === 's3') return;
  const { path } = location;
  try {
    await mkdir(path, { recursive: true });
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
    await mkdir(directory, { recursive: true });
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
 */
export async function writeAuditRecord(
  location: AuditLocation,
  record: RemediationAuditRecord,
  clients: { s3: () => S3Client },
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
  try {
    await clients.s3().send(
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
