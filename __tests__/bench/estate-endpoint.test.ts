/**
 * The estate endpoint (scripts/bench/estate-endpoint.ts) must page, filter and refuse as AWS
 * does, or the tags-apply and daily-report bench figures measure nothing real: these drive it
 * with the real SDK v3 clients (wire shapes, SigV4 service names) over a small estate. Latency 0,
 * no timing assertions.
 */
import {
  ConfigServiceClient,
  DescribeConfigurationRecordersCommand,
  GetComplianceDetailsByConfigRuleCommand,
  ListDiscoveredResourcesCommand,
  paginateListDiscoveredResources,
} from '@aws-sdk/client-config-service';
import { DescribeTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  BatchGetAccountStatusCommand,
  Inspector2Client,
  paginateListFindings,
} from '@aws-sdk/client-inspector2';
import {
  GetResourcesCommand,
  paginateGetResources,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startEstateEndpoint, type EstateEndpoint } from '../../scripts/bench/estate-endpoint';
import type { Estate, EstateResource } from '../../scripts/bench/estate';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

function instance(index: number, tags: Record<string, string>): EstateResource {
  const id = `i-${index.toString(16).padStart(17, '0')}`;
  return {
    type: 'AWS::EC2::Instance',
    id,
    arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`,
    tags,
  };
}

// 250 tagged instances, 30 never tagged, 2 buckets (one without tags).
const resources: EstateResource[] = [
  ...Array.from({ length: 250 }, (_, index) => instance(index, { Team: `team-${index % 7}` })),
  ...Array.from({ length: 30 }, (_, index) => instance(1000 + index, {})),
  {
    type: 'AWS::S3::Bucket',
    id: 'logs',
    name: 'logs',
    arn: 'arn:aws:s3:::logs',
    tags: { Team: 'a' },
  },
  { type: 'AWS::S3::Bucket', id: 'bare', name: 'bare', arn: 'arn:aws:s3:::bare', tags: {} },
];
const finding = (index: number, type: string, status: string): Record<string, unknown> => ({
  findingArn: `arn:aws:inspector2:${REGION}:${ACCOUNT}:finding/${index}`,
  awsAccountId: ACCOUNT,
  severity: 'HIGH',
  status,
  resources: [{ type, id: `resource-${index}` }],
  firstObservedAt: new Date('2026-01-01T00:00:00Z'),
});
const estate: Estate = {
  accountId: ACCOUNT,
  region: REGION,
  resources,
  findings: [
    ...Array.from({ length: 230 }, (_, index) => finding(index, 'AWS_EC2_INSTANCE', 'ACTIVE')),
    ...Array.from({ length: 40 }, (_, index) =>
      finding(500 + index, 'AWS_LAMBDA_FUNCTION', 'ACTIVE'),
    ),
    ...Array.from({ length: 20 }, (_, index) => finding(900 + index, 'AWS_EC2_INSTANCE', 'CLOSED')),
  ],
  rules: [
    {
      name: 'ec2-imdsv2-check',
      type: 'AWS::EC2::Instance',
      failing: new Set(resources.slice(0, 15).map((resource) => resource.id)),
    },
  ],
  previous: {} as Estate['previous'],
  policyText: 'version: 1\n',
};

let endpoint: EstateEndpoint;
const clientConfig = () => ({
  endpoint: endpoint.url,
  region: REGION,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});

beforeAll(async () => {
  endpoint = await startEstateEndpoint({ estate, latencyMs: 0 });
});
afterAll(async () => {
  await endpoint.stop();
});
beforeEach(() => {
  endpoint.resetTags();
  endpoint.resetCalls();
});

async function listTagged(tagging: ResourceGroupsTaggingAPIClient): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateGetResources({ client: tagging }, { ResourcesPerPage: 100 })) {
    for (const mapping of page.ResourceTagMappingList ?? []) arns.push(mapping.ResourceARN ?? '');
  }
  return arns;
}

describe('Tagging API', () => {
  it('pages GetResources 100 at a time over the tagged resources only, ending with an empty token', async () => {
    const tagging = new ResourceGroupsTaggingAPIClient(clientConfig());
    const arns = await listTagged(tagging);
    expect(arns).toHaveLength(251);
    expect(new Set(arns).size).toBe(251);
    expect(arns).not.toContain(resources[260]?.arn);
    expect(endpoint.calls()['tagging:GetResources']).toBe(3);
    const first = await tagging.send(new GetResourcesCommand({ ResourcesPerPage: 100 }));
    expect(first.ResourceTagMappingList).toHaveLength(100);
    expect(first.PaginationToken).not.toBe('');
  });

  it('answers a ResourceARNList with the tagged ARNs asked for, and refuses it with paging', async () => {
    const tagging = new ResourceGroupsTaggingAPIClient(clientConfig());
    const asked = [
      resources[3]?.arn ?? '',
      resources[255]?.arn ?? '',
      'arn:aws:sqs:us-east-1:1:none',
    ];
    const answer = await tagging.send(new GetResourcesCommand({ ResourceARNList: asked }));
    expect(answer.ResourceTagMappingList?.map((mapping) => mapping.ResourceARN)).toEqual([
      resources[3]?.arn,
    ]);
    await expect(
      tagging.send(new GetResourcesCommand({ ResourceARNList: asked, ResourcesPerPage: 10 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('refuses TagResources with 21 ARNs and writes nothing', async () => {
    const tagging = new ResourceGroupsTaggingAPIClient(clientConfig());
    const arns = resources.slice(0, 21).map((resource) => resource.arn);
    await expect(
      tagging.send(new TagResourcesCommand({ ResourceARNList: arns, Tags: { Owner: 'x' } })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('1 to 20 ARNs') as unknown,
    });
    expect(endpoint.tags().get(arns[0] ?? '')).toEqual({ Team: 'team-0' });
  });

  it('makes tag writes visible to the next GetResources, never-tagged resources included', async () => {
    const tagging = new ResourceGroupsTaggingAPIClient(clientConfig());
    const arns = [
      ...resources.slice(250, 269).map((resource) => resource.arn),
      'arn:aws:sns:us-east-1:1:gone',
    ];
    const answer = await tagging.send(
      new TagResourcesCommand({ ResourceARNList: arns, Tags: { Owner: 'ops@example.com' } }),
    );
    expect(Object.keys(answer.FailedResourcesMap ?? {})).toEqual(['arn:aws:sns:us-east-1:1:gone']);
    expect(answer.FailedResourcesMap?.['arn:aws:sns:us-east-1:1:gone']?.ErrorCode).toBe(
      'ResourceNotFoundException',
    );
    expect(await listTagged(tagging)).toHaveLength(251 + 19);
    const read = await tagging.send(new GetResourcesCommand({ ResourceARNList: [arns[0] ?? ''] }));
    expect(read.ResourceTagMappingList?.[0]?.Tags).toEqual([
      { Key: 'Owner', Value: 'ops@example.com' },
    ]);
    expect(endpoint.calls()['tagging:TagResources']).toBe(1);
    endpoint.resetTags();
    expect(await listTagged(tagging)).toHaveLength(251);
  });
});

describe('AWS Config', () => {
  it('pages ListDiscoveredResources at most 100 per page and refuses a larger limit', async () => {
    const config = new ConfigServiceClient(clientConfig());
    const ids: string[] = [];
    for await (const page of paginateListDiscoveredResources(
      { client: config },
      { resourceType: 'AWS::EC2::Instance', limit: 100 },
    )) {
      expect((page.resourceIdentifiers ?? []).length).toBeLessThanOrEqual(100);
      for (const identifier of page.resourceIdentifiers ?? [])
        ids.push(identifier.resourceId ?? '');
    }
    expect(ids).toHaveLength(280);
    expect(endpoint.calls()['config:ListDiscoveredResources']).toBe(3);
    await expect(
      config.send(
        new ListDiscoveredResourcesCommand({ resourceType: 'AWS::EC2::Instance', limit: 101 }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidLimitException' });
  });

  it('answers a rule’s NON_COMPLIANT results, default 10 per page', async () => {
    const config = new ConfigServiceClient(clientConfig());
    const page = await config.send(
      new GetComplianceDetailsByConfigRuleCommand({
        ConfigRuleName: 'ec2-imdsv2-check',
        ComplianceTypes: ['NON_COMPLIANT'],
      }),
    );
    expect(page.EvaluationResults).toHaveLength(10);
    expect(page.NextToken).toBeDefined();
    expect(
      page.EvaluationResults?.[0]?.EvaluationResultIdentifier?.EvaluationResultQualifier
        ?.ResourceId,
    ).toBe(resources[0]?.id);
  });

  it('answers an operation it does not implement with a 400 naming it', async () => {
    const config = new ConfigServiceClient(clientConfig());
    await expect(config.send(new DescribeConfigurationRecordersCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
      message: expect.stringContaining('config DescribeConfigurationRecorders') as unknown,
    });
  });
});

describe('Inspector2', () => {
  it('filters ListFindings by status and resource type and pages at most 100', async () => {
    const inspector = new Inspector2Client(clientConfig());
    const seen: string[] = [];
    for await (const page of paginateListFindings(
      { client: inspector },
      {
        maxResults: 100,
        filterCriteria: {
          findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
          resourceType: [{ comparison: 'EQUALS', value: 'AWS_EC2_INSTANCE' }],
        },
      },
    )) {
      for (const item of page.findings ?? []) seen.push(item.findingArn ?? '');
    }
    expect(seen).toHaveLength(230);
    expect(endpoint.calls()['inspector2:ListFindings']).toBe(3);
    const status = await inspector.send(
      new BatchGetAccountStatusCommand({ accountIds: [ACCOUNT] }),
    );
    expect(status.accounts?.[0]?.resourceState?.ecr?.status).toBe('ENABLED');
  });
});

describe('STS, EC2 and S3 (the tag reader and the inventory)', () => {
  it('answers GetCallerIdentity, DescribeTags by resource id and GetBucketTagging', async () => {
    const sts = new STSClient(clientConfig());
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT);
    const ec2 = new EC2Client(clientConfig());
    const tags = await ec2.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: 'resource-id', Values: [resources[8]?.id ?? '', resources[260]?.id ?? ''] },
        ],
      }),
    );
    expect(tags.Tags).toEqual([
      { ResourceId: resources[8]?.id, ResourceType: 'instance', Key: 'Team', Value: 'team-1' },
    ]);
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: 'logs' }))).TagSet).toEqual([
      { Key: 'Team', Value: 'a' },
    ]);
    await expect(s3.send(new GetBucketTaggingCommand({ Bucket: 'bare' }))).rejects.toMatchObject({
      name: 'NoSuchTagSet',
    });
    expect(endpoint.calls()).toMatchObject({
      'sts:GetCallerIdentity': 1,
      'ec2:DescribeTags': 1,
      's3:GetBucketTagging': 2,
    });
  });
});
