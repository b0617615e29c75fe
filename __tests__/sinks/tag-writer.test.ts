import { CreateTagsCommand, EC2Client, type CreateTagsCommandInput } from '@aws-sdk/client-ec2';
import {
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
  type ErrorCode,
  type FailureInfo,
  type TagResourcesCommandInput,
  type TagResourcesCommandOutput,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetBucketTaggingCommand,
  PutBucketTaggingCommand,
  S3Client,
  type GetBucketTaggingCommandInput,
  type PutBucketTaggingCommandInput,
} from '@aws-sdk/client-s3';
import { ECRClient, TagResourceCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import {
  batchChanges,
  checkResource,
  type DeriveRule,
  type TagCheck,
  type TagPolicy,
  type TagRule,
} from '../../actions/src/core/tag-policy';
import type { Asset } from '../../actions/src/core/model';
import {
  executePlan,
  writeCalls,
  type ApplyResult,
  type TagWriterClients,
} from '../../actions/src/sinks/tag-writer';
import { renderPlan } from '../../actions/src/tag-policy/render';
import { ACCOUNT } from '../fixtures/seed';

const REGION = 'eu-west-3';
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const ec2Mock = mockClient(EC2Client);
const s3Mock = mockClient(S3Client);
const ecrMock = mockClient(ECRClient);

function clients(): TagWriterClients {
  return {
    tagging: new ResourceGroupsTaggingAPIClient({ region: REGION }),
    ec2: () => Promise.resolve(new EC2Client({ region: REGION })),
    s3: new S3Client({ region: REGION }),
  };
}

const topic = (name: string): string => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
const instance = (id: string, region = REGION): string =>
  `arn:aws:ec2:${region}:${ACCOUNT}:instance/${id}`;
const bucket = (name: string): string => `arn:aws:s3:::${name}`;
const repository = (name: string): string => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;

/** TagResources answering every ARN the way moto 5.2.1 answers EC2, S3 and ECR ARNs. */
function motoRefusesAll(): void {
  taggingMock.on(TagResourcesCommand).callsFake((input: TagResourcesCommandInput) => ({
    FailedResourcesMap: Object.fromEntries(
      input.ResourceARNList!.map((arn) => [arn, MOTO_UNSUPPORTED]),
    ),
  }));
}

/** What moto 5.2.1 answers, per ARN, for every type its TagResources does not route. */
const MOTO_UNSUPPORTED: FailureInfo = {
  StatusCode: 404,
  ErrorCode: 'InternalServiceException',
  ErrorMessage: 'Service not yet supported',
};
const THROTTLED: FailureInfo = {
  StatusCode: 400,
  // ErrorCode may be "any valid error code returned by the service"; the SDK type lists two.
  ErrorCode: 'ThrottlingException' as ErrorCode,
  ErrorMessage: 'Rate exceeded',
};

function check(arn: string, set: Record<string, string>, unresolved: string[] = []): TagCheck {
  return {
    arn,
    type: 'AWS::SNS::Topic',
    applicable: [...Object.keys(set), ...unresolved],
    missing: [...Object.keys(set), ...unresolved],
    invalid: [],
    set,
    unresolved,
  };
}

function tagCalls(): TagResourcesCommandInput[] {
  return taggingMock.commandCalls(TagResourcesCommand).map((call) => call.args[0].input);
}

let lines: string[];
let sleeps: number[];
const options = (): Parameters<typeof executePlan>[2] => ({
  log: (line) => lines.push(line),
  sleep: (ms) => {
    sleeps.push(ms);
    return Promise.resolve();
  },
});

beforeEach(() => {
  taggingMock.reset();
  ec2Mock.reset();
  s3Mock.reset();
  ecrMock.reset();
  lines = [];
  sleeps = [];
});

/** Every input ARN in exactly one of tagged and failed. */
function expectAccounted(result: ApplyResult, arns: readonly string[]): void {
  const seen = [...result.tagged, ...result.failed.map((entry) => entry.arn)];
  expect([...seen].sort()).toEqual([...arns].sort());
}

describe('renderPlan', () => {
  it('lists each tag set with its resources, and the keys apply cannot fix', () => {
    const checks = [
      ...Array.from({ length: 12 }, (_, i) => check(topic(`a${i}`), { Owner: 'web' })),
      check(topic('b'), { Environment: 'dev', Owner: 'web' }),
      {
        ...check(topic('c'), {}, ['CostCenter', 'Environment']),
        missing: ['CostCenter'],
        invalid: [{ key: 'Environment', value: 'Prod', why: 'not one of dev, prod' }],
      },
      check(topic('ok'), {}),
    ];
    const plan = renderPlan(checks);
    expect(plan).toContain(
      '13 of 15 resource(s) to tag, in 2 tag set(s): 2 TagResources call(s) of up to 20 ARNs.',
    );
    // One table row per tag set (issue 8: no heading per tag set).
    expect(plan).toContain('| `Owner=web` | 12 |');
    expect(plan).toContain('| `Environment=dev`, `Owner=web` | 1 |');
    expect(plan).toContain(`\`${topic('a9')}\``);
    expect(plan).not.toContain(topic('a10'));
    expect(plan).toContain('… and 2 more |');
    expect(plan).toContain('### Not fixable by apply — 1 resource(s)');
    expect(plan).toContain(
      `| \`${topic('c')}\` | CostCenter (missing); Environment ("Prod" not one of dev, prod) |`,
    );
  });

  it('says there is nothing to tag when every check is clean', () => {
    expect(renderPlan([check(topic('ok'), {})])).toBe(
      '## Tag plan\n\nNothing to tag: 1 resource(s) checked.\n',
    );
  });
});

describe('executePlan, TagResources', () => {
  it('makes exactly ceil(n/20) calls per tag set, none over 20 ARNs, and tags them all', async () => {
    taggingMock.on(TagResourcesCommand).resolves({ FailedResourcesMap: {} });
    const sizes = { web: 45, api: 20, jobs: 1, batch: 21 };
    const checks = Object.entries(sizes).flatMap(([owner, n]) =>
      Array.from({ length: n }, (_, i) => check(topic(`${owner}-${i}`), { Owner: owner })),
    );
    // Nothing needs CreateTags: the EC2 client is never built (nor its package loaded).
    const ec2 = jest.fn(() => Promise.resolve(new EC2Client({ region: REGION })));
    const result = await executePlan({ ...clients(), ec2 }, batchChanges(checks), options());
    expect(ec2).not.toHaveBeenCalled();

    const calls = tagCalls();
    expect(calls).toHaveLength(3 + 1 + 1 + 2);
    expect(result.calls.TagResources).toBe(7);
    for (const call of calls) {
      expect(call.ResourceARNList!.length).toBeLessThanOrEqual(20);
      const owner = call.Tags!.Owner!;
      expect(call.ResourceARNList!.every((arn) => arn.includes(`:${owner}-`))).toBe(true);
    }
    expect(result.tagged).toHaveLength(87);
    expect(result.failed).toEqual([]);
    expect(writeCalls(result)).toBe(7);
    expect(lines[0]).toBe('[1/7] Owner=web: 20 tagged');
    expect(lines.at(-1)).toBe('tagged 87, failed 0; 7 write call(s)');
  });

  it('retries only the throttled ARNs, with backoff, until they succeed', async () => {
    const arns = Array.from({ length: 5 }, (_, i) => topic(`t${i}`));
    taggingMock
      .on(TagResourcesCommand)
      .resolvesOnce({ FailedResourcesMap: { [arns[1]!]: THROTTLED, [arns[3]!]: THROTTLED } })
      .resolvesOnce({
        FailedResourcesMap: {
          [arns[3]!]: { StatusCode: 500, ErrorCode: 'InternalServiceException' },
        },
      })
      .resolves({ FailedResourcesMap: {} });
    const result = await executePlan(clients(), [{ tags: { Owner: 'web' }, arns }], options());

    expect(tagCalls().map((call) => call.ResourceARNList)).toEqual([
      arns,
      [arns[1], arns[3]],
      [arns[3]],
    ]);
    expect(sleeps).toEqual([500, 1000]);
    expect(result.tagged.sort()).toEqual([...arns].sort());
    expect(result.failed).toEqual([]);
    expect(lines[0]).toBe('[1/1] Owner=web: 3 tagged, 2 throttled (retrying)');
  });

  it('reports ARNs still throttled after the retry budget, and permanent failures at once', async () => {
    const gone = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:gone`;
    const busy = topic('busy');
    taggingMock.on(TagResourcesCommand).resolves({
      FailedResourcesMap: {
        [busy]: THROTTLED,
        [gone]: {
          StatusCode: 400,
          ErrorCode: 'InvalidParameterException',
          ErrorMessage: 'Function not found: gone',
        },
      },
    });
    const result = await executePlan(
      clients(),
      [{ tags: { Owner: 'web' }, arns: [busy, gone, topic('fine')] }],
      { ...options(), maxThrottleRetries: 2 },
    );
    expect(result.calls.TagResources).toBe(3);
    expect(sleeps).toEqual([500, 1000]);
    expect(result.tagged).toEqual([topic('fine')]);
    expect(result.failed).toEqual([
      { arn: gone, code: 'InvalidParameterException', message: 'Function not found: gone' },
      { arn: busy, code: 'ThrottlingException', message: 'Rate exceeded' },
    ]);
  });

  it('names tag:TagResources on AccessDenied, and stops instead of repeating the denial', async () => {
    taggingMock.on(TagResourcesCommand).rejects(
      Object.assign(new Error('User: arn:aws:iam::123456789012:role/ci is not authorized'), {
        name: 'AccessDeniedException',
      }),
    );
    const first = Array.from({ length: 20 }, (_, i) => topic(`a${i}`));
    const second = [topic('b0')];
    const result = await executePlan(
      clients(),
      [
        { tags: { Owner: 'a' }, arns: first },
        { tags: { Owner: 'b' }, arns: second },
      ],
      options(),
    );
    expect(result.calls.TagResources).toBe(1);
    expect(result.tagged).toEqual([]);
    expect(result.failed).toHaveLength(21);
    expect(result.failed[0]).toEqual({
      arn: first[0],
      code: 'AccessDeniedException',
      message: expect.stringMatching(
        /^could not tag 20 resource\(s\) with Owner=a: AccessDeniedException: .* — grant tag:TagResources/,
      ) as unknown,
    });
    expect(result.failed[20]!.message).toMatch(/^not attempted: could not tag 20 resource/);
  });
});

describe('executePlan, native fallback', () => {
  it('tags EC2 with CreateTags, ids grouped by tag set, at most 1000 per call', async () => {
    taggingMock.on(TagResourcesCommand).callsFake((input: TagResourcesCommandInput) => ({
      FailedResourcesMap: Object.fromEntries(
        input.ResourceARNList!.map((arn) => [arn, MOTO_UNSUPPORTED]),
      ),
    }));
    ec2Mock.on(CreateTagsCommand).resolves({});
    const web = Array.from({ length: 1001 }, (_, i) => instance(`i-web${i}`));
    const api = [instance('i-api'), instance('i-other', 'us-east-1')];
    const checks = [
      ...web.map((arn) => check(arn, { Owner: 'web' })),
      ...api.map((arn) => check(arn, { Owner: 'api' })),
    ];
    const result = await executePlan(clients(), batchChanges(checks), options());

    const creates = ec2Mock.commandCalls(CreateTagsCommand).map((call) => call.args[0].input);
    expect(creates.map((call) => [call.Resources!.length, call.Tags])).toEqual([
      [1000, [{ Key: 'Owner', Value: 'web' }]],
      [1, [{ Key: 'Owner', Value: 'web' }]],
      [1, [{ Key: 'Owner', Value: 'api' }]],
    ]);
    expect(creates[2]!.Resources).toEqual(['i-api']);
    expect(result.calls).toEqual({
      TagResources: 52,
      native: { CreateTags: 3, GetBucketTagging: 0, PutBucketTagging: 0, TagResource: 0 },
    });
    expect(result.failed).toEqual([
      {
        arn: instance('i-other', 'us-east-1'),
        code: 'WrongRegion',
        message: `is in us-east-1 but apply's EC2 client is in ${REGION}: run apply in that region`,
      },
    ]);
    expectAccounted(result, [...web, ...api]);
  });

  it('merges into the bucket tag set with PutBucketTagging, and skips buckets already tagged', async () => {
    taggingMock.on(TagResourcesCommand).callsFake((input: TagResourcesCommandInput) => ({
      FailedResourcesMap: Object.fromEntries(
        input.ResourceARNList!.map((arn) => [arn, MOTO_UNSUPPORTED]),
      ),
    }));
    const stored: Record<string, { Key: string; Value: string }[] | undefined> = {
      logs: [
        { Key: 'Owner', Value: 'platform' },
        { Key: 'Retention', Value: '90d' },
      ],
      done: [{ Key: 'Environment', Value: 'dev' }],
    };
    s3Mock.on(GetBucketTaggingCommand).callsFake((input: GetBucketTaggingCommandInput) => {
      const set = stored[input.Bucket!];
      if (set === undefined)
        throw Object.assign(new Error('The TagSet does not exist'), { name: 'NoSuchTagSet' });
      return { TagSet: set };
    });
    s3Mock.on(PutBucketTaggingCommand).resolves({});
    const result = await executePlan(
      clients(),
      [{ tags: { Environment: 'dev' }, arns: [bucket('logs'), bucket('fresh'), bucket('done')] }],
      options(),
    );
    const puts = s3Mock.commandCalls(PutBucketTaggingCommand).map((call) => call.args[0].input);
    expect(puts).toEqual([
      {
        Bucket: 'logs',
        Tagging: {
          TagSet: [
            { Key: 'Owner', Value: 'platform' },
            { Key: 'Retention', Value: '90d' },
            { Key: 'Environment', Value: 'dev' },
          ],
        },
      },
      { Bucket: 'fresh', Tagging: { TagSet: [{ Key: 'Environment', Value: 'dev' }] } },
    ]);
    expect(result.tagged).toEqual([bucket('logs'), bucket('fresh'), bucket('done')]);
    expect(result.calls.native).toEqual({
      CreateTags: 0,
      GetBucketTagging: 3,
      PutBucketTagging: 2,
      TagResource: 0,
    });
  });

  it('reports types neither the Tagging API nor a native call can tag, with the code and message', async () => {
    const queue = `arn:aws:sqs:${REGION}:${ACCOUNT}:jobs`;
    const object = 'arn:aws:s3:::logs/2026/01/01.gz';
    taggingMock.on(TagResourcesCommand).resolves({
      FailedResourcesMap: { [queue]: MOTO_UNSUPPORTED, [object]: MOTO_UNSUPPORTED },
    });
    const result = await executePlan(
      clients(),
      [{ tags: { Owner: 'web' }, arns: [queue, object] }],
      options(),
    );
    expect(result.failed).toEqual([
      { arn: queue, code: 'InternalServiceException', message: 'Service not yet supported' },
      { arn: object, code: 'InternalServiceException', message: 'Service not yet supported' },
    ]);
    expect(writeCalls(result)).toBe(1);
  });

  it('names ec2:CreateTags when a CreateTags call fails, for every id in it', async () => {
    taggingMock.on(TagResourcesCommand).callsFake((input: TagResourcesCommandInput) => ({
      FailedResourcesMap: Object.fromEntries(
        input.ResourceARNList!.map((arn) => [arn, MOTO_UNSUPPORTED]),
      ),
    }));
    ec2Mock.on(CreateTagsCommand).rejects(
      Object.assign(new Error('You are not authorized to perform this operation.'), {
        name: 'UnauthorizedOperation',
      }),
    );
    const arns = [instance('i-1'), instance('i-2')];
    const result = await executePlan(clients(), [{ tags: { Owner: 'web' }, arns }], options());
    expect(result.failed).toEqual(
      arns.map((arn) => ({
        arn,
        code: 'UnauthorizedOperation',
        message:
          'could not tag 2 EC2 resource(s) with Owner=web: UnauthorizedOperation: You are not authorized to perform this operation. — grant ec2:CreateTags',
      })),
    );
  });

  it('names the S3 permission when the bucket tag set cannot be written', async () => {
    taggingMock
      .on(TagResourcesCommand)
      .resolves({ FailedResourcesMap: { [bucket('locked')]: MOTO_UNSUPPORTED } });
    s3Mock.on(GetBucketTaggingCommand).resolves({ TagSet: [] });
    s3Mock
      .on(PutBucketTaggingCommand)
      .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const result = await executePlan(
      clients(),
      [{ tags: { Owner: 'web' }, arns: [bucket('locked')] }],
      options(),
    );
    expect(result.failed).toEqual([
      {
        arn: bucket('locked'),
        code: 'AccessDenied',
        message:
          'could not tag bucket locked: AccessDenied: Access Denied — grant s3:PutBucketTagging',
      },
    ]);
  });
});

