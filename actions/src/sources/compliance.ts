/**
 * What the two compliance sources (sources/config, sources/securityhub) share: the collected
 * shape, the checks every AWS answer goes through, and one way to place a result in the deploy
 * target's tag scope, so `--source config` and `--source securityhub` keep and drop the same
 * resources.
 *
 * The tag scope, defined once here:
 * - A result leaves the scope only when its resource is KNOWN to carry another value for one of
 *   the scope's keys (`Environment=staging` under `Environment=prod`).
 * - It stays in scope when its resource carries every scope tag; when it is account-level (the
 *   account itself, e.g. the IAM password policy on `AWS::::Account`, or the account's S3 public
 *   access block): an account setting applies to every environment in the account, and the
 *   account has no tags; and when its resource cannot be placed: no tags, a scope key missing,
 *   or tags that cannot be read (not a resource AWS Config records, another region, a failed
 *   read). Unplaced results are listed in a warning: fail closed, never a silent drop.
 * - Tags come from the Tagging API (GetResources by ARN), the same for both sources. Security Hub's own `Resources[].Tags` (absent on most control
 *   findings) is used only for a resource the Tagging API lists no tags for.
 * - A scope that no resource in the region carries is a ConfigurationError (exit 2) naming the
 *   tag keys and values in use that look like it, never a pass over nothing.
 */
