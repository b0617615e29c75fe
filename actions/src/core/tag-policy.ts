/**
 * The tag policy, evaluated purely: which tags a resource must carry, which of its values are
 * wrong, and what apply (or the auto-tag Lambda) would set. No I/O here; the tags commands and
 * the Lambda bring the facts.
 */
import { parseArn } from './arn';
import { UndecidedError } from './errors';
import type { Asset, Severity } from './model';

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
  /**
   * What apply would write: derived or default values for missing (and, with overwrite, invalid)
   * keys. Only tags AWS accepts (`tagKeyProblem`, `tagValueProblem`, `MAX_TAGS_PER_RESOURCE`).
   */
  set: Record<string, string>;
  /** Keys that stay wrong after apply: no derivation and no default, or one AWS would refuse. */
  unresolved: string[];
  /**
   * Present when a key was left out of `set` because AWS would refuse it for this resource: the
   * key, the value that would have been written, and why (a derived value too long, a reserved
   * `aws:` key, a 51st tag). Other keys and other resources are planned as usual.
   */
  rejected?: InvalidTag[];
}

/** AWS tag keys are 1 to 128 characters (Unicode code points). */
export const MAX_TAG_KEY_LENGTH = 128;
/** AWS tag values are 0 to 256 characters (Unicode code points). */
export const MAX_TAG_VALUE_LENGTH = 256;
/** Tags one resource may carry; AWS's own `aws:` tags do not count. */
export const MAX_TAGS_PER_RESOURCE = 50;
/**
 * The characters every tagging API accepts in keys and values: letters, digits and spaces in any
 * script, and `_ . : / = + - @` (the IAM and S3 Tag shapes' pattern `[\p{L}\p{Z}\p{N}_.:/=+\-@]`).
 * EC2 accepts more, but a tag set is only portable across services within these.
 */
const TAG_CHARACTER = /[\p{L}\p{Z}\p{N}_.:/=+\-@]/u;
const ALLOWED_CHARACTERS = 'letters, digits, spaces and _ . : / = + - @';

/** True for a key of AWS's reserved `aws:` prefix (any case): AWS sets those, nobody else may. */
export function isSystemTagKey(key: string): boolean {
  return key.slice(0, 4).toLowerCase() === 'aws:';
}

/** A text's Unicode code points: what AWS counts as characters in tag lengths. */
function codePoints(text: string): string[] {
  return Array.from(text);
}

