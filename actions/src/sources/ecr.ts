import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeImageScanFindingsCommand,
  GetRegistryScanningConfigurationCommand,
  ListTagsForResourceCommand,
  type ECRClient,
  type ImageDetail,
} from '@aws-sdk/client-ecr';
import type { Inspector2Client } from '@aws-sdk/client-inspector2';
import { ecrRepositoryArn } from '../core/arn';
import type { Clock } from '../core/clock';
import { formatDuration } from '../core/duration';
import { awsFailure, ConfigurationError, hasAwsCode, UndecidedError } from '../core/errors';
import { emptyCounts, SEVERITIES, type Severity, type SeverityCounts } from '../core/model';
import {
  coverageState,
  describeCoverage,
  readImageCoverage,
  type CoverageState,
  type ImageCoverage,
} from './coverage';
import { formatImage, isImageDigest, type ImageRef, type ResolvedImage } from './image-ref';
import type { Log } from '../core/log';
import { tagsFromAnswer } from '../core/tag-policy';

/** Manifest media types of an image index: ECR and Inspector2 scan the manifests it lists, never the index. */
export const IMAGE_INDEX_MEDIA_TYPES: readonly string[] = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

/** Manifest media types of one image (BatchGetImage's acceptedMediaTypes, less the index types). */
export const IMAGE_MANIFEST_MEDIA_TYPES: readonly string[] = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
];

/** Config media types of a container image; any other artifact media type is not an image Inspector2 scans. */
const IMAGE_CONFIG_MEDIA_TYPES: readonly string[] = [
  'application/vnd.docker.container.image.v1+json',
  'application/vnd.oci.image.config.v1+json',
];

/** What to push instead of an image index, in every message that refuses one. */
export const SINGLE_PLATFORM_ADVICE =
  'push a single-platform image (docker buildx build --platform linux/amd64 --provenance=false --sbom=false), ' +
  'or gate each platform manifest by its digest (repo@sha256:…)';

/** One entry of an image index (BatchGetImage of the index: `manifests[]`). */
export interface PlatformManifest {
  digest: string;
  mediaType?: string;
  /** `os/architecture[/variant]` from the entry's platform, when it declares one. */
  platform?: string;
  /**
   * True for buildx's attestation manifests (provenance, SBOM): platform unknown/unknown or the
   * `vnd.docker.reference.type: attestation-manifest` annotation. They hold no runnable image.
   */
  attestation: boolean;
}

/** What a reference names in ECR, and what the gate must decide on. */
export interface ImageTargets {
  /** The manifest the reference names (an image manifest, or an image index). */
  requested: ResolvedImage;
  /** DescribeImages' imageManifestMediaType of `requested`; undefined when ECR gives none. */
  mediaType?: string;
  /** The images to gate: `[requested]` for an image manifest, every platform manifest of an index. */
  images: ResolvedImage[];
  /** Index entries not gated (attestation manifests), with why. */
  skipped: { digest: string; platform?: string; reason: string }[];
}

/** Options of the one-shot ECR reads. */
export interface CallOptions {
  /** Aborts the call: the run's deadline (e.g. AbortSignal.timeout of the gate's --timeout). */
  signal?: AbortSignal;
}

/**
 * An SDK failure as the error to throw: when the caller's signal fired, the run's deadline passed
 * (UndecidedError, exit 2); otherwise `awsFailure`, which names the call and the permission.
 */
function callFailure(
  what: string,
  permission: string,
  error: unknown,
  options: CallOptions | undefined,
): Error {
  if (options?.signal?.aborted) {
    return new UndecidedError(`the run's deadline passed while trying to ${what} (${permission})`);
  }
  return awsFailure(what, permission, error);
}

interface DescribedImage {
  image: ResolvedImage;
  mediaType?: string;
  index: boolean;
}

/**
 * One DescribeImages call for the reference, checked: exactly one image detail with a sha256
 * digest (the one asked for, when the reference is a digest), not archived, and a manifest that is
 * an image or an image index (imageManifestMediaType; artifactMediaType must be an image config).
 */
