import {
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeTagsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  CreateBucketCommand,
  GetBucketTaggingCommand,
  PutBucketTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  CREATED_AT_TAG,
  CREATED_BY_TAG,
  createHandler,
  type AutoTagDeps,
  type LogEntry,
} from '../../actions/src/lambda/auto-tag/handler';
import { motoEndpoint } from '../fixtures/moto-estate';
import { FIXTURE_ACCOUNT, fixture } from '../fixtures/cloudtrail';

// This file's own region: moto keeps state per region, so other test files are not disturbed.
const REGION = 'ap-northeast-2';
const MOTO_ACCOUNT = '123456789012';
const PARAMETER = '/assetguard/auto-tag-test/tag-policy';
const CREATOR = `arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/platform-deployer/deploy-session`;
const WRITES = new Set([
  'TagResourcesCommand',
  'CreateTagsCommand',
  'PutBucketTaggingCommand',
  'TagResourceCommand',
]);

const POLICY = `version: 1
tags:
  required:
    Environment: { allowed: [prod, staging, dev], default: dev }
    Service: { pattern: '^[a-z]+$' }
    Network: { resource-types: [AWS::EC2::Instance, AWS::EC2::SecurityGroup] }
    Owner: { pattern: '^[^@]+@example\\.com$' }
  derive:
    - tag: Service
      from: name
      pattern: '^([a-z]+)-'
    - tag: Network
      from: vpc
`;

interface Clients {
  ssm: SSMClient;
  tagging: ResourceGroupsTaggingAPIClient;
  ec2: () => Promise<EC2Client>;
  s3: S3Client;
}

/** Every command any client sends, by name, in order: counted with an SDK middleware. */
let calls: string[] = [];

interface CommandStack {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; name: string },
  ): void;
}

function counted<C extends { middlewareStack: unknown }>(client: C): C {
  (client.middlewareStack as CommandStack).add(
    (next, context) => (args) => {
      calls.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'assetguardCountCommands' },
  );
  return client;
}

const options = (): { region: string; endpoint: string; maxAttempts: number } => ({
  region: REGION,
  endpoint: motoEndpoint(),
  maxAttempts: 1,
});

function clients(): Clients {
  const ec2Client = counted(new EC2Client(options()));
  return {
    ssm: counted(new SSMClient(options())),
    tagging: counted(new ResourceGroupsTaggingAPIClient(options())),
    ec2: () => Promise.resolve(ec2Client),
    s3: counted(new S3Client({ ...options(), forcePathStyle: true })),
  };
}

/** Seeding and reading back, outside the counted clients. */
const ec2 = new EC2Client({ region: REGION, maxAttempts: 1 });
const s3 = new S3Client({ region: REGION, forcePathStyle: true, maxAttempts: 1 });
const ssm = new SSMClient({ region: REGION, maxAttempts: 1 });

let clock = new Date('2026-03-02T09:30:00Z');
let logs: LogEntry[] = [];

function deps(overrides: Partial<AutoTagDeps> = {}): AutoTagDeps {
  return {
    ...clients(),
    parameterName: PARAMETER,
    now: () => clock,
    log: (entry) => logs.push(entry),
    ...overrides,
  };
}

const writes = (): string[] => calls.filter((name) => WRITES.has(name));

async function ec2Tags(id: string): Promise<Record<string, string>> {
  const answer = await ec2.send(
    new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }),
  );
  return Object.fromEntries(
    (answer.Tags ?? []).map((tag): [string, string] => [tag.Key ?? '', tag.Value ?? '']),
  );
}

async function bucketTags(bucket: string): Promise<Record<string, string>> {
  const answer = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
  return Object.fromEntries(
    (answer.TagSet ?? []).map((tag): [string, string] => [tag.Key ?? '', tag.Value ?? '']),
  );
}

/** SNS and SQS speak the query protocol; no SDK client for them is installed here. */
async function query(service: 'sns' | 'sqs', params: Record<string, string>): Promise<string> {
  const response = await fetch(motoEndpoint(), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto reads the region and service from the credential scope; it does not verify signatures.
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260302/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams(params).toString(),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`${service} ${params.Action ?? ''}: ${body}`);
  return body;
}

let imageId: string;

beforeAll(async () => {
  await ssm.send(
    new PutParameterCommand({ Name: PARAMETER, Type: 'String', Value: POLICY, Overwrite: true }),
  );
  const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
  imageId = images.Images?.[0]?.ImageId ?? '';
  expect(imageId).toMatch(/^ami-/);
});

beforeEach(() => {
  calls = [];
  logs = [];
  clock = new Date('2026-03-02T09:30:00Z');
});

