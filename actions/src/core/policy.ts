import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigurationError } from './errors';
import { DEFAULT_POLICY_PATH } from './inputs';
import { BUILT_IN_POLICY_ORIGIN } from './policy-origin';
import type { Severity } from './model';
import {
  DEFAULT_RESOURCE_TYPES,
  DEFAULT_TAG_PARAMETER,
  MAX_TAGS_PER_RESOURCE,
  tagKeyProblem,
  tagValueProblem,
  type DeriveRule,
  type TagPolicy,
} from './tag-policy';
import policyValidator from './validators/policy';

// Declared with the inputs (core/inputs), which the input parsers load without this module.
export { DEFAULT_POLICY_PATH };

// In a module of their own (core/policy-origin), which the renderers load without this one.
export { BUILT_IN_POLICY_ORIGIN, NOT_LOADED_POLICY_ORIGIN } from './policy-origin';

/**
 * The largest policy accepted, in bytes. A real policy is a few KiB; parsing is superlinear in
 * the YAML's size (a 50 MB file took 75 s and 3.8 GB), so anything this large is refused before
 * it is parsed, naming the file.
 */
export const MAX_POLICY_BYTES = 1024 * 1024;

export interface ExceptionScope {
  repository?: string;
  resource?: string;
  package?: string;
  tags?: Record<string, string>;
}

export interface PolicyException {
  id: string;
  scope?: ExceptionScope;
  reason: string;
  owner: string;
  /** YYYY-MM-DD, inclusive. */
  expires: string;
}

export interface Policy {
  version: 1;
  image: {
    failOn: Severity[];
    fixableOnly: boolean;
    alsoBlock: { epssAbove?: number; exploitAvailable?: boolean };
  };
  compliance: {
    failOn: Severity[];
    rules: { include: string[]; exclude: string[] };
    defaultSeverity: Severity;
    insufficientData: 'warn' | 'block';
  };
  tags?: TagPolicy;
  report: ReportPolicy;
  /** `assetguard remediate`'s part (`remediation:`); absent when the file has none. */
  remediation?: RemediationPolicy;
  exceptions: PolicyException[];
}

/**
 * An SSM Automation runbook the policy names for a rule (`remediation.documents[]`): used by
 * `assetguard remediate` for a rule the control mapping table has no safe AWS-owned runbook for,
 * or instead of the table's.
 */
export interface RemediationDocument {
  /** A Config rule name (any deployed form), a managed rule identifier or a control id. */
  rule: string;
  /** The runbook's name, or the ARN of one shared from another account. */
  document: string;
  /**
   * Parameter name → value. Values may hold the placeholders `{{resourceId}}` and
   * `{{automationAssumeRole}}` (core/controls); AutomationAssumeRole is always the latter.
   */
  parameters: Record<string, string>;
  /** What to watch for, shown with the plan. */
  traps: string[];
}

/** The policy's `remediation:` section. */
export interface RemediationPolicy {
  documents: RemediationDocument[];
}

/** The daily report's part of the policy (`report:`), with every default applied. */
export interface ReportPolicy {
  /** The report's title, and the title of the GitHub issue it keeps up to date. */
  title: string;
  /** Days a finding of each severity may stay open before it is overdue. */
  slaDays: Record<Severity, number>;
  /** The tag key naming a resource's owner. */
  ownerTag: string;
  /** A tag key: email goes per value of it (to `recipients[value]`), when set. */
  routeBy?: string;
  /** Email addresses per route-by value. */
  recipients: Record<string, string[]>;
  /**
   * Mail domains (`example.com`, or `*.example.com` for its subdomains) a route-by value that is
   * itself an address may be in to get its own part; empty (the default): no tag value is mailed
   * directly, only `recipients` entries, since anyone who may tag a resource chooses its value.
   */
  routeDomains: string[];
  /** The finding-alert Lambda's threshold: findings at or above it alert. */
  alertSeverity: Severity;
  /** Items per list in the summary, issue, Slack and email (the HTML, JSON and CSV hold all). */
  top: number;
}

