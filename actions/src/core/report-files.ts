import {
  copyFile,
  link,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError, errorMessage } from './errors';
import { makeDirectory } from './directories';

/** A JSON report file's text: indented by two spaces, ending with a newline. */
export function jsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * A report file's content: its whole text, or its text in chunks that are written one after the
 * other, so that a large report (50,000 findings) is never held in memory as one string. Each
 * chunk holds whole characters (a surrogate pair is never split between two chunks). A sequence
 * is read once, while the file is written. An async sequence may also give bytes (UTF-8, written
 * as they are): content that is still being made when the set is written, such as results.sarif
 * whose size check runs in the thread pool (core/sarif `sarifReport`).
 */
export type ReportContent = string | Iterable<string> | AsyncIterable<string | Uint8Array>;

function isAsync(content: ReportContent): content is AsyncIterable<string | Uint8Array> {
  return typeof content !== 'string' && Symbol.asyncIterator in content;
}

/** A plain object `jsonChunks` can open up (no toJSON, not an array). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && !('toJSON' in value);
}

/**
 * Elements of a spread array stringified together in the compact layout: one JSON.stringify
 * call per element costs about twice as much as one per 64 (371 against 195 ms for 100,000
 * findings, node 20), and 64 findings are ~64 KB of text, a chunk well under the write buffer.
 */
const SPREAD_BATCH = 64;

/** The chunks of one object at `path` (dotted, '' at the top), `depth` levels deep. */
function* objectChunks(
  value: object,
  spread: readonly string[],
  path: string,
  pretty: boolean,
  depth: number,
): Generator<string, void, undefined> {
  const indent = pretty ? `\n${'  '.repeat(depth + 1)}` : '';
  const colon = pretty ? ': ' : ':';
  let fields = 0;
  yield '{';
  for (const [key, field] of Object.entries(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    const start = `${fields > 0 ? ',' : ''}${indent}${JSON.stringify(key)}${colon}`;
    if (spread.includes(at) && Array.isArray(field)) {
      const items: readonly unknown[] = field;
      yield `${start}[`;
      // Separators are chunks of their own: an element's text is yielded as JSON.stringify made
      // it (or a slice of it), never joined to another string, which the write would first have
      // to copy whole (100 MB of copies for 100,000 findings).
      if (pretty) {
        const itemIndent = `\n${'  '.repeat(depth + 2)}`;
        const between = `,${itemIndent}`;
        for (let index = 0; index < items.length; index += 1) {
          const item = items[index];
          // JSON writes null for an array element it cannot represent (undefined, a function).
          const text = (JSON.stringify(item) as string | undefined) ?? 'null';
          yield index > 0 ? between : itemIndent;
          yield text;
        }
      } else {
        for (let index = 0; index < items.length; index += SPREAD_BATCH) {
          const batch = items.slice(index, index + SPREAD_BATCH);
          if (index > 0) yield ',';
          // A slice's JSON without its brackets: its elements, as JSON.stringify of the whole
          // array writes them (null for what JSON cannot represent, holes included).
          yield JSON.stringify(batch).slice(1, -1);
        }
      }
      yield `${pretty && items.length > 0 ? indent : ''}]`;
    } else if (isPlainObject(field) && spread.some((name) => name.startsWith(`${at}.`))) {
      yield start;
      yield* objectChunks(field, spread, at, pretty, depth + 1);
    } else {
      // Nested values are indented by re-indenting their own lines: JSON escapes every line break
      // inside a string, so each one in the text is between two values.
      const text = pretty
        ? (JSON.stringify(field, null, 2) as string | undefined)?.replace(/\n/g, indent)
        : (JSON.stringify(field) as string | undefined);
      if (text === undefined) continue;
      yield `${start}${text}`;
    }
    fields += 1;
  }
  yield `${pretty && fields > 0 ? `\n${'  '.repeat(depth)}` : ''}}`;
}

/**
 * A JSON object's text in chunks, equal in meaning to `JSON.stringify` of it (and byte for byte
 * equal when `pretty` is false): the arrays at the `spread` paths are given a few elements per
 * chunk (one per chunk when `pretty`), every other value as one chunk, so that only a few
 * elements' text exists at a time. A path is a key (`findings`) or dotted keys through plain
 * objects (`verdict.blocking`). `pretty` indents the object by two spaces, as `jsonFile`, except
 * that each element of a spread array is compact on its own line (an entry per line: grep- and
 * diff-friendly). Keys whose value JSON leaves out (undefined, functions) are left out, as
 * JSON.stringify does; the object's own `toJSON`, if any, is not called (give a plain object).
 * Ends with a newline.
 */
export function* jsonChunks(
  value: object,
  options: { spread: readonly string[]; pretty?: boolean },
): Generator<string, void, undefined> {
  yield* objectChunks(value, options.spread, '', options.pretty ?? false, 0);
  yield '\n';
}

/**
 * The file, in a report directory, that names the report files of the set last published there,
 * so the next set replaces it as a whole (a file of the old set that the new one does not write,
 * such as a dry run's plan.json after an execute, is removed rather than left beside it).
 */
export const REPORT_SET_FILE = '.assetguard-reports.json';
/** Where a set is written before it is published: a directory next to the report files. */
const STAGING_PREFIX = '.assetguard-tmp-';

/**
 * The file operations that can fail half way through a set; tests replace them to simulate a
 * full disk or a failed move.
 */
export interface ReportFs {
  writeFile(path: string, content: ReportContent): Promise<void>;
  /** Moves a staged file into the report directory. */
  rename(from: string, to: string): Promise<void>;
}

/**
 * Characters of chunks gathered into one write: few enough that the write buffer stays small,
 * many enough to keep the calls few.
 */
export const WRITE_BATCH_CHARS = 256 * 1024;
/**
 * The write buffer's size: UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair, 2
 * units, takes 4), so WRITE_BATCH_CHARS characters always fit.
 */
const WRITE_BUFFER_BYTES = 3 * WRITE_BATCH_CHARS;

/** Writes `bytes[0, length)` at the end of what `handle` has written, all of it. */
async function writeAll(handle: FileHandle, bytes: Uint8Array, length: number): Promise<void> {
  let offset = 0;
  while (offset < length) {
    const { bytesWritten } = await handle.write(bytes, offset, length - offset);
    offset += bytesWritten;
  }
}

/**
 * `text` in pieces of at most WRITE_BATCH_CHARS code units, never splitting a surrogate pair, so
 * a large whole string (results.sarif, verdict.json) goes through the same bounded buffer.
 */
function* pieces(text: string): Generator<string, void, undefined> {
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + WRITE_BATCH_CHARS, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    yield text.slice(start, end);
    start = end;
  }
}