function characterProblem(text: string): string | undefined {
  const bad = codePoints(text).find((character) => !TAG_CHARACTER.test(character));
  if (bad === undefined) return undefined;
  const codePoint = (bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return `contains ${JSON.stringify(bad)} (U+${codePoint}); AWS allows only ${ALLOWED_CHARACTERS} in tags`;
}

/**
 * Why AWS would refuse this tag key, or undefined when every tagging API accepts it: empty,
 * longer than 128 characters, the reserved `aws:` prefix (any case), or a character outside
 * letters, digits, spaces and `_ . : / = + - @`.
 */
export function tagKeyProblem(key: string): string | undefined {
  const length = codePoints(key).length;
  if (length === 0) return 'is empty; AWS tag keys are 1 to 128 characters';
  if (length > MAX_TAG_KEY_LENGTH) {
    return `is ${length} characters long; AWS allows at most ${MAX_TAG_KEY_LENGTH} in a tag key`;
  }
  if (isSystemTagKey(key)) return 'starts with "aws:", a prefix AWS reserves for its own tags';
  return characterProblem(key);
}

/**
 * Why AWS would refuse this tag value, or undefined: longer than 256 characters, or a character
 * outside letters, digits, spaces and `_ . : / = + - @`. The empty value is allowed.
 */
export function tagValueProblem(value: string): string | undefined {
  const length = codePoints(value).length;
  if (length > MAX_TAG_VALUE_LENGTH) {
    return `is ${length} characters long; AWS allows at most ${MAX_TAG_VALUE_LENGTH} in a tag value`;
  }
  return characterProblem(value);
}

/**
 * The part of `planned` AWS would accept on a resource that carries `current` now, and the rest
 * with why. Per key: the key and the value must pass `tagKeyProblem` / `tagValueProblem`; then,
 * in `planned`'s key order, keys the resource does not carry yet are added while it stays within
 * MAX_TAGS_PER_RESOURCE (its `aws:` tags not counted; replacing a value adds nothing). Pure: one
 * resource's refused key never costs its other keys, nor other resources, their tags.
 */
export function writableTags(
  current: Readonly<Record<string, string>>,
  planned: Readonly<Record<string, string>>,
): { set: Record<string, string>; rejected: InvalidTag[] } {
  const set: Record<string, string> = {};
  const rejected: InvalidTag[] = [];
  let carried = Object.keys(current).filter((key) => !isSystemTagKey(key)).length;
  for (const [key, value] of Object.entries(planned)) {
    const keyProblem = tagKeyProblem(key);
    const why = keyProblem === undefined ? tagValueProblem(value) : `the key ${keyProblem}`;
    if (why !== undefined) {
      rejected.push({ key, value, why });
      continue;
    }
    if (!Object.hasOwn(current, key)) {
      if (carried >= MAX_TAGS_PER_RESOURCE) {
        rejected.push({
          key,
          value,
          why: `it would be tag ${carried + 1} of the resource; AWS allows at most ${MAX_TAGS_PER_RESOURCE} (aws: tags not counted)`,
        });
        continue;
      }
      carried += 1;
    }
    set[key] = value;
  }
  return { set, rejected };
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

/** The required-tag rules that apply to a resource of this CloudFormation type. */
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

function fact(rule: DeriveRule, facts: Asset): string | undefined {
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
export function applyDeriveRule(rule: DeriveRule, facts: Asset): string | undefined {
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

/** A value the key's rule accepts and AWS would write. */
function usable(rule: TagRule, value: string | undefined): value is string {
  return (
    value !== undefined &&
    invalidBecause(rule, value) === undefined &&
    tagValueProblem(value) === undefined
  );
}

/**
 * The first derivation rule for the key that yields a valid value, if any: one the key's rule
 * accepts and AWS would write (a derived value of 300 characters falls through to the next rule).
 */
export function derivedValue(policy: TagPolicy, rule: TagRule, facts: Asset): string | undefined {
  for (const derive of policy.derive) {
    if (derive.tag !== rule.key) continue;
    const value = applyDeriveRule(derive, facts);
    if (usable(rule, value)) return value;
  }
  return undefined;
}

/** The key's default, when it satisfies the key's own rule and AWS would write it. */
export function validDefault(rule: TagRule): string | undefined {
  return usable(rule, rule.default) ? rule.default : undefined;
}

/**
 * Why a key that stayed unset was not set although the policy had a value for it: the first
 * derived value (or the default) that the key's own rule accepts but AWS would refuse.
 */
function refusedValue(policy: TagPolicy, rule: TagRule, facts: Asset): InvalidTag | undefined {
  const candidates = [
    ...policy.derive
      .filter((derive) => derive.tag === rule.key)
      .map((derive) => applyDeriveRule(derive, facts)),
    rule.default,
  ];
  for (const value of candidates) {
    if (value === undefined || invalidBecause(rule, value) !== undefined) continue;
    const why = tagValueProblem(value);
    if (why !== undefined) return { key: rule.key, value, why };
  }
  return undefined;
}

/** The value policy gives a key for these facts: the first valid derivation, else the default. */
export function deriveValue(policy: TagPolicy, rule: TagRule, facts: Asset): string | undefined {
  return derivedValue(policy, rule, facts) ?? validDefault(rule);
}

/**
 * Whether a resource carries every required key of its type with a valid value: what
 * `checkResource` reports as no key missing and none invalid (`rulesFor`, `invalidBecause`),
 * without planning what `tags apply` would set. The daily report's tag coverage counts with it.
 */
export function fullyTagged(policy: TagPolicy, asset: Asset): boolean {
  for (const rule of rulesFor(policy, asset.type)) {
    const value = asset.tags[rule.key];
    if (value === undefined || invalidBecause(rule, value) !== undefined) return false;
  }
  return true;
}

/**
 * Checks one resource against the policy and plans what apply would set. Derivations see the
 * values this plan sets as well, repeated until nothing changes, so a key derived from another
 * planned key is planned in the same run and a second run has nothing left to do.
 */
export function checkResource(policy: TagPolicy, facts: Asset): TagCheck {
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
  const rejected: InvalidTag[] = [];
  for (const rule of rulesFor(policy, facts.type)) {
    check.applicable.push(rule.key);
    const value = facts.tags[rule.key];
    const keyProblem = tagKeyProblem(rule.key);
    if (value === undefined) {
      check.missing.push(rule.key);
      // A key AWS refuses (policy load rejects it; a policy built in code may not) is never planned.
      if (keyProblem === undefined) needed.push(rule);
      else rejected.push({ key: rule.key, value: '', why: `the key ${keyProblem}` });
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
  const fill = (pick: (rule: TagRule, view: Asset) => string | undefined): boolean => {
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
  // Keys left unset although the policy had a value for them: say which value AWS would refuse.
  const view: Asset = { ...facts, tags: { ...facts.tags, ...check.set } };
  for (const rule of needed) {
    if (check.set[rule.key] !== undefined) continue;
    const refused = refusedValue(policy, rule, view);
    if (refused) rejected.push(refused);
  }
  // In policy order, so which keys a resource near the 50-tag limit gets does not depend on rounds.
  const ordered = Object.fromEntries(
    needed.flatMap((rule) => {
      const value = check.set[rule.key];
      return value === undefined ? [] : [[rule.key, value] as const];
    }),
  );
  const writable = writableTags(facts.tags, ordered);
  check.set = writable.set;
  rejected.push(...writable.rejected);
  check.unresolved = [...check.missing, ...check.invalid.map((entry) => entry.key)].filter(
    (key) => check.set[key] === undefined,
  );
  if (rejected.length > 0) check.rejected = rejected;
  return check;
}

/** One TagResources call's worth of work: one tag set for up to 20 ARNs. */
export interface TagBatch {
  tags: Record<string, string>;
  arns: string[];
}

/**
 * An ARN whose tags could not be read or written, with the AWS error code (or assetguard's own:
 * WrongRegion, TooManyTags) and a message that names the call and the permission to grant.
 */
export interface FailedArn {
  arn: string;
  code: string;
  message: string;
}

/** The Tagging API's TagResources takes at most 20 ARNs per call. */
export const MAX_ARNS_PER_CALL = 20;

/** A service whose own tagging calls can read and write an ARN the Tagging API may not serve. */
export type OwnTaggingService = 'ec2' | 's3' | 'ecr';

/**
 * Which service's own tagging calls serve this ARN: `ec2` for EC2 resources (instance/,
 * volume/, security-group/…: DescribeTags, CreateTags), `s3` for a bucket (GetBucketTagging,
 * PutBucketTagging; an object ARN `bucket/key` has no bucket tag set), `ecr` for a repository
 * (ListTagsForResource, TagResource); undefined for every other ARN, which only the Tagging
 * API reads and writes. moto 5.2.1's TagResources answers all three with "Service not yet
 * supported", and EC2's own reads see a new resource's tags before the Tagging API's index does.
 */
export function ownTaggingService(arn: string): OwnTaggingService | undefined {
  const parsed = parseArn(arn);
  if (parsed?.service === 'ec2' && parsed.resource.includes('/')) return 'ec2';
  if (parsed?.service === 's3' && parsed.resource !== '' && !parsed.resource.includes('/'))
    return 's3';
  if (parsed?.service === 'ecr' && parsed.resource.startsWith('repository/')) return 'ecr';
  return undefined;
}

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

/**
 * A tag set from one AWS answer's `[{ Key, Value }]` list, checked: the list must be there (an
 * empty or malformed body deserializes to no list at all, which is not "no tags"), every pair
 * must have a key, and no key may repeat. A missing value is the empty string, as AWS allows.
 * `operation` names the call as IAM does (service:Action) and `field` the list, for the error.
 * @throws UndecidedError when the answer is malformed: a writer that never overwrites must not
 *   take it for a resource without tags.
 */
export function tagsFromAnswer(
  pairs: readonly TagPair[] | undefined,
  operation: string,
  field: string,
): Record<string, string> {
  if (!Array.isArray(pairs)) {
    throw new UndecidedError(
      `${operation} answered without ${field} (an empty or malformed body); its tags are unknown, not empty`,
    );
  }
  const tags: Record<string, string> = {};
  for (const pair of pairs as readonly (TagPair | null)[]) {
    const key: unknown = pair?.Key;
    const value: unknown = pair?.Value ?? '';
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw new UndecidedError(
        `${operation} answered a tag without a key or with a non-text value in ${field}; its tags are unknown`,
      );
    }
    if (Object.hasOwn(tags, key)) {
      throw new UndecidedError(
        `${operation} answered the tag key ${JSON.stringify(key)} twice in ${field}; its tags are unknown`,
      );
    }
    tags[key] = value;
  }
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
