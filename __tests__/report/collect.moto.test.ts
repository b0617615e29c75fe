import { DisableCommand, Inspector2Client } from '@aws-sdk/client-inspector2';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { parsePolicy } from '../../actions/src/core/policy';
import { UndecidedError } from '../../actions/src/core/errors';
import {
  collectReport,
  defaultReportClients,
  type ReportClients,
} from '../../actions/src/report/collect';
import type { CollectedReport, ReportFinding } from '../../actions/src/report/model';
import {
  FOREIGN_RESOURCES,
  foreignControlFindings,
  importFindings,
} from '../fixtures/foreign-findings';
import { motoEndpoint } from '../fixtures/moto-estate';
import {
  REPORT_OWNERS,
  REPORT_POLICY,
  seedReportEstate,
  type ReportEstate,
} from '../fixtures/report-estate';
import {
  ACCOUNT,
  enableInspector,
  importControlFindings,
  inspectorFinding,
  seedInspectorFindings,
} from '../fixtures/seed';

// moto: Inspector2 ListFindings (one queued answer, filters ignored), Security Hub GetFindings
// (filters ignored), ECR/EC2/Lambda resources with tags, the Tagging API, STS. moto's Config
// discovers none of EC2 instances, Lambda functions or ECR repositories, so the inventory holds
// what the Tagging API lists (instances, functions), and repositories' tags are read first-hand.
const REGION = 'me-central-1';
const MALFORMED_REGION = 'il-central-1';
/** Inspector2 never enabled: moto's BatchGetAccountStatus lists no account. */
const UNSCANNED_REGION = 'me-south-1';
/** Inspector2 enabled, then disabled: the account is listed with every type DISABLED. */
const DISABLED_REGION = 'eu-south-2';
/** Inspector2 enabled for ECR and EC2, not Lambda. */
const PARTLY_REGION = 'eu-south-1';
const NOW = new Date('2026-02-01T06:00:00.000Z');

const policy = parsePolicy(REPORT_POLICY, 'report-policy.yml');
let estate: ReportEstate;
let clients: ReportClients;
let report: CollectedReport;
const lines: string[] = [];

function collect(region: string, overrides: Partial<Parameters<typeof collectReport>[1]> = {}) {
  return collectReport(region === REGION ? clients : defaultReportClients(region), {
    log: (line) => lines.push(line),
    clock: { now: () => NOW, sleep: () => Promise.resolve() },
    region,
    policy,
    cceSource: 'securityhub',
    ...overrides,
  });
}

function cve(id: string): ReportFinding {
  const found = report.findings.find((item) => item.kind === 'cve' && item.finding.id === id);
  if (!found)
    throw new Error(
      `no CVE finding ${id} in ${report.findings.map((f) => f.finding.id).join(', ')}`,
    );
  return found;
}

beforeAll(async () => {
  estate = await seedReportEstate(motoEndpoint(), REGION, { orphanImage: true });
  clients = defaultReportClients(REGION);
  // Failing and passing, owned by the web team: none is a result of this account's controls here.
  const hub = new SecurityHubClient({ region: REGION, endpoint: motoEndpoint(), maxAttempts: 1 });
  try {
    await importFindings(
      hub,
      foreignControlFindings(REGION, ACCOUNT, {
        statuses: ['FAILED', 'PASSED'],
        tags: { Owner: REPORT_OWNERS.web },
      }),
    );
  } finally {
    hub.destroy();
  }
  report = await collect(REGION);
}, 60_000);

