import {
  paginateListFindings,
  type Finding as InspectorFinding,
  type FilterCriteria,
  type Inspector2Client,
} from '@aws-sdk/client-inspector2';
import { awsFailure, UndecidedError } from '../core/errors';
import { allOrFirstFailure, concurrencyLimit, readAllPages, type ConcurrencyGate } from './paging';
import {
  isSeverity,
  SEVERITIES,
  type AffectedPackage,
  type Finding,
  type FindingStatus,
  type Severity,
  type SeverityCounts,
} from '../core/model';
import { formatImage, type ResolvedImage } from './image-ref';
import type { Log } from '../core/log';

/** ListFindings' largest page. */
export const PAGE_SIZE = 100;
/** Guards against a server that keeps handing out tokens (empty pages with a nextToken happen). */
export const DEFAULT_PAGE_CAP = 2_000;

/**
 * Inspector2 ListFindings answers pages one after another (each nextToken comes with the page
 * before), so one listing of N findings takes ceil(N/100) round trips in a row. Partitioning the
 * same filter by `severity` (FilterCriteria.severity, EQUALS on the inspector2 model's Severity
 * enum) gives six listings that page independently and can run at once; every finding has exactly
 * one severity (the model marks it required), so the six together are the whole listing.
 */
export const SEVERITY_PARTITIONS: readonly Severity[] = SEVERITIES;

/**
 * ListFindings requests one scan gate keeps in flight at most (all partitions of all platforms
 * of an image index share it): one per severity partition. AWS publishes no per-operation rate
 * for Inspector2 ListFindings in the quotas pages; 6 requests in flight at ~50 ms each is ~120
 * requests/s at most, and a ThrottlingException is retried by the SDK's standard retry strategy
 * (core/aws.ts) like any other, so a lower account limit slows the listing, never truncates it.
 */
export const LISTING_CONCURRENCY = 6;

/**
 * How one image's findings are listed: `single`, one paginated listing of the image filter
 * (ceil(N/100) calls in a row, at least 1); `severity`, one listing per severity partition, run
 * concurrently (sum over severities of max(1, ceil(n_s/100)) calls, at least 6; wall time that of
 * the largest partition).
 */
export type ListingPlan = 'single' | 'severity';

export interface ListedFindings {
  findings: Finding[];
  /** ListFindings calls made, for progress and benchmarks. */
  calls: number;
  /** Returned by the server but not about this digest or not ACTIVE (dropped by the client re-check). */
  dropped: number;
  /** How the findings were listed (see ListingPlan). */
  plan: ListingPlan;
  /** Under `severity`: the calls each severity partition took. */
  callsBySeverity?: Record<Severity, number>;
}

/**
 * The plan `listImageFindings` picks when not told: by severity when ECR's counts of the image
 * (read by the scan wait) say there is more than one page of findings, else one listing. The
 * counts only choose the plan; both plans list the whole filter, so a wrong count costs time,
 * never findings. Without counts ("no counts" is not zero) the single listing is used.
 */
