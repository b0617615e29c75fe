/**
 * The auto-tag Lambda: on each "AWS API Call via CloudTrail" creation event, tag the created
 * resources with what the tag policy derives, plus who created them and when. Never overwrites a
 * tag that is already there, so a retry or a duplicate delivery writes nothing.
 */
import { CreateTagsCommand, DescribeTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  ListTagsForResourceCommand,
  TagResourceCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import {
  GetResourcesCommand,
  TagResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetBucketTaggingCommand,
  PutBucketTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  AwsError,
  ConfigurationError,
  awsFailure,
  errorMessage,
  hasAwsCode,
} from '../../core/errors';
import { arnName, parseArn } from '../../core/arn';
import { loadedFromText } from '../../core/policy';
import {
  DEFAULT_TAG_PARAMETER,
  batchChanges,
  checkResource,
  tagPairs,
  tagsFromPairs,
  type ResourceFacts,
  type TagCheck,
  type TagPolicy,
} from '../../core/tag-policy';
import {
  DETAIL_TYPE,
  createEventFor,
  createdResources,
  originOf,
  type CloudTrailEvent,
  type CreatedResource,
} from './events';

export const CREATED_BY_TAG = 'assetguard:created-by';
export const CREATED_AT_TAG = 'assetguard:created-at';
export const PARAMETER_ENV = 'ASSETGUARD_TAG_POLICY_PARAMETER';
/** How long a container trusts its cached policy before asking SSM for the version again. */
export const POLICY_TTL_MS = 5 * 60 * 1000;
/** GetResources accepts at most 100 ARNs per call. */
const MAX_ARNS_PER_READ = 100;
/** AWS tag values are at most 256 characters. */
const MAX_TAG_VALUE = 256;

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [key: string]: unknown;
}

export interface AutoTagDeps {
  ssm: SSMClient;
  tagging: ResourceGroupsTaggingAPIClient;
  ec2: EC2Client;
  s3: S3Client;
  /** Optional: without it, ECR repositories are tagged through the Tagging API only. */
  ecr?: ECRClient;
  /** SSM parameter holding the policy text. */
  parameterName: string;
  now: () => Date;
  log: (entry: LogEntry) => void;
}

export interface AutoTagSummary {
  /** Why the whole event was ignored, when it was. */
  ignored?: string;
  tagged: { arn: string; type: string; set: Record<string, string>; via: string }[];
  skipped: { arn: string; type: string; reason: string }[];
  failed: { arn: string; type: string; reason: string }[];
}

export type AutoTagHandler = (event: CloudTrailEvent) => Promise<AutoTagSummary>;

/** One structured JSON line per decision, as CloudWatch Logs Insights likes them. */
export function jsonLog(entry: LogEntry): void {
  console.log(JSON.stringify(entry));
}

export function parameterNameFrom(env: NodeJS.ProcessEnv = process.env): string {
  const name = env[PARAMETER_ENV];
  return name === undefined || name === '' ? DEFAULT_TAG_PARAMETER : name;
}

interface CachedPolicy {
  version: number | undefined;
  tags: TagPolicy | undefined;
  checkedAt: number;
}

type Tags = Record<string, string>;

type Native = 'ec2' | 's3' | 'ecr' | undefined;

function nativeOf(arn: string): Native {
  const service = parseArn(arn)?.service;
  if (service === 'ec2' || service === 's3' || service === 'ecr') return service;
  return undefined;
}