describe('collectReport against moto', () => {
  it('lists the ACTIVE findings of all three resource types, leaves the CLOSED one out, and keys them by source', () => {
    const cves = report.findings.filter((item) => item.kind === 'cve');
    expect(cves.map((item) => item.finding.id).sort()).toEqual([
      'CVE-2022-0563',
      'CVE-2023-38408',
      'CVE-2023-44487',
      'CVE-2023-4911',
      'CVE-2024-2961',
      'CVE-2024-37891',
      'CVE-2024-6387',
    ]);
    expect(cves.map((item) => item.finding.resource.type).sort()).toEqual([
      'AWS_EC2_INSTANCE',
      'AWS_ECR_CONTAINER_IMAGE',
      'AWS_ECR_CONTAINER_IMAGE',
      'AWS_ECR_CONTAINER_IMAGE',
      'AWS_ECR_CONTAINER_IMAGE',
      'AWS_ECR_CONTAINER_IMAGE',
      'AWS_LAMBDA_FUNCTION',
    ]);
    for (const item of report.findings) {
      expect(item.key).toBe(`${item.finding.source}:${item.finding.sourceId}`);
    }
    expect(new Set(report.findings.map((item) => item.key)).size).toBe(report.findings.length);
    expect(report).toMatchObject({
      collectedAt: NOW.toISOString(),
      region: REGION,
      accountId: ACCOUNT,
      cceSource: 'securityhub',
      cveScanned: ['ECR', 'EC2', 'LAMBDA'],
    });
    expect(report.warnings.filter((warning) => warning.includes('Inspector2'))).toEqual([]);
  });

  it('joins each finding to its owner: image → repository tags, instance id → instance tags, $LATEST → function tags', () => {
    expect(cve('CVE-2024-6387')).toMatchObject({
      owner: REPORT_OWNERS.web,
      classification: 'confidential',
      finding: { resource: { repository: 'shop-web', imageDigest: estate.running.digest } },
    });
    expect(cve('CVE-2024-2961')).toMatchObject({
      owner: REPORT_OWNERS.data,
      classification: 'internal',
    });
    expect(cve('CVE-2023-38408')).toMatchObject({
      owner: REPORT_OWNERS.data,
      finding: {
        resource: {
          id: estate.instance.id,
          tags: { Owner: REPORT_OWNERS.data, Name: 'batch-host', DataClassification: 'internal' },
        },
      },
    });
    expect(cve('CVE-2024-37891')).toMatchObject({
      owner: REPORT_OWNERS.web,
      classification: 'public',
    });
  });

  it("keeps Inspector2's in-use data of ECR images, and only of them", () => {
    expect(cve('CVE-2024-6387').use).toEqual({
      inUseCount: 3,
      lastInUse: '2026-01-31T00:00:00.000Z',
    });
    expect(cve('CVE-2023-44487').use).toEqual({
      inUseCount: 0,
      lastInUse: '2026-01-01T00:00:00.000Z',
    });
    expect(cve('CVE-2023-38408').use).toBeUndefined();
    expect(cve('CVE-2024-37891').use).toBeUndefined();
  });

  it('reads failing Security Hub controls as CCE findings with owners, and counts each rule by resource', () => {
    const cces = report.findings.filter((item) => item.kind === 'cce');
    // EC2.19 is SUPPRESSED, Lambda.2 and ECR.1 PASSED.
    expect(cces.map((item) => item.finding.id).sort()).toEqual([
      'EC2.8',
      'ECR.2',
      'IAM.7',
      'Lambda.1',
    ]);
    expect(cces.find((item) => item.finding.id === 'EC2.8')?.owner).toBe(REPORT_OWNERS.data);
    expect(cces.find((item) => item.finding.id === 'Lambda.1')?.owner).toBe(REPORT_OWNERS.web);
    expect(cces.find((item) => item.finding.id === 'ECR.2')?.owner).toBe(REPORT_OWNERS.data);
    // The account itself carries no tags: no owner, and nothing to warn about.
    expect(cces.find((item) => item.finding.id === 'IAM.7')?.owner).toBeUndefined();
    expect(report.rules).toEqual([
      expect.objectContaining({ rule: 'EC2.8', severity: 'HIGH', compliant: 0, noncompliant: 1 }),
      expect.objectContaining({ rule: 'ECR.2', compliant: 0, noncompliant: 1 }),
      expect.objectContaining({ rule: 'IAM.7', compliant: 0, noncompliant: 1 }),
      expect.objectContaining({ rule: 'Lambda.1', compliant: 0, noncompliant: 1 }),
      expect.objectContaining({ rule: 'ECR.1', severity: 'HIGH', compliant: 2, noncompliant: 0 }),
      expect.objectContaining({ rule: 'Lambda.2', compliant: 1, noncompliant: 0 }),
    ]);
  });

  it("counts only Security Hub's own control results of this account and region, failing or passing: no forged, fleet-check, member or linked-region finding", () => {
    const cces = report.findings.filter((item) => item.kind === 'cce');
    expect(JSON.stringify(cces)).not.toMatch(FOREIGN_RESOURCES);
    expect(cces.map((item) => item.finding.resource.accountId)).toEqual(cces.map(() => ACCOUNT));
    // The foreign ones are S3.8, EC2.19, RDS.2 and fleet-check's U-01: no row for any of them.
    expect(report.rules.map((rule) => rule.rule).sort()).toEqual([
      'EC2.8',
      'ECR.1',
      'ECR.2',
      'IAM.7',
      'Lambda.1',
      'Lambda.2',
    ]);
  });

  it('returns the inventory of the tag policy’s types, with classification levels', () => {
    const byArn = new Map(report.assets.map((asset) => [asset.arn, asset]));
    expect(byArn.get(estate.instance.arn)).toMatchObject({
      type: 'AWS::EC2::Instance',
      tags: { Owner: REPORT_OWNERS.data },
      classification: 'internal',
    });
    expect(byArn.get(estate.fn.arn)).toMatchObject({
      type: 'AWS::Lambda::Function',
      tags: { Owner: REPORT_OWNERS.web },
      classification: 'public',
    });
  });

  it('names the finding whose tags could not be read, with the AWS error, instead of dropping it', () => {
    const orphan = report.findings.find((item) => item.finding.id === 'CVE-2022-0563');
    expect(orphan).toBeDefined();
    expect(orphan?.owner).toBeUndefined();
    expect(orphan?.use).toEqual({ inUseCount: 0 });
    expect(report.warnings).toContainEqual(
      expect.stringMatching(
        /^1 finding\(s\) are on resources whose tags could not be read, so they show no owner \(Owner\): CVE-2022-0563 on arn:aws:ecr:me-central-1:123456789012:repository\/shop-legacy \(RepositoryNotFoundException: could not read the tags of repository arn:aws:ecr:me-central-1:123456789012:repository\/shop-legacy: RepositoryNotFoundException: /,
      ),
    );
  });

  it('counts its calls per operation', () => {
    expect(report.calls).toMatchObject({
      ListFindings: 1,
      // The inventory's, and the one that names the account whose Inspector2 status is read.
      GetCallerIdentity: 1,
      BatchGetAccountStatus: 1,
      // Failing controls, then passing ones: one page each (moto pages at 100).
      GetFindings: 2,
      // Repositories' tags first-hand, one call each (the two repositories and the orphan).
      ListTagsForResource: 3,
    });
    expect(report.calls.GetResources).toBeGreaterThanOrEqual(1);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^report: 7 CVE and 4 CCE finding\(s\), 6 rule\(s\), \d+ resource\(s\); \d+ AWS call\(s\)$/,
      ),
    );
  });

  it('with a tag scope, keeps only the CCE results and passing counts that the scope places in it', async () => {
    const scoped = await collect(REGION, { scope: { Owner: REPORT_OWNERS.web } });
    const cces = scoped.findings.filter((item) => item.kind === 'cce');
    // IAM.7 is account-level: in every scope. EC2.8 and ECR.2 are the data team's.
    expect(cces.map((item) => item.finding.id).sort()).toEqual(['IAM.7', 'Lambda.1']);
    expect(scoped.rules.find((rule) => rule.rule === 'ECR.1')).toMatchObject({ compliant: 1 });
    // CVE findings are not scoped: the report covers every image, host and function.
    expect(scoped.findings.filter((item) => item.kind === 'cve')).toHaveLength(7);
  });

  it('fails closed naming inspector2:ListFindings when a finding comes without its severity', async () => {
    const broken = inspectorFinding(
      { repository: 'web', digest: `sha256:${'a'.repeat(64)}`, region: MALFORMED_REGION },
      { cve: 'CVE-2024-0001', severity: 'HIGH', packageName: 'zlib', installed: '1' },
    );
    delete broken.severity;
    await enableInspector(motoEndpoint(), MALFORMED_REGION, ['ECR']);
    await seedInspectorFindings(motoEndpoint(), MALFORMED_REGION, [[broken]]);
    // A control result, so the Security Hub collector running alongside has something to read.
    await importControlFindings(motoEndpoint(), MALFORMED_REGION, [
      {
        controlId: 'IAM.7',
        severity: 'MEDIUM',
        resourceType: 'AwsAccount',
        resourceId: `AWS::::Account:${ACCOUNT}`,
      },
    ]);
    const failure = collect(MALFORMED_REGION);
    await expect(failure).rejects.toBeInstanceOf(UndecidedError);
    await expect(failure).rejects.toThrow(
      /^inspector2:ListFindings answered a finding that has no severity \(arn:aws:inspector2:il-central-1:/,
    );
  });
});

