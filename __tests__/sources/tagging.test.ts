import { DescribeTagsCommand, EC2Client, type DescribeTagsCommandInput } from '@aws-sdk/client-ec2';
import { ECRClient, ListTagsForResourceCommand } from '@aws-sdk/client-ecr';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  type GetResourcesCommandInput,
  type GetResourcesCommandOutput,
  type ResourceTagMapping,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetBucketTaggingCommand,
  S3Client,
  type GetBucketTaggingCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readTags, type TagReaderClients } from '../../actions/src/sources/tagging';
import { ACCOUNT } from '../fixtures/seed';

const REGION = 'eu-west-3';
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const ec2Mock = mockClient(EC2Client);
const s3Mock = mockClient(S3Client);
const ecrMock = mockClient(ECRClient);

const instanceArn = (id: string, region = REGION): string =>
  `arn:aws:ec2:${region}:${ACCOUNT}:instance/${id}`;
const bucketArn = (name: string): string => `arn:aws:s3:::${name}`;
const topicArn = (name: string): string => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
const repositoryArn = (name: string): string =>
  `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;

const tagging = (): TagReaderClients => ({
  tagging: new ResourceGroupsTaggingAPIClient({ region: REGION }),
});
const all = (): Required<TagReaderClients> => ({
  ...tagging(),
  ec2: () => Promise.resolve(new EC2Client({ region: REGION })),
  s3: new S3Client({ region: REGION }),
  ecr: new ECRClient({ region: REGION }),
});

function tagMapping(arn: string, tags: Record<string, string>): ResourceTagMapping {
  return { ResourceARN: arn, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

function denied(permission: string): Error {
  return awsError(
    'AccessDeniedException',
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/ci is not authorized to perform: ${permission}`,
  );
}

let getInputs: GetResourcesCommandInput[];

/** GetResources as AWS answers a ResourceARNList: only the tagged resources asked for. */
function serveTagged(tagged: ResourceTagMapping[]): void {
  taggingMock.on(GetResourcesCommand).callsFake((input: GetResourcesCommandInput) => {
    getInputs.push({ ...input });
    const asked = new Set(input.ResourceARNList);
    const found: Partial<GetResourcesCommandOutput> = {
      ResourceTagMappingList: tagged.filter(
        (mapping) => mapping.ResourceARN !== undefined && asked.has(mapping.ResourceARN),
      ),
    };
    return found;
  });
}

beforeEach(() => {
  taggingMock.reset();
  ec2Mock.reset();
  s3Mock.reset();
  ecrMock.reset();
  getInputs = [];
});

describe('readTags through the Tagging API', () => {
  it('reads the ARNs asked for, at most 100 ARNs per call; an ARN GetResources does not list has no tags', async () => {
    const arns = Array.from({ length: 250 }, (_, index) => instanceArn(`i-${index}`));
    serveTagged(
      arns
        .filter((_, index) => index % 2 === 0)
        .map((arn, index) => tagMapping(arn, { Owner: `team-${index}` })),
    );
    const current = await readTags(tagging(), arns);
    expect(getInputs.map((input) => input.ResourceARNList?.length)).toEqual([100, 100, 50]);
    expect(getInputs.flatMap((input) => input.ResourceARNList ?? [])).toEqual(arns);
    expect(current.unreadable).toEqual([]);
    expect(current.tags.size).toBe(250);
    expect(current.tags.get(instanceArn('i-0'))).toEqual({ Owner: 'team-0' });
    expect(current.tags.get(instanceArn('i-248'))).toEqual({ Owner: 'team-124' });
    expect(current.tags.get(instanceArn('i-1'))).toEqual({});
    expect(current.calls).toEqual({ GetResources: 3 });
  });

  it('never builds the EC2 client (nor loads its package) when no ARN is an EC2 one', async () => {
    serveTagged([tagMapping(topicArn('jobs'), { Owner: 'web' })]);
    const ec2 = jest.fn(() => Promise.resolve(new EC2Client({ region: REGION })));
    const current = await readTags({ ...all(), ec2 }, [topicArn('jobs')]);
    expect(current.tags.get(topicArn('jobs'))).toEqual({ Owner: 'web' });
    expect(ec2).not.toHaveBeenCalled();
  });

  it('makes no call for no ARNs', async () => {
    serveTagged([]);
    const current = await readTags(all(), []);
    expect(current.tags.size).toBe(0);
    expect(current.unreadable).toEqual([]);
    expect(getInputs).toEqual([]);
    expect(current.calls).toEqual({});
  });

  it('keeps only the ARNs it asked for (moto ignores ResourceARNList and answers every tagged resource)', async () => {
    taggingMock.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        tagMapping(topicArn('asked'), { Owner: 'web' }),
        tagMapping(topicArn('other'), { Owner: 'api' }),
      ],
    });
    const current = await readTags(tagging(), [topicArn('asked'), topicArn('untagged')]);
    expect([...current.tags]).toEqual([
      [topicArn('asked'), { Owner: 'web' }],
      [topicArn('untagged'), {}],
    ]);
  });

  it('reports the ARNs of a failed call as unreadable, naming tag:GetResources, and does not repeat a denial', async () => {
    taggingMock.on(GetResourcesCommand).rejects(denied('tag:GetResources'));
    const arns = Array.from({ length: 101 }, (_, index) => topicArn(`t${index}`));
    const current = await readTags(tagging(), arns);
    expect(current.tags.size).toBe(0);
    expect(current.unreadable).toHaveLength(101);
    expect(current.unreadable[0]).toEqual({
      arn: arns[0],
      code: 'AccessDeniedException',
      message: `could not read the tags of 100 resource(s): AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ci is not authorized to perform: tag:GetResources — grant tag:GetResources`,
    });
    expect(current.unreadable[100]?.message).toMatch(/^not attempted: could not read the tags/);
    expect(taggingMock.commandCalls(GetResourcesCommand)).toHaveLength(1);
  });
});

