/**
 * The auto-tag Lambda: on each "AWS API Call via CloudTrail" creation event, tag the created
 * resources with what the tag policy derives, plus who created them and when. Never overwrites a
 * tag that is already there, so a retry or a duplicate delivery writes nothing.
 *
 * event → created resources (events.ts) → policy (SSM, cached per container) → their tags now
 * (sources/tagging) → plan (core/tag-policy) → one write (sinks/tag-writer) → summary and log.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Asset } from '../../core/model';
import {
  DEFAULT_TAG_PARAMETER,
  batchChanges,
  checkResource,
  writableTags,
  type TagCheck,
  type TagPolicy,
} from '../../core/tag-policy';
import { executePlan, type TagCall, type TagWriterClients } from '../../sinks/tag-writer';
import { readTags } from '../../sources/tagging';
import { cachedPolicy, type LogEntry } from '../policy-cache';
import {
  DETAIL_TYPE,
  createEventFor,
  createdResources,
  originOf,
  type CloudTrailEvent,
  type CreatedResource,
  type EventOrigin,
} from './events';

export const CREATED_BY_TAG = 'assetguard:created-by';
export const CREATED_AT_TAG = 'assetguard:created-at';
export const PARAMETER_ENV = 'ASSETGUARD_TAG_POLICY_PARAMETER';
export { POLICY_TTL_MS, jsonLog, type LogEntry } from '../policy-cache';
/** AWS tag values are at most 256 characters. */
const MAX_TAG_VALUE = 256;
/**
 * Per-ARN throttling rounds of the writer: its backoff (0.5 s, 1 s, 2 s) stays well inside the
 * function's 30 s timeout (infra/modules/auto-tag), where apply's default five rounds would not.
 */
const THROTTLE_RETRIES = 3;

/** The writer's clients (ECR optional: without it, repositories go through the Tagging API only). */
export interface AutoTagDeps extends TagWriterClients {
  ssm: SSMClient;
  /** SSM parameter holding the policy text. */
  parameterName: string;
  now: () => Date;
  log: (entry: LogEntry) => void;
}

export interface AutoTagSummary {
  /** Why the whole event was ignored, when it was. */
  ignored?: string;
  tagged: { arn: string; type: string; set: Record<string, string>; via: TagCall }[];
  skipped: { arn: string; type: string; reason: string }[];
  failed: { arn: string; type: string; reason: string }[];
}

export type AutoTagHandler = (event: CloudTrailEvent) => Promise<AutoTagSummary>;

/** The SSM parameter holding the policy: ASSETGUARD_TAG_POLICY_PARAMETER, else the default. */
export function parameterNameFrom(env: NodeJS.ProcessEnv = process.env): string {
  const name = env[PARAMETER_ENV];
  return name === undefined || name === '' ? DEFAULT_TAG_PARAMETER : name;
}

/**
 * What to write on a created resource: the policy's plan with overwrite off, plus creator and
 * create time, limited to keys the resource does not carry (never overwrite, and a retry plans
 * nothing) and to tags AWS accepts (core/tag-policy `writableTags`: a creator ARN with a
 * character AWS refuses, or a 51st tag, is left out and listed in `rejected`; the other keys are
 * still planned). Pure.
 */
export function planCreated(
  policy: TagPolicy | undefined,
  created: CreatedResource,
  tags: Record<string, string>,
  origin: EventOrigin,
): TagCheck {
  const asset: Asset = {
    arn: created.arn,
    type: created.type,
    tags,
    ...(created.name !== undefined && { name: created.name }),
    ...(origin.account !== undefined && { accountId: origin.account }),
    ...(origin.region !== undefined && { region: origin.region }),
    ...(created.vpcId !== undefined && { vpcId: created.vpcId }),
    ...(origin.creator !== undefined && { creator: origin.creator }),
  };
  const check: TagCheck = policy
    ? checkResource({ ...policy, overwrite: false }, asset)
    : {
        arn: created.arn,
        type: created.type,
        applicable: [],
        missing: [],
        invalid: [],
        set: {},
        unresolved: [],
      };
  const wanted = { ...check.set };
  if (origin.creator !== undefined) {
    wanted[CREATED_BY_TAG] = origin.creator.slice(0, MAX_TAG_VALUE);
  }
  if (origin.time !== undefined) wanted[CREATED_AT_TAG] = origin.time;
  const fresh = Object.fromEntries(
    Object.entries(wanted).filter(([key]) => !Object.hasOwn(tags, key)),
  );
  const writable = writableTags(tags, fresh);
  const rejected = [...(check.rejected ?? []), ...writable.rejected];
  return { ...check, set: writable.set, ...(rejected.length > 0 && { rejected }) };
}

/** A failure as the summary and log say it: prefixed with the call, unless it names it already. */
function failureReason(via: TagCall | undefined, code: string, message: string): string {
  return via === undefined || message.includes(via) ? message : `${via}: ${code}: ${message}`;
}

