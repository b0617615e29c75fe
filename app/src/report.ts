/**
 * The import format: the machine output of `assetguard report` (report.json, the DailyReport of
 * actions/src/report/model.ts). The portal checks every field it stores or shows and refuses the
 * whole file at the first problem, naming its JSON path; nothing of a refused file is stored.
 *
 * The report names resources through its open findings (ARN, type, tags); an optional top-level
 * `assets` array (the core Asset shape: arn, type, tags, ...) adds resources without findings, so
 * a report that carries the Config inventory fills the portal's inventory completely.
 */
import { createHash } from 'node:crypto';

/** Most severe first, as assetguard's core orders them. */
export const SEVERITIES = [
  'CRITICAL',
  'HIGH',
  'MEDIUM',
  'LOW',
  'INFORMATIONAL',
  'UNTRIAGED',
] as const;
export type Severity = (typeof SEVERITIES)[number];

export type SeverityCounts = Record<Severity, number> & { total: number };

/** An import that does not have the report's shape: the message starts with the JSON path. */
export class ReportShapeError extends Error {
  override name = 'ReportShapeError';
}

/** One open finding, as stored. */
export interface FindingRow {
  key: string;
  kind: 'cve' | 'cce';
  findingId: string;
  source: string;
  severity: Severity;
  title: string;
  resourceId: string;
  resourceType: string;
  owner?: string;
  /** The source's link (NVD, Security Hub remediation); untrusted, shown as a link only if http(s). */
  url?: string;
  fixAvailable?: string;
  firstSeen: string;
  ageDays: number;
  slaDays: number;
  overdue: boolean;
  isNew: boolean;
}

/** One resource of the inventory, as stored. */
export interface AssetRow {
  arn: string;
  type: string;
  region?: string;
  accountId?: string;
  name?: string;
  tags: Record<string, string>;
  /** Open findings naming it in this report. */
  openFindings: number;
}

/** One Config rule or Security Hub control with its pass/fail counts. */
export interface RuleRow {
  rule: string;
  title?: string;
  severity: Severity;
  compliant: number;
  noncompliant: number;
}

/** The report's own facts, as stored. */
export interface ReportSummary {
  title: string;
  generatedAt: string;
  previousAt?: string;
  region: string;
  accountId?: string;
  cceSource: 'config' | 'securityhub';
  counts: {
    open: SeverityCounts;
    cve: SeverityCounts;
    cce: SeverityCounts;
    new: number;
    fixed: number;
    overdue: number;
    excepted?: number;
  };
  rules: RuleRow[];
  warnings: string[];
}

/** A checked report, split into what the tables hold. */
export interface ParsedReport {
  summary: ReportSummary;
  findings: FindingRow[];
  assets: AssetRow[];
  /** sha256 hex of the bytes imported: importing the same file twice stores it once. */
  digest: string;
}

type Json = Record<string, unknown>;

/**
 * The deepest nesting a report may have. report.json itself goes 6 levels deep
 * (report.open[i].finding.resource.tags.KEY); the bound leaves room for fields the portal
 * ignores while stopping a `[[[…]]]` body before any recursive code walks it.
 */
export const MAX_DEPTH = 32;

/** How far `generatedAt` may be ahead of the portal's clock (runner clock skew), in ms. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** Longest excerpt of a refused value an error message shows, in UTF-16 code units. */
const EXCERPT_LENGTH = 80;

/**
 * A short, escaped description of `value` for an error message: a string is JSON-quoted
 * (control characters, NUL and lone surrogates escaped) and cut at EXCERPT_LENGTH; any other
 * value is named by its kind and size, never serialized (a deep or huge value would throw or
 * flood the message).
 */
