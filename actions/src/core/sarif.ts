import { Buffer } from 'node:buffer';
import { createGzip, gzipSync } from 'node:zlib';
import { isAbsolute, posix, relative } from 'node:path';
import { VERSION as version } from './version';
import { safeUrl } from './escape';
import { exceptionMatches } from './exceptions';
import { SEVERITIES, severityRank, type Finding, type Severity } from './model';
import { BUILT_IN_POLICY_ORIGIN, NOT_LOADED_POLICY_ORIGIN } from './policy-origin';
import type { AnyVerdict } from './verdict';

/** One result to report, already decided: renderers never re-evaluate policy. */
export interface SarifEntry {
  ruleId: string;
  title: string;
  description?: string;
  /** Where to read more; only an http(s) URL is kept (`safeUrl`). */
  helpUri?: string;
  severity: Severity;
  /** 0..10; when absent a representative score for the severity is used. */
  score?: number;
  level: 'error' | 'warning' | 'note';
  message: string;
  /**
   * The repository-relative path of an existing file the alert is shown on (`sarifLocation`), or
   * undefined when there is none: the result then has no location, and the run says why.
   */
  file?: string;
  /** Set for findings an exception covers: GitHub shows them as dismissed, not open. */
  suppressedBecause?: string;
  fingerprint: string;
  tags?: string[];
}

/** How code scanning shows one result, decided from the verdict alone. */
export type SarifDecision = Pick<SarifEntry, 'level' | 'suppressedBecause'>;

/**
 * The SARIF level rule every gate uses, read off its verdict: a result an exception covers is a
 * suppressed `note`; a blocking one is an `error`; a MEDIUM one a `warning`; anything else a
 * `note`. `keyOf` says which verdict entry is about which finding (the image gate: by id; the
 * compliance gate: by id and resource); it is applied to the verdict's entries and to
 * `{ id, resource: finding.resource.id }`. Lookups are by key, so this stays linear in the
 * number of findings (the bench renders 100k).
 */
export function sarifDecisions(
  verdict: AnyVerdict,
  keyOf: (entry: { id: string; resource: string }) => string,
): (finding: Finding) => SarifDecision {
  // One lookup per finding: what the verdict says of its key (blocking, excepted, or both).
  const known = new Map<
    string,
    { blocking: boolean; exception?: AnyVerdict['excepted'][number]['exception'] }
  >();
  for (const entry of verdict.blocking) known.set(keyOf(entry), { blocking: true });
  for (const entry of verdict.excepted) {
    const key = keyOf(entry);
    const facts = known.get(key);
    if (facts === undefined) known.set(key, { blocking: false, exception: entry.exception });
    else facts.exception ??= entry.exception;
  }
  return (finding) => {
    const facts = known.get(keyOf({ id: finding.id, resource: finding.resource.id }));
    const exception = facts?.exception;
    if (exception && exceptionMatches(exception, finding)) {
      return {
        level: 'note',
        suppressedBecause: `${exception.reason} (owner ${exception.owner}, expires ${exception.expires})`,
      };
    }
    if (facts?.blocking) return { level: 'error' };
    return { level: finding.severity === 'MEDIUM' ? 'warning' : 'note' };
  };
}

/**
 * The file an alert can be shown on, repository-relative, or undefined when there is none.
 * Image findings have no source line, and compliance results none in the repository: the place
 * a fix or an exception lands is the policy file, so that is where alerts go when the policy was
 * loaded from a file inside the workspace. With the built-in default (no file) the workflow file
 * that ran the gate is used (`GITHUB_WORKFLOW_REF`, when it is in this repository); otherwise
 * there is no file to point at. A file that may not exist (a `Dockerfile`, the default policy
 * path) is never named. `env` is the process environment (GITHUB_WORKSPACE, the workflow ref).
 */
