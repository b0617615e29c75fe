/**
 * The synthetic estate the tags-apply and daily-report bench sections run the built CLI against
 * (through scripts/bench/estate-endpoint): 10,000 resources over the tag policy's default
 * resource types with realistic tag coverage gaps, and 50,000 open findings on them (78% Inspector2
 * CVE findings on ECR images, EC2 instances and Lambda functions; 22% compliance failures),
 * plus yesterday's report state. It is the daily-report bench's data
 * (scripts/lib/bench-report-data `reportBenchInput`, seeded, identical on every run) turned into
 * what AWS holds: Config identifiers (the id and name Config reports per type), tag sets,
 * Inspector2 findings in the SDK v3 ListFindings shape, and the same compliance picture twice:
 * as AWS Config rules with their failing and passing resources (`--compliance-source config`),
 * and as Security Hub control findings in ASFF, FAILED and PASSED (`--compliance-source
 * securityhub`). Both sides hold the same (control, resource) failures.
 */
import { createHash } from 'node:crypto';
import { controlBySecurityHubId } from '../../actions/src/core/controls';
import type { Finding } from '../../actions/src/core/model';
import type { ReportState } from '../../actions/src/report/model';
import {
  REPORT_BENCH_SIZE,
  reportBenchInput,
  reportBenchPolicyText,
} from '../lib/bench-report-data';

/**
 * Findings drawn: 70% CVE, 30% CCE picks of which about a third repeat a (rule, resource) pair
 * and are merged, so 56,000 draws give 38,990 Inspector2 findings + 11,340 failing Config
 * results = 50,330 open findings (the issue's 50,000).
 */
const FINDINGS_DRAWN = 56_000;

/** One resource as AWS holds it: Config's identifier, its ARN and its tags now. */
export interface EstateResource {
  /** CloudFormation type, as Config lists it. */
  type: string;
  /** Config's resourceId (an RDS instance's DbiResourceId, an SQS queue's URL, an SNS topic's ARN…). */
  id: string;
  /** Config's resourceName, where Config reports one. */
  name?: string;
  arn: string;
  /** Tags now; `{}` for a resource never tagged (the Tagging API does not list it). */
  tags: Record<string, string>;
}

/** One AWS Config rule: what it evaluates and which of those fail it. */
export interface EstateRule {
  name: string;
  /** The CloudFormation type it evaluates (its scope). */
  type: string;
  /** Config resource ids of the resources that fail it; every other resource of `type` passes. */
  failing: Set<string>;
}

/** One Security Hub control (consolidated control findings), as BatchGetSecurityControls lists it. */
export interface EstateControl {
  /** `S3.8` */
  id: string;
  title: string;
  /** SeverityRating: LOW, MEDIUM, HIGH or CRITICAL. */
  severity: string;
  /** The Config rule Security Hub deployed for it (`securityhub-<rule>-<8 hex>`). */
  ruleName: string;
}

export interface Estate {
  accountId: string;
  region: string;
  resources: EstateResource[];
  /** Inspector2 findings, SDK v3 ListFindings shape (Dates allowed), all ACTIVE. */
  findings: Record<string, unknown>[];
  rules: EstateRule[];
  /**
   * Security Hub's control findings in ASFF as GetFindings returns them (JSON wire shape:
   * timestamps are ISO strings), one per (control, resource): FAILED for each failing pair of
   * `rules`, PASSED for every other resource of the control's type. All ACTIVE. Absent: the
   * endpoint's Security Hub holds no findings (an estate built for the other services' tests).
   */
  controlFindings?: Record<string, unknown>[];
  /** The controls those findings belong to, all ENABLED (absent: none). */
  controls?: EstateControl[];
  /** Yesterday's report state (for `assetguard report --state`). */
  previous: ReportState;
  /** The report's policy (tags, report, exceptions). */
  policyText: string;
}

function tail(arn: string): string {
  return arn.split(/[:/]/).pop() ?? arn;
}