async function describeImage(
  ecr: ECRClient,
  ref: ImageRef,
  region: string,
  options?: CallOptions,
): Promise<DescribedImage> {
  const imageId = ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag };
  let response;
  try {
    response = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: ref.repository,
        registryId: ref.registryId,
        imageIds: [imageId],
      }),
      { abortSignal: options?.signal },
    );
  } catch (error) {
    if (hasAwsCode(error, 'ImageNotFoundException')) {
      throw new ConfigurationError(
        `image: ${ref.text} was not found in ECR repository ${ref.repository} (${region}): push it first, or check the tag and the region`,
      );
    }
    if (hasAwsCode(error, 'RepositoryNotFoundException')) {
      throw new ConfigurationError(
        `image: ECR repository ${ref.repository} does not exist in ${region}${ref.registryId ? ` (registry ${ref.registryId})` : ''}: check the image reference and the region`,
      );
    }
    throw callFailure(`resolve ${ref.text} to a digest`, 'ecr:DescribeImages', error, options);
  }
  const details = response.imageDetails as unknown;
  if (!Array.isArray(details)) {
    throw new UndecidedError(
      `ecr:DescribeImages answered for ${ref.text} without imageDetails (an empty or malformed body); cannot gate an image it cannot name`,
    );
  }
  if (details.length !== 1) {
    throw new UndecidedError(
      details.length === 0
        ? `ecr:DescribeImages answered no image for ${ref.text}; cannot gate an image it cannot name`
        : `ecr:DescribeImages answered ${details.length} images for ${ref.text}; refusing to pick one`,
    );
  }
  const detail = details[0] as ImageDetail;
  const digest = detail.imageDigest;
  if (digest === undefined || !isImageDigest(digest)) {
    throw new UndecidedError(
      `ecr:DescribeImages answered for ${ref.text} without a sha256 digest (${JSON.stringify(digest ?? null)}); cannot gate an image it cannot name`,
    );
  }
  if (ref.digest && digest !== ref.digest) {
    throw new UndecidedError(
      `ECR answered digest ${digest} for ${ref.text}; refusing to gate a different image`,
    );
  }
  if (detail.imageStatus === 'ARCHIVED') {
    throw new UndecidedError(
      `${ref.text} (${digest}) is archived in ECR (imageStatus ARCHIVED): Inspector2 does not scan archived images; restore it from the archive, then gate it`,
    );
  }
  const mediaType = detail.imageManifestMediaType;
  const index = mediaType !== undefined && IMAGE_INDEX_MEDIA_TYPES.includes(mediaType);
  if (mediaType !== undefined && !index && !IMAGE_MANIFEST_MEDIA_TYPES.includes(mediaType)) {
    throw new UndecidedError(
      `${ref.text} (${digest}) has manifest media type ${mediaType}, which is neither an image manifest nor an image index: nothing for Inspector2 to scan`,
    );
  }
  const artifact = detail.artifactMediaType;
  if (!index && artifact !== undefined && !IMAGE_CONFIG_MEDIA_TYPES.includes(artifact)) {
    throw new UndecidedError(
      `${ref.text} (${digest}) is an artifact of type ${artifact}, not a container image: Inspector2 scans container images only`,
    );
  }
  const tag = ref.tag ?? detail.imageTags?.[0];
  const registryId = ref.registryId ?? detail.registryId;
  return {
    image: {
      repository: ref.repository,
      region,
      digest,
      ...(tag !== undefined && { tag }),
      ...(registryId !== undefined && { registryId }),
    },
    ...(mediaType !== undefined && { mediaType }),
    index,
  };
}

/**
 * Resolves a reference to the one image manifest it names, with one DescribeImages call; a digest
 * is looked up too (to check it exists and what it is). Returns `{ repository, digest, tag?,
 * registryId?, region }`.
 *
 * Errors: ConfigurationError for an unknown tag or repository; UndecidedError (exit 2, at once)
 * for an image index / manifest list (imageManifestMediaType: ECR scans only the platform
 * manifests, so waiting would only run into the timeout; the message says what to push instead,
 * and `resolveImageTargets` gates every platform instead), an archived image, a non-image
 * artifact, and a malformed answer (no imageDetails, no sha256 digest, another digest than asked);
 * UndecidedError too when `options.signal` (the run's deadline) aborts the call.
 */
