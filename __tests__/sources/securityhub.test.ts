import {
  GetResourcesCommand,
  GetTagKeysCommand,
  GetTagValuesCommand,
  ResourceGroupsTaggingAPIClient,
  type GetResourcesCommandInput,
  type GetTagValuesCommandInput,
  type ResourceTagMapping,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  AccessDeniedException,
  BatchGetSecurityControlsCommand,
  GetEnabledStandardsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  ThrottlingException,
  type AwsSecurityFinding,
  type BatchGetSecurityControlsCommandInput,
  type GetFindingsCommandOutput,
  type SecurityControl,
  type StandardsSubscription,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsError, ConfigurationError, UndecidedError } from '../../actions/src/core/errors';
import {
  collectSecurityHubCompliance,
  controlProductArn,
  findingFilters,
} from '../../actions/src/sources/securityhub';
import type { ComplianceScope } from '../../actions/src/sources/compliance';
import { ACCOUNT, securityHubFinding, type SeedControlFinding } from '../fixtures/seed';

const REGION = 'us-east-1';
const SSH_RULE = 'securityhub-restricted-ssh-abc123';
const UNSCOPED: ComplianceScope = { tags: {}, rules: [] };
const PROD: ComplianceScope = { tags: { Environment: 'prod' }, rules: [] };