export function sarifLocation(
  policyOrigin: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  if (policyOrigin !== BUILT_IN_POLICY_ORIGIN && policyOrigin !== NOT_LOADED_POLICY_ORIGIN) {
    const inside = workspacePath(policyOrigin, env.GITHUB_WORKSPACE ?? process.cwd());
    if (inside !== undefined) return inside;
  }
  const { GITHUB_WORKFLOW_REF: ref, GITHUB_REPOSITORY: repository } = env;
  if (ref && repository && ref.startsWith(`${repository}/`)) {
    const at = ref.lastIndexOf('@');
    const path = ref.slice(repository.length + 1, at < 0 ? undefined : at);
    if (path !== '') return path;
  }
  return undefined;
}

/** `file` relative to `workspace` with `/` separators, or undefined when it lies outside. */
function workspacePath(file: string, workspace: string): string | undefined {
  const relativePath = isAbsolute(file) ? relative(workspace, file) : file;
  const normalized = posix.normalize(relativePath.replace(/\\/g, '/'));
  if (normalized === '.' || normalized.startsWith('../') || normalized === '..') return undefined;
  if (isAbsolute(normalized) || /^[A-Za-z]:/.test(normalized)) return undefined;
  return normalized.replace(/^\.\//, '');
}

/** A repository-relative path as a SARIF uri-reference: each segment percent-encoded. */
export function pathUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Characters RFC 3986 allows in a URI (reserved and unreserved), besides `%` escapes. */
const URI_CHARACTERS = /[A-Za-z0-9\-._~:/?#@!$&'()*+,;=]/;
/** A path, query and fragment of URI_CHARACTERS and well-formed `%` escapes only. */
const VALID_URI_REST = /^(?:[A-Za-z0-9\-._~:/?#@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;

/**
 * An http(s) URL as an RFC 3986 URI, or undefined for any other URL (`safeUrl`): what WHATWG
 * serialization leaves that RFC 3986 refuses (`|`, `^`, `[`/`]` after the host, a stray `%`…)
 * is percent-encoded. SARIF's `helpUri` must be a valid URI, and GitHub refuses a file with an
 * invalid one.
 */
export function sarifHelpUri(url: string | undefined): string | undefined {
  const href = safeUrl(url);
  if (href === undefined) return undefined;
  const pathStart = href.indexOf('/', href.indexOf('//') + 2);
  const rest = href.slice(pathStart);
  // Most links (NVD, GHSA) are valid as they are: one test instead of one per character.
  if (VALID_URI_REST.test(rest)) return href;
  let encoded = '';
  for (let index = 0; index < rest.length; index += 1) {
    const char = rest[index] ?? '';
    if (char === '%' && /^[0-9A-Fa-f]{2}$/.test(rest.slice(index + 1, index + 3))) encoded += char;
    else if (char !== '%' && URI_CHARACTERS.test(char)) encoded += char;
    else {
      const codePoint = rest.codePointAt(index) ?? 0;
      const whole = String.fromCodePoint(codePoint);
      encoded += encodeURIComponent(whole);
      index += whole.length - 1;
    }
  }
  return href.slice(0, pathStart) + encoded;
}

/** GitHub maps security-severity to its labels: ≥9 critical, ≥7 high, ≥4 medium, >0 low. */
const REPRESENTATIVE_SCORE: Record<Severity, number> = {
  CRITICAL: 9.5,
  HIGH: 8.0,
  MEDIUM: 5.5,
  LOW: 2.0,
  INFORMATIONAL: 0.0,
  UNTRIAGED: 5.0,
};

/**
 * What GitHub code scanning accepts ("SARIF support for code scanning", "SARIF results exceed
 * limit", "SARIF file is too large"): at most 25,000 results and 25,000 rules per run, 20 tags
 * per rule, and an upload of at most 10 MB gzip-compressed. A file over any of them is refused
 * whole, so every results.sarif assetguard writes stays within them.
 */
export const SARIF_LIMITS = {
  resultsPerRun: 25_000,
  rulesPerRun: 25_000,
  tagsPerRule: 20,
  /** Under GitHub's 10 MB, measured at gzip level 1 (larger than what an uploader sends). */
  gzipBytes: 9 * 1024 * 1024,
};

export type SarifLimits = typeof SARIF_LIMITS;

/** Rule texts, shortened when the whole file must shrink to fit SARIF_LIMITS.gzipBytes. */
const TEXT_LIMITS = {
  full: { short: 1000, full: 4000 },
  brief: { short: 200, full: 200 },
} as const;

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri?: string;
  help: { text: string };
  properties: { 'security-severity': string; tags: string[] };
}

/** What a result is ranked by when a run must be cut: blocking first, then severity, then score. */
export type SarifRank = Pick<SarifEntry, 'level' | 'severity' | 'score'>;

/**
 * A gate's results for `toSarif` without building them all: `total` results, what ranks result
 * `index` (cheap: no strings), and the result itself, built only for those the run keeps. At
 * 100,000 findings a run keeps 25,000, so three quarters of the messages and fingerprints are
 * never made (they were 70 MB of heap at that size). `entry` may be called more than once for
 * an index and must give equal entries.
 */
export interface SarifSource {
  total: number;
  rank(index: number): SarifRank;
  entry(index: number): SarifEntry;
}

/** An array of results as a SarifSource. */
export function sarifSourceOf(entries: readonly SarifEntry[]): SarifSource {
  const at = (index: number): SarifEntry => entries[index] as SarifEntry;
  return { total: entries.length, rank: at, entry: at };
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Results and rules made into objects and stringified together: one JSON.stringify per 64 is
 * about as fast as one for the whole log, and the objects die young (stringifying a 16 MB log
 * built whole kept 200,000 objects alive through several scavenges).
 */
const LOG_BATCH = 64;

/** `items` as the elements of a JSON array (no brackets), `make` applied to each, a batch a chunk. */
function* jsonElements<T>(
  items: readonly T[],
  make: (item: T) => unknown,
): Generator<string, void, undefined> {
  for (let start = 0; start < items.length; start += LOG_BATCH) {
    const batch = items.slice(start, start + LOG_BATCH).map(make);
    // The comma apart: the batch's text is encoded as JSON.stringify made it, never copied whole.
    if (start > 0) yield ',';
    yield JSON.stringify(batch).slice(1, -1);
  }
}

/**
 * The SARIF log's text in chunks: joined, byte for byte `JSON.stringify` of the log object
 * (compact: read by code scanning, not people; indentation would be a third of the file), then a
 * newline. The log is stringified without its `rules` and `results` (the last keys of the driver
 * and of the run), and their elements are put in, a batch (LOG_BATCH) a chunk, made as the
 * chunks are read.
 */
function sarifLog(
  entries: readonly SarifEntry[],
  category: string,
  texts: (typeof TEXT_LIMITS)[keyof typeof TEXT_LIMITS],
  notes: readonly string[],
  properties: Record<string, unknown>,
  tagsPerRule: number,
): Iterable<string> {
  // Each rule from the first result of its id, in order of first appearance.
  const ruleIndex = new Map<string, number>();
  const firsts: SarifEntry[] = [];
  for (const entry of entries) {
    if (ruleIndex.has(entry.ruleId)) continue;
    ruleIndex.set(entry.ruleId, firsts.length);
    firsts.push(entry);
  }
  const rule = (entry: SarifEntry): SarifRule => {
    const score = entry.score ?? REPRESENTATIVE_SCORE[entry.severity];
    const helpUri = sarifHelpUri(entry.helpUri);
    return {
      id: entry.ruleId,
      name: entry.ruleId.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text: cut(entry.title, texts.short) },
      fullDescription: { text: cut(entry.description ?? entry.title, texts.full) },
      ...(helpUri !== undefined && { helpUri }),
      help: {
        text: helpUri
          ? `${cut(entry.title, texts.short)}\n\nMore: ${helpUri}`
          : cut(entry.title, texts.short),
      },
      properties: {
        'security-severity': score.toFixed(1),
        tags: ['security', ...(entry.tags ?? [])].slice(0, tagsPerRule),
      },
    };
  };
  // Results of a gate share one file: its URI is encoded once.
  let lastFile: string | undefined;
  let lastUri = '';
  const uriOf = (file: string): string => {
    if (file !== lastFile) {
      lastFile = file;
      lastUri = pathUri(file);
    }
    return lastUri;
  };
  const result = (entry: SarifEntry) => ({
    ruleId: entry.ruleId,
    ruleIndex: ruleIndex.get(entry.ruleId) ?? -1,
    level: entry.level,
    message: { text: entry.message },
    ...(entry.file !== undefined && {
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uriOf(entry.file) },
            region: { startLine: 1 },
          },
        },
      ],
    }),
    partialFingerprints: { 'assetguard/v1': entry.fingerprint },
    ...(entry.suppressedBecause !== undefined && {
      suppressions: [{ kind: 'external', justification: entry.suppressedBecause }],
    }),
  });
  // `{…"runs":[{"tool":{"driver":{…,"rules":[]}}}]}`: cut after the rules' `[`.
  const head = JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'assetguard',
            informationUri: 'https://github.com/assetguard/assetguard',
            semanticVersion: version,
            rules: [],
          },
        },
      },
    ],
  }).slice(0, -']}}}]}'.length);
  // `{"automationDetails":…,"results":[]}`: the run's other keys, cut after the results' `[`.
  const rest = JSON.stringify({
    automationDetails: { id: `${category}/` },
    ...(notes.length > 0 && {
      invocations: [
        {
          executionSuccessful: true,
          toolExecutionNotifications: notes.map((text) => ({
            level: 'warning',
            message: { text },
          })),
        },
      ],
    }),
    ...(Object.keys(properties).length > 0 && { properties }),
    results: [],
  }).slice(1, -']}'.length);
  return (function* chunks() {
    yield head;
    yield* jsonElements(firsts, rule);
    yield ']}},';
    yield rest;
    yield* jsonElements(entries, result);
    yield ']}]}\n';
  })();
}