export async function resolveImageDigest(
  ecr: ECRClient,
  ref: ImageRef,
  region: string,
  options?: CallOptions,
): Promise<ResolvedImage> {
  const described = await describeImage(ecr, ref, region, options);
  if (described.index) {
    throw new UndecidedError(
      `${ref.text} is an image index (${described.mediaType ?? 'multi-platform manifest list'}, ${described.image.digest}), ` +
        `which ECR and Inspector2 never scan: only the platform manifests it lists are scanned. ${capitalize(SINGLE_PLATFORM_ADVICE)}`,
    );
  }
  return described.image;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function platformOf(entry: Record<string, unknown>): string | undefined {
  const declared: unknown = entry.platform;
  if (typeof declared !== 'object' || declared === null) return undefined;
  const platform = declared as Record<string, unknown>;
  const parts = [platform.os, platform.architecture, platform.variant].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
  return parts.length > 0 ? parts.join('/') : undefined;
}

/**
 * The manifests an image index lists, read with one BatchGetImage call (acceptedMediaTypes: the
 * index and manifest types, so ECR returns the index JSON as pushed). Each entry gives its digest,
 * media type, platform (`linux/arm64/v8`) and whether it is an attestation manifest.
 *
 * Errors (exit 2): UndecidedError naming ecr:BatchGetImage when ECR reports a failure for the
 * index, answers no manifest or unparseable JSON, the JSON is not an index, lists no manifests, an
 * entry has no sha256 digest, or an entry is itself an index (nested indexes are refused);
 * AwsError naming the permission when the call fails; UndecidedError when `options.signal` aborts it.
 */
export async function platformManifests(
  ecr: ECRClient,
  index: ResolvedImage,
  options?: CallOptions,
): Promise<PlatformManifest[]> {
  const name = formatImage(index);
  let response;
  try {
    response = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: index.repository,
        registryId: index.registryId,
        imageIds: [{ imageDigest: index.digest }],
        acceptedMediaTypes: [...IMAGE_INDEX_MEDIA_TYPES, ...IMAGE_MANIFEST_MEDIA_TYPES],
      }),
      { abortSignal: options?.signal },
    );
  } catch (error) {
    throw callFailure(`read the image index ${name}`, 'ecr:BatchGetImage', error, options);
  }
  const malformed = (what: string): UndecidedError =>
    new UndecidedError(
      `ecr:BatchGetImage answered for the image index ${name} ${what}; refusing to guess its platforms`,
    );
  const failure = response.failures?.[0];
  if (failure) {
    throw new UndecidedError(
      `ecr:BatchGetImage could not read the image index ${name}: ${failure.failureCode ?? 'unknown failure'}${failure.failureReason ? ` (${failure.failureReason})` : ''}`,
    );
  }
  const images = response.images as unknown;
  if (!Array.isArray(images) || images.length !== 1) {
    throw malformed(
      Array.isArray(images)
        ? `${images.length} manifests`
        : 'no images (an empty or malformed body)',
    );
  }
  const image = images[0] as { imageManifest?: unknown; imageManifestMediaType?: unknown };
  if (typeof image.imageManifest !== 'string') throw malformed('no imageManifest');
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(image.imageManifest) as Record<string, unknown>;
  } catch {
    throw malformed('a manifest that is not JSON');
  }
  const mediaType = manifest.mediaType ?? image.imageManifestMediaType;
  if (typeof mediaType !== 'string' || !IMAGE_INDEX_MEDIA_TYPES.includes(mediaType)) {
    throw malformed(
      `a manifest of media type ${JSON.stringify(mediaType ?? null)}, not an image index`,
    );
  }
  const entries = manifest.manifests;
  if (!Array.isArray(entries) || entries.length === 0)
    throw malformed('an index that lists no manifests');
  return entries.map((raw: unknown, position): PlatformManifest => {
    const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if (typeof entry.digest !== 'string' || !isImageDigest(entry.digest)) {
      throw malformed(`an entry ${position + 1} without a sha256 digest`);
    }
    const entryType = typeof entry.mediaType === 'string' ? entry.mediaType : undefined;
    if (entryType !== undefined && IMAGE_INDEX_MEDIA_TYPES.includes(entryType)) {
      throw new UndecidedError(
        `the image index ${name} lists another index (${entry.digest}); nested indexes are not supported: ${SINGLE_PLATFORM_ADVICE}`,
      );
    }
    const platform = platformOf(entry);
    const annotations = entry.annotations as Record<string, unknown> | undefined;
    const attestation =
      platform === 'unknown/unknown' ||
      annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';
    return {
      digest: entry.digest,
      ...(entryType !== undefined && { mediaType: entryType }),
      ...(platform !== undefined && { platform }),
      attestation,
    };
  });
}

/**
 * Resolves a reference to the images the gate must decide on. For an image manifest that is the
 * image itself (one DescribeImages call, as `resolveImageDigest`). For an image index (OCI index or
 * Docker manifest list: multi-platform builds, and buildx's default provenance) it is every
 * platform manifest the index lists (one BatchGetImage call more), each a ResolvedImage with its
 * `platform` and the `index` it came from; attestation manifests are listed in `skipped`, not
 * gated. The gate's verdict over several images is the worst of theirs.
 *
 * Errors: as `resolveImageDigest` (except that an index is resolved, not refused) and
 * `platformManifests`; an index whose entries are all attestations is an UndecidedError.
 */
