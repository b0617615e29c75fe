/**
 * The tag policy, evaluated purely: which tags a resource must carry, which of its values are
 * wrong, and what apply (or the auto-tag Lambda) would set. No I/O here; the tags commands and
 * the Lambda bring the facts.
 */
import type { Severity } from './model';

export interface TagRule {
  key: string;
  allowed?: string[];
  pattern?: string;
  default?: string;
  /** Only resources of these types need the key; all types when absent. */
  resourceTypes?: string[];
}

export type DeriveSource =
  'name' | 'account' | 'region' | 'vpc' | 'creator' | 'tag' | 'resource-type';

export interface DeriveRule {
  tag: string;
  from: DeriveSource;
  sourceTag?: string;
  pattern?: string;
  map?: Record<string, string>;
}

export interface TagPolicy {
  required: TagRule[];
  derive: DeriveRule[];
  resourceTypes: string[];
  /** Percent, 0..100. */
  minCoverage: number;
  overwrite: boolean;
  parameter: string;
  classification?: { key: string; levels: Record<string, { image?: { failOn: Severity[] } }> };
  groups: { by: string; values?: string[]; prefix: string }[];
}

/** Types the audit asks AWS Config for when the policy does not list its own. */
export const DEFAULT_RESOURCE_TYPES = [
  'AWS::EC2::Instance',
  'AWS::EC2::Volume',
  'AWS::EC2::SecurityGroup',
  'AWS::S3::Bucket',
  'AWS::RDS::DBInstance',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::Lambda::Function',
  'AWS::ECR::Repository',
  'AWS::DynamoDB::Table',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::KMS::Key',
];

export const DEFAULT_TAG_PARAMETER = '/assetguard/tag-policy';

/** What is known about one resource: from Config/the Tagging API, or from its creation event. */
export interface ResourceFacts {
  arn: string;
  type: string;
  tags: Record<string, string>;
  name?: string;
  accountId?: string;
  region?: string;
  vpcId?: string;
  /** The identity that created it (CloudTrail userIdentity ARN), known to the auto-tag Lambda. */
  creator?: string;
}

export interface InvalidTag {
  key: string;
  value: string;
  why: string;
}

export interface TagCheck {
  arn: string;
  type: string;
  /** Required keys applicable to this type. */
  applicable: string[];
  missing: string[];
  invalid: InvalidTag[];
  /** What apply would write: derived or default values for missing (and, with overwrite, invalid) keys. */
  set: Record<string, string>;
  /** Keys that stay wrong after apply: no derivation and no default. */
  unresolved: string[];
}

const compiled = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let found = compiled.get(pattern);
  if (!found) {
    found = new RegExp(pattern);
    compiled.set(pattern, found);
  }
  return found;
}

export function rulesFor(policy: TagPolicy, type: string): TagRule[] {
  return policy.required.filter(
    (rule) => rule.resourceTypes === undefined || rule.resourceTypes.includes(type),
  );
}

/** Why a value breaks the rule, or undefined when it is valid. */
export function invalidBecause(rule: TagRule, value: string): string | undefined {
  if (rule.allowed && !rule.allowed.includes(value)) return `not one of ${rule.allowed.join(', ')}`;
  if (rule.pattern && !regex(rule.pattern).test(value)) return `does not match ${rule.pattern}`;
  if (value.trim() === '') return 'is empty';
  return undefined;
}

function fact(rule: DeriveRule, facts: ResourceFacts): string | undefined {
  switch (rule.from) {
    case 'name':
      return facts.name;
    case 'account':
      return facts.accountId;
    case 'region':
      return facts.region;
    case 'vpc':
      return facts.vpcId;
    case 'creator':
      return facts.creator;
    case 'resource-type':
      return facts.type;
    case 'tag':
      return rule.sourceTag === undefined ? undefined : facts.tags[rule.sourceTag];
  }
}

/** Applies one derivation rule: the fact, narrowed by the pattern's first group, mapped. */
export function applyDeriveRule(rule: DeriveRule, facts: ResourceFacts): string | undefined {
  let value = fact(rule, facts);
  if (value === undefined || value === '') return undefined;
  if (rule.pattern) {
    const match = regex(rule.pattern).exec(value);
    if (!match) return undefined;
    value = match[1] ?? match[0];
  }
  // Own keys only: a resource named "constructor" must not read Object.prototype.constructor.
  if (rule.map) return Object.hasOwn(rule.map, value) ? rule.map[value] : undefined;
  return value;
}