/**
 * Writes a report file (UTF-8) through two reused buffers of WRITE_BUFFER_BYTES: chunks are
 * encoded into one while the other is being written, so making the text (JSON.stringify of each
 * finding) and the disk overlap. At most one write is in flight and it is awaited before its
 * buffer is filled again (the disk's pace is the renderer's: backpressure), so whatever the
 * file's size no more than the two buffers and one chunk are in memory for it, and no buffer per
 * write is allocated (outside V8's heap, each would add to RSS and to GC pressure). A whole
 * string, or a chunk larger than a buffer, is written in pieces the same way; a chunk of bytes
 * (async content) is written as it is, after what is buffered.
 */
async function writeContent(path: string, content: ReportContent): Promise<void> {
  const handle = await open(path, 'w');
  let pending: Promise<void> | undefined;
  try {
    const buffers = [
      Buffer.allocUnsafe(WRITE_BUFFER_BYTES),
      Buffer.allocUnsafe(WRITE_BUFFER_BYTES),
    ];
    let current = 0;
    let used = 0;
    const flush = async (): Promise<void> => {
      if (pending) await pending;
      pending = writeAll(handle, buffers[current] as Buffer, used);
      current = 1 - current;
      used = 0;
    };
    /** Encodes a chunk larger than what is left of the buffer, flushing as it fills. */
    const encodeLarge = async (chunk: string): Promise<void> => {
      for (const piece of chunk.length > WRITE_BATCH_CHARS ? pieces(chunk) : [chunk]) {
        if (used + 3 * piece.length > WRITE_BUFFER_BYTES) await flush();
        used += (buffers[current] as Buffer).write(piece, used, 'utf8');
      }
    };
    if (isAsync(content)) {
      for await (const chunk of content) {
        if (typeof chunk === 'string') {
          await encodeLarge(chunk);
          continue;
        }
        if (used > 0) await flush();
        if (pending) await pending;
        pending = writeAll(handle, chunk, chunk.length);
      }
    } else {
      for (const chunk of typeof content === 'string' ? [content] : content) {
        // Most chunks fit what is left of the buffer: encoded here, without an await.
        if (used + 3 * chunk.length <= WRITE_BUFFER_BYTES) {
          used += (buffers[current] as Buffer).write(chunk, used, 'utf8');
        } else {
          await encodeLarge(chunk);
        }
      }
    }
    if (used > 0) await flush();
    await pending;
  } finally {
    // A renderer that failed mid-file leaves a write in flight: let it end before closing (its
    // own error, if any, is not the one to report).
    await pending?.catch(() => undefined);
    await handle.close();
  }
}