export async function resolveImageTargets(
  ecr: ECRClient,
  ref: ImageRef,
  region: string,
  options?: CallOptions,
): Promise<ImageTargets> {
  const described = await describeImage(ecr, ref, region, options);
  const { image: requested, mediaType } = described;
  const base = { requested, ...(mediaType !== undefined && { mediaType }) };
  if (!described.index) return { ...base, images: [requested], skipped: [] };
  const entries = await platformManifests(ecr, requested, options);
  const images: ResolvedImage[] = [];
  const skipped: ImageTargets['skipped'] = [];
  for (const entry of entries) {
    if (entry.attestation) {
      skipped.push({
        digest: entry.digest,
        ...(entry.platform !== undefined && { platform: entry.platform }),
        reason: 'attestation manifest (provenance or SBOM), not a runnable image',
      });
      continue;
    }
    images.push({
      repository: requested.repository,
      region: requested.region,
      digest: entry.digest,
      ...(requested.registryId !== undefined && { registryId: requested.registryId }),
      platform: entry.platform ?? 'unknown platform',
      index: {
        digest: requested.digest,
        ...(requested.tag !== undefined && { tag: requested.tag }),
      },
    });
  }
  if (images.length === 0) {
    throw new UndecidedError(
      `the image index ${ref.text} (${requested.digest}) lists only attestation manifests, no image to gate: ${SINGLE_PLATFORM_ADVICE}`,
    );
  }
  return { ...base, images, skipped };
}

/** The repository's tags, for classification-based thresholds (tags.classification). */
export async function repositoryTags(
  ecr: ECRClient,
  image: ResolvedImage,
): Promise<Record<string, string>> {
  if (!image.registryId) return {};
  const resourceArn = ecrRepositoryArn(image.region, image.registryId, image.repository);
  try {
    const response = await ecr.send(new ListTagsForResourceCommand({ resourceArn }));
    return tagsFromAnswer(response.tags, 'ecr:ListTagsForResource', 'tags');
  } catch (error) {
    throw awsFailure(
      `read the tags of repository ${image.repository}`,
      'ecr:ListTagsForResource',
      error,
    );
  }
}

/**
 * The gate reads Inspector2 findings, which exist only under enhanced scanning. With basic
 * scanning Inspector2 has nothing for the image and a naive gate would pass it: fail closed.
 * Another account's registry cannot be read here; for its images the Inspector2 coverage check in
 * `waitForImageScan` is the guard (no coverage record this account can see: exit 2).
 * Throws ConfigurationError under basic or no scanning, AwsError when the call fails, and
 * UndecidedError when `options.signal` (the run's deadline) aborts it.
 */
export async function assertEnhancedScanning(
  ecr: ECRClient,
  registryId?: string,
  options?: CallOptions,
): Promise<void> {
  return startEnhancedScanningCheck(ecr, options)(registryId);
}

/**
 * `assertEnhancedScanning` split in two so its request does not wait on anything: the call
 * (ecr:GetRegistryScanningConfiguration, which takes no argument) is sent at once, and the
 * returned function decides once the image's registry id is known (DescribeImages resolves it),
 * with the same errors. The call's own failure is held until the returned function is called,
 * so it never becomes an unhandled rejection and never overtakes an earlier error of the caller.
 */
export function startEnhancedScanningCheck(
  ecr: ECRClient,
  options?: CallOptions,
): (registryId?: string) => Promise<void> {
  const answer = ecr
    .send(new GetRegistryScanningConfigurationCommand({}), { abortSignal: options?.signal })
    .then(
      (response) => ({ response }),
      (error: unknown) => ({ error }),
    );
  return async (registryId) => {
    const settled = await answer;
    if ('error' in settled) {
      throw callFailure(
        'read the registry scanning configuration',
        'ecr:GetRegistryScanningConfiguration',
        settled.error,
        options,
      );
    }
    const { response } = settled;
    if (registryId && response.registryId && response.registryId !== registryId) return; // another account's registry: its config is not ours to read
    const scanType = response.scanningConfiguration?.scanType;
    if (scanType !== 'ENHANCED') {
      throw new ConfigurationError(
        `the ECR registry uses ${scanType ?? 'no'} scanning; the gate needs Amazon Inspector enhanced scanning ` +
          '(aws inspector2 enable --resource-types ECR, or infra/modules/ecr-scanning)',
      );
    }
  };
}

