/**
 * Seeds a moto server with what the scan gate reads: ECR images with a settled enhanced-scan
 * status and Inspector2 findings. Shared by the tests, the demo and the benchmarks, so all
 * three exercise the same wire shapes. Shapes follow the botocore service models.
 */
import { createHash } from 'node:crypto';
import {
  CreateRepositoryCommand,
  PutImageCommand,
  PutRegistryScanningConfigurationCommand,
  StartImageScanCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';

export const ACCOUNT = '123456789012';

export interface SeedFinding {
  cve: string;
  severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNTRIAGED';
  packageName: string;
  installed: string;
  /** Omit for "no fix yet" (Inspector2 says "NotAvailable"). */
  fixed?: string;
  epss?: number;
  exploit?: boolean;
  status?: 'ACTIVE' | 'SUPPRESSED' | 'CLOSED';
}

export interface PushedImage {
  repository: string;
  tag: string;
  digest: string;
}

/** The JSON an Inspector2 ListFindings response carries for one package vulnerability. */
export function inspectorFinding(
  image: { repository: string; digest: string; region: string; tag?: string },
  finding: SeedFinding,
  index = 0,
): Record<string, unknown> {
  const epoch = 1_767_225_600; // 2026-01-01T00:00:00Z, in the epoch seconds restJson uses
  const id = createHash('sha256')
    .update(`${image.digest}/${finding.cve}/${index}`)
    .digest('hex')
    .slice(0, 32);
  return {
    findingArn: `arn:aws:inspector2:${image.region}:${ACCOUNT}:finding/${id}`,
    awsAccountId: ACCOUNT,
    type: 'PACKAGE_VULNERABILITY',
    title: `${finding.cve} - ${finding.packageName}`,
    description: `${finding.packageName} ${finding.installed} is affected by ${finding.cve}.`,
    remediation: {
      recommendation: {
        text: finding.fixed
          ? `Upgrade ${finding.packageName} to ${finding.fixed}`
          : 'None Provided',
      },
    },
    severity: finding.severity,
    firstObservedAt: epoch,
    lastObservedAt: epoch + 3600,
    updatedAt: epoch + 3600,
    status: finding.status ?? 'ACTIVE',
    resources: [
      {
        type: 'AWS_ECR_CONTAINER_IMAGE',
        id: `arn:aws:ecr:${image.region}:${ACCOUNT}:repository/${image.repository}/${image.digest}`,
        partition: 'aws',
        region: image.region,
        details: {
          awsEcrContainerImage: {
            repositoryName: image.repository,
            imageHash: image.digest,
            imageTags: image.tag ? [image.tag] : [],
            registry: ACCOUNT,
            architecture: 'amd64',
            platform: 'DEBIAN_12',
            pushedAt: epoch,
          },
        },
      },
    ],
    packageVulnerabilityDetails: {
      vulnerabilityId: finding.cve,
      source: 'NVD',
      sourceUrl: `https://nvd.nist.gov/vuln/detail/${finding.cve}`,
      vulnerablePackages: [
        {
          name: finding.packageName,
          version: finding.installed,
          fixedInVersion: finding.fixed ?? 'NotAvailable',
          packageManager: 'OS',
        },
      ],
      referenceUrls: [],
      relatedVulnerabilities: [],
    },
    fixAvailable: finding.fixed ? 'YES' : 'NO',
    exploitAvailable: finding.exploit ? 'YES' : 'NO',
    inspectorScore: {
      CRITICAL: 9.8,
      HIGH: 7.5,
      MEDIUM: 5.3,
      LOW: 3.1,
      INFORMATIONAL: 0,
      UNTRIAGED: 0,
    }[finding.severity],
    ...(finding.epss !== undefined && { epss: { score: finding.epss } }),
  };
}

/** Pushes an image manifest; moto derives the digest from the layer digests. */
export async function pushImage(
  ecr: ECRClient,
  repository: string,
  tag: string,
): Promise<PushedImage> {
  try {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'RepositoryAlreadyExistsException') throw error;
  }
  const layer = `sha256:${createHash('sha256').update(`${repository}:${tag}`).digest('hex')}`;
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 1000,
      digest: layer,
    },
    layers: [
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 2000, digest: layer },
    ],
  };
  const response = await ecr.send(
    new PutImageCommand({
      repositoryName: repository,
      imageTag: tag,
      imageManifest: JSON.stringify(manifest),
    }),
  );
  const digest = response.image?.imageId?.imageDigest;
  if (!digest) throw new Error(`moto returned no digest for ${repository}:${tag}`);
  return { repository, tag, digest };
}

export async function enableEnhancedScanning(ecr: ECRClient): Promise<void> {
  await ecr.send(
    new PutRegistryScanningConfigurationCommand({
      scanType: 'ENHANCED',
      rules: [
        {
          scanFrequency: 'CONTINUOUS_SCAN',
          repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }],
        },
      ],
    }),
  );
}

async function post(endpoint: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${endpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`moto ${path}: HTTP ${response.status}`);
}

