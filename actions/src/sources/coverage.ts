// Types only: the package is loaded by import() where it is called (core/aws `lazyClient`).
import type {
  CoverageFilterCriteria,
  CoveredResource,
  Inspector2Client,
} from '@aws-sdk/client-inspector2';
import { awsFailure, UndecidedError } from '../core/errors';
import type { Log } from '../core/log';
import { formatImage, type ResolvedImage } from './image-ref';
import { readAllPages } from './paging';

/** ListCoverage's largest page (the inspector2 service model: ListCoverageMaxResults 1–200). */
export const COVERAGE_PAGE_SIZE = 200;
/** 50 pages of 200: a repository of 10,000 images. A server that keeps going is refused. */
export const DEFAULT_COVERAGE_PAGE_CAP = 50;

/** Inspector2's coverage record of one ECR image, as ListCoverage gave it. */
export interface ImageCoverage {
  /** The image's resource id (`arn:aws:ecr:<region>:<account>:repository/<repo>/sha256:…`). */
  resourceId: string;
  accountId: string;
  /** ScanStatus.statusCode: ACTIVE (monitored) or INACTIVE. */
  statusCode: 'ACTIVE' | 'INACTIVE';
  /** ScanStatus.reason, e.g. SUCCESSFUL, PENDING_INITIAL_SCAN, UNSUPPORTED_OS (kept as sent). */
  reason: string;
  /** When Inspector2 last checked the image for vulnerabilities (ISO 8601); absent before the first scan. */
  lastScannedAt?: string;
}

/** What a coverage record says about the findings of the image. */
export type CoverageState =
  /** Inspector2 has scanned the image: its findings exist from `lastScannedAt` on. */
  | { state: 'scanned'; lastScannedAt: Date }
  /** Not scanned yet, but it will be: keep waiting (within the deadline). */
  | { state: 'waiting'; why: string }
  /** Inspector2 will not scan it: no verdict is possible; `why` says what to do. */
  | { state: 'unscannable'; why: string };

export interface CoverageRead {
  /** The image's record; undefined when Inspector2 lists none for it. */
  coverage?: ImageCoverage;
  /** ListCoverage calls made. */
  calls: number;
}

/** Reasons that mean the image has been scanned and its findings published. */
const SCANNED: Record<string, string> = {
  SUCCESSFUL: 'scanned, and monitored',
  // Scan-on-push repositories are scanned once, at the push: that one scan is what the gate needs.
  SCAN_FREQUENCY_SCAN_ON_PUSH: 'scanned once at push (scan-on-push repository)',
};

/** Reasons that mean a scan is coming. */
const WAITING: Record<string, string> = {
  PENDING_INITIAL_SCAN: 'Inspector2 has not scanned it yet (PENDING_INITIAL_SCAN)',
  SCAN_IN_PROGRESS: 'Inspector2 is scanning it (SCAN_IN_PROGRESS)',
  PENDING_REVIVAL_SCAN:
    'it was restored from the ECR archive and awaits its rescan (PENDING_REVIVAL_SCAN)',
  INTERNAL_ERROR:
    'Inspector2 reports an internal error that it resolves by itself (INTERNAL_ERROR)',
};

/** Reasons that mean no scan will come, with what to do. Any reason not listed anywhere is refused too. */
const UNSCANNABLE: Record<string, string> = {
  ACCESS_DENIED:
    'a resource policy keeps Inspector2 from reading the image (ACCESS_DENIED): let inspector2.amazonaws.com read the repository',
  ACCESS_DENIED_TO_ENCRYPTION_KEY:
    "the repository's KMS key policy keeps Inspector2 out (ACCESS_DENIED_TO_ENCRYPTION_KEY): allow Inspector2 in the key policy",
  UNSUPPORTED_OS:
    'Inspector2 does not support its OS, architecture or manifest type (UNSUPPORTED_OS): change the base image, or scan it another way',
  UNSUPPORTED_MEDIA_TYPE:
    'Inspector2 does not support its media type (UNSUPPORTED_MEDIA_TYPE): push a single-platform image manifest (docker buildx build --provenance=false)',
  SCAN_ELIGIBILITY_EXPIRED:
    'its scan duration has lapsed (SCAN_ELIGIBILITY_EXPIRED): push it again or raise the ECR re-scan duration in Inspector settings',
  SCAN_FREQUENCY_MANUAL:
    "the repository's scan frequency is manual, so enhanced scanning never scans it (SCAN_FREQUENCY_MANUAL): add the repository to a registry scanning rule (scan on push or continuous)",
  EXCLUDED_BY_TAG: 'it is excluded from scanning by a tag (EXCLUDED_BY_TAG)',
  IMAGE_ARCHIVED:
    'it is archived in ECR and no longer scanned (IMAGE_ARCHIVED): restore it from the archive first',
  RESOURCE_TERMINATED: 'it was deleted from the repository (RESOURCE_TERMINATED)',
  PENDING_DISABLE: 'Inspector2 is being disabled for the account (PENDING_DISABLE)',
  IMAGE_SIZE_EXCEEDED: 'it is too large for Inspector2 (IMAGE_SIZE_EXCEEDED)',
};