const BASE_FILTERS = {
  ProductArn: [
    { Value: 'arn:aws:securityhub:us-east-1::product/aws/securityhub', Comparison: 'EQUALS' },
  ],
  AwsAccountId: [{ Value: ACCOUNT, Comparison: 'EQUALS' }],
  Region: [{ Value: REGION, Comparison: 'EQUALS' }],
  ComplianceStatus: [
    { Value: 'FAILED', Comparison: 'EQUALS' },
    { Value: 'WARNING', Comparison: 'EQUALS' },
    { Value: 'NOT_AVAILABLE', Comparison: 'EQUALS' },
  ],
  RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
  WorkflowStatus: [{ Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' }],
};

function sgArn(id: string): string {
  return `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${id}`;
}

/**
 * The SDK-typed finding for the ASFF JSON of the seed builder. Security Hub's timestamps are
 * ISO strings in the SDK types too, so the wire JSON is the typed shape.
 */
function seeded(overrides: Partial<SeedControlFinding> = {}): AwsSecurityFinding {
  return structuredClone(
    securityHubFinding(REGION, {
      controlId: 'EC2.13',
      ruleName: SSH_RULE,
      severity: 'HIGH',
      resourceType: 'AwsEc2SecurityGroup',
      resourceId: sgArn('sg-0a1b2c3d4e5f60718'),
      tags: { Environment: 'prod' },
      ...overrides,
    }),
  ) as unknown as AwsSecurityFinding;
}

function page(findings: AwsSecurityFinding[], NextToken?: string): GetFindingsCommandOutput {
  return { $metadata: {}, Findings: findings, ...(NextToken !== undefined && { NextToken }) };
}

function tagMapping(arn: string, tags: Record<string, string>): ResourceTagMapping {
  return { ResourceARN: arn, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
}

/** A control as BatchGetSecurityControls describes it (botocore SecurityControl: all required). */
function securityControl(id: string, status: 'ENABLED' | 'DISABLED'): SecurityControl {
  return {
    SecurityControlId: id,
    SecurityControlArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/${id}`,
    Title: `${id} control`,
    Description: `This control checks ${id}.`,
    RemediationUrl: `https://docs.aws.amazon.com/console/securityhub/${id}/remediation`,
    SeverityRating: 'HIGH',
    SecurityControlStatus: status,
  };
}

function standard(status: StandardsSubscription['StandardsStatus']): StandardsSubscription {
  return {
    StandardsSubscriptionArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:subscription/aws-foundational-security-best-practices/v/1.0.0`,
    StandardsArn: `arn:aws:securityhub:${REGION}::standards/aws-foundational-security-best-practices/v/1.0.0`,
    StandardsInput: {},
    StandardsStatus: status,
  };
}

const securityHubMock = mockClient(SecurityHubClient);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const clients = {
  securityhub: new SecurityHubClient({ region: REGION }),
  tagging: new ResourceGroupsTaggingAPIClient({ region: REGION }),
};
let logged: string[];
const log = (line: string): void => {
  logged.push(line);
};
let getResources: GetResourcesCommandInput[];

/** The Tagging API of an account whose resources carry `tags` (GetResources by ARN and by tag). */
function serveTags(tags: ResourceTagMapping[]): void {
  taggingMock.on(GetResourcesCommand).callsFake((input: GetResourcesCommandInput) => {
    getResources.push(structuredClone(input));
    const arns = input.ResourceARNList;
    const filters = input.TagFilters ?? [];
    return {
      ResourceTagMappingList: tags.filter(
        (mapping) =>
          (arns === undefined || arns.includes(mapping.ResourceARN ?? '')) &&
          filters.every(({ Key, Values }) =>
            (mapping.Tags ?? []).some(
              (tag) => tag.Key === Key && (Values ?? []).includes(tag.Value ?? ''),
            ),
          ),
      ),
    };
  });
  taggingMock.on(GetTagKeysCommand).resolves({
    TagKeys: [...new Set(tags.flatMap(({ Tags }) => (Tags ?? []).map(({ Key }) => Key ?? '')))],
  });
  taggingMock.on(GetTagValuesCommand).callsFake((input: GetTagValuesCommandInput) => ({
    TagValues: [
      ...new Set(
        tags.flatMap(({ Tags }) =>
          (Tags ?? []).filter(({ Key }) => Key === input.Key).map(({ Value }) => Value ?? ''),
        ),
      ),
    ],
  }));
}

function collect(
  scope: ComplianceScope = UNSCOPED,
  options: { pageCap?: number; needTags?: boolean } = {},
) {
  return collectSecurityHubCompliance(clients, scope, {
    log,
    region: REGION,
    accountId: ACCOUNT,
    defaultSeverity: 'MEDIUM',
    ...options,
  });
}

/** The error a collection ends with (fails the test when it resolves). */
async function failure(scope: ComplianceScope = UNSCOPED): Promise<Error> {
  const error = await collect(scope).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

beforeEach(() => {
  securityHubMock.reset();
  taggingMock.reset();
  logged = [];
  getResources = [];
  // The tagged estate most tests scope into: the seeded security group is prod.
  serveTags([tagMapping(sgArn('sg-0a1b2c3d4e5f60718'), { Environment: 'prod' })]);
  securityHubMock.on(GetEnabledStandardsCommand).resolves({
    StandardsSubscriptions: [standard('READY')],
  });
});

afterAll(() => {
  securityHubMock.restore();
  taggingMock.restore();
});

describe('findingFilters', () => {
  it("asks for Security Hub's own FAILED, WARNING or NOT_AVAILABLE, ACTIVE, not SUPPRESSED control results of this account and region, and no ResourceTags", () => {
    // Most control findings carry no Resources[].Tags: a ResourceTags filter would drop them.
    expect(findingFilters({ accountId: ACCOUNT, region: REGION })).toEqual(BASE_FILTERS);
  });

  it("names the product in the region's partition", () => {
    expect(findingFilters({ accountId: ACCOUNT, region: 'cn-north-1' }).ProductArn).toEqual([
      { Value: 'arn:aws-cn:securityhub:cn-north-1::product/aws/securityhub', Comparison: 'EQUALS' },
    ]);
    expect(controlProductArn('us-gov-west-1')).toBe(
      'arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/securityhub',
    );
  });
});

describe('collectSecurityHubCompliance', () => {
  it('reads 250 findings in 3 calls of 100, each with the filters and MaxResults 100', async () => {
    const all = Array.from({ length: 250 }, (_, index) =>
      seeded({
        controlId: index % 2 === 0 ? 'EC2.13' : 'S3.8',
        ruleName:
          index % 2 === 0 ? SSH_RULE : 'securityhub-s3-bucket-level-public-access-prohibited-x1',
        resourceId: sgArn(`sg-${String(index).padStart(17, '0')}`),
      }),
    );
    const pages = [
      page(all.slice(0, 100), 'token-1'),
      page(all.slice(100, 200), 'token-2'),
      page(all.slice(200)),
    ];
    serveTags(all.map((raw) => tagMapping(raw.Resources![0]!.Id!, { Environment: 'prod' })));
    // The paginator reuses one input object across pages: copy what each request carried.
    const requests: unknown[] = [];
    securityHubMock.on(GetFindingsCommand).callsFake((input: unknown) => {
      requests.push(structuredClone(input));
      return pages.shift();
    });

    const collected = await collect(PROD);

    const filters = BASE_FILTERS;
    expect(requests).toEqual([
      { Filters: filters, MaxResults: 100, NextToken: undefined },
      { Filters: filters, MaxResults: 100, NextToken: 'token-1' },
      { Filters: filters, MaxResults: 100, NextToken: 'token-2' },
    ]);
    expect(collected.calls).toEqual({ GetFindings: 3, GetResources: 3 });
    expect(getResources.map(({ ResourceARNList }) => ResourceARNList?.length)).toEqual([
      100, 100, 50,
    ]);
    expect(collected.findings).toHaveLength(250);
    expect(new Set(collected.findings.map(({ resource }) => resource.id)).size).toBe(250);
    expect(collected.rules).toEqual({
      evaluated: 2,
      compliant: [],
      nonCompliant: ['EC2.13', 'S3.8'],
      insufficientData: [],
      notApplicable: [],
    });
    expect(collected.warnings).toEqual([]);
    expect(logged).toEqual([
      '250 FAILED and 0 WARNING or NOT_AVAILABLE control result(s) from 3 GetFindings call(s)',
      '250 of 250 result(s) in scope Environment=prod: 250 on resources tagged so, 0 account-level, 0 unplaced; 0 elsewhere',
    ]);
  });

  it('follows empty pages that still carry a NextToken', async () => {
    securityHubMock
      .on(GetFindingsCommand)
      .resolvesOnce(page([], 'token-1'))
      .resolvesOnce(page([], 'token-2'))
      .resolvesOnce(page([seeded()]));
    const collected = await collect();
    expect(collected.calls).toEqual({ GetFindings: 3 });
    expect(collected.findings.map(({ id }) => id)).toEqual(['EC2.13']);
  });

  it('re-checks the filters on the client: drops PASSED, ARCHIVED, SUPPRESSED and other-environment results', async () => {
    const keep = (id: string, extra: Partial<SeedControlFinding> = {}) =>
      seeded({ resourceId: sgArn(id), ...extra });
    securityHubMock
      .on(GetFindingsCommand)
      .resolves(
        page([
          keep('sg-keep-new'),
          keep('sg-keep-notified', { workflow: 'NOTIFIED' }),
          keep('sg-keep-extra-tags', { tags: { Environment: 'prod', Team: 'web' } }),
          keep('sg-passed', { status: 'PASSED' }),
          keep('sg-warning', { status: 'WARNING' }),
          keep('sg-archived', { recordState: 'ARCHIVED' }),
          keep('sg-suppressed', { workflow: 'SUPPRESSED' }),
          keep('sg-staging', { tags: { Environment: 'staging' } }),
          keep('sg-untagged', { tags: undefined }),
          keep('sg-lowercase-value', { tags: { Environment: 'Prod' } }),
        ]),
      );
    const collected = await collect(PROD);
    expect(collected.findings.map(({ resource }) => resource.id)).toEqual([
      sgArn('sg-keep-new'),
      sgArn('sg-keep-notified'),
      sgArn('sg-keep-extra-tags'),
      // No tags anywhere: nothing places it outside prod (fail closed), with a warning.
      sgArn('sg-untagged'),
    ]);
    // WARNING is not a pass: it is the INSUFFICIENT_DATA of controls.
    expect(collected.rules.insufficientData).toEqual(['EC2.13']);
    expect(logged).toEqual([
      '6 FAILED and 1 WARNING or NOT_AVAILABLE control result(s) from 1 GetFindings call(s); 3 outside the filters or rules were ignored',
      '5 of 7 result(s) in scope Environment=prod: 4 on resources tagged so, 0 account-level, 1 unplaced; 2 elsewhere',
    ]);
    expect(collected.warnings).toEqual([
      `1 result(s) are on resources that lack a scope tag key (Environment), so nothing places them outside Environment=prod: they stay in scope; tag them (assetguard tags apply) to place them: AwsEc2SecurityGroup ${sgArn('sg-untagged')}`,
      `1 control result(s) in scope are WARNING or NOT_AVAILABLE (Security Hub could not evaluate them), counted like INSUFFICIENT_DATA: EC2.13 on ${sgArn('sg-warning')} (WARNING)`,
    ]);
  });

  it('keeps findings on untagged resources when there is no tag scope', async () => {
    securityHubMock.on(GetFindingsCommand).resolves(page([seeded({ tags: undefined })]));
    const collected = await collect();
    expect(collected.findings).toHaveLength(1);
    expect(collected.findings[0]!.resource.tags).toBeUndefined();
  });

  it('maps a control finding: control id, deployed rule name, severity label, resource and fix', async () => {
    const raw = seeded({
      severity: 'CRITICAL',
      title: 'EC2.13 Security groups should not allow ingress to port 22',
    });
    securityHubMock.on(GetFindingsCommand).resolves(page([raw]));
    const [finding] = (await collect()).findings;
    expect(finding).toEqual({
      id: 'EC2.13',
      aliases: [SSH_RULE, 'INCOMING_SSH_DISABLED', 'security-control/EC2.13'],
      sourceId: raw.Id,
      source: 'securityhub',
      // The finding's own label wins over the table's HIGH.
      severity: 'CRITICAL',
      status: 'ACTIVE',
      title: 'EC2.13 Security groups should not allow ingress to port 22',
      description: 'This control checks EC2.13.',
      resource: {
        id: sgArn('sg-0a1b2c3d4e5f60718'),
        type: 'AwsEc2SecurityGroup',
        region: REGION,
        accountId: ACCOUNT,
        tags: { Environment: 'prod' },
      },
      packages: [],
      fixAvailable: 'yes',
      url: 'https://docs.aws.amazon.com/console/securityhub/EC2.13/remediation',
      firstSeen: '2026-11-01T00:00:00.000Z',
      lastSeen: '2026-11-01T00:00:00.000Z',
      rule: { name: SSH_RULE },
      remediation: { document: 'AWS-DisableIncomingSSHOnPort22' },
    });
  });

  it('takes the rule name from whichever RelatedAWSResources entry is the Config rule', async () => {
    const raw = seeded({ ruleName: undefined });
    raw.ProductFields = {
      'RelatedAWSResources:0/name': 'arn:aws:iam::123456789012:role/config-role',
      'RelatedAWSResources:0/type': 'AWS::IAM::Role',
      'RelatedAWSResources:1/name': 'restricted-ssh-conformance-pack-xyz',
      'RelatedAWSResources:1/type': 'AWS::Config::ConfigRule',
    };
    securityHubMock.on(GetFindingsCommand).resolves(page([raw]));
    const [finding] = (await collect()).findings;
    expect(finding!.rule).toEqual({ name: 'restricted-ssh-conformance-pack-xyz' });
  });

  it('falls back to the canonical rule name when no RelatedAWSResources entry is a Config rule', async () => {
    const raw = seeded({ ruleName: undefined });
    raw.ProductFields = {
      'RelatedAWSResources:0/name': 'restricted-ssh-lookalike',
      'RelatedAWSResources:0/type': 'AWS::Lambda::Function',
    };
    securityHubMock.on(GetFindingsCommand).resolves(page([raw]));
    const [finding] = (await collect()).findings;
    expect(finding!.rule).toEqual({ name: 'restricted-ssh' });
  });

  it('reads the control id from ProductFields.ControlId when Compliance has none', async () => {
    const raw = seeded({ controlId: 'RDS.2', ruleName: undefined });
    raw.Compliance = { Status: 'FAILED' };
    raw.ProductFields = { ...raw.ProductFields, ControlId: 'RDS.2' };
    securityHubMock.on(GetFindingsCommand).resolves(page([raw]));
    const [finding] = (await collect()).findings;
    expect(finding!.id).toBe('RDS.2');
    expect(finding!.remediation).toEqual({
      document: 'AWSConfigRemediation-DisablePublicAccessToRDSInstance',
    });
  });

  it.each<[string, (raw: AwsSecurityFinding) => void, string, string]>([
    [
      'the label, when it is a severity',
      (raw) => (raw.Severity = { Label: 'LOW' }),
      'EC2.13',
      'LOW',
    ],
    ['the table, when there is no label', (raw) => delete raw.Severity, 'EC2.13', 'HIGH'],
    [
      'the table, when the label is not a severity',
      (raw) => (raw.Severity = { Normalized: 70 }),
      'RDS.2',
      'CRITICAL',
    ],
    [
      'default-severity, for a control not in the table',
      (raw) => delete raw.Severity,
      'Lambda.1',
      'MEDIUM',
    ],
  ])('severity comes from %s', async (_name, edit, controlId, severity) => {
    const raw = seeded({ controlId, ruleName: undefined });
    edit(raw);
    securityHubMock.on(GetFindingsCommand).resolves(page([raw]));
    const [finding] = (await collect()).findings;
    expect(finding!.severity).toBe(severity);
  });

  it('carries the "why" for a control whose table entry has no runbook', async () => {
    securityHubMock
      .on(GetFindingsCommand)
      .resolves(
        page([
          seeded({ controlId: 'EC2.9', ruleName: 'securityhub-ec2-instance-no-public-ip-q1' }),
        ]),
      );
    const [finding] = (await collect()).findings;
    expect(finding!.fixAvailable).toBe('no');
    expect(finding!.remediation?.document).toBeUndefined();
    expect(finding!.remediation?.why).toMatch(/\S/);
  });

  describe('WARNING and NOT_AVAILABLE are INSUFFICIENT_DATA, never a pass', () => {
    it('puts the control in insufficientData with the status reasons, and not in the findings', async () => {
      const warning = seeded({ controlId: 'S3.8', resourceId: 'arn:aws:s3:::shop-prod-assets' });
      warning.Compliance = {
        Status: 'NOT_AVAILABLE',
        SecurityControlId: 'S3.8',
        StatusReasons: [{ ReasonCode: 'CONFIG_EVALUATIONS_EMPTY', Description: 'no results' }],
      };
      securityHubMock
        .on(GetFindingsCommand)
        .resolves(page([warning, seeded({ controlId: 'EC2.19', status: 'WARNING' })]));
      const collected = await collect();
      expect(collected.findings).toEqual([]);
      expect(collected.rules).toEqual({
        evaluated: 2,
        compliant: [],
        nonCompliant: [],
        insufficientData: ['EC2.19', 'S3.8'],
        notApplicable: [],
      });
      expect(collected.warnings).toEqual([
        `2 control result(s) in scope are WARNING or NOT_AVAILABLE (Security Hub could not evaluate them), counted like INSUFFICIENT_DATA: S3.8 on arn:aws:s3:::shop-prod-assets (NOT_AVAILABLE: CONFIG_EVALUATIONS_EMPTY), EC2.19 on ${sgArn('sg-0a1b2c3d4e5f60718')} (WARNING)`,
      ]);
    });

    it('a control FAILED on one resource and WARNING on another is both non-compliant and short of data', async () => {
      securityHubMock
        .on(GetFindingsCommand)
        .resolves(
          page([seeded(), seeded({ resourceId: sgArn('sg-other'), status: 'NOT_AVAILABLE' })]),
        );
      const collected = await collect();
      expect(collected.findings.map(({ resource }) => resource.id)).toEqual([
        sgArn('sg-0a1b2c3d4e5f60718'),
      ]);
      expect(collected.rules.nonCompliant).toEqual(['EC2.13']);
      expect(collected.rules.insufficientData).toEqual(['EC2.13']);
    });
  });

  describe('the tag scope reads tags the way the Config source does', () => {
    const BUCKET = 'arn:aws:s3:::shop-prod-assets';

    it('keeps a failing prod bucket whose finding carries no Resources[].Tags (the Tagging API says prod)', async () => {
      serveTags([
        tagMapping(BUCKET, { Environment: 'prod' }),
        tagMapping('arn:aws:s3:::shop-staging-assets', { Environment: 'staging' }),
      ]);
      securityHubMock.on(GetFindingsCommand).resolves(
        page([
          seeded({
            controlId: 'S3.8',
            resourceType: 'AwsS3Bucket',
            resourceId: BUCKET,
            tags: undefined,
          }),
          seeded({
            controlId: 'S3.8',
            resourceType: 'AwsS3Bucket',
            resourceId: 'arn:aws:s3:::shop-staging-assets',
            tags: undefined,
          }),
        ]),
      );
      const collected = await collect(PROD);
      expect(getResources).toEqual([
        { ResourceARNList: [BUCKET, 'arn:aws:s3:::shop-staging-assets'] },
      ]);
      expect(
        collected.findings.map(({ id, resource }) => [id, resource.id, resource.tags]),
      ).toEqual([['S3.8', BUCKET, { Environment: 'prod' }]]);
      expect(collected.rules.nonCompliant).toEqual(['S3.8']);
      expect(collected.warnings).toEqual([]);
    });

    it("the Tagging API's current tags win over the finding's own; the finding's are a fallback", async () => {
      serveTags([tagMapping(sgArn('sg-moved'), { Environment: 'staging' })]);
      securityHubMock.on(GetFindingsCommand).resolves(
        page([
          // Tagged prod when Security Hub evaluated it, staging now.
          seeded({ resourceId: sgArn('sg-moved'), tags: { Environment: 'prod' } }),
          // Not listed by the Tagging API: the finding's own tags are the only evidence.
          seeded({ resourceId: sgArn('sg-unlisted'), tags: { Environment: 'prod' } }),
        ]),
      );
      const collected = await collect(PROD);
      expect(collected.findings.map(({ resource }) => [resource.id, resource.tags])).toEqual([
        [sgArn('sg-unlisted'), { Environment: 'prod' }],
      ]);
    });

    it('keeps account-level results (AwsAccount) in every scope without a lookup', async () => {
      securityHubMock.on(GetFindingsCommand).resolves(
        page([
          seeded({
            controlId: 'IAM.7',
            severity: 'MEDIUM',
            resourceType: 'AwsAccount',
            resourceId: `AWS::::Account:${ACCOUNT}`,
            tags: undefined,
          }),
          seeded(),
        ]),
      );
      const collected = await collect(PROD);
      expect(getResources).toEqual([{ ResourceARNList: [sgArn('sg-0a1b2c3d4e5f60718')] }]);
      expect(collected.findings.map(({ id }) => id)).toEqual(['IAM.7', 'EC2.13']);
      expect(collected.warnings).toEqual([]);
    });

    it('keeps a resource of another region (the Tagging API here cannot read it), with a warning', async () => {
      const elsewhere = `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/sg-far`;
      securityHubMock
        .on(GetFindingsCommand)
        .resolves(page([seeded({ resourceId: elsewhere, tags: undefined }), seeded()]));
      const collected = await collect(PROD);
      expect(collected.findings.map(({ resource }) => resource.id)).toEqual([
        elsewhere,
        sgArn('sg-0a1b2c3d4e5f60718'),
      ]);
      expect(collected.warnings).toEqual([
        `1 result(s) are on resources whose tags could not be read, so they stay in scope: AwsEc2SecurityGroup ${elsewhere} (in eu-west-1; the Tagging API in us-east-1 cannot read it)`,
      ]);
    });

    it('reads tags for tag-scoped exceptions without a scope, and drops nothing', async () => {
      securityHubMock
        .on(GetFindingsCommand)
        .resolves(page([seeded({ tags: undefined }), seeded({ resourceId: sgArn('sg-x') })]));
      const collected = await collect(UNSCOPED, { needTags: true });
      expect(collected.findings.map(({ resource }) => resource.tags)).toEqual([
        { Environment: 'prod' },
        { Environment: 'prod' },
      ]);
    });

    it('does not read tags without a scope or a tag-scoped exception', async () => {
      securityHubMock.on(GetFindingsCommand).resolves(page([seeded({ tags: undefined })]));
      await collect();
      expect(getResources).toEqual([]);
    });

    it('an AccessDeniedException on GetResources is exit 2, naming tag:GetResources', async () => {
      taggingMock.on(GetResourcesCommand).rejects(
        Object.assign(new Error('not authorized to perform: tag:GetResources'), {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 400 },
        }),
      );
      securityHubMock.on(GetFindingsCommand).resolves(page([seeded()]));
      const error = await failure(PROD);
      expect(error).toBeInstanceOf(AwsError);
      expect(error.message).toBe(
        'could not read the tags of 1 resource(s): AccessDeniedException: not authorized to perform: tag:GetResources — grant tag:GetResources',
      );
    });

    it('a scope no resource carries is exit 2 with what it probably meant', async () => {
      securityHubMock.on(GetFindingsCommand).resolves(page([seeded({ tags: undefined })]));
      const error = await failure({ tags: { Enviroment: 'prod' }, rules: [] });
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toBe(
        'scope: no resource in us-east-1 carries Enviroment=prod (tag:GetResources found none), so the gate would decide on nothing. No resource has the tag key Enviroment; keys in use that look like it: Environment. Check the spelling and case of the scope (tag keys and values are case-sensitive) and the region.',
      );
    });

    it('a scope no resource carries is exit 2 even when nothing fails', async () => {
      securityHubMock.on(GetFindingsCommand).resolves(page([]));
      await expect(collect({ tags: { environment: 'prod' }, rules: [] })).rejects.toThrow(
        /^scope: no resource in us-east-1 carries environment=prod .* keys in use that look like it: Environment\./,
      );
    });

    it('a scope some resource carries passes when nothing in it fails', async () => {
      securityHubMock.on(GetFindingsCommand).resolves(page([]));
      const collected = await collect(PROD);
      expect(collected.findings).toEqual([]);
      expect(getResources).toEqual([
        { TagFilters: [{ Key: 'Environment', Values: ['prod'] }], ResourcesPerPage: 50 },
      ]);
    });
  });

  describe("only Security Hub's own control results of this account and region count", () => {
    /** What anyone with BatchImportFindings can put into their account's default product. */
    const imported = (): AwsSecurityFinding => {
      const raw = seeded({
        controlId: 'S3.8',
        ruleName: undefined,
        resourceType: 'AwsS3Bucket',
        resourceId: 'arn:aws:s3:::prod-website',
        tags: undefined,
      });
      raw.ProductArn = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
      raw.Id = `${REGION}/${ACCOUNT}/imported-s3-8`;
      raw.GeneratorId = 'security-control/S3.8';
      return raw;
    };
    /** fleet-check's own finding, as sinks/securityhub-import builds it. */
    const fleet = (): AwsSecurityFinding => ({
      SchemaVersion: '2018-10-08',
      Id: `assetguard/fleet-check/i-0abc/U-01`,
      ProductArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
      ProductName: 'assetguard fleet-check',
      CompanyName: 'assetguard',
      GeneratorId: 'assetguard/fleet-check/U-01',
      AwsAccountId: ACCOUNT,
      CreatedAt: '2026-11-01T00:00:00.000Z',
      UpdatedAt: '2026-11-01T00:00:00.000Z',
      Title: 'U-01 root remote login',
      Description: 'PermitRootLogin yes',
      Types: [
        'Software and Configuration Checks/Industry and Regulatory Standards/KISA Unix server',
      ],
      Severity: { Label: 'HIGH', Original: 'HIGH' },
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Resources: [
        {
          Type: 'AwsEc2Instance',
          Id: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0abc`,
          Region: REGION,
        },
      ],
    });
    const member = (): AwsSecurityFinding => {
      const raw = seeded({ resourceId: 'arn:aws:ec2:us-east-1:210987654321:security-group/sg-m' });
      raw.AwsAccountId = '210987654321';
      raw.Id = raw.Id!.replace(ACCOUNT, '210987654321');
      return raw;
    };
    /** Linked from eu-west-1 into an aggregation region: Region and ProductArn name eu-west-1. */
    const linked = (): AwsSecurityFinding => {
      const raw = seeded({ resourceId: 'arn:aws:ec2:eu-west-1:123456789012:security-group/sg-l' });
      raw.Region = 'eu-west-1';
      raw.ProductArn = 'arn:aws:securityhub:eu-west-1::product/aws/securityhub';
      raw.Resources![0]!.Region = 'eu-west-1';
      return raw;
    };

    it.each<[string, () => AwsSecurityFinding]>([
      ["a finding imported into the account's default product, Compliance block and all", imported],
      ["fleet-check's own imported finding", fleet],
      ["a member account's finding (an administrator account sees them)", member],
      ["another region's finding (an aggregation region sees them)", linked],
    ])('ignores %s, and counts it as outside the filters', async (_name, build) => {
      securityHubMock.on(GetFindingsCommand).resolves(page([build(), seeded()]));
      const collected = await collect();
      expect(collected.findings.map(({ id, resource }) => `${id} ${resource.id}`)).toEqual([
        `EC2.13 ${sgArn('sg-0a1b2c3d4e5f60718')}`,
      ]);
      expect(collected.rules.nonCompliant).toEqual(['EC2.13']);
      expect(logged).toEqual([
        '1 FAILED and 0 WARNING or NOT_AVAILABLE control result(s) from 1 GetFindings call(s); 1 outside the filters or rules were ignored',
      ]);
    });

    it('ignores a foreign finding even when its top-level Region is the only thing that differs', async () => {
      const raw = seeded();
      raw.Region = 'eu-west-1';
      securityHubMock.on(GetFindingsCommand).resolves(page([raw]));
      expect((await collect()).findings).toEqual([]);
    });

    it('ignores a malformed finding of another product instead of stopping the run on it', async () => {
      const raw = imported();
      raw.Compliance = { Status: 'failed' as never, SecurityControlId: 'S3.8' };
      raw.Resources = [];
      securityHubMock.on(GetFindingsCommand).resolves(page([raw]));
      const collected = await collect();
      expect(collected.findings).toEqual([]);
      // Foreign results are not control results here: the standards are checked, as for none.
      expect(collected.calls).toEqual({ GetFindings: 1, GetEnabledStandards: 1 });
    });

    it('a foreign result does not make a named control look evaluated: it is checked with Security Hub', async () => {
      const raw = imported();
      raw.Compliance = { Status: 'PASSED', SecurityControlId: 'S3.8' };
      securityHubMock.on(GetFindingsCommand).resolves(page([raw]));
      securityHubMock
        .on(BatchGetSecurityControlsCommand)
        .resolves({ SecurityControls: [securityControl('S3.8', 'DISABLED')], UnprocessedIds: [] });
      const error = await failure({ tags: {}, rules: ['S3.8'] });
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toMatch(/^rules: S3\.8 matched no control result: it is disabled/);
    });

    it("keeps legacy per-standard control findings: they are Security Hub's own product too", async () => {
      const fsbp = seeded({ controlId: 'EC2.13' });
      fsbp.GeneratorId = 'aws-foundational-security-best-practices/v/1.0.0/EC2.13';
      fsbp.Compliance = { Status: 'FAILED' };
      fsbp.ProductFields = { ...fsbp.ProductFields, ControlId: 'EC2.13' };
      const cis = seeded({ controlId: 'IAM.7', resourceType: 'AwsAccount' });
      cis.Id = `${cis.Id!}-cis`;
      cis.Resources = [{ Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT}`, Region: REGION }];
      cis.GeneratorId =
        'arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.9';
      cis.Compliance = { Status: 'FAILED' };
      cis.ProductFields = { ...cis.ProductFields, ControlId: 'IAM.7' };
      securityHubMock.on(GetFindingsCommand).resolves(page([fsbp, cis]));
      const collected = await collect();
      expect(collected.findings.map(({ id }) => id)).toEqual(['EC2.13', 'IAM.7']);
    });

    it.each<[string, (raw: AwsSecurityFinding) => void, RegExp]>([
      ['no ProductArn', (raw) => delete raw.ProductArn, /with no ProductArn;/],
      ['no AwsAccountId', (raw) => delete raw.AwsAccountId, /with no AwsAccountId;/],
    ])(
      'a finding with %s is malformed (ASFF requires it): exit 2',
      async (_name, edit, message) => {
        const raw = seeded();
        edit(raw);
        securityHubMock.on(GetFindingsCommand).resolves(page([raw]));
        const error = await failure();
        expect(error).toBeInstanceOf(UndecidedError);
        expect(error.message).toMatch(message);
      },
    );
  });

  describe('malformed answers are errors (exit 2), naming GetFindings', () => {
    it('an empty body (no Findings array)', async () => {
      securityHubMock.on(GetFindingsCommand).resolves({ $metadata: {} });
      const error = await failure();
      expect(error).toBeInstanceOf(UndecidedError);
      expect(error.message).toMatch(
        /^securityhub:GetFindings answered page 1 without its list of items/,
      );
    });

    it.each<[string, (raw: AwsSecurityFinding) => void, RegExp]>([
      [
        'a status in lower case',
        (raw) => (raw.Compliance = { Status: 'failed' as never, SecurityControlId: 'EC2.13' }),
        /Compliance\.Status "failed" \(expected PASSED, WARNING, FAILED or NOT_AVAILABLE\)/,
      ],
      [
        'a control result without a status',
        (raw) => (raw.Compliance = { SecurityControlId: 'EC2.13' }),
        /Compliance\.Status missing/,
      ],
      [
        'a record state outside the enum',
        (raw) => (raw.RecordState = 'active' as never),
        /RecordState "active"/,
      ],
      [
        'a workflow status outside the enum',
        (raw) => (raw.Workflow = { Status: 'new' as never }),
        /Workflow\.Status "new"/,
      ],
      ['no resources', (raw) => (raw.Resources = []), /no Resources\[0\]\.Id and Type/],
    ])('%s', async (_name, edit, message) => {
      const raw = seeded();
      edit(raw);
      securityHubMock.on(GetFindingsCommand).resolves(page([raw]));
      const error = await failure();
      expect(error).toBeInstanceOf(UndecidedError);
      expect(error.message).toMatch(
        /^securityhub:GetFindings answered finding arn:aws:securityhub:/,
      );
      expect(error.message).toMatch(message);
    });
  });

  describe('a named rule that matches no result is checked with Security Hub', () => {
    let asked: string[][];
    beforeEach(() => {
      asked = [];
      securityHubMock.on(GetFindingsCommand).resolves(page([seeded()]));
      securityHubMock
        .on(BatchGetSecurityControlsCommand)
        .callsFake((input: BatchGetSecurityControlsCommandInput) => {
          const ids = input.SecurityControlIds ?? [];
          asked.push(ids);
          const known: Record<string, SecurityControl> = {
            'S3.8': securityControl('S3.8', 'ENABLED'),
            'RDS.2': securityControl('RDS.2', 'DISABLED'),
            'Lambda.1': securityControl('Lambda.1', 'ENABLED'),
          };
          return {
            SecurityControls: ids.flatMap((id) => (known[id] ? [known[id]] : [])),
            UnprocessedIds: ids
              .filter((id) => !known[id])
              .map((id) => ({
                SecurityControlId: id,
                ErrorCode: 'NOT_FOUND' as const,
                ErrorReason: 'Security control not found',
              })),
          };
        });
    });

    it('S3.99, a control that does not exist, is exit 2 (the README: an undeployed rule is)', async () => {
      const error = await failure({ tags: {}, rules: ['S3.99'] });
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toBe(
        'rules: S3.99 matched no control result: it is not a Security Hub control in us-east-1 (control ids are case-sensitive). A named rule must be a control Security Hub evaluates here (an undeployed rule is exit 2)',
      );
    });

    it('a disabled control is exit 2, named by the entry and the control id', async () => {
      const error = await failure({
        tags: {},
        rules: ['rds-instance-public-access-check', 'S3.99'],
      });
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toBe(
        'rules: rds-instance-public-access-check (RDS.2) matched no control result: it is disabled in us-east-1, so Security Hub does not evaluate it; S3.99 matched no control result: it is not a Security Hub control in us-east-1 (control ids are case-sensitive). A named rule must be a control Security Hub evaluates here (an undeployed rule is exit 2)',
      );
      expect(asked).toEqual([['RDS.2', 'S3.99']]);
    });

    it('a name that is no control id and no rule the table knows is exit 2 without a call', async () => {
      const error = await failure({ tags: {}, rules: ['no-such-rule'] });
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toMatch(
        /^rules: no-such-rule matched no Security Hub control result and is neither a control id \(e.g\. S3\.8\) nor a rule name the control mapping table knows: name the control by its id/,
      );
      expect(asked).toEqual([]);
    });

    it('an enabled control with no failing result is compliant (the table need not know it)', async () => {
      const collected = await collect({ tags: {}, rules: ['EC2.13', 's3.8', 'Lambda.1'] });
      expect(asked).toEqual([['S3.8', 'Lambda.1']]);
      expect(collected.rules).toMatchObject({
        evaluated: 3,
        compliant: ['Lambda.1', 'S3.8'],
        nonCompliant: ['EC2.13'],
      });
    });

    it('a control seen only as PASSED needs no check', async () => {
      securityHubMock
        .on(GetFindingsCommand)
        .resolves(page([seeded({ controlId: 'S3.8', status: 'PASSED' })]));
      const collected = await collect({ tags: {}, rules: ['S3.8'] });
      expect(asked).toEqual([]);
      expect(collected.findings).toEqual([]);
    });

    it('an empty BatchGetSecurityControls body is exit 2', async () => {
      securityHubMock.on(BatchGetSecurityControlsCommand).resolves({});
      const error = await failure({ tags: {}, rules: ['S3.8'] });
      expect(error).toBeInstanceOf(UndecidedError);
      expect(error.message).toMatch(
        /^securityhub:BatchGetSecurityControls answered without SecurityControls/,
      );
    });
  });

  describe('no control result at all', () => {
    beforeEach(() => {
      securityHubMock.on(GetFindingsCommand).resolves(page([]));
    });

    it('passes when a standard is READY (everything passes)', async () => {
      const collected = await collect();
      expect(collected.findings).toEqual([]);
      expect(collected.calls).toEqual({ GetFindings: 1, GetEnabledStandards: 1 });
    });

    it('is exit 2 when no standard is enabled: nothing evaluates anything', async () => {
      securityHubMock.on(GetEnabledStandardsCommand).resolves({ StandardsSubscriptions: [] });
      const error = await failure();
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toBe(
        'no Security Hub standard is enabled in us-east-1, so no control evaluates anything and there is nothing to decide on; enable a standard (e.g. AWS Foundational Security Best Practices) or set the compliance source to config (AWS Config rules)',
      );
    });

    it('is exit 2 when the only standard is still PENDING', async () => {
      securityHubMock
        .on(GetEnabledStandardsCommand)
        .resolves({ StandardsSubscriptions: [standard('PENDING')] });
      const error = await failure();
      expect(error).toBeInstanceOf(UndecidedError);
      expect(error.message).toMatch(
        /is ready to evaluate controls \(.*: PENDING\); retry when it is READY$/,
      );
    });
  });

  describe('the rules filter', () => {
    const findings = [
      seeded(),
      seeded({
        controlId: 'S3.8',
        ruleName: 'securityhub-s3-bucket-level-public-access-prohibited-x1',
      }),
      // A control the table does not know, as consolidated findings carry it: with its rule name.
      seeded({
        controlId: 'Lambda.1',
        ruleName: 'securityhub-lambda-function-public-access-prohibited-z9',
      }),
    ];

    it.each<[string, string[], string[]]>([
      ['a control id', ['EC2.13'], ['EC2.13']],
      ['a control id in another case', ['ec2.13'], ['EC2.13']],
      ['a deployed rule name', [SSH_RULE], ['EC2.13']],
      ['a canonical rule name', ['s3-bucket-level-public-access-prohibited'], ['S3.8']],
      ['a managed identifier', ['INCOMING_SSH_DISABLED'], ['EC2.13']],
      ['the control id of a control the table does not know', ['Lambda.1'], ['Lambda.1']],
      [
        'the deployed rule name of a control the table does not know',
        ['securityhub-lambda-function-public-access-prohibited-z9'],
        ['Lambda.1'],
      ],
      ['several entries', ['S3.8', 'Lambda.1'], ['S3.8', 'Lambda.1']],
    ])('selects by %s', async (_name, rules, ids) => {
      securityHubMock
        .on(GetFindingsCommand)
        .resolves(page(findings.map((raw) => structuredClone(raw))));
      const collected = await collect({ tags: {}, rules });
      expect(collected.findings.map(({ id }) => id)).toEqual(ids);
      expect(collected.rules.nonCompliant).toEqual([...ids].sort());
    });
  });

  it('refuses to decide on a partial list when Security Hub keeps handing out tokens', async () => {
    let token = 0;
    securityHubMock
      .on(GetFindingsCommand)
      .callsFake(() => page([seeded({ resourceId: sgArn(`sg-${token}`) })], `t${(token += 1)}`));
    const collecting = collect(UNSCOPED, { pageCap: 5 });
    await expect(collecting).rejects.toBeInstanceOf(UndecidedError);
    await expect(collecting).rejects.toThrow(
      'Security Hub kept returning pages after 5 calls; refusing to decide on a partial list',
    );
    expect(securityHubMock.commandCalls(GetFindingsCommand)).toHaveLength(5);
  });

  it('stops at the cap only when there is more to read', async () => {
    const stub = securityHubMock.on(GetFindingsCommand);
    for (let index = 0; index < 4; index += 1) stub.resolvesOnce(page([], `t${index}`));
    stub.resolvesOnce(page([seeded()]));
    const collected = await collect(UNSCOPED, { pageCap: 5 });
    expect(collected.calls).toEqual({ GetFindings: 5 });
    expect(collected.findings).toHaveLength(1);
  });

  it('reports progress every 10 pages', async () => {
    const stub = securityHubMock.on(GetFindingsCommand);
    for (let index = 0; index < 10; index += 1) stub.resolvesOnce(page([], `t${index}`));
    stub.resolvesOnce(page([]));
    await collect();
    expect(logged[0]).toBe('read 10 pages of Security Hub findings so far');
  });

  it('an AccessDeniedException names securityhub:GetFindings', async () => {
    securityHubMock.on(GetFindingsCommand).rejects(
      new AccessDeniedException({
        message:
          'User: arn:aws:sts::123456789012:assumed-role/ci is not authorized to perform: securityhub:GetFindings',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const collecting = collect();
    await expect(collecting).rejects.toBeInstanceOf(AwsError);
    await expect(collecting).rejects.toThrow(
      'could not list Security Hub findings: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ci is not authorized to perform: securityhub:GetFindings — grant securityhub:GetFindings',
    );
  });

  it('a ThrottlingException that outlasted the retries says it is still throttled', async () => {
    securityHubMock
      .on(GetFindingsCommand)
      .rejects(
        new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }),
      );
    await expect(collect()).rejects.toThrow(
      'could not list Security Hub findings: ThrottlingException: Rate exceeded — still throttled after retries: retry later or raise the retry budget',
    );
  });
});
