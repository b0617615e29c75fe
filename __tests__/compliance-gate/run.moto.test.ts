import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { systemClock } from '../../actions/src/core/clock';
import { complianceGate, type ComplianceGateRun } from '../../actions/src/compliance-gate/run';
import type { ComplianceGateInputs } from '../../actions/src/compliance-gate/inputs';
import { replay } from '../../actions/src/replay/replay';
import { ESTATE_CONTROLS, motoEndpoint, seedSecurityHub } from '../fixtures/moto-estate';
import {
  FOREIGN_RESOURCES,
  foreignControlFindings,
  importFindings,
} from '../fixtures/foreign-findings';
import { ACCOUNT } from '../fixtures/seed';
import { sarifErrors, type SarifLog } from '../support/sarif';
import { shownText } from '../fixtures/markdown-shown';

// moto's Security Hub: real BatchImportFindings / GetFindings wire format and paging, but it
// ignores GetFindings filters, so the gate's client-side re-check is what this exercises.
const REGION = 'eu-central-1';
let lines: string[] = [];

function writePolicy(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ag-policy-')), 'assetguard.yml');
  writeFileSync(file, text);
  return file;
}

function gate(overrides: Partial<ComplianceGateInputs>): Promise<ComplianceGateRun> {
  return complianceGate(
    {
      source: 'securityhub',
      rules: [],
      scope: {},
      policy: writePolicy('version: 1\n'),
      outputDir: mkdtempSync(join(tmpdir(), 'ag-cce-')),
      region: REGION,
      ...overrides,
    },
    { clock: systemClock, log: (line) => lines.push(line) },
  );
}

beforeAll(async () => {
  // 150 more PASSED findings make moto page GetFindings (100 per page).
  const passed = Array.from({ length: 150 }, (_, index) => ({
    controlId: 'S3.5',
    severity: 'MEDIUM' as const,
    resourceType: 'AwsS3Bucket',
    resourceId: `arn:aws:s3:::bucket-${index}`,
    status: 'PASSED' as const,
  }));
  await seedSecurityHub(REGION, [...ESTATE_CONTROLS, ...passed]);
  // FAILED and in the prod web scope: none is a result of this account's controls here.
  const hub = new SecurityHubClient({ region: REGION, endpoint: motoEndpoint(), maxAttempts: 1 });
  try {
    await importFindings(
      hub,
      foreignControlFindings(REGION, ACCOUNT, { tags: { Environment: 'prod', Service: 'web' } }),
    );
  } finally {
    hub.destroy();
  }
});

beforeEach(() => {
  lines = [];
});