/** Config's resourceId and resourceName for a resource of `type` with this ARN (AWS Config docs). */
function configIdentity(type: string, arn: string, region: string, account: string) {
  const name = tail(arn);
  switch (type) {
    case 'AWS::EC2::Instance':
    case 'AWS::EC2::Volume':
    case 'AWS::EC2::SecurityGroup':
    case 'AWS::KMS::Key':
      return { id: name };
    case 'AWS::S3::Bucket':
      return { id: arn.slice('arn:aws:s3:::'.length), name: arn.slice('arn:aws:s3:::'.length) };
    case 'AWS::RDS::DBInstance': {
      // DbiResourceId: db- and 26 upper-case characters, stable per identifier.
      let hash = 0;
      for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
      const id = `db-${hash.toString(36).toUpperCase().padEnd(26, 'Q').slice(0, 26)}`;
      return { id, name };
    }
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
      return { id: arn, name: arn.split('/')[2] ?? name };
    case 'AWS::SNS::Topic':
      return { id: arn, name };
    case 'AWS::SQS::Queue':
      return { id: `https://sqs.${region}.amazonaws.com/${account}/${name}`, name };
    case 'AWS::ECR::Repository': {
      const repository = arn.split(':repository/')[1] ?? name;
      return { id: repository, name: repository };
    }
    default:
      return { id: name, name };
  }
}

/** Dates from ISO strings, for the SDK shape (the endpoint sends them as epoch seconds). */
const date = (iso: string | undefined): Date | undefined =>
  iso === undefined ? undefined : new Date(iso);

/** An Inspector2 finding as ListFindings returns it, from the bench's normalized finding. */
function inspectorFinding(
  finding: Finding,
  use: { inUseCount: number; lastInUse?: string } | undefined,
): Record<string, unknown> {
  const { resource } = finding;
  const fix = { yes: 'YES', no: 'NO', partial: 'PARTIAL' } as const;
  let wireResource: Record<string, unknown>;
  if (resource.type === 'AWS_ECR_CONTAINER_IMAGE') {
    wireResource = {
      type: resource.type,
      id: resource.id,
      partition: 'aws',
      region: resource.region,
      details: {
        awsEcrContainerImage: {
          repositoryName: resource.repository,
          imageHash: resource.imageDigest,
          imageTags: ['latest'],
          registry: resource.accountId,
          architecture: 'amd64',
          platform: 'DEBIAN_12',
          pushedAt: date(finding.firstSeen),
          ...(use !== undefined && {
            inUseCount: use.inUseCount,
            ...(use.lastInUse !== undefined && { lastInUseAt: date(use.lastInUse) }),
          }),
        },
      },
    };
  } else if (resource.type === 'AWS_EC2_INSTANCE') {
    // Inspector2 names an instance by its id.
    wireResource = {
      type: resource.type,
      id: tail(resource.id),
      partition: 'aws',
      region: resource.region,
      details: { awsEc2Instance: { type: 't3.medium', platform: 'AMAZON_LINUX_2023' } },
    };
  } else {
    wireResource = {
      type: resource.type,
      id: resource.id,
      partition: 'aws',
      region: resource.region,
      details: {
        awsLambdaFunction: {
          functionName: tail(resource.id),
          runtime: 'NODEJS_20_X',
          version: '$LATEST',
        },
      },
    };
  }
  return {
    findingArn: finding.sourceId,
    awsAccountId: resource.accountId,
    type: 'PACKAGE_VULNERABILITY',
    title: finding.title,
    description: finding.description,
    remediation: { recommendation: { text: 'Upgrade the package' } },
    severity: finding.severity,
    firstObservedAt: date(finding.firstSeen),
    lastObservedAt: date(finding.lastSeen),
    updatedAt: date(finding.lastSeen),
    status: 'ACTIVE',
    resources: [wireResource],
    packageVulnerabilityDetails: {
      vulnerabilityId: finding.id,
      source: 'NVD',
      sourceUrl: finding.url,
      vulnerablePackages: finding.packages.map((pkg) => ({
        name: pkg.name,
        version: pkg.installedVersion,
        fixedInVersion: pkg.fixedVersion ?? 'NotAvailable',
        packageManager: pkg.manager,
      })),
      referenceUrls: [],
      relatedVulnerabilities: finding.aliases ?? [],
    },
    fixAvailable: fix[finding.fixAvailable],
    exploitAvailable: finding.exploitAvailable ? 'YES' : 'NO',
    inspectorScore: finding.score,
    ...(finding.epss !== undefined && { epss: { score: finding.epss } }),
  };
}

