import {
  CreateSecurityGroupCommand,
  CreateVolumeCommand,
  DescribeTagsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  CreateBucketCommand,
  GetBucketTaggingCommand,
  PutBucketTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { MiddlewareStack } from '@smithy/types';
import { batchChanges, checkResource, type TagPolicy } from '../../actions/src/core/tag-policy';
import type { Asset } from '../../actions/src/core/model';
import { executePlan, writeCalls, type TagWriterClients } from '../../actions/src/sinks/tag-writer';
import { renderPlan } from '../../actions/src/tag-policy/render';
import { ACCOUNT } from '../fixtures/seed';
import { motoEndpoint } from '../fixtures/moto-estate';

// moto 5.2.1's TagResources tags only the services it routes (Logs, Lambda, DynamoDB, RDS, EFS,
// ElastiCache, SageMaker, SES, CloudFront, SWF, QuickSight, WorkSpaces) and answers every other
// ARN with 404 InternalServiceException "Service not yet supported": EC2 and S3 here go through
// the native fallbacks, log groups through TagResources itself.
const REGION = 'eu-west-3';
let calls: string[] = [];

function count<I extends object, O extends object>(stack: MiddlewareStack<I, O>): void {
  stack.add(
    (next, context) => (args) => {
      calls.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'assetguardCountCommands' },
  );
}

/** The writer's clients (EC2's as the writer takes it, a LazyClient) and the EC2 client itself. */
function clients(): TagWriterClients & { ec2Client: EC2Client } {
  const options = { region: REGION, endpoint: motoEndpoint(), maxAttempts: 1 };
  const ec2 = new EC2Client(options);
  const aws = {
    tagging: new ResourceGroupsTaggingAPIClient(options),
    ec2: () => Promise.resolve(ec2),
    ec2Client: ec2,
    s3: new S3Client({ ...options, forcePathStyle: true }),
  };
  count(aws.tagging.middlewareStack);
  count(ec2.middlewareStack);
  count(aws.s3.middlewareStack);
  return aws;
}

/** No CloudWatch Logs client is installed: create the group with the JSON protocol directly. */
async function createLogGroup(name: string): Promise<string> {
  const response = await fetch(motoEndpoint(), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Logs_20140328.CreateLogGroup',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/logs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ logGroupName: name }),
  });
  if (!response.ok) throw new Error(`moto CreateLogGroup: HTTP ${response.status}`);
  return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
}

const policy: TagPolicy = {
  required: [
    { key: 'Owner', default: 'platform' },
    { key: 'Environment', allowed: ['dev', 'prod'], default: 'dev' },
  ],
  derive: [{ tag: 'Environment', from: 'name', pattern: '-(dev|prod)$' }],
  resourceTypes: [],
  minCoverage: 0,
  overwrite: false,
  parameter: '/assetguard/tag-policy',
  groups: [],
};

interface Estate {
  facts: Asset[];
  /** The tags each resource has in moto now, read with each service's own API. */
  read(): Promise<Record<string, Record<string, string>>>;
}

