import {
  AccessDeniedException,
  GetFindingsCommand,
  SecurityHubClient,
  ThrottlingException,
  type AwsSecurityFinding,
  type GetFindingsCommandOutput,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsError, UndecidedError } from '../../actions/src/core/errors';
import {
  collectSecurityHubCompliance,
  findingFilters,
} from '../../actions/src/sources/securityhub';
import type { ComplianceScope } from '../../actions/src/sources/compliance';
import { ACCOUNT, securityHubFinding, type SeedControlFinding } from '../fixtures/seed';

const REGION = 'us-east-1';
const SSH_RULE = 'securityhub-restricted-ssh-abc123';
const UNSCOPED: ComplianceScope = { tags: {}, rules: [] };
const PROD: ComplianceScope = { tags: { Environment: 'prod' }, rules: [] };

const BASE_FILTERS = {
  ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
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

const securityHubMock = mockClient(SecurityHubClient);
const securityhub = new SecurityHubClient({ region: REGION });
let logged: string[];
const log = (line: string): void => {
  logged.push(line);
};

function collect(scope: ComplianceScope = UNSCOPED, pageCap?: number) {
  return collectSecurityHubCompliance(securityhub, scope, {
    log,
    defaultSeverity: 'MEDIUM',
    ...(pageCap !== undefined && { pageCap }),
  });
}

beforeEach(() => {
  securityHubMock.reset();
  logged = [];
});

afterAll(() => {
  securityHubMock.restore();
});

describe('findingFilters', () => {
  it('asks for FAILED, ACTIVE, not SUPPRESSED findings on any resource when unscoped', () => {
    expect(findingFilters(UNSCOPED)).toEqual(BASE_FILTERS);
  });

  it('adds one EQUALS ResourceTags filter per scope tag', () => {
    expect(
      findingFilters({ tags: { Environment: 'prod', Team: 'web' }, rules: ['EC2.13'] }),
    ).toEqual({
      ...BASE_FILTERS,
      ResourceTags: [
        { Key: 'Environment', Value: 'prod', Comparison: 'EQUALS' },
        { Key: 'Team', Value: 'web', Comparison: 'EQUALS' },
      ],
    });
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
    // The paginator reuses one input object across pages: copy what each request carried.
    const requests: unknown[] = [];
    securityHubMock.on(GetFindingsCommand).callsFake((input: unknown) => {
      requests.push(structuredClone(input));
      return pages.shift();
    });

    const collected = await collect(PROD);

    const filters = {
      ...BASE_FILTERS,
      ResourceTags: [{ Key: 'Environment', Value: 'prod', Comparison: 'EQUALS' }],
    };
    expect(requests).toEqual([
      { Filters: filters, MaxResults: 100, NextToken: undefined },
      { Filters: filters, MaxResults: 100, NextToken: 'token-1' },
      { Filters: filters, MaxResults: 100, NextToken: 'token-2' },
    ]);
    expect(collected.calls).toEqual({ GetFindings: 3 });
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
    expect(logged).toEqual(['250 FAILED control finding(s) in scope from 3 GetFindings call(s)']);
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

  it('re-checks the filters on the client: drops PASSED, ARCHIVED, SUPPRESSED and out-of-scope findings', async () => {
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
    ]);
    expect(logged).toEqual([
      '3 FAILED control finding(s) in scope from 1 GetFindings call(s); 7 outside the filters or scope were ignored',
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
    const collecting = collect(UNSCOPED, 5);
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
    const collected = await collect(UNSCOPED, 5);
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