/** Terminal statuses that mean no verdict is possible, with what each means and what to do. */
const UNDECIDABLE: Record<string, string> = {
  FAILED: 'the scan failed',
  UNSUPPORTED_IMAGE:
    'Inspector cannot scan this image (unsupported OS or package manager, or not a container image): the gate cannot vouch for it; scan it another way or change the base image',
  SCAN_ELIGIBILITY_EXPIRED:
    "the image is older than the repository's continuous-scan duration and is no longer scanned: push it again or raise the scan duration in Inspector settings",
  FINDINGS_UNAVAILABLE:
    'Inspector has no findings for this image (for example it was deleted, or the findings were purged): push the image again to rescan it',
  LIMIT_EXCEEDED: 'the account exceeded its scan quota: retry later',
  IMAGE_ARCHIVED:
    'the image is archived in ECR and no longer scanned: restore it from the archive first',
};

/** ECR statuses that mean "not done yet". */
const WAITING = new Set(['IN_PROGRESS', 'PENDING', 'NOT_FOUND']);
/** ACTIVE is how continuous enhanced scanning says "done"; the SDK waiter never accepts it. */
const DONE = new Set(['COMPLETE', 'ACTIVE']);

/**
 * ECR's FindingSeverityCounts keys (FindingSeverity: INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL,
 * UNDEFINED) in the model's severities; UNDEFINED is basic scanning's name for untriaged, and
 * UNTRIAGED, Inspector2's, is accepted too.
 */
const ECR_SEVERITIES: Record<string, Severity> = {
  CRITICAL: 'CRITICAL',
  HIGH: 'HIGH',
  MEDIUM: 'MEDIUM',
  LOW: 'LOW',
  INFORMATIONAL: 'INFORMATIONAL',
  UNDEFINED: 'UNTRIAGED',
  UNTRIAGED: 'UNTRIAGED',
};

/** Default quiet window: findings have trailed ECR's COMPLETE by ~25 s (aws-sdk #289). */
export const DEFAULT_QUIET_WINDOW_MS = 60_000;

/** The AWS clients the scan wait reads: ECR for the scan status, Inspector2 for coverage. */
export interface ScanClients {
  ecr: ECRClient;
  inspector: Inspector2Client;
}

export interface ScanWaitOptions {
  /** The longest the wait may take, in ms, AWS calls included: past it, an UndecidedError. */
  timeoutMs: number;
  clock: Clock;
  log: Log;
  /** First backoff delay (ms) while ECR is not done; doubles up to maxDelayMs, with jitter. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Poll interval (ms) once ECR says done while Inspector2 has not scanned or listed the image. */
  settleDelayMs?: number;
  /**
   * How long (ms) after the latest scan time (ECR's imageScanCompletedAt, Inspector2's
   * lastScannedAt) the findings must have had to arrive before the wait settles. A scan that
   * completed longer ago than this settles at once, without waiting.
   */
  quietWindowMs?: number;
  random?: () => number;
  /** Aborts every AWS call (the run's own deadline); each call is also cut at this wait's deadline. */
  signal?: AbortSignal;
  /**
   * A check that runs beside the wait and must pass before the wait sleeps or settles (the scan
   * gate's registry scanning check): the first poll does not wait for it, but no verdict and no
   * sleep rest on a registry it would refuse. Its rejection is thrown as is.
   */
  ready?: Promise<unknown>;
}

/** The evidence the wait settled on, for evidence.json and the evaluator. */
export interface ScanEvidence {
  /** ECR's scan status: COMPLETE, or ACTIVE under continuous scanning. */
  status: string;
  /** ECR's description of the status, when it gave one. */
  description?: string;
  /**
   * ECR's per-severity counts as ECR gave them (UNDEFINED counted as UNTRIAGED), or undefined when
   * ECR gave none: "no counts" is not zero (aws-sdk #289), so nothing is filled in.
   */
  counts?: SeverityCounts;
  /** ECR imageScanCompletedAt (ISO 8601), when given. */
  completedAt?: string;
  /** ECR vulnerabilitySourceUpdatedAt (ISO 8601), when given. */
  vulnerabilitySourceUpdatedAt?: string;
  /** Inspector2's coverage record of the image (ListCoverage) when the wait settled. */
  coverage: ImageCoverage;
  /** The latest scan time the quiet window was measured from (ISO 8601). */
  quietSince: string;
  quietWindowMs: number;
  /** When the wait settled, by the run's clock (ISO 8601), and how long it took (ms). */
  settledAt: string;
  waitedMs: number;
  /** DescribeImageScanFindings calls. */
  polls: number;
  /** ListCoverage calls. */
  coverageCalls: number;
}

