/**
 * Deterministic synthetic input for the daily report benchmark (`npm run bench`, section 4): what
 * collect would have read from AWS (`CollectedReport`) for an estate of 10,000 resources with
 * 50,000 ACTIVE findings, yesterday's `ReportState`, and the policy. Everything derives from the
 * seeded xorshift32 of bench-data, so every run and every worker process sees identical inputs.
 *
 * Shapes follow the sources: Inspector2 findings keyed by their finding ARN on ECR images (with
 * Inspector2's in-use data), EC2 instances and Lambda functions; Security Hub control results
 * keyed by their ASFF Id (the daily-report workflow's `compliance-source: securityhub`); assets as
 * the inventory gives them (CloudFormation types, tags, `{}` for never-tagged resources).
 */
import type { Asset, Finding, Severity } from '../../actions/src/core/model';
import { loadedFromText, type LoadedPolicy } from '../../actions/src/core/policy';
import {
  REPORT_STATE_SCHEMA,
  type CollectedReport,
  type FixedItem,
  type ImageUse,
  type OpenRecord,
  type ReportFinding,
  type ReportState,
  type RuleCompliance,
  type TrendPoint,
} from '../../actions/src/report/model';
import { seededRandom } from './bench-data';

/** The report's time: the daily cron's 06:00 UTC. Yesterday's run was 24 hours earlier. */
export const REPORT_BENCH_NOW = new Date('2026-11-22T06:00:00.000Z');
const DAY_MS = 86_400_000;
const PREVIOUS_AT = new Date(REPORT_BENCH_NOW.getTime() - DAY_MS);
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const SEED = 20261122;

/** The sizes the issue names, and how the estate is made up. */
export interface ReportBenchSize {
  resources: number;
  findings: number;
  images: number;
  rules: number;
  /** Findings open in yesterday's state that are not open today. */
  fixedToday: number;
  /** Findings open today that yesterday's state did not have. */
  newToday: number;
}

export const REPORT_BENCH_SIZE: ReportBenchSize = {
  resources: 10_000,
  findings: 50_000,
  images: 300,
  rules: 40,
  fixedToday: 1_500,
  newToday: 2_000,
};

/** The policy's resource types and their share of the estate (sum 1). */
const TYPE_MIX: readonly (readonly [string, number])[] = [
  ['AWS::EC2::Instance', 0.15],
  ['AWS::EC2::Volume', 0.2],
  ['AWS::EC2::SecurityGroup', 0.15],
  ['AWS::S3::Bucket', 0.08],
  ['AWS::RDS::DBInstance', 0.02],
  ['AWS::ElasticLoadBalancingV2::LoadBalancer', 0.015],
  ['AWS::Lambda::Function', 0.12],
  ['AWS::ECR::Repository', 0.01],
  ['AWS::DynamoDB::Table', 0.05],
  ['AWS::SNS::Topic', 0.06],
  ['AWS::SQS::Queue', 0.08],
  ['AWS::KMS::Key', 0.065],
];

const TEAMS = [
  'payments',
  'checkout',
  'search',
  'identity',
  'platform',
  'data',
  'ml',
  'mobile',
  'web',
  'growth',
  'billing',
  'support',
  'infra',
  'security',
  'analytics',
  'messaging',
  'catalog',
  'orders',
  'shipping',
  'inventory',
  'pricing',
  'reviews',
  'ads',
  'media',
];
const ENVIRONMENTS = ['prod', 'prod', 'staging', 'dev'];
const CLASSIFICATIONS = ['public', 'internal', 'internal', 'confidential', 'restricted'];

const CVE_SEVERITY_MIX: readonly (readonly [Severity, number])[] = [
  ['CRITICAL', 3],
  ['HIGH', 17],
  ['MEDIUM', 40],
  ['LOW', 30],
  ['INFORMATIONAL', 5],
  ['UNTRIAGED', 5],
];
const PACKAGES = [
  'libc6',
  'libssl3',
  'openssl',
  'zlib1g',
  'libxml2',
  'curl',
  'libcurl4',
  'libexpat1',
  'libsqlite3-0',
  'perl-base',
  'bash',
  'tar',
  'gnutls28',
  'krb5',
  'systemd',
  'python3.11',
  'nodejs',
  'golang.org/x/net',
  'github.com/opencontainers/runc',
  'org.apache.logging.log4j:log4j-core',
  'com.fasterxml.jackson.core:jackson-databind',
  'lodash',
  'express',
  'urllib3',
  'requests',
  'cryptography',
];

