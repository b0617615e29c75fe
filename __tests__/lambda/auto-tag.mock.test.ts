import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient, ListTagsForResourceCommand, TagResourceCommand } from '@aws-sdk/client-ecr';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetBucketTaggingCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CREATED_AT_TAG,
  CREATED_BY_TAG,
  createHandler,
  parameterNameFrom,
  type AutoTagDeps,
  type LogEntry,
} from '../../actions/src/lambda/auto-tag/handler';
import { fixture } from '../fixtures/cloudtrail';

// What moto cannot express: a Tagging API that tags SNS/SQS (as real AWS does), ECR's own
// tagging call, and SSM going away after the policy was cached.
const POLICY = `version: 1
tags:
  required:
    Environment: { default: dev }
`;
const TOPIC = 'arn:aws:sns:ap-northeast-2:111122223333:payments-alerts';
const REPOSITORY = 'arn:aws:ecr:ap-northeast-2:111122223333:repository/payments/api';

const ssm = mockClient(SSMClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const ecr = mockClient(ECRClient);
const s3 = mockClient(S3Client);
let clock = new Date('2026-03-02T10:00:00Z');
let logs: LogEntry[] = [];

function deps(): AutoTagDeps {
  return {
    ssm: new SSMClient({ region: 'ap-northeast-2' }),
    tagging: new ResourceGroupsTaggingAPIClient({ region: 'ap-northeast-2' }),
    ec2: () => Promise.resolve(new EC2Client({ region: 'ap-northeast-2' })),
    s3: new S3Client({ region: 'ap-northeast-2' }),
    ecr: new ECRClient({ region: 'ap-northeast-2' }),
    parameterName: '/assetguard/tag-policy',
    now: () => clock,
    log: (entry) => logs.push(entry),
  };
}

beforeEach(() => {
  ssm.reset();
  tagging.reset();
  ecr.reset();
  s3.reset();
  logs = [];
  clock = new Date('2026-03-02T10:00:00Z');
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: POLICY, Version: 3 } });
});

it('tags an SNS topic through TagResources when the Tagging API supports it', async () => {
  tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
  tagging.on(TagResourcesCommand).resolves({ FailedResourcesMap: {} });

  const summary = await createHandler(deps())(fixture('CreateTopic'));

  const set = {
    Environment: 'dev',
    [CREATED_BY_TAG]: 'arn:aws:iam::111122223333:user/alice',
    [CREATED_AT_TAG]: '2026-03-02T09:11:05Z',
  };
  expect(summary.tagged).toEqual([
    { arn: TOPIC, type: 'AWS::SNS::Topic', set, via: 'tag:TagResources' },
  ]);
  expect(tagging.commandCalls(GetResourcesCommand)[0]?.args[0].input).toEqual({
    ResourceARNList: [TOPIC],
  });
  expect(tagging.commandCalls(TagResourcesCommand)[0]?.args[0].input).toEqual({
    ResourceARNList: [TOPIC],
    Tags: set,
  });
});

it('falls back to ECR TagResource when the Tagging API reports the repository as failed', async () => {
  ecr.on(ListTagsForResourceCommand).resolves({ tags: [{ Key: 'Environment', Value: 'prod' }] });
  tagging.on(TagResourcesCommand).resolves({
    FailedResourcesMap: {
      [REPOSITORY]: {
        StatusCode: 400,
        ErrorCode: 'InvalidParameterException',
        ErrorMessage: 'unsupported',
      },
    },
  });
  ecr.on(TagResourceCommand).resolves({});

  const summary = await createHandler(deps())(fixture('CreateRepository'));

  expect(summary.failed).toEqual([]);
  expect(summary.tagged[0]?.via).toBe('ecr:TagResource');
  expect(ecr.commandCalls(TagResourceCommand)[0]?.args[0].input.tags).toEqual([
    {
      Key: CREATED_BY_TAG,
      Value: 'arn:aws:sts::111122223333:assumed-role/platform-deployer/deploy-session',
    },
    { Key: CREATED_AT_TAG, Value: '2026-03-02T09:08:40Z' },
  ]);
});

it('reports a resource whose tags could not be read as failed, and writes nothing to it', async () => {
  tagging
    .on(GetResourcesCommand)
    .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

  const summary = await createHandler(deps())(fixture('CreateTopic'));

  expect(summary.tagged).toEqual([]);
  expect(summary.failed).toEqual([
    {
      arn: TOPIC,
      type: 'AWS::SNS::Topic',
      reason:
        'could not read the tags of 1 resource(s): AccessDeniedException: not authorized — grant tag:GetResources',
    },
  ]);
  expect(tagging.commandCalls(TagResourcesCommand)).toEqual([]);
  expect(logs).toContainEqual(
    expect.objectContaining({ level: 'error', msg: 'could not tag', arn: TOPIC }),
  );
});