/** The report's defaults: SLA days per severity as most vulnerability-management programmes start. */
export const DEFAULT_REPORT_POLICY: ReportPolicy = {
  title: 'assetguard daily security report',
  slaDays: { CRITICAL: 15, HIGH: 30, MEDIUM: 90, LOW: 180, INFORMATIONAL: 365, UNTRIAGED: 90 },
  ownerTag: 'Owner',
  recipients: {},
  routeDomains: [],
  alertSeverity: 'HIGH',
  top: 20,
};

/** The policy as loaded, with where it came from so evidence can reproduce it exactly. */
export interface LoadedPolicy {
  policy: Policy;
  /** File path, or BUILT_IN_POLICY_ORIGIN. */
  origin: string;
  text: string;
  sha256: string;
}

/** The embedded default: block ACTIVE CRITICAL and HIGH, no exceptions. */
export const DEFAULT_POLICY_TEXT = `# assetguard built-in default policy
version: 1
image:
  fail-on: [CRITICAL, HIGH]
  fixable-only: false
compliance:
  fail-on: [CRITICAL, HIGH]
exceptions: []
`;

interface RawPolicy {
  version: 1;
  image?: {
    'fail-on'?: Severity[];
    'fixable-only'?: boolean;
    'also-block'?: { 'epss-above'?: number; 'exploit-available'?: boolean };
  };
  compliance?: {
    'fail-on'?: Severity[];
    rules?: { include?: string[]; exclude?: string[] };
    'default-severity'?: Severity;
    'insufficient-data'?: 'warn' | 'block';
  };
  tags?: RawTagPolicy;
  report?: {
    title?: string;
    'sla-days'?: Partial<Record<Severity, number>>;
    'owner-tag'?: string;
    'route-by'?: string;
    recipients?: Record<string, string[]>;
    'route-domains'?: string[];
    'alert-severity'?: Severity;
    top?: number;
  };
  remediation?: {
    documents?: {
      rule: string;
      document: string;
      parameters: Record<string, string>;
      traps?: string[];
    }[];
  };
  exceptions?: PolicyException[];
}

interface RawTagRule {
  allowed?: string[];
  pattern?: string;
  default?: string;
  'resource-types'?: string[];
}

interface RawTagPolicy {
  required?: Record<string, RawTagRule>;
  derive?: {
    tag: string;
    from: DeriveRule['from'];
    'source-tag'?: string;
    pattern?: string;
    map?: Record<string, string>;
  }[];
  'resource-types'?: string[];
  'min-coverage'?: number;
  overwrite?: boolean;
  parameter?: string;
  classification?: { key: string; levels: Record<string, { image?: { 'fail-on'?: Severity[] } }> };
  groups?: { by: string; values?: string[]; prefix?: string }[];
}

function normalizeTags(raw: RawTagPolicy): TagPolicy {
  const classification = raw.classification;
  return {
    required: Object.entries(raw.required ?? {}).map(([key, rule]) => ({
      key,
      ...(rule.allowed !== undefined && { allowed: rule.allowed }),
      ...(rule.pattern !== undefined && { pattern: rule.pattern }),
      ...(rule.default !== undefined && { default: rule.default }),
      ...(rule['resource-types'] !== undefined && { resourceTypes: rule['resource-types'] }),
    })),
    derive: (raw.derive ?? []).map((rule) => ({
      tag: rule.tag,
      from: rule.from,
      ...(rule['source-tag'] !== undefined && { sourceTag: rule['source-tag'] }),
      ...(rule.pattern !== undefined && { pattern: rule.pattern }),
      ...(rule.map !== undefined && { map: rule.map }),
    })),
    resourceTypes: raw['resource-types'] ?? DEFAULT_RESOURCE_TYPES,
    minCoverage: raw['min-coverage'] ?? 0,
    overwrite: raw.overwrite ?? false,
    parameter: raw.parameter ?? DEFAULT_TAG_PARAMETER,
    ...(classification && {
      classification: {
        key: classification.key,
        levels: Object.fromEntries(
          Object.entries(classification.levels).map(([level, settings]) => [
            level,
            settings.image?.['fail-on'] ? { image: { failOn: settings.image['fail-on'] } } : {},
          ]),
        ),
      },
    }),
    groups: (raw.groups ?? []).map((group) => ({
      by: group.by,
      ...(group.values !== undefined && { values: group.values }),
      prefix: group.prefix ?? 'assetguard',
    })),
  };
}