/** Security Hub controls and the resources (CloudFormation and ASFF type) each evaluates. */
const CONTROLS: readonly (readonly [string, Severity, string, string, string])[] = [
  [
    'EC2.2',
    'HIGH',
    'AWS::EC2::SecurityGroup',
    'AwsEc2SecurityGroup',
    'VPC default security groups should not allow inbound or outbound traffic',
  ],
  [
    'EC2.8',
    'HIGH',
    'AWS::EC2::Instance',
    'AwsEc2Instance',
    'EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)',
  ],
  [
    'EC2.9',
    'HIGH',
    'AWS::EC2::Instance',
    'AwsEc2Instance',
    'Amazon EC2 instances should not have a public IPv4 address',
  ],
  [
    'EC2.13',
    'HIGH',
    'AWS::EC2::SecurityGroup',
    'AwsEc2SecurityGroup',
    'Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22',
  ],
  [
    'EC2.18',
    'HIGH',
    'AWS::EC2::SecurityGroup',
    'AwsEc2SecurityGroup',
    'Security groups should only allow unrestricted incoming traffic for authorized ports',
  ],
  [
    'EC2.19',
    'CRITICAL',
    'AWS::EC2::SecurityGroup',
    'AwsEc2SecurityGroup',
    'Security groups should not allow unrestricted access to ports with high risk',
  ],
  [
    'EC2.3',
    'MEDIUM',
    'AWS::EC2::Volume',
    'AwsEc2Volume',
    'Attached Amazon EBS volumes should be encrypted at-rest',
  ],
  [
    'EC2.4',
    'MEDIUM',
    'AWS::EC2::Instance',
    'AwsEc2Instance',
    'Stopped EC2 instances should be removed after a specified time period',
  ],
  [
    'SSM.1',
    'MEDIUM',
    'AWS::EC2::Instance',
    'AwsEc2Instance',
    'Amazon EC2 instances should be managed by AWS Systems Manager',
  ],
  [
    'S3.1',
    'MEDIUM',
    'AWS::S3::Bucket',
    'AwsS3Bucket',
    'S3 general purpose buckets should have block public access settings enabled',
  ],
  [
    'S3.5',
    'MEDIUM',
    'AWS::S3::Bucket',
    'AwsS3Bucket',
    'S3 general purpose buckets should require requests to use SSL',
  ],
  [
    'S3.8',
    'HIGH',
    'AWS::S3::Bucket',
    'AwsS3Bucket',
    'S3 general purpose buckets should block public access',
  ],
  [
    'S3.9',
    'MEDIUM',
    'AWS::S3::Bucket',
    'AwsS3Bucket',
    'S3 general purpose buckets should have server access logging enabled',
  ],
  [
    'S3.14',
    'LOW',
    'AWS::S3::Bucket',
    'AwsS3Bucket',
    'S3 general purpose buckets should have versioning enabled',
  ],
  [
    'RDS.2',
    'CRITICAL',
    'AWS::RDS::DBInstance',
    'AwsRdsDbInstance',
    'RDS DB Instances should prohibit public access',
  ],
  [
    'RDS.3',
    'MEDIUM',
    'AWS::RDS::DBInstance',
    'AwsRdsDbInstance',
    'RDS DB instances should have encryption at-rest enabled',
  ],
  [
    'RDS.5',
    'MEDIUM',
    'AWS::RDS::DBInstance',
    'AwsRdsDbInstance',
    'RDS DB instances should be configured with multiple Availability Zones',
  ],
  [
    'RDS.6',
    'LOW',
    'AWS::RDS::DBInstance',
    'AwsRdsDbInstance',
    'Enhanced monitoring should be configured for RDS DB instances',
  ],
  [
    'RDS.8',
    'LOW',
    'AWS::RDS::DBInstance',
    'AwsRdsDbInstance',
    'RDS DB instances should have deletion protection enabled',
  ],
  [
    'ELB.1',
    'MEDIUM',
    'AWS::ElasticLoadBalancingV2::LoadBalancer',
    'AwsElbv2LoadBalancer',
    'Application Load Balancer should be configured to redirect all HTTP requests to HTTPS',
  ],
  [
    'ELB.5',
    'MEDIUM',
    'AWS::ElasticLoadBalancingV2::LoadBalancer',
    'AwsElbv2LoadBalancer',
    'Application and Classic Load Balancers logging should be enabled',
  ],
  [
    'ELB.6',
    'MEDIUM',
    'AWS::ElasticLoadBalancingV2::LoadBalancer',
    'AwsElbv2LoadBalancer',
    'Application, Gateway, and Network Load Balancers should have deletion protection enabled',
  ],
  [
    'Lambda.1',
    'CRITICAL',
    'AWS::Lambda::Function',
    'AwsLambdaFunction',
    'Lambda function policies should prohibit public access',
  ],
  [
    'Lambda.2',
    'MEDIUM',
    'AWS::Lambda::Function',
    'AwsLambdaFunction',
    'Lambda functions should use supported runtimes',
  ],
  [
    'Lambda.3',
    'LOW',
    'AWS::Lambda::Function',
    'AwsLambdaFunction',
    'Lambda functions should be in a VPC',
  ],
  [
    'Lambda.5',
    'MEDIUM',
    'AWS::Lambda::Function',
    'AwsLambdaFunction',
    'VPC Lambda functions should operate in multiple Availability Zones',
  ],
  [
    'ECR.1',
    'HIGH',
    'AWS::ECR::Repository',
    'AwsEcrRepository',
    'ECR private repositories should have image scanning configured',
  ],
  [
    'ECR.2',
    'MEDIUM',
    'AWS::ECR::Repository',
    'AwsEcrRepository',
    'ECR private repositories should have tag immutability configured',
  ],
  [
    'ECR.3',
    'MEDIUM',
    'AWS::ECR::Repository',
    'AwsEcrRepository',
    'ECR repositories should have at least one lifecycle policy configured',
  ],
  [
    'DynamoDB.1',
    'MEDIUM',
    'AWS::DynamoDB::Table',
    'AwsDynamoDbTable',
    'DynamoDB tables should automatically scale capacity with demand',
  ],
  [
    'DynamoDB.2',
    'MEDIUM',
    'AWS::DynamoDB::Table',
    'AwsDynamoDbTable',
    'DynamoDB tables should have point-in-time recovery enabled',
  ],
  [
    'DynamoDB.6',
    'MEDIUM',
    'AWS::DynamoDB::Table',
    'AwsDynamoDbTable',
    'DynamoDB tables should have deletion protection enabled',
  ],
  [
    'SNS.1',
    'MEDIUM',
    'AWS::SNS::Topic',
    'AwsSnsTopic',
    'SNS topics should be encrypted at-rest using AWS KMS',
  ],
  [
    'SNS.4',
    'CRITICAL',
    'AWS::SNS::Topic',
    'AwsSnsTopic',
    'SNS topic access policies should not allow public access',
  ],
  [
    'SQS.1',
    'MEDIUM',
    'AWS::SQS::Queue',
    'AwsSqsQueue',
    'Amazon SQS queues should be encrypted at rest',
  ],
  [
    'SQS.3',
    'CRITICAL',
    'AWS::SQS::Queue',
    'AwsSqsQueue',
    'SQS queue access policies should not allow public access',
  ],
  [
    'KMS.3',
    'CRITICAL',
    'AWS::KMS::Key',
    'AwsKmsKey',
    'AWS KMS keys should not be deleted unintentionally',
  ],
  ['KMS.4', 'MEDIUM', 'AWS::KMS::Key', 'AwsKmsKey', 'AWS KMS key rotation should be enabled'],
  ['KMS.5', 'CRITICAL', 'AWS::KMS::Key', 'AwsKmsKey', 'KMS keys should not be publicly accessible'],
  [
    'EC2.7',
    'MEDIUM',
    'AWS::EC2::Volume',
    'AwsEc2Volume',
    'EBS default encryption should be enabled',
  ],
];