export function listingPlan(ecrCounts: SeverityCounts | undefined): ListingPlan {
  return ecrCounts !== undefined && ecrCounts.total > PAGE_SIZE ? 'severity' : 'single';
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

const FINDING_STATUSES: readonly string[] = ['ACTIVE', 'SUPPRESSED', 'CLOSED'];

/** An Inspector2 finding whose decision-bearing fields were checked (`findingProblem`). */
type CheckedFinding = InspectorFinding & {
  findingArn: string;
  status: FindingStatus;
  severity: Severity;
};

/**
 * What is wrong with one Inspector2 finding as AWS sent it, or undefined when the fields a verdict
 * rests on are all there and inside their enums (the inspector2 service model marks findingArn,
 * status, severity and resources required; Severity is upper case: INFORMATIONAL, LOW, MEDIUM,
 * HIGH, CRITICAL, UNTRIAGED; FindingStatus is ACTIVE, SUPPRESSED or CLOSED). A finding without
 * its status, or with a severity of "critical", would otherwise count as nothing.
 */
export function findingProblem(raw: InspectorFinding): string | undefined {
  const { findingArn, status, severity, resources } = raw as unknown as Record<string, unknown>;
  if (typeof findingArn !== 'string' || findingArn === '') return 'has no findingArn';
  if (status === undefined) return 'has no status';
  if (typeof status !== 'string' || !FINDING_STATUSES.includes(status)) {
    return `has status ${JSON.stringify(status)}, which is not ${FINDING_STATUSES.join(', ')}`;
  }
  if (severity === undefined) return 'has no severity';
  if (typeof severity !== 'string' || !isSeverity(severity)) {
    return `has severity ${JSON.stringify(severity)}, which is not one of ${SEVERITIES.join(', ')}`;
  }
  if (!Array.isArray(resources) || resources.length === 0) return 'names no resource';
  return undefined;
}

function checked(raw: InspectorFinding): CheckedFinding {
  const problem = findingProblem(raw);
  if (problem !== undefined) {
    throw new UndecidedError(
      `Inspector2 finding ${raw.findingArn ?? '(no findingArn)'} ${problem}; refusing to read a malformed finding`,
    );
  }
  return raw as CheckedFinding;
}

/**
 * Normalizes one Inspector2 finding into the shared model. Throws UndecidedError (exit 2) when the
 * finding is malformed (see `findingProblem`): a missing status or an unknown severity is never
 * read as ACTIVE/UNTRIAGED.
 */
export function toFinding(input: InspectorFinding): Finding {
  const raw = checked(input);
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
  const url =
    details?.sourceUrl ?? details?.referenceUrls?.[0] ?? raw.remediation?.recommendation?.Url;
  const aliases = details?.relatedVulnerabilities?.filter((id) => id !== details.vulnerabilityId);
  return {
    id: details?.vulnerabilityId ?? raw.title ?? raw.findingArn,
    ...(aliases && aliases.length > 0 && { aliases }),
    sourceId: raw.findingArn,
    source: 'inspector2',
    severity: raw.severity,
    status: raw.status,
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
    // No registry check here: the server filters by account, and dropping on a guess about how
    // `registry` is written would turn a format surprise into a silent pass.
    return container?.imageHash === image.digest && container.repositoryName === image.repository;
  });
}

/** Every finding of a listing filtered by image hash is about an ECR image: one that names none cannot be re-checked. */
function namesAnImage(raw: InspectorFinding): boolean {
  return (raw.resources ?? []).some((resource) => {
    const container = resource.details?.awsEcrContainerImage;
    return typeof container?.imageHash === 'string' && typeof container.repositoryName === 'string';
  });
}

/**
 * The one ListFindings loop: every page of `filter` (MaxResults 100; real Inspector2 hands out
 * empty pages that still carry a nextToken), never past `pageCap`, with progress, each finding
 * handed to `keep` (which returns whether it was kept, or throws to stop). Returns the calls made.
 * Errors name inspector2:ListFindings: the run's deadline (`signal`) as UndecidedError, SDK
 * failures as AwsError naming the permission; what `keep` throws passes through.
 */
async function listFindingPages(
  inspector: Inspector2Client,
  filter: FilterCriteria,
  words: {
    /** What is listed, for errors: `Inspector findings for web@sha256:…`. */
    what: string;
    /** What progress counts: `findings`. */
    counted: string;
    /** Whose pages keep coming: `for web@sha256:…`, `of active findings`. */
    pages: string;
  },
  options: { log: Log; pageCap?: number; signal?: AbortSignal },
  keep: (raw: InspectorFinding) => boolean,
): Promise<number> {
  try {
    const pages = paginateListFindings(
      { client: inspector, pageSize: PAGE_SIZE },
      { filterCriteria: filter, maxResults: PAGE_SIZE },
      ...(options.signal ? [{ abortSignal: options.signal }] : []),
    );
    return await readAllPages(
      pages,
      {
        operation: 'inspector2:ListFindings',
        items: (page) => page.findings,
        nextToken: (page) => page.nextToken,
        pageCap: options.pageCap ?? DEFAULT_PAGE_CAP,
        log: options.log,
        progress: (pageCount, kept) =>
          `listed ${kept} ${words.counted} in ${pageCount} pages so far`,
        endless: (pageCount, kept) =>
          `Inspector2 kept returning pages ${words.pages} after ${pageCount} calls (${kept} findings so far)`,
      },
      keep,
    );
  } catch (error) {
    if (options.signal?.aborted) {
      throw new UndecidedError(
        `the run's deadline passed while listing ${words.what} (inspector2:ListFindings)`,
      );
    }
    throw awsFailure(`list ${words.what}`, 'inspector2:ListFindings', error);
  }
}

