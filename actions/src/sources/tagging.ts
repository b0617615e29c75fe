/**
 * The tags given ARNs carry now, read just before a write: the auto-tag Lambda plans from them,
 * and `tags apply --execute` re-plans from them so a value set since the inventory is never
 * overwritten. Each ARN is read from the service that owns it where that service answers first-
 * hand (EC2, S3, ECR), else from the Tagging API. An ARN whose tags could not be read is reported
 * as unreadable, never taken for an ARN without tags: a writer that never overwrites would
 * otherwise overwrite. That includes a 200 answer that is empty or malformed (no tag list, a tag
 * without a key, a key twice): only a well-formed answer that omits an ARN means "no tags".
 */
// Types only: @aws-sdk/client-ec2 and client-s3 are loaded through import() by the paths that
// read EC2 or bucket tags.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ListTagsForResourceCommand, type ECRClient } from '@aws-sdk/client-ecr';
import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import type { GetBucketTaggingCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { arnName, parseArn } from '../core/arn';
import type { LazyClient } from '../core/aws';
import { chunks, countCall, type CallCounts } from '../core/collections';
import { concurrencyLimit, READ_CONCURRENCY } from './paging';
import {
  AwsError,
  UndecidedError,
  awsFailure,
  type AssetguardError,
  hasAwsCode,
  isCredentialOrPermissionFailure,
} from '../core/errors';
import { ownTaggingService, tagsFromAnswer, type FailedArn } from '../core/tag-policy';

/**
 * The clients `readTags` uses. Only `tagging` is required: an EC2, S3 or ECR ARN is read with its
 * service's own call when that client is given, else through the Tagging API like any other ARN.
 * EC2's is a `LazyClient` (core/aws): built, and its package loaded, only when a run reads the
 * tags of an EC2 resource. S3's commands load the same way (its client is built by the caller,
 * which may read other things with it). The tag writer's clients (sinks/tag-writer
 * `TagWriterClients`) fit this shape.
 */
export interface TagReaderClients {
  tagging: ResourceGroupsTaggingAPIClient;
  ec2?: LazyClient<EC2Client>;
  s3?: S3Client;
  ecr?: ECRClient;
}

export interface TagReading {
  /** Each readable ARN's tags, keyed by ARN; `{}` for a resource that carries none. */
  tags: Map<string, Record<string, string>>;
  /** The ARNs whose tags could not be read, with why. None of them is in `tags`. */
  unreadable: FailedArn[];
  /** Read calls made, by operation name (`GetResources: 2`). */
  calls: CallCounts;
}

/** GetResources takes at most 100 ARNs in ResourceARNList, and no paging parameters with it. */
export const MAX_ARNS_PER_READ = 100;
/**
 * Resource ids per EC2 DescribeTags call. EC2 caps the values of one filter (FilterLimitExceeded)
 * and ignores MaxResults when filtering by resource-id (cloud-custodian #11069: one page of every
 * tag of every id), so the id count is what bounds one answer.
 */
export const MAX_EC2_IDS_PER_READ = 200;

/** The code an unreadable ARN carries when AWS answered 200 with an empty or malformed body. */
export const MALFORMED_ANSWER = 'MalformedAnswer';

/**
 * The tag set one bucket carries now: S3 GetBucketTagging, where NoSuchTagSet is a bucket without
 * tags. The answer must carry its TagSet (the model requires it): an empty or malformed 200 body
 * is an error, never `{}`, since the tag writer's bucket merge writes the whole set back.
 * @throws AwsError naming s3:GetBucketTagging when the call fails; UndecidedError when the answer
 *   is malformed.
 */
export async function readBucketTags(
  s3: S3Client,
  bucket: string,
): Promise<Record<string, string>> {
  // Loaded with the client already, so this import() only looks the package up.
  const { GetBucketTaggingCommand } = await import('@aws-sdk/client-s3');
  let answer: GetBucketTaggingCommandOutput;
  try {
    answer = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
  } catch (error) {
    if (hasAwsCode(error, 'NoSuchTagSet')) return {};
    throw awsFailure(`read the tags of bucket ${bucket}`, 's3:GetBucketTagging', error);
  }
  return tagsFromAnswer(answer.TagSet, `s3:GetBucketTagging of bucket ${bucket}`, 'TagSet');
}

/** The error code an unreadable ARN is reported with. */
function codeOf(failure: AssetguardError): string {
  if (failure instanceof AwsError) return failure.awsCode ?? 'Error';
  return failure instanceof UndecidedError ? MALFORMED_ANSWER : failure.name;
}

/** What one batch of reads came to: its ARNs' tags, or why none of them could be read. */
type BatchOutcome =
  | { tags: Map<string, Record<string, string>> }
  | { arns: readonly string[]; code: string; message: string };

/**
 * Reads each service's batches, READ_CONCURRENCY at a time per service (a batch's pages in
 * order), and stops a service's reads once its credentials or permission fail. Each method
 * answers its outcomes in batch order; `readTags` records them in a fixed order, so `tags` and
 * `unreadable` come out the same whatever order the answers arrived in.
 */
class Reader {
  readonly calls: CallCounts = {};
  /** Per service: the denial that every later call of it would repeat. */
  private readonly stopped = new Map<string, FailedArn>();

  constructor(readonly clients: TagReaderClients) {}

  /**
   * `read` of each batch of `service`'s ARNs: the first alone, then the rest at most
   * READ_CONCURRENCY in flight. A batch that starts after a denial of the same service is not
   * attempted; a batch whose read throws makes its ARNs unreadable (`describe` turns the error
   * into the message naming the permission). Outcomes in batch order.
   */
  async batches<B extends readonly string[]>(
    service: string,
    batches: readonly B[],
    read: (arns: B) => Promise<Map<string, Record<string, string>>>,
    describe: (arns: B, error: unknown) => AssetguardError,
  ): Promise<BatchOutcome[]> {
    const one = async (arns: B): Promise<BatchOutcome> => {
      const denial = this.stopped.get(service);
      if (denial !== undefined) {
        return { arns, code: denial.code, message: `not attempted: ${denial.message}` };
      }
      try {
        return { tags: await read(arns) };
      } catch (error) {
        const failure = describe(arns, error);
        const code = codeOf(failure);
        if (isCredentialOrPermissionFailure(code) && !this.stopped.has(service)) {
          this.stopped.set(service, { arn: '', code, message: failure.message });
        }
        return { arns, code, message: failure.message };
      }
    };
    const [first, ...rest] = batches;
    if (first === undefined) return [];
    // The first batch alone: a role without the permission is told once, not once per call in
    // flight; after it, the rest side by side.
    const gate = concurrencyLimit(READ_CONCURRENCY);
    return [await one(first), ...(await Promise.all(rest.map((arns) => gate(() => one(arns)))))];
  }

  /**
   * EC2 DescribeTags, filtered by resource id, ids of this client's region only (an EC2 client
   * answers for one region). EC2's own tags show a new resource at once; the Tagging API's
   * index can lag it. The client and @aws-sdk/client-ec2 are loaded here, on first use.
   */
  async ec2(client: LazyClient<EC2Client>, arns: readonly string[]): Promise<BatchOutcome[]> {
    const ec2 = await client();
    const { paginateDescribeTags } = await import('@aws-sdk/client-ec2');
    const region = await ec2.config.region();
    const byId = new Map<string, string>();
    const elsewhere: BatchOutcome[] = [];
    for (const arn of arns) {
      const parsed = parseArn(arn);
      if (parsed?.region !== region) {
        elsewhere.push({
          arns: [arn],
          code: 'WrongRegion',
          message: `is in ${parsed?.region ?? 'an unknown region'} but the EC2 client is in ${region}: read it in that region`,
        });
        continue;
      }
      byId.set(arnName(arn), arn);
    }
    const read = await this.batches(
      'ec2',
      chunks([...byId.values()], MAX_EC2_IDS_PER_READ),
      async (batch) => {
        const ids = batch.map(arnName);
        const found = new Map<string, Record<string, string>>(batch.map((arn) => [arn, {}]));
        const pages = paginateDescribeTags(
          { client: ec2 },
          { Filters: [{ Name: 'resource-id', Values: ids }] },
        );
        for await (const page of pages) {
          countCall(this.calls, 'DescribeTags');
          // An empty <tagSet/> is []; no tagSet at all is an empty or malformed body.
          if (!Array.isArray(page.Tags)) {
            throw new UndecidedError(
              'ec2:DescribeTags answered without tagSet (an empty or malformed body); the tags are unknown, not empty',
            );
          }
          for (const tag of page.Tags) {
            if (typeof tag.ResourceId !== 'string' || typeof tag.Key !== 'string') {
              throw new UndecidedError(
                'ec2:DescribeTags answered a tag without its resource id or key; the tags are unknown',
              );
            }
            const arn = byId.get(tag.ResourceId);
            const tags = arn === undefined ? undefined : found.get(arn);
            if (tags === undefined) continue;
            if (Object.hasOwn(tags, tag.Key)) {
              throw new UndecidedError(
                `ec2:DescribeTags answered the tag key ${JSON.stringify(tag.Key)} of ${tag.ResourceId} twice; the tags are unknown`,
              );
            }
            tags[tag.Key] = tag.Value ?? '';
          }
        }
        return found;
      },
      (batch, error) =>
        awsFailure(`read the tags of ${batch.length} EC2 resource(s)`, 'ec2:DescribeTags', error),
    );
    return [...elsewhere, ...read];
  }

  /** S3 GetBucketTagging (`readBucketTags`), one bucket per call. */
  s3(s3: S3Client, arns: readonly string[]): Promise<BatchOutcome[]> {
    return this.batches(
      's3',
      arns.map((arn) => [arn] as const),
      async ([arn]) => {
        countCall(this.calls, 'GetBucketTagging');
        return new Map([[arn, await readBucketTags(s3, arnName(arn))]]);
      },
      ([arn], error) =>
        awsFailure(`read the tags of bucket ${arnName(arn)}`, 's3:GetBucketTagging', error),
    );
  }

  /** ECR ListTagsForResource, one repository per call (it answers every tag, unpaged). */
  ecr(ecr: ECRClient, arns: readonly string[]): Promise<BatchOutcome[]> {
    return this.batches(
      'ecr',
      arns.map((arn) => [arn] as const),
      async ([arn]) => {
        countCall(this.calls, 'ListTagsForResource');
        const answer = await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }));
        return new Map([
          [arn, tagsFromAnswer(answer.tags, `ecr:ListTagsForResource of ${arn}`, 'tags')],
        ]);
      },
      ([arn], error) =>
        awsFailure(`read the tags of repository ${arn}`, 'ecr:ListTagsForResource', error),
    );
  }

  /**
   * The Tagging API's GetResources, ≤100 ARNs per call. It never lists a resource without tags
   * (nor one that does not exist), so an ARN asked for and absent from a well-formed answer
   * carries no tags; an answer without ResourceTagMappingList (an empty 200 body), a mapping
   * without its ARN, or malformed tags make the whole batch unreadable. The answer is filtered
   * on the client too: emulators (moto) ignore ResourceARNList and answer every tagged resource.
   */
  tagging(arns: readonly string[]): Promise<BatchOutcome[]> {
    return this.batches(
      'tag',
      chunks(arns, MAX_ARNS_PER_READ),
      async (batch) => {
        countCall(this.calls, 'GetResources');
        const answer = await this.clients.tagging.send(
          new GetResourcesCommand({ ResourceARNList: [...batch] }),
        );
        const mappings = answer.ResourceTagMappingList;
        if (!Array.isArray(mappings)) {
          throw new UndecidedError(
            'tag:GetResources answered without ResourceTagMappingList (an empty or malformed body); the tags are unknown, not empty',
          );
        }
        const found = new Map<string, Record<string, string>>(batch.map((arn) => [arn, {}]));
        for (const mapping of mappings) {
          if (typeof mapping.ResourceARN !== 'string') {
            throw new UndecidedError(
              'tag:GetResources answered a mapping without its ResourceARN; the tags are unknown',
            );
          }
          if (!found.has(mapping.ResourceARN)) continue;
          found.set(
            mapping.ResourceARN,
            tagsFromAnswer(mapping.Tags, `tag:GetResources of ${mapping.ResourceARN}`, 'Tags'),
          );
        }
        return found;
      },
      (batch, error) =>
        awsFailure(`read the tags of ${batch.length} resource(s)`, 'tag:GetResources', error),
    );
  }
}

