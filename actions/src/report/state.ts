/**
 * Where the daily report's state lives between runs (an S3 object or a file), and how it is read
 * and written: validated on the way in (JSON Schema `state.schema.json`), written whole on the
 * way out, so a run compares with yesterday's complete state or says it has none.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { makeDirectory } from '../core/directories';
import { schemaProblem } from '../core/schema';
import { describeStateLocation, STATE_INPUT, type StateLocation } from './state-location';
import { basename, dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { clientOf, type LazyClient } from '../core/aws';
import type { ValidateFunction } from 'ajv';
import stateValidator from '../core/validators/state';
import { awsFailure, ConfigurationError, errorMessage, hasAwsCode } from '../core/errors';
import { REPORT_STATE_SCHEMA, type OpenRecord, type ReportState } from './model';

/** The input (and CLI flag) naming the state's location. */
export {
  describeStateLocation,
  parseStateLocation,
  STATE_INPUT,
  type StateLocation,
} from './state-location';

/**
 * The largest state accepted, in bytes. A state holds one small record per open finding (a few
 * hundred bytes), so 64 MiB is a hundred thousand findings and more; anything larger is not a
 * state this tool wrote and is refused before it is parsed.
 */
export const MAX_STATE_BYTES = 64 * 1024 * 1024;

export interface StateDeps {
  /**
   * Needed only for an s3:// location: the client, or a `LazyClient` (core/aws) built only when
   * the state is in S3.
   */
  s3?: S3Client | LazyClient<S3Client>;
}

/** state.schema.json's validator (formats date, date-time), compiled at build time (scripts/validators.ts). */
const validateState = stateValidator as ValidateFunction<ReportState>;

/**
 * The fixes of states that `parseState` read and the schema passed. The next state keeps the
 * fixes of the last 30 days as they were read (40,000 and more at 50,000 findings): `saveState`
 * checks only the fixes it does not find here, the ones this run made, not those again.
 */
const checkedFixes = new WeakSet<object>();

function invalidState(where: string, why: string): ConfigurationError {
  const what = where.startsWith('s3://') ? 'the S3 object' : 'the file';
  return new ConfigurationError(
    `${STATE_INPUT}: ${where} ${why}; fix the location, or delete ${what} to start over (the next run is then a first run)`,
  );
}

function tooLarge(where: string, bytes: number): ConfigurationError {
  return invalidState(
    where,
    `is ${(bytes / 1024 / 1024).toFixed(1)} MiB; a report state is at most ${MAX_STATE_BYTES / 1024 / 1024} MiB (${MAX_STATE_BYTES} bytes), so this is not one`,
  );
}

/**
 * A state from its text, checked: JSON, the `assetguard-report-state/1` schema tag, then the
 * whole JSON Schema (unknown keys refused, so a state never carries anything the model lacks).
 * `where` names the location in errors.
 * @throws ConfigurationError naming `where` and what is wrong (first five schema problems).
 */