/** Severities in `severityRank` order, then any other value (after them all). */
const SEVERITY_GROUPS = SEVERITIES.length + 1;

/**
 * The indices of `source`'s results in the order a run keeps them: blocking (`error`) first, then
 * by severity (CRITICAL first), then by score (highest first; a missing score is its severity's
 * representative one), then by index. Each result's place in that order is one integer, its
 * (level, severity) group, then its score's place among the distinct scores, then its index,
 * so the whole is a native numeric sort of a Float64Array (exact below 2^53, i.e. for fewer
 * than ~25 million results; more are sorted with a comparator): at 100,000 results that is a
 * few ms where a comparator over the three keys took ~100 ms. `exactBelow` is where keys stop
 * being exact (tests lower it to take the comparator's path).
 */
export function rankOrder(
  source: SarifSource,
  exactBelow: number = Number.MAX_SAFE_INTEGER,
): Uint32Array {
  const { total } = source;
  const group = new Uint8Array(total);
  const score = new Float64Array(total);
  for (let index = 0; index < total; index += 1) {
    const rank = source.rank(index);
    const severity = severityRank(rank.severity);
    group[index] =
      (rank.level === 'error' ? 0 : SEVERITY_GROUPS) +
      (severity < 0 ? SEVERITIES.length : severity);
    score[index] = rank.score ?? REPRESENTATIVE_SCORE[rank.severity];
  }
  // Distinct scores, highest first, and each one's place among them.
  const distinct = Float64Array.from(new Set(score)).sort().reverse();
  const place = new Map<number, number>();
  distinct.forEach((value, at) => place.set(value, at));
  const scoreOf = (index: number): number => place.get(score[index] as number) ?? 0;
  const order = new Uint32Array(total);
  if (2 * SEVERITY_GROUPS * distinct.length * total > exactBelow) {
    for (let index = 0; index < total; index += 1) order[index] = index;
    return order.sort(
      (a, b) => (group[a] as number) - (group[b] as number) || scoreOf(a) - scoreOf(b) || a - b,
    );
  }
  const keys = new Float64Array(total);
  for (let index = 0; index < total; index += 1) {
    keys[index] = ((group[index] as number) * distinct.length + scoreOf(index)) * total + index;
  }
  keys.sort();
  for (let at = 0; at < total; at += 1) order[at] = (keys[at] as number) % total;
  return order;
}

