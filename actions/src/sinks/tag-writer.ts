/**
 * `tags apply`: shows what would change, then writes it. TagResources tags up to 20 ARNs with one
 * tag set per call, so the batches from `batchChanges` are already the fewest calls possible; this
 * module sends them, retries the ARNs AWS throttled, falls back to the service's own tagging call
 * where the Tagging API cannot tag a type, and accounts for every ARN it was given.
 */
import { CreateTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  TagResourcesCommand,
  type FailureInfo,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetBucketTaggingCommand,
  PutBucketTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { parseArn } from '../core/arn';
import { systemClock } from '../core/clock';
import { AwsError, awsFailure, hasAwsCode, isCredentialOrPermissionFailure } from '../core/errors';
import { formatTags, tagPairs, tagSetKey, tagsFromPairs, type TagBatch } from '../core/tag-policy';
import type { Log } from '../core/log';
import { chunks } from '../core/collections';

export interface TagClients {
  tagging: ResourceGroupsTaggingAPIClient;
  ec2: EC2Client;
  s3: S3Client;
}

export interface FailedArn {
  arn: string;
  code: string;
  message: string;
}

export interface ApplyResult {
  calls: {
    TagResources: number;
    native: { CreateTags: number; GetBucketTagging: number; PutBucketTagging: number };
  };
  /** ARNs that now carry their planned tags. */
  tagged: string[];
  /** Every other ARN of the plan, with why. No ARN is in both lists, none is in neither. */
  failed: FailedArn[];
}

export interface ExecuteOptions {
  log: Log;
  sleep?: (ms: number) => Promise<void>;
  /** Extra TagResources rounds for the ARNs AWS reports as throttled or failed with a 5xx. */
  maxThrottleRetries?: number;
}

/** EC2 CreateTags takes up to 1000 resource ids per call. */
export const MAX_EC2_IDS_PER_CALL = 1000;
/** S3 bucket tag sets hold at most 50 tags (PutBucketTagging rejects more). */
export const MAX_S3_TAGS = 50;
const DEFAULT_THROTTLE_RETRIES = 5;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 20_000;

/** Write calls made: what a second run right after a successful one must bring to 0. */
export function writeCalls(result: ApplyResult): number {
  return (
    result.calls.TagResources +
    result.calls.native.CreateTags +
    result.calls.native.PutBucketTagging
  );
}

/** Throttling or a server-side failure for this ARN: worth another round. */
function retryable(info: FailureInfo): boolean {
  const status = info.StatusCode ?? 0;
  const text = `${info.ErrorCode ?? ''} ${info.ErrorMessage ?? ''}`;
  return status >= 500 || status === 429 || /throttl|rate exceeded|too many requests/i.test(text);
}

/**
 * The Tagging API answered that it cannot tag this resource type. AWS says so with
 * InvalidParameterException; moto 5.2.1 answers every type it does not route (EC2, S3, SNS, SQS…)
 * with 404 InternalServiceException "Service not yet supported".
 */
function notTaggableByApi(info: FailureInfo): boolean {
  if (retryable(info)) return false;
  return /not (yet )?supported|unsupported|resource type/i.test(info.ErrorMessage ?? '');
}

type Native = 'ec2' | 's3';

function nativeService(arn: string): Native | undefined {
  const parsed = parseArn(arn);
  if (parsed?.service === 'ec2' && parsed.resource.includes('/')) return 'ec2';
  // Buckets only: object ARNs (bucket/key) are not taggable with PutBucketTagging.
  if (parsed?.service === 's3' && parsed.resource !== '' && !parsed.resource.includes('/'))
    return 's3';
  return undefined;
}

function codeOf(error: AwsError | Error): string {
  return error instanceof AwsError ? (error.awsCode ?? 'Error') : error.name;
}

interface Pending {
  arn: string;
  tags: Record<string, string>;
}

class Run {
  readonly result: ApplyResult = {
    calls: { TagResources: 0, native: { CreateTags: 0, GetBucketTagging: 0, PutBucketTagging: 0 } },
    tagged: [],
    failed: [],
  };
  readonly native: Pending[] = [];
  /** Set when an error (access denied, bad credentials) would repeat on every later call. */
  stopped: { code: string; message: string } | undefined;

  constructor(
    readonly clients: TagClients,
    readonly log: Log,
    readonly sleep: (ms: number) => Promise<void>,
    readonly maxRetries: number,
  ) {}

  fail(arns: readonly string[], code: string, message: string): void {
    for (const arn of arns) this.result.failed.push({ arn, code, message });
  }

  /** Records a call-level failure for these ARNs; stops the run when it would repeat. */
  callFailed(arns: readonly string[], failure: AwsError | Error): void {
    const code = codeOf(failure);
    this.fail(arns, code, failure.message);
    if (isCredentialOrPermissionFailure(code)) this.stopped = { code, message: failure.message };
  }

  async tagResources(batch: TagBatch, label: string): Promise<void> {
    let pending = batch.arns;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (this.stopped) {
        this.fail(pending, this.stopped.code, `not attempted: ${this.stopped.message}`);
        return;
      }
      this.result.calls.TagResources += 1;
      let failedMap: Record<string, FailureInfo>;
      try {
        const response = await this.clients.tagging.send(
          new TagResourcesCommand({ ResourceARNList: pending, Tags: batch.tags }),
        );
        failedMap = response.FailedResourcesMap ?? {};
      } catch (error) {
        const failure = awsFailure(
          `tag ${pending.length} resource(s) with ${formatTags(batch.tags)}`,
          'tag:TagResources (and the tagging permission of each resource’s service)',
          error,
        );
        this.callFailed(pending, failure);
        this.log(`${label}: TagResources failed for ${pending.length} ARN(s): ${failure.message}`);
        return;
      }
      const retry: string[] = [];
      let done = 0;
      for (const arn of pending) {
        const info = failedMap[arn];
        if (info === undefined) {
          this.result.tagged.push(arn);
          done += 1;
        } else if (retryable(info) && attempt < this.maxRetries) {
          retry.push(arn);
        } else if (notTaggableByApi(info) && nativeService(arn) !== undefined) {
          this.native.push({ arn, tags: batch.tags });
        } else {
          this.fail(
            [arn],
            info.ErrorCode ?? `HTTP ${info.StatusCode ?? '?'}`,
            info.ErrorMessage ?? 'TagResources reported a failure without a message',
          );
        }
      }
      const deferred = pending.length - done - retry.length;
      this.log(
        `${label}: ${done} tagged` +
          (retry.length > 0 ? `, ${retry.length} throttled (retrying)` : '') +
          (deferred > 0 ? `, ${deferred} not tagged by TagResources` : ''),
      );
      if (retry.length > 0)
        await this.sleep(Math.min(BACKOFF_BASE_MS * 2 ** attempt, BACKOFF_CAP_MS));
      pending = retry;
    }
  }

  /** EC2's own CreateTags, for EC2 ARNs the Tagging API refused: ids grouped by tag set. */
  async createTags(entries: readonly Pending[]): Promise<void> {
    const region = await this.clients.ec2.config.region();
    const sets = new Map<string, { tags: Record<string, string>; ids: Map<string, string> }>();
    for (const { arn, tags } of entries) {
      const parsed = parseArn(arn);
      if (parsed === undefined || parsed.region !== region) {
        this.fail(
          [arn],
          'WrongRegion',
          `is in ${parsed?.region ?? 'an unknown region'} but apply's EC2 client is in ${region}: run apply in that region`,
        );
        continue;
      }
      const key = tagSetKey(tags);
      const set = sets.get(key) ?? { tags, ids: new Map<string, string>() };
      set.ids.set(parsed.resource.slice(parsed.resource.lastIndexOf('/') + 1), arn);
      sets.set(key, set);
    }
    for (const { tags, ids } of sets.values()) {
      for (const chunk of chunks([...ids], MAX_EC2_IDS_PER_CALL)) {
        const arns = chunk.map(([, arn]) => arn);
        if (this.stopped) {
          this.fail(arns, this.stopped.code, `not attempted: ${this.stopped.message}`);
          continue;
        }
        this.result.calls.native.CreateTags += 1;
        try {
          await this.clients.ec2.send(
            new CreateTagsCommand({
              Resources: chunk.map(([id]) => id),
              Tags: tagPairs(tags),
            }),
          );
          this.result.tagged.push(...arns);
          this.log(`EC2 CreateTags: ${arns.length} tagged with ${formatTags(tags)}`);
        } catch (error) {
          // CreateTags is all-or-nothing: one unknown id fails the whole call.
          const failure = awsFailure(
            `tag ${arns.length} EC2 resource(s) with ${formatTags(tags)}`,
            'ec2:CreateTags',
            error,
          );
          this.callFailed(arns, failure);
          this.log(`EC2 CreateTags failed for ${arns.length} resource(s): ${failure.message}`);
        }
      }
    }
  }

  /**
   * S3's PutBucketTagging replaces the bucket's whole tag set, so read it first and merge: keys
   * the plan does not name keep their values, as they do with TagResources.
   */
  async putBucketTagging({ arn, tags }: Pending): Promise<void> {
    if (this.stopped) {
      this.fail([arn], this.stopped.code, `not attempted: ${this.stopped.message}`);
      return;
    }
    const bucket = parseArn(arn)?.resource ?? '';
    let existing: Record<string, string> = {};
    this.result.calls.native.GetBucketTagging += 1;
    try {
      const response = await this.clients.s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
      existing = tagsFromPairs(response.TagSet);
    } catch (error) {
      if (!hasAwsCode(error, 'NoSuchTagSet')) {
        this.callFailed(
          [arn],
          awsFailure(`read the tags of bucket ${bucket}`, 's3:GetBucketTagging', error),
        );
        return;
      }
      existing = {};
    }
    const merged = { ...existing, ...tags };
    if (Object.entries(tags).every(([key, value]) => existing[key] === value)) {
      this.result.tagged.push(arn);
      return;
    }
    if (Object.keys(merged).length > MAX_S3_TAGS) {
      this.fail(
        [arn],
        'TooManyTags',
        `bucket ${bucket} would carry ${Object.keys(merged).length} tags; S3 allows ${MAX_S3_TAGS}`,
      );
      return;
    }
    this.result.calls.native.PutBucketTagging += 1;
    try {
      await this.clients.s3.send(
        new PutBucketTaggingCommand({
          Bucket: bucket,
          Tagging: { TagSet: tagPairs(merged) },
        }),
      );
      this.result.tagged.push(arn);
      this.log(`S3 PutBucketTagging: ${bucket} tagged with ${formatTags(tags)}`);
    } catch (error) {
      const failure = awsFailure(`tag bucket ${bucket}`, 's3:PutBucketTagging', error);
      this.callFailed([arn], failure);
      this.log(`S3 PutBucketTagging failed for ${bucket}: ${failure.message}`);
    }
  }
}

