import {
  DescribeImagesCommand,
  DescribeImageScanFindingsCommand,
  GetRegistryScanningConfigurationCommand,
  ListTagsForResourceCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { ecrRepositoryArn } from '../core/arn';
import type { Clock } from '../core/clock';
import { formatDuration } from '../core/duration';
import { awsFailure, ConfigurationError, hasAwsCode, UndecidedError } from '../core/errors';
import { emptyCounts, isSeverity, type SeverityCounts } from '../core/model';
import { formatImage, type ImageRef, type ResolvedImage } from './image-ref';
import type { Log } from '../core/log';
import { tagsFromPairs } from '../core/tag-policy';

/** Resolves a tag to its digest with one DescribeImages call; digests pass through unchanged. */
export async function resolveImageDigest(
  ecr: ECRClient,
  ref: ImageRef,
  region: string,
): Promise<ResolvedImage> {
  const base = {
    repository: ref.repository,
    region,
    ...(ref.registryId !== undefined && { registryId: ref.registryId }),
  };
  const imageId = ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag };
  let response;
  try {
    response = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: ref.repository,
        registryId: ref.registryId,
        imageIds: [imageId],
      }),
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
    throw awsFailure(`resolve ${ref.text} to a digest`, 'ecr:DescribeImages', error);
  }
  const detail = response.imageDetails?.[0];
  const digest = detail?.imageDigest;
  if (!digest) {
    throw new UndecidedError(
      `ECR returned no digest for ${ref.text}; cannot gate an image it cannot name`,
    );
  }
  if (ref.digest && digest !== ref.digest) {
    throw new UndecidedError(
      `ECR answered digest ${digest} for ${ref.text}; refusing to gate a different image`,
    );
  }
  const tag = ref.tag ?? detail.imageTags?.[0];
  const registryId = ref.registryId ?? detail.registryId;
  return {
    ...base,
    digest,
    ...(tag !== undefined && { tag }),
    ...(registryId !== undefined && { registryId }),
  };
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
    return tagsFromPairs(response.tags);
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
 */
export async function assertEnhancedScanning(ecr: ECRClient, registryId?: string): Promise<void> {
  let scanType: string | undefined;
  try {
    const response = await ecr.send(new GetRegistryScanningConfigurationCommand({}));
    if (registryId && response.registryId && response.registryId !== registryId) return; // another account's registry: its config is not ours to read
    scanType = response.scanningConfiguration?.scanType;
  } catch (error) {
    throw awsFailure(
      'read the registry scanning configuration',
      'ecr:GetRegistryScanningConfiguration',
      error,
    );
  }
  if (scanType !== 'ENHANCED') {
    throw new ConfigurationError(
      `the ECR registry uses ${scanType ?? 'no'} scanning; the gate needs Amazon Inspector enhanced scanning ` +
        '(aws inspector2 enable --resource-types ECR, or infra/modules/ecr-scanning)',
    );
  }
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
};

/** ECR statuses that mean "not done yet". */
const WAITING = new Set(['IN_PROGRESS', 'PENDING', 'NOT_FOUND']);
/** ACTIVE is how continuous enhanced scanning says "done"; the SDK waiter never accepts it. */
const DONE = new Set(['COMPLETE', 'ACTIVE']);

export interface ScanWaitOptions {
  timeoutMs: number;
  clock: Clock;
  log: Log;
  /** First backoff delay; doubles up to maxDelayMs, with jitter. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Wait between the two reads that confirm the finding counts have settled. */
  settleDelayMs?: number;
  random?: () => number;
}

export interface ScanStatus {
  status: string;
  /** ECR's per-severity counts for the image when the scan settled. */
  counts: SeverityCounts;
  completedAt?: string;
  polls: number;
}

function toCounts(raw: Record<string, number> | undefined): SeverityCounts {
  const counts = emptyCounts();
  for (const [severity, count] of Object.entries(raw ?? {})) {
    if (isSeverity(severity)) {
      counts[severity] += count;
      counts.total += count;
    }
  }
  return counts;
}

