import {
  paginateListFindings,
  type Finding as InspectorFinding,
  type FilterCriteria,
  type Inspector2Client,
} from '@aws-sdk/client-inspector2';
import { awsFailure } from '../core/errors';
import { readAllPages } from './paging';
import { isSeverity, type AffectedPackage, type Finding } from '../core/model';
import { formatImage, type ResolvedImage } from './image-ref';
import type { Log } from '../core/log';

/** ListFindings' largest page. */
export const PAGE_SIZE = 100;
/** Guards against a server that keeps handing out tokens (empty pages with a nextToken happen). */
export const DEFAULT_PAGE_CAP = 2_000;

export interface ListedFindings {
  findings: Finding[];
  /** ListFindings calls made, for progress and benchmarks. */
  calls: number;
  /** Returned by the server but not about this digest or not ACTIVE (dropped by the client re-check). */
  dropped: number;
}

export function imageFilter(image: ResolvedImage): FilterCriteria {
  const filter: FilterCriteria = {
    ecrImageHash: [{ comparison: 'EQUALS', value: image.digest }],
    ecrImageRepositoryName: [{ comparison: 'EQUALS', value: image.repository }],
    findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
  };
  if (image.registryId) filter.awsAccountId = [{ comparison: 'EQUALS', value: image.registryId }];
  return filter;
}

function installedVersion(pkg: {
  version?: string;
  epoch?: number;
  release?: string;
}): string | undefined {
  if (pkg.version === undefined) return undefined;
  const epoch = pkg.epoch ? `${pkg.epoch}:` : '';
  const release = pkg.release ? `-${pkg.release}` : '';
  return `${epoch}${pkg.version}${release}`;
}

/** Normalizes one Inspector2 finding into the shared model. */
export function toFinding(raw: InspectorFinding): Finding {
  const details = raw.packageVulnerabilityDetails;
  const resource = raw.resources?.[0];
  const container = resource?.details?.awsEcrContainerImage;
  const packages: AffectedPackage[] = (details?.vulnerablePackages ?? []).map((pkg) => {
    const installed = installedVersion(pkg);
    const fixed =
      pkg.fixedInVersion && pkg.fixedInVersion !== 'NotAvailable' ? pkg.fixedInVersion : undefined;
    return {
      name: pkg.name ?? 'unknown',
      ...(installed !== undefined && { installedVersion: installed }),
      ...(fixed !== undefined && { fixedVersion: fixed }),
      ...(pkg.packageManager !== undefined && { manager: pkg.packageManager }),
      ...(pkg.filePath !== undefined && { filePath: pkg.filePath }),
    };
  });
  const fixedCount = packages.filter((pkg) => pkg.fixedVersion !== undefined).length;
  const derivedFix = fixedCount === 0 ? 'no' : fixedCount === packages.length ? 'yes' : 'partial';
  const fix =
    raw.fixAvailable === 'YES'
      ? 'yes'
      : raw.fixAvailable === 'PARTIAL'
        ? 'partial'
        : raw.fixAvailable === 'NO'
          ? 'no'
          : derivedFix;
  const severity = raw.severity && isSeverity(raw.severity) ? raw.severity : 'UNTRIAGED';
  const url =
    details?.sourceUrl ?? details?.referenceUrls?.[0] ?? raw.remediation?.recommendation?.Url;
  const aliases = details?.relatedVulnerabilities?.filter((id) => id !== details.vulnerabilityId);
  return {
    id: details?.vulnerabilityId ?? raw.title ?? raw.findingArn ?? 'unknown',
    ...(aliases && aliases.length > 0 && { aliases }),
    sourceId: raw.findingArn ?? '',
    source: 'inspector2',
    severity,
    status: raw.status === 'SUPPRESSED' || raw.status === 'CLOSED' ? raw.status : 'ACTIVE',
    title: raw.title ?? details?.vulnerabilityId ?? 'untitled finding',
    ...(raw.description !== undefined && { description: raw.description }),
    resource: {
      id: resource?.id ?? '',
      type: resource?.type ?? 'AWS_ECR_CONTAINER_IMAGE',
      ...(resource?.region !== undefined && { region: resource.region }),
      ...(raw.awsAccountId !== undefined && { accountId: raw.awsAccountId }),
      ...(container?.repositoryName !== undefined && { repository: container.repositoryName }),
      ...(container?.imageHash !== undefined && { imageDigest: container.imageHash }),
    },
    packages,
    fixAvailable: fix,
    ...(raw.exploitAvailable !== undefined && { exploitAvailable: raw.exploitAvailable === 'YES' }),
    ...(raw.epss?.score !== undefined && { epss: raw.epss.score }),
    ...(raw.inspectorScore !== undefined && { score: raw.inspectorScore }),
    ...(url !== undefined && { url }),
    ...(raw.firstObservedAt !== undefined && { firstSeen: raw.firstObservedAt.toISOString() }),
    ...(raw.lastObservedAt !== undefined && { lastSeen: raw.lastObservedAt.toISOString() }),
  };
}

/** The client-side re-check of what the server was asked to filter (moto and real pages alike). */
function isAboutImage(raw: InspectorFinding, image: ResolvedImage): boolean {
  if (raw.status !== 'ACTIVE') return false;
  return (raw.resources ?? []).some((resource) => {
    const container = resource.details?.awsEcrContainerImage;
    return container?.imageHash === image.digest && container.repositoryName === image.repository;
  });
}

/**
 * Lists every ACTIVE Inspector2 finding of one digest: ceil(N/100) calls, filtered by the server
 * and re-checked here. Real Inspector2 can hand out empty pages that still carry a nextToken, so
 * the paginator is followed to the end, but never past the page cap.
 */
export async function listImageFindings(
  inspector: Inspector2Client,
  image: ResolvedImage,
  options: { log: Log; pageCap?: number },
): Promise<ListedFindings> {
  const findings: Finding[] = [];
  let dropped = 0;
  let calls: number;
  try {
    const pages = paginateListFindings(
      { client: inspector, pageSize: PAGE_SIZE },
      { filterCriteria: imageFilter(image), maxResults: PAGE_SIZE },
    );
    calls = await readAllPages(
      pages,
      {
        items: (page) => page.findings,
        nextToken: (page) => page.nextToken,
        pageCap: options.pageCap ?? DEFAULT_PAGE_CAP,
        log: options.log,
        progress: (pageCount, kept) => `listed ${kept} findings in ${pageCount} pages so far`,
        endless: (pageCount, kept) =>
          `Inspector2 kept returning pages for ${formatImage(image)} after ${pageCount} calls (${kept} findings so far)`,
      },
      (raw) => {
        if (!isAboutImage(raw, image)) {
          dropped += 1;
          return false;
        }
        findings.push(toFinding(raw));
        return true;
      },
    );
  } catch (error) {
    throw awsFailure(
      `list Inspector findings for ${formatImage(image)}`,
      'inspector2:ListFindings',
      error,
    );
  }
  return { findings, calls, dropped };
}