export function createHandler(deps: AutoTagDeps): AutoTagHandler {
  const { ssm, tagging, ec2, s3, ecr, parameterName, now, log } = deps;
  // One cache per handler; index.ts builds the handler once per container, so this is the
  // per-container cache Lambda keeps warm between invocations.
  let cached: CachedPolicy | undefined;

  async function policyTags(): Promise<TagPolicy | undefined> {
    const at = now().getTime();
    if (cached && at - cached.checkedAt < POLICY_TTL_MS) return cached.tags;
    let text: string | undefined;
    let version: number | undefined;
    try {
      const answer = await ssm.send(new GetParameterCommand({ Name: parameterName }));
      text = answer.Parameter?.Value;
      version = answer.Parameter?.Version;
    } catch (error) {
      if (hasAwsCode(error, 'ParameterNotFound')) {
        throw new ConfigurationError(
          `the tag policy SSM parameter ${parameterName} does not exist: publish it with \`assetguard tags publish\`, or set ${PARAMETER_ENV} to the parameter that holds it (the Lambda role needs ssm:GetParameter on it)`,
          { cause: error },
        );
      }
      const failure = awsFailure(
        `read the tag policy from SSM parameter ${parameterName}`,
        `ssm:GetParameter on parameter ${parameterName}`,
        error,
      );
      if (cached) {
        // A stale policy beats dropping creation events while SSM is briefly unreachable.
        log({
          level: 'warn',
          msg: 'using cached policy',
          parameter: parameterName,
          error: failure.message,
        });
        cached.checkedAt = at;
        return cached.tags;
      }
      throw failure;
    }
    if (text === undefined) {
      throw new ConfigurationError(`the tag policy SSM parameter ${parameterName} has no value`);
    }
    if (cached && version !== undefined && cached.version === version) {
      cached.checkedAt = at;
      return cached.tags;
    }
    const tags = loadedFromText(text, `ssm:${parameterName}`).policy.tags;
    if (!tags) {
      log({
        level: 'warn',
        msg: 'policy has no tags section: setting creator and create time only',
        parameter: parameterName,
      });
    }
    log({ level: 'info', msg: 'loaded policy', parameter: parameterName, version });
    cached = { version, tags, checkedAt: at };
    return tags;
  }

  /** Existing tags per ARN; an ARN missing from the map could not be read. */
  async function readTags(
    resources: readonly CreatedResource[],
    failed: (arn: string, reason: string) => void,
  ): Promise<Map<string, Tags>> {
    const found = new Map<string, Tags>();
    const viaTagging: string[] = [];
    const instances = resources.filter((r) => nativeOf(r.arn) === 'ec2');
    if (instances.length > 0) {
      // EC2's own tags answer immediately; the Tagging API's index can lag a fresh resource.
      try {
        for (const r of instances) found.set(r.arn, {});
        const byId = new Map(instances.map((r) => [arnName(r.arn), r.arn]));
        let token: string | undefined;
        do {
          const page = await ec2.send(
            new DescribeTagsCommand({
              Filters: [{ Name: 'resource-id', Values: [...byId.keys()] }],
              ...(token !== undefined && { NextToken: token }),
            }),
          );
          for (const tag of page.Tags ?? []) {
            const arn = tag.ResourceId === undefined ? undefined : byId.get(tag.ResourceId);
            if (arn !== undefined && tag.Key !== undefined) {
              (found.get(arn) ?? {})[tag.Key] = tag.Value ?? '';
            }
          }
          token = page.NextToken;
        } while (token);
      } catch (error) {
        const reason = awsFailure('read EC2 tags', 'ec2:DescribeTags', error).message;
        for (const r of instances) {
          found.delete(r.arn);
          failed(r.arn, reason);
        }
      }
    }
    for (const r of resources) {
      const native = nativeOf(r.arn);
      if (native === 'ec2') continue;
      if (native === 's3') {
        try {
          found.set(r.arn, await bucketTags(arnName(r.arn)));
        } catch (error) {
          failed(r.arn, awsFailure('read bucket tags', 's3:GetBucketTagging', error).message);
        }
      } else if (native === 'ecr' && ecr) {
        try {
          const answer = await ecr.send(new ListTagsForResourceCommand({ resourceArn: r.arn }));
          found.set(r.arn, tagsFromPairs(answer.tags ?? []));
        } catch (error) {
          failed(
            r.arn,
            awsFailure('read repository tags', 'ecr:ListTagsForResource', error).message,
          );
        }
      } else {
        viaTagging.push(r.arn);
      }
    }
    for (let index = 0; index < viaTagging.length; index += MAX_ARNS_PER_READ) {
      const arns = viaTagging.slice(index, index + MAX_ARNS_PER_READ);
      try {
        // GetResources never lists a never-tagged resource, so "absent" means "no tags yet".
        // Filter on the client too: emulators (moto) ignore ResourceARNList.
        const answer = await tagging.send(new GetResourcesCommand({ ResourceARNList: arns }));
        for (const arn of arns) found.set(arn, {});
        for (const mapping of answer.ResourceTagMappingList ?? []) {
          if (mapping.ResourceARN !== undefined && arns.includes(mapping.ResourceARN)) {
            found.set(mapping.ResourceARN, tagsFromPairs(mapping.Tags ?? []));
          }
        }
      } catch (error) {
        const reason = awsFailure('read tags', 'tag:GetResources', error).message;
        for (const arn of arns) failed(arn, reason);
      }
    }
    return found;
  }

  async function bucketTags(bucket: string): Promise<Tags> {
    try {
      const answer = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
      return tagsFromPairs(answer.TagSet ?? []);
    } catch (error) {
      if (hasAwsCode(error, 'NoSuchTagSet')) return {};
      throw error;
    }
  }

  /** Writes through the service's own API, for ARNs the Tagging API cannot tag. */
  async function writeNative(arn: string, tags: Tags): Promise<string> {
    switch (nativeOf(arn)) {
      case 'ec2':
        try {
          await ec2.send(
            new CreateTagsCommand({ Resources: [arnName(arn)], Tags: tagPairs(tags) }),
          );
          return 'ec2:CreateTags';
        } catch (error) {
          throw awsFailure(`tag ${arn}`, 'ec2:CreateTags', error);
        }
      case 's3': {
        const bucket = arnName(arn);
        try {
          // PutBucketTagging replaces the whole set: merge, keeping every existing value.
          const merged = { ...tags, ...(await bucketTags(bucket)) };
          await s3.send(
            new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tagPairs(merged) } }),
          );
          return 's3:PutBucketTagging';
        } catch (error) {
          throw awsFailure(
            `tag bucket ${bucket}`,
            's3:GetBucketTagging and s3:PutBucketTagging',
            error,
          );
        }
      }
      case 'ecr':
        if (ecr) {
          try {
            await ecr.send(new TagResourceCommand({ resourceArn: arn, tags: tagPairs(tags) }));
            return 'ecr:TagResource';
          } catch (error) {
            throw awsFailure(`tag ${arn}`, 'ecr:TagResource', error);
          }
        }
        break;
      case undefined:
        break;
    }
    throw new AwsError(`no native tagging call for ${arn}`, undefined);
  }

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

    const existing = await readTags(resources, fail);
    const plans: TagCheck[] = [];
    for (const created of resources) {
      const tags = existing.get(created.arn);
      if (tags === undefined) continue;
      const facts: ResourceFacts = {
        arn: created.arn,
        type: created.type,
        tags,
        ...(created.name !== undefined && { name: created.name }),
        ...(origin.account !== undefined && { accountId: origin.account }),
        ...(origin.region !== undefined && { region: origin.region }),
        ...(created.vpcId !== undefined && { vpcId: created.vpcId }),
        ...(origin.creator !== undefined && { creator: origin.creator }),
      };
      // The Lambda never overwrites, whatever `overwrite` says for apply.
      const check = policy
        ? checkResource({ ...policy, overwrite: false }, facts)
        : {
            arn: created.arn,
            type: created.type,
            applicable: [],
            missing: [],
            invalid: [],
            set: {},
            unresolved: [],
          };
      const wanted: Tags = { ...check.set };
      if (origin.creator !== undefined) {
        wanted[CREATED_BY_TAG] = origin.creator.slice(0, MAX_TAG_VALUE);
      }
      if (origin.time !== undefined) wanted[CREATED_AT_TAG] = origin.time;
      // Only keys the resource does not carry yet: never overwrite, and idempotent on retries.
      const set = Object.fromEntries(Object.entries(wanted).filter(([key]) => !(key in tags)));
      if (Object.keys(set).length === 0) {
        const reason = 'already tagged';
        summary.skipped.push({ arn: created.arn, type: created.type, reason });
        log({
          level: 'info',
          msg: 'nothing to set',
          ...base,
          arn: created.arn,
          reason,
          unresolved: check.unresolved,
        });
        continue;
      }
      plans.push({ ...check, set });
      if (check.unresolved.length > 0) {
        log({
          level: 'warn',
          msg: 'required tags left unset',
          ...base,
          arn: created.arn,
          unresolved: check.unresolved,
        });
      }
    }

    const tagged = (arn: string, set: Tags, via: string): void => {
      summary.tagged.push({ arn, type: type(arn), set, via });
      log({ level: 'info', msg: 'tagged', ...base, arn, set, via });
    };
    const native = async (arn: string, set: Tags, why: string): Promise<void> => {
      if (nativeOf(arn) === undefined || (nativeOf(arn) === 'ecr' && !ecr)) {
        fail(arn, why);
        return;
      }
      try {
        tagged(arn, set, await writeNative(arn, set));
      } catch (error) {
        fail(arn, errorMessage(error));
      }
    };

    for (const batch of batchChanges(plans)) {
      let failures: Record<string, { ErrorCode?: string; ErrorMessage?: string }>;
      try {
        const answer = await tagging.send(
          new TagResourcesCommand({ ResourceARNList: batch.arns, Tags: batch.tags }),
        );
        failures = answer.FailedResourcesMap ?? {};
      } catch (error) {
        const reason = awsFailure('tag resources', 'tag:TagResources', error).message;
        failures = Object.fromEntries(batch.arns.map((arn) => [arn, { ErrorMessage: reason }]));
      }
      for (const arn of batch.arns) {
        const failure = failures[arn];
        if (!failure) {
          tagged(arn, batch.tags, 'tag:TagResources');
          continue;
        }
        // The Tagging API cannot tag every type everywhere (moto: EC2, S3, ECR); the service's
        // own call can.
        const why = `tag:TagResources: ${[failure.ErrorCode, failure.ErrorMessage].filter(Boolean).join(': ')}`;
        await native(arn, batch.tags, why);
      }
    }
    return summary;
  };
}