/** A policy value quoted for an error line: JSON-escaped, and cut after 60 characters. */
function quoted(value: string): string {
  const characters = Array.from(value);
  return JSON.stringify(characters.length > 60 ? `${characters.slice(0, 60).join('')}…` : value);
}

/**
 * The most required keys any one resource type gets (keys without resource-types apply to every
 * type), and that type ('every type' when no key is scoped).
 */
function mostKeysForOneType(required: Record<string, RawTagRule>): [number, string] {
  const rules = Object.values(required);
  const everyType = rules.filter((rule) => rule['resource-types'] === undefined).length;
  let most: [number, string] = [everyType, 'every resource type'];
  for (const type of new Set(rules.flatMap((rule) => rule['resource-types'] ?? []))) {
    const count = everyType + rules.filter((rule) => rule['resource-types']?.includes(type)).length;
    if (count > most[0]) most = [count, type];
  }
  return most;
}

/**
 * Checks what the schema cannot: patterns compile, defaults satisfy their own rule, and every tag
 * apply could write is one AWS accepts (core/tag-policy `tagKeyProblem`, `tagValueProblem`):
 * required keys and derived keys (1-128 characters, no reserved `aws:` prefix, letters, digits,
 * spaces and `_ . : / = + - @`), allowed values, defaults and `map` outputs (0-256 characters,
 * the same characters), and at most 50 required keys for any one resource type. Values derived
 * from a resource's facts are checked per resource at plan time instead.
 */
function tagPolicyProblems(raw: RawTagPolicy): { key: string[]; text: string }[] {
  const problems: { key: string[]; text: string }[] = [];
  const compiles = (pattern: string, key: string[]): void => {
    try {
      new RegExp(pattern);
    } catch (error) {
      problems.push({
        key,
        text: `is not a valid regular expression: ${(error as Error).message}`,
      });
    }
  };
  const writableKey = (name: string, key: string[]): void => {
    const why = tagKeyProblem(name);
    if (why !== undefined) problems.push({ key, text: `the tag key ${quoted(name)} ${why}` });
  };
  const writableValue = (value: string, key: string[]): void => {
    const why = tagValueProblem(value);
    if (why !== undefined) problems.push({ key, text: `the tag value ${quoted(value)} ${why}` });
  };
  const required = raw.required ?? {};
  for (const [name, rule] of Object.entries(required)) {
    writableKey(name, ['tags', 'required', name]);
    rule.allowed?.forEach((value, index) => {
      writableValue(value, ['tags', 'required', name, 'allowed', String(index)]);
    });
    if (rule.pattern !== undefined) compiles(rule.pattern, ['tags', 'required', name, 'pattern']);
    if (rule.default !== undefined) {
      writableValue(rule.default, ['tags', 'required', name, 'default']);
      if (rule.allowed && !rule.allowed.includes(rule.default)) {
        problems.push({
          key: ['tags', 'required', name, 'default'],
          text: `"${rule.default}" is not one of the allowed values`,
        });
      }
    }
  }
  const [most, type] = mostKeysForOneType(required);
  if (most > MAX_TAGS_PER_RESOURCE) {
    problems.push({
      key: ['tags', 'required'],
      text: `requires ${most} keys of ${type}; AWS allows at most ${MAX_TAGS_PER_RESOURCE} tags per resource`,
    });
  }
  (raw.derive ?? []).forEach((rule, index) => {
    writableKey(rule.tag, ['tags', 'derive', String(index), 'tag']);
    if (rule.pattern !== undefined)
      compiles(rule.pattern, ['tags', 'derive', String(index), 'pattern']);
    if (rule.from === 'tag' && rule['source-tag'] === undefined) {
      problems.push({ key: ['tags', 'derive', String(index)], text: 'from: tag needs source-tag' });
    }
    for (const [from, to] of Object.entries(rule.map ?? {})) {
      writableValue(to, ['tags', 'derive', String(index), 'map', from]);
    }
  });
  return problems;
}