/** What `sarifResults` kept of a gate's results, for the summary to say. */
export interface SarifCut {
  total: number;
  kept: number;
}

/**
 * How many of `total` results a run keeps: all up to SARIF_LIMITS.resultsPerRun. The summary
 * uses it to say what results.sarif left out, from the same rule `toSarif` applies first (the
 * file-size limit can cut further; the file's own notifications then say so).
 */
export function sarifCut(total: number): SarifCut | undefined {
  return total > SARIF_LIMITS.resultsPerRun
    ? { total, kept: SARIF_LIMITS.resultsPerRun }
    : undefined;
}

/**
 * Renders results as SARIF 2.1.0 for GitHub code scanning: one run, one rule per distinct id, and
 * always a file GitHub accepts (SARIF_LIMITS). Over 25,000 results, the most severe are kept
 * (blocking first, then by severity and score); over the size limit, rule texts are shortened
 * and then results halved, most severe kept. What was cut, and why, is in the run's
 * `invocations[0].toolExecutionNotifications` and `properties["assetguard/cut"]`; results
 * without a file (`SarifEntry.file`) get no location, and a notification says so. `results` is
 * an array, or a SarifSource whose entries are built only for the results kept. The text is
 * compact JSON ending with a newline, at most ~25,000 results whatever the number given.
 */