const STANDARD_ID = 'standards/aws-foundational-security-best-practices/v/1.0.0';

/** A UUID-shaped id, stable for `seed` (finding ids must be identical on every run). */
function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const NORMALIZED: Record<string, number> = { LOW: 1, MEDIUM: 40, HIGH: 70, CRITICAL: 90 };

/**
 * One control finding as Security Hub writes it for AWS Foundational Security Best Practices
 * with consolidated control findings on (the default since 2023): product `aws/securityhub`,
 * GeneratorId `security-control/<id>`, Compliance.SecurityControlId and AssociatedStandards,
 * the Config rule behind it in ProductFields (`RelatedAWSResources:0/name` and `/type`), the
 * resource with its ASFF type, partition and region. ProductFields also keeps `ControlId`, as
 * the per-standard (legacy) findings carry it. No `Resources[].Tags`: control findings rarely
 * carry them. ~2 KB of JSON each (real ones often carry `Resources[].Details` on top).
 */
export function securityHubControlFinding(
  where: { accountId: string; region: string },
  control: EstateControl,
  resource: { arn: string; asffType: string },
  result: {
    id: string;
    status: 'FAILED' | 'PASSED';
    description: string;
    firstSeen: string;
    lastSeen: string;
  },
): Record<string, unknown> {
  const { accountId, region } = where;
  const productArn = `arn:aws:securityhub:${region}::product/aws/securityhub`;
  const severity = result.status === 'PASSED' ? 'INFORMATIONAL' : control.severity;
  return {
    SchemaVersion: '2018-10-08',
    Id: result.id,
    ProductArn: productArn,
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    Region: region,
    GeneratorId: `security-control/${control.id}`,
    AwsAccountId: accountId,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    FirstObservedAt: result.firstSeen,
    LastObservedAt: result.lastSeen,
    CreatedAt: result.firstSeen,
    UpdatedAt: result.lastSeen,
    Severity: {
      Label: severity,
      Normalized: NORMALIZED[severity] ?? 0,
      Original: control.severity,
    },
    Title: control.title,
    Description: result.description,
    Remediation: {
      Recommendation: {
        Text: 'For information on how to correct this issue, consult the AWS Security Hub controls documentation.',
        Url: `https://docs.aws.amazon.com/console/securityhub/${control.id}/remediation`,
      },
    },
    ProductFields: {
      'RelatedAWSResources:0/name': control.ruleName,
      'RelatedAWSResources:0/type': 'AWS::Config::ConfigRule',
      ControlId: control.id,
      'aws/securityhub/ProductName': 'Security Hub',
      'aws/securityhub/CompanyName': 'AWS',
      'Resources:0/Id': resource.arn,
      'aws/securityhub/FindingId': `${productArn}/${result.id}`,
    },
    Resources: [{ Type: resource.asffType, Id: resource.arn, Partition: 'aws', Region: region }],
    Compliance: {
      Status: result.status,
      SecurityControlId: control.id,
      AssociatedStandards: [{ StandardsId: STANDARD_ID }],
    },
    WorkflowState: 'NEW',
    Workflow: { Status: result.status === 'PASSED' ? 'RESOLVED' : 'NEW' },
    RecordState: 'ACTIVE',
    FindingProviderFields: {
      Severity: { Label: severity, Original: control.severity },
      Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    },
    ProcessedAt: result.lastSeen,
  };
}

let cached: Estate | undefined;

/**
 * The estate (built once per process, then shared; callers must not mutate it: the endpoint
 * copies the tags it writes to). 10,000 resources, 38,990 Inspector2 findings, 11,340 failing
 * Config results, and the same failures as Security Hub FAILED control findings beside PASSED
 * ones for every other resource of each control's type.
 */
