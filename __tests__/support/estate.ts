import { ECRClient } from '@aws-sdk/client-ecr';
import {
  countsOf,
  enableEnhancedScanning,
  inspectorFinding,
  pushImage,
  seedInspectorFindings,
  seedScanStatus,
  type PushedImage,
  type SeedFinding,
} from '../../scripts/lib/seed';

export function motoEndpoint(): string {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (!endpoint) throw new Error('MOTO_ENDPOINT is not set: the jest global setup starts moto');
  return endpoint;
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

export const VULNERABLE: SeedFinding[] = [
  {
    cve: 'CVE-2024-6387',
    severity: 'CRITICAL',
    packageName: 'openssh-server',
    installed: '1:9.2p1-2',
    fixed: '1:9.2p1-2+deb12u3',
    epss: 0.92,
    exploit: true,
  },
  {
    cve: 'CVE-2023-4911',
    severity: 'HIGH',
    packageName: 'libc6',
    installed: '2.36-9',
    fixed: '2.36-9+deb12u3',
  },
  { cve: 'CVE-2024-2961', severity: 'HIGH', packageName: 'libc6', installed: '2.36-9' },
  {
    cve: 'CVE-2023-44487',
    severity: 'MEDIUM',
    packageName: 'nghttp2',
    installed: '1.52.0-1',
    fixed: '1.52.0-1+deb12u1',
  },
  { cve: 'CVE-2022-0563', severity: 'LOW', packageName: 'util-linux', installed: '2.38.1-5' },
  {
    cve: 'CVE-2021-0001',
    severity: 'HIGH',
    packageName: 'zlib1g',
    installed: '1.2.13',
    status: 'SUPPRESSED',
  },
];

export const CLEAN: SeedFinding[] = [
  { cve: 'CVE-2022-0563', severity: 'LOW', packageName: 'util-linux', installed: '2.38.1-5' },
];