export function toSarif(
  results: readonly SarifEntry[] | SarifSource,
  category: string,
  limits: SarifLimits = SARIF_LIMITS,
): string {
  const attempts = sarifAttempts(results, category, limits);
  for (;;) {
    const text = [...attempts.render()].join('');
    // A text under the limit uncompressed is under it compressed: gzip only what may be over.
    // A UTF-16 code unit takes at least one byte in UTF-8, so a text longer (in code units) than
    // the limit is over it uncompressed without counting its bytes.
    const fits =
      (text.length <= limits.gzipBytes && Buffer.byteLength(text) <= limits.gzipBytes) ||
      gzipSync(text, { level: 1 }).length <= limits.gzipBytes;
    if (fits || !attempts.shrink()) return text;
  }
}

/** Bytes of UTF-8 per buffer `utf8Buffers` fills. */
const BYTES_PER_BUFFER = 1024 * 1024;

/**
 * `chunks` encoded as UTF-8 into buffers of BYTES_PER_BUFFER (the last one shorter), each chunk
 * as soon as it is made, so no chunk outlives its encoding and the whole text never exists as one
 * string. A surrogate pair is never split (TextEncoder.encodeInto stops before it).
 */
function utf8Buffers(chunks: Iterable<string>): Buffer[] {
  const encoder = new TextEncoder();
  const buffers: Buffer[] = [];
  let buffer = Buffer.allocUnsafe(BYTES_PER_BUFFER);
  let used = 0;
  for (const chunk of chunks) {
    let rest = chunk;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, buffer.subarray(used));
      used += written;
      if (read === rest.length) break;
      rest = rest.slice(read);
      buffers.push(buffer.subarray(0, used));
      buffer = Buffer.allocUnsafe(BYTES_PER_BUFFER);
      used = 0;
    }
  }
  if (used > 0) buffers.push(buffer.subarray(0, used));
  return buffers;
}

/** The size of `buffers` gzip-compressed (level 1), compressed in libuv's thread pool. */
function gzipSize(buffers: readonly Uint8Array[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const zip = createGzip({ level: 1 });
    let size = 0;
    zip.on('data', (data: Buffer) => {
      size += data.length;
    });
    zip.on('end', () => {
      resolve(size);
    });
    zip.on('error', reject);
    for (const buffer of buffers) zip.write(buffer);
    zip.end();
  });
}

/** Whether `buffers` fit `limits.gzipBytes`: as they are, else compressed. */
async function fitsCompressed(buffers: readonly Uint8Array[], limits: SarifLimits) {
  const bytes = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
  return bytes <= limits.gzipBytes || (await gzipSize(buffers)) <= limits.gzipBytes;
}

/**
 * results.sarif as a report file for core/report-files `writeReportFiles`: the same bytes as
 * `toSarif` (the same cuts, decided by the same level-1 gzip size), with the size check off the
 * main thread. The file is rendered now, straight into UTF-8 buffers (never one string); its
 * compression (~50 ms at 16 MB) runs in libuv's thread pool while the caller goes on (writing
 * verdict.json and summary.md, which come before it in the set), and the content, read when its
 * file is written, waits for the answer: the buffers as rendered when they fit
 * SARIF_LIMITS.gzipBytes, else the next cut, checked in turn. Read once.
 * @throws what zlib throws, when the content is read.
 */