const nodeFs: ReportFs = {
  writeFile: writeContent,
  rename: (from, to) => rename(from, to),
};

/**
 * What makes a failed write the reports' fault rather than the disk's: an error thrown while a
 * chunked report was being made (a bug in its renderer), which is reported as itself, not as an
 * output-dir problem.
 */
class RenderFailure {
  constructor(readonly error: unknown) {}
}

/** The chunks of `content`, with an error thrown while making one marked as a RenderFailure. */
function* marked(content: Iterable<string>, failures: RenderFailure[]): Generator<string> {
  try {
    yield* content;
  } catch (error) {
    failures.push(new RenderFailure(error));
    throw error;
  }
}

/** `marked` for async content. */
async function* markedAsync<T>(content: AsyncIterable<T>, failures: RenderFailure[]) {
  try {
    yield* content;
  } catch (error) {
    failures.push(new RenderFailure(error));
    throw error;
  }
}

/** `content` with an error thrown while making it marked as a RenderFailure. */
function markedContent(content: ReportContent, failures: RenderFailure[]): ReportContent {
  if (typeof content === 'string') return content;
  return isAsync(content) ? markedAsync(content, failures) : marked(content, failures);
}

/** A file-system failure in a few words: `ENOTDIR: not a directory` (the path is said already). */
function fsReason(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && typeof message === 'string' && message.startsWith(`${code}:`)) {
    return message.split(',')[0] ?? code;
  }
  return errorMessage(error);
}

function outputDirError(message: string, error?: unknown): ConfigurationError {
  const detail = error === undefined ? '' : `: ${fsReason(error)}`;
  return new ConfigurationError(`output-dir: ${message}${detail}`, { cause: error });
}

/** What is at `path`: nothing, a regular file, or something else (a directory, a socket…). */
async function entryAt(path: string): Promise<'none' | 'file' | 'other'> {
  try {
    return (await lstat(path)).isFile() ? 'file' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw error;
  }
}

/**
 * Checks that the reports named can be written to `dir`, before anything else happens: the
 * directory exists or can be created, is a directory, can be written to, and none of the names
 * is taken by something other than a regular file (a directory named summary.md). The runner
 * calls it before the first AWS call, so a run that could not keep its reports never reads or
 * writes anything. Creates `dir` when missing.
 * @throws ConfigurationError naming the output-dir input and what is wrong.
 */
export async function checkReportDir(dir: string, names: readonly string[]): Promise<void> {
  let existing: Awaited<ReturnType<typeof stat>> | undefined;
  try {
    existing = await stat(dir);
  } catch (error) {
    // Missing, or a path through a file (ENOTDIR): mkdir below says which.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw outputDirError(`cannot use ${dir}`, error);
  }
  if (existing && !existing.isDirectory()) {
    throw outputDirError(
      `${dir} is ${existing.isFile() ? 'a file, not a directory' : 'not a directory'}: choose a directory for the reports`,
    );
  }
  if (!existing) {
    try {
      await makeDirectory(dir);
    } catch (error) {
      throw outputDirError(`cannot create ${dir}`, error);
    }
  }
  // Whether a directory can be written to is known only by writing (permissions, read-only
  // mounts, ACLs): create and remove the staging directory a set is written to.
  try {
    await rm(await mkdtemp(join(dir, STAGING_PREFIX)), { recursive: true, force: true });
  } catch (error) {
    throw outputDirError(`cannot write to ${dir}`, error);
  }
  for (const name of [...names, REPORT_SET_FILE]) {
    const path = join(dir, name);
    let entry: 'none' | 'file' | 'other';
    try {
      entry = await entryAt(path);
    } catch (error) {
      throw outputDirError(`cannot use ${path}`, error);
    }
    if (entry === 'other') {
      throw outputDirError(
        `${path} exists and is not a file, so the report ${name} cannot be written there: move it away or choose another output-dir`,
      );
    }
  }
}

