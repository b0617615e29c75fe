import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { runAction } from '../support/runner';
import { shownText } from '../fixtures/markdown-shown';
import { motoEndpoint, motoEnv, seedSecurityHub } from '../fixtures/moto-estate';
import { ACCOUNT } from '../fixtures/seed';

// The committed bundle, run exactly as the Actions runner runs it, against moto's Security Hub.
// Only dry runs here: SSM Automation is not in moto (the executions are tested through
// aws-sdk-client-mock in automation.test.ts and run.moto.test.ts).
const REGION = 'ap-south-2';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/assetguard-remediation-automation`;
let group = '';
const groupArn = (id: string): string => `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${id}`;

const githubEnv = {
  GITHUB_ACTOR: 'octocat',
  GITHUB_REPOSITORY: 'acme/infra',
  GITHUB_RUN_ID: '424242',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_JOB: 'plan',
  GITHUB_SERVER_URL: 'https://github.com',
};

beforeAll(async () => {
  const ec2 = new EC2Client({ region: REGION, endpoint: motoEndpoint(), maxAttempts: 1 });
  try {
    group =
      (
        await ec2.send(
          new CreateSecurityGroupCommand({
            GroupName: 'bastion-dev',
            Description: 'bastion, dev',
            TagSpecifications: [
              { ResourceType: 'security-group', Tags: [{ Key: 'Environment', Value: 'dev' }] },
            ],
          }),
        )
      ).GroupId ?? '';
  } finally {
    ec2.destroy();
  }
  await seedSecurityHub(REGION, [
    {
      controlId: 'EC2.13',
      severity: 'HIGH',
      resourceType: 'AwsEc2SecurityGroup',
      resourceId: groupArn(group),
    },
  ]);
});

describe('actions/dist/remediate run as the runner runs it', () => {
  it('a dry run: exit 0, the plan as the job summary, outputs for the approved job, an audit record', async () => {
    const result = await runAction(
      'remediate',
      {
        rule: 'EC2.13',
        source: 'securityhub',
        scope: 'Environment=dev',
        'automation-assume-role': ROLE,
      },
      { ...motoEnv(REGION), ...githubEnv },
    );
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      verdict: 'pass',
      planned: '1',
      succeeded: '0',
      failed: '0',
      resources: groupArn(group),
      'report-dir': 'assetguard-reports/remediate',
    });
    expect(result.stdout).toContain(
      'remediate: dry run: 1 resource would be remediated with AWS-DisableIncomingSSHOnPort22; nothing was changed',
    );
    const summary = shownText(result.summary);
    expect(summary).toMatch(/^## assetguard remediate: DRY RUN — EC2.13 in ap-south-2/);
    expect(summary).toContain(`| Parameter SecurityGroupIds | ${group} |`);
    expect(summary).toContain(`| Parameter AutomationAssumeRole | ${ROLE} |`);
    const auditDir = join(result.workspace, 'assetguard-reports/remediate/audit');
    const [file] = readdirSync(auditDir, { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('.json'));
    expect(result.outputs['audit-record']).toBe(`assetguard-reports/remediate/audit/${file ?? ''}`);
    expect(JSON.parse(readFileSync(join(auditDir, file ?? ''), 'utf8'))).toMatchObject({
      id: expect.stringMatching(/^424242-1-plan-[0-9a-f]{8}$/) as unknown,
      actor: 'octocat',
      runUrl: 'https://github.com/acme/infra/actions/runs/424242',
      dryRun: true,
      outcomes: [{ resource: groupArn(group), status: 'planned' }],
    });
  });

  it('a rule with no safe runbook is refused: exit 1, the why in the summary', async () => {
    const result = await runAction(
      'remediate',
      { rule: 'EC2.19', resources: group },
      { ...motoEnv(REGION), ...githubEnv },
    );
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ verdict: 'block', resources: '' });
    expect(result.stdout).toContain('::error::remediate: refused, nothing was run: EC2.19');
    expect(shownText(result.summary)).toContain('RevokeSecurityGroupIngress');
  });

  it('a rule no one knows is bad input, not a refusal: exit 2 naming rule', async () => {
    const result = await runAction(
      'remediate',
      { rule: 'EC2.31', resources: group },
      { ...motoEnv(REGION), ...githubEnv },
    );
    expect(result.exitCode).toBe(2);
    expect(result.outputs.verdict).toBe('error');
    expect(result.stdout).toMatch(
      /::error::remediate: could not decide: rule: "EC2\.31" is neither .*did you mean/,
    );
  });

  it('execute without automation-assume-role: exit 2 naming the input, nothing run', async () => {
    const result = await runAction(
      'remediate',
      { rule: 'EC2.13', resources: group, execute: 'true' },
      { ...motoEnv(REGION), ...githubEnv },
    );
    expect(result.exitCode).toBe(2);
    expect(result.outputs.verdict).toBe('error');
    expect(result.stdout).toContain(
      '::error::remediate: automation-assume-role: required with execute',
    );
  });

  it('no rule: exit 2 naming the input', async () => {
    const result = await runAction('remediate', {}, motoEnv(REGION));
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('::error::remediate: rule: required');
  });
});