export function parseState(text: string, where: string): ReportState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidState(where, `is not JSON (${errorMessage(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidState(where, 'is not a JSON object, so not an assetguard report state');
  }
  const tag = (value as { schema?: unknown }).schema;
  if (tag !== REPORT_STATE_SCHEMA) {
    throw invalidState(
      where,
      `is not an assetguard report state (schema ${tag === undefined ? 'missing' : JSON.stringify(tag)}, expected ${JSON.stringify(REPORT_STATE_SCHEMA)})`,
    );
  }
  if (!validateState(value)) {
    const problems = (validateState.errors ?? []).map(schemaProblem);
    const shown = problems.slice(0, 5).join('; ');
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw invalidState(where, `does not match the ${REPORT_STATE_SCHEMA} schema: ${shown}${more}`);
  }
  for (const fix of value.fixed) checkedFixes.add(fix);
  return value;
}

/** The body of a GetObject answer, read up to MAX_STATE_BYTES. */
async function readBody(body: unknown, where: string): Promise<string> {
  if (
    body === undefined ||
    body === null ||
    typeof body !== 'object' ||
    !(Symbol.asyncIterator in body)
  ) {
    throw awsFailure(
      `read the report state ${where}`,
      's3:GetObject',
      new Error('s3:GetObject answered without a readable body'),
    );
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    bytes += buffer.length;
    if (bytes > MAX_STATE_BYTES) {
      (body as { destroy?: () => void }).destroy?.();
      throw tooLarge(where, bytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Whether a GetObject failure means "no state yet": NoSuchKey, or another 404 that is not
 * NoSuchBucket. A missing bucket is a misconfiguration (every day would be a first run and the
 * save would fail), and a 403 is what S3 answers for a missing key without s3:ListBucket: both
 * are errors.
 */
function isMissingObject(error: unknown): boolean {
  if (hasAwsCode(error, 'NoSuchKey')) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata
    ?.httpStatusCode;
  return status === 404 && !hasAwsCode(error, 'NoSuchBucket');
}

async function loadFromS3(
  location: Extract<StateLocation, { kind: 's3' }>,
  s3: S3Client,
): Promise<ReportState | undefined> {
  const where = describeStateLocation(location);
  // The command from a chunk (as S3Client's own package): read only by a run with an s3:// state.
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  let text: string;
  try {
    const answer = await s3.send(
      new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
    );
    if (answer.ContentLength !== undefined && answer.ContentLength > MAX_STATE_BYTES) {
      (answer.Body as { destroy?: () => void } | undefined)?.destroy?.();
      throw tooLarge(where, answer.ContentLength);
    }
    text = await readBody(answer.Body, where);
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    if (isMissingObject(error)) return undefined;
    throw awsFailure(
      `read the report state ${where} (s3:GetObject)`,
      's3:GetObject on the object (and s3:ListBucket on the bucket, so a missing state reads as a first run)',
      error,
    );
  }
  return parseState(text, where);
}

async function loadFromFile(path: string): Promise<ReportState | undefined> {
  let text: string;
  try {
    const { size, isFile } = await stat(path).then((stats) => ({
      size: stats.size,
      isFile: stats.isFile(),
    }));
    if (!isFile) {
      throw new ConfigurationError(
        `${STATE_INPUT}: ${path} is not a regular file (a directory?); give the path of a file (it is created on the first run)`,
      );
    }
    if (size > MAX_STATE_BYTES) throw tooLarge(path, size);
    const handle = await open(path, 'r');
    try {
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ConfigurationError(
      `${STATE_INPUT}: cannot read the report state ${path}: ${code ?? errorMessage(error)}`,
      { cause: error },
    );
  }
  return parseState(text, path);
}

/**
 * Yesterday's state, or undefined when there is none yet (a first run): an S3 object that does
 * not exist (NoSuchKey, or a 404 other than NoSuchBucket) or a file that does not exist (ENOENT).
 * Anything else fails closed, since comparing with nothing would report every finding as
 * neither new nor fixed and drop the trend.
 * @throws AwsError naming s3:GetObject (NoSuchBucket, AccessDenied, network), with the
 *   permission to grant; ConfigurationError naming the file for a read error, and naming the
 *   location for content that is over MAX_STATE_BYTES, not JSON, not the
 *   `assetguard-report-state/1` schema or not valid under it.
 */
export async function loadState(
  location: StateLocation,
  deps: StateDeps,
): Promise<ReportState | undefined> {
  if (location.kind === 'file') return loadFromFile(location.path);
  return loadFromS3(location, await requireS3(deps));
}

async function requireS3(deps: StateDeps): Promise<S3Client> {
  if (!deps.s3) throw new Error('an s3:// report state needs an S3 client');
  return clientOf(deps.s3);
}

/**
 * Throws unless the state matches its own schema (a bug if not: this run made it). Fixes as read
 * from a valid state (`checkedFixes`) are not checked again; a problem's `/fixed/<n>` counts
 * the others only.
 */
function checkState(state: ReportState, where: string): void {
  const made = state.fixed.filter((fix) => !checkedFixes.has(fix));
  if (!validateState(made.length === state.fixed.length ? state : { ...state, fixed: made })) {
    const problems = (validateState.errors ?? []).map(schemaProblem).slice(0, 5).join('; ');
    throw new Error(`refusing to write an invalid report state to ${where}: ${problems}`);
  }
}

function stateTooLarge(bytes: number, where: string): ConfigurationError {
  return new ConfigurationError(
    `${STATE_INPUT}: the report state is ${(bytes / 1024 / 1024).toFixed(1)} MiB, over the ${MAX_STATE_BYTES / 1024 / 1024} MiB a later run would read; ${where} was left as it was`,
  );
}

/** Entries of the state's `open` (or elements of `fixed`) per chunk: ~100 KB of text. */
const STATE_ENTRIES_PER_CHUNK = 256;

/**
 * The state as stored, in chunks: byte for byte `JSON.stringify(state)` (compact, no newline at
 * the end), with the open findings and the fixes STATE_ENTRIES_PER_CHUNK at a time, so that a
 * state of 50,000 open findings and 50,000 fixes (40 MB) is never one string. Give a plain,
 * JSON-clean state (a valid one is: `checkState`).
 */
export function* stateChunks(state: ReportState): Generator<string, void, undefined> {
  let separator = '{';
  for (const [name, value] of Object.entries(state) as [string, unknown][]) {
    // JSON.stringify leaves out a key whose value is undefined.
    if (value === undefined) continue;
    const start = `${separator}${JSON.stringify(name)}:`;
    separator = ',';
    if (name === 'open' && typeof value === 'object' && value !== null) {
      const records = value as Record<string, OpenRecord>;
      const keys = Object.keys(records);
      if (keys.length === 0) yield `${start}{}`;
      for (let index = 0; index < keys.length; index += STATE_ENTRIES_PER_CHUNK) {
        const entries = keys
          .slice(index, index + STATE_ENTRIES_PER_CHUNK)
          .map((key) => `${JSON.stringify(key)}:${JSON.stringify(records[key])}`);
        yield `${index === 0 ? `${start}{` : ','}${entries.join(',')}`;
      }
      if (keys.length > 0) yield '}';
    } else if (name === 'fixed' && Array.isArray(value) && value.length > 0) {
      for (let index = 0; index < value.length; index += STATE_ENTRIES_PER_CHUNK) {
        // A slice's elements as JSON.stringify of the whole array writes them.
        const text = JSON.stringify(value.slice(index, index + STATE_ENTRIES_PER_CHUNK));
        yield `${index === 0 ? `${start}[` : ','}${text.slice(1, -1)}`;
      }
      yield ']';
    } else {
      yield `${start}${JSON.stringify(value)}`;
    }
  }
  yield separator === '{' ? '{}' : '}';
}

/**
 * Creates the file `path` (it must not exist) with the chunks, and returns its size in bytes;
 * flushed to disk when it is at most MAX_STATE_BYTES (a larger one is about to be removed).
 */
async function writeNewFile(path: string, chunks: Iterable<string>): Promise<number> {
  const handle = await open(path, 'wx', 0o644);
  try {
    // fs/promises writeFile takes an iterable: each chunk is encoded and written in turn.
    await writeFile(handle, chunks, 'utf8');
    const { size } = await handle.stat();
    if (size <= MAX_STATE_BYTES) await handle.sync();
    return size;
  } finally {
    await handle.close();
  }
}

/**
 * Writes a file whole or not at all: into a temporary file in the same directory (so the rename
 * stays on one file system), chunk by chunk, flushed to disk, then renamed over the old one. A
 * failure half way, or a file over MAX_STATE_BYTES (known once written), leaves the old state
 * in place and removes the temporary file.
 */
async function writeFileAtomically(
  path: string,
  chunks: Iterable<string>,
  where: string,
): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let bytes: number;
  try {
    await makeDirectory(directory);
    bytes = await writeNewFile(temporary, chunks);
    if (bytes <= MAX_STATE_BYTES) await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(
      `${STATE_INPUT}: cannot write the report state ${path}: ${code ?? errorMessage(error)}; the previous state was left as it was`,
      { cause: error },
    );
  }
  if (bytes > MAX_STATE_BYTES) {
    await unlink(temporary).catch(() => undefined);
    throw stateTooLarge(bytes, where);
  }
}

/**
 * Saves the state for the next run as compact JSON (`stateChunks`): S3 PutObject (ContentType
 * application/json; S3 replaces an object whole, so a reader sees the old or the new state), or
 * a file written atomically in chunks (temporary file + rename in the same directory; the
 * directory is created), never as one string.
 * @throws AwsError naming s3:PutObject with the permission to grant; ConfigurationError naming
 *   the file when it cannot be written, or when the state is over MAX_STATE_BYTES (the old
 *   state is left in place); Error when the state does not match its own schema (a bug).
 */
export async function saveState(
  location: StateLocation,
  state: ReportState,
  deps: StateDeps,
): Promise<void> {
  const where = describeStateLocation(location);
  checkState(state, where);
  if (location.kind === 'file') {
    await writeFileAtomically(location.path, stateChunks(state), where);
    return;
  }
  const s3 = await requireS3(deps);
  // PutObject takes a body of known length: the chunks, each encoded, as one buffer (the text
  // itself is never one string).
  const text = Buffer.concat(Array.from(stateChunks(state), (chunk) => Buffer.from(chunk, 'utf8')));
  if (text.length > MAX_STATE_BYTES) throw stateTooLarge(text.length, where);
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        Body: text,
        ContentType: 'application/json',
      }),
    );
  } catch (error) {
    throw awsFailure(`write the report state ${where} (s3:PutObject)`, 's3:PutObject', error);
  }
}

/** How far a state may be ahead of this run's clock (clock skew between runners), in ms. */
export const STATE_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Refuses a state written after `now` (beyond STATE_CLOCK_SKEW_MS): comparing with it would call
 * every finding old news and drop a day from the trend. A wrong clock or someone else's state.
 * @throws ConfigurationError naming the location, both times and what to do.
 */
export function checkStateTime(state: ReportState, now: Date, where: string): void {
  const written = Date.parse(state.generatedAt);
  if (written - now.getTime() <= STATE_CLOCK_SKEW_MS) return;
  throw new ConfigurationError(
    `state: ${where} was written at ${state.generatedAt}, after this run's time ${now.toISOString()}: ` +
      "a clock is wrong, or it is another report's state; fix the clock, or give a state of this report's runs",
  );
}

/**
 * Refuses a state that another report wrote: another account, region or compliance source (the
 * keys of every finding differ, so each would read as both fixed and new). States written
 * before these were recorded carry none and are taken.
 * @throws ConfigurationError naming the location, what differs and what to do.
 */
export function checkStateSubject(
  state: ReportState,
  current: { region: string; accountId?: string; cceSource: 'config' | 'securityhub' },
  where: string,
): void {
  const differs = [
    state.accountId !== undefined &&
    current.accountId !== undefined &&
    state.accountId !== current.accountId
      ? `account ${state.accountId}, not ${current.accountId}`
      : undefined,
    state.region !== undefined && state.region !== current.region
      ? `region ${state.region}, not ${current.region}`
      : undefined,
    state.cceSource !== undefined && state.cceSource !== current.cceSource
      ? `compliance source ${state.cceSource}, not ${current.cceSource}`
      : undefined,
  ].filter((text): text is string => text !== undefined);
  if (differs.length === 0) return;
  throw new ConfigurationError(
    `state: ${where} is another report's state (${differs.join('; ')}): give each account, region and compliance source a state of its own`,
  );
}
