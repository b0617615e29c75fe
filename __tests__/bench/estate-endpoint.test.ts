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
import {
  BatchGetSecurityControlsCommand,
  DescribeHubCommand,
  GetEnabledStandardsCommand,
  GetFindingsCommand,
  paginateGetFindings,
  SecurityHubClient,
  type AwsSecurityFindingFilters,
  type GetFindingsCommandInput,
} from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  GetTagKeysCommand,
  GetTagValuesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { listPassedControls } from '../../actions/src/sources/rule-results';
import {
  collectSecurityHubCompliance,
  controlProductArn,
  findingFilters,
} from '../../actions/src/sources/securityhub';
import {
  SECURITY_HUB_THROTTLE,
  startEstateEndpoint,
  type EstateEndpoint,
} from '../../scripts/bench/estate-endpoint';
import {
  benchEstate,
  securityHubControlFinding,
  type Estate,
  type EstateControl,
  type EstateResource,
} from '../../scripts/bench/estate';

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
const controls: EstateControl[] = [
  {
    id: 'EC2.8',
    title: 'EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)',
    severity: 'HIGH',
    ruleName: 'securityhub-ec2-imdsv2-check-0a1b2c3d',
  },
  {
    id: 'S3.8',
    title: 'S3 general purpose buckets should block public access',
    severity: 'HIGH',
    ruleName: 'securityhub-s3-bucket-level-public-access-prohibited-4e5f6a7b',
  },
];
const [imdsv2, s3Block] = controls as [EstateControl, EstateControl];
/** One control finding of `control` on `resource`; `patch` changes top-level fields. */
const controlResult = (
  control: EstateControl,
  resource: EstateResource,
  status: 'FAILED' | 'PASSED',
  patch: Record<string, unknown> = {},
): Record<string, unknown> => ({
  ...securityHubControlFinding(
    { accountId: ACCOUNT, region: REGION },
    control,
    {
      arn: resource.arn,
      asffType: resource.type === 'AWS::S3::Bucket' ? 'AwsS3Bucket' : 'AwsEc2Instance',
    },
    {
      id: `arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/${control.id}/finding/${resource.id}`,
      status,
      description: 'checks it',
      firstSeen: '2026-11-01T00:00:00.000Z',
      lastSeen: '2026-11-22T00:00:00.000Z',
    },
  ),
  ...patch,
});
const instances = resources.slice(0, 280);
const [logs, bare] = resources.slice(280) as [EstateResource, EstateResource];
// EC2.8: 130 instances FAILED, 150 PASSED; S3.8: logs FAILED, bare PASSED. Then what the
// report's filters must leave out: an ARCHIVED and a SUPPRESSED FAILED result, another
// product's, another account's and another region's.
const controlFindings: Record<string, unknown>[] = [
  ...instances.map((resource, index) =>
    controlResult(imdsv2, resource, index < 130 ? 'FAILED' : 'PASSED'),
  ),
  controlResult(s3Block, logs, 'FAILED'),
  controlResult(s3Block, bare, 'PASSED'),
  controlResult(s3Block, logs, 'FAILED', { Id: 'archived', RecordState: 'ARCHIVED' }),
  controlResult(s3Block, logs, 'FAILED', { Id: 'suppressed', Workflow: { Status: 'SUPPRESSED' } }),
  controlResult(s3Block, logs, 'FAILED', {
    Id: 'imported',
    ProductArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
  }),
  controlResult(s3Block, logs, 'FAILED', { Id: 'member', AwsAccountId: '210987654321' }),
  controlResult(s3Block, logs, 'FAILED', { Id: 'linked', Region: 'eu-west-1' }),
];
const estate: Estate = {
  accountId: ACCOUNT,
  region: REGION,
  resources,
  controlFindings,
  controls,
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

describe('Security Hub', () => {
  const origin = { accountId: ACCOUNT, region: REGION };
  const ids = async (
    securityhub: SecurityHubClient,
    Filters: AwsSecurityFindingFilters,
  ): Promise<string[]> => {
    const seen: string[] = [];
    for await (const page of paginateGetFindings(
      { client: securityhub, pageSize: 100 },
      { Filters, MaxResults: 100 },
    )) {
      expect((page.Findings ?? []).length).toBeLessThanOrEqual(100);
      for (const finding of page.Findings ?? []) seen.push(finding.Id ?? '');
    }
    return seen;
  };
  const own = {
    ProductArn: [{ Value: controlProductArn(REGION), Comparison: 'EQUALS' as const }],
  };

  it('pages GetFindings 100 at a time under the report’s filters, the last page without NextToken', async () => {
    const securityhub = new SecurityHubClient(clientConfig());
    const first = await securityhub.send(
      new GetFindingsCommand({ Filters: findingFilters(origin), MaxResults: 100 }),
    );
    expect(first.Findings).toHaveLength(100);
    const second = await securityhub.send(
      new GetFindingsCommand({
        Filters: findingFilters(origin),
        MaxResults: 100,
        NextToken: first.NextToken,
      }),
    );
    expect(second.Findings).toHaveLength(31);
    expect(second.NextToken).toBeUndefined();
    const seen = [...(first.Findings ?? []), ...(second.Findings ?? [])];
    expect(new Set(seen.map((finding) => finding.Id)).size).toBe(131);
    expect(seen.every((finding) => finding.Compliance?.Status === 'FAILED')).toBe(true);
    expect(seen[0]?.Resources?.[0]).toEqual({
      Type: 'AwsEc2Instance',
      Id: resources[0]?.arn,
      Partition: 'aws',
      Region: REGION,
    });
    expect(endpoint.calls()['securityhub:GetFindings']).toBe(2);
  });

  it('is read by the report’s own Security Hub sources: 131 FAILED and 151 PASSED results', async () => {
    const securityhub = new SecurityHubClient(clientConfig());
    const tagging = new ResourceGroupsTaggingAPIClient(clientConfig());
    const failing = await collectSecurityHubCompliance(
      { securityhub, tagging },
      { tags: {}, rules: [] },
      { log: () => undefined, ...origin, defaultSeverity: 'MEDIUM', needTags: true },
    );
    expect(failing.findings).toHaveLength(131);
    expect(failing.rules.nonCompliant).toEqual(['EC2.8', 'S3.8']);
    expect(failing.findings.find((finding) => finding.id === 'S3.8')?.resource).toMatchObject({
      id: 'arn:aws:s3:::logs',
      tags: { Team: 'a' },
    });
    const passed = await listPassedControls(securityhub, { log: () => undefined, ...origin });
    expect(passed.results).toHaveLength(151);
    expect(passed.results.filter((result) => result.rule === 'S3.8')).toEqual([
      {
        rule: 'S3.8',
        resourceId: 'arn:aws:s3:::bare',
        resourceType: 'AwsS3Bucket',
        severity: 'INFORMATIONAL',
        title: s3Block.title,
      },
    ]);
    expect(endpoint.calls()).toMatchObject({
      'securityhub:GetFindings': 4,
      'tagging:GetResources': 2,
    });
  });

  it('ORs EQUALS and PREFIX values of one field, ANDs NOT_EQUALS and PREFIX_NOT_EQUALS, ANDs fields', async () => {
    const securityhub = new SecurityHubClient(clientConfig());
    // EQUALS values of one field are alternatives.
    expect(
      await ids(securityhub, {
        ...own,
        ComplianceStatus: [
          { Value: 'FAILED', Comparison: 'EQUALS' },
          { Value: 'PASSED', Comparison: 'EQUALS' },
        ],
      }),
    ).toHaveLength(280 + 2 + 2 + 1 + 1);
    // NOT_EQUALS values must all hold: neither SUPPRESSED nor RESOLVED (PASSED ones are).
    expect(
      await ids(securityhub, {
        ...own,
        WorkflowStatus: [
          { Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' },
          { Value: 'RESOLVED', Comparison: 'NOT_EQUALS' },
        ],
      }),
    ).toHaveLength(130 + 1 + 1 + 1 + 1);
    // PREFIX, then PREFIX_NOT_EQUALS removes from it; fields AND-ed.
    expect(
      await ids(securityhub, {
        ResourceType: [{ Value: 'AwsEc2', Comparison: 'PREFIX' }],
        ResourceId: [
          // i-…000 to i-…00f: the first 16 instances.
          { Value: resources[0]?.arn.slice(0, -1) ?? '', Comparison: 'PREFIX_NOT_EQUALS' },
        ],
        ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
      }),
    ).toHaveLength(130 - 16);
    expect(
      await ids(securityhub, {
        ComplianceSecurityControlId: [{ Value: 'S3.8', Comparison: 'EQUALS' }],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        AwsAccountId: [{ Value: ACCOUNT, Comparison: 'EQUALS' }],
        Region: [{ Value: REGION, Comparison: 'EQUALS' }],
        ...own,
      }),
    ).toEqual([
      `arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/S3.8/finding/logs`,
      `arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/S3.8/finding/bare`,
      'suppressed',
    ]);
  });

  it('refuses what Security Hub refuses and what it does not implement, with a 400 naming it', async () => {
    const securityhub = new SecurityHubClient(clientConfig());
    const refused = (input: GetFindingsCommandInput, text: string) =>
      expect(securityhub.send(new GetFindingsCommand(input))).rejects.toMatchObject({
        name: 'InvalidInputException',
        $metadata: { httpStatusCode: 400 },
        message: expect.stringContaining(text) as unknown,
      });
    await refused({ MaxResults: 101 }, 'MaxResults must be an integer from 1 to 100');
    await refused(
      { Filters: { Title: [{ Value: 'S3', Comparison: 'CONTAINS' }] } },
      'comparison CONTAINS on Title is not implemented',
    );
    await refused(
      { Filters: { CompanyName: [{ Value: 'AWS', Comparison: 'EQUALS' }] } },
      'filter field CompanyName is not implemented',
    );
    await refused(
      {
        Filters: {
          WorkflowStatus: [
            { Value: 'NEW', Comparison: 'EQUALS' },
            { Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' },
          ],
        },
      },
      'cannot combine EQUALS with NOT_EQUALS',
    );
    await refused(
      {
        Filters: {
          ResourceId: Array.from({ length: 21 }, (_, index) => ({
            Value: `r-${index}`,
            Comparison: 'EQUALS' as const,
          })),
        },
      },
      'at most 20 values',
    );
    const eleven = Object.fromEntries(
      [
        'ProductArn',
        'AwsAccountId',
        'Region',
        'GeneratorId',
        'Title',
        'SeverityLabel',
        'ComplianceStatus',
        'ComplianceSecurityControlId',
        'RecordState',
        'WorkflowStatus',
        'ResourceType',
      ].map((field) => [field, [{ Value: 'x', Comparison: 'EQUALS' as const }]]),
    );
    await refused({ Filters: eleven }, 'at most 10 finding attributes');
    await refused(
      { SortCriteria: [{ Field: 'UpdatedAt', SortOrder: 'desc' }] },
      'SortCriteria is not implemented',
    );
    const first = await securityhub.send(new GetFindingsCommand({ MaxResults: 10 }));
    await refused(
      { Filters: findingFilters(origin), NextToken: first.NextToken },
      'NextToken is not one this listing handed out',
    );
    await expect(securityhub.send(new DescribeHubCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
      message: expect.stringContaining('securityhub GET /accounts') as unknown,
    });
  });

  it('lists the enabled standard and checks controls by id or ARN', async () => {
    const securityhub = new SecurityHubClient(clientConfig());
    const standards = await securityhub.send(new GetEnabledStandardsCommand({}));
    expect(standards.StandardsSubscriptions).toEqual([
      expect.objectContaining({
        StandardsArn: `arn:aws:securityhub:${REGION}::standards/aws-foundational-security-best-practices/v/1.0.0`,
        StandardsStatus: 'READY',
      }),
    ]);
    const answer = await securityhub.send(
      new BatchGetSecurityControlsCommand({
        SecurityControlIds: [
          'S3.8',
          `arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/EC2.8`,
          'Lambda.1',
        ],
      }),
    );
    expect(
      answer.SecurityControls?.map((control) => [
        control.SecurityControlId,
        control.SecurityControlStatus,
        control.SeverityRating,
      ]),
    ).toEqual([
      ['S3.8', 'ENABLED', 'HIGH'],
      ['EC2.8', 'ENABLED', 'HIGH'],
    ]);
    expect(answer.UnprocessedIds).toEqual([
      expect.objectContaining({ SecurityControlId: 'Lambda.1', ErrorCode: 'RESOURCE_NOT_FOUND' }),
    ]);
    await expect(
      securityhub.send(new BatchGetSecurityControlsCommand({ SecurityControlIds: [] })),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });
    expect(endpoint.calls()).toMatchObject({
      'securityhub:GetEnabledStandards': 1,
      'securityhub:BatchGetSecurityControls': 2,
    });
  });

  it('throttles GetFindings when asked: a burst of 6, then 429 LimitExceededException', async () => {
    expect(SECURITY_HUB_THROTTLE['securityhub:GetFindings']).toEqual({
      perSecond: 3,
      burst: 6,
      code: 'LimitExceededException',
    });
    // The documented burst with a refill too slow to matter, so the test does not race a clock.
    const throttled = await startEstateEndpoint({
      estate,
      latencyMs: 0,
      rateLimits: {
        'securityhub:GetFindings': { perSecond: 0.0001, burst: 6, code: 'LimitExceededException' },
      },
    });
    try {
      const securityhub = new SecurityHubClient({ ...clientConfig(), endpoint: throttled.url });
      for (let call = 0; call < 6; call += 1) {
        await securityhub.send(new GetFindingsCommand({ MaxResults: 1 }));
      }
      await expect(
        securityhub.send(new GetFindingsCommand({ MaxResults: 1 })),
      ).rejects.toMatchObject({
        name: 'LimitExceededException',
        $metadata: { httpStatusCode: 429 },
      });
      expect(throttled.calls()).toMatchObject({
        'securityhub:GetFindings': 7,
        'securityhub:GetFindings throttled': 1,
      });
    } finally {
      await throttled.stop();
    }
  });

  it('answers the scope hints: GetTagKeys and GetTagValues', async () => {
    const tagging = new ResourceGroupsTaggingAPIClient(clientConfig());
    expect((await tagging.send(new GetTagKeysCommand({}))).TagKeys).toEqual(['Team']);
    expect((await tagging.send(new GetTagValuesCommand({ Key: 'Team' }))).TagValues).toEqual([
      'a',
      ...Array.from({ length: 7 }, (_, index) => `team-${index}`),
    ]);
  });
});

describe('the bench estate', () => {
  it('holds the Config failures as FAILED control findings, and PASSED ones for the rest', () => {
    const full = benchEstate();
    const configFailing = full.rules.reduce((sum, rule) => sum + rule.failing.size, 0);
    const controlFindings = full.controlFindings ?? [];
    const failed = controlFindings.filter(
      (finding) => (finding.Compliance as { Status: string }).Status === 'FAILED',
    );
    expect(failed).toHaveLength(configFailing);
    expect(full.controls).toHaveLength(full.rules.length);
    expect(new Set(controlFindings.map((finding) => finding.Id)).size).toBe(controlFindings.length);
    const arns = new Set(full.resources.map((resource) => resource.arn));
    expect(
      controlFindings.every((finding) =>
        arns.has(String((finding.Resources as { Id: string }[])[0]?.Id)),
      ),
    ).toBe(true);
  });
});
