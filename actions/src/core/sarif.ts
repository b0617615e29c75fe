import { Buffer } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import { isAbsolute, posix, relative } from 'node:path';
import { VERSION as version } from './version';
import { safeUrl } from './escape';
import { exceptionMatches } from './exceptions';
import { severityRank, type Finding, type Severity } from './model';
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
  const blocking = new Set(verdict.blocking.map(keyOf));
  const excepted = new Map<string, AnyVerdict['excepted'][number]['exception']>();
  for (const entry of verdict.excepted) {
    const key = keyOf(entry);
    if (!excepted.has(key)) excepted.set(key, entry.exception);
  }
  return (finding) => {
    const key = keyOf({ id: finding.id, resource: finding.resource.id });
    const exception = excepted.get(key);
    if (exception && exceptionMatches(exception, finding)) {
      return {
        level: 'note',
        suppressedBecause: `${exception.reason} (owner ${exception.owner}, expires ${exception.expires})`,
      };
    }
    if (blocking.has(key)) return { level: 'error' };
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

function sarifLog(
  entries: readonly SarifEntry[],
  category: string,
  texts: (typeof TEXT_LIMITS)[keyof typeof TEXT_LIMITS],
  notes: readonly string[],
  properties: Record<string, unknown>,
  tagsPerRule: number,
): string {
  const rules = new Map<string, SarifRule>();
  for (const entry of entries) {
    if (rules.has(entry.ruleId)) continue;
    const score = entry.score ?? REPRESENTATIVE_SCORE[entry.severity];
    const helpUri = sarifHelpUri(entry.helpUri);
    rules.set(entry.ruleId, {
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
    });
  }
  const ruleIndex = new Map([...rules.keys()].map((id, index) => [id, index]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'assetguard',
            informationUri: 'https://github.com/assetguard/assetguard',
            semanticVersion: version,
            rules: [...rules.values()],
          },
        },
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
        results: entries.map((entry) => ({
          ruleId: entry.ruleId,
          ruleIndex: ruleIndex.get(entry.ruleId) ?? -1,
          level: entry.level,
          message: { text: entry.message },
          ...(entry.file !== undefined && {
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: pathUri(entry.file) },
                  region: { startLine: 1 },
                },
              },
            ],
          }),
          partialFingerprints: { 'assetguard/v1': entry.fingerprint },
          ...(entry.suppressedBecause !== undefined && {
            suppressions: [{ kind: 'external', justification: entry.suppressedBecause }],
          }),
        })),
      },
    ],
  };
  // Compact: read by code scanning, not people; indentation would be a third of the file.
  return `${JSON.stringify(log)}\n`;
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
  let ranked: number[] | undefined;
  /** The `count` most severe results (blocking first, then severity and score), in their order. */
  const keep = (count: number): SarifEntry[] => {
    if (count >= total) return Array.from({ length: total }, (_, index) => entryAt(index));
    if (ranked === undefined) {
      // Ranked once, by keys read once per result: the sort compares numbers, not entries.
      const level = new Uint8Array(total);
      const severity = new Uint8Array(total);
      const score = new Float64Array(total);
      for (let index = 0; index < total; index += 1) {
        const rank = source.rank(index);
        level[index] = rank.level === 'error' ? 0 : 1;
        severity[index] = severityRank(rank.severity);
        score[index] = rank.score ?? REPRESENTATIVE_SCORE[rank.severity];
      }
      ranked = Array.from({ length: total }, (_, index) => index).sort(
        (a, b) =>
          (level[a] as number) - (level[b] as number) ||
          (severity[a] as number) - (severity[b] as number) ||
          (score[b] as number) - (score[a] as number) ||
          a - b,
      );
    }
    return ranked
      .slice(0, count)
      .sort((a, b) => a - b)
      .map(entryAt);
  };
  // One rule per distinct ruleId, so ≤ rulesPerRun rules whenever ≤ rulesPerRun results are kept.
  let count = Math.min(total, limits.resultsPerRun, limits.rulesPerRun);
  let texts: (typeof TEXT_LIMITS)[keyof typeof TEXT_LIMITS] = TEXT_LIMITS.full;
  for (;;) {
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
    const text = sarifLog(kept, category, texts, notes, properties, limits.tagsPerRule);
    // A text under the limit uncompressed is under it compressed: gzip only what may be over.
    const fits =
      Buffer.byteLength(text) <= limits.gzipBytes ||
      gzipSync(text, { level: 1 }).length <= limits.gzipBytes;
    if (fits || count === 0) return text;
    if (texts === TEXT_LIMITS.full) texts = TEXT_LIMITS.brief;
    else count = Math.floor(count / 2);
  }
}