/** The first derivation rule for the key that yields a valid value, if any. */
export function derivedValue(
  policy: TagPolicy,
  rule: TagRule,
  facts: ResourceFacts,
): string | undefined {
  for (const derive of policy.derive) {
    if (derive.tag !== rule.key) continue;
    const value = applyDeriveRule(derive, facts);
    if (value !== undefined && invalidBecause(rule, value) === undefined) return value;
  }
  return undefined;
}

/** The key's default, when it satisfies the key's own rule. */
export function validDefault(rule: TagRule): string | undefined {
  return rule.default !== undefined && invalidBecause(rule, rule.default) === undefined
    ? rule.default
    : undefined;
}

/** The value policy gives a key for these facts: the first valid derivation, else the default. */
export function deriveValue(
  policy: TagPolicy,
  rule: TagRule,
  facts: ResourceFacts,
): string | undefined {
  return derivedValue(policy, rule, facts) ?? validDefault(rule);
}

/**
 * Checks one resource against the policy and plans what apply would set. Derivations see the
 * values this plan sets as well, repeated until nothing changes, so a key derived from another
 * planned key is planned in the same run and a second run has nothing left to do.
 */
export function checkResource(policy: TagPolicy, facts: ResourceFacts): TagCheck {
  const check: TagCheck = {
    arn: facts.arn,
    type: facts.type,
    applicable: [],
    missing: [],
    invalid: [],
    set: {},
    unresolved: [],
  };
  const needed: TagRule[] = [];
  for (const rule of rulesFor(policy, facts.type)) {
    check.applicable.push(rule.key);
    const value = facts.tags[rule.key];
    if (value === undefined) {
      check.missing.push(rule.key);
      needed.push(rule);
      continue;
    }
    const why = invalidBecause(rule, value);
    if (why === undefined) continue;
    check.invalid.push({ key: rule.key, value, why });
    if (policy.overwrite) needed.push(rule);
  }
  // Derivations first, to a fixed point; then defaults for what is left; then derivations again,
  // since a default may be what another key derives from. Each round fills at least one key.
  const unset = (): TagRule[] => needed.filter((rule) => check.set[rule.key] === undefined);
  const fill = (pick: (rule: TagRule, view: ResourceFacts) => string | undefined): boolean => {
    let filled = false;
    for (const rule of unset()) {
      const value = pick(rule, { ...facts, tags: { ...facts.tags, ...check.set } });
      if (value !== undefined && value !== facts.tags[rule.key]) {
        check.set[rule.key] = value;
        filled = true;
      }
    }
    return filled;
  };
  // A key that derives from another key still unset waits for that one's default before taking
  // its own: Team derives from Owner's default rather than taking Team's default alongside it.
  const waits = (rule: TagRule, open: Set<string>): boolean =>
    policy.derive.some(
      (derive) =>
        derive.tag === rule.key &&
        derive.from === 'tag' &&
        derive.sourceTag !== undefined &&
        derive.sourceTag !== rule.key &&
        open.has(derive.sourceTag),
    );
  for (let round = 0; round <= needed.length && unset().length > 0; round += 1) {
    while (fill((rule, view) => derivedValue(policy, rule, view)));
    const open = new Set(unset().map((rule) => rule.key));
    if (fill((rule) => (waits(rule, open) ? undefined : validDefault(rule)))) continue;
    if (!fill((rule) => validDefault(rule))) break;
  }
  check.unresolved = [...check.missing, ...check.invalid.map((entry) => entry.key)].filter(
    (key) => check.set[key] === undefined,
  );
  return check;
}

export interface TagBatch {
  tags: Record<string, string>;
  arns: string[];
}

/** The Tagging API's TagResources takes at most 20 ARNs per call. */
export const MAX_ARNS_PER_CALL = 20;

/** An AWS tag pair as the SDKs type it: both fields optional on reads. */
export interface TagPair {
  Key?: string | undefined;
  Value?: string | undefined;
}

/**
 * A tag set from the `[{ Key, Value }]` list every AWS tagging API returns (Tagging API, EC2,
 * S3, ECR, ...). A pair without a key is dropped; a missing value is the empty string, which
 * AWS allows.
 */