describe("readTags through the services' own calls", () => {
  it('reads EC2 tags with DescribeTags by resource id, ≤200 ids per call, ids without tags as {}', async () => {
    const ids = Array.from({ length: 201 }, (_, index) => `i-${index}`);
    const filters: string[][] = [];
    ec2Mock.on(DescribeTagsCommand).callsFake((input: DescribeTagsCommandInput) => {
      const values = input.Filters?.[0]?.Values ?? [];
      filters.push(values);
      return {
        Tags: values
          .filter((id) => id === 'i-0' || id === 'i-200')
          .map((id) => ({ ResourceId: id, ResourceType: 'instance', Key: 'Owner', Value: id })),
      };
    });
    const current = await readTags(
      all(),
      ids.map((id) => instanceArn(id)),
    );
    expect(filters.map((values) => values.length)).toEqual([200, 1]);
    expect(current.tags.get(instanceArn('i-0'))).toEqual({ Owner: 'i-0' });
    expect(current.tags.get(instanceArn('i-200'))).toEqual({ Owner: 'i-200' });
    expect(current.tags.get(instanceArn('i-7'))).toEqual({});
    expect(current.unreadable).toEqual([]);
    expect(current.calls).toEqual({ DescribeTags: 2 });
    expect(taggingMock.commandCalls(GetResourcesCommand)).toEqual([]);
  });

  it('reports an EC2 ARN of another region, and the ids of a failed DescribeTags, as unreadable', async () => {
    ec2Mock
      .on(DescribeTagsCommand)
      .rejects(
        awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'),
      );
    const current = await readTags(all(), [instanceArn('i-1'), instanceArn('i-2', 'us-east-1')]);
    expect(current.tags.size).toBe(0);
    expect(current.unreadable).toEqual([
      {
        arn: instanceArn('i-2', 'us-east-1'),
        code: 'WrongRegion',
        message: `is in us-east-1 but the EC2 client is in ${REGION}: read it in that region`,
      },
      {
        arn: instanceArn('i-1'),
        code: 'UnauthorizedOperation',
        message:
          'could not read the tags of 1 EC2 resource(s): UnauthorizedOperation: You are not authorized to perform this operation. — grant ec2:DescribeTags',
      },
    ]);
  });

  it('reads bucket tags with GetBucketTagging (NoSuchTagSet: no tags) and repositories with ListTagsForResource', async () => {
    s3Mock.on(GetBucketTaggingCommand).callsFake((input: GetBucketTaggingCommandInput) => {
      if (input.Bucket === 'logs') return { TagSet: [{ Key: 'Retention', Value: '90d' }] };
      if (input.Bucket === 'fresh') throw awsError('NoSuchTagSet', 'The TagSet does not exist');
      throw awsError('AccessDenied', 'Access Denied');
    });
    ecrMock.on(ListTagsForResourceCommand).resolves({ tags: [{ Key: 'Team', Value: 'web' }] });
    serveTagged([tagMapping(topicArn('alerts'), { Owner: 'ops' })]);
    const current = await readTags(all(), [
      bucketArn('logs'),
      bucketArn('fresh'),
      bucketArn('locked'),
      bucketArn('after-denial'),
      repositoryArn('web'),
      topicArn('alerts'),
    ]);
    expect(Object.fromEntries(current.tags)).toEqual({
      [bucketArn('logs')]: { Retention: '90d' },
      [bucketArn('fresh')]: {},
      [repositoryArn('web')]: { Team: 'web' },
      [topicArn('alerts')]: { Owner: 'ops' },
    });
    expect(current.unreadable).toEqual([
      {
        arn: bucketArn('locked'),
        code: 'AccessDenied',
        message:
          'could not read the tags of bucket locked: AccessDenied: Access Denied — grant s3:GetBucketTagging',
      },
      {
        // In flight beside 'locked' (the first call goes alone, the rest side by side).
        arn: bucketArn('after-denial'),
        code: 'AccessDenied',
        message:
          'could not read the tags of bucket after-denial: AccessDenied: Access Denied — grant s3:GetBucketTagging',
      },
    ]);
    expect(current.calls).toEqual({ GetBucketTagging: 4, ListTagsForResource: 1, GetResources: 1 });
    expect(getInputs).toEqual([{ ResourceARNList: [topicArn('alerts')] }]);
  });

  it('asks a denied service once: after its first call is denied, the rest are not attempted', async () => {
    s3Mock.on(GetBucketTaggingCommand).rejects(awsError('AccessDenied', 'Access Denied'));
    const buckets = ['a', 'b', 'c', 'd', 'e', 'f'].map(bucketArn);
    const current = await readTags(all(), buckets);
    const denial =
      'could not read the tags of bucket a: AccessDenied: Access Denied — grant s3:GetBucketTagging';
    expect(current.calls).toEqual({ GetBucketTagging: 1 });
    expect(current.unreadable.map(({ arn, message }) => [arn, message])).toEqual([
      [bucketArn('a'), denial],
      ...buckets.slice(1).map((arn) => [arn, `not attempted: ${denial}`]),
    ]);
  });

  it("reads a service's batches side by side, at most four in flight, and keeps them in order", async () => {
    let inFlight = 0;
    let most = 0;
    s3Mock.on(GetBucketTaggingCommand).callsFake(async (input: GetBucketTaggingCommandInput) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      // Later buckets answer sooner: the order of the answers is not the order of the calls.
      await new Promise((resolve) => setTimeout(resolve, 30 - Number(input.Bucket?.slice(1))));
      inFlight -= 1;
      if (input.Bucket === 'b7')
        throw awsError('NoSuchBucket', 'The specified bucket does not exist');
      return { TagSet: [{ Key: 'Name', Value: input.Bucket ?? '' }] };
    });
    const buckets = Array.from({ length: 12 }, (_, index) => bucketArn(`b${index + 10}`));
    buckets[7] = bucketArn('b7');
    const current = await readTags(all(), buckets);
    expect(most).toBe(4);
    expect([...current.tags.keys()]).toEqual(buckets.filter((_, index) => index !== 7));
    expect(current.unreadable.map(({ arn, code }) => [arn, code])).toEqual([
      [bucketArn('b7'), 'NoSuchBucket'],
    ]);
    expect(current.calls).toEqual({ GetBucketTagging: 12 });
  });

  it('names ecr:ListTagsForResource when a repository cannot be read', async () => {
    ecrMock
      .on(ListTagsForResourceCommand)
      .rejects(awsError('RepositoryNotFoundException', 'The repository does not exist'));
    const current = await readTags(all(), [repositoryArn('gone')]);
    expect(current.unreadable).toEqual([
      {
        arn: repositoryArn('gone'),
        code: 'RepositoryNotFoundException',
        message: `could not read the tags of repository ${repositoryArn('gone')}: RepositoryNotFoundException: The repository does not exist`,
      },
    ]);
  });

  it('reads EC2, S3 and ECR ARNs through the Tagging API when their client is not given', async () => {
    const arns = [instanceArn('i-1'), bucketArn('logs'), repositoryArn('web')];
    serveTagged([tagMapping(bucketArn('logs'), { Owner: 'data' })]);
    const current = await readTags(tagging(), arns);
    expect(getInputs).toEqual([{ ResourceARNList: arns }]);
    expect(Object.fromEntries(current.tags)).toEqual({
      [instanceArn('i-1')]: {},
      [bucketArn('logs')]: { Owner: 'data' },
      [repositoryArn('web')]: {},
    });
  });
});