/** policy.schema.json's validator (formats date, email), compiled at build time (scripts/validators.ts). */
const validatePolicy = policyValidator as ValidateFunction<RawPolicy>;

function normalize(raw: RawPolicy): Policy {
  const alsoBlock = raw.image?.['also-block'] ?? {};
  return {
    version: 1,
    image: {
      failOn: raw.image?.['fail-on'] ?? ['CRITICAL', 'HIGH'],
      fixableOnly: raw.image?.['fixable-only'] ?? false,
      alsoBlock: {
        ...(alsoBlock['epss-above'] !== undefined && { epssAbove: alsoBlock['epss-above'] }),
        ...(alsoBlock['exploit-available'] !== undefined && {
          exploitAvailable: alsoBlock['exploit-available'],
        }),
      },
    },
    compliance: {
      failOn: raw.compliance?.['fail-on'] ?? ['CRITICAL', 'HIGH'],
      rules: {
        include: raw.compliance?.rules?.include ?? [],
        exclude: raw.compliance?.rules?.exclude ?? [],
      },
      defaultSeverity: raw.compliance?.['default-severity'] ?? 'MEDIUM',
      insufficientData: raw.compliance?.['insufficient-data'] ?? 'warn',
    },
    ...(raw.tags !== undefined && { tags: normalizeTags(raw.tags) }),
    report: normalizeReport(raw.report ?? {}),
    ...(raw.remediation !== undefined && {
      remediation: {
        documents: (raw.remediation.documents ?? []).map((entry) => ({
          rule: entry.rule.trim(),
          document: entry.document,
          parameters: entry.parameters,
          traps: entry.traps ?? [],
        })),
      },
    }),
    exceptions: raw.exceptions ?? [],
  };
}

function normalizeReport(raw: NonNullable<RawPolicy['report']>): ReportPolicy {
  const defaults = DEFAULT_REPORT_POLICY;
  return {
    title: raw.title ?? defaults.title,
    slaDays: { ...defaults.slaDays, ...raw['sla-days'] },
    ownerTag: raw['owner-tag'] ?? defaults.ownerTag,
    ...(raw['route-by'] !== undefined && { routeBy: raw['route-by'] }),
    recipients: raw.recipients ?? {},
    routeDomains: (raw['route-domains'] ?? defaults.routeDomains).map((domain) =>
      domain.toLowerCase(),
    ),
    alertSeverity: raw['alert-severity'] ?? defaults.alertSeverity,
    top: raw.top ?? defaults.top,
  };
}

function pathSegments(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Not only whitespace and invisible format characters (zero-width space, joiners, BOM). */
const NOT_BLANK = '[^\\s\\p{Cf}]';

function describeError(error: ErrorObject): { key: string[]; text: string } {
  const segments = pathSegments(error.instancePath).map(String);
  const params = error.params as Record<string, unknown>;
  if (
    segments[0] === 'remediation' &&
    (error.keyword === 'pattern' || error.keyword === 'propertyNames') &&
    params.pattern !== NOT_BLANK
  ) {
    const name = error.propertyName ?? params.propertyName;
    return remediationPattern(segments, typeof name === 'string' ? name : undefined);
  }
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      return { key: [...segments, extra], text: `unknown key "${extra}"` };
    }
    case 'required':
      return {
        key: segments,
        text: `missing required key "${String(params.missingProperty)}"`,
      };
    case 'enum':
      return {
        key: segments,
        text: `must be one of ${(params.allowedValues as unknown[]).join(', ')}`,
      };
    case 'const':
      return { key: segments, text: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'pattern':
      // NOT_BLANK: text that carries meaning (an exception's reason and owner) must say something.
      if (params.pattern === NOT_BLANK) return { key: segments, text: 'must not be blank' };
      if (segments[0] === 'report' && segments[1] === 'route-domains') {
        return {
          key: segments,
          text: 'must be a mail domain such as example.com, or *.example.com for its subdomains',
        };
      }
      return { key: segments, text: error.message ?? 'is invalid' };
    default:
      return { key: segments, text: error.message ?? 'is invalid' };
  }
}