/**
 * What a coverage record means for the gate (pure). `scanned` needs a scanned reason (SUCCESSFUL,
 * or SCAN_FREQUENCY_SCAN_ON_PUSH) and a lastScannedAt; a scanned reason without lastScannedAt
 * waits. PENDING_INITIAL_SCAN, SCAN_IN_PROGRESS, PENDING_REVIVAL_SCAN and INTERNAL_ERROR wait.
 * Every other reason (documented or new) is `unscannable`: assetguard does not guess.
 */
export function coverageState(coverage: ImageCoverage): CoverageState {
  const { reason, statusCode } = coverage;
  if (SCANNED[reason] !== undefined) {
    if (coverage.lastScannedAt === undefined) {
      return { state: 'waiting', why: `Inspector2 says ${reason} but gives no lastScannedAt yet` };
    }
    return { state: 'scanned', lastScannedAt: new Date(coverage.lastScannedAt) };
  }
  const waiting = WAITING[reason];
  if (waiting !== undefined) return { state: 'waiting', why: waiting };
  return {
    state: 'unscannable',
    why:
      UNSCANNABLE[reason] ??
      `Inspector2 reports ${statusCode}/${reason} for it, which assetguard does not know as scanned or pending; refusing to guess`,
  };
}

/** A one-line description of a coverage record, for logs and messages. */
export function describeCoverage(coverage: ImageCoverage | undefined): string {
  if (coverage === undefined) return 'no coverage record';
  return (
    `${coverage.statusCode}/${coverage.reason}` +
    (coverage.lastScannedAt !== undefined ? `, last scanned ${coverage.lastScannedAt}` : '')
  );
}

/**
 * ListCoverage has no image-hash filter (CoverageFilterCriteria: resourceId, ecrRepositoryName,
 * ecrImageTags, accountId, resourceType, …): filter by type, repository and account on the server
 * and find the digest on the client.
 */
export function coverageFilter(image: ResolvedImage): CoverageFilterCriteria {
  const filter: CoverageFilterCriteria = {
    resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }],
    ecrRepositoryName: [{ comparison: 'EQUALS', value: image.repository }],
  };
  if (image.registryId) filter.accountId = [{ comparison: 'EQUALS', value: image.registryId }];
  return filter;
}

function malformed(image: ResolvedImage, what: string): UndecidedError {
  return new UndecidedError(
    `inspector2:ListCoverage answered a covered resource for ${formatImage(image)} ${what}; refusing to read a malformed answer`,
  );
}

/** The image's record among what the server sent, with the required fields checked on every record. */
function isImageRecord(raw: CoveredResource, image: ResolvedImage): boolean {
  const { resourceType, resourceId, accountId, scanType } = raw as unknown as Record<
    string,
    unknown
  >;
  // CoveredResource requires resourceType, resourceId, accountId and scanType.
  if (typeof resourceId !== 'string' || resourceId === '')
    throw malformed(image, 'without resourceId');
  if (typeof resourceType !== 'string')
    throw malformed(image, `without resourceType (${resourceId})`);
  if (typeof accountId !== 'string') throw malformed(image, `without accountId (${resourceId})`);
  if (typeof scanType !== 'string') throw malformed(image, `without scanType (${resourceId})`);
  // The image's resource id is its ARN (arn:aws:ecr:<region>:<account>:repository/<repo>/<digest>);
  // the repository is checked from the metadata or the ARN, whichever the record carries.
  const repository =
    raw.resourceMetadata?.ecrRepository?.name ??
    /:repository\/(.+)\/sha256:[a-f0-9]{64}$/.exec(resourceId)?.[1];
  return (
    resourceType === 'AWS_ECR_CONTAINER_IMAGE' &&
    scanType === 'PACKAGE' &&
    (resourceId === image.digest || resourceId.endsWith(`/${image.digest}`)) &&
    (repository === undefined || repository === image.repository) &&
    (image.registryId === undefined || accountId === image.registryId)
  );
}