describe('collectReport against moto: what Inspector2 scans', () => {
  /** A control result, so the Security Hub collector running alongside has something to read. */
  const seedAccountControl = (region: string) =>
    importControlFindings(motoEndpoint(), region, [
      {
        controlId: 'IAM.7',
        severity: 'MEDIUM',
        resourceType: 'AwsAccount',
        resourceId: `AWS::::Account:${ACCOUNT}`,
      },
    ]);

  it('stops (exit 2) in a region where Inspector2 was never enabled, instead of reporting "0 open findings"', async () => {
    await seedAccountControl(UNSCANNED_REGION);
    const before = lines.length;
    const failure = collect(UNSCANNED_REGION);
    await expect(failure).rejects.toBeInstanceOf(UndecidedError);
    await expect(failure).rejects.toThrow(
      `Inspector2 is not enabled in account ${ACCOUNT}, region ${UNSCANNED_REGION} (inspector2:BatchGetAccountStatus: the answer lists no status for the account): nothing is scanned for vulnerabilities, and a CVE report over nothing would read as clean. Enable it with "aws inspector2 enable --resource-types ECR EC2 LAMBDA --region ${UNSCANNED_REGION}"`,
    );
    // Nothing was listed: an empty listing of an unscanned account is never read.
    expect(lines.slice(before).join('\n')).not.toMatch(/listing ACTIVE Inspector2 findings/);
  });

  it('stops (exit 2) where Inspector2 was enabled and then disabled for every type', async () => {
    await seedAccountControl(DISABLED_REGION);
    await enableInspector(motoEndpoint(), DISABLED_REGION, ['ECR', 'EC2', 'LAMBDA']);
    const inspector = new Inspector2Client({
      region: DISABLED_REGION,
      endpoint: motoEndpoint(),
      maxAttempts: 1,
    });
    try {
      await inspector.send(
        new DisableCommand({ accountIds: [ACCOUNT], resourceTypes: ['ECR', 'EC2', 'LAMBDA'] }),
      );
    } finally {
      inspector.destroy();
    }
    await expect(collect(DISABLED_REGION)).rejects.toThrow(
      /^Inspector2 is not enabled in account 123456789012, region eu-south-2 \(inspector2:BatchGetAccountStatus: account DISABLED; ECR DISABLED, EC2 DISABLED, LAMBDA DISABLED\)/,
    );
  });

  it('warns naming Lambda when Inspector2 scans only ECR and EC2, and records what it scans', async () => {
    await seedReportEstate(motoEndpoint(), PARTLY_REGION, { inspectorScans: ['ECR', 'EC2'] });
    const partly = await collect(PARTLY_REGION);
    expect(partly.cveScanned).toEqual(['ECR', 'EC2']);
    expect(partly.warnings).toContainEqual(
      `Inspector2 does not scan Lambda functions in account ${ACCOUNT}, region ${PARTLY_REGION} (LAMBDA DISABLED): the CVE findings cover ECR images and EC2 instances only. Enable it with "aws inspector2 enable --resource-types LAMBDA --region ${PARTLY_REGION}"`,
    );
  }, 60_000);
});