/**
 * What a `remediation.documents[]` value that fails its pattern must look like; `propertyName`
 * is the parameter name that failed (Ajv reports a bad name twice: once for the pattern, once
 * for `propertyNames`; both get this one text, so the problem is listed once).
 */
function remediationPattern(
  segments: readonly string[],
  propertyName: string | undefined,
): { key: string[]; text: string } {
  const key = [...segments];
  if (segments[3] === 'document') {
    return {
      key,
      text: 'must be an SSM document name or ARN (3-128 letters, digits and _ . : / -)',
    };
  }
  if (propertyName !== undefined) {
    return {
      key: [...key, propertyName],
      text: `${quoted(propertyName)} is not a runbook parameter name (a letter, then up to 49 letters and digits)`,
    };
  }
  if (segments[3] === 'parameters') {
    return {
      key,
      text: 'may hold no placeholder but {{resourceId}} and {{automationAssumeRole}}',
    };
  }
  return { key, text: 'is invalid' };
}

function nodeLine(
  doc: ReturnType<typeof parseDocument>,
  lines: LineCounter,
  key: string[],
): number | undefined {
  // Point at a key itself rather than at its value, which may start on a later line.
  if (key.length > 0) {
    const parentPath = key.slice(0, -1).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    const parent = (parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true)) as
      Node | null | undefined;
    if (isMap(parent)) {
      const pair = parent.items.find(
        (item) => String((item.key as Node | null)?.toJSON()) === key[key.length - 1],
      );
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return lines.linePos(keyNode.range[0]).line;
    }
  }
  // Walk down as far as the path exists, so a missing key points at its parent.
  for (let depth = key.length; depth >= 0; depth -= 1) {
    const path = key.slice(0, depth).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    const node = (path.length === 0 ? doc.contents : doc.getIn(path, true)) as Node | null;
    if (node?.range) return lines.linePos(node.range[0]).line;
    if (depth === 0 || isSeq(node)) break;
  }
  return undefined;
}

/**
 * The error for a policy with problems: one per line, in the order of the file (problems without
 * a line last), each as `file:line: key: problem`, and each only once.
 */
function invalidPolicy(
  origin: string,
  problems: readonly { line: number | undefined; text: string }[],
): ConfigurationError {
  const ordered = [...problems].sort(
    (a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || a.text.localeCompare(b.text),
  );
  const lines = [
    ...new Set(ordered.map(({ line, text }) => `${origin}${line ? `:${line}` : ''}: ${text}`)),
  ];
  return new ConfigurationError(
    `invalid policy (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`,
  );
}

/** A policy over MAX_POLICY_BYTES, named with its size. */
function tooLarge(origin: string, bytes: number): ConfigurationError {
  return new ConfigurationError(
    `${origin}: the policy is ${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes); at most 1 MiB (${MAX_POLICY_BYTES} bytes) is accepted (is this the intended file?)`,
  );
}

/**
 * Parses and validates policy text; errors name the file, the line and the key.
 * @throws ConfigurationError for invalid YAML, a policy the schema refuses, or one over
 *   MAX_POLICY_BYTES (refused before parsing).
 */
export function parsePolicy(text: string, origin: string): Policy {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_POLICY_BYTES) throw tooLarge(origin, bytes);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    // linePos is only filled in with prettyErrors; the LineCounter knows the line either way.
    const line = first ? lines.linePos(first.pos[0]).line : undefined;
    throw new ConfigurationError(
      `${origin}${line ? `:${line}` : ''}: invalid YAML: ${first?.message.split('\n')[0] ?? 'parse error'}`,
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw === null || raw === undefined) {
    throw new ConfigurationError(`${origin}: the policy file is empty; start it with "version: 1"`);
  }
  if (!validatePolicy(raw)) {
    throw invalidPolicy(
      origin,
      (validatePolicy.errors ?? []).map((error) => {
        const { key, text: problem } = describeError(error);
        const keyText = key.length > 0 ? key.join('.') : '(top level)';
        return { line: nodeLine(doc, lines, key), text: `${keyText}: ${problem}` };
      }),
    );
  }
  const semantic = raw.tags ? tagPolicyProblems(raw.tags) : [];
  if (semantic.length > 0) {
    throw invalidPolicy(
      origin,
      semantic.map(({ key, text: problem }) => ({
        line: nodeLine(doc, lines, key),
        text: `${key.join('.')}: ${problem}`,
      })),
    );
  }
  return normalize(raw);
}

