import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
} from '@aws-sdk/client-config-service';
import { CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  GetAutomationExecutionCommand,
  SSMClient,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clock } from '../../actions/src/core/clock';
import {
  parseAuditLocation,
  type RemediationAuditRecord,
} from '../../actions/src/core/remediation-audit';
import type { RemediateInputs } from '../../actions/src/remediate/inputs';
import {
  remediate,
  type RemediateClients,
  type RemediateRun,
} from '../../actions/src/remediate/run';
import { shownText } from '../fixtures/markdown-shown';
import { motoEndpoint, seedSecurityHub } from '../fixtures/moto-estate';
import { ACCOUNT } from '../fixtures/seed';

// Security Hub, the Tagging API, EC2, STS and S3 are moto; SSM Automation and AWS Config
// compliance are not in moto, so those two clients answer through aws-sdk-client-mock with
// shapes from the botocore models.
const REGION = 'ap-northeast-1';
const BUCKET = 'assetguard-remediate-run-tests';
/** An audit bucket in another region than the run's. */
const FAR_BUCKET = 'assetguard-remediate-run-tests-far';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/assetguard-remediation-automation`;
const EXECUTION = '7c0ffee0-1111-4222-8333-444455556666';
const RANDOM_ID = '3f2a9c1d-0000-4000-8000-000000000000';
/** The record id of a step of run 9001, attempt 2, job execute. */
const RECORD_ID = '9001-2-execute-3f2a9c1d';

const endpoint = (): { region: string; endpoint: string; maxAttempts: number } => ({
  region: REGION,
  endpoint: motoEndpoint(),
  maxAttempts: 1,
});
const ssm = new SSMClient({ region: REGION, maxAttempts: 1 });
const ssmMock = mockClient(ssm);
const config = new ConfigServiceClient({ region: REGION, maxAttempts: 1 });
const configMock = mockClient(config);
/** The test's SDK clients, built once; remediate takes them as `lazily` gives them. */
let clients: {
  [Name in keyof RemediateClients]: Awaited<ReturnType<RemediateClients[Name]>>;
};
/** Each client as remediate asks for it (core/aws LazyClient): already built. */
function lazily(built: typeof clients): RemediateClients {
  return {
    config: () => Promise.resolve(built.config),
    tagging: () => Promise.resolve(built.tagging),
    securityhub: () => Promise.resolve(built.securityhub),
    ssm: () => Promise.resolve(built.ssm),
    s3: () => Promise.resolve(built.s3),
    sts: () => Promise.resolve(built.sts),
  };
}
let devGroup = '';
let prodGroup = '';
let lines: string[] = [];
const basePolicy = join(mkdtempSync(join(tmpdir(), 'ag-remediate-policy-')), 'assetguard.yml');
writeFileSync(basePolicy, 'version: 1\n');

function fakeClock(): Clock {
  let now = Date.parse('2026-11-30T04:15:00.000Z');
  return {
    now: () => new Date(now),
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  };
}

const groupArn = (id: string): string => `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${id}`;

function run(
  overrides: Partial<RemediateInputs>,
  env: NodeJS.ProcessEnv = {},
  /** null: the default random id. */
  randomId: (() => string) | null = () => RANDOM_ID,
): Promise<RemediateRun> {
  const outputDir = mkdtempSync(join(tmpdir(), 'ag-remediate-'));
  return remediate(
    {
      rule: 'EC2.13',
      resources: [],
      scope: {},
      source: 'securityhub',
      execute: false,
      maxResources: 10,
      audit: { kind: 'directory', path: join(outputDir, 'audit') },
      timeoutMs: 30 * 60_000,
      policy: basePolicy,
      outputDir,
      region: REGION,
      ...overrides,
    },
    {
      clock: fakeClock(),
      log: (line) => lines.push(line),
      clients: () => lazily(clients),
      env: {
        GITHUB_ACTOR: 'octocat',
        GITHUB_REPOSITORY: 'acme/infra',
        GITHUB_RUN_ID: '9001',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_JOB: 'execute',
        ...env,
      },
      ...(randomId !== null && { randomId }),
      automation: { startIntervalMs: 0, pollIntervalMs: 1_000 },
    },
  );
}

/** The one audit record a directory holds. */
function recordIn(dir: string): RemediationAuditRecord {
  const files = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(readFileSync(join(dir, files[0] ?? ''), 'utf8')) as RemediationAuditRecord;
}

beforeAll(async () => {
  const ec2 = new EC2Client(endpoint());
  const s3 = new S3Client({ ...endpoint(), forcePathStyle: true });
  try {
    const group = async (name: string, environment: string): Promise<string> =>
      (
        await ec2.send(
          new CreateSecurityGroupCommand({
            GroupName: name,
            Description: name,
            TagSpecifications: [
              {
                ResourceType: 'security-group',
                Tags: [{ Key: 'Environment', Value: environment }],
              },
            ],
          }),
        )
      ).GroupId ?? '';
    devGroup = await group('ssh-open-dev', 'dev');
    prodGroup = await group('ssh-open-prod', 'prod');
    await s3.send(
      new CreateBucketCommand({
        Bucket: BUCKET,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    const far = new S3Client({ ...endpoint(), region: 'eu-north-1', forcePathStyle: true });
    try {
      await far.send(
        new CreateBucketCommand({
          Bucket: FAR_BUCKET,
          CreateBucketConfiguration: { LocationConstraint: 'eu-north-1' },
        }),
      );
    } finally {
      far.destroy();
    }
  } finally {
    ec2.destroy();
    s3.destroy();
  }
  await seedSecurityHub(REGION, [
    {
      controlId: 'EC2.13',
      severity: 'HIGH',
      resourceType: 'AwsEc2SecurityGroup',
      resourceId: groupArn(devGroup),
    },
    {
      controlId: 'EC2.13',
      severity: 'HIGH',
      resourceType: 'AwsEc2SecurityGroup',
      resourceId: groupArn(prodGroup),
    },
    {
      controlId: 'EC2.19',
      ruleName: 'securityhub-vpc-sg-restricted-common-ports-77',
      severity: 'HIGH',
      resourceType: 'AwsEc2SecurityGroup',
      resourceId: groupArn(devGroup),
    },
  ]);
  clients = {
    config,
    ssm,
    securityhub: new SecurityHubClient(endpoint()),
    tagging: new ResourceGroupsTaggingAPIClient(endpoint()),
    sts: new STSClient(endpoint()),
    s3: new S3Client({ ...endpoint(), forcePathStyle: true }),
  };
});

beforeEach(() => {
  ssmMock.reset();
  configMock.reset();
  lines = [];
});

afterAll(() => {
  clients.securityhub.destroy();
  clients.tagging.destroy();
  clients.sts.destroy();
  clients.s3.destroy();
  ssm.destroy();
  config.destroy();
});

describe('remediate, a dry run from Security Hub (moto)', () => {
  it('plans the runbook for the scoped non-compliant resource, writes the plan and an audit record, runs nothing', async () => {
    const result = await run({ scope: { Environment: 'dev' } });
    expect(result.outcome.exitCode).toBe(0);
    expect(result.verdict.verdict).toBe('pass');
    expect(result.outputs).toMatchObject({
      verdict: 'pass',
      planned: 1,
      succeeded: 0,
      failed: 0,
      resources: groupArn(devGroup),
    });
    expect(result.outcome.message).toMatch(
      /^dry run: 1 resource would be remediated with AWS-DisableIncomingSSHOnPort22; nothing was changed; .*; audit record: .*\/audit\/2026\/11\/30\/20261130T041500Z-9001-2-execute-3f2a9c1d\.json$/,
    );
    expect(ssmMock.calls()).toHaveLength(0);
    const shown = shownText(result.summary);
    expect(shown).toMatch(/^## assetguard remediate: DRY RUN — EC2.13 in ap-northeast-1/);
    expect(shown).toContain(
      '**Dry run: nothing was changed.** 1 resource would be remediated with AWS-DisableIncomingSSHOnPort22.',
    );
    expect(shown).toContain(`| Parameter SecurityGroupIds | ${devGroup} |`);
    expect(shown).toContain(`| Parameter AutomationAssumeRole | <automation-assume-role> |`);
    expect(shown).toContain('Do not use AWS-DisablePublicAccessForSecurityGroup here');
    expect(shown).toContain('no automation-assume-role: the plan shows <automation-assume-role>');
    const plan = JSON.parse(readFileSync(result.files['plan.json'] ?? '', 'utf8')) as {
      document: string;
      dryRun: boolean;
      resources: {
        resource: string;
        parameters: Record<string, string>;
        outcome: { status: string };
      }[];
    };
    expect(plan).toMatchObject({ document: 'AWS-DisableIncomingSSHOnPort22', dryRun: true });
    expect(plan.resources).toEqual([
      expect.objectContaining({
        resource: groupArn(devGroup),
        parameters: {
          SecurityGroupIds: devGroup,
          AutomationAssumeRole: '<automation-assume-role>',
        },
        outcome: expect.objectContaining({ status: 'planned' }) as unknown,
      }),
    ]);
    const record = recordIn(join(result.reportDir, 'audit'));
    expect(record).toMatchObject({
      format: 'assetguard-remediation-audit/1',
      id: RECORD_ID,
      actor: 'octocat',
      repository: 'acme/infra',
      runUrl: 'https://github.com/acme/infra/actions/runs/9001',
      rule: 'EC2.13',
      control: 'EC2.13',
      source: 'securityhub',
      dryRun: true,
      region: REGION,
      accountId: ACCOUNT,
      outcomes: [
        {
          resource: groupArn(devGroup),
          status: 'planned',
          document: 'AWS-DisableIncomingSSHOnPort22',
        },
      ],
    });
    expect(result.outputs['audit-record']).toMatch(
      /20261130T041500Z-9001-2-execute-3f2a9c1d\.json$/,
    );
  });

  it('refuses the whole run when more resources match than max-resources (exit 1), and audits it', async () => {
    const result = await run({ maxResources: 1 });
    expect(result.outcome.exitCode).toBe(1);
    expect(result.outcome.message).toBe(
      'refused, nothing was run: 2 resources match EC2.13 (restricted-ssh), more than max-resources (1), so nothing runs: narrow the run with resources (ids or ARNs) or scope (tags), or raise max-resources (at most 100); audit record: ' +
        (result.outputs['audit-record'] as string),
    );
    expect(result.outputs.resources).toBe('');
    expect(recordIn(join(result.reportDir, 'audit')).outcomes.map((o) => o.status)).toEqual([
      'skipped',
      'skipped',
    ]);
  });

  it('refuses a rule with no safe runbook (exit 1), showing why', async () => {
    const result = await run({ rule: 'EC2.19' });
    expect(result.outcome.exitCode).toBe(1);
    expect(result.verdict.blocking).toEqual([
      expect.objectContaining({
        id: 'EC2.19 (vpc-sg-restricted-common-ports)',
        resource: groupArn(devGroup),
      }),
    ]);
    const shown = shownText(result.summary);
    expect(shown).toMatch(/^## assetguard remediate: ❌ REFUSED/);
    expect(shown).toContain('Refused: nothing was run (exit 1).');
    expect(shown).toContain('RevokeSecurityGroupIngress');
    expect(recordIn(join(result.reportDir, 'audit')).outcomes).toEqual([
      expect.objectContaining({
        status: 'refused',
        message: expect.stringContaining('no safe AWS-owned runbook') as unknown,
      }),
    ]);
  });

  it.each<[string, Partial<RemediateInputs>]>([
    ['given resources', { resources: ['sg-0abc1234def567890'] }],
    ['resources from AWS Config', { source: 'config' }],
    ['resources from Security Hub', { source: 'securityhub' }],
  ])(
    'a rule no one knows is bad input (exit 2, naming rule) with %s, before any AWS call',
    async (_name, inputs) => {
      const result = await run({ rule: 'EC2.31', ...inputs });
      expect(result.outcome.exitCode).toBe(2);
      expect(result.outcome.message).toMatch(
        /^could not decide: rule: "EC2\.31" is neither a rule the control mapping table knows nor one the policy .* names in remediation\.documents; did you mean .*EC2\.13\?/,
      );
      expect(configMock.calls()).toHaveLength(0);
      expect(existsSync(join(result.reportDir, 'audit'))).toBe(false);
    },
  );

  it('refuses a resource whose id cannot be one of the rule (exit 1), before anything runs', async () => {
    const result = await run({
      resources: ['my-bucket'],
      execute: true,
      automationAssumeRole: ROLE,
    });
    expect(result.outcome.exitCode).toBe(1);
    expect(result.verdict.blocking).toEqual([
      expect.objectContaining({
        resource: 'my-bucket',
        reason: expect.stringMatching(/^"my-bucket" is not a security group id/) as unknown,
      }),
    ]);
    expect(ssmMock.calls()).toHaveLength(0);
  });

  it("runs the policy's runbook for that rule instead", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ag-remediate-policy-'));
    const policy = join(dir, 'assetguard.yml');
    writeFileSync(
      policy,
      [
        'version: 1',
        'remediation:',
        '  documents:',
        '    - rule: EC2.19',
        '      document: AcmeOrg-RevokeCommonPorts',
        '      parameters:',
        "        GroupId: '{{resourceId}}'",
        "        AutomationAssumeRole: '{{automationAssumeRole}}'",
        '      traps: [Clients on port 3389 lose access.]',
        '',
      ].join('\n'),
    );
    const result = await run({ rule: 'EC2.19', policy, automationAssumeRole: ROLE });
    expect(result.outcome.exitCode).toBe(0);
    expect(shownText(result.summary)).toContain(`| Parameter GroupId | ${devGroup} |`);
    expect(shownText(result.summary)).toContain('Clients on port 3389 lose access.');
  });
});

describe('remediate --execute (SSM Automation through aws-sdk-client-mock)', () => {
  it('runs the runbook with the substituted parameters, waits for Success, and audits it in S3', async () => {
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION });
    ssmMock
      .on(GetAutomationExecutionCommand)
      .resolvesOnce({
        AutomationExecution: {
          AutomationExecutionId: EXECUTION,
          AutomationExecutionStatus: 'InProgress',
        },
      })
      .resolves({
        AutomationExecution: {
          AutomationExecutionId: EXECUTION,
          AutomationExecutionStatus: 'Success',
          StepExecutions: [{ StepName: 'DisableIncomingSSHTemplate', StepStatus: 'Success' }],
        },
      });
    const result = await run({
      scope: { Environment: 'dev' },
      execute: true,
      automationAssumeRole: ROLE,
      audit: parseAuditLocation(`s3://${BUCKET}/assetguard/remediation-audit/`, 'audit'),
    });
    expect(result.outcome.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ verdict: 'pass', planned: 1, succeeded: 1, failed: 0 });
    expect(ssmMock.commandCalls(StartAutomationExecutionCommand)[0]?.args[0].input).toMatchObject({
      DocumentName: 'AWS-DisableIncomingSSHOnPort22',
      Parameters: { SecurityGroupIds: [devGroup], AutomationAssumeRole: [ROLE] },
    });
    expect(lines).toContain(
      'automation: 0 running, 1 succeeded, 0 failed, 0 timed out; 1s elapsed (timeout 30m)',
    );
    const key =
      'assetguard/remediation-audit/2026/11/30/20261130T041500Z-9001-2-execute-3f2a9c1d.json';
    expect(result.outputs['audit-record']).toBe(`s3://${BUCKET}/${key}`);
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const record = JSON.parse(
      (await object.Body?.transformToString()) ?? '',
    ) as RemediationAuditRecord;
    expect(record).toMatchObject({
      dryRun: false,
      outcomes: [
        {
          resource: groupArn(devGroup),
          status: 'success',
          executionId: EXECUTION,
          executionStatus: 'Success',
        },
      ],
    });
  });

  it('a failed step is exit 2 naming the resource and step; the audit record is written all the same', async () => {
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION });
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: {
        AutomationExecutionId: EXECUTION,
        AutomationExecutionStatus: 'Failed',
        FailureMessage: '::error::pwned <img src=x onerror=alert(1)> | [x](javascript:alert(1))',
        StepExecutions: [{ StepName: 'DisableIncomingSSHTemplate', StepStatus: 'Failed' }],
      },
    });
    const result = await run({
      resources: [devGroup],
      execute: true,
      automationAssumeRole: ROLE,
    });
    expect(result.outcome.exitCode).toBe(2);
    expect(result.verdict.verdict).toBe('error');
    expect(result.outcome.message).toContain(
      `could not decide: 1 of 1 remediation(s) of EC2.13 (restricted-ssh) with AWS-DisableIncomingSSHOnPort22 did not succeed: ${devGroup} Failed at step DisableIncomingSSHTemplate: ::error::pwned`,
    );
    expect(result.outputs).toMatchObject({ verdict: 'error', succeeded: 0, failed: 1 });
    // AWS's text is escaped in the summary: no raw HTML, no link, no workflow command at a line start.
    expect(result.summary).toContain('\\<img src=x onerror=alert(1)\\>');
    expect(result.summary).not.toMatch(/(^|[^\\])<img/);
    expect(result.summary).not.toMatch(/[^\\]\]\(javascript:/);
    expect(result.summary).not.toMatch(/^\s*::/m);
    const record = recordIn(join(result.reportDir, 'audit'));
    expect(record).toMatchObject({
      source: 'resources',
      dryRun: false,
      outcomes: [
        {
          resource: devGroup,
          status: 'failed',
          executionStatus: 'Failed',
          failedStep: 'DisableIncomingSSHTemplate',
        },
      ],
    });
    expect(result.outputs['audit-record']).toMatch(
      /20261130T041500Z-9001-2-execute-3f2a9c1d\.json$/,
    );
  });

  it('an audit record that cannot be written is exit 2 naming it, the reports written', async () => {
    // The same step id starting in the same second: the second record's key is taken.
    const audit = parseAuditLocation(`s3://${BUCKET}/assetguard/remediation-audit/taken/`, 'audit');
    expect((await run({ resources: [devGroup], audit })).outcome.exitCode).toBe(0);
    const result = await run({ resources: [devGroup], audit });
    expect(result.outcome.exitCode).toBe(2);
    expect(result.outcome.message).toMatch(
      /; but delivery failed: an audit record already exists at s3:\/\/assetguard-remediate-run-tests\/assetguard\/remediation-audit\/taken\//,
    );
    expect(result.verdict.verdict).toBe('error');
    expect(shownText(result.summary)).toContain('The audit record could not be written:');
    expect(JSON.parse(readFileSync(result.files['verdict.json'] ?? '', 'utf8'))).toMatchObject({
      verdict: 'error',
      error: expect.stringMatching(/^delivery failed: an audit record already exists/) as unknown,
    });
    expect(result.outputs['audit-record']).toBe('');
  });

  it('two steps of one run that start in the same second each keep their record', async () => {
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXECUTION });
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: {
        AutomationExecutionId: EXECUTION,
        AutomationExecutionStatus: 'Success',
        StepExecutions: [{ StepName: 'DisableIncomingSSHTemplate', StepStatus: 'Success' }],
      },
    });
    const audit = parseAuditLocation(
      `s3://${BUCKET}/assetguard/remediation-audit/matrix/`,
      'audit',
    );
    const leg = (group: string): Promise<RemediateRun> =>
      run(
        { resources: [group], execute: true, automationAssumeRole: ROLE, audit },
        { GITHUB_JOB: 'remediate' },
        // The default random id, as in Actions.
        null,
      );
    const [first, second] = [await leg(devGroup), await leg(prodGroup)];
    expect([first.outcome.exitCode, second.outcome.exitCode]).toEqual([0, 0]);
    const written = [first, second].map((one) => String(one.outputs['audit-record']));
    expect(new Set(written).size).toBe(2);
    for (const where of written) {
      expect(where).toMatch(
        /^s3:\/\/assetguard-remediate-run-tests\/assetguard\/remediation-audit\/matrix\/2026\/11\/30\/20261130T041500Z-9001-2-remediate-[0-9a-f]{8}\.json$/,
      );
    }
    const list = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'assetguard/remediation-audit/matrix/' }),
    );
    expect(list.Contents).toHaveLength(2);
  });

  it.each([
    [
      'a bucket that does not exist',
      's3://assetguard-remediate-no-such-bucket/a/',
      /^could not decide: audit: the bucket assetguard-remediate-no-such-bucket does not exist \(HeadBucket answered 404\): create it in ap-northeast-1, or correct the audit location$/,
    ],
    [
      'a bucket in another region',
      `s3://${FAR_BUCKET}/a/`,
      /^could not decide: audit: the bucket assetguard-remediate-run-tests-far is in eu-north-1, and the run \(region ap-northeast-1\) writes its record there/,
    ],
  ])(
    'an S3 audit location with %s stops the run before any start',
    async (_name, where, message) => {
      const result = await run({
        resources: [devGroup],
        execute: true,
        automationAssumeRole: ROLE,
        audit: parseAuditLocation(where, 'audit'),
      });
      expect(result.outcome.exitCode).toBe(2);
      expect(result.outcome.message).toMatch(message);
      expect(ssmMock.calls()).toHaveLength(0);
      expect(result.outputs['audit-record']).toBe('');
    },
  );

  it('an audit location that cannot be written stops the run before any AWS call', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ag-remediate-')), 'audit');
    writeFileSync(file, 'mine\n');
    const result = await run({
      resources: [devGroup],
      execute: true,
      automationAssumeRole: ROLE,
      audit: { kind: 'directory', path: file },
    });
    expect(result.outcome.exitCode).toBe(2);
    expect(result.outcome.message).toMatch(
      /^could not decide: audit: .* is not a directory; choose a directory or s3:\/\/bucket\/prefix\/$/,
    );
    expect(ssmMock.calls()).toHaveLength(0);
    expect(existsSync(join(result.reportDir, 'verdict.json'))).toBe(true);
  });
});