export function benchEstate(): Estate {
  if (cached) return cached;
  const input = reportBenchInput({ ...REPORT_BENCH_SIZE, findings: FINDINGS_DRAWN });
  const { region } = input.collected;
  const accountId = input.collected.accountId ?? '123456789012';
  const resources: EstateResource[] = input.collected.assets.map((asset) => ({
    type: asset.type,
    arn: asset.arn,
    tags: { ...asset.tags },
    ...configIdentity(asset.type, asset.arn, region, accountId),
  }));
  const byArn = new Map(resources.map((resource) => [resource.arn, resource]));
  const findings: Record<string, unknown>[] = [];
  const rules = new Map<string, EstateRule>();
  const where = { accountId, region };
  /** Per control: its Config type, ASFF type, and its FAILED findings by resource ARN. */
  const controls = new Map<
    string,
    { control: EstateControl; type: string; asffType: string; failed: Map<string, unknown> }
  >();
  for (const item of input.collected.findings) {
    if (item.kind === 'cve') {
      findings.push(inspectorFinding(item.finding, item.use));
      continue;
    }
    const resource = byArn.get(item.finding.resource.id);
    if (resource === undefined) continue;
    const known = controlBySecurityHubId(item.finding.id);
    const name = known?.configRuleName ?? `securityhub-${item.finding.id.toLowerCase()}`;
    const rule = rules.get(name) ?? { name, type: resource.type, failing: new Set<string>() };
    rule.failing.add(resource.id);
    rules.set(name, rule);
    const id = item.finding.id;
    const entry = controls.get(id) ?? {
      control: {
        id,
        title: item.finding.title,
        severity: item.finding.severity,
        // Security Hub's own rules: `securityhub-<rule>-<8 hex>`.
        ruleName: `securityhub-${known?.configRuleName ?? id.toLowerCase().replace('.', '-')}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`,
      },
      type: resource.type,
      asffType: item.finding.resource.type,
      failed: new Map<string, unknown>(),
    };
    controls.set(id, entry);
    // One finding per (control, resource), as Security Hub keeps it: the first draw's id, so
    // yesterday's state (keyed by these ids) matches today's findings.
    if (entry.failed.has(resource.arn)) continue;
    entry.failed.set(
      resource.arn,
      securityHubControlFinding(
        where,
        entry.control,
        { arn: resource.arn, asffType: entry.asffType },
        {
          id: item.finding.sourceId,
          status: 'FAILED',
          description: item.finding.description ?? item.finding.title,
          firstSeen: item.finding.firstSeen ?? '2026-11-01T00:00:00.000Z',
          lastSeen: item.finding.lastSeen ?? '2026-11-22T05:00:00.000Z',
        },
      ),
    );
  }
  const byType = new Map<string, EstateResource[]>();
  for (const resource of resources) {
    const list = byType.get(resource.type) ?? [];
    list.push(resource);
    byType.set(resource.type, list);
  }
  const controlFindings: Record<string, unknown>[] = [];
  for (const { control, type, asffType, failed } of [...controls.values()].sort((a, b) =>
    a.control.id.localeCompare(b.control.id),
  )) {
    for (const resource of byType.get(type) ?? []) {
      const found = failed.get(resource.arn);
      if (found !== undefined) {
        controlFindings.push(found as Record<string, unknown>);
        continue;
      }
      controlFindings.push(
        securityHubControlFinding(
          where,
          control,
          { arn: resource.arn, asffType },
          {
            id: `arn:aws:securityhub:${region}:${accountId}:security-control/${control.id}/finding/${stableUuid(`${control.id}|${resource.arn}`)}`,
            status: 'PASSED',
            description: `This control checks whether the resource complies with: ${control.title.toLowerCase()}.`,
            firstSeen: '2026-06-01T08:00:00.000Z',
            lastSeen: '2026-11-22T04:12:00.000Z',
          },
        ),
      );
    }
  }
  const estate: Estate = {
    accountId,
    region,
    resources,
    findings,
    rules: [...rules.values()],
    controlFindings,
    controls: [...controls.values()].map(({ control }) => control),
    previous: input.previous,
    policyText: reportBenchPolicyText(),
  };
  cached = estate;
  return estate;
}