export function tagsFromPairs(pairs: readonly TagPair[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const { Key, Value } of pairs ?? []) if (Key !== undefined) tags[Key] = Value ?? '';
  return tags;
}

/** The `[{ Key, Value }]` list AWS tagging calls take, from a tag set. */
export function tagPairs(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** `A=1, B=2`: a tag set for log lines and plan headings, keys sorted. */
export function formatTags(tags: Record<string, string>): string {
  return Object.keys(tags)
    .sort()
    .map((key) => `${key}=${tags[key] ?? ''}`)
    .join(', ');
}

/** A tag set's identity, independent of key order: equal sets share one write call. */
export function tagSetKey(tags: Record<string, string>): string {
  return JSON.stringify(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Groups the planned changes into TagResources calls: resources that need the identical tag set
 * share calls of up to 20 ARNs. One call writes one tag set, so this is the fewest calls possible.
 */
export function batchChanges(
  checks: readonly TagCheck[],
  maxPerCall = MAX_ARNS_PER_CALL,
): TagBatch[] {
  const bySet = new Map<string, TagBatch>();
  for (const check of checks) {
    if (Object.keys(check.set).length === 0) continue;
    const key = tagSetKey(check.set);
    const batch = bySet.get(key) ?? { tags: check.set, arns: [] };
    batch.arns.push(check.arn);
    bySet.set(key, batch);
  }
  const batches: TagBatch[] = [];
  for (const { tags, arns } of [...bySet.values()].sort((a, b) => b.arns.length - a.arns.length)) {
    for (let index = 0; index < arns.length; index += maxPerCall) {
      batches.push({ tags, arns: arns.slice(index, index + maxPerCall) });
    }
  }
  return batches;
}

export interface CoverageCell {
  applicable: number;
  valid: number;
  /** Percent of applicable (resource, key) pairs present and valid; 100 when nothing applies. */
  percent: number;
}

export interface Coverage {
  overall: CoverageCell;
  byKey: Record<string, CoverageCell>;
  byType: Record<string, CoverageCell>;
  /** Resources with the most missing or invalid keys first. */
  worst: TagCheck[];
}

function cell(applicable: number, valid: number): CoverageCell {
  return {
    applicable,
    valid,
    percent: applicable === 0 ? 100 : Math.round((valid / applicable) * 1000) / 10,
  };
}

/** Coverage: the share of required (resource, key) pairs that are present and valid. */
export function coverage(checks: readonly TagCheck[], worstCount = 10): Coverage {
  const keys = new Map<string, [number, number]>();
  const types = new Map<string, [number, number]>();
  let applicable = 0;
  let valid = 0;
  for (const check of checks) {
    const bad = new Set([...check.missing, ...check.invalid.map((entry) => entry.key)]);
    for (const key of check.applicable) {
      const ok = bad.has(key) ? 0 : 1;
      applicable += 1;
      valid += ok;
      const perKey = keys.get(key) ?? [0, 0];
      keys.set(key, [perKey[0] + 1, perKey[1] + ok]);
      const perType = types.get(check.type) ?? [0, 0];
      types.set(check.type, [perType[0] + 1, perType[1] + ok]);
    }
  }
  const score = (check: TagCheck): number => check.missing.length + check.invalid.length;
  return {
    overall: cell(applicable, valid),
    byKey: Object.fromEntries([...keys].map(([key, [a, v]]) => [key, cell(a, v)])),
    byType: Object.fromEntries([...types].map(([type, [a, v]]) => [type, cell(a, v)])),
    worst: checks
      .filter((check) => score(check) > 0)
      .sort((a, b) => score(b) - score(a) || a.arn.localeCompare(b.arn))
      .slice(0, worstCount),
  };
}

/** The image fail-on a classification level sets, if the policy declares one for it. */
export function classificationFailOn(
  policy: TagPolicy | undefined,
  tags: Record<string, string>,
): { level: string; failOn: Severity[] } | undefined {
  const classification = policy?.classification;
  if (!classification) return undefined;
  const level = tags[classification.key];
  if (level === undefined) return undefined;
  const failOn = classification.levels[level]?.image?.failOn;
  return failOn ? { level, failOn } : undefined;
}