describe('compliance gate, Security Hub source, against moto', () => {
  it('blocks the prod web target on its public bucket, and names the rule and the fix', async () => {
    const run = await gate({ scope: { Environment: 'prod', Service: 'web' } });
    const { verdict } = run;
    expect(verdict.verdict).toBe('block');
    // EC2.19 is SUPPRESSED, RDS.2 PASSED, EC2.13 (Environment=dev) out of the tag scope; IAM.7 is
    // account-level (the password policy applies to every environment), so it stays in scope, and
    // as a MEDIUM it does not block.
    expect(verdict.blocking).toEqual([
      expect.objectContaining({
        id: 'S3.8',
        severity: 'HIGH',
        resource: 'arn:aws:s3:::shop-prod-assets',
        rule: 'securityhub-s3-bucket-level-public-access-prohibited-8f3a1c',
        remediation: { document: expect.stringMatching(/^AWS/) as unknown },
      }),
    ]);
    expect(run.outcome.exitCode).toBe(1);
    expect(verdict.counts).toMatchObject({ HIGH: 1, MEDIUM: 1, total: 2 });
    expect(lines).toContain(
      '3 FAILED and 0 WARNING or NOT_AVAILABLE control result(s) from 2 GetFindings call(s); 156 outside the filters or rules were ignored',
    );
    expect(shownText(run.summary)).toMatch(
      /^## assetguard compliance-gate: ❌ BLOCKED — Security Hub in eu-central-1 \(Environment=prod, Service=web\)/,
    );
    expect(shownText(run.summary)).toContain('| HIGH | [S3.8](');
  });

  it("reads only Security Hub's own control results of this account and region: no forged, fleet-check, member or linked-region finding blocks", async () => {
    const run = await gate({ scope: { Environment: 'prod', Service: 'web' } });
    expect(run.verdict.blocking.map((entry) => `${entry.id} ${entry.resource}`)).toEqual([
      'S3.8 arn:aws:s3:::shop-prod-assets',
    ]);
    expect(JSON.stringify(run.verdict)).not.toMatch(FOREIGN_RESOURCES);
    // The account the results are read for comes from sts GetCallerIdentity.
    const evidence = JSON.parse(readFileSync(join(run.reportDir, 'evidence.json'), 'utf8')) as {
      context?: { calls?: Record<string, number> };
    };
    expect(evidence.context?.calls).toMatchObject({ GetCallerIdentity: 1, GetFindings: 2 });
  });

  it('counts every FAILED, ACTIVE, unsuppressed control when there is no scope', async () => {
    const run = await gate({});
    expect(run.verdict.counts).toMatchObject({ HIGH: 2, MEDIUM: 1, total: 3 });
    expect(run.verdict.blocking.map((entry) => entry.id).sort()).toEqual(['EC2.13', 'S3.8']);
  });

  it('passes when the rules filter leaves only a MEDIUM control', async () => {
    const run = await gate({ rules: ['IAM.7'] });
    expect(run.verdict.verdict).toBe('pass');
    expect(run.verdict.counts).toMatchObject({ MEDIUM: 1, total: 1 });
  });

  it('applies a control-id exception scoped by resource, writes valid SARIF with it suppressed, and replays', async () => {
    const policy = writePolicy(`version: 1
exceptions:
  - id: S3.8
    scope: { resource: shop-prod-assets }
    reason: public website bucket behind CloudFront
    owner: web-team@example.com
    expires: 2099-01-31
`);
    const run = await gate({ policy, scope: { Environment: 'prod' } });
    expect(run.verdict.verdict).toBe('pass');
    expect(run.verdict.excepted).toEqual([
      expect.objectContaining({ id: 'S3.8', resource: 'arn:aws:s3:::shop-prod-assets' }),
    ]);
    const sarif = JSON.parse(readFileSync(run.files['results.sarif']!, 'utf8')) as SarifLog;
    expect(sarifErrors(sarif)).toEqual([]);
    expect(sarif.runs[0]!.results[0]!.suppressions).toHaveLength(1);
    const replayed = await replay(run.reportDir);
    expect(replayed.matches).toBe(true);
    expect(replayed.outcome.exitCode).toBe(0);
  });

  it('exits 2 on a scope that no resource carries: only the account-level IAM.7 would be left, and a pass over that would be silent', async () => {
    const run = await gate({ scope: { Environment: 'nowhere' } });
    expect(run.verdict.verdict).toBe('error');
    expect(run.outcome.exitCode).toBe(2);
    expect(run.verdict.error).toMatch(
      /^scope: no resource in eu-central-1 carries Environment=nowhere \(tag:GetResources found none\), so the gate would decide on nothing\./,
    );
  });

  it('fails closed (exit 2) when a requested Config rule is not deployed', async () => {
    const run = await gate({ source: 'config', rules: ['restricted-ssh'], region: 'sa-east-1' });
    expect(run.verdict.verdict).toBe('error');
    expect(run.verdict.error).toBe(
      'rules: restricted-ssh is not a deployed AWS Config rule in sa-east-1; check the names (deployed names, managed identifiers and control ids all work)',
    );
    expect(run.outcome.exitCode).toBe(2);
  });
});