describe('executePlan, per-ARN result', () => {
  it('says via which call each ARN was tagged, or was to be', async () => {
    taggingMock.on(TagResourcesCommand).callsFake((input: TagResourcesCommandInput) => ({
      FailedResourcesMap: Object.fromEntries(
        input
          .ResourceARNList!.filter((arn) => !arn.includes(':sns:'))
          .map((arn) => [arn, MOTO_UNSUPPORTED]),
      ),
    }));
    ec2Mock.on(CreateTagsCommand).resolves({});
    s3Mock
      .on(GetBucketTaggingCommand)
      .rejects(Object.assign(new Error('The TagSet does not exist'), { name: 'NoSuchTagSet' }));
    s3Mock.on(PutBucketTaggingCommand).resolves({});
    ecrMock.on(TagResourceCommand).resolves({});
    const arns = [
      topic('t'),
      instance('i-1'),
      bucket('b'),
      repository('web'),
      instance('i-9', 'us-east-1'),
    ];
    const result = await executePlan(
      { ...clients(), ecr: new ECRClient({ region: REGION }) },
      [{ tags: { Owner: 'web' }, arns }],
      options(),
    );
    expect(result.via).toEqual({
      [topic('t')]: 'tag:TagResources',
      [instance('i-1')]: 'ec2:CreateTags',
      [bucket('b')]: 's3:PutBucketTagging',
      [repository('web')]: 'ecr:TagResource',
      [instance('i-9', 'us-east-1')]: 'ec2:CreateTags',
    });
    expect(result.failed.map((entry) => [entry.arn, entry.code])).toEqual([
      [instance('i-9', 'us-east-1'), 'WrongRegion'],
    ]);
    expect(ecrMock.commandCalls(TagResourceCommand).map((call) => call.args[0].input)).toEqual([
      { resourceArn: repository('web'), tags: [{ Key: 'Owner', Value: 'web' }] },
    ]);
    expect(result.calls).toEqual({
      TagResources: 1,
      native: { CreateTags: 1, GetBucketTagging: 1, PutBucketTagging: 1, TagResource: 1 },
    });
    expect(writeCalls(result)).toBe(4);
    expect(result.unchanged).toEqual([]);
    expectAccounted(result, arns);
  });

  it('reports a repository the Tagging API refuses as failed when no ECR client is given', async () => {
    motoRefusesAll();
    const result = await executePlan(
      clients(),
      [{ tags: { Owner: 'web' }, arns: [repository('web')] }],
      options(),
    );
    expect(result.failed).toEqual([
      {
        arn: repository('web'),
        code: 'InternalServiceException',
        message: 'Service not yet supported',
      },
    ]);
    expect(result.via).toEqual({ [repository('web')]: 'tag:TagResources' });
    expect(ecrMock.commandCalls(TagResourceCommand)).toEqual([]);
  });

  it('names ecr:TagResource when a repository cannot be tagged', async () => {
    motoRefusesAll();
    ecrMock
      .on(TagResourceCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const result = await executePlan(
      { ...clients(), ecr: new ECRClient({ region: REGION }) },
      [{ tags: { Owner: 'web' }, arns: [repository('web')] }],
      options(),
    );
    expect(result.failed).toEqual([
      {
        arn: repository('web'),
        code: 'AccessDeniedException',
        message: `could not tag repository ${repository('web')}: AccessDeniedException: not authorized — grant ecr:TagResource`,
      },
    ]);
  });

  it('accounts for the ARNs whose tags could not be read, without writing them', async () => {
    taggingMock.on(TagResourcesCommand).resolves({ FailedResourcesMap: {} });
    const unreadable = [{ arn: topic('unread'), code: 'AccessDeniedException', message: 'denied' }];
    const result = await executePlan(
      clients(),
      [{ tags: { Owner: 'web' }, arns: [topic('read')] }],
      { ...options(), unreadable },
    );
    expect(result.tagged).toEqual([topic('read')]);
    expect(result.failed).toEqual(unreadable);
    expect(result.via).toEqual({ [topic('read')]: 'tag:TagResources' });
    expect(tagCalls().flatMap((call) => call.ResourceARNList)).toEqual([topic('read')]);
    expect(lines.at(-1)).toBe('tagged 1, failed 1; 1 write call(s)');
  });
});

describe('executePlan, never overwrite (overwrite: false)', () => {
  it('adds only the keys a bucket lacks, keeps every existing value, and skips a bucket that has them all', async () => {
    motoRefusesAll();
    const stored: Record<string, { Key: string; Value: string }[]> = {
      logs: [
        { Key: 'Environment', Value: 'staging' },
        { Key: 'Retention', Value: '90d' },
      ],
      done: [
        { Key: 'Environment', Value: 'prod' },
        { Key: 'Owner', Value: 'data' },
      ],
    };
    s3Mock
      .on(GetBucketTaggingCommand)
      .callsFake((input: GetBucketTaggingCommandInput) => ({ TagSet: stored[input.Bucket!] }));
    s3Mock.on(PutBucketTaggingCommand).resolves({});
    const result = await executePlan(
      clients(),
      [{ tags: { Environment: 'dev', Owner: 'web' }, arns: [bucket('logs'), bucket('done')] }],
      { ...options(), overwrite: false },
    );
    expect(s3Mock.commandCalls(PutBucketTaggingCommand).map((call) => call.args[0].input)).toEqual([
      {
        Bucket: 'logs',
        Tagging: {
          TagSet: [
            { Key: 'Environment', Value: 'staging' },
            { Key: 'Retention', Value: '90d' },
            { Key: 'Owner', Value: 'web' },
          ],
        },
      },
    ]);
    expect(result.tagged).toEqual([bucket('logs'), bucket('done')]);
    expect(result.unchanged).toEqual([bucket('done')]);
    expect(writeCalls(result)).toBe(2);
  });

  it('overwrites a planned key in the bucket merge by default, as TagResources does', async () => {
    motoRefusesAll();
    s3Mock
      .on(GetBucketTaggingCommand)
      .resolves({ TagSet: [{ Key: 'Environment', Value: 'staging' }] });
    s3Mock.on(PutBucketTaggingCommand).resolves({});
    await executePlan(
      clients(),
      [{ tags: { Environment: 'dev' }, arns: [bucket('logs')] }],
      options(),
    );
    expect(s3Mock.commandCalls(PutBucketTaggingCommand)[0]?.args[0].input.Tagging?.TagSet).toEqual([
      { Key: 'Environment', Value: 'dev' },
    ]);
  });
});

// ---- properties ----

type Outcome = 'ok' | 'throttled' | 'unsupported' | 'permanent';
const next = <T>(stream: fc.Stream<T>): T => stream.next().value as T;

describe('executePlan, properties', () => {
  const arnArb = fc.oneof(
    fc.nat(50).map((n) => topic(`t${n}`)),
    fc.nat(50).map((n) => instance(`i-${n}`)),
    fc.nat(50).map((n) => bucket(`b${n}`)),
  );

  it('never loses an ARN: each one ends in exactly one of tagged and failed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(arnArb, { minLength: 1, maxLength: 60 }),
        fc.nat(3),
        fc.infiniteStream(fc.constantFrom<Outcome>('ok', 'throttled', 'unsupported', 'permanent')),
        fc.infiniteStream(fc.constantFrom('answer', 'answer', 'answer', 'throw', 'deny')),
        fc.boolean(),
        async (arns, sets, outcomes, calls, ec2Fails) => {
          taggingMock.reset();
          ec2Mock.reset();
          s3Mock.reset();
          const info: Record<Outcome, FailureInfo | undefined> = {
            ok: undefined,
            throttled: THROTTLED,
            unsupported: MOTO_UNSUPPORTED,
            permanent: { StatusCode: 400, ErrorCode: 'InvalidParameterException' },
          };
          taggingMock
            .on(TagResourcesCommand)
            .callsFake((input: TagResourcesCommandInput): TagResourcesCommandOutput => {
              const call = next(calls);
              if (call === 'throw') throw new Error('socket hang up');
              if (call === 'deny')
                throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
              const failed: Record<string, FailureInfo> = {};
              for (const arn of input.ResourceARNList ?? []) {
                const entry = info[next(outcomes)];
                if (entry) failed[arn] = entry;
              }
              return { FailedResourcesMap: failed, $metadata: {} };
            });
          if (ec2Fails) ec2Mock.on(CreateTagsCommand).rejects(new Error('InvalidID'));
          else ec2Mock.on(CreateTagsCommand).resolves({});
          s3Mock.on(GetBucketTaggingCommand).resolves({ TagSet: [] });
          s3Mock.on(PutBucketTaggingCommand).resolves({});
          const checks = arns.map((arn, i) => check(arn, { Owner: `o${i % (sets + 1)}` }));
          const result = await executePlan(clients(), batchChanges(checks), {
            log: () => undefined,
            sleep: () => Promise.resolve(),
            maxThrottleRetries: 2,
          });
          expectAccounted(result, arns);
          expect(Object.keys(result.via).sort()).toEqual([...arns].sort());
          for (const call of tagCalls())
            expect(call.ResourceARNList!.length).toBeLessThanOrEqual(20);
        },
      ),
      { numRuns: 150 },
    );
  });

  // An in-memory account: TagResources (and the native fallbacks) write into `store`.
  function fakeAccount(store: Map<string, Record<string, string>>): void {
    taggingMock.on(TagResourcesCommand).callsFake((input: TagResourcesCommandInput) => {
      const failed: Record<string, FailureInfo> = {};
      for (const arn of input.ResourceARNList ?? []) {
        if (arn.startsWith('arn:aws:ec2:') || arn.startsWith('arn:aws:s3:')) {
          failed[arn] = MOTO_UNSUPPORTED;
          continue;
        }
        store.set(arn, { ...store.get(arn), ...input.Tags });
      }
      return { FailedResourcesMap: failed };
    });
    ec2Mock.on(CreateTagsCommand).callsFake((input: CreateTagsCommandInput) => {
      for (const id of input.Resources ?? []) {
        const arn = instance(id);
        const tags = Object.fromEntries(
          (input.Tags ?? []).map((tag): [string, string] => [tag.Key ?? '', tag.Value ?? '']),
        );
        store.set(arn, { ...store.get(arn), ...tags });
      }
      return {};
    });
    s3Mock.on(GetBucketTaggingCommand).callsFake((input: GetBucketTaggingCommandInput) => ({
      TagSet: Object.entries(store.get(bucket(input.Bucket!)) ?? {}).map(([Key, Value]) => ({
        Key,
        Value,
      })),
    }));
    s3Mock.on(PutBucketTaggingCommand).callsFake((input: PutBucketTaggingCommandInput) => {
      store.set(
        bucket(input.Bucket!),
        Object.fromEntries(
          input.Tagging!.TagSet!.map((tag): [string, string] => [tag.Key ?? '', tag.Value ?? '']),
        ),
      );
      return {};
    });
  }

  const KEYS = ['Owner', 'Environment', 'CostCenter', 'Team'];
  const VALUES = ['web', 'api', 'dev', 'prod', 'Prod', 'cc-1', ''];
  const TYPES = ['AWS::SNS::Topic', 'AWS::EC2::Instance', 'AWS::S3::Bucket'];
  const ruleArb = (key: string): fc.Arbitrary<TagRule> =>
    fc
      .record({
        allowed: fc.option(fc.subarray(VALUES, { minLength: 1 }), { freq: 2 }),
        pattern: fc.option(fc.constantFrom('^[a-z]+$', '^cc-\\d+$', '.'), { freq: 2 }),
        default: fc.option(fc.constantFrom(...VALUES)),
        resourceTypes: fc.option(fc.subarray(TYPES, { minLength: 1 }), { freq: 2 }),
      })
      .map((rule) => ({
        key,
        ...Object.fromEntries(Object.entries(rule).filter(([, value]) => value !== null)),
      }));
  const deriveArb: fc.Arbitrary<DeriveRule> = fc
    .record({
      tag: fc.constantFrom(...KEYS),
      from: fc.constantFrom<DeriveRule['from']>('name', 'region', 'resource-type', 'tag'),
      sourceTag: fc.constantFrom('Name', ...KEYS),
      pattern: fc.option(fc.constantFrom('^(\\w+)-', '^([a-z]+)'), { freq: 2 }),
      map: fc.option(
        fc.dictionary(fc.constantFrom(...VALUES, 'shop', 'eu'), fc.constantFrom(...VALUES)),
        { freq: 2 },
      ),
    })
    .map(
      (rule) =>
        Object.fromEntries(
          Object.entries(rule).filter(([, value]) => value !== null),
        ) as unknown as DeriveRule,
    );
  const policyArb: fc.Arbitrary<TagPolicy> = fc.record({
    required: fc
      .subarray(KEYS, { minLength: 1 })
      .chain((keys) => fc.tuple(...keys.map((key) => ruleArb(key)))),
    derive: fc.array(deriveArb, { maxLength: 4 }),
    resourceTypes: fc.constant(TYPES),
    minCoverage: fc.constant(0),
    overwrite: fc.boolean(),
    parameter: fc.constant('/assetguard/tag-policy'),
    groups: fc.constant([]),
  });
  const resourceArb = (index: number): fc.Arbitrary<Asset> =>
    fc
      .record({
        type: fc.constantFrom(...TYPES),
        name: fc.constantFrom('shop-web', 'api-prod', 'dev', 'x'),
        tags: fc.dictionary(fc.constantFrom(...KEYS, 'Name'), fc.constantFrom(...VALUES)),
      })
      .map(({ type, name, tags }) => ({
        arn:
          type === 'AWS::EC2::Instance'
            ? instance(`i-${index}`)
            : type === 'AWS::S3::Bucket'
              ? bucket(`b${index}`)
              : topic(`t${index}`),
        type,
        name,
        region: REGION,
        tags,
      }));

  it('is idempotent: after apply, a second plan is empty and a second run writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        policyArb,
        fc
          .integer({ min: 1, max: 40 })
          .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => resourceArb(i)))),
        async (policy, resources) => {
          taggingMock.reset();
          ec2Mock.reset();
          s3Mock.reset();
          const store = new Map(resources.map((facts) => [facts.arn, { ...facts.tags }]));
          fakeAccount(store);
          const quiet = { log: () => undefined, sleep: () => Promise.resolve() };
          const first = resources.map((facts) => checkResource(policy, facts));
          const applied = await executePlan(clients(), batchChanges(first), quiet);
          expect(applied.failed).toEqual([]);

          const again = resources.map((facts) =>
            checkResource(policy, { ...facts, tags: store.get(facts.arn) ?? {} }),
          );
          expect(again.filter((c) => Object.keys(c.set).length > 0)).toEqual([]);
          const second = await executePlan(clients(), batchChanges(again), quiet);
          expect(writeCalls(second)).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  // A key derived from another key that the same run sets (Team from Owner's default) is planned
  // in that run: checkResource derives from the tags it plans as well, until nothing changes.
  it('is idempotent when one derived key reads another key the same run sets', () => {
    const policy: TagPolicy = {
      required: [{ key: 'Owner', default: 'web' }, { key: 'Team' }],
      derive: [{ tag: 'Team', from: 'tag', sourceTag: 'Owner' }],
      resourceTypes: TYPES,
      minCoverage: 0,
      overwrite: false,
      parameter: '/assetguard/tag-policy',
      groups: [],
    };
    const facts: Asset = { arn: topic('t'), type: 'AWS::SNS::Topic', tags: {} };
    const first = checkResource(policy, facts);
    const second = checkResource(policy, { ...facts, tags: { ...facts.tags, ...first.set } });
    expect(second.set).toEqual({});
  });
});