export function sarifReport(
  results: readonly SarifEntry[] | SarifSource,
  category: string,
  limits: SarifLimits = SARIF_LIMITS,
): AsyncIterable<Uint8Array> {
  const attempts = sarifAttempts(results, category, limits);
  const first = utf8Buffers(attempts.render());
  const fits = fitsCompressed(first, limits);
  // Read when the file is written; a set that fails before then never reads it.
  fits.catch(() => undefined);
  return {
    async *[Symbol.asyncIterator]() {
      let buffers = first;
      let ok = await fits;
      // Past GitHub's limit (a run with very long texts): the cuts, checked as toSarif does.
      while (!ok && attempts.shrink()) {
        buffers = utf8Buffers(attempts.render());
        ok = await fitsCompressed(buffers, limits);
      }
      yield* buffers;
    },
  };
}

/**
 * The successive files `toSarif` tries: `render` gives the current one's text (in chunks, made
 * as they are read), `shrink` moves to the next (rule texts shortened first, then results
 * halved, most severe kept) and says false when there is none (no result left).
 */
function sarifAttempts(
  results: readonly SarifEntry[] | SarifSource,
  category: string,
  limits: SarifLimits,
): { render(): Iterable<string>; shrink(): boolean } {
  const source = Array.isArray(results)
    ? sarifSourceOf(results as readonly SarifEntry[])
    : (results as SarifSource);
  const { total } = source;
  const built = new Map<number, SarifEntry>();
  const entryAt = (index: number): SarifEntry => {
    let entry = built.get(index);
    if (entry === undefined) {
      entry = source.entry(index);
      built.set(index, entry);
    }
    return entry;
  };
  let ranked: Uint32Array | undefined;
  /** The `count` most severe results (blocking first, then severity and score), in their order. */
  const keep = (count: number): SarifEntry[] => {
    if (count >= total) return Array.from({ length: total }, (_, index) => entryAt(index));
    ranked ??= rankOrder(source);
    return Array.from(Uint32Array.from(ranked.subarray(0, count)).sort(), entryAt);
  };
  // One rule per distinct ruleId, so ≤ rulesPerRun rules whenever ≤ rulesPerRun results are kept.
  let count = Math.min(total, limits.resultsPerRun, limits.rulesPerRun);
  let texts: (typeof TEXT_LIMITS)[keyof typeof TEXT_LIMITS] = TEXT_LIMITS.full;
  const render = (): Iterable<string> => {
    const kept = keep(count);
    const notes: string[] = [];
    if (count < total) {
      notes.push(
        `results.sarif holds the ${count} most severe of ${total} results (blocking first): GitHub code scanning accepts at most ${limits.resultsPerRun} results per run and a 10 MB compressed file. verdict.json and evidence.json have every result.`,
      );
    }
    if (texts === TEXT_LIMITS.brief) {
      notes.push(
        "Rule descriptions are shortened to fit GitHub code scanning's file-size limit; evidence.json has them in full.",
      );
    }
    const unlocated = kept.filter((entry) => entry.file === undefined).length;
    if (unlocated > 0) {
      notes.push(
        `${unlocated} result(s) have no location: no policy file was loaded and no workflow file is known. GitHub code scanning shows only results with a location; keep a policy file (.github/assetguard.yml) in the repository.`,
      );
    }
    const properties =
      count < total || texts === TEXT_LIMITS.brief
        ? {
            'assetguard/cut': {
              results: total,
              kept: count,
              shortenedTexts: texts === TEXT_LIMITS.brief,
            },
          }
        : {};
    return sarifLog(kept, category, texts, notes, properties, limits.tagsPerRule);
  };
  const shrink = (): boolean => {
    if (count === 0) return false;
    if (texts === TEXT_LIMITS.full) texts = TEXT_LIMITS.brief;
    else count = Math.floor(count / 2);
    return true;
  };
  return { render, shrink };
}