function excerpt(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const cut = value.length > EXCERPT_LENGTH;
    return `${JSON.stringify(value.slice(0, EXCERPT_LENGTH))}${cut ? ` (first ${EXCERPT_LENGTH} of ${value.length} characters)` : ''}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (typeof value === 'object') return `an object with ${Object.keys(value).length} keys`;
  return typeof value;
}

/** `path` + `.key`, or `path["key"]` (escaped, cut) when the key is not a plain name. */
function member(path: string, key: string): string {
  return /^[A-Za-z_$][\w$-]{0,63}$/.test(key) ? `${path}.${key}` : `${path}[${excerpt(key)}]`;
}

function fail(path: string, expected: string, value: unknown): never {
  throw new ReportShapeError(`${path}: expected ${expected}, got ${excerpt(value)}`);
}

/**
 * Refuses a string PostgreSQL cannot hold: `text` and `jsonb` reject U+0000, and `jsonb` (and
 * the UTF-8 encoding a `text` parameter is sent in) has no form for a lone UTF-16 surrogate,
 * which JSON's `\ud800` escape produces. Every string the portal stores passes here.
 */
function storable(value: string, path: string): string {
  const nul = value.indexOf('\u0000');
  if (nul !== -1) {
    throw new ReportShapeError(
      `${path}: a NUL character (\\u0000) at position ${nul} cannot be stored, in ${excerpt(value)}`,
    );
  }
  // A high surrogate not followed by a low one, or a low one not preceded by a high one.
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(value);
  if (lone !== null) {
    throw new ReportShapeError(
      `${path}: an unpaired UTF-16 surrogate at position ${lone.index} cannot be stored, in ${excerpt(value)}`,
    );
  }
  return value;
}

/**
 * Refuses a document nested deeper than MAX_DEPTH, naming the path where it goes too deep.
 * Iterative (an explicit stack), so the walk itself cannot overflow the call stack.
 */
function boundDepth(document: unknown): void {
  interface Frame {
    value: unknown;
    depth: number;
    parent?: Frame;
    key?: string | number;
  }
  const pathOf = (frame: Frame): string => {
    const keys: (string | number)[] = [];
    for (let at: Frame | undefined = frame; at?.key !== undefined; at = at.parent) {
      keys.push(at.key);
    }
    return keys
      .reverse()
      .reduce<string>(
        (path, key) => (typeof key === 'number' ? `${path}[${key}]` : member(path, key)),
        'report',
      );
  };
  const stack: Frame[] = [{ value: document, depth: 0 }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { value, depth } = frame;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) {
      throw new ReportShapeError(
        `${pathOf(frame)}: nested deeper than ${MAX_DEPTH} levels (got ${excerpt(value)})`,
      );
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (typeof item === 'object' && item !== null)
          stack.push({ value: item, depth: depth + 1, parent: frame, key: index });
      });
    } else {
      for (const [key, item] of Object.entries(value)) {
        if (typeof item === 'object' && item !== null)
          stack.push({ value: item, depth: depth + 1, parent: frame, key });
      }
    }
  }
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(path, 'an object', value);
  return value as Json;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, 'an array', value);
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') fail(path, 'a non-empty string', value);
  return storable(value, path);
}

function optionalText(value: unknown, path: string): string | undefined {
  return value === undefined ? undefined : text(value, path);
}

function count(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    fail(path, 'a whole number ≥ 0', value);
  return value;
}

function integer(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(path, 'a whole number', value);
  return value;
}

function flag(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, 'true or false', value);
  return value;
}

function timestamp(value: unknown, path: string): string {
  // ISO 8601 with a time and a zone, as the report writes (toISOString).
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    fail(path, 'an ISO 8601 time like 2026-01-31T06:00:00.000Z', value);
  }
  return new Date(value).toISOString();
}

function severity(value: unknown, path: string): Severity {
  if (typeof value !== 'string' || !(SEVERITIES as readonly string[]).includes(value)) {
    fail(path, `one of ${SEVERITIES.join(', ')}`, value);
  }
  return value as Severity;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(path, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

function severityCounts(value: unknown, path: string): SeverityCounts {
  const counts = object(value, path);
  const result = { total: count(counts.total, `${path}.total`) } as SeverityCounts;
  let sum = 0;
  for (const level of SEVERITIES) {
    result[level] = count(counts[level], `${path}.${level}`);
    sum += result[level];
  }
  if (sum !== result.total) {
    throw new ReportShapeError(
      `${path}.total: ${result.total} is not the sum of its severities (${sum})`,
    );
  }
  return result;
}

function tagSet(value: unknown, path: string): Record<string, string> {
  if (value === undefined) return {};
  const tags = object(value, path);
  const result: Record<string, string> = {};
  for (const [key, tagValue] of Object.entries(tags)) {
    // AWS tag values may be empty strings; keys may not.
    if (key === '') fail(path, 'tag keys that are not empty', key);
    storable(key, `${member(path, key)} (the tag key)`);
    const valuePath = member(path, key);
    if (typeof tagValue !== 'string') fail(valuePath, 'a string tag value', tagValue);
    result[key] = storable(tagValue, valuePath);
  }
  return result;
}

function findingRow(
  value: unknown,
  path: string,
): { row: FindingRow; asset: Omit<AssetRow, 'openFindings'> } {
  const item = object(value, path);
  const finding = object(item.finding, `${path}.finding`);
  const resource = object(finding.resource, `${path}.finding.resource`);
  const owner = optionalText(item.owner, `${path}.owner`);
  const url = optionalText(finding.url, `${path}.finding.url`);
  const fixAvailable =
    finding.fixAvailable === undefined
      ? undefined
      : oneOf(finding.fixAvailable, ['yes', 'no', 'partial'], `${path}.finding.fixAvailable`);
  const row: FindingRow = {
    key: text(item.key, `${path}.key`),
    kind: oneOf(item.kind, ['cve', 'cce'], `${path}.kind`),
    findingId: text(finding.id, `${path}.finding.id`),
    source: oneOf(
      finding.source,
      ['inspector2', 'config', 'securityhub', 'fleet'],
      `${path}.finding.source`,
    ),
    severity: severity(finding.severity, `${path}.finding.severity`),
    title: text(finding.title, `${path}.finding.title`),
    resourceId: text(resource.id, `${path}.finding.resource.id`),
    resourceType: text(resource.type, `${path}.finding.resource.type`),
    ...(owner === undefined ? {} : { owner }),
    ...(url === undefined ? {} : { url }),
    ...(fixAvailable === undefined ? {} : { fixAvailable }),
    firstSeen: timestamp(item.firstSeen, `${path}.firstSeen`),
    ageDays: count(item.ageDays, `${path}.ageDays`),
    slaDays: count(item.slaDays, `${path}.slaDays`),
    overdue: flag(item.overdue, `${path}.overdue`),
    isNew: flag(item.isNew, `${path}.isNew`),
  };
  // dueInDays is checked for shape only: the portal shows age against SLA instead.
  integer(item.dueInDays, `${path}.dueInDays`);
  const region = optionalText(resource.region, `${path}.finding.resource.region`);
  const accountId = optionalText(resource.accountId, `${path}.finding.resource.accountId`);
  return {
    row,
    asset: {
      arn: row.resourceId,
      type: row.resourceType,
      ...(region === undefined ? {} : { region }),
      ...(accountId === undefined ? {} : { accountId }),
      tags: tagSet(resource.tags, `${path}.finding.resource.tags`),
    },
  };
}

function assetEntry(value: unknown, path: string): Omit<AssetRow, 'openFindings'> {
  const asset = object(value, path);
  const region = optionalText(asset.region, `${path}.region`);
  const accountId = optionalText(asset.accountId, `${path}.accountId`);
  const name = optionalText(asset.name, `${path}.name`);
  return {
    arn: text(asset.arn, `${path}.arn`),
    type: text(asset.type, `${path}.type`),
    ...(region === undefined ? {} : { region }),
    ...(accountId === undefined ? {} : { accountId }),
    ...(name === undefined ? {} : { name }),
    tags: tagSet(asset.tags, `${path}.tags`),
  };
}

function ruleRow(value: unknown, path: string): RuleRow {
  const rule = object(value, path);
  const title = optionalText(rule.title, `${path}.title`);
  return {
    rule: text(rule.rule, `${path}.rule`),
    ...(title === undefined ? {} : { title }),
    severity: severity(rule.severity, `${path}.severity`),
    compliant: count(rule.compliant, `${path}.compliant`),
    noncompliant: count(rule.noncompliant, `${path}.noncompliant`),
  };
}

/** What parseReport compares against. */
export interface ParseOptions {
  /** The portal's clock (default `Date.now`), in ms since the epoch; tests fix it. */
  now?: () => number;
}

/**
 * Parses and checks one report.json.
 * @param bytes the file or request body, UTF-8 JSON.
 * @throws ReportShapeError naming the JSON path of the first problem (not JSON, nested deeper
 *   than MAX_DEPTH, a missing or mistyped field, a string PostgreSQL cannot store (NUL, a lone
 *   surrogate), a `generatedAt` more than FUTURE_TOLERANCE_MS ahead of `now`, counts that
 *   disagree with the findings listed, a finding key listed twice). Messages show at most a
 *   short escaped excerpt of the refused value.
 */
export function parseReport(bytes: Buffer | string, options: ParseOptions = {}): ParsedReport {
  const source = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  let document: unknown;
  try {
    document = JSON.parse(source);
  } catch (error) {
    throw new ReportShapeError(`report is not JSON: ${(error as Error).message}`);
  }
  // Before anything recursive (or a message) touches the value.
  boundDepth(document);
  const report = object(document, 'report');
  if (report.format !== undefined || report.verdict !== undefined) {
    // The two files beside report.json that people pick up by mistake.
    throw new ReportShapeError(
      'report: this is evidence.json or verdict.json; import report.json from the report directory',
    );
  }
  const counts = object(report.counts, 'report.counts');
  const excepted =
    counts.excepted === undefined ? undefined : count(counts.excepted, 'report.counts.excepted');
  const previousAt =
    report.previousAt === undefined ? undefined : timestamp(report.previousAt, 'report.previousAt');
  const accountId = optionalText(report.accountId, 'report.accountId');
  const generatedAt = timestamp(report.generatedAt, 'report.generatedAt');
  // The latest report is the newest generatedAt: a future one would stay "latest" for good and
  // zero the report-age metric. Five minutes absorbs clock skew between runner and portal.
  const now = (options.now ?? Date.now)();
  if (Date.parse(generatedAt) > now + FUTURE_TOLERANCE_MS) {
    throw new ReportShapeError(
      `report.generatedAt: ${generatedAt} is more than ${FUTURE_TOLERANCE_MS / 60_000} minutes after the portal's clock (${new Date(now).toISOString()})`,
    );
  }
  const summary: ReportSummary = {
    title: text(report.title, 'report.title'),
    generatedAt,
    ...(previousAt === undefined ? {} : { previousAt }),
    region: text(report.region, 'report.region'),
    ...(accountId === undefined ? {} : { accountId }),
    cceSource: oneOf(report.cceSource, ['config', 'securityhub'], 'report.cceSource'),
    counts: {
      open: severityCounts(counts.open, 'report.counts.open'),
      cve: severityCounts(counts.cve, 'report.counts.cve'),
      cce: severityCounts(counts.cce, 'report.counts.cce'),
      new: count(counts.new, 'report.counts.new'),
      fixed: count(counts.fixed, 'report.counts.fixed'),
      overdue: count(counts.overdue, 'report.counts.overdue'),
      ...(excepted === undefined ? {} : { excepted }),
    },
    rules: array(report.rules, 'report.rules').map((rule, index) =>
      ruleRow(rule, `report.rules[${index}]`),
    ),
    warnings: array(report.warnings, 'report.warnings').map((warning, index) =>
      text(warning, `report.warnings[${index}]`),
    ),
  };

  const findings: FindingRow[] = [];
  const assets = new Map<string, AssetRow>();
  const keys = new Set<string>();
  array(report.open, 'report.open').forEach((value, index) => {
    const path = `report.open[${index}]`;
    const { row, asset } = findingRow(value, path);
    if (keys.has(row.key))
      throw new ReportShapeError(`${path}.key: ${excerpt(row.key)} is listed twice`);
    keys.add(row.key);
    findings.push(row);
    const known = assets.get(asset.arn);
    if (known === undefined) assets.set(asset.arn, { ...asset, openFindings: 1 });
    else known.openFindings += 1;
  });
  if (report.assets !== undefined) {
    array(report.assets, 'report.assets').forEach((value, index) => {
      const asset = assetEntry(value, `report.assets[${index}]`);
      const known = assets.get(asset.arn);
      // The inventory's own record (Config + Tagging API) is fresher than a finding's copy.
      assets.set(asset.arn, { ...known, ...asset, openFindings: known?.openFindings ?? 0 });
    });
  }

  // The counts and the list come from one run: a mismatch means a truncated or edited file.
  const listed = findings.length;
  if (summary.counts.open.total !== listed) {
    throw new ReportShapeError(
      `report.counts.open.total: says ${summary.counts.open.total} open findings, report.open lists ${listed}`,
    );
  }
  for (const level of SEVERITIES) {
    const inList = findings.filter((finding) => finding.severity === level).length;
    if (summary.counts.open[level] !== inList) {
      throw new ReportShapeError(
        `report.counts.open.${level}: says ${summary.counts.open[level]}, report.open lists ${inList}`,
      );
    }
  }

  return {
    summary,
    findings,
    assets: [...assets.values()],
    digest: createHash('sha256').update(source).digest('hex'),
  };
}