async function seed(tagging: ReturnType<typeof clients>): Promise<Estate> {
  const { ec2Client: ec2, s3 } = tagging;
  const { GroupId } = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: 'web-prod', Description: 'web' }),
  );
  const { VolumeId } = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: `${REGION}a`,
      Size: 8,
      TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Owner', Value: 'data' }] }],
    }),
  );
  await s3.send(
    new CreateBucketCommand({
      Bucket: 'ag-apply-logs-prod',
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
  await s3.send(
    new PutBucketTaggingCommand({
      Bucket: 'ag-apply-logs-prod',
      Tagging: { TagSet: [{ Key: 'Retention', Value: '90d' }] },
    }),
  );
  await s3.send(
    new CreateBucketCommand({
      Bucket: 'ag-apply-scratch',
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
  const logGroup = await createLogGroup('/app/web-dev');
  const sgArn = `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${GroupId ?? ''}`;
  const volumeArn = `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${VolumeId ?? ''}`;
  const facts: Asset[] = [
    { arn: sgArn, type: 'AWS::EC2::SecurityGroup', name: 'web-prod', tags: {} },
    { arn: volumeArn, type: 'AWS::EC2::Volume', tags: { Owner: 'data' } },
    {
      arn: 'arn:aws:s3:::ag-apply-logs-prod',
      type: 'AWS::S3::Bucket',
      name: 'logs-prod',
      tags: { Retention: '90d' },
    },
    { arn: 'arn:aws:s3:::ag-apply-scratch', type: 'AWS::S3::Bucket', name: 'scratch', tags: {} },
    { arn: logGroup, type: 'AWS::Logs::LogGroup', name: 'web-dev', tags: {} },
  ];
  const asRecord = (tags: { Key?: string; Value?: string }[] = []): Record<string, string> =>
    Object.fromEntries(tags.map((tag) => [tag.Key ?? '', tag.Value ?? '']));
  return {
    facts,
    async read() {
      const { Tags: ec2Tags = [] } = await ec2.send(
        new DescribeTagsCommand({
          Filters: [{ Name: 'resource-id', Values: [GroupId ?? '', VolumeId ?? ''] }],
        }),
      );
      const bucketTags = async (bucket: string): Promise<Record<string, string>> => {
        try {
          return asRecord((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet);
        } catch {
          return {};
        }
      };
      const { ResourceTagMappingList = [] } = await tagging.tagging.send(
        new GetResourcesCommand({ ResourceTypeFilters: ['logs'] }),
      );
      const ofId = (id: string | undefined): Record<string, string> =>
        asRecord(ec2Tags.filter((tag) => tag.ResourceId === id));
      return {
        [sgArn]: ofId(GroupId),
        [volumeArn]: ofId(VolumeId),
        'arn:aws:s3:::ag-apply-logs-prod': await bucketTags('ag-apply-logs-prod'),
        'arn:aws:s3:::ag-apply-scratch': await bucketTags('ag-apply-scratch'),
        [logGroup]: asRecord(
          ResourceTagMappingList.find((mapping) => mapping.ResourceARN === logGroup)?.Tags,
        ),
      };
    },
  };
}

describe('tags apply against moto', () => {
  it('tags EC2 with CreateTags, merges S3 tag sets, uses TagResources where it works, and a second run writes nothing', async () => {
    const aws = clients();
    const estate = await seed(aws);
    const checks = estate.facts.map((facts) => checkResource(policy, facts));
    expect(renderPlan(checks)).toContain(
      '5 of 5 resource(s) to tag, in 3 tag set(s): 3 TagResources call(s) of up to 20 ARNs.',
    );

    calls = [];
    const lines: string[] = [];
    const result = await executePlan(aws, batchChanges(checks), {
      log: (line) => lines.push(line),
      sleep: () => Promise.resolve(),
    });
    expect(result.failed).toEqual([]);
    expect([...result.tagged].sort()).toEqual(estate.facts.map((facts) => facts.arn).sort());
    expect(result.calls).toEqual({
      TagResources: 3,
      native: { CreateTags: 2, GetBucketTagging: 2, PutBucketTagging: 2, TagResource: 0 },
    });
    expect(calls.filter((name) => name === 'TagResources')).toHaveLength(3);

    const after = await estate.read();
    const [sg, volume, logsBucket, scratch, logGroup] = estate.facts.map((facts) => facts.arn);
    expect(result.via).toEqual({
      [sg!]: 'ec2:CreateTags',
      [volume!]: 'ec2:CreateTags',
      [logsBucket!]: 's3:PutBucketTagging',
      [scratch!]: 's3:PutBucketTagging',
      [logGroup!]: 'tag:TagResources',
    });
    expect(after).toEqual({
      [sg!]: { Owner: 'platform', Environment: 'prod' },
      // An existing value is never overwritten (overwrite: false).
      [volume!]: { Owner: 'data', Environment: 'dev' },
      // PutBucketTagging replaces the set: Retention survives because apply merged it.
      [logsBucket!]: { Retention: '90d', Owner: 'platform', Environment: 'prod' },
      [scratch!]: { Owner: 'platform', Environment: 'dev' },
      [logGroup!]: { Owner: 'platform', Environment: 'dev' },
    });

    // The second run right after: every check is clean, so nothing is written.
    const again = estate.facts.map((facts) =>
      checkResource(policy, { ...facts, tags: after[facts.arn] ?? {} }),
    );
    expect(renderPlan(again)).toBe('## Tag plan\n\nNothing to tag: 5 resource(s) checked.\n');
    calls = [];
    const second = await executePlan(aws, batchChanges(again), {
      log: () => undefined,
      sleep: () => Promise.resolve(),
    });
    expect(writeCalls(second)).toBe(0);
    expect(calls).toEqual([]);
  });

  it('reports, per ARN, what neither TagResources nor a native call could tag', async () => {
    const queue = `arn:aws:sqs:${REGION}:${ACCOUNT}:jobs`;
    // An object, not a bucket: PutBucketTagging cannot tag it.
    const object = 'arn:aws:s3:::ag-apply-scratch/report.csv';
    const result = await executePlan(
      clients(),
      [{ tags: { Owner: 'web' }, arns: [queue, object] }],
      { log: () => undefined, sleep: () => Promise.resolve() },
    );
    expect(result.tagged).toEqual([]);
    expect(result.failed).toEqual([
      { arn: queue, code: 'InternalServiceException', message: 'Service not yet supported' },
      { arn: object, code: 'InternalServiceException', message: 'Service not yet supported' },
    ]);
  });
});