/** Options of `listImageFindings`. */
export interface ImageListingOptions {
  log: Log;
  /** Calls after which one listing (each partition on its own) that still hands out tokens is refused. */
  pageCap?: number;
  /** Aborts every call (the run's deadline). */
  signal?: AbortSignal;
  /** ECR's severity counts of the image, when the scan wait read any: they choose the plan. */
  ecrCounts?: SeverityCounts;
  /** Overrides the plan `listingPlan(ecrCounts)` picks. */
  plan?: ListingPlan;
  /**
   * Shared gate on ListFindings requests in flight (`concurrencyLimit`), so that the platforms of
   * an image index listed at once stay within LISTING_CONCURRENCY together; default: this
   * listing's own gate of LISTING_CONCURRENCY.
   */
  limit?: ConcurrencyGate;
}

/** The image filter restricted to one severity (EQUALS on the Severity enum). */
export function severityFilter(image: ResolvedImage, severity: Severity): FilterCriteria {
  return { ...imageFilter(image), severity: [{ comparison: 'EQUALS', value: severity }] };
}

/**
 * Lists every ACTIVE Inspector2 finding of one digest, filtered by the server (image hash,
 * repository, status, and account when the registry is known) and re-checked here. Real
 * Inspector2 can hand out empty pages that still carry a nextToken, so every paginator is
 * followed to the end, but never past the page cap.
 *
 * Two plans (`ListingPlan`, chosen by `listingPlan(options.ecrCounts)` unless `options.plan`):
 * - `single`: one listing, ceil(N/100) ListFindings calls in a row (at least 1); used when ECR
 *   counts at most one page of findings, or gave no counts.
 * - `severity`: the same filter once per Severity value (CRITICAL, HIGH, MEDIUM, LOW,
 *   INFORMATIONAL, UNTRIAGED), the partitions listed concurrently (at most LISTING_CONCURRENCY
 *   requests in flight, or `options.limit`), each paginated to its end: sum over severities of
 *   max(1, ceil(n_s/100)) calls, in the time of the largest partition. The union is checked:
 *   every finding must carry the severity of its partition (a server that ignored the filter) and
 *   no findingArn may come twice (in two partitions or one); either is an UndecidedError. The
 *   findings are merged in severity order (CRITICAL first), each partition in the server's order,
 *   so the result does not depend on which partition finished first. One partition failing fails
 *   the whole listing: the others are aborted and awaited, and its error is thrown.
 *
 * ECR's counts are checked against the merged listing by the scan gate's evaluation
 * (`evaluateImage`): the same check for both plans.
 *
 * Fails closed on a malformed answer (UndecidedError, exit 2), each naming inspector2:ListFindings:
 * a page without its `findings` list (an empty body), and any returned finding without its
 * findingArn/status/severity/resources, with a status or severity outside the service's enums
 * (lower case "critical" included), or naming no ECR image. `options.signal` aborts the calls
 * (the run's deadline: UndecidedError); SDK failures become AwsError naming the permission.
 */
export async function listImageFindings(
  inspector: Inspector2Client,
  image: ResolvedImage,
  options: ImageListingOptions,
): Promise<ListedFindings> {
  const plan = options.plan ?? listingPlan(options.ecrCounts);
  const name = formatImage(image);
  /** The client-side checks of one returned finding; false when the re-check drops it. */
  const admit = (raw: InspectorFinding): boolean => {
    // Check every finding the server sent, also those the re-check would drop: a malformed
    // answer is a reason to stop, not to filter.
    const problem =
      findingProblem(raw) ??
      (namesAnImage(raw)
        ? undefined
        : 'names no ECR image (resources[].details.awsEcrContainerImage)');
    if (problem !== undefined) {
      throw new UndecidedError(
        `inspector2:ListFindings answered a finding for ${name} that ${problem} ` +
          `(${raw.findingArn ?? 'no findingArn'}); refusing to read a malformed answer as "nothing"`,
      );
    }
    return isAboutImage(raw, image);
  };
  if (plan === 'single') {
    const findings: Finding[] = [];
    let dropped = 0;
    const calls = await listFindingPages(
      inspector,
      imageFilter(image),
      { what: `Inspector findings for ${name}`, counted: 'findings', pages: `for ${name}` },
      options,
      (raw) => {
        if (!admit(raw)) {
          dropped += 1;
          return false;
        }
        findings.push(toFinding(raw));
        return true;
      },
    );
    return { findings, calls, dropped, plan };
  }
  return listBySeverity(inspector, image, name, options, admit);
}