function sameCounts(a: SeverityCounts, b: SeverityCounts): boolean {
  return (Object.keys(a) as (keyof SeverityCounts)[]).every((key) => a[key] === b[key]);
}

/**
 * Waits for the enhanced scan of one digest. A custom poller because the SDK's
 * waitUntilImageScanComplete never accepts ACTIVE, the normal "done" of continuous scanning.
 * After COMPLETE/ACTIVE the findings can still be arriving (aws-sdk-js-v3 #289-style lag), so the
 * cheap ECR severity counts must read the same twice before the full Inspector2 listing.
 */
export async function waitForImageScan(
  ecr: ECRClient,
  image: ResolvedImage,
  options: ScanWaitOptions,
): Promise<ScanStatus> {
  const { clock, log, timeoutMs } = options;
  const initialDelay = options.initialDelayMs ?? 5_000;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const settleDelay = options.settleDelayMs ?? 5_000;
  const random = options.random ?? Math.random;
  const started = clock.now().getTime();
  const deadline = started + timeoutMs;
  const name = formatImage(image);
  let previous: SeverityCounts | undefined;
  let attempt = 0;
  let polls = 0;

  for (;;) {
    polls += 1;
    let status: string;
    let counts: SeverityCounts | undefined;
    let completedAt: string | undefined;
    let description: string | undefined;
    try {
      const response = await ecr.send(
        new DescribeImageScanFindingsCommand({
          repositoryName: image.repository,
          registryId: image.registryId,
          imageId: { imageDigest: image.digest },
          // Only the status and the severity counts are needed here; the findings come from Inspector2.
          maxResults: 1,
        }),
      );
      status = response.imageScanStatus?.status ?? 'UNKNOWN';
      description = response.imageScanStatus?.description;
      counts = toCounts(response.imageScanFindings?.findingSeverityCounts);
      completedAt = response.imageScanFindings?.imageScanCompletedAt?.toISOString();
    } catch (error) {
      // Right after a push the scan record does not exist yet: that is waiting, not failure.
      if (!hasAwsCode(error, 'ScanNotFoundException')) {
        throw awsFailure(`read the scan status of ${name}`, 'ecr:DescribeImageScanFindings', error);
      }
      status = 'NOT_FOUND';
    }
    const elapsed = formatDuration(clock.now().getTime() - started);
    const meaning = UNDECIDABLE[status];
    if (meaning !== undefined) {
      throw new UndecidedError(
        `scan of ${name} ended with status ${status}: ${meaning}${description ? ` (ECR: ${description})` : ''}`,
      );
    }
    let delay: number;
    if (DONE.has(status) && counts) {
      if (previous && sameCounts(previous, counts)) {
        log(`scan ${status} after ${elapsed}: ${counts.total} findings, stable across two reads`);
        return { status, counts, polls, ...(completedAt !== undefined && { completedAt }) };
      }
      log(
        `scan ${status} after ${elapsed}: ${counts.total} findings${previous ? ' (changed since the last read)' : ''}; confirming the count has settled`,
      );
      previous = counts;
      delay = settleDelay;
    } else if (WAITING.has(status)) {
      previous = undefined;
      const why =
        status === 'NOT_FOUND' ? 'no scan record yet (normal right after a push)' : status;
      log(`waiting for the scan of ${name}: ${why}, ${elapsed} elapsed`);
      const ceiling = Math.min(maxDelay, initialDelay * 2 ** attempt);
      delay = Math.round(ceiling * (0.5 + random() * 0.5));
      attempt += 1;
    } else {
      throw new UndecidedError(
        `scan of ${name} has status ${status}, which assetguard does not know; refusing to guess`,
      );
    }
    const remaining = deadline - clock.now().getTime();
    if (remaining <= 0) {
      throw new UndecidedError(
        `timed out after ${formatDuration(timeoutMs)} waiting for the scan of ${name} (last status: ${status}); ` +
          'raise the timeout input, or check that Inspector covers the repository (aws inspector2 list-coverage)',
      );
    }
    await clock.sleep(Math.min(delay, remaining));
  }
}