/** A record whose required fields `isImageRecord` checked. */
type CheckedRecord = CoveredResource & { resourceId: string; accountId: string };

function toCoverage(raw: CheckedRecord, image: ResolvedImage): ImageCoverage {
  const status = raw.scanStatus as { statusCode?: unknown; reason?: unknown } | undefined;
  if (status === undefined) throw malformed(image, `without scanStatus (${raw.resourceId})`);
  if (status.statusCode !== 'ACTIVE' && status.statusCode !== 'INACTIVE') {
    throw malformed(
      image,
      `with scanStatus.statusCode ${JSON.stringify(status.statusCode)}, which is not ACTIVE or INACTIVE`,
    );
  }
  if (typeof status.reason !== 'string' || status.reason === '') {
    throw malformed(image, `without scanStatus.reason (${raw.resourceId})`);
  }
  const lastScannedAt = raw.lastScannedAt as unknown;
  if (
    lastScannedAt !== undefined &&
    !(lastScannedAt instanceof Date && !isNaN(lastScannedAt.getTime()))
  ) {
    throw malformed(image, `with an unreadable lastScannedAt (${raw.resourceId})`);
  }
  return {
    resourceId: raw.resourceId,
    accountId: raw.accountId,
    statusCode: status.statusCode,
    reason: status.reason,
    ...(lastScannedAt instanceof Date && { lastScannedAt: lastScannedAt.toISOString() }),
  };
}

/**
 * Reads Inspector2's coverage record of one ECR image (inspector2:ListCoverage, 200 per page,
 * every page up to `pageCap`): whether Inspector2 scans it at all, with which status and reason,
 * and when it last scanned it. This is the evidence that enhanced findings exist: ECR can answer
 * COMPLETE before Inspector2 lists any finding (aws-sdk #289), and a BASIC-scanned or
 * other-account image has no record this account can see.
 *
 * Returns `{ coverage: undefined }` when no record matches the digest (repository and account
 * checked on the client too). Throws UndecidedError naming inspector2:ListCoverage on a malformed
 * answer (a page without `coveredResources`, a record without its required fields or with a
 * statusCode outside ACTIVE/INACTIVE, two records for the image), and AwsError naming the
 * permission when the call fails. `signal` aborts the calls.
 */
export async function readImageCoverage(
  inspector: Inspector2Client,
  image: ResolvedImage,
  options: { log: Log; pageCap?: number; signal?: AbortSignal },
): Promise<CoverageRead> {
  const name = formatImage(image);
  const matches: CheckedRecord[] = [];
  let calls: number;
  // Loaded with the client already: this import() only looks the package up.
  const { paginateListCoverage } = await import('@aws-sdk/client-inspector2');
  try {
    const pages = paginateListCoverage(
      { client: inspector, pageSize: COVERAGE_PAGE_SIZE },
      { filterCriteria: coverageFilter(image), maxResults: COVERAGE_PAGE_SIZE },
      ...(options.signal ? [{ abortSignal: options.signal }] : []),
    );
    calls = await readAllPages(
      pages,
      {
        operation: 'inspector2:ListCoverage',
        items: (page) => page.coveredResources,
        nextToken: (page) => page.nextToken,
        pageCap: options.pageCap ?? DEFAULT_COVERAGE_PAGE_CAP,
        log: options.log,
        progress: (pageCount) =>
          `read ${pageCount} pages of Inspector2 coverage for repository ${image.repository} so far`,
        endless: (pageCount) =>
          `Inspector2 kept returning coverage pages for repository ${image.repository} after ${pageCount} calls`,
      },
      (raw) => {
        if (!isImageRecord(raw, image)) return false;
        matches.push(raw as CheckedRecord);
        return true;
      },
    );
  } catch (error) {
    throw awsFailure(`read the Inspector2 coverage of ${name}`, 'inspector2:ListCoverage', error);
  }
  if (matches.length > 1) {
    throw new UndecidedError(
      `inspector2:ListCoverage answered ${matches.length} records for ${name} (${matches
        .map((match) => match.resourceId)
        .join(', ')}); refusing to pick one`,
    );
  }
  const [match] = matches;
  return { ...(match !== undefined && { coverage: toCoverage(match, image) }), calls };
}