describe('auto-tag Lambda against moto', () => {
  it('tags new EC2 instances with derived tags, creator and create time, never overwriting, and a retry writes nothing', async () => {
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        MinCount: 2,
        MaxCount: 2,
        InstanceType: 't3.micro',
        TagSpecifications: [
          { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'payments-api' }] },
        ],
      }),
    );
    const [first, second] = (run.Instances ?? []).map((instance) => instance.InstanceId ?? '');
    if (!first || !second) throw new Error('moto launched no instances');
    // Someone already chose an environment for the first one: the Lambda must keep it.
    await ec2.send(
      new CreateTagsCommand({ Resources: [first], Tags: [{ Key: 'Environment', Value: 'prod' }] }),
    );
    const event = fixture('RunInstances', {
      'i-0123456789abcdef0': first,
      'i-0fedcba9876543210': second,
      [FIXTURE_ACCOUNT]: MOTO_ACCOUNT,
    });
    const handler = createHandler(deps());

    const summary = await handler(event);

    expect(summary.failed).toEqual([]);
    expect(summary.tagged.map((entry) => entry.arn).sort()).toEqual(
      [first, second].map((id) => `arn:aws:ec2:${REGION}:${MOTO_ACCOUNT}:instance/${id}`).sort(),
    );
    const common = {
      Name: 'payments-api',
      Service: 'payments',
      Network: 'vpc-0abc1234def567890',
      [CREATED_BY_TAG]: CREATOR,
      [CREATED_AT_TAG]: '2026-03-02T09:00:01Z',
    };
    expect(await ec2Tags(first)).toEqual({ ...common, Environment: 'prod' });
    expect(await ec2Tags(second)).toEqual({ ...common, Environment: 'dev' });
    // moto's TagResources cannot tag EC2 ARNs: the Lambda fell back to CreateTags.
    expect(summary.tagged.every((entry) => entry.via === 'ec2:CreateTags')).toBe(true);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'required tags left unset',
        unresolved: ['Owner'],
      }),
    );
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'info', msg: 'tagged', arn: summary.tagged[0]?.arn }),
    );

    calls = [];
    const again = await handler(event);

    expect(writes()).toEqual([]);
    expect(again.tagged).toEqual([]);
    expect(again.skipped.map((entry) => entry.reason)).toEqual([
      'already tagged',
      'already tagged',
    ]);
    expect(await ec2Tags(first)).toEqual({ ...common, Environment: 'prod' });
  });

  it('tags new volumes and security groups', async () => {
    const volume = await ec2.send(
      new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 20 }),
    );
    const group = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'payments-web',
        Description: 'payments web tier',
      }),
    );
    const volumeId = volume.VolumeId ?? '';
    const groupId = group.GroupId ?? '';
    const handler = createHandler(deps());

    const volumeSummary = await handler(
      fixture('CreateVolume', {
        'vol-0123456789abcdef0': volumeId,
        [FIXTURE_ACCOUNT]: MOTO_ACCOUNT,
      }),
    );
    const groupSummary = await handler(
      fixture('CreateSecurityGroup', {
        'sg-0123456789abcdef0': groupId,
        [FIXTURE_ACCOUNT]: MOTO_ACCOUNT,
      }),
    );

    expect([...volumeSummary.failed, ...groupSummary.failed]).toEqual([]);
    // The event's Name tag is not on the moto volume, but the name still drives derivation.
    expect(await ec2Tags(volumeId)).toEqual({
      Environment: 'dev',
      Service: 'payments',
      [CREATED_BY_TAG]: CREATOR,
      [CREATED_AT_TAG]: '2026-03-02T09:01:12Z',
    });
    // Network applies to instances and security groups only (resource-types in the policy).
    expect(await ec2Tags(groupId)).toEqual({
      Environment: 'dev',
      Service: 'payments',
      Network: 'vpc-0abc1234def567890',
      [CREATED_BY_TAG]: CREATOR,
      [CREATED_AT_TAG]: '2026-03-02T09:02:30Z',
    });
  });

  it('merges into a bucket tag set instead of replacing it (PutBucketTagging replaces)', async () => {
    const bucket = 'payments-reports-auto-tag-test';
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: bucket,
        Tagging: {
          TagSet: [
            { Key: 'Team', Value: 'payments' },
            { Key: 'Environment', Value: 'staging' },
          ],
        },
      }),
    );
    const event = fixture('CreateBucket', {
      'payments-reports-111122223333': bucket,
      [FIXTURE_ACCOUNT]: MOTO_ACCOUNT,
    });
    const handler = createHandler(deps());

    const summary = await handler(event);

    expect(summary.failed).toEqual([]);
    expect(summary.tagged).toEqual([
      {
        arn: `arn:aws:s3:::${bucket}`,
        type: 'AWS::S3::Bucket',
        via: 's3:PutBucketTagging',
        set: {
          Service: 'payments',
          [CREATED_BY_TAG]: `arn:aws:iam::${MOTO_ACCOUNT}:user/alice`,
          [CREATED_AT_TAG]: '2026-03-02T09:03:45Z',
        },
      },
    ]);
    expect(await bucketTags(bucket)).toEqual({
      Team: 'payments',
      Environment: 'staging',
      Service: 'payments',
      [CREATED_BY_TAG]: `arn:aws:iam::${MOTO_ACCOUNT}:user/alice`,
      [CREATED_AT_TAG]: '2026-03-02T09:03:45Z',
    });

    calls = [];
    await handler(event);
    expect(writes()).toEqual([]);
  });

  it('reads SNS topic and SQS queue tags through the Tagging API and reports what moto cannot tag', async () => {
    await query('sns', {
      Action: 'CreateTopic',
      Version: '2010-03-31',
      Name: 'payments-alerts',
      'Tags.member.1.Key': 'Environment',
      'Tags.member.1.Value': 'prod',
    });
    await query('sqs', {
      Action: 'CreateQueue',
      Version: '2012-11-05',
      QueueName: 'payments-jobs',
    });
    const handler = createHandler(deps());

    const topic = await handler(fixture('CreateTopic', { [FIXTURE_ACCOUNT]: MOTO_ACCOUNT }));
    const queue = await handler(fixture('CreateQueue', { [FIXTURE_ACCOUNT]: MOTO_ACCOUNT }));

    // moto 5 implements TagResources for neither SNS nor SQS (real AWS does; see the mocked
    // test below). The Lambda reports the resource as failed and does not throw.
    expect(topic.failed).toEqual([
      {
        arn: `arn:aws:sns:${REGION}:${MOTO_ACCOUNT}:payments-alerts`,
        type: 'AWS::SNS::Topic',
        reason: expect.stringContaining('tag:TagResources') as string,
      },
    ]);
    expect(queue.failed).toHaveLength(1);
    expect(queue.failed[0]?.arn).toBe(`arn:aws:sqs:${REGION}:${MOTO_ACCOUNT}:payments-jobs`);
    // The existing Environment=prod was read back through GetResources and left alone.
    const tagResources = calls.filter((name) => name === 'GetResourcesCommand');
    expect(tagResources).toHaveLength(2);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'could not tag', arn: topic.failed[0]?.arn }),
    );
  });

  it('ignores failed calls (errorCode) without any AWS call', async () => {
    const event = fixture('RunInstances');
    if (event.detail) {
      event.detail.errorCode = 'Client.UnauthorizedOperation';
      event.detail.errorMessage = 'You are not authorized to perform this operation.';
      event.detail.responseElements = null;
    }
    const summary = await createHandler(deps())(event);

    expect(summary).toEqual({
      ignored: 'ignored failed call',
      tagged: [],
      skipped: [],
      failed: [],
    });
    expect(calls).toEqual([]);
    expect(logs).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'ignored failed call',
        errorCode: 'Client.UnauthorizedOperation',
      }),
    ]);
  });

  it('ignores events it does not know without any AWS call', async () => {
    const glue = fixture('CreateTable', { 'dynamodb.amazonaws.com': 'glue.amazonaws.com' });
    const summary = await createHandler(deps())(glue);
    expect(summary.ignored).toBe('ignored unsupported event');
    expect(calls).toEqual([]);
  });

  it('reads the policy once per container, re-checks its version after 5 minutes, and reloads a new version', async () => {
    const handler = createHandler(deps());
    const event = fixture('CreateSecurityGroup', { [FIXTURE_ACCOUNT]: MOTO_ACCOUNT });
    const group = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'cache-test', Description: 'cache test' }),
    );
    const freshGroup = fixture('CreateSecurityGroup', {
      'sg-0123456789abcdef0': group.GroupId ?? '',
      [FIXTURE_ACCOUNT]: MOTO_ACCOUNT,
    });

    await handler(event);
    await handler(event);
    clock = new Date(clock.getTime() + 4 * 60 * 1000);
    await handler(event);
    expect(calls.filter((name) => name === 'GetParameterCommand')).toHaveLength(1);

    clock = new Date(clock.getTime() + 2 * 60 * 1000);
    await handler(event);
    expect(calls.filter((name) => name === 'GetParameterCommand')).toHaveLength(2);
    // Same version: not parsed again.
    expect(logs.filter((entry) => entry.msg === 'loaded policy')).toHaveLength(1);

    await ssm.send(
      new PutParameterCommand({
        Name: PARAMETER,
        Type: 'String',
        Value: POLICY.replace('default: dev', 'default: staging'),
        Overwrite: true,
      }),
    );
    try {
      clock = new Date(clock.getTime() + 6 * 60 * 1000);
      const summary = await handler(freshGroup);
      expect(logs.filter((entry) => entry.msg === 'loaded policy')).toHaveLength(2);
      expect(summary.tagged[0]?.set.Environment).toBe('staging');
    } finally {
      await ssm.send(
        new PutParameterCommand({
          Name: PARAMETER,
          Type: 'String',
          Value: POLICY,
          Overwrite: true,
        }),
      );
    }
  });

  it('throws a clear error naming the parameter and ssm:GetParameter when the policy is missing', async () => {
    const handler = createHandler(deps({ parameterName: '/assetguard/no-such-policy' }));
    const event = fixture('CreateSecurityGroup', { [FIXTURE_ACCOUNT]: MOTO_ACCOUNT });

    await expect(handler(event)).rejects.toThrow(
      /\/assetguard\/no-such-policy does not exist.*ssm:GetParameter/,
    );
    expect(writes()).toEqual([]);
  });
});