/** The former name of ScanEvidence, kept for the scan gate's ScanContext; prefer ScanEvidence. */
export type ScanStatus = ScanEvidence;

interface ScanRead {
  status: string;
  description?: string;
  counts?: SeverityCounts;
  completedAt?: Date;
  sourceUpdatedAt?: Date;
}

function scanMalformed(name: string, what: string): UndecidedError {
  return new UndecidedError(
    `ecr:DescribeImageScanFindings answered for ${name} ${what}; refusing to read a malformed answer`,
  );
}

/** ECR's counts as given; throws on a key outside FindingSeverity or a count that is not a whole number. */
function toCounts(raw: unknown, name: string): SeverityCounts | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null)
    throw scanMalformed(name, 'with unreadable findingSeverityCounts');
  const counts = emptyCounts();
  for (const [key, value] of Object.entries(raw)) {
    const severity = ECR_SEVERITIES[key];
    if (severity === undefined) {
      throw scanMalformed(
        name,
        `with a count for severity ${JSON.stringify(key)}, which is not one of ${Object.keys(ECR_SEVERITIES).join(', ')}`,
      );
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw scanMalformed(name, `with ${JSON.stringify(value)} ${key} findings`);
    }
    counts[severity] += value;
    counts.total += value;
  }
  return counts;
}

function timestamp(value: unknown, field: string, name: string): Date | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || isNaN(value.getTime())) {
    throw scanMalformed(name, `with an unreadable ${field}`);
  }
  return value;
}

/** One DescribeImageScanFindings call, checked: NOT_FOUND when ECR has no scan record yet. */
async function readScan(
  ecr: ECRClient,
  image: ResolvedImage,
  name: string,
  signal: AbortSignal,
): Promise<ScanRead> {
  let response;
  try {
    response = await ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: image.repository,
        registryId: image.registryId,
        imageId: { imageDigest: image.digest },
        // Only the status, times and counts are needed here; the findings come from Inspector2.
        maxResults: 1,
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    // Right after a push the scan record does not exist yet: that is waiting, not failure.
    if (hasAwsCode(error, 'ScanNotFoundException')) return { status: 'NOT_FOUND' };
    throw awsFailure(`read the scan status of ${name}`, 'ecr:DescribeImageScanFindings', error);
  }
  const about = response.imageId?.imageDigest;
  if (about !== undefined && about !== image.digest) {
    throw scanMalformed(name, `about another image (${about})`);
  }
  const status = response.imageScanStatus?.status as unknown;
  if (status === undefined) {
    throw scanMalformed(name, 'without imageScanStatus (an empty or malformed body)');
  }
  if (typeof status !== 'string') throw scanMalformed(name, 'with an unreadable scan status');
  const findings = response.imageScanFindings;
  const counts = toCounts(findings?.findingSeverityCounts, name);
  const completedAt = timestamp(findings?.imageScanCompletedAt, 'imageScanCompletedAt', name);
  const sourceUpdatedAt = timestamp(
    findings?.vulnerabilitySourceUpdatedAt,
    'vulnerabilitySourceUpdatedAt',
    name,
  );
  const description = response.imageScanStatus?.description;
  return {
    status,
    ...(description !== undefined && { description }),
    ...(counts !== undefined && { counts }),
    ...(completedAt !== undefined && { completedAt }),
    ...(sourceUpdatedAt !== undefined && { sourceUpdatedAt }),
  };
}

/** An abort signal for one AWS call: this wait's deadline, and the caller's own signal. */
function callSignal(deadline: number, clock: Clock, external?: AbortSignal): AbortSignal {
  const own = AbortSignal.timeout(Math.max(1, deadline - clock.now().getTime()));
  return external ? AbortSignal.any([own, external]) : own;
}

function describeCounts(counts: SeverityCounts | undefined): string {
  if (counts === undefined) return 'no severity counts';
  const parts = SEVERITIES.filter((severity) => counts[severity] > 0).map(
    (severity) => `${severity} ${counts[severity]}`,
  );
  return parts.length > 0 ? `counts ${parts.join(', ')}` : 'counts: none';
}