/** The `severity` plan of `listImageFindings`. */
async function listBySeverity(
  inspector: Inspector2Client,
  image: ResolvedImage,
  name: string,
  options: ImageListingOptions,
  admit: (raw: InspectorFinding) => boolean,
): Promise<ListedFindings> {
  /** findingArn → the partition that listed it. */
  const seen = new Map<string, Severity>();
  const parts = new Map<Severity, Finding[]>();
  const callsBySeverity = Object.fromEntries(
    SEVERITY_PARTITIONS.map((severity) => [severity, 0]),
  ) as Record<Severity, number>;
  let dropped = 0;

  const listPartition = async (severity: Severity, signal: AbortSignal): Promise<void> => {
    const found: Finding[] = [];
    callsBySeverity[severity] = await listFindingPages(
      inspector,
      severityFilter(image, severity),
      {
        what: `${severity} Inspector findings for ${name}`,
        counted: `${severity} findings`,
        pages: `of ${severity} findings for ${name}`,
      },
      {
        log: options.log,
        signal,
        ...(options.pageCap !== undefined && { pageCap: options.pageCap }),
      },
      (raw) => {
        const keep = admit(raw);
        const arn = raw.findingArn as string; // admit checked it
        if (raw.severity !== severity) {
          throw new UndecidedError(
            `inspector2:ListFindings answered a ${String(raw.severity)} finding (${arn}) for ${name} when asked for ${severity} findings only: ` +
              'the severity filter was not applied, so the listing by severity cannot vouch that it is complete; ' +
              'refusing to decide (if this endpoint is an emulator that ignores filters, list with one paginated call instead)',
          );
        }
        const earlier = seen.get(arn);
        if (earlier !== undefined) {
          throw new UndecidedError(
            `inspector2:ListFindings listed finding ${arn} for ${name} twice (in the ${earlier}` +
              `${earlier === severity ? ' partition again' : ` and ${severity} partitions`}): ` +
              'a listing that repeats findings cannot vouch that it is complete; refusing to decide, retry the run',
          );
        }
        seen.set(arn, severity);
        if (!keep) {
          dropped += 1;
          return false;
        }
        found.push(toFinding(raw));
        return true;
      },
    );
    parts.set(severity, found);
  };

  // One partition failing aborts the others; its error is the cause, theirs only echo it. A run
  // whose own deadline passed says so (listFindingPages names it) whichever partition noticed first.
  await allOrFirstFailure(
    SEVERITY_PARTITIONS,
    options.limit ?? concurrencyLimit(LISTING_CONCURRENCY),
    (severity, _index, signal) => listPartition(severity, signal),
    options.signal,
  );
  const findings = SEVERITY_PARTITIONS.flatMap((severity) => parts.get(severity) ?? []);
  const calls = SEVERITY_PARTITIONS.reduce((sum, severity) => sum + callsBySeverity[severity], 0);
  return { findings, calls, dropped, plan: 'severity', callsBySeverity };
}

/** The resource types the daily report lists Inspector2 findings of (Inspector2's ResourceType names). */
export const ACTIVE_RESOURCE_TYPES = [
  'AWS_ECR_CONTAINER_IMAGE',
  'AWS_EC2_INSTANCE',
  'AWS_LAMBDA_FUNCTION',
] as const;

/**
 * Whether an ECR image runs, as Inspector2 reports it on the image's finding
 * (`resources[].details.awsEcrContainerImage.inUseCount` and `lastInUseAt`, counted over ECS
 * tasks and EKS pods). Structurally the report's `ImageUse`.
 */
export interface ImageInUse {
  /** ECS tasks or EKS pods running the image, ≥ 0. */
  inUseCount: number;
  /** ISO 8601, when Inspector2 last saw it in use. */
  lastInUse?: string;
}

/** One normalized Inspector2 finding, with the in-use data of its ECR image when Inspector2 gave it. */
export interface ActiveFinding {
  finding: Finding;
  use?: ImageInUse;
}

export interface ListedActiveFindings {
  findings: ActiveFinding[];
  /** ListFindings calls made. */
  calls: number;
  /** Returned by the server but not ACTIVE or not of the asked resource types (client re-check). */
  dropped: number;
}

/**
 * The in-use data of a finding's ECR image, or undefined when Inspector2 sent none (the fields
 * are optional: only accounts with ECR in-use tracking get them). `inUseCount` must be a whole
 * number ≥ 0 and `lastInUseAt` a valid date when present: anything else is a malformed answer
 * (UndecidedError naming inspector2:ListFindings), since a count read as 0 would call a running
 * image idle.
 */
