/**
 * Deterministic synthetic data for `npm run bench`: normalized findings, the same findings in
 * the Inspector2 SDK shape, and a policy with 20 exceptions. Everything derives from a seeded
 * xorshift32 generator, so every run and every worker process sees identical inputs.
 */
import type { Finding as InspectorFinding } from '@aws-sdk/client-inspector2';
import type { AffectedPackage, Finding, Severity } from '../../actions/src/core/model';
import { loadedFromText, type LoadedPolicy } from '../../actions/src/core/policy';

export const BENCH_SEED = 20261122;
/** Fixed evaluation time, so exception expiry is the same on every run. */
export const BENCH_NOW = new Date('2026-11-22T12:00:00.000Z');
export const BENCH_ACCOUNT = '123456789012';
export const BENCH_IMAGE = {
  image: 'bench/app:1.0.0',
  repository: 'bench/app',
  digest: `sha256:${'5e'.repeat(32)}`,
  tag: '1.0.0',
  region: 'us-east-1',
};

/** xorshift32 (Marsaglia); returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4_294_967_296;
  };
}

function pick<T>(random: () => number, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [value, weight] of weighted) {
    roll -= weight;
    if (roll < 0) return value;
  }
  const last = weighted[weighted.length - 1];
  if (!last) throw new Error('pick from an empty list');
  return last[0];
}

/** Roughly what a Debian-based application image shows under Inspector2. */
const SEVERITY_MIX: readonly (readonly [Severity, number])[] = [
  ['CRITICAL', 3],
  ['HIGH', 17],
  ['MEDIUM', 40],
  ['LOW', 30],
  ['INFORMATIONAL', 5],
  ['UNTRIAGED', 5],
];
const FIX_MIX: readonly (readonly ['yes' | 'no' | 'partial', number])[] = [
  ['yes', 55],
  ['no', 35],
  ['partial', 10],
];
const SCORE: Record<Severity, number> = {
  CRITICAL: 9.1,
  HIGH: 7.2,
  MEDIUM: 5.0,
  LOW: 2.5,
  INFORMATIONAL: 0,
  UNTRIAGED: 0,
};
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
  'coreutils',
  'util-linux',
  'libgnutls30',
  'libkrb5-3',
  'libtiff6',
  'libpng16-16',
  'libjpeg62-turbo',
  'git',
  'openssh-client',
  'python3.11',
  'libpython3.11',
  'nghttp2',
  'libnghttp2-14',
  'tar',
  'gzip',
  'libgcrypt20',
  'libldap-2.5-0',
  'systemd',
  'libsystemd0',
  'express',
  'lodash',
  'jsonwebtoken',
  'axios',
  'semver',
  'requests',
  'urllib3',
  'jackson-databind',
  'log4j-core',
  'netty-codec-http',
];

/** One vulnerability id per pool slot; images repeat ids across packages (libc6, libc-bin). */
function vulnerabilityId(slot: number): string {
  return `CVE-${2016 + (slot % 10)}-${String(10_000 + slot)}`;
}

function version(random: () => number): string {
  const major = Math.floor(random() * 4);
  const minor = Math.floor(random() * 20);
  const patch = Math.floor(random() * 30);
  return `${major}.${minor}.${patch}-${1 + Math.floor(random() * 5)}`;
}

/**
 * `count` ACTIVE findings of BENCH_IMAGE. About 70% as many distinct vulnerability ids as
 * findings, 1-3 packages each, EPSS present on 90% and heavily skewed to small values.
 */
export function syntheticFindings(count: number, seed = BENCH_SEED): Finding[] {
  const random = seededRandom(seed);
  const slots = Math.max(1, Math.ceil(count * 0.7));
  const findings: Finding[] = [];
  for (let index = 0; index < count; index += 1) {
    const slot = Math.floor(random() * slots);
    const id = vulnerabilityId(slot);
    // Severity follows the id, so repeated ids agree, as they do in Inspector2.
    const severity = pick(seededRandom(slot * 2_654_435_761 + 1), SEVERITY_MIX);
    const fix = pick(random, FIX_MIX);
    const extra = random();
    const packageCount = fix === 'partial' ? 2 : extra < 0.03 ? 3 : extra < 0.15 ? 2 : 1;
    const packages: AffectedPackage[] = [];
    for (let p = 0; p < packageCount; p += 1) {
      const name = PACKAGES[Math.floor(random() * PACKAGES.length)] ?? 'unknown';
      const installed = version(random);
      const fixed = fix === 'yes' || (fix === 'partial' && p === 0);
      packages.push({
        name,
        installedVersion: installed,
        ...(fixed && { fixedVersion: `${installed}+deb12u${1 + Math.floor(random() * 9)}` }),
        manager: name.includes('-') || name.startsWith('lib') ? 'OS' : 'NPM',
      });
    }
    const epss = random() < 0.9 ? Math.round(random() ** 12 * 100_000) / 100_000 : undefined;
    const exploit = random() < 0.04;
    const first = Date.UTC(2026, 0, 1) + Math.floor(random() * 300) * 86_400_000;
    const firstPackage = packages[0]?.name ?? 'unknown';
    findings.push({
      id,
      ...(random() < 0.15 && { aliases: [`GHSA-${slot.toString(36).padStart(4, '0')}-bnch-0000`] }),
      sourceId: `arn:aws:inspector2:${BENCH_IMAGE.region}:${BENCH_ACCOUNT}:finding/${index.toString(16).padStart(32, '0')}`,
      source: 'inspector2',
      severity,
      status: 'ACTIVE',
      title: `${id} - ${firstPackage}`,
      description: `${firstPackage} is affected by ${id}.`,
      resource: {
        id: `arn:aws:ecr:${BENCH_IMAGE.region}:${BENCH_ACCOUNT}:repository/${BENCH_IMAGE.repository}/${BENCH_IMAGE.digest}`,
        type: 'AWS_ECR_CONTAINER_IMAGE',
        region: BENCH_IMAGE.region,
        accountId: BENCH_ACCOUNT,
        repository: BENCH_IMAGE.repository,
        imageDigest: BENCH_IMAGE.digest,
      },
      packages,
      fixAvailable: fix,
      exploitAvailable: exploit,
      ...(epss !== undefined && { epss }),
      score: Math.round((SCORE[severity] + random() * 0.8) * 10) / 10,
      url: `https://nvd.nist.gov/vuln/detail/${id}`,
      firstSeen: new Date(first).toISOString(),
      lastSeen: new Date(first + 86_400_000).toISOString(),
    });
  }
  return findings;
}