/**
 * Waits until the enhanced scan of one digest has settled, on evidence rather than on two equal
 * reads. A custom poller because the SDK's waitUntilImageScanComplete never accepts ACTIVE, the
 * normal "done" of continuous scanning. Each poll reads ECR DescribeImageScanFindings (status,
 * imageScanCompletedAt, findingSeverityCounts) and Inspector2 ListCoverage for the digest
 * (scanStatus code/reason, lastScannedAt), both sent at once (one round trip a poll; ECR's answer
 * is judged first, and the coverage read is aborted when it ends the wait). It settles when all
 * hold (and `options.ready`, when given, has resolved):
 *
 * - ECR says COMPLETE or ACTIVE;
 * - Inspector2 covers the image and has scanned it (SUCCESSFUL or SCAN_FREQUENCY_SCAN_ON_PUSH,
 *   with a lastScannedAt): ECR can say COMPLETE, without counts, while Inspector2 still lists
 *   nothing (aws-sdk #289), so ECR's word alone is not evidence and missing counts are not zero;
 * - `quietWindowMs` has passed since the latest of imageScanCompletedAt and lastScannedAt (the
 *   run's clock against AWS's timestamps). A scan that completed longer ago settles at once.
 *
 * Waits (backoff from initialDelayMs to maxDelayMs with jitter while ECR is not done; settleDelayMs
 * while Inspector2 has not scanned; exactly to the end of the quiet window otherwise) and logs
 * each state. Returns the evidence it settled on (ScanEvidence).
 *
 * Throws UndecidedError (exit 2): at once for ECR's FAILED, UNSUPPORTED_IMAGE,
 * SCAN_ELIGIBILITY_EXPIRED, FINDINGS_UNAVAILABLE, LIMIT_EXCEEDED, IMAGE_ARCHIVED and any status it
 * does not know, for a coverage reason that means Inspector2 will not scan the image (UNSUPPORTED_OS,
 * SCAN_FREQUENCY_MANUAL, ACCESS_DENIED, …), and for a malformed answer of either service; when ECR
 * has been done for `quietWindowMs` and Inspector2 still lists no coverage record for the image
 * (BASIC scanning, or another account's image this role cannot see: its findings are invisible
 * too); and at `timeoutMs`, AWS calls included (each call is aborted at the deadline). AwsError
 * when a call fails (the message names the permission: ecr:DescribeImageScanFindings,
 * inspector2:ListCoverage).
 */