/** The files of the set last published in `dir` (from its REPORT_SET_FILE), plain names only. */
async function previousSet(dir: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(dir, REPORT_SET_FILE), 'utf8');
  } catch {
    return [];
  }
  try {
    const { files } = JSON.parse(text) as { files?: unknown };
    if (!Array.isArray(files)) return [];
    // Only names of files in this directory: the list is data on disk, not to be trusted with paths.
    return files.filter(
      (name): name is string =>
        typeof name === 'string' && /^[^/\\]+$/.test(name) && name !== '.' && name !== '..',
    );
  } catch {
    return [];
  }
}

/** Keeps `path`'s current content at `backup` without moving it (a hard link, or a copy). */
async function keep(path: string, backup: string): Promise<void> {
  try {
    await link(path, backup);
  } catch {
    await copyFile(path, backup);
  }
}

/**
 * Moves the staged files into `dir` and removes the previous set's files that the new set does
 * not have. Every file it replaces or removes is kept in `backup` first; on any failure the
 * files already moved are put back, so `dir` holds the old set or the new one, never a mix.
 */
async function publishSet(
  staging: string,
  dir: string,
  names: readonly string[],
  stale: readonly string[],
  io: ReportFs,
): Promise<void> {
  const backup = join(staging, '.previous');
  await mkdir(backup);
  const kept = new Set<string>();
  const published: string[] = [];
  const removed: string[] = [];
  try {
    for (const name of [...names, ...stale]) {
      if ((await entryAt(join(dir, name))) !== 'file') continue;
      await keep(join(dir, name), join(backup, name));
      kept.add(name);
    }
    for (const name of names) {
      await io.rename(join(staging, name), join(dir, name));
      published.push(name);
    }
    for (const name of stale) {
      if (!kept.has(name)) continue;
      await unlink(join(dir, name));
      removed.push(name);
    }
  } catch (error) {
    for (const name of [...published, ...removed]) {
      try {
        if (kept.has(name)) await rename(join(backup, name), join(dir, name));
        else await unlink(join(dir, name));
      } catch {
        // Best effort: the error below says the set could not be published.
      }
    }
    throw error;
  }
}

/**
 * Writes a set of report files to `dir` as a whole: every file is first written to a staging
 * directory inside `dir` (same file system, so moving is a rename), and only when all are
 * written are they moved in, replacing the previous set (its files that the new set lacks are
 * removed). On any failure (a name taken by a directory, a full disk, a permission) the previous
 * set is left exactly as it was and no temporary file remains. A file given as chunks is
 * written chunk by chunk (see ReportContent), never held whole. Returns the path of each file
 * by name.
 * @throws ConfigurationError naming output-dir; an error thrown while making a chunked file's
 *   chunks (a renderer's bug) is thrown as it is, after the same clean-up.
 */
export async function writeReportFiles(
  dir: string,
  files: Record<string, ReportContent>,
  io: ReportFs = nodeFs,
): Promise<Record<string, string>> {
  const names = Object.keys(files);
  await checkReportDir(dir, names);
  const stale = (await previousSet(dir)).filter(
    (name) => !names.includes(name) && name !== REPORT_SET_FILE,
  );
  let staging: string;
  try {
    staging = await mkdtemp(join(dir, STAGING_PREFIX));
  } catch (error) {
    throw outputDirError(`cannot write to ${dir}`, error);
  }
  try {
    const set = { ...files, [REPORT_SET_FILE]: jsonFile({ files: names }) };
    for (const [name, content] of Object.entries(set)) {
      const failures: RenderFailure[] = [];
      try {
        await io.writeFile(join(staging, name), markedContent(content, failures));
      } catch (error) {
        const failure = failures[0];
        if (failure) throw failure.error;
        throw outputDirError(
          `cannot write ${join(dir, name)} (the previous reports in ${dir} are left as they were)`,
          error,
        );
      }
    }
    try {
      await publishSet(staging, dir, Object.keys(set), stale, io);
    } catch (error) {
      throw outputDirError(
        `cannot publish the reports in ${dir} (the previous reports are left as they were)`,
        error,
      );
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return Object.fromEntries(names.map((name) => [name, join(dir, name)]));
}