/**
 * Reads the tags `arns` carry now. Every ARN ends in exactly one of `tags` and `unreadable`
 * (duplicates are read once); no ARNs, no calls. Never throws for an AWS failure: a failed call
 * makes its ARNs unreadable, with a message naming the permission to grant, and after a denial
 * or bad credentials the ARNs of that service's calls not yet started are reported "not
 * attempted" instead of repeating the call: a service's first call goes alone, so a role without
 * the permission is denied once (calls already in flight after it answer for themselves).
 *
 * Calls: EC2 ARNs (with `clients.ec2`) DescribeTags, ≤200 ids per call, in the client's region
 * only (others: WrongRegion); buckets (with `clients.s3`) one GetBucketTagging each; ECR
 * repositories (with `clients.ecr`) one ListTagsForResource each; every other ARN GetResources,
 * ≤100 per call. The services are read side by side, each with at most READ_CONCURRENCY (4) calls
 * in flight (sources/paging: a throttled call is retried by the client, never dropped); `tags`
 * and `unreadable` are in a fixed order (EC2, S3, ECR, Tagging API; batch order within each).
 */
export async function readTags(
  clients: TagReaderClients,
  arns: readonly string[],
): Promise<TagReading> {
  const reader = new Reader(clients);
  const byService = { ec2: [] as string[], s3: [] as string[], ecr: [] as string[] };
  const viaTagging: string[] = [];
  for (const arn of new Set(arns)) {
    const service = ownTaggingService(arn);
    if (service !== undefined && clients[service] !== undefined) byService[service].push(arn);
    else viaTagging.push(arn);
  }
  // The services are read side by side; their outcomes are recorded in this order.
  const none: BatchOutcome[] = [];
  const outcomes = await Promise.all([
    clients.ec2 && byService.ec2.length > 0 ? reader.ec2(clients.ec2, byService.ec2) : none,
    clients.s3 ? reader.s3(clients.s3, byService.s3) : none,
    clients.ecr ? reader.ecr(clients.ecr, byService.ecr) : none,
    reader.tagging(viaTagging),
  ]);
  const reading: TagReading = { tags: new Map(), unreadable: [], calls: reader.calls };
  for (const outcome of outcomes.flat()) {
    if ('tags' in outcome) {
      for (const [arn, tags] of outcome.tags) reading.tags.set(arn, tags);
    } else {
      for (const arn of outcome.arns) {
        reading.unreadable.push({ arn, code: outcome.code, message: outcome.message });
      }
    }
  }
  return reading;
}