/** The same findings as ListFindings hands them to the SDK user (Dates, enum strings). */
export function toInspectorShape(finding: Finding): InspectorFinding {
  const fix = { yes: 'YES', no: 'NO', partial: 'PARTIAL' } as const;
  return {
    findingArn: finding.sourceId,
    awsAccountId: finding.resource.accountId,
    type: 'PACKAGE_VULNERABILITY',
    title: finding.title,
    description: finding.description,
    remediation: { recommendation: { text: 'Upgrade the package' } },
    severity: finding.severity,
    firstObservedAt: finding.firstSeen === undefined ? undefined : new Date(finding.firstSeen),
    lastObservedAt: finding.lastSeen === undefined ? undefined : new Date(finding.lastSeen),
    updatedAt: finding.lastSeen === undefined ? undefined : new Date(finding.lastSeen),
    status: 'ACTIVE',
    resources: [
      {
        type: 'AWS_ECR_CONTAINER_IMAGE',
        id: finding.resource.id,
        partition: 'aws',
        region: finding.resource.region,
        details: {
          awsEcrContainerImage: {
            repositoryName: finding.resource.repository,
            imageHash: finding.resource.imageDigest,
            imageTags: [BENCH_IMAGE.tag],
            registry: BENCH_ACCOUNT,
            architecture: 'amd64',
            platform: 'DEBIAN_12',
          },
        },
      },
    ],
    packageVulnerabilityDetails: {
      vulnerabilityId: finding.id,
      source: 'NVD',
      sourceUrl: finding.url,
      vulnerablePackages: finding.packages.map((pkg) => ({
        name: pkg.name,
        version: pkg.installedVersion,
        fixedInVersion: pkg.fixedVersion ?? 'NotAvailable',
        packageManager: pkg.manager === 'NPM' ? 'NPM' : 'OS',
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

/**
 * A policy with 20 exceptions against these findings: 12 valid ones on ids that block (some
 * scoped to the repository or a package, 2 scoped to another repository), 3 expired, 2 that
 * expire within the warning window and 3 stale ones on ids the image does not have.
 */
export function benchPolicyText(findings: readonly Finding[]): string {
  const blockingIds = [
    ...new Set(
      findings
        .filter((finding) => finding.severity === 'CRITICAL' || finding.severity === 'HIGH')
        .map((finding) => finding.id),
    ),
  ];
  const idAt = (n: number): string =>
    blockingIds.length > 0
      ? (blockingIds[(n * 7) % blockingIds.length] ?? 'CVE-2000-0001')
      : `CVE-2000-${String(n).padStart(4, '0')}`;
  const lines = [
    '# assetguard benchmark policy (generated)',
    'version: 1',
    'image:',
    '  fail-on: [CRITICAL, HIGH]',
    '  fixable-only: false',
    '  also-block:',
    '    epss-above: 0.5',
    '    exploit-available: true',
    'compliance:',
    '  fail-on: [CRITICAL]',
    'exceptions:',
  ];
  const add = (id: string, expires: string, scope?: string): void => {
    lines.push(`  - id: ${id}`);
    if (scope !== undefined) lines.push(`    scope: { ${scope} }`);
    lines.push(
      `    reason: benchmark exception for ${id}`,
      '    owner: platform-team',
      `    expires: "${expires}"`,
    );
  };
  for (let n = 0; n < 6; n += 1) add(idAt(n), '2027-06-30');
  for (let n = 6; n < 9; n += 1)
    add(idAt(n), '2027-03-31', `repository: ${BENCH_IMAGE.repository}`);
  add(idAt(9), '2027-03-31', 'package: libc6');
  for (let n = 10; n < 12; n += 1) add(idAt(n), '2027-03-31', 'repository: other/service');
  for (let n = 12; n < 15; n += 1) add(idAt(n), '2026-10-01');
  for (let n = 15; n < 17; n += 1) add(idAt(n), '2026-11-30');
  for (let n = 0; n < 3; n += 1) add(`CVE-1999-${String(9000 + n)}`, '2027-12-31');
  return `${lines.join('\n')}\n`;
}

export function benchPolicy(findings: readonly Finding[]): LoadedPolicy {
  return loadedFromText(benchPolicyText(findings), 'bench-policy.yml');
}

export const BENCH_SUBJECT = {
  image: BENCH_IMAGE.image,
  repository: BENCH_IMAGE.repository,
  digest: BENCH_IMAGE.digest,
  tag: BENCH_IMAGE.tag,
  region: BENCH_IMAGE.region,
};
