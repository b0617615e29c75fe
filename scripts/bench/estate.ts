/**
 * The synthetic estate the tags-apply and daily-report bench sections run the built CLI against
 * (through scripts/bench/estate-endpoint): 10,000 resources over the tag policy's default
 * resource types with realistic tag coverage gaps, and 50,000 open findings on them (78% Inspector2
 * CVE findings on ECR images, EC2 instances and Lambda functions; 22% AWS Config NON_COMPLIANT
 * results), plus yesterday's report state. It is the daily-report bench's data
 * (scripts/lib/bench-report-data `reportBenchInput`, seeded, identical on every run) turned into
 * what AWS holds: Config identifiers (the id and name Config reports per type), tag sets,
 * Inspector2 findings in the SDK v3 ListFindings shape, Config rules with their failing and
 * passing resources.
 */
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
 * results = 50,330 open findings (the 50,000).
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

export interface Estate {
  accountId: string;
  region: string;
  resources: EstateResource[];
  /** Inspector2 findings, SDK v3 ListFindings shape (Dates allowed), all ACTIVE. */
  findings: Record<string, unknown>[];
  rules: EstateRule[];
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

let cached: Estate | undefined;

/**
 * The estate (built once per process, then shared; callers must not mutate it: the endpoint
 * copies the tags it writes to). 10,000 resources, 38,990 Inspector2 findings, 11,340 failing
 * Config results.
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
  for (const item of input.collected.findings) {
    if (item.kind === 'cve') {
      findings.push(inspectorFinding(item.finding, item.use));
      continue;
    }
    const resource = byArn.get(item.finding.resource.id);
    if (resource === undefined) continue;
    const control = controlBySecurityHubId(item.finding.id);
    const name = control?.configRuleName ?? `securityhub-${item.finding.id.toLowerCase()}`;
    const rule = rules.get(name) ?? { name, type: resource.type, failing: new Set<string>() };
    rule.failing.add(resource.id);
    rules.set(name, rule);
  }
  const estate: Estate = {
    accountId,
    region,
    resources,
    findings,
    rules: [...rules.values()],
    previous: input.previous,
    policyText: reportBenchPolicyText(),
  };
  cached = estate;
  return estate;
}