// Issue 8, kind 4: writes that destroy. The bucket merge writes the whole set back, so what it
// merges into must have been read; AWS's own aws: tags stay exactly as read (S3 has refused a
// set that drops them since 2018: "System Tags cannot be removed by requester").
describe('executePlan, the S3 merge never destroys', () => {
  const CLOUDFORMATION = [
    { Key: 'aws:cloudformation:stack-name', Value: 'web' },
    {
      Key: 'aws:cloudformation:stack-id',
      Value: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/web/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d`,
    },
    { Key: 'aws:cloudformation:logical-id', Value: 'AssetsBucket' },
  ];

  it('does not write a bucket whose GetBucketTagging answer has no TagSet: the merge would erase its tags', async () => {
    motoRefusesAll();
    s3Mock.on(GetBucketTaggingCommand).resolves({});
    s3Mock.on(PutBucketTaggingCommand).resolves({});
    const result = await executePlan(
      clients(),
      [{ tags: { Owner: 'web' }, arns: [bucket('logs')] }],
      { ...options(), overwrite: false },
    );
    expect(s3Mock.commandCalls(PutBucketTaggingCommand)).toEqual([]);
    expect(result.tagged).toEqual([]);
    expect(result.failed).toEqual([
      {
        arn: bucket('logs'),
        code: 'MalformedAnswer',
        message:
          's3:GetBucketTagging of bucket logs answered without TagSet (an empty or malformed body); its tags are unknown, not empty',
      },
    ]);
  });

  it("keeps the bucket's aws: tags exactly as read in the PutBucketTagging set, and never adds or changes one", async () => {
    motoRefusesAll();
    s3Mock
      .on(GetBucketTaggingCommand)
      .resolves({ TagSet: [...CLOUDFORMATION, { Key: 'Retention', Value: '90d' }] });
    s3Mock.on(PutBucketTaggingCommand).resolves({});
    const result = await executePlan(
      clients(),
      [
        {
          tags: { Owner: 'web', 'aws:cloudformation:stack-name': 'other', 'AWS:team': 'x' },
          arns: [bucket('assets')],
        },
      ],
      options(),
    );
    expect(result.failed).toEqual([]);
    expect(s3Mock.commandCalls(PutBucketTaggingCommand).map((call) => call.args[0].input)).toEqual([
      {
        Bucket: 'assets',
        Tagging: {
          TagSet: [
            ...CLOUDFORMATION,
            { Key: 'Retention', Value: '90d' },
            { Key: 'Owner', Value: 'web' },
          ],
        },
      },
    ]);
  });

  it('counts only user tags against the 50 a bucket may carry (aws: tags do not count)', async () => {
    motoRefusesAll();
    const user = Array.from({ length: 48 }, (_, index) => ({ Key: `k${index}`, Value: 'v' }));
    s3Mock.on(GetBucketTaggingCommand).resolves({ TagSet: [...CLOUDFORMATION, ...user] });
    s3Mock.on(PutBucketTaggingCommand).resolves({});
    const result = await executePlan(
      clients(),
      [{ tags: { Owner: 'web', Environment: 'dev' }, arns: [bucket('assets')] }],
      options(),
    );
    expect(result.failed).toEqual([]);
    expect(
      s3Mock.commandCalls(PutBucketTaggingCommand)[0]?.args[0].input.Tagging?.TagSet,
    ).toHaveLength(53);
  });

  it('reports a bucket S3 refuses for its system tags with why, and never retries without them (that would erase them)', async () => {
    motoRefusesAll();
    s3Mock.on(GetBucketTaggingCommand).resolves({ TagSet: CLOUDFORMATION });
    // What S3 answered before 2018, and moto 5.2.1 still does, for a set carrying aws: keys.
    s3Mock.on(PutBucketTaggingCommand).rejects(
      Object.assign(new Error('System tags cannot be added/updated by requester'), {
        name: 'InvalidTag',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const result = await executePlan(
      clients(),
      [{ tags: { Owner: 'web' }, arns: [bucket('assets')] }],
      options(),
    );
    const puts = s3Mock.commandCalls(PutBucketTaggingCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.args[0].input.Tagging?.TagSet?.slice(0, 3)).toEqual(CLOUDFORMATION);
    expect(result.failed).toEqual([
      {
        arn: bucket('assets'),
        code: 'InvalidTag',
        message:
          "could not tag bucket assets: InvalidTag: System tags cannot be added/updated by requester (the set kept the bucket's own aws:cloudformation:stack-name, aws:cloudformation:stack-id, aws:cloudformation:logical-id unchanged, as S3 requires; assetguard never drops them, which would erase them: tag this bucket with tag:TagResources or through its CloudFormation stack)",
      },
    ]);
  });
});

// Issue 8, kind 4: one resource's bad value must not cost other keys or other resources their
// tags. The plan leaves out what AWS would refuse; the calls carry only what AWS accepts.
describe('executePlan after checkResource: what AWS refuses costs nothing else', () => {
  /** TagResources as AWS answers a set with a key or value it refuses: the whole call fails. */
  function refusesInvalidTags(): void {
    taggingMock.on(TagResourcesCommand).callsFake((input: TagResourcesCommandInput) => {
      for (const [key, value] of Object.entries(input.Tags ?? {})) {
        if (
          /^aws:/i.test(key) ||
          !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(`${key}${value}`) ||
          value.length > 256
        ) {
          throw Object.assign(new Error(`Invalid tag ${key}`), {
            name: 'InvalidParameterException',
            $metadata: { httpStatusCode: 400 },
          });
        }
      }
      return { FailedResourcesMap: {} };
    });
  }

  it('writes every other key and resource when one key is reserved and one derived value is refused', async () => {
    refusesInvalidTags();
    const policy: TagPolicy = {
      // A policy built in code (the loader rejects an aws: key with file:line).
      required: [
        { key: 'Owner', default: 'platform' },
        { key: 'aws:team', default: 'web' },
        { key: 'Service' },
      ],
      derive: [{ tag: 'Service', from: 'name' }],
      resourceTypes: [],
      minCoverage: 0,
      overwrite: false,
      parameter: '/assetguard/tag-policy',
      groups: [],
    };
    const facts = (name: string): Asset => ({
      arn: topic(name),
      type: 'AWS::SNS::Topic',
      name,
      tags: {},
    });
    const checks = [facts('orders'), facts('billing (eu)'), facts('x'.repeat(300))].map((asset) =>
      checkResource(policy, asset),
    );
    const result = await executePlan(clients(), batchChanges(checks), options());
    expect(result.failed).toEqual([]);
    expect([...result.tagged].sort()).toEqual(checks.map((check) => check.arn).sort());
    const written = Object.fromEntries(
      tagCalls().flatMap((call) => (call.ResourceARNList ?? []).map((arn) => [arn, call.Tags])),
    );
    expect(written).toEqual({
      [topic('orders')]: { Owner: 'platform', Service: 'orders' },
      [topic('billing (eu)')]: { Owner: 'platform' },
      [topic('x'.repeat(300))]: { Owner: 'platform' },
    });
    expect(checks[1]?.rejected).toEqual([
      {
        key: 'aws:team',
        value: '',
        why: 'the key starts with "aws:", a prefix AWS reserves for its own tags',
      },
      {
        key: 'Service',
        value: 'billing (eu)',
        why: 'contains "(" (U+0028); AWS allows only letters, digits, spaces and _ . : / = + - @ in tags',
      },
    ]);
    expect(checks[1]?.unresolved).toEqual(['aws:team', 'Service']);
  });
});