export function imageInUse(raw: InspectorFinding): ImageInUse | undefined {
  const container = raw.resources?.[0]?.details?.awsEcrContainerImage;
  if (container === undefined) return undefined;
  const { inUseCount, lastInUseAt } = container as unknown as Record<string, unknown>;
  if (inUseCount === undefined && lastInUseAt === undefined) return undefined;
  const malformed = (what: string): UndecidedError =>
    new UndecidedError(
      `inspector2:ListFindings answered finding ${raw.findingArn ?? '(no findingArn)'} with ${what}; refusing to read a malformed answer`,
    );
  if (
    inUseCount !== undefined &&
    (typeof inUseCount !== 'number' || !Number.isInteger(inUseCount) || inUseCount < 0)
  ) {
    throw malformed(`inUseCount ${JSON.stringify(inUseCount)}, which is not a whole number ≥ 0`);
  }
  if (
    lastInUseAt !== undefined &&
    !(lastInUseAt instanceof Date && !Number.isNaN(lastInUseAt.getTime()))
  ) {
    throw malformed(`lastInUseAt ${JSON.stringify(lastInUseAt)}, which is not a date`);
  }
  return {
    inUseCount: inUseCount ?? 0,
    ...(lastInUseAt instanceof Date && { lastInUse: lastInUseAt.toISOString() }),
  };
}

/** `toFinding`, keeping the in-use data of an ECR image finding (`imageInUse`). Same errors. */
export function toActiveFinding(raw: InspectorFinding): ActiveFinding {
  const finding = toFinding(raw);
  const use = finding.resource.type === 'AWS_ECR_CONTAINER_IMAGE' ? imageInUse(raw) : undefined;
  return { finding, ...(use !== undefined && { use }) };
}

/** The server-side filter of `listActiveFindings`: ACTIVE, of the given resource types (ORed). */
export function activeFilter(resourceTypes: readonly string[]): FilterCriteria {
  return {
    findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
    resourceType: resourceTypes.map((value) => ({ comparison: 'EQUALS' as const, value })),
  };
}

/**
 * Lists every ACTIVE Inspector2 finding of the account and region on the given resource types
 * (default: ECR container images, EC2 instances, Lambda functions), as the daily report needs:
 * ListFindings with MaxResults 100 filtered by the server (findingStatus ACTIVE, resourceType),
 * every page (real Inspector2 hands out empty pages that carry a nextToken), never past
 * `pageCap` pages; ceil(N/100) calls. What the server was asked to filter is re-checked here
 * (moto ignores filters): a finding not ACTIVE, or whose first resource is of another type, is
 * dropped and counted in `dropped`.
 *
 * Returns each finding normalized (`toFinding`: resource.id is Inspector2's resource id, an image
 * ARN `…:repository/NAME/sha256:…`, an instance id or ARN, a function ARN), with the ECR image's
 * in-use data when present (`imageInUse`).
 *
 * Fails closed, each error naming inspector2:ListFindings (exit 2): a page without `findings`
 * (UndecidedError), any returned finding that `findingProblem` refuses (no findingArn, status,
 * severity or resources; values outside their enums) or with malformed in-use data, an endless
 * listing; SDK failures become AwsError naming the permission; `options.signal` aborts the calls.
 */
export async function listActiveFindings(
  inspector: Inspector2Client,
  options: {
    log: Log;
    pageCap?: number;
    signal?: AbortSignal;
    resourceTypes?: readonly string[];
  },
): Promise<ListedActiveFindings> {
  const resourceTypes = options.resourceTypes ?? ACTIVE_RESOURCE_TYPES;
  const wanted = new Set(resourceTypes);
  const findings: ActiveFinding[] = [];
  let dropped = 0;
  const calls = await listFindingPages(
    inspector,
    activeFilter(resourceTypes),
    {
      what: 'active Inspector2 findings',
      counted: 'active Inspector2 findings',
      pages: 'of active findings',
    },
    options,
    (raw) => {
      // Every finding the server sent is checked, also those the re-check drops.
      const problem = findingProblem(raw);
      if (problem !== undefined) {
        throw new UndecidedError(
          `inspector2:ListFindings answered a finding that ${problem} ` +
            `(${raw.findingArn ?? 'no findingArn'}); refusing to read a malformed answer as "nothing"`,
        );
      }
      const type = raw.resources?.[0]?.type;
      if (raw.status !== 'ACTIVE' || type === undefined || !wanted.has(type)) {
        dropped += 1;
        return false;
      }
      findings.push(toActiveFinding(raw));
      return true;
    },
  );
  return { findings, calls, dropped };
}