/**
 * Why a gate under this policy can never block, or undefined when it can: an empty fail-on is
 * accepted (a team may want reports only) but must never look like a gate. `failOn` is the
 * fail-on that applied when it is not the section's own (a classification level's), named by
 * `source`.
 */
export function neverBlocksWarning(
  policy: Policy,
  gate: 'image' | 'compliance',
  applied?: { failOn: readonly Severity[]; source: string },
): string | undefined {
  if (gate === 'image') {
    const failOn = applied?.failOn ?? policy.image.failOn;
    const { epssAbove, exploitAvailable } = policy.image.alsoBlock;
    if (failOn.length > 0 || epssAbove !== undefined || exploitAvailable === true) return undefined;
    return `${applied?.source ?? 'image.fail-on'} is empty and image.also-block sets nothing: this policy can never block a deploy (list the severities that must block, e.g. fail-on: [CRITICAL, HIGH])`;
  }
  if (policy.compliance.failOn.length > 0) return undefined;
  return policy.compliance.insufficientData === 'block'
    ? 'compliance.fail-on is empty: no non-compliant result can block a deploy, only rules without data (compliance.insufficient-data: block)'
    : 'compliance.fail-on is empty: this policy can never block a deploy (list the severities that must block, e.g. fail-on: [CRITICAL, HIGH])';
}

/** The sha256 of a text (UTF-8), in lowercase hex: how evidence pins the exact policy. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A policy from its text; `origin` (a path, or BUILT_IN_POLICY_ORIGIN) names it in errors.
 * @throws ConfigurationError naming the origin, line and key (see `parsePolicy`).
 */
export function loadedFromText(text: string, origin: string): LoadedPolicy {
  return { policy: parsePolicy(text, origin), origin, text, sha256: sha256(text) };
}

/**
 * Loads the policy file; `undefined` means DEFAULT_POLICY_PATH (the one place outside the
 * declared input defaults where that path is applied). Any other file must exist; the default
 * path may be absent, in which case the built-in default applies (and the origin says so). A
 * file over MAX_POLICY_BYTES is refused from its size, without reading it.
 * @throws ConfigurationError when the file cannot be read, is too large or is not a valid policy.
 */
export async function loadPolicy(path: string | undefined): Promise<LoadedPolicy> {
  const file = path ?? DEFAULT_POLICY_PATH;
  let text: string;
  try {
    const { size } = await stat(file);
    if (size > MAX_POLICY_BYTES) throw tooLarge(file, size);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && file === DEFAULT_POLICY_PATH) {
      return loadedFromText(DEFAULT_POLICY_TEXT, BUILT_IN_POLICY_ORIGIN);
    }
    throw new ConfigurationError(
      code === 'ENOENT'
        ? `policy: ${file} does not exist (omit the policy input to use the built-in default)`
        : `policy: cannot read ${file}: ${code ?? String(error)}`,
    );
  }
  return loadedFromText(text, file);
}