describe('remediate from AWS Config (compliance through aws-sdk-client-mock)', () => {
  it("plans each non-compliant resource by AWS Config's id", async () => {
    configMock.on(DescribeConfigRulesCommand).resolves({
      ConfigRules: [
        {
          ConfigRuleName: 'securityhub-restricted-ssh-4f2a1b',
          Source: { Owner: 'AWS', SourceIdentifier: 'INCOMING_SSH_DISABLED' },
          ConfigRuleState: 'ACTIVE',
        },
      ],
    });
    configMock.on(DescribeComplianceByConfigRuleCommand).resolves({
      ComplianceByConfigRules: [
        {
          ConfigRuleName: 'securityhub-restricted-ssh-4f2a1b',
          Compliance: { ComplianceType: 'NON_COMPLIANT' },
        },
      ],
    });
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({
      EvaluationResults: [devGroup, prodGroup].map((id) => ({
        EvaluationResultIdentifier: {
          EvaluationResultQualifier: {
            ConfigRuleName: 'securityhub-restricted-ssh-4f2a1b',
            ResourceType: 'AWS::EC2::SecurityGroup',
            ResourceId: id,
          },
        },
        ComplianceType: 'NON_COMPLIANT',
      })),
    });
    const result = await run({
      rule: 'restricted-ssh',
      source: 'config',
      automationAssumeRole: ROLE,
    });
    expect(result.outcome.exitCode).toBe(0);
    expect(result.outputs.resources).toBe(`${devGroup}\n${prodGroup}`);
    expect(result.verdict.subject).toMatchObject({ source: 'config', control: 'EC2.13' });
    const record = recordIn(join(result.reportDir, 'audit'));
    expect(record.source).toBe('config');
    expect(record.outcomes.map((outcome) => outcome.resource)).toEqual([devGroup, prodGroup]);
    const list = await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(
      list.Contents?.every((object) => object.Key?.startsWith('assetguard/remediation-audit/')),
    ).toBe(true);
  });
});
