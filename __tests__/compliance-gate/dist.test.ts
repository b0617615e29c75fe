import { runAction } from '../support/runner';
import { ESTATE_CONTROLS, motoEnv, seedSecurityHub } from '../fixtures/moto-estate';

// The committed bundle, run exactly as the Actions runner runs it.
const REGION = 'ca-central-1';

const awsEnv = (): Record<string, string> => motoEnv(REGION);

beforeAll(async () => {
  await seedSecurityHub(REGION, ESTATE_CONTROLS);
});

describe('actions/dist/compliance-gate run as the runner runs it', () => {
  it('blocks the prod target (exit 1) with outputs and a job summary naming the rule, resource and fix', async () => {
    const result = await runAction(
      'compliance-gate',
      { source: 'securityhub', scope: 'Environment=prod\nService=web' },
      awsEnv(),
    );
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({
      verdict: 'block',
      high: '1',
      total: '1',
      blocking: '1',
      'report-dir': 'assetguard-reports/compliance-gate',
    });
    expect(result.stdout).toContain(
      '::error::compliance-gate: blocked: 1 non-compliant result blocks the deploy',
    );
    expect(result.summary).toMatch(/^## assetguard compliance-gate: ❌ BLOCKED/);
    expect(result.summary).toMatch(
      /\| HIGH \| \[S3\.8\]\(.*\) \| securityhub-s3-bucket-level-public-access-prohibited-8f3a1c \| arn:aws:s3:::shop-prod-assets \|/,
    );
  });

  it('passes a target with nothing failing (exit 0)', async () => {
    const result = await runAction(
      'compliance-gate',
      { source: 'securityhub', scope: 'Environment=staging' },
      awsEnv(),
    );
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ verdict: 'pass', total: '0', blocking: '0' });
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
    expect(result.stdout).toContain('could not decide: could not list Security Hub findings');
  });
});