/**
 * Writes the batches. TagResources first, one call per batch, in order: the Tagging API's rate is
 * a few calls per second per account, so calls go one at a time and the client's adaptive retry
 * paces them. Per-ARN throttling inside a 200 answer (FailedResourcesMap) is not retried by the
 * SDK, so those ARNs get their own rounds here, with backoff.
 */
export async function executePlan(
  clients: TagClients,
  batches: readonly TagBatch[],
  options: ExecuteOptions,
): Promise<ApplyResult> {
  const run = new Run(
    clients,
    options.log,
    options.sleep ?? ((ms: number) => systemClock.sleep(ms)),
    options.maxThrottleRetries ?? DEFAULT_THROTTLE_RETRIES,
  );
  for (const [index, batch] of batches.entries()) {
    await run.tagResources(batch, `[${index + 1}/${batches.length}] ${formatTags(batch.tags)}`);
  }
  const ec2 = run.native.filter((entry) => nativeService(entry.arn) === 'ec2');
  const s3 = run.native.filter((entry) => nativeService(entry.arn) === 's3');
  if (ec2.length > 0) {
    options.log(`${ec2.length} EC2 resource(s) need EC2's own CreateTags`);
    await run.createTags(ec2);
  }
  if (s3.length > 0) {
    options.log(`${s3.length} bucket(s) need S3's own PutBucketTagging`);
    for (const entry of s3) await run.putBucketTagging(entry);
  }
  const { result } = run;
  options.log(
    `tagged ${result.tagged.length}, failed ${result.failed.length}; ${writeCalls(result)} write call(s)`,
  );
  return result;
}