export async function waitForImageScan(
  clients: ScanClients,
  image: ResolvedImage,
  options: ScanWaitOptions,
): Promise<ScanEvidence> {
  const { ecr, inspector } = clients;
  const { clock, log, timeoutMs } = options;
  const initialDelay = options.initialDelayMs ?? 5_000;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const settleDelay = options.settleDelayMs ?? 5_000;
  const quietWindow = options.quietWindowMs ?? DEFAULT_QUIET_WINDOW_MS;
  const random = options.random ?? Math.random;
  const started = clock.now().getTime();
  const deadline = started + timeoutMs;
  const name = formatImage(image);
  let attempt = 0;
  let polls = 0;
  let coverageCalls = 0;
  /** When this wait first saw ECR done (its clock), for a scan record without a completion time. */
  let firstDoneAt: number | undefined;
  let last = 'no answer yet';

  const timedOut = (): UndecidedError =>
    new UndecidedError(
      `timed out after ${formatDuration(timeoutMs)} waiting for the scan of ${name} (last seen: ${last}); ` +
        'raise the timeout input, or check that Inspector covers the repository (aws inspector2 list-coverage)',
    );
  const beforeDeadline = async <T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const signal = callSignal(deadline, clock, options.signal);
    try {
      return await call(signal);
    } catch (error) {
      if (signal.aborted) throw timedOut();
      throw error;
    }
  };

  for (;;) {
    // The two reads of a poll do not depend on each other: both are sent at once. ECR's answer
    // is judged first, as before; the coverage read is aborted when ECR's answer ends the wait.
    const coverageStop = new AbortController();
    const coverageRead = beforeDeadline((signal) =>
      readImageCoverage(inspector, image, {
        log,
        signal: AbortSignal.any([signal, coverageStop.signal]),
      }),
    );
    coverageRead.catch(() => undefined); // awaited below, or abandoned when ECR ends the wait
    let scan: ScanRead;
    try {
      scan = await beforeDeadline((signal) => readScan(ecr, image, name, signal));
    } catch (error) {
      coverageStop.abort();
      throw error;
    }
    polls += 1;
    const meaning = UNDECIDABLE[scan.status];
    if (meaning !== undefined) {
      coverageStop.abort();
      throw new UndecidedError(
        `scan of ${name} ended with status ${scan.status}: ${meaning}${scan.description ? ` (ECR: ${scan.description})` : ''}`,
      );
    }
    const done = DONE.has(scan.status);
    if (!done && !WAITING.has(scan.status)) {
      coverageStop.abort();
      throw new UndecidedError(
        `ecr:DescribeImageScanFindings answered status ${scan.status} for ${name}, which assetguard does not know; refusing to guess`,
      );
    }
    const now = clock.now().getTime();
    if (done) firstDoneAt ??= now;
    else firstDoneAt = undefined;

    const read = await coverageRead;
    coverageCalls += read.calls;
    const { coverage } = read;
    const state: CoverageState | undefined = coverage ? coverageState(coverage) : undefined;
    const ecrState = `ECR ${scan.status === 'NOT_FOUND' ? 'has no scan record' : scan.status}`;
    last = `${ecrState}; Inspector2 ${describeCoverage(coverage)}`;
    if (state?.state === 'unscannable') {
      throw new UndecidedError(`Inspector2 will not scan ${name}: ${state.why} (${last})`);
    }
    const elapsed = formatDuration(clock.now().getTime() - started);
    let delay: number;
    if (!done) {
      const why =
        scan.status === 'NOT_FOUND'
          ? 'no scan record yet (normal right after a push)'
          : scan.status;
      log(
        `waiting for the scan of ${name}: ${why}; Inspector2: ${state ? describeCoverage(coverage) : 'no coverage record yet'}, ${elapsed} elapsed`,
      );
      const ceiling = Math.min(maxDelay, initialDelay * 2 ** attempt);
      delay = Math.round(ceiling * (0.5 + random() * 0.5));
      attempt += 1;
    } else if (coverage === undefined || state === undefined) {
      // ECR is done, Inspector2 knows nothing of the image: give it the quiet window to appear.
      const since = scan.completedAt?.getTime() ?? firstDoneAt ?? now;
      const grace = since + quietWindow - now;
      if (grace <= 0) {
        throw new UndecidedError(
          `ECR reports the scan of ${name} ${scan.status}${scan.completedAt ? ` at ${scan.completedAt.toISOString()}` : ''}, ` +
            `but Inspector2 lists no coverage for it (${describeCounts(scan.counts)} in ECR): its findings are invisible to this account. ` +
            'The registry or repository uses BASIC scanning, or the image belongs to an account whose Inspector2 this role cannot read; ' +
            'enable enhanced scanning for it, or run the gate with a role of (or the Inspector2 delegated administrator over) the registry account',
        );
      }
      log(
        `scan ${scan.status} after ${elapsed}, but Inspector2 lists no coverage for ${name} yet; waiting up to ${formatDuration(grace)} for it`,
      );
      delay = Math.min(settleDelay, grace);
    } else if (state.state === 'waiting') {
      log(`scan ${scan.status} in ECR after ${elapsed}, but ${state.why}; waiting for Inspector2`);
      delay = settleDelay;
    } else {
      const completedAt = scan.completedAt?.getTime() ?? 0;
      const quietSince = Math.max(completedAt, state.lastScannedAt.getTime());
      const quietLeft = quietSince + quietWindow - now;
      if (quietLeft <= 0) {
        if (options.ready) await options.ready;
        log(
          `scan ${scan.status} (${describeCounts(scan.counts)}); Inspector2 scanned ${name} at ${state.lastScannedAt.toISOString()}, ` +
            `${formatDuration(now - quietSince)} ago: settled after ${elapsed}`,
        );
        return {
          status: scan.status,
          ...(scan.description !== undefined && { description: scan.description }),
          ...(scan.counts !== undefined && { counts: scan.counts }),
          ...(scan.completedAt !== undefined && { completedAt: scan.completedAt.toISOString() }),
          ...(scan.sourceUpdatedAt !== undefined && {
            vulnerabilitySourceUpdatedAt: scan.sourceUpdatedAt.toISOString(),
          }),
          coverage,
          quietSince: new Date(quietSince).toISOString(),
          quietWindowMs: quietWindow,
          settledAt: new Date(now).toISOString(),
          waitedMs: now - started,
          polls,
          coverageCalls,
        };
      }
      log(
        `scan ${scan.status} (${describeCounts(scan.counts)}); Inspector2 scanned ${name} at ${state.lastScannedAt.toISOString()}: ` +
          `waiting ${formatDuration(quietLeft)} more so findings have ${formatDuration(quietWindow)} to arrive`,
      );
      delay = quietLeft;
    }
    if (options.ready) await options.ready;
    const remaining = deadline - clock.now().getTime();
    if (remaining <= 0) throw timedOut();
    await clock.sleep(Math.min(delay, remaining));
  }
}