/** A tag without its key, as a malformed answer carries it (the SDK types Key as required). */
const KEYLESS = [{ Value: 'prod' }] as unknown as ResourceTagMapping['Tags'];

// Issue 8, kind 4: a 200 answer that is empty or malformed is "unreadable", never "no tags". The
// SDK deserializes an empty 200 body to an output without its list, which is what these serve.
describe('readTags never takes a malformed answer for a resource without tags', () => {
  it('makes the ARNs of an empty GetResources answer (no ResourceTagMappingList) unreadable', async () => {
    taggingMock.on(GetResourcesCommand).resolves({});
    const current = await readTags(tagging(), [topicArn('prod-alerts'), topicArn('dev-alerts')]);
    expect(current.tags.size).toBe(0);
    expect(current.unreadable.map(({ arn, code }) => [arn, code])).toEqual([
      [topicArn('prod-alerts'), 'MalformedAnswer'],
      [topicArn('dev-alerts'), 'MalformedAnswer'],
    ]);
    expect(current.unreadable[0]?.message).toBe(
      'tag:GetResources answered without ResourceTagMappingList (an empty or malformed body); the tags are unknown, not empty',
    );
  });

  it.each<[string, ResourceTagMapping[], RegExp]>([
    [
      'a mapping without its ResourceARN',
      [{ Tags: [{ Key: 'Environment', Value: 'prod' }] }],
      /^tag:GetResources answered a mapping without its ResourceARN/,
    ],
    [
      'a tag without a key',
      [{ ResourceARN: topicArn('prod-alerts'), Tags: KEYLESS }],
      /answered a tag without a key/,
    ],
    [
      'a mapping without its tag list',
      [{ ResourceARN: topicArn('prod-alerts') }],
      /answered without Tags \(an empty or malformed body\)/,
    ],
    [
      'the same key twice',
      [
        {
          ResourceARN: topicArn('prod-alerts'),
          Tags: [
            { Key: 'Environment', Value: 'prod' },
            { Key: 'Environment', Value: 'dev' },
          ],
        },
      ],
      /answered the tag key "Environment" twice/,
    ],
  ])('makes the whole batch unreadable for %s', async (_name, mappings, message) => {
    taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: mappings });
    const current = await readTags(tagging(), [topicArn('prod-alerts'), topicArn('other')]);
    expect(current.tags.size).toBe(0);
    expect(current.unreadable).toHaveLength(2);
    expect(current.unreadable[0]?.message).toMatch(message);
  });

  it('still reads a well-formed answer that omits an ARN as "no tags" (GetResources never lists never-tagged resources)', async () => {
    taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const current = await readTags(tagging(), [topicArn('new')]);
    expect(current.unreadable).toEqual([]);
    expect(current.tags.get(topicArn('new'))).toEqual({});
  });

  it('makes a bucket whose GetBucketTagging answer has no TagSet unreadable', async () => {
    s3Mock.on(GetBucketTaggingCommand).resolves({});
    const current = await readTags(all(), [bucketArn('logs')]);
    expect(current.tags.size).toBe(0);
    expect(current.unreadable).toEqual([
      {
        arn: bucketArn('logs'),
        code: 'MalformedAnswer',
        message:
          's3:GetBucketTagging of bucket logs answered without TagSet (an empty or malformed body); its tags are unknown, not empty',
      },
    ]);
  });

  it('makes a repository whose ListTagsForResource answer has no tags unreadable', async () => {
    ecrMock.on(ListTagsForResourceCommand).resolves({});
    const current = await readTags(all(), [repositoryArn('web')]);
    expect(current.tags.size).toBe(0);
    expect(current.unreadable.map(({ code }) => code)).toEqual(['MalformedAnswer']);
    expect(current.unreadable[0]?.message).toMatch(
      /^ecr:ListTagsForResource of .* answered without tags \(an empty or malformed body\)/,
    );
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a page without tagSet', {}, /^ec2:DescribeTags answered without tagSet/],
    [
      'a tag without its resource id',
      { Tags: [{ Key: 'Environment', Value: 'prod' }] },
      /without its resource id or key/,
    ],
    [
      'the same key twice for one id',
      {
        Tags: [
          { ResourceId: 'i-1', Key: 'Environment', Value: 'prod' },
          { ResourceId: 'i-1', Key: 'Environment', Value: 'dev' },
        ],
      },
      /answered the tag key "Environment" of i-1 twice/,
    ],
  ])(
    'makes the EC2 ids of a DescribeTags answer with %s unreadable',
    async (_name, page, message) => {
      ec2Mock.on(DescribeTagsCommand).resolves(page);
      const current = await readTags(all(), [instanceArn('i-1'), instanceArn('i-2')]);
      expect(current.tags.size).toBe(0);
      expect(current.unreadable.map(({ arn, code }) => [arn, code])).toEqual([
        [instanceArn('i-1'), 'MalformedAnswer'],
        [instanceArn('i-2'), 'MalformedAnswer'],
      ]);
      expect(current.unreadable[0]?.message).toMatch(message);
    },
  );

  it('still reads an empty DescribeTags tagSet as ids without tags', async () => {
    ec2Mock.on(DescribeTagsCommand).resolves({ Tags: [] });
    const current = await readTags(all(), [instanceArn('i-1')]);
    expect(current.unreadable).toEqual([]);
    expect(current.tags.get(instanceArn('i-1'))).toEqual({});
  });
});
