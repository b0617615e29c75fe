/**
 * The scan gate on an image index (a multi-platform build with buildx's provenance attestation)
 * against moto's ECR and Inspector2, with ListCoverage from the loopback coverage server (moto
 * 5.2.1 has none). ECR and Inspector2 scan the platform manifests, never the index: the gate
 * decides on each and reports the worst. Manifests follow the OCI image-index / manifest specs.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand, PutImageCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { systemClock } from '../../actions/src/core/clock';
import type { Evidence } from '../../actions/src/core/evidence';
import { replay } from '../../actions/src/replay/replay';
import type { ImageVerdict, ScanContext } from '../../actions/src/scan-gate/evaluate';
import type { ScanGateInputs } from '../../actions/src/scan-gate/inputs';
import { scanGate, type ScanGateRun } from '../../actions/src/scan-gate/run';
import { startCoverageServer, type CoverageServer } from '../fixtures/inspector-coverage';
import { CLEAN, motoEndpoint, seedingEcr, VULNERABLE } from '../fixtures/moto-estate';
import {
  countsOf,
  enableEnhancedScanning,
  inspectorFinding,
  seedInspectorFindings,
  seedScanStatus,
  type SeedFinding,
} from '../fixtures/seed';

// This file's own moto region.
const REGION = 'eu-west-2';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const ATTESTATION_REASON = 'attestation manifest (provenance or SBOM), not a runnable image';

const sha256 = (text: string): string =>
  `sha256:${createHash('sha256').update(text).digest('hex')}`;

interface PushedIndex {
  index: string;
  amd: string;
  arm: string;
  attestation: string;
}

let coverage: CoverageServer;
const savedInspectorEndpoint = process.env.AWS_ENDPOINT_URL_INSPECTOR2;
let lines: string[] = [];

/** Pushes a manifest under a tag with the digest real ECR gives it: the sha256 of its bytes. */
async function push(
  ecr: ECRClient,
  repository: string,
  tag: string,
  manifest: object,
  mediaType: string,
): Promise<string> {
  const text = JSON.stringify(manifest);
  const digest = sha256(text);
  await ecr.send(
    new PutImageCommand({
      repositoryName: repository,
      imageTag: tag,
      imageManifest: text,
      imageManifestMediaType: mediaType,
      imageDigest: digest,
    }),
  );
  return digest;
}

function imageManifest(name: string, layerType: string): object {
  const blob = sha256(name);
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 1_000, digest: blob },
    layers: [{ mediaType: layerType, size: 2_000, digest: blob }],
  };
}

/**
 * A multi-platform push as buildx makes it: linux/amd64 and linux/arm64/v8 manifests, a
 * provenance attestation, and the OCI index under `tag`; each platform's scan settled in ECR
 * with `counts` (default: its findings' counts), and its findings queued in Inspector2.
 */