/**
 * Makes ECR report a settled enhanced scan for the image. moto only answers
 * DescribeImageScanFindings after StartImageScan, then serves the seeded response.
 */
export async function seedScanStatus(
  endpoint: string,
  ecr: ECRClient,
  image: PushedImage,
  region: string,
  scan: { status: string; counts: Record<string, number>; description?: string },
): Promise<void> {
  await ecr.send(
    new StartImageScanCommand({
      repositoryName: image.repository,
      imageId: { imageDigest: image.digest },
    }),
  );
  await post(endpoint, '/moto-api/static/ecr/scan-finding-results', {
    region,
    account_id: ACCOUNT,
    results: [
      {
        registryId: ACCOUNT,
        repositoryName: image.repository,
        imageId: { imageDigest: image.digest, imageTag: image.tag },
        imageScanStatus: { status: scan.status, description: scan.description ?? 'seeded' },
        imageScanFindings: {
          imageScanCompletedAt: 1_767_229_200,
          findingSeverityCounts: scan.counts,
          enhancedFindings: [],
        },
      },
    ],
  });
}

/**
 * Queues ListFindings answers. moto hands one queued list to each distinct request and ignores
 * the filter, so each list may hold findings of several images: the client re-check sorts them.
 */
export async function seedInspectorFindings(
  endpoint: string,
  region: string,
  answers: Record<string, unknown>[][],
): Promise<void> {
  await post(endpoint, '/moto-api/static/inspector2/findings-results', {
    region,
    account_id: ACCOUNT,
    results: answers,
  });
}

export function countsOf(findings: readonly SeedFinding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) {
    if ((finding.status ?? 'ACTIVE') === 'ACTIVE')
      counts[finding.severity] = (counts[finding.severity] ?? 0) + 1;
  }
  return counts;
}

export interface SeedControlFinding {
  controlId: string;
  /** Deployed Config rule name, carried in ProductFields as Security Hub does. */
  ruleName?: string;
  severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';
  resourceType: string;
  resourceId: string;
  tags?: Record<string, string>;
  status?: 'FAILED' | 'PASSED' | 'WARNING' | 'NOT_AVAILABLE';
  recordState?: 'ACTIVE' | 'ARCHIVED';
  workflow?: 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';
  title?: string;
}

/** An ASFF control finding as Security Hub's consolidated control findings carry it. */
export function securityHubFinding(
  region: string,
  finding: SeedControlFinding,
): Record<string, unknown> {
  const id = createHash('sha256')
    .update(`${finding.controlId}/${finding.resourceId}`)
    .digest('hex')
    .slice(0, 24);
  const at = '2026-11-01T00:00:00.000Z';
  return {
    SchemaVersion: '2018-10-08',
    Id: `arn:aws:securityhub:${region}:${ACCOUNT}:security-control/${finding.controlId}/finding/${id}`,
    ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
    GeneratorId: `security-control/${finding.controlId}`,
    AwsAccountId: ACCOUNT,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    FirstObservedAt: at,
    LastObservedAt: at,
    CreatedAt: at,
    UpdatedAt: at,
    Severity: { Label: finding.severity, Original: finding.severity },
    Title: finding.title ?? `${finding.controlId} control check`,
    Description: `This control checks ${finding.controlId}.`,
    Remediation: {
      Recommendation: {
        Text: 'For information on how to correct this issue, consult the AWS Security Hub controls documentation.',
        Url: `https://docs.aws.amazon.com/console/securityhub/${finding.controlId}/remediation`,
      },
    },
    ProductFields: {
      ...(finding.ruleName !== undefined && {
        'RelatedAWSResources:0/name': finding.ruleName,
        'RelatedAWSResources:0/type': 'AWS::Config::ConfigRule',
      }),
      'aws/securityhub/ProductName': 'Security Hub',
    },
    Resources: [
      {
        Type: finding.resourceType,
        Id: finding.resourceId,
        Partition: 'aws',
        Region: region,
        ...(finding.tags !== undefined && { Tags: finding.tags }),
      },
    ],
    Compliance: { Status: finding.status ?? 'FAILED', SecurityControlId: finding.controlId },
    WorkflowState: 'NEW',
    Workflow: { Status: finding.workflow ?? 'NEW' },
    RecordState: finding.recordState ?? 'ACTIVE',
  };
}

/** Imports ASFF control findings into moto's Security Hub, 100 per call as the API allows. */
export async function importControlFindings(
  endpoint: string,
  region: string,
  findings: SeedControlFinding[],
): Promise<void> {
  const client = new SecurityHubClient({ region, endpoint, maxAttempts: 1 });
  const documents = findings.map((finding) =>
    securityHubFinding(region, {
      ...finding,
      resourceId: finding.resourceId.replace('REGION', region),
    }),
  );
  try {
    for (let index = 0; index < documents.length; index += 100) {
      const response = await client.send(
        new BatchImportFindingsCommand({ Findings: documents.slice(index, index + 100) as never }),
      );
      if (response.FailedCount) throw new Error(`moto rejected ${response.FailedCount} finding(s)`);
    }
  } finally {
    client.destroy();
  }
}