it('keeps using the cached policy when SSM fails later, and throws when it fails first', async () => {
  tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
  tagging.on(TagResourcesCommand).resolves({});
  const handler = createHandler(deps());
  await handler(fixture('CreateTopic'));

  ssm
    .on(GetParameterCommand)
    .rejects(Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' }));
  clock = new Date(clock.getTime() + 10 * 60 * 1000);
  const summary = await handler(fixture('CreateTopic'));
  expect(summary.tagged).toHaveLength(1);
  expect(logs).toContainEqual(
    expect.objectContaining({ level: 'warn', msg: 'using cached policy' }),
  );

  await expect(createHandler(deps())(fixture('CreateTopic'))).rejects.toThrow(
    /could not read the tag policy from SSM parameter \/assetguard\/tag-policy/,
  );
  const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
  ssm.on(GetParameterCommand).rejects(denied);
  await expect(createHandler(deps())(fixture('CreateTopic'))).rejects.toThrow(
    /grant ssm:GetParameter on parameter \/assetguard\/tag-policy/,
  );
});

it('reports an invalid policy in SSM with the parameter as its origin', async () => {
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'version: 2\n', Version: 1 } });
  await expect(createHandler(deps())(fixture('CreateTopic'))).rejects.toThrow(
    /ssm:\/assetguard\/tag-policy:1: version/,
  );
});

it('takes the parameter name from ASSETGUARD_TAG_POLICY_PARAMETER, defaulting to /assetguard/tag-policy', () => {
  expect(parameterNameFrom({})).toBe('/assetguard/tag-policy');
  expect(parameterNameFrom({ ASSETGUARD_TAG_POLICY_PARAMETER: '/prod/tags' })).toBe('/prod/tags');
});

// Issue 8, kind 4: the Lambda writes through the same plan and sink as `tags apply`.
describe('what AWS would refuse costs the Lambda nothing else', () => {
  it('leaves out a creator ARN with a character AWS refuses and still writes the policy tags and create time', async () => {
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    tagging.on(TagResourcesCommand).callsFake((input: { Tags?: Record<string, string> }) => {
      // As AWS answers a tag set with a character it refuses: the whole call fails.
      if (Object.values(input.Tags ?? {}).some((value) => value.includes(','))) {
        throw Object.assign(new Error('Invalid tag value'), { name: 'InvalidParameterException' });
      }
      return { FailedResourcesMap: {} };
    });
    const event = fixture('CreateTopic', {
      'arn:aws:iam::111122223333:user/alice':
        'arn:aws:sts::111122223333:assumed-role/deployer/alice,bob',
    });

    const summary = await createHandler(deps())(event);

    expect(summary.failed).toEqual([]);
    expect(summary.tagged).toEqual([
      {
        arn: TOPIC,
        type: 'AWS::SNS::Topic',
        set: { Environment: 'dev', [CREATED_AT_TAG]: '2026-03-02T09:11:05Z' },
        via: 'tag:TagResources',
      },
    ]);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'tags AWS would refuse left out',
        arn: TOPIC,
        rejected: [
          {
            key: CREATED_BY_TAG,
            value: 'arn:aws:sts::111122223333:assumed-role/deployer/alice,bob',
            why: 'contains "," (U+002C); AWS allows only letters, digits, spaces and _ . : / = + - @ in tags',
          },
        ],
      }),
    );
  });

  it("merges into a CloudFormation bucket's tag set keeping its aws: tags as read, as S3 requires", async () => {
    const bucketArn = 'arn:aws:s3:::payments-reports-111122223333';
    const system = [
      { Key: 'aws:cloudformation:stack-name', Value: 'payments' },
      { Key: 'aws:cloudformation:logical-id', Value: 'Reports' },
    ];
    tagging.on(TagResourcesCommand).resolves({
      FailedResourcesMap: {
        [bucketArn]: {
          StatusCode: 400,
          ErrorCode: 'InvalidParameterException',
          ErrorMessage: 'unsupported resource type',
        },
      },
    });
    s3.on(GetBucketTaggingCommand).resolves({ TagSet: system });
    s3.on(PutBucketTaggingCommand).resolves({});

    const summary = await createHandler(deps())(fixture('CreateBucket'));

    expect(summary.failed).toEqual([]);
    expect(summary.tagged[0]?.via).toBe('s3:PutBucketTagging');
    const puts = s3.commandCalls(PutBucketTaggingCommand).map((call) => call.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.Tagging?.TagSet).toEqual([
      ...system,
      { Key: 'Environment', Value: 'dev' },
      { Key: CREATED_BY_TAG, Value: 'arn:aws:iam::111122223333:user/alice' },
      { Key: CREATED_AT_TAG, Value: '2026-03-02T09:03:45Z' },
    ]);
  });
});