async function pushIndex(
  repository: string,
  tag: string,
  findings: { amd: SeedFinding[]; arm: SeedFinding[] },
  counts: { amd?: Record<string, number>; arm?: Record<string, number> } = {},
): Promise<PushedIndex> {
  const ecr = seedingEcr(REGION);
  try {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
    const gzip = 'application/vnd.oci.image.layer.v1.tar+gzip';
    const amd = await push(
      ecr,
      repository,
      `${tag}-amd64`,
      imageManifest(`${repository}/${tag}/amd64`, gzip),
      OCI_MANIFEST,
    );
    const arm = await push(
      ecr,
      repository,
      `${tag}-arm64`,
      imageManifest(`${repository}/${tag}/arm64`, gzip),
      OCI_MANIFEST,
    );
    const attestation = await push(
      ecr,
      repository,
      `${tag}-provenance`,
      imageManifest(`${repository}/${tag}/provenance`, 'application/vnd.in-toto+json'),
      OCI_MANIFEST,
    );
    const index = await push(
      ecr,
      repository,
      tag,
      {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: amd,
            size: 500,
            platform: { architecture: 'amd64', os: 'linux' },
          },
          {
            mediaType: OCI_MANIFEST,
            digest: arm,
            size: 500,
            platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
          },
          {
            mediaType: OCI_MANIFEST,
            digest: attestation,
            size: 500,
            annotations: {
              'vnd.docker.reference.digest': amd,
              'vnd.docker.reference.type': 'attestation-manifest',
            },
            platform: { architecture: 'unknown', os: 'unknown' },
          },
        ],
      },
      OCI_INDEX,
    );
    const platforms = [
      { digest: amd, tag: `${tag}-amd64`, findings: findings.amd, counts: counts.amd },
      { digest: arm, tag: `${tag}-arm64`, findings: findings.arm, counts: counts.arm },
    ];
    for (const platform of platforms) {
      await seedScanStatus(motoEndpoint(), ecr, { repository, ...platform }, REGION, {
        status: 'COMPLETE',
        counts: platform.counts ?? countsOf(platform.findings),
      });
    }
    // moto ignores the ListFindings filter and hands one queued answer to each distinct request
    // (one per platform digest): each answer holds both platforms' findings, and the gate's
    // client-side re-check keeps each platform's own.
    const all = platforms.flatMap((platform) =>
      platform.findings.map((finding, position) =>
        inspectorFinding(
          { repository, digest: platform.digest, region: REGION },
          finding,
          position,
        ),
      ),
    );
    await seedInspectorFindings(motoEndpoint(), REGION, [all, all]);
    return { index, amd, arm, attestation };
  } finally {
    ecr.destroy();
  }
}

function writePolicy(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ag-policy-')), 'assetguard.yml');
  writeFileSync(file, text);
  return file;
}

function gate(overrides: Partial<ScanGateInputs>): Promise<ScanGateRun> {
  return scanGate(
    {
      image: 'multi:1.0.0',
      policy: writePolicy('version: 1\n'),
      timeoutMs: 60_000,
      outputDir: mkdtempSync(join(tmpdir(), 'ag-index-')),
      region: REGION,
      ...overrides,
    },
    {
      clock: systemClock,
      log: (line) => lines.push(line),
      wait: { initialDelayMs: 1, settleDelayMs: 1 },
    },
  );
}

beforeAll(async () => {
  coverage = await startCoverageServer(motoEndpoint());
  process.env.AWS_ENDPOINT_URL_INSPECTOR2 = coverage.endpoint;
  const ecr = seedingEcr(REGION);
  try {
    await enableEnhancedScanning(ecr);
  } finally {
    ecr.destroy();
  }
});

