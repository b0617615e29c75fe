import { ECRClient } from '@aws-sdk/client-ecr';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  countsOf,
  enableEnhancedScanning,
  inspectorFinding,
  pushImage,
  seedInspectorFindings,
  seedScanStatus,
  importControlFindings,
  type PushedImage,
  type SeedControlFinding,
  type SeedFinding,
} from '../../scripts/lib/seed';

export function motoEndpoint(): string {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (!endpoint) throw new Error('MOTO_ENDPOINT is not set: the jest global setup starts moto');
  return endpoint;
}

/** The environment a bundled action needs to reach this run's moto in one region. */
export function motoEnv(region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/**
 * Credentials of another moto account, through STS AssumeRole as a real cross-account setup
 * would get them. Some state in moto is account-wide rather than regional (S3 buckets, which
 * the Tagging API lists in every region), so files that tag buckets each take their own account.
 */
export async function isolatedAccount(accountId: string): Promise<TestCredentials> {
  const sts = new STSClient({ region: 'us-east-1', endpoint: motoEndpoint(), maxAttempts: 1 });
  try {
    const response = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/assetguard-tests`,
        RoleSessionName: 'assetguard-tests',
      }),
    );
    const { AccessKeyId, SecretAccessKey, SessionToken } = response.Credentials ?? {};
    if (!AccessKeyId || !SecretAccessKey || !SessionToken)
      throw new Error('moto returned no credentials');
    return {
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      sessionToken: SessionToken,
    };
  } finally {
    sts.destroy();
  }
}

/** The AWS_* variables for those credentials. */
export function credentialEnv(credentials: TestCredentials): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
  };
}

/** An ECR client for seeding. Each test file uses its own region: moto keeps state per region. */
export function seedingEcr(region: string): ECRClient {
  return new ECRClient({ region, endpoint: motoEndpoint(), maxAttempts: 1 });
}

export interface SeededImage extends PushedImage {
  findings: SeedFinding[];
}

/**
 * Pushes images with a settled scan status and queues `answers` ListFindings answers, each
 * holding every image's findings (moto ignores the filter; the gate re-checks by digest).
 */
export async function seedEstate(
  region: string,
  images: { repository: string; tag: string; status?: string; findings: SeedFinding[] }[],
  options: { enhanced?: boolean; answers?: number } = {},
): Promise<SeededImage[]> {
  const ecr = seedingEcr(region);
  if (options.enhanced ?? true) await enableEnhancedScanning(ecr);
  const seeded: SeededImage[] = [];
  for (const image of images) {
    const pushed = await pushImage(ecr, image.repository, image.tag);
    await seedScanStatus(motoEndpoint(), ecr, pushed, region, {
      status: image.status ?? 'COMPLETE',
      counts: countsOf(image.findings),
    });
    seeded.push({ ...pushed, findings: image.findings });
  }
  const all = seeded.flatMap((image) =>
    image.findings.map((finding, index) => inspectorFinding({ ...image, region }, finding, index)),
  );
  await seedInspectorFindings(
    motoEndpoint(),
    region,
    Array.from({ length: options.answers ?? seeded.length }, () => all),
  );
  return seeded;
}

/** Imports ASFF control findings into this run's moto Security Hub. */
export async function seedSecurityHub(
  region: string,
  findings: SeedControlFinding[],
): Promise<void> {
  await importControlFindings(motoEndpoint(), region, findings);
}

export { CLEAN, ESTATE_CONTROLS, VULNERABLE } from '../../scripts/lib/estate';