/** The policy the benchmark evaluates with: the estate's tag policy, SLA, routing, exceptions. */
export function reportBenchPolicyText(): string {
  const recipients = TEAMS.slice(0, 12)
    .map((team) => `    ${team}: [${team}-oncall@example.com]`)
    .join('\n');
  return `version: 1
image:
  fail-on: [CRITICAL, HIGH]
compliance:
  fail-on: [CRITICAL, HIGH]
tags:
  required:
    Environment: { allowed: [prod, staging, dev], default: dev }
    Owner: { pattern: '^[^@]+@example\\.com$' }
    Team: {}
    DataClassification: { allowed: [public, internal, confidential, restricted], default: internal }
  classification:
    key: DataClassification
    levels:
      confidential: { image: { fail-on: [CRITICAL, HIGH] } }
      restricted: { image: { fail-on: [CRITICAL, HIGH, MEDIUM] } }
report:
  title: Estate daily security report
  sla-days: { CRITICAL: 15, HIGH: 30, MEDIUM: 90, LOW: 180, INFORMATIONAL: 365, UNTRIAGED: 90 }
  owner-tag: Owner
  route-by: Team
  recipients:
${recipients}
  top: 20
exceptions:
  - { id: CVE-2024-1001, scope: { repository: payments/api }, reason: not reachable, owner: sec@example.com, expires: 2026-12-31 }
  - { id: CVE-2024-1002, reason: vendor fix pending, owner: sec@example.com, expires: 2026-11-30 }
  - { id: CVE-2023-1003, reason: accepted risk, owner: sec@example.com, expires: 2026-11-25 }
  - { id: CVE-2023-1004, reason: compensating control, owner: sec@example.com, expires: 2026-10-01 }
  - { id: CVE-2022-1005, scope: { tags: { Environment: dev } }, reason: dev only, owner: platform@example.com, expires: 2027-03-31 }
  - { id: EC2.9, scope: { tags: { Team: web } }, reason: public web tier, owner: web-oncall@example.com, expires: 2027-01-31 }
  - { id: S3.9, reason: logging to the org trail instead, owner: sec@example.com, expires: 2026-12-01 }
  - { id: RDS.5, scope: { tags: { Environment: dev } }, reason: single-AZ in dev, owner: data-oncall@example.com, expires: 2027-06-30 }
  - { id: Lambda.3, reason: no VPC needed, owner: platform@example.com, expires: 2026-12-03 }
  - { id: KMS.4, scope: { resource: arn:aws:kms:${REGION}:${ACCOUNT}:key/not-in-the-estate }, reason: stale, owner: sec@example.com, expires: 2026-12-31 }
`;
}

