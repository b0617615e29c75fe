import { CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { runAction } from '../support/runner';
import { shownText } from '../fixtures/markdown-shown';
import { foreignControlFindings, importFindings } from '../fixtures/foreign-findings';
import { ESTATE_CONTROLS, motoEndpoint, motoEnv, seedSecurityHub } from '../fixtures/moto-estate';
import { ACCOUNT } from '../fixtures/seed';

// The committed bundle, run exactly as the Actions runner runs it.
const REGION = 'ca-central-1';

const awsEnv = (): Record<string, string> => motoEnv(REGION);

beforeAll(async () => {
  await seedSecurityHub(REGION, ESTATE_CONTROLS);
  // Forged, fleet-check, member-account and linked-region findings in the prod web scope: none
  // is a result of this account's controls here, so none may block.
  const hub = new SecurityHubClient({ region: REGION, endpoint: motoEndpoint(), maxAttempts: 1 });
  try {
    await importFindings(
      hub,
      foreignControlFindings(REGION, ACCOUNT, { tags: { Environment: 'prod', Service: 'web' } }),
    );
  } finally {
    hub.destroy();
  }
  // A real staging resource, so that a staging scope selects something: a security group is
  // regional in moto (S3 buckets would show in every region's Tagging API).
  const ec2 = new EC2Client({ region: REGION, endpoint: motoEndpoint(), maxAttempts: 1 });
  try {
    await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'web-staging',
        Description: 'web, staging',
        TagSpecifications: [
          {
            ResourceType: 'security-group',
            Tags: [
              { Key: 'Environment', Value: 'staging' },
              { Key: 'Service', Value: 'web' },
            ],
          },
        ],
      }),
    );
  } finally {
    ec2.destroy();
  }
});

describe('actions/dist/compliance-gate run as the runner runs it', () => {
  it('blocks the prod target (exit 1) with outputs and a job summary naming the rule, resource and fix', async () => {
    const result = await runAction(
      'compliance-gate',
      { source: 'securityhub', scope: 'Environment=prod\nService=web' },
      awsEnv(),
    );
    expect(result.exitCode).toBe(1);
    // IAM.7 (the account's password policy, MEDIUM) is account-level: in every scope, not blocking.
    expect(result.outputs).toMatchObject({
      verdict: 'block',
      high: '1',
      medium: '1',
      total: '2',
      blocking: '1',
      'report-dir': 'assetguard-reports/compliance-gate',
    });
    expect(result.stdout).toContain(
      '::error::compliance-gate: blocked: 1 non-compliant result blocks the deploy',
    );
    expect(shownText(result.summary)).toMatch(/^## assetguard compliance-gate: ❌ BLOCKED/);
    expect(shownText(result.summary)).toMatch(
      /\| HIGH \| \[S3\.8\]\(.*\) \| securityhub-s3-bucket-level-public-access-prohibited-8f3a1c \| arn:aws:s3:::shop-prod-assets \|/,
    );
  });

  it('passes a target with nothing blocking (exit 0): staging has a real resource and only the account-level MEDIUM', async () => {
    const result = await runAction(
      'compliance-gate',
      { source: 'securityhub', scope: 'Environment=staging' },
      awsEnv(),
    );
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      verdict: 'pass',
      medium: '1',
      total: '1',
      blocking: '0',
    });
    expect(result.stdout).toMatch(
      // moto's Tagging API also lists S3 buckets other test files tagged staging in any region, so
      // the example may be one of those; what matters is that the scope selects something.
      /scope Environment=staging selects resources in ca-central-1 \(e\.g\. arn:aws:(ec2:ca-central-1:\d+:security-group\/sg-|s3:::)/,
    );
    expect(shownText(result.summary)).toMatch(/^## assetguard compliance-gate: ✅ PASSED/);
  });

  it.each([
    ['a value in another case', 'Environment=Staging', 'values of Environment in use: staging'],
    ['a misspelt key', 'Enviroment=staging', 'keys in use that look like it: Environment'],
  ])(
    'exits 2 on a scope no resource carries (%s), with near-match hints, never a silent pass',
    async (_name, scope, hint) => {
      const result = await runAction('compliance-gate', { source: 'securityhub', scope }, awsEnv());
      expect(result.exitCode).toBe(2);
      expect(result.outputs).toMatchObject({ verdict: 'error', total: '0', blocking: '0' });
      expect(result.stdout).toContain(
        `::error::compliance-gate: could not decide: scope: no resource in ca-central-1 carries ${scope} (tag:GetResources found none), so the gate would decide on nothing.`,
      );
      expect(result.stdout).toContain(hint);
      expect(shownText(result.summary)).toMatch(
        /^## assetguard compliance-gate: ⚠️ COULD NOT DECIDE/,
      );
    },
  );

  it('exits 2 on a scope entry with an empty value, naming the input', async () => {
    const result = await runAction(
      'compliance-gate',
      { source: 'securityhub', scope: 'Environment=prod\nService=' },
      awsEnv(),
    );
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(
      '::error::compliance-gate: scope: "Service=" has an empty value',
    );
  });

  it('exits 2 naming the input when the source is unknown', async () => {
    const result = await runAction('compliance-gate', { source: 'guardduty' }, awsEnv());
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(
      '::error::compliance-gate: source: "guardduty" is not config or securityhub',
    );
  });

  it('exits 2 when AWS cannot be reached, with verdict output "error"', async () => {
    const result = await runAction(
      'compliance-gate',
      { source: 'securityhub' },
      { ...awsEnv(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' },
    );
    expect(result.exitCode).toBe(2);
    expect(result.outputs.verdict).toBe('error');
    // The first call names the account whose Security Hub control results are read.
    expect(result.stdout).toContain('could not decide: could not identify the AWS account');
  });
});
