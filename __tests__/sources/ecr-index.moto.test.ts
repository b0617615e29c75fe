/**
 * Image indexes against moto's ECR: a multi-platform push (two platform manifests, a buildx
 * provenance attestation, and the OCI index or Docker manifest list that lists them), resolved
 * the way the gate resolves a tag. Manifests follow the OCI image-index / image-manifest specs.
 */
import { createHash } from 'node:crypto';
import { CreateRepositoryCommand, PutImageCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { UndecidedError } from '../../actions/src/core/errors';
import { resolveImageDigest, resolveImageTargets } from '../../actions/src/sources/ecr';
import { parseImageRef } from '../../actions/src/sources/image-ref';
import { seedingEcr } from '../fixtures/moto-estate';
import { ACCOUNT } from '../fixtures/seed';

// This file's own moto region.
const REGION = 'ap-southeast-1';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

const sha256 = (text: string): string =>
  `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** Pushes a manifest under a tag with the digest real ECR gives it: the sha256 of its bytes. */
async function push(
  ecr: ECRClient,
  tag: string,
  manifest: object,
  mediaType: string,
): Promise<string> {
  const text = JSON.stringify(manifest);
  const digest = sha256(text);
  await ecr.send(
    new PutImageCommand({
      repositoryName: 'multi',
      imageTag: tag,
      imageManifest: text,
      imageManifestMediaType: mediaType,
      imageDigest: digest,
    }),
  );
  return digest;
}

function imageManifest(name: string, mediaType: string, layerType: string): object {
  const blob = sha256(name);
  return {
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType:
        mediaType === OCI_MANIFEST
          ? 'application/vnd.oci.image.config.v1+json'
          : 'application/vnd.docker.container.image.v1+json',
      size: 1_000,
      digest: blob,
    },
    layers: [{ mediaType: layerType, size: 2_000, digest: blob }],
  };
}

let amd: string;
let arm: string;
let attestation: string;
let ociIndex: string;
let single: string;

beforeAll(async () => {
  const ecr = seedingEcr(REGION);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'multi' }));
  const gzip = 'application/vnd.oci.image.layer.v1.tar+gzip';
  amd = await push(ecr, 'amd64', imageManifest('amd64', OCI_MANIFEST, gzip), OCI_MANIFEST);
  arm = await push(ecr, 'arm64', imageManifest('arm64', OCI_MANIFEST, gzip), OCI_MANIFEST);
  attestation = await push(
    ecr,
    'provenance',
    imageManifest('provenance', OCI_MANIFEST, 'application/vnd.in-toto+json'),
    OCI_MANIFEST,
  );
  const entries = (entryType: string): object[] => [
    {
      mediaType: entryType,
      digest: amd,
      size: 500,
      platform: { architecture: 'amd64', os: 'linux' },
    },
    {
      mediaType: entryType,
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
  ];
  ociIndex = await push(
    ecr,
    '1.4.2',
    { schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries(OCI_MANIFEST) },
    OCI_INDEX,
  );
  await push(
    ecr,
    '1.4.2-docker',
    { schemaVersion: 2, mediaType: DOCKER_LIST, manifests: entries(DOCKER_MANIFEST) },
    DOCKER_LIST,
  );
  single = await push(
    ecr,
    'single',
    imageManifest('single', DOCKER_MANIFEST, 'application/vnd.docker.image.rootfs.diff.tar.gzip'),
    DOCKER_MANIFEST,
  );
  ecr.destroy();
});

describe('an image index in ECR (moto)', () => {
  it('resolveImageDigest refuses the tag of a multi-platform push at once, saying what to push instead', async () => {
    const ecr = seedingEcr(REGION);
    try {
      const resolving = resolveImageDigest(ecr, parseImageRef('multi:1.4.2'), REGION);
      await expect(resolving).rejects.toBeInstanceOf(UndecidedError);
      await expect(resolving).rejects.toThrow(
        `multi:1.4.2 is an image index (${OCI_INDEX}, ${ociIndex}), which ECR and Inspector2 never scan`,
      );
      await expect(resolving).rejects.toThrow('--provenance=false');
    } finally {
      ecr.destroy();
    }
  });

  it.each(['1.4.2', '1.4.2-docker'])(
    'resolveImageTargets gates each platform manifest of %s and skips the attestation',
    async (tag) => {
      const ecr = seedingEcr(REGION);
      try {
        const targets = await resolveImageTargets(ecr, parseImageRef(`multi:${tag}`), REGION);
        expect(targets.images.map(({ digest, platform }) => ({ digest, platform }))).toEqual([
          { digest: amd, platform: 'linux/amd64' },
          { digest: arm, platform: 'linux/arm64/v8' },
        ]);
        for (const image of targets.images) {
          expect(image).toMatchObject({
            repository: 'multi',
            region: REGION,
            registryId: ACCOUNT,
            index: { digest: targets.requested.digest, tag },
          });
        }
        expect(targets.skipped).toEqual([
          {
            digest: attestation,
            platform: 'unknown/unknown',
            reason: 'attestation manifest (provenance or SBOM), not a runnable image',
          },
        ]);
      } finally {
        ecr.destroy();
      }
    },
  );

  it('resolveImageTargets resolves a single-platform image to itself', async () => {
    const ecr = seedingEcr(REGION);
    try {
      const targets = await resolveImageTargets(ecr, parseImageRef('multi:single'), REGION);
      expect(targets).toEqual({
        requested: {
          repository: 'multi',
          region: REGION,
          digest: single,
          tag: 'single',
          registryId: ACCOUNT,
        },
        mediaType: DOCKER_MANIFEST,
        images: [targets.requested],
        skipped: [],
      });
    } finally {
      ecr.destroy();
    }
  });
});