afterAll(async () => {
  if (savedInspectorEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_INSPECTOR2;
  else process.env.AWS_ENDPOINT_URL_INSPECTOR2 = savedInspectorEndpoint;
  await coverage.close();
});

beforeEach(() => {
  lines = [];
  coverage.reset();
});

describe('scan gate on an image index (multi-platform push) against moto', () => {
  it('gates every platform manifest, blocks on the vulnerable one, skips the attestation, and replays', async () => {
    const pushed = await pushIndex('multi', '1.0.0', { amd: CLEAN, arm: VULNERABLE });

    const run = await gate({ image: 'multi:1.0.0' });

    const { verdict } = run;
    expect(verdict.verdict).toBe('block');
    expect(run.outcome.exitCode).toBe(1);
    expect(verdict.subject).toMatchObject({
      image: 'multi:1.0.0',
      repository: 'multi',
      digest: pushed.index,
      tag: '1.0.0',
      platforms: [
        { digest: pushed.amd, platform: 'linux/amd64', ecrCounts: { LOW: 1, total: 1 } },
        {
          digest: pushed.arm,
          platform: 'linux/arm64/v8',
          ecrCounts: { CRITICAL: 1, HIGH: 2, MEDIUM: 1, LOW: 1, total: 5 },
        },
      ],
      skipped: [
        { digest: pushed.attestation, platform: 'unknown/unknown', reason: ATTESTATION_REASON },
      ],
    });
    // Both platforms' ACTIVE findings are counted; only arm64's block, each naming its manifest.
    expect(verdict.counts).toMatchObject({ CRITICAL: 1, HIGH: 2, MEDIUM: 1, LOW: 2, total: 6 });
    expect(verdict.blocking.map((entry) => [entry.id, entry.resource, entry.reason])).toEqual([
      [
        'CVE-2024-6387',
        `multi@${pushed.arm}`,
        'CRITICAL is in image.fail-on (platform linux/arm64/v8)',
      ],
      [
        'CVE-2023-4911',
        `multi@${pushed.arm}`,
        'HIGH is in image.fail-on (platform linux/arm64/v8)',
      ],
      [
        'CVE-2024-2961',
        `multi@${pushed.arm}`,
        'HIGH is in image.fail-on (platform linux/arm64/v8)',
      ],
    ]);
    expect(run.outputs['image-digest']).toBe(pushed.index);
    expect(lines).toContainEqual(
      expect.stringContaining(
        `is multi@${pushed.index}, an image index (${OCI_INDEX}) of 2 platform manifest(s), each gated: linux/amd64 ${pushed.amd}, linux/arm64/v8 ${pushed.arm}; skipped 1 attestation manifest(s): ${pushed.attestation}`,
      ),
    );

    // The evidence keeps each platform's scan evidence and the skipped attestation.
    const evidence = JSON.parse(
      readFileSync(join(run.reportDir, 'evidence.json'), 'utf8'),
    ) as Evidence<'scan-gate', ImageVerdict, ScanContext>;
    expect(evidence.context.scan).toBeUndefined();
    expect(
      evidence.context.platforms?.map(({ digest, platform, scan }) => ({
        digest,
        platform,
        status: scan.status,
        coverage: scan.coverage.reason,
      })),
    ).toEqual([
      { digest: pushed.amd, platform: 'linux/amd64', status: 'COMPLETE', coverage: 'SUCCESSFUL' },
      {
        digest: pushed.arm,
        platform: 'linux/arm64/v8',
        status: 'COMPLETE',
        coverage: 'SUCCESSFUL',
      },
    ]);
    expect(evidence.context.skipped).toEqual([
      { digest: pushed.attestation, platform: 'unknown/unknown', reason: ATTESTATION_REASON },
    ]);
    expect(evidence.context.listFindingsCalls).toBe(2);

    const replayed = await replay(run.reportDir);
    expect(replayed.matches).toBe(true);
    expect(replayed.outcome.exitCode).toBe(1);
  });

  it('passes an index whose platforms are all clean', async () => {
    const pushed = await pushIndex('multi-clean', '2.0.0', { amd: CLEAN, arm: CLEAN });
    const run = await gate({ image: `multi-clean@${pushed.index}` });
    expect(run.verdict.verdict).toBe('pass');
    expect(run.verdict.counts).toMatchObject({ LOW: 2, total: 2 });
    expect(run.outcome.exitCode).toBe(0);
    expect((await replay(run.reportDir)).matches).toBe(true);
  });

  it('exits 2 when ECR counts blocking findings on one platform that Inspector2 does not list, even though another platform blocks', async () => {
    const pushed = await pushIndex(
      'multi-gap',
      '3.0.0',
      { amd: VULNERABLE, arm: [] },
      { arm: { CRITICAL: 2, HIGH: 3 } },
    );
    const run = await gate({ image: 'multi-gap:3.0.0' });
    expect(run.verdict.verdict).toBe('error');
    expect(run.outcome.exitCode).toBe(2);
    expect(run.verdict.error).toContain(
      `linux/arm64/v8 (multi-gap@${pushed.arm}): ECR counts CRITICAL 2, HIGH 3; Inspector2 listed CRITICAL 0, HIGH 0`,
    );
    // What the listing found is still reported.
    expect(run.verdict.blocking).toHaveLength(3);
    expect(run.outcome.message).toMatch(/^could not decide: ECR and Inspector2 disagree/);
  });
});