export function reportBenchPolicy(): LoadedPolicy {
  return loadedFromText(reportBenchPolicyText(), 'bench/report-policy.yml');
}

/** Everything the benchmark feeds the report: collected today, yesterday's state, the policy. */
export interface ReportBenchInput {
  collected: CollectedReport;
  previous: ReportState;
  policy: LoadedPolicy;
  now: Date;
}

function pick<T>(random: () => number, values: readonly T[]): T {
  const value = values[Math.floor(random() * values.length)];
  if (value === undefined) throw new Error('pick from an empty list');
  return value;
}

function weighted<T>(random: () => number, mix: readonly (readonly [T, number])[]): T {
  const total = mix.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [value, weight] of mix) {
    roll -= weight;
    if (roll < 0) return value;
  }
  const last = mix[mix.length - 1];
  if (!last) throw new Error('weighted pick from an empty list');
  return last[0];
}

function hex(random: () => number, length: number): string {
  let text = '';
  while (text.length < length) {
    text += Math.floor(random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  }
  return text.slice(0, length);
}

function isoDaysAgo(days: number, random: () => number): string {
  return new Date(REPORT_BENCH_NOW.getTime() - days * DAY_MS - random() * DAY_MS).toISOString();
}

function arnOf(type: string, index: number, random: () => number, team: string): string {
  const prefix = `arn:aws`;
  const name = `${team}-${index}`;
  switch (type) {
    case 'AWS::EC2::Instance':
      return `${prefix}:ec2:${REGION}:${ACCOUNT}:instance/i-${hex(random, 17)}`;
    case 'AWS::EC2::Volume':
      return `${prefix}:ec2:${REGION}:${ACCOUNT}:volume/vol-${hex(random, 17)}`;
    case 'AWS::EC2::SecurityGroup':
      return `${prefix}:ec2:${REGION}:${ACCOUNT}:security-group/sg-${hex(random, 17)}`;
    case 'AWS::S3::Bucket':
      return `${prefix}:s3:::${name}-${hex(random, 8)}`;
    case 'AWS::RDS::DBInstance':
      return `${prefix}:rds:${REGION}:${ACCOUNT}:db:${name}`;
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
      return `${prefix}:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/${name}/${hex(random, 16)}`;
    case 'AWS::Lambda::Function':
      return `${prefix}:lambda:${REGION}:${ACCOUNT}:function:${name}`;
    case 'AWS::ECR::Repository':
      return `${prefix}:ecr:${REGION}:${ACCOUNT}:repository/${team}/svc-${index}`;
    case 'AWS::DynamoDB::Table':
      return `${prefix}:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
    case 'AWS::SNS::Topic':
      return `${prefix}:sns:${REGION}:${ACCOUNT}:${name}`;
    case 'AWS::SQS::Queue':
      return `${prefix}:sqs:${REGION}:${ACCOUNT}:${name}`;
    case 'AWS::KMS::Key':
      return `${prefix}:kms:${REGION}:${ACCOUNT}:key/${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`;
    default:
      throw new Error(`no ARN format for ${type}`);
  }
}

/**
 * The estate: `size.resources` assets over the policy's resource types. About 77% carry every
 * required tag, 20% miss one or two (most often Owner or DataClassification), 3% none at all.
 */
function buildAssets(random: () => number, size: ReportBenchSize): Asset[] {
  const assets: Asset[] = [];
  let index = 0;
  for (const [type, share] of TYPE_MIX) {
    const count =
      type === TYPE_MIX[TYPE_MIX.length - 1]?.[0]
        ? size.resources - assets.length
        : Math.round(size.resources * share);
    for (let i = 0; i < count; i += 1) {
      index += 1;
      const team = pick(random, TEAMS);
      const arn = arnOf(type, index, random, team);
      const roll = random();
      let tags: Record<string, string> = {};
      if (roll >= 0.03) {
        tags = {
          Environment: pick(random, ENVIRONMENTS),
          Owner: `${team}-team@example.com`,
          Team: team,
          DataClassification: pick(random, CLASSIFICATIONS),
          Name: `${team}-${type.split('::')[2]?.toLowerCase() ?? 'resource'}-${index}`,
          CostCenter: `cc-${1000 + TEAMS.indexOf(team)}`,
        };
        if (roll < 0.23) {
          // Missing some: the owner or the classification, sometimes the environment too.
          const drop = random();
          if (drop < 0.45) delete tags.Owner;
          else if (drop < 0.8) delete tags.DataClassification;
          else {
            delete tags.Environment;
            delete tags.Team;
          }
          if (random() < 0.15) tags.Environment = 'production';
        }
      }
      const classification = tags.DataClassification;
      assets.push({
        arn,
        type,
        tags,
        name: tags.Name ?? arn.split(/[:/]/).pop() ?? arn,
        accountId: ACCOUNT,
        region: REGION,
        ...(classification !== undefined && { classification }),
      });
    }
  }
  return assets;
}

interface ImageSpec {
  repository: string;
  digest: string;
  arn: string;
  tags: Record<string, string>;
  use: ImageUse;
}

function buildImages(random: () => number, size: ReportBenchSize, assets: Asset[]): ImageSpec[] {
  const repositories = assets.filter((asset) => asset.type === 'AWS::ECR::Repository');
  if (repositories.length === 0) throw new Error('the estate has no ECR repositories');
  const images: ImageSpec[] = [];
  for (let i = 0; i < size.images; i += 1) {
    const repository = repositories[i % repositories.length];
    if (!repository) throw new Error('no repository');
    const name = repository.arn.split(':repository/')[1] ?? 'unknown';
    const digest = `sha256:${hex(random, 64)}`;
    const running = random() < 0.45;
    images.push({
      repository: name,
      digest,
      arn: `${repository.arn}/${digest}`,
      tags: repository.tags,
      use: running
        ? { inUseCount: 1 + Math.floor(random() * 24), lastInUse: isoDaysAgo(0, random) }
        : { inUseCount: 0, lastInUse: isoDaysAgo(3 + Math.floor(random() * 60), random) },
    });
  }
  return images;
}

function cveId(random: () => number): string {
  // A few thousand distinct ids, with the exceptions' ids among them.
  const year = 2019 + Math.floor(random() * 7);
  return `CVE-${year}-${1000 + Math.floor(random() * 3000)}`;
}

/** Days a finding has been open: most are recent, a long tail is old (and overdue). */
function ageDays(random: () => number): number {
  return Math.floor(random() ** 2.2 * 400);
}

function cveFinding(random: () => number, resource: Finding['resource'], age: number): Finding {
  const id = cveId(random);
  const severity = weighted(random, CVE_SEVERITY_MIX);
  const pkg = pick(random, PACKAGES);
  const fix = random();
  const installed = `${1 + Math.floor(random() * 5)}.${Math.floor(random() * 20)}.${Math.floor(random() * 30)}`;
  const firstSeen = isoDaysAgo(age, random);
  return {
    id,
    sourceId: `arn:aws:inspector2:${REGION}:${ACCOUNT}:finding/${hex(random, 32)}`,
    source: 'inspector2',
    severity,
    status: 'ACTIVE',
    title: `${id} - ${pkg}`,
    description: `A flaw was found in ${pkg} where a crafted input can cause out-of-bounds memory access, which may allow a remote attacker to crash the process or execute code. Versions before the fixed release are affected.`,
    resource,
    packages: [
      {
        name: pkg,
        installedVersion: installed,
        ...(fix < 0.6 && { fixedVersion: `${installed}+fix1` }),
        manager: pkg.includes(':') ? 'JAR' : pkg.includes('/') ? 'GOMOD' : 'OS',
      },
    ],
    fixAvailable: fix < 0.55 ? 'yes' : fix < 0.6 ? 'partial' : 'no',
    exploitAvailable: random() < 0.04,
    epss: Math.round(random() ** 6 * 10_000) / 10_000,
    score: Math.round((2 + random() * 8) * 10) / 10,
    url: `https://nvd.nist.gov/vuln/detail/${id}`,
    firstSeen,
    lastSeen: isoDaysAgo(0, random),
  };
}

function ownerAndClass(
  tags: Record<string, string>,
): Pick<ReportFinding, 'owner' | 'classification'> {
  return {
    ...(tags.Owner !== undefined && { owner: tags.Owner }),
    ...(tags.DataClassification !== undefined && { classification: tags.DataClassification }),
  };
}

/**
 * Findings as collect returns them, joined to their owner: 70% CVE (60% of all on ECR images,
 * 7% on EC2 instances, 3% on Lambda functions), 30% CCE over the controls. `age` gives each its
 * days open; the caller decides which are new.
 */
function buildFindings(
  random: () => number,
  count: number,
  assets: readonly Asset[],
  images: readonly ImageSpec[],
): ReportFinding[] {
  const byType = new Map<string, Asset[]>();
  for (const asset of assets) {
    const list = byType.get(asset.type) ?? [];
    list.push(asset);
    byType.set(asset.type, list);
  }
  const ofType = (type: string): Asset[] => byType.get(type) ?? [];
  const findings: ReportFinding[] = [];
  for (let i = 0; i < count; i += 1) {
    const roll = random();
    const age = ageDays(random);
    if (roll < 0.7) {
      let resource: Finding['resource'];
      let tags: Record<string, string>;
      let use: ImageUse | undefined;
      if (roll < 0.6) {
        const image = pick(random, images);
        tags = image.tags;
        use = image.use;
        resource = {
          id: image.arn,
          type: 'AWS_ECR_CONTAINER_IMAGE',
          region: REGION,
          accountId: ACCOUNT,
          repository: image.repository,
          imageDigest: image.digest,
          tags,
        };
      } else {
        const lambda = roll >= 0.67;
        const asset = pick(random, ofType(lambda ? 'AWS::Lambda::Function' : 'AWS::EC2::Instance'));
        tags = asset.tags;
        resource = {
          id: asset.arn,
          type: lambda ? 'AWS_LAMBDA_FUNCTION' : 'AWS_EC2_INSTANCE',
          region: REGION,
          accountId: ACCOUNT,
          tags,
        };
      }
      const finding = cveFinding(random, resource, age);
      findings.push({
        key: `inspector2:${finding.sourceId}`,
        kind: 'cve',
        finding,
        ...ownerAndClass(tags),
        ...(use !== undefined && { use }),
      });
      continue;
    }
    const control = pick(random, CONTROLS);
    const [controlId, severity, cfnType, asffType, title] = control;
    const asset = pick(random, ofType(cfnType));
    const uuid = `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`;
    const sourceId = `arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/${controlId}/finding/${uuid}`;
    findings.push({
      key: `securityhub:${sourceId}`,
      kind: 'cce',
      finding: {
        id: controlId,
        sourceId,
        source: 'securityhub',
        severity,
        status: 'ACTIVE',
        title,
        description: `This control checks whether the resource complies with: ${title.toLowerCase()}.`,
        resource: {
          id: asset.arn,
          type: asffType,
          region: REGION,
          accountId: ACCOUNT,
          tags: asset.tags,
        },
        packages: [],
        fixAvailable: random() < 0.5 ? 'yes' : 'no',
        url: `https://docs.aws.amazon.com/console/securityhub/${controlId}/remediation`,
        firstSeen: isoDaysAgo(age, random),
        lastSeen: isoDaysAgo(0, random),
      },
      ...ownerAndClass(asset.tags),
    });
  }
  return findings;
}

function openRecordOf(item: ReportFinding): OpenRecord {
  const { finding } = item;
  return {
    kind: item.kind,
    id: finding.id,
    severity: finding.severity,
    resource: finding.resource.id,
    firstSeen: finding.firstSeen ?? PREVIOUS_AT.toISOString(),
    ...(finding.title !== '' && { title: finding.title }),
    ...(item.owner !== undefined && { owner: item.owner }),
  };
}

function severityCounts(random: () => number, total: number): Record<Severity, number> {
  const shares: Record<Severity, number> = {
    CRITICAL: 0.025,
    HIGH: 0.16,
    MEDIUM: 0.42,
    LOW: 0.3,
    INFORMATIONAL: 0.05,
    UNTRIAGED: 0.045,
  };
  const jitter = (): number => 0.95 + random() * 0.1;
  return Object.fromEntries(
    Object.entries(shares).map(([severity, share]) => [
      severity,
      Math.round(total * share * jitter()),
    ]),
  ) as Record<Severity, number>;
}

/** Fixes of the last 29 days as the state keeps them (for MTTR): 900-1,900 a day. */
function buildPastFixes(random: () => number, assets: readonly Asset[]): FixedItem[] {
  const fixes: FixedItem[] = [];
  for (let day = 29; day >= 1; day -= 1) {
    const fixedAt = new Date(REPORT_BENCH_NOW.getTime() - day * DAY_MS).toISOString();
    const count = 900 + Math.floor(random() * 1000);
    for (let i = 0; i < count; i += 1) {
      const asset = pick(random, assets);
      const cve = random() < 0.7;
      const daysToFix = Math.floor(random() ** 1.8 * 200);
      const id = cve ? cveId(random) : pick(random, CONTROLS)[0];
      fixes.push({
        key: cve
          ? `inspector2:arn:aws:inspector2:${REGION}:${ACCOUNT}:finding/${hex(random, 32)}`
          : `securityhub:arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/${id}/finding/${hex(random, 32)}`,
        kind: cve ? 'cve' : 'cce',
        id,
        title: cve ? `${id} - ${pick(random, PACKAGES)}` : id,
        severity: weighted(random, CVE_SEVERITY_MIX),
        resource: asset.arn,
        ...(asset.tags.Owner !== undefined && { owner: asset.tags.Owner }),
        firstSeen: new Date(Date.parse(fixedAt) - daysToFix * DAY_MS).toISOString(),
        fixedAt,
        daysToFix,
      });
    }
  }
  return fixes.sort((a, b) => (a.fixedAt < b.fixedAt ? -1 : a.fixedAt > b.fixedAt ? 1 : 0));
}

function buildTrend(random: () => number, openYesterday: number): TrendPoint[] {
  const trend: TrendPoint[] = [];
  for (let day = 29; day >= 1; day -= 1) {
    const total = Math.round(openYesterday * (1 + (day * 0.004 - 0.06) + random() * 0.01));
    trend.push({
      date: new Date(REPORT_BENCH_NOW.getTime() - day * DAY_MS).toISOString().slice(0, 10),
      open: severityCounts(random, total),
      new: 1_500 + Math.floor(random() * 900),
      fixed: 900 + Math.floor(random() * 1000),
      overdue: Math.round(total * (0.18 + random() * 0.02)),
      compliancePercent: Math.round((71 + random() * 4) * 10) / 10,
      tagCoveragePercent: Math.round((74 + day * 0.05 + random()) * 10) / 10,
    });
  }
  return trend;
}

/** Rules (controls) as collect sums them: failing from the findings, passing from the estate. */
function buildRules(
  findings: readonly ReportFinding[],
  assets: readonly Asset[],
): RuleCompliance[] {
  const failing = new Map<string, Set<string>>();
  for (const item of findings) {
    if (item.kind !== 'cce') continue;
    const set = failing.get(item.finding.id) ?? new Set<string>();
    set.add(item.finding.resource.id);
    failing.set(item.finding.id, set);
  }
  return CONTROLS.map(([controlId, severity, cfnType, , title]) => {
    const evaluated = assets.filter((asset) => asset.type === cfnType).length;
    const noncompliant = failing.get(controlId)?.size ?? 0;
    return {
      rule: controlId,
      title,
      severity,
      compliant: Math.max(0, evaluated - noncompliant),
      noncompliant,
    };
  });
}

/**
 * The benchmark's input at `size`: today's CollectedReport (every finding ACTIVE), yesterday's
 * state holding (findings - newToday) of today's plus `fixedToday` that are gone now, its
 * 29-day trend and fixes, and the policy.
 */
export function reportBenchInput(size: ReportBenchSize = REPORT_BENCH_SIZE): ReportBenchInput {
  const random = seededRandom(SEED);
  const assets = buildAssets(random, size);
  const images = buildImages(random, size, assets);
  const findings = buildFindings(random, size.findings, assets, images);
  // The last `newToday` are new: first seen since yesterday's run.
  for (const item of findings.slice(size.findings - size.newToday)) {
    item.finding.firstSeen = new Date(
      PREVIOUS_AT.getTime() + random() * (REPORT_BENCH_NOW.getTime() - PREVIOUS_AT.getTime()),
    ).toISOString();
  }
  const gone = buildFindings(random, size.fixedToday, assets, images);
  const open: Record<string, OpenRecord> = {};
  for (const item of [...findings.slice(0, size.findings - size.newToday), ...gone]) {
    open[item.key] = openRecordOf(item);
  }
  const collected: CollectedReport = {
    collectedAt: new Date(REPORT_BENCH_NOW.getTime() - 4 * 60_000).toISOString(),
    region: REGION,
    accountId: ACCOUNT,
    cceSource: 'securityhub',
    findings,
    rules: buildRules(findings, assets),
    assets,
    warnings: [],
    calls: {
      ListFindings: Math.ceil((size.findings * 0.7) / 100),
      GetFindings: Math.ceil((size.findings * 0.3) / 100) + 40,
      BatchGetSecurityControls: 4,
      GetEnabledStandards: 1,
      ListDiscoveredResources: Math.ceil(size.resources / 100),
      GetResources: Math.ceil(size.resources / 100),
      GetCallerIdentity: 1,
    },
  };
  const previous: ReportState = {
    schema: REPORT_STATE_SCHEMA,
    title: 'Estate daily security report',
    generatedAt: PREVIOUS_AT.toISOString(),
    open,
    fixed: buildPastFixes(random, assets),
    trend: buildTrend(random, Object.keys(open).length),
  };
  return { collected, previous, policy: reportBenchPolicy(), now: REPORT_BENCH_NOW };
}

// What the worker (bench-report-worker.ts) reports: here, so that scripts/bench.ts imports it
// without running the worker.

/** The phases after collection, in the order the command runs them. */
export const REPORT_PHASES = [
  'loadState',
  'evaluateReport',
  'reportVerdict',
  'renderReportMarkdown',
  'renderReportHtml',
  'reportJson',
  'findingsCsv',
  'evidenceJson',
  'writeReportFiles',
  'renderIssueBody',
  'renderDeltaComment',
  'slackReportMessage',
  'reportEmails',
  'saveState',
] as const;
export type ReportPhase = (typeof REPORT_PHASES)[number];

interface MemoryPoint {
  rss: number;
  heapUsed: number;
  /** Peak RSS so far (ru_maxrss): its growth shows which phase set the peak. */
  maxRss: number;
}

export interface ReportRunResult {
  resources: number;
  findings: number;
  open: number;
  new: number;
  fixed: number;
  overdue: number;
  excepted: number;
  emails: number;
  /** Building the synthetic input and writing yesterday's state (not part of the report's time). */
  buildMs: number;
  /** ms per phase after collection. */
  phasesMs: Record<ReportPhase, number>;
  /** Sum of the phases: the report's time after collection. */
  reportMs: number;
  /** From process start (performance.timeOrigin) to the end of the last phase: node, tsx, modules, build, report. */
  wallMs: number;
  /** Peak resident set size of the whole process (getrusage ru_maxrss), bytes. */
  maxRssBytes: number;
  /** RSS once the modules are loaded, before the input is built. */
  rssBaselineBytes: number;
  /** heapUsed at phase boundaries: the largest seen. */
  heapPeakBytes: number;
  /** Right after the input was built and after each phase, bytes. */
  memoryAfter: Record<'build' | ReportPhase, MemoryPoint>;
  /** Bytes of each file written (the report set and the state), and of the deliveries' texts. */
  fileBytes: Record<string, number>;
}