/**
 * The Lambda handler for these clients. Per event: ignores what created nothing taggable (logged,
 * `ignored` set), reads the policy (cached), reads the created resources' tags, plans, and writes
 * once through the tag writer in never-overwrite mode. Resolves with what was tagged (and `via`
 * which call), skipped and failed; a resource that cannot be read or tagged is in `failed`, never
 * thrown. Throws only when the policy cannot be had (see `cachedPolicy`), so Lambda retries.
 */
export function createHandler(deps: AutoTagDeps): AutoTagHandler {
  const { log } = deps;
  // One cache per handler; index.ts builds the handler once per container, so this is the
  // per-container cache Lambda keeps warm between invocations.
  // The shared cache (../policy-cache) reads and parses the whole policy; this Lambda uses its
  // tags section, and says once per parsed version when there is none.
  const currentPolicy = cachedPolicy(
    { ...deps, ssm: () => Promise.resolve(deps.ssm) },
    {
      parameterEnv: PARAMETER_ENV,
      onLoad: (loaded) => {
        if (!loaded.tags) {
          log({
            level: 'warn',
            msg: 'policy has no tags section: setting creator and create time only',
            parameter: deps.parameterName,
          });
        }
      },
    },
  );
  const policyTags = async (): Promise<TagPolicy | undefined> => (await currentPolicy()).tags;

  return async function handler(event: CloudTrailEvent): Promise<AutoTagSummary> {
    const summary: AutoTagSummary = { tagged: [], skipped: [], failed: [] };
    const detail = event.detail;
    const base = {
      eventId: event.id,
      eventSource: detail?.eventSource,
      eventName: detail?.eventName,
    };
    const ignore = (reason: string, extra: Record<string, unknown> = {}): AutoTagSummary => {
      log({ level: 'info', msg: reason, ...base, ...extra });
      return { ...summary, ignored: reason };
    };
    if (!detail || (event['detail-type'] !== undefined && event['detail-type'] !== DETAIL_TYPE)) {
      return ignore('ignored event that is not a CloudTrail API call', {
        detailType: event['detail-type'],
      });
    }
    if (detail.errorCode !== undefined) {
      return ignore('ignored failed call', { errorCode: detail.errorCode });
    }
    if (!createEventFor(detail)) return ignore('ignored unsupported event');
    const resources = createdResources(event);
    if (resources.length === 0) return ignore('ignored event that created no taggable resource');

    const policy = await policyTags();
    const origin = originOf(event);
    const typeOf = new Map(resources.map((r) => [r.arn, r.type]));
    const type = (arn: string): string => typeOf.get(arn) ?? 'unknown';
    const fail = (arn: string, reason: string): void => {
      summary.failed.push({ arn, type: type(arn), reason });
      log({ level: 'error', msg: 'could not tag', ...base, arn, reason });
    };
    const skip = (arn: string, unresolved: string[]): void => {
      const reason = 'already tagged';
      summary.skipped.push({ arn, type: type(arn), reason });
      log({ level: 'info', msg: 'nothing to set', ...base, arn, reason, unresolved });
    };

    // An ARN whose tags could not be read is not tagged: without them, "never overwrite" cannot hold.
    const current = await readTags(
      deps,
      resources.map((r) => r.arn),
    );
    for (const { arn, message } of current.unreadable) fail(arn, message);
    const plans = new Map<string, TagCheck>();
    for (const created of resources) {
      const tags = current.tags.get(created.arn);
      if (tags === undefined) continue;
      const plan = planCreated(policy, created, tags, origin);
      if (plan.rejected) {
        log({
          level: 'warn',
          msg: 'tags AWS would refuse left out',
          ...base,
          arn: created.arn,
          rejected: plan.rejected,
        });
      }
      if (Object.keys(plan.set).length === 0) {
        skip(created.arn, plan.unresolved);
        continue;
      }
      plans.set(created.arn, plan);
      if (plan.unresolved.length > 0) {
        log({
          level: 'warn',
          msg: 'required tags left unset',
          ...base,
          arn: created.arn,
          unresolved: plan.unresolved,
        });
      }
    }

    // The writer's progress lines are for apply's log; here each ARN's outcome is logged below.
    const result = await executePlan(deps, batchChanges([...plans.values()]), {
      log: () => undefined,
      overwrite: false,
      maxThrottleRetries: THROTTLE_RETRIES,
    });
    const unchanged = new Set(result.unchanged);
    for (const arn of result.tagged) {
      const plan = plans.get(arn);
      const via = result.via[arn];
      if (unchanged.has(arn) || plan === undefined || via === undefined) {
        skip(arn, plan?.unresolved ?? []);
        continue;
      }
      summary.tagged.push({ arn, type: type(arn), set: plan.set, via });
      log({ level: 'info', msg: 'tagged', ...base, arn, set: plan.set, via });
    }
    for (const { arn, code, message } of result.failed) {
      fail(arn, failureReason(result.via[arn], code, message));
    }
    return summary;
  };
}
