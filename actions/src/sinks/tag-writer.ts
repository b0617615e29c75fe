/**
 * The one tag writer: `tags apply --execute` and the auto-tag Lambda both write through it.
 * TagResources tags up to 20 ARNs with one tag set per call, so the batches from `batchChanges`
 * are already the fewest calls possible; this module sends them, retries the ARNs AWS throttled,
 * falls back to the service's own tagging call where the Tagging API cannot tag a type (EC2,
 * S3, ECR: moto 5.2.1's TagResources supports none of them), and accounts for every ARN it was
 * given, saying which call tagged it.
 */
// Types only: @aws-sdk/client-ec2 and client-s3 are loaded through import() by the paths that
// call CreateTags or PutBucketTagging.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { TagResourceCommand, type ECRClient } from '@aws-sdk/client-ecr';
import {
  TagResourcesCommand,
  type FailureInfo,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import type { S3Client } from '@aws-sdk/client-s3';
import { arnName, parseArn } from '../core/arn';
import type { LazyClient } from '../core/aws';
import { systemClock } from '../core/clock';
import { chunks } from '../core/collections';
import {
  AwsError,
  UndecidedError,
  awsFailure,
  hasAwsCode,
  isCredentialOrPermissionFailure,
} from '../core/errors';
import type { Log } from '../core/log';
import {
  MAX_TAGS_PER_RESOURCE,
  formatTags,
  isSystemTagKey,
  ownTaggingService,
  tagPairs,
  tagSetKey,
  type FailedArn,
  type TagBatch,
} from '../core/tag-policy';
import { MALFORMED_ANSWER, readBucketTags } from '../sources/tagging';

/**
 * The clients the tag writer needs: the Tagging API, and the services' own tagging calls for
 * the ARNs it refuses. Without `ecr`, an ECR repository the Tagging API refuses is reported as
 * failed. EC2's is a `LazyClient` (core/aws): built, and its package loaded, only when an EC2
 * resource needs CreateTags. S3's commands load the same way, when a bucket needs its own call.
 */
export interface TagWriterClients {
  tagging: ResourceGroupsTaggingAPIClient;
  ec2: LazyClient<EC2Client>;
  s3: S3Client;
  ecr?: ECRClient;
}

/** The call that tagged an ARN (its IAM action, as the auto-tag Lambda logs it). */
export type TagCall =
  'tag:TagResources' | 'ec2:CreateTags' | 's3:PutBucketTagging' | 'ecr:TagResource';

export interface ApplyResult {
  calls: {
    TagResources: number;
    /** The services' own calls; TagResource is ECR's. */
    native: {
      CreateTags: number;
      GetBucketTagging: number;
      PutBucketTagging: number;
      TagResource: number;
    };
  };
  /** ARNs that now carry their planned tags. */
  tagged: string[];
  /** Every other ARN of the plan, with why. No ARN is in both lists, none is in neither. */
  failed: FailedArn[];
  /**
   * Per ARN of `tagged` and `failed`: the call that tagged it, or that was to. Absent for the
   * ARNs given as `unreadable`, which no call was meant for.
   */
  via: Partial<Record<string, TagCall>>;
  /**
   * ARNs of `tagged` that already carried their planned tags (S3's read before its write found
   * nothing to add): no call wrote them.
   */
  unchanged: string[];
}

export interface ExecuteOptions {
  log: Log;
  /** Milliseconds; the system clock's sleep by default. */
  sleep?: (ms: number) => Promise<void>;
  /** Extra TagResources rounds for the ARNs AWS reports as throttled or failed with a 5xx (5). */
  maxThrottleRetries?: number;
  /**
   * true (default, `tags apply`): planned values replace existing ones, as TagResources does.
   * false (the auto-tag Lambda): a key the resource carries keeps its value. The bucket merge
   * enforces it (it reads the set anyway); TagResources, CreateTags and ECR's TagResource cannot
   * be conditional, so the caller plans only keys the resource lacked when read (sources/tagging
   * `readTags`).
   */
  overwrite?: boolean;
  /**
   * ARNs of the plan whose current tags could not be read (sources/tagging `readTags`), left out
   * of `batches` by the caller: reported in `failed` so the result still accounts for them.
   */
  unreadable?: readonly FailedArn[];
}

/** EC2 CreateTags takes up to 1000 resource ids per call. */
export const MAX_EC2_IDS_PER_CALL = 1000;
/** S3 bucket tag sets hold at most 50 tags besides AWS's own `aws:` ones (PutBucketTagging rejects more). */
export const MAX_S3_TAGS = MAX_TAGS_PER_RESOURCE;
const DEFAULT_THROTTLE_RETRIES = 5;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 20_000;

/** Write calls made: what a second run right after a successful one must bring to 0. */
export function writeCalls(result: ApplyResult): number {
  const { native } = result.calls;
  return (
    result.calls.TagResources + native.CreateTags + native.PutBucketTagging + native.TagResource
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
 * InvalidParameterException; moto 5.2.1 answers every type it does not route (EC2, S3, ECR, SNS,
 * SQS…) with 404 InternalServiceException "Service not yet supported".
 */
function notTaggableByApi(info: FailureInfo): boolean {
  if (retryable(info)) return false;
  return /not (yet )?supported|unsupported|resource type/i.test(info.ErrorMessage ?? '');
}

function codeOf(error: AwsError | Error): string {
  if (error instanceof AwsError) return error.awsCode ?? 'Error';
  return error instanceof UndecidedError ? MALFORMED_ANSWER : error.name;
}

interface Pending {
  arn: string;
  tags: Record<string, string>;
}

/** One execution of a plan: its calls, its per-ARN outcomes, and whether it had to stop. */
class PlanExecution {
  readonly result: ApplyResult = {
    calls: {
      TagResources: 0,
      native: { CreateTags: 0, GetBucketTagging: 0, PutBucketTagging: 0, TagResource: 0 },
    },
    tagged: [],
    failed: [],
    via: {},
    unchanged: [],
  };
  /** ARNs the Tagging API refused, for their service's own call. */
  readonly native: Pending[] = [];
  /** Set when an error (access denied, bad credentials) would repeat on every later call. */
  stopped: { code: string; message: string } | undefined;

  constructor(
    readonly clients: TagWriterClients,
    readonly log: Log,
    readonly sleep: (ms: number) => Promise<void>,
    readonly maxRetries: number,
    readonly overwrite: boolean,
  ) {}

  tag(arns: readonly string[], via: TagCall): void {
    for (const arn of arns) {
      this.result.tagged.push(arn);
      this.result.via[arn] = via;
    }
  }

  fail(arns: readonly string[], via: TagCall, code: string, message: string): void {
    for (const arn of arns) {
      this.result.failed.push({ arn, code, message });
      this.result.via[arn] = via;
    }
  }

  /** Records a call-level failure for these ARNs; stops the run when it would repeat. */
  callFailed(arns: readonly string[], via: TagCall, failure: AwsError | Error): void {
    const code = codeOf(failure);
    this.fail(arns, via, code, failure.message);
    if (isCredentialOrPermissionFailure(code)) this.stopped = { code, message: failure.message };
  }

  /** True (and the ARNs reported) when an earlier failure stopped the run. */
  skipped(arns: readonly string[], via: TagCall): boolean {
    if (!this.stopped) return false;
    this.fail(arns, via, this.stopped.code, `not attempted: ${this.stopped.message}`);
    return true;
  }

  /** Whether the service's own call can tag this ARN with the clients given. */
  hasOwnCall(arn: string): boolean {
    const service = ownTaggingService(arn);
    return service !== undefined && this.clients[service] !== undefined;
  }

  async tagResources(batch: TagBatch, label: string): Promise<void> {
    let pending = batch.arns;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (this.skipped(pending, 'tag:TagResources')) return;
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
        this.callFailed(pending, 'tag:TagResources', failure);
        this.log(`${label}: TagResources failed for ${pending.length} ARN(s): ${failure.message}`);
        return;
      }
      const retry: string[] = [];
      let done = 0;
      for (const arn of pending) {
        const info = failedMap[arn];
        if (info === undefined) {
          this.tag([arn], 'tag:TagResources');
          done += 1;
        } else if (retryable(info) && attempt < this.maxRetries) {
          retry.push(arn);
        } else if (notTaggableByApi(info) && this.hasOwnCall(arn)) {
          this.native.push({ arn, tags: batch.tags });
        } else {
          this.fail(
            [arn],
            'tag:TagResources',
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

  /**
   * EC2's own CreateTags, for EC2 ARNs the Tagging API refused: ids grouped by tag set. The
   * client and @aws-sdk/client-ec2 are loaded here, on first use.
   */
  async createTags(client: LazyClient<EC2Client>, entries: readonly Pending[]): Promise<void> {
    const ec2 = await client();
    const { CreateTagsCommand } = await import('@aws-sdk/client-ec2');
    const region = await ec2.config.region();
    const sets = new Map<string, { tags: Record<string, string>; ids: Map<string, string> }>();
    for (const { arn, tags } of entries) {
      const parsed = parseArn(arn);
      if (parsed === undefined || parsed.region !== region) {
        this.fail(
          [arn],
          'ec2:CreateTags',
          'WrongRegion',
          `is in ${parsed?.region ?? 'an unknown region'} but apply's EC2 client is in ${region}: run apply in that region`,
        );
        continue;
      }
      const key = tagSetKey(tags);
      const set = sets.get(key) ?? { tags, ids: new Map<string, string>() };
      set.ids.set(arnName(arn), arn);
      sets.set(key, set);
    }
    for (const { tags, ids } of sets.values()) {
      for (const chunk of chunks([...ids], MAX_EC2_IDS_PER_CALL)) {
        const arns = chunk.map(([, arn]) => arn);
        if (this.skipped(arns, 'ec2:CreateTags')) continue;
        this.result.calls.native.CreateTags += 1;
        try {
          await ec2.send(
            new CreateTagsCommand({ Resources: chunk.map(([id]) => id), Tags: tagPairs(tags) }),
          );
          this.tag(arns, 'ec2:CreateTags');
          this.log(`EC2 CreateTags: ${arns.length} tagged with ${formatTags(tags)}`);
        } catch (error) {
          // CreateTags is all-or-nothing: one unknown id fails the whole call.
          const failure = awsFailure(
            `tag ${arns.length} EC2 resource(s) with ${formatTags(tags)}`,
            'ec2:CreateTags',
            error,
          );
          this.callFailed(arns, 'ec2:CreateTags', failure);
          this.log(`EC2 CreateTags failed for ${arns.length} resource(s): ${failure.message}`);
        }
      }
    }
  }

  /**
   * S3's PutBucketTagging replaces the bucket's whole tag set, so read it first and merge: keys
   * the plan does not name keep their values, as they do with TagResources; with overwrite
   * false, keys the bucket carries keep theirs too. A bucket whose set cannot be read (a failed
   * call, or a 200 answer without its TagSet) is not written: the merge would erase its tags.
   *
   * AWS's own `aws:` tags (aws:cloudformation:stack-name…) stay in the set exactly as read, and
   * the plan never adds or changes one. S3 has required that since 2018: a set that leaves an
   * existing system tag out is refused ("InvalidTag: System Tags cannot be removed by
   * requester", cloud-custodian #2834/#2861, terraform-provider-aws #7323/#7342), and a new or
   * changed `aws:` key is refused ("Your TagKey cannot be prefixed with aws:"). Before 2018 (and
   * in moto 5.2.1) S3 refused re-sent system tags and erased omitted ones; assetguard never
   * drops them to get a write through, so there a bucket carrying them is reported as failed.
   */
  async putBucketTagging(s3: S3Client, { arn, tags }: Pending): Promise<void> {
    const via = 's3:PutBucketTagging';
    if (this.skipped([arn], via)) return;
    const bucket = arnName(arn);
    let existing: Record<string, string>;
    this.result.calls.native.GetBucketTagging += 1;
    try {
      existing = await readBucketTags(s3, bucket);
    } catch (error) {
      const failure = awsFailure(`read the tags of bucket ${bucket}`, 's3:GetBucketTagging', error);
      this.callFailed([arn], via, failure);
      this.log(`S3 GetBucketTagging failed for ${bucket}, not written: ${failure.message}`);
      return;
    }
    const reserved = Object.keys(tags).filter(isSystemTagKey);
    if (reserved.length > 0) {
      this.log(`S3: not setting ${reserved.join(', ')} on ${bucket}: the aws: prefix is AWS's own`);
    }
    const adding = Object.fromEntries(
      Object.entries(tags).filter(
        ([key]) => !isSystemTagKey(key) && (this.overwrite || !Object.hasOwn(existing, key)),
      ),
    );
    if (Object.entries(adding).every(([key, value]) => existing[key] === value)) {
      this.tag([arn], via);
      this.result.unchanged.push(arn);
      return;
    }
    const merged = { ...existing, ...adding };
    const counted = Object.keys(merged).filter((key) => !isSystemTagKey(key)).length;
    if (counted > MAX_S3_TAGS) {
      this.fail(
        [arn],
        via,
        'TooManyTags',
        `bucket ${bucket} would carry ${counted} tags; S3 allows ${MAX_S3_TAGS} (aws: tags not counted)`,
      );
      return;
    }
    this.result.calls.native.PutBucketTagging += 1;
    // Loaded with the client already, so this import() only looks the package up.
    const { PutBucketTaggingCommand } = await import('@aws-sdk/client-s3');
    try {
      await s3.send(
        new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tagPairs(merged) } }),
      );
      this.tag([arn], via);
      this.log(`S3 PutBucketTagging: ${bucket} tagged with ${formatTags(adding)}`);
    } catch (error) {
      const system = Object.keys(existing).filter(isSystemTagKey);
      let failure = awsFailure(`tag bucket ${bucket}`, 's3:PutBucketTagging', error);
      if (system.length > 0 && hasAwsCode(error, 'InvalidTag') && failure instanceof AwsError) {
        // Older S3 (and moto 5.2.1) refuse re-sent system tags; dropping them would erase them.
        failure = new AwsError(
          `${failure.message} (the set kept the bucket's own ${system.join(', ')} unchanged, as S3 requires; assetguard never drops them, which would erase them: tag this bucket with tag:TagResources or through its CloudFormation stack)`,
          failure.awsCode,
          { cause: error },
        );
      }
      this.callFailed([arn], via, failure);
      this.log(`S3 PutBucketTagging failed for ${bucket}: ${failure.message}`);
    }
  }

  /** ECR's own TagResource: one repository per call; keys it does not name keep their values. */
  async tagRepository(ecr: ECRClient, { arn, tags }: Pending): Promise<void> {
    const via = 'ecr:TagResource';
    if (this.skipped([arn], via)) return;
    this.result.calls.native.TagResource += 1;
    try {
      await ecr.send(new TagResourceCommand({ resourceArn: arn, tags: tagPairs(tags) }));
      this.tag([arn], via);
      this.log(`ECR TagResource: ${arnName(arn)} tagged with ${formatTags(tags)}`);
    } catch (error) {
      const failure = awsFailure(`tag repository ${arn}`, 'ecr:TagResource', error);
      this.callFailed([arn], via, failure);
      this.log(`ECR TagResource failed for ${arn}: ${failure.message}`);
    }
  }
}

/**
 * Writes the batches (from core/tag-policy `batchChanges`: one tag set, ≤20 ARNs each) and
 * returns, per ARN, whether it now carries its tags and which call wrote them. Never throws for
 * an AWS failure: each ARN ends in exactly one of `tagged` and `failed`, the failure naming the
 * permission to grant; after a denial or bad credentials the remaining ARNs are reported "not
 * attempted" rather than repeating the call.
 *
 * TagResources first, one call per batch, in order: the Tagging API's rate is a few calls per
 * second per account, so calls go one at a time and the client's adaptive retry paces them.
 * Per-ARN throttling inside a 200 answer (FailedResourcesMap) is not retried by the SDK, so those
 * ARNs get their own rounds here, with backoff (500 ms doubling, ≤20 s). ARNs the Tagging API
 * cannot tag then go to their service's own call: EC2 CreateTags (≤1000 ids per call, one call
 * per tag set, the client's region only), S3 GetBucketTagging + PutBucketTagging per bucket (it
 * replaces the whole set: merged, ≤50 tags besides the bucket's `aws:` ones, which are kept as
 * read; a bucket whose set cannot be read, or is answered malformed, is not written), ECR
 * TagResource per repository (with `clients.ecr`). The batches must carry only tags AWS accepts:
 * core/tag-policy `checkResource` plans nothing else, so a refusal never costs a whole call.
 */
export async function executePlan(
  clients: TagWriterClients,
  batches: readonly TagBatch[],
  options: ExecuteOptions,
): Promise<ApplyResult> {
  const execution = new PlanExecution(
    clients,
    options.log,
    options.sleep ?? ((ms: number) => systemClock.sleep(ms)),
    options.maxThrottleRetries ?? DEFAULT_THROTTLE_RETRIES,
    options.overwrite ?? true,
  );
  execution.result.failed.push(...(options.unreadable ?? []));
  for (const [index, batch] of batches.entries()) {
    await execution.tagResources(
      batch,
      `[${index + 1}/${batches.length}] ${formatTags(batch.tags)}`,
    );
  }
  const own = (service: string): Pending[] =>
    execution.native.filter((entry) => ownTaggingService(entry.arn) === service);
  const [ec2, s3, ecr] = [own('ec2'), own('s3'), own('ecr')];
  if (ec2.length > 0) {
    options.log(`${ec2.length} EC2 resource(s) need EC2's own CreateTags`);
    await execution.createTags(clients.ec2, ec2);
  }
  if (s3.length > 0) {
    options.log(`${s3.length} bucket(s) need S3's own PutBucketTagging`);
    for (const entry of s3) await execution.putBucketTagging(clients.s3, entry);
  }
  if (ecr.length > 0 && clients.ecr) {
    options.log(`${ecr.length} repository(ies) need ECR's own TagResource`);
    for (const entry of ecr) await execution.tagRepository(clients.ecr, entry);
  }
  const { result } = execution;
  options.log(
    `tagged ${result.tagged.length}, failed ${result.failed.length}; ${writeCalls(result)} write call(s)`,
  );
  return result;
}