import {
  GetResourcesCommand,
  paginateGetResources,
  paginateGetTagKeys,
  paginateGetTagValues,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { parseArn } from '../core/arn';
import { namedIn, ruleNames, type Control } from '../core/controls';
import { chunks, countCall, type CallCounts } from '../core/collections';
import { awsFailure, ConfigurationError, errorMessage, UndecidedError } from '../core/errors';
import type { Log } from '../core/log';
import type { Finding } from '../core/model';
import { formatScope, nearMatches } from '../core/scope';
import { mapConcurrent, READ_CONCURRENCY } from './paging';
import { tagsFromAnswer } from '../core/tag-policy';

/** Rule-level states that are not a pass and not a failure: reported, never counted as compliant. */
export interface RuleStates {
  evaluated: number;
  compliant: string[];
  nonCompliant: string[];
  /**
   * Config INSUFFICIENT_DATA (or no evaluation yet); Security Hub controls with a WARNING or
   * NOT_AVAILABLE result in scope. `compliance.insufficient-data: block` blocks them.
   */
  insufficientData: string[];
  notApplicable: string[];
}

/** The scope of the deploy target: tags every resource must carry, and rule names or control ids. */
export interface ComplianceScope {
  /** Parsed by core/scope `parseScope`: non-empty keys and values. */
  tags: Record<string, string>;
  rules: string[];
}

export interface CollectedCompliance {
  /** NON_COMPLIANT (Config) or FAILED (Security Hub) results in scope, as ACTIVE findings. */
  findings: Finding[];
  rules: RuleStates;
  /** API calls made, by operation, for progress and benchmarks. */
  calls: CallCounts;
  warnings: string[];
}

export function emptyRuleStates(): RuleStates {
  return { evaluated: 0, compliant: [], nonCompliant: [], insufficientData: [], notApplicable: [] };
}

/**
 * True when the user's rule filter names this rule, by deployed name, canonical name or control
 * id. Here, not in either source, so that neither source's module (nor its SDK package) loads the
 * other's.
 */
export function ruleSelected(
  name: string,
  control: Control | undefined,
  wanted: readonly string[],
): boolean {
  return wanted.length === 0 || namedIn(ruleNames(name, control), wanted);
}

/** True when `tags` carries every pair of `wanted` (keys and values compared exactly, as AWS does). */
export function tagsMatch(
  tags: Record<string, string> | undefined,
  wanted: Record<string, string>,
): boolean {
  return Object.entries(wanted).every(([key, value]) => tags?.[key] === value);
}

/**
 * The list an AWS answer must carry. The SDK types every output member optional, but a page
 * without its list (an empty 200 body, a renamed field) is malformed: an UndecidedError naming the
 * operation, never an empty list (STYLE.md #15).
 */
export function requireList<T>(
  list: readonly T[] | undefined,
  operation: string,
  field: string,
): readonly T[] {
  if (Array.isArray(list)) return list as readonly T[];
  throw new UndecidedError(
    `${operation} answered without ${field} (an empty or malformed body); refusing to read it as "nothing"`,
  );
}

/** Up to five labels and an ellipsis, for warnings about many resources. */
export function someOf(labels: readonly string[]): string {
  const unique = [...new Set(labels)];
  return `${unique.slice(0, 5).join(', ')}${unique.length > 5 ? `, … (${unique.length} in all)` : ''}`;
}

/** AWS Config resource types that are the account itself, or an account-wide setting. */
export const CONFIG_ACCOUNT_LEVEL_TYPES: ReadonlySet<string> = new Set([
  'AWS::::Account',
  'AWS::S3::AccountPublicAccessBlock',
]);
/** The same, as ASFF `Resources[].Type` names them. */
export const ASFF_ACCOUNT_LEVEL_TYPES: ReadonlySet<string> = new Set([
  'AwsAccount',
  'AwsS3AccountPublicAccessBlock',
]);

/** One result's resource, as a source knows it before its tags are read. */
export interface ScopeCandidate {
  /** How the report names it: `AWS::EC2::SecurityGroup sg-…`, an ARN. */
  label: string;
  /** The account itself or an account-wide setting: in every scope, and never looked up. */
  accountLevel: boolean;
  /** The ARN whose tags decide; undefined when there is none (then `unknown` says why). */
  arn?: string;
  /** Why the tags cannot be read at all (no ARN, not a resource Config records). */
  unknown?: string;
  /** Tags the result itself carries (Security Hub `Resources[].Tags`), a fallback only. */
  ownTags?: Record<string, string>;
}

/** What is known of one candidate's tags. */
export interface KnownTags {
  /** Its tags now; `{}` for a resource that carries none; undefined when unknown. */
  tags?: Record<string, string>;
  /** Why the tags are unknown. */
  unknown?: string;
}

/** GetResources takes at most 100 ARNs in ResourceARNList. */
export const ARNS_PER_TAG_READ = 100;
/** GetResources pages for one batch of ARNs, at most (AWS answers one; emulators page everything). */
const TAG_READ_PAGE_CAP = 100;

/**
 * The tags each ARN carries, from the Tagging API's GetResources (ResourceARNList, ≤100 per call;
 * a PaginationToken is followed). An ARN asked for and not listed carries no tags (`{}`): the
 * Tagging API never lists a resource without tags, nor one it does not serve. Only ARNs asked
 * for are read from the answer (emulators such as moto ignore ResourceARNList).
 *
 * Only the Tagging API, on purpose: the compliance gate's role grants tag:GetResources and no
 * service's own tag-reading call (sources/tagging `readTags` reads EC2, S3 and ECR first-hand,
 * for writers that need it).
 *
 * Errors: AwsError for a failed call (naming tag:GetResources); UndecidedError for an answer
 * without ResourceTagMappingList or a listing that never ends.
 */
export async function readTagsByArn(
  tagging: ResourceGroupsTaggingAPIClient,
  arns: readonly string[],
  calls: CallCounts,
): Promise<Map<string, Record<string, string>>> {
  const tags = new Map<string, Record<string, string>>();
  const batches = chunks([...new Set(arns)], ARNS_PER_TAG_READ);
  for (const arn of batches.flat()) tags.set(arn, {});
  // Batches are independent: READ_CONCURRENCY in flight, each paged in order.
  await mapConcurrent(batches, READ_CONCURRENCY, async (batch) => {
    const asked = new Set(batch);
    let token: string | undefined;
    let pages = 0;
    do {
      countCall(calls, 'GetResources');
      pages += 1;
      let answer;
      try {
        answer = await tagging.send(
          new GetResourcesCommand({
            ResourceARNList: batch,
            ...(token !== undefined && { PaginationToken: token }),
          }),
        );
      } catch (error) {
        throw awsFailure(`read the tags of ${batch.length} resource(s)`, 'tag:GetResources', error);
      }
      const mappings = requireList(
        answer.ResourceTagMappingList,
        'tag:GetResources',
        'ResourceTagMappingList',
      );
      for (const mapping of mappings) {
        if (mapping.ResourceARN !== undefined && asked.has(mapping.ResourceARN)) {
          tags.set(
            mapping.ResourceARN,
            tagsFromAnswer(mapping.Tags, 'tag:GetResources', 'ResourceTagMappingList[].Tags'),
          );
        }
      }
      token = answer.PaginationToken ? answer.PaginationToken : undefined;
      if (token !== undefined && pages >= TAG_READ_PAGE_CAP) {
        throw new UndecidedError(
          `tag:GetResources kept returning pages for ${batch.length} ARN(s) after ${pages} calls; refusing to decide on a partial answer`,
        );
      }
    } while (token !== undefined);
  });
  return tags;
}

/**
 * Reads the tags of each candidate, in order: the Tagging API's tags for its ARN
 * (`readTagsByArn`), falling back to the candidate's own tags when the Tagging API lists none for
 * it. No call for account-level candidates, candidates without an ARN, or ARNs of another region
 * than `region` (the Tagging API answers for its own region only): their tags are unknown.
 * Errors are `readTagsByArn`'s: a gate that cannot read tags cannot apply a scope (exit 2).
 */
export async function readCandidateTags(
  tagging: ResourceGroupsTaggingAPIClient,
  candidates: readonly ScopeCandidate[],
  options: { region: string; calls: CallCounts },
): Promise<KnownTags[]> {
  const known: (KnownTags | undefined)[] = candidates.map((candidate) => {
    if (candidate.accountLevel) return {};
    if (candidate.unknown !== undefined) return { unknown: candidate.unknown };
    if (candidate.arn === undefined) return { unknown: 'no ARN' };
    const parsed = parseArn(candidate.arn);
    if (parsed === undefined) return { unknown: 'not an ARN' };
    if (parsed.region !== '' && parsed.region !== options.region) {
      return {
        unknown: `in ${parsed.region}; the Tagging API in ${options.region} cannot read it`,
      };
    }
    return undefined;
  });
  const arns = candidates.flatMap((candidate, index) =>
    known[index] === undefined && candidate.arn !== undefined ? [candidate.arn] : [],
  );
  const read =
    arns.length > 0
      ? await readTagsByArn(tagging, arns, options.calls)
      : new Map<string, Record<string, string>>();
  return candidates.map((candidate, index) => {
    const settled = known[index];
    if (settled !== undefined) return settled;
    const tags = read.get(candidate.arn ?? '') ?? {};
    const own = candidate.ownTags ?? {};
    return { tags: Object.keys(tags).length > 0 || Object.keys(own).length === 0 ? tags : own };
  });
}

/** Where one result stands with respect to the tag scope (see the module comment). */
export type Placement = 'tagged' | 'account-level' | 'elsewhere' | 'unplaced';

/** Places one resource: `elsewhere` only when a scope key is known to carry another value. */
export function placeInScope(
  candidate: Pick<ScopeCandidate, 'accountLevel'>,
  known: KnownTags,
  scope: Record<string, string>,
): Placement {
  if (candidate.accountLevel) return 'account-level';
  const { tags } = known;
  if (tags === undefined) return 'unplaced';
  if (tagsMatch(tags, scope)) return 'tagged';
  const contradicts = Object.entries(scope).some(
    ([key, value]) => Object.hasOwn(tags, key) && tags[key] !== value,
  );
  return contradicts ? 'elsewhere' : 'unplaced';
}

export interface Scoped<T> {
  /** The items in scope, in their original order. */
  kept: T[];
  /** Facts for the report: results kept only because nothing places them elsewhere. */
  warnings: string[];
  /** True when some result's resource carries every scope tag: the scope selects something. */
  matched: boolean;
}

/**
 * Applies the tag scope to results (in order, one candidate per item), reading tags only when
 * needed: with a scope, or with `needTags` (tag-scoped exceptions). `attach` receives each
 * item's known tags (and is called whenever tags were read), so findings carry them for
 * exceptions and reports. Without a scope everything is kept. Logs one line with the counts.
 */
export async function applyTagScope<T>(
  tagging: ResourceGroupsTaggingAPIClient,
  items: readonly T[],
  candidateOf: (item: T) => ScopeCandidate,
  scope: Record<string, string>,
  options: {
    region: string;
    calls: CallCounts;
    log: Log;
    needTags: boolean;
    attach?: (item: T, known: KnownTags) => void;
  },
): Promise<Scoped<T>> {
  const scoped = Object.keys(scope).length > 0;
  if (items.length === 0 || (!scoped && !options.needTags)) {
    return { kept: [...items], warnings: [], matched: false };
  }
  const candidates = items.map(candidateOf);
  const known = await readCandidateTags(tagging, candidates, options);
  items.forEach((item, index) => options.attach?.(item, known[index] ?? {}));
  if (!scoped) return { kept: [...items], warnings: [], matched: false };

  const kept: T[] = [];
  const counts: Record<Placement, number> = {
    tagged: 0,
    'account-level': 0,
    elsewhere: 0,
    unplaced: 0,
  };
  const untagged: string[] = [];
  const unreadable: string[] = [];
  items.forEach((item, index) => {
    const candidate = candidates[index] ?? { label: '?', accountLevel: false };
    const tags = known[index] ?? {};
    const placement = placeInScope(candidate, tags, scope);
    counts[placement] += 1;
    if (placement === 'elsewhere') return;
    kept.push(item);
    if (placement !== 'unplaced') return;
    if (tags.tags === undefined)
      unreadable.push(`${candidate.label} (${tags.unknown ?? 'unknown'})`);
    else untagged.push(candidate.label);
  });
  const keys = Object.keys(scope).join(', ');
  const warnings = [
    ...(untagged.length > 0
      ? [
          `${untagged.length} result(s) are on resources that lack a scope tag key (${keys}), so nothing places them outside ${formatScope(scope)}: they stay in scope; tag them (assetguard tags apply) to place them: ${someOf(untagged)}`,
        ]
      : []),
    ...(unreadable.length > 0
      ? [
          `${unreadable.length} result(s) are on resources whose tags could not be read, so they stay in scope: ${someOf(unreadable)}`,
        ]
      : []),
  ];
  options.log(
    `${kept.length} of ${items.length} result(s) in scope ${formatScope(scope)}: ${counts.tagged} on resources tagged so, ${counts['account-level']} account-level, ${counts.unplaced} unplaced; ${counts.elsewhere} elsewhere`,
  );
  return { kept, warnings, matched: counts.tagged > 0 };
}

/** Pages of a tag-key or tag-value listing read for hints, at most. */
const HINT_PAGE_CAP = 20;
/** Pages of the scope probe, at most (it stops at the first resource). */
const PROBE_PAGE_CAP = 20;

async function listAll<P>(
  pages: AsyncIterable<P>,
  items: (page: P) => readonly string[] | undefined,
  calls: CallCounts,
  permission: 'tag:GetTagKeys' | 'tag:GetTagValues',
): Promise<string[]> {
  const operation = permission.slice('tag:'.length);
  const field = operation === 'GetTagKeys' ? 'TagKeys' : 'TagValues';
  const out: string[] = [];
  let read = 0;
  try {
    for await (const page of pages) {
      countCall(calls, operation);
      out.push(...requireList(items(page), permission, field));
      read += 1;
      if (read >= HINT_PAGE_CAP) break;
    }
  } catch (error) {
    throw awsFailure(
      `list the tag ${field === 'TagKeys' ? 'keys' : 'values'} in use`,
      permission,
      error,
    );
  }
  return out;
}

/** What a scope that selects nothing probably meant: near tag keys and values in use. */
async function scopeHints(
  tagging: ResourceGroupsTaggingAPIClient,
  scope: Record<string, string>,
  calls: CallCounts,
): Promise<string> {
  try {
    // A Set: emulators (moto) list a key once per resource.
    const keys = new Set(
      await listAll(
        paginateGetTagKeys({ client: tagging }, {}),
        (page) => page.TagKeys,
        calls,
        'tag:GetTagKeys',
      ),
    );
    const hints: string[] = [];
    for (const [key, value] of Object.entries(scope)) {
      if (!keys.has(key)) {
        const near = nearMatches(key, keys);
        hints.push(
          `no resource has the tag key ${key}${near.length > 0 ? `; keys in use that look like it: ${near.join(', ')}` : ''}`,
        );
        continue;
      }
      // Deduplicated: emulators (moto) list a value once per resource.
      const values = [
        ...new Set(
          await listAll(
            paginateGetTagValues({ client: tagging }, { Key: key }),
            (page) => page.TagValues,
            calls,
            'tag:GetTagValues',
          ),
        ),
      ];
      if (values.includes(value)) continue;
      const near = nearMatches(value, values);
      const others = values.filter((candidate) => !near.includes(candidate)).sort();
      const shown = [...near, ...others].slice(0, 10);
      hints.push(
        `no resource has ${key}=${value}; values of ${key} in use: ${shown.join(', ') || 'none'}${values.length > shown.length ? ', …' : ''}`,
      );
    }
    if (hints.length === 0 && Object.keys(scope).length > 1) {
      hints.push('each tag is in use, but no resource carries all of them together');
    }
    const text = hints.join('; ');
    return text === '' ? '' : `${text.charAt(0).toUpperCase()}${text.slice(1)}. `;
  } catch (error) {
    return `(no hints: ${errorMessage(error)}) `;
  }
}

/**
 * Fails a scope that selects nothing: when no collected result showed a resource carrying every
 * scope tag (`matched`), asks the Tagging API's GetResources, with the scope as TagFilters (every
 * filter must match, each with the one value), whether any resource in the region carries them;
 * the answer is re-checked on the client (emulators ignore filters). None is a ConfigurationError
 * (exit 2) that names the scope, the region, and the tag keys (GetTagKeys) and values
 * (GetTagValues) in use that look like it, case-insensitively (`environment`, `Enviroment`).
 * No scope, or `matched`, makes no call.
 *
 * Errors: AwsError for a failed GetResources (tag:GetResources); UndecidedError for a page without
 * ResourceTagMappingList. A failed hint listing only shortens the message.
 */
export async function requireScopeInEstate(
  tagging: ResourceGroupsTaggingAPIClient,
  scope: Record<string, string>,
  options: { region: string; calls: CallCounts; log: Log; matched: boolean },
): Promise<void> {
  if (Object.keys(scope).length === 0 || options.matched) return;
  let found: string | undefined;
  try {
    let read = 0;
    const pages = paginateGetResources(
      { client: tagging },
      {
        TagFilters: Object.entries(scope).map(([Key, Value]) => ({ Key, Values: [Value] })),
        ResourcesPerPage: 50,
      },
    );
    for await (const page of pages) {
      countCall(options.calls, 'GetResources');
      read += 1;
      for (const mapping of requireList(
        page.ResourceTagMappingList,
        'tag:GetResources',
        'ResourceTagMappingList',
      )) {
        if (
          mapping.ResourceARN &&
          tagsMatch(
            tagsFromAnswer(mapping.Tags, 'tag:GetResources', 'ResourceTagMappingList[].Tags'),
            scope,
          )
        ) {
          found = mapping.ResourceARN;
          break;
        }
      }
      if (found !== undefined || read >= PROBE_PAGE_CAP) break;
    }
  } catch (error) {
    throw awsFailure(
      `check that any resource carries the scope ${formatScope(scope)}`,
      'tag:GetResources',
      error,
    );
  }
  if (found !== undefined) {
    options.log(
      `scope ${formatScope(scope)} selects resources in ${options.region} (e.g. ${found})`,
    );
    return;
  }
  const hints = await scopeHints(tagging, scope, options.calls);
  throw new ConfigurationError(
    `scope: no resource in ${options.region} carries ${formatScope(scope)} (tag:GetResources found none), so the gate would decide on nothing. ${hints}Check the spelling and case of the scope (tag keys and values are case-sensitive) and the region.`,
  );
}
