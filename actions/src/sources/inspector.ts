// Types only: the package is loaded by import() where it is called (core/aws `lazyClient`).
import type {
  Finding as InspectorFinding,
  FilterCriteria,
  Inspector2Client,
  ListFindingsCommandOutput,
} from '@aws-sdk/client-inspector2';
import { AwsError, awsFailure, errorMessage, UndecidedError } from '../core/errors';
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

/** How one listing is named in progress lines and errors. */
interface ListingWords {
  /** What is listed, for errors: `Inspector findings for web@sha256:…`. */
  what: string;
  /** What progress counts: `findings`. */
  counted: string;
  /** Whose pages keep coming: `for web@sha256:…`, `of active findings`. */
  pages: string;
}

/**
 * The SDK paginator over every page of `filter`, MaxResults 100, aborted by `signal`. The
 * paginator is loaded with the package on the first page asked for (loaded with the client
 * already: the import() only looks it up).
 */
async function* openListing(
  inspector: Inspector2Client,
  filter: FilterCriteria,
  signal: AbortSignal | undefined,
): AsyncGenerator<ListFindingsCommandOutput, undefined> {
  const { paginateListFindings } = await import('@aws-sdk/client-inspector2');
  yield* paginateListFindings(
    { client: inspector, pageSize: PAGE_SIZE },
    { filterCriteria: filter, maxResults: PAGE_SIZE },
    ...(signal ? [{ abortSignal: signal }] : []),
  );
}

/**
 * What a failed ListFindings call becomes: the run's deadline (`signal` aborted) as UndecidedError,
 * an SDK failure as AwsError naming inspector2:ListFindings; our own errors pass through.
 */
function listingFailure(what: string, error: unknown, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) {
    return new UndecidedError(
      `the run's deadline passed while listing ${what} (inspector2:ListFindings)`,
    );
  }
  return awsFailure(`list ${what}`, 'inspector2:ListFindings', error);
}

/**
 * The one ListFindings loop: every page of `filter` (MaxResults 100; real Inspector2 hands out
 * empty pages that still carry a nextToken), never past `pageCap`, with progress, each finding
 * handed to `keep` (which returns whether it was kept, or throws to stop). `pages`, when given, is
 * that listing already opened (`openListing`), some of its pages possibly read ahead. Returns the
 * calls made. Errors name inspector2:ListFindings (`listingFailure`); what `keep` throws passes
 * through.
 */
async function listFindingPages(
  inspector: Inspector2Client,
  filter: FilterCriteria,
  words: ListingWords,
  options: { log: Log; pageCap?: number; signal?: AbortSignal },
  keep: (raw: InspectorFinding) => boolean,
  pages: AsyncIterable<ListFindingsCommandOutput> = openListing(inspector, filter, options.signal),
): Promise<number> {
  try {
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
    throw listingFailure(words.what, error, options.signal);
  }
}

/** One part of a listing split to run at once: its own filter, and what it may return. */
interface ListingPart {
  filter: FilterCriteria;
  words: ListingWords;
  /** Whether a returned finding is what this part asked for (else the server ignored its filter). */
  holds: (raw: InspectorFinding) => boolean;
}

/**
 * The one mechanism behind both split listings (the scan gate's by severity, the report's in
 * parts): every part listed to its end, at most `gate` requests in flight, each returned finding
 * `check`ed first (it throws on a malformed one), then refused as UndecidedError when its part
 * does not `hold` it (`misfiled`) or its findingArn came before (`repeated`, naming the earlier
 * part), then given to `keep`: what it returns is kept, undefined is dropped and counted. One
 * failing part aborts the others and is what is thrown (`allOrFirstFailure`). Returns each part's
 * kept items and calls, in part order, so the result does not depend on which part finished first.
 */
async function listInParts<P extends ListingPart, T>(
  inspector: Inspector2Client,
  parts: readonly P[],
  options: { log: Log; pageCap?: number; signal?: AbortSignal; gate: ConcurrencyGate },
  read: {
    check: (raw: InspectorFinding) => void;
    keep: (raw: InspectorFinding) => T | undefined;
    misfiled: (raw: InspectorFinding, arn: string, part: P) => string;
    repeated: (arn: string, earlier: P, part: P) => string;
  },
): Promise<{ parts: { kept: T[]; calls: number }[]; dropped: number }> {
  /** findingArn → the part that listed it. */
  const seen = new Map<string, P>();
  let dropped = 0;
  const listed = await allOrFirstFailure(
    parts,
    options.gate,
    async (part, _index, signal) => {
      const kept: T[] = [];
      const calls = await listFindingPages(
        inspector,
        part.filter,
        part.words,
        {
          log: options.log,
          signal,
          ...(options.pageCap !== undefined && { pageCap: options.pageCap }),
        },
        (raw) => {
          read.check(raw);
          const arn = raw.findingArn as string; // check saw it
          if (!part.holds(raw)) throw new UndecidedError(read.misfiled(raw, arn, part));
          const earlier = seen.get(arn);
          if (earlier !== undefined) throw new UndecidedError(read.repeated(arn, earlier, part));
          seen.set(arn, part);
          const item = read.keep(raw);
          if (item === undefined) {
            dropped += 1;
            return false;
          }
          kept.push(item);
          return true;
        },
      );
      return { kept, calls };
    },
    options.signal,
  );
  return { parts: listed, dropped };
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
  /** The client-side checks of one returned finding: a malformed one stops the listing. */
  const check = (raw: InspectorFinding): void => {
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
  };
  /** The finding when it is about this image and ACTIVE; undefined when the re-check drops it. */
  const keep = (raw: InspectorFinding): Finding | undefined =>
    isAboutImage(raw, image) ? toFinding(raw) : undefined;
  if (plan === 'single') {
    const findings: Finding[] = [];
    let dropped = 0;
    const calls = await listFindingPages(
      inspector,
      imageFilter(image),
      { what: `Inspector findings for ${name}`, counted: 'findings', pages: `for ${name}` },
      options,
      (raw) => {
        check(raw);
        const finding = keep(raw);
        if (finding === undefined) {
          dropped += 1;
          return false;
        }
        findings.push(finding);
        return true;
      },
    );
    return { findings, calls, dropped, plan };
  }
  // One partition failing aborts the others; its error is the cause, theirs only echo it. A run
  // whose own deadline passed says so (listFindingPages names it) whichever partition noticed first.
  const listed = await listInParts(
    inspector,
    SEVERITY_PARTITIONS.map((severity) => ({
      severity,
      filter: severityFilter(image, severity),
      words: {
        what: `${severity} Inspector findings for ${name}`,
        counted: `${severity} findings`,
        pages: `of ${severity} findings for ${name}`,
      },
      holds: (raw: InspectorFinding) => raw.severity === severity,
    })),
    { ...options, gate: options.limit ?? concurrencyLimit(LISTING_CONCURRENCY) },
    {
      check,
      keep,
      misfiled: (raw, arn, { severity }) =>
        `inspector2:ListFindings answered a ${String(raw.severity)} finding (${arn}) for ${name} when asked for ${severity} findings only: ` +
        'the severity filter was not applied, so the listing by severity cannot vouch that it is complete; ' +
        'refusing to decide (if this endpoint is an emulator that ignores filters, list with one paginated call instead)',
      repeated: (arn, earlier, { severity }) =>
        `inspector2:ListFindings listed finding ${arn} for ${name} twice (in the ${earlier.severity}` +
        `${earlier.severity === severity ? ' partition again' : ` and ${severity} partitions`}): ` +
        'a listing that repeats findings cannot vouch that it is complete; refusing to decide, retry the run',
    },
  );
  const callsBySeverity = Object.fromEntries(
    SEVERITY_PARTITIONS.map((severity, index) => [severity, listed.parts[index]?.calls ?? 0]),
  ) as Record<Severity, number>;
  return {
    findings: listed.parts.flatMap((part) => part.kept),
    calls: listed.parts.reduce((sum, part) => sum + part.calls, 0),
    dropped: listed.dropped,
    plan: 'severity',
    callsBySeverity,
  };
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

/**
 * How the daily report's findings were listed: `single`, one paginated listing (ceil(N/100) calls
 * in a row); `partitioned`, the first PROBE_PAGES pages of that listing, then one listing per
 * `activePartitions` part, run at once (see `listActiveFindings`).
 */
export type ActiveListingPlan = 'single' | 'partitioned';

export interface ListedActiveFindings {
  findings: ActiveFinding[];
  /** ListFindings calls made. */
  calls: number;
  /** Returned by the server but not ACTIVE or not of the asked resource types (client re-check). */
  dropped: number;
  plan: ActiveListingPlan;
  /** Under `partitioned`: how many parts were listed. */
  partitions?: number;
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
 * Pages the daily report's listing reads as one before it may split: when each of them is full
 * (PAGE_SIZE findings) and more follow, the account has more than 200 ACTIVE findings and the
 * rest is listed in parts at once (`listActiveFindings`); below that, parts would cost more calls
 * than the few pages they save.
 */
export const PROBE_PAGES = 2;

/** The first character of a hex string. */
const HEX_DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'];

/** ECR's image digests (imageDigest, Inspector2's imageHash): SHA-256, written `sha256:` + 64 lower-case hex. */
const ECR_IMAGE_HASH = /^sha256:[0-9a-f]{64}$/;

/**
 * One part of the daily report's listing: one resource type, and within it either the image
 * hashes starting `sha256:<hex digit>` (ECR images: a digest is uniformly distributed, so the 16
 * parts are even) or one Severity value (EC2 instances, Lambda functions).
 */
export type ActivePartition =
  | { resourceType: string; field: 'ecrImageHash'; prefix: string }
  | { resourceType: string; field: 'severity'; severity: Severity };

/**
 * The parts that together are exactly `activeFilter(resourceTypes)`: per resource type (the filter
 * ORs them), AWS_ECR_CONTAINER_IMAGE by the 16 first hex digits of the image hash (every ECR
 * digest is `sha256:` + hex), every other type by the six values of Inspector2's Severity enum
 * (the model marks severity required). 16 + 6 + 6 = 28 parts for the default types.
 */
export function activePartitions(resourceTypes: readonly string[]): ActivePartition[] {
  return resourceTypes.flatMap((resourceType): ActivePartition[] =>
    resourceType === 'AWS_ECR_CONTAINER_IMAGE'
      ? HEX_DIGITS.map((digit) => ({
          resourceType,
          field: 'ecrImageHash',
          prefix: `sha256:${digit}`,
        }))
      : SEVERITIES.map((severity) => ({ resourceType, field: 'severity', severity })),
  );
}

/** One part's server-side filter: ACTIVE, its resource type, and its hash PREFIX or severity EQUALS. */
export function partitionFilter(partition: ActivePartition): FilterCriteria {
  return {
    ...activeFilter([partition.resourceType]),
    ...(partition.field === 'ecrImageHash'
      ? { ecrImageHash: [{ comparison: 'PREFIX', value: partition.prefix }] }
      : { severity: [{ comparison: 'EQUALS', value: partition.severity }] }),
  };
}

function partitionName(partition: ActivePartition): string {
  return partition.field === 'ecrImageHash'
    ? `${partition.resourceType} ${partition.prefix}…`
    : `${partition.resourceType} ${partition.severity}`;
}

/** The image hash of a finding's first resource, when it is an ECR image. */
function imageHashOf(raw: InspectorFinding): string | undefined {
  return raw.resources?.[0]?.details?.awsEcrContainerImage?.imageHash;
}

/** Whether a returned finding belongs to the part it was listed in (the server applied its filter). */
function inPartition(raw: InspectorFinding, partition: ActivePartition): boolean {
  if (raw.resources?.[0]?.type !== partition.resourceType) return false;
  return partition.field === 'ecrImageHash'
    ? imageHashOf(raw)?.startsWith(partition.prefix) === true
    : raw.severity === partition.severity;
}

/**
 * Whether a probe page says the listing may be split: full, with more to come, and every ECR image
 * finding on it hashed as `activePartitions` assumes (a sample; anything else keeps one listing).
 */
function splittable(page: ListFindingsCommandOutput): boolean {
  const findings = page.findings;
  if (!Array.isArray(findings) || findings.length < PAGE_SIZE || !page.nextToken) return false;
  return findings.every(
    (raw) =>
      raw.resources?.[0]?.type !== 'AWS_ECR_CONTAINER_IMAGE' ||
      ECR_IMAGE_HASH.test(imageHashOf(raw) ?? ''),
  );
}

/** The pages read ahead, then the rest of the same paginator. */
async function* resumed<P>(readAhead: readonly P[], rest: AsyncIterator<P>): AsyncGenerator<P> {
  yield* readAhead;
  for (;;) {
    const next = await rest.next();
    if (next.done === true) return;
    yield next.value;
  }
}

/** The listing options of `listActiveFindings`. */
export interface ActiveListingOptions {
  log: Log;
  /** Calls after which one listing (each part on its own) that still hands out tokens is refused. */
  pageCap?: number;
  signal?: AbortSignal;
  resourceTypes?: readonly string[];
}

/**
 * Lists every ACTIVE Inspector2 finding of the account and region on the given resource types
 * (default: ECR container images, EC2 instances, Lambda functions), as the daily report needs:
 * ListFindings with MaxResults 100 filtered by the server (findingStatus ACTIVE, resourceType),
 * every page (real Inspector2 hands out empty pages that carry a nextToken), never past
 * `pageCap` pages.
 *
 * Plans (`ActiveListingPlan`). ListFindings pages come one after another, so one listing of N
 * findings is ceil(N/100) round trips in a row (390 × ~44 ms = 17 s at 39,000). The listing starts
 * as one; when its first PROBE_PAGES pages are all full and more follow (`splittable`), it stops
 * there and lists the `activePartitions` instead (28 parts for the three types), at most
 * LISTING_CONCURRENCY requests in flight, each part to its end: PROBE_PAGES + the sum over parts
 * of max(1, ceil(n/100)) calls, in about the time of the largest part or of all pages divided by
 * the concurrency. Every finding a part returns must be of its resource type and hash prefix or
 * severity (else the server ignored the filter) and no findingArn may come twice; either is an
 * UndecidedError, and one failing part aborts the others. If Inspector2 refuses a part's filter
 * (ValidationException), or the parts lack a finding the probe's pages held that a read by its
 * findingArn shows still ACTIVE (a filter read another way; one closed meanwhile is rightly
 * missing), the whole listing is done again as one, with a log line saying so.
 * moto answers every listing in one page, so it always gets one listing. Findings come in part
 * order (ECR hash prefixes 0–f, then each type's severities CRITICAL first), each part in the
 * server's order.
 *
 * What the server was asked to filter is re-checked here (moto ignores filters): under the
 * single plan a finding not ACTIVE, or whose first resource is of another type, is dropped and
 * counted in `dropped`; under parts a finding not ACTIVE is dropped the same way.
 *
 * Returns each finding normalized (`toFinding`: resource.id is Inspector2's resource id, an image
 * ARN `…:repository/NAME/sha256:…`, an instance id or ARN, a function ARN), with the ECR image's
 * in-use data when present (`imageInUse`).
 *
 * Fails closed, each error naming inspector2:ListFindings (exit 2): a page without `findings`
 * (UndecidedError), any returned finding that `findingProblem` refuses (no findingArn, status,
 * severity or resources; values outside their enums) or with malformed in-use data, an endless
 * listing, a part that is not what it was asked for; SDK failures become AwsError naming the
 * permission; `options.signal` aborts the calls.
 */
export async function listActiveFindings(
  inspector: Inspector2Client,
  options: ActiveListingOptions,
): Promise<ListedActiveFindings> {
  const resourceTypes = options.resourceTypes ?? ACTIVE_RESOURCE_TYPES;
  const filter = activeFilter(resourceTypes);
  const words: ListingWords = {
    what: 'active Inspector2 findings',
    counted: 'active Inspector2 findings',
    pages: 'of active findings',
  };
  const listing = openListing(inspector, filter, options.signal);
  const probe: ListFindingsCommandOutput[] = [];
  try {
    while (probe.length < PROBE_PAGES) {
      const next = await listing.next();
      if (next.done === true) break;
      probe.push(next.value);
      if (!splittable(next.value)) break;
    }
  } catch (error) {
    throw listingFailure(words.what, error, options.signal);
  }
  if (probe.length === PROBE_PAGES && probe.every(splittable)) {
    await listing.return(undefined);
    const partitions = activePartitions(resourceTypes);
    let listed: ListedActiveFindings;
    try {
      listed = await listActivePartitions(inspector, partitions, options);
    } catch (error) {
      if (!(error instanceof AwsError && error.awsCode === 'ValidationException')) {
        throw error;
      }
      options.log(
        `Inspector2 refused the filter of a part of the listing (${errorMessage(error)}); listing the active findings as one instead`,
      );
      // The parts' calls before the refusal are not counted: the error carries no count.
      const single = await listSingle(inspector, resourceTypes, words, options);
      return { ...single, calls: PROBE_PAGES + single.calls };
    }
    // The probe's pages are a sample of the same listing: a part filter the server read in
    // another way (a PREFIX taken as EQUALS) would leave its findings out of every part. A
    // finding closed since the probe is missing too, rightly: those are asked for again by ARN,
    // and only one still ACTIVE means the parts missed it.
    const missing = missingFromParts(probe, listed, resourceTypes);
    let recheckCalls = 0;
    if (missing.length > 0) {
      const still =
        missing.length > ARNS_PER_FILTER
          ? undefined
          : await stillActive(inspector, missing, resourceTypes, words, options);
      recheckCalls = still?.calls ?? 0;
      if (still === undefined || still.arn !== undefined) {
        options.log(
          still === undefined
            ? `the listing in parts lacks finding ${missing[0]} that its first pages held (and ${missing.length - 1} more: a part filter Inspector2 reads differently); listing the active findings as one instead`
            : `the listing in parts lacks finding ${still.arn} that its first pages held and that is still ACTIVE (a part filter Inspector2 reads differently); listing the active findings as one instead`,
        );
        const single = await listSingle(inspector, resourceTypes, words, options);
        return { ...single, calls: PROBE_PAGES + listed.calls + recheckCalls + single.calls };
      }
      options.log(
        `${missing.length} finding(s) of the first pages are no longer ACTIVE; the listing in parts stands`,
      );
    }
    return { ...listed, calls: PROBE_PAGES + listed.calls + recheckCalls };
  }
  return listSingle(inspector, resourceTypes, words, options, resumed(probe, listing));
}

/**
 * The findingArns of the ACTIVE findings of wanted types on the probe's pages that the parts did
 * not list, in page order; empty when the parts hold them all.
 */
function missingFromParts(
  probe: readonly ListFindingsCommandOutput[],
  listed: ListedActiveFindings,
  resourceTypes: readonly string[],
): string[] {
  const wanted = new Set(resourceTypes);
  const inParts = new Set(listed.findings.map(({ finding }) => finding.sourceId));
  const missing: string[] = [];
  for (const page of probe) {
    for (const raw of page.findings ?? []) {
      const type = raw.resources?.[0]?.type;
      if (raw.status !== 'ACTIVE' || type === undefined || !wanted.has(type)) continue;
      if (raw.findingArn !== undefined && !inParts.has(raw.findingArn))
        missing.push(raw.findingArn);
    }
  }
  return missing;
}

/** findingArn values one ListFindings filter takes at most (FilterCriteria: 1–10 per field). */
const ARNS_PER_FILTER = 10;

/**
 * The first of `arns` (at most ARNS_PER_FILTER) that Inspector2 still lists as ACTIVE (of
 * `resourceTypes`), with the calls made: one listing filtered by findingArn EQUALS (ORed), ACTIVE
 * and the types, with the same checks as every listing. The caller does not ask about more than
 * ARNS_PER_FILTER: that many closed between two reads is unlikely, and it lists everything as one
 * instead, which is always sound.
 */
async function stillActive(
  inspector: Inspector2Client,
  arns: readonly string[],
  resourceTypes: readonly string[],
  words: ListingWords,
  options: ActiveListingOptions,
): Promise<{ arn?: string; calls: number }> {
  const asked = new Set(arns);
  let found: string | undefined;
  const calls = await listFindingPages(
    inspector,
    {
      ...activeFilter(resourceTypes),
      findingArn: arns.map((value) => ({ comparison: 'EQUALS' as const, value })),
    },
    words,
    options,
    (raw) => {
      checkActive(raw);
      const arn = raw.findingArn as string; // checkActive checked it
      if (raw.status !== 'ACTIVE' || !asked.has(arn)) return false;
      found ??= arn;
      return true;
    },
  );
  return { ...(found !== undefined && { arn: found }), calls };
}

/** The re-check every returned finding gets first: `findingProblem` refuses it, naming the call. */
function checkActive(raw: InspectorFinding): void {
  const problem = findingProblem(raw);
  if (problem !== undefined) {
    throw new UndecidedError(
      `inspector2:ListFindings answered a finding that ${problem} ` +
        `(${raw.findingArn ?? 'no findingArn'}); refusing to read a malformed answer as "nothing"`,
    );
  }
}

/** The `single` plan of `listActiveFindings`, continuing `pages` when the probe opened it. */
async function listSingle(
  inspector: Inspector2Client,
  resourceTypes: readonly string[],
  words: ListingWords,
  options: ActiveListingOptions,
  pages?: AsyncIterable<ListFindingsCommandOutput>,
): Promise<ListedActiveFindings> {
  const wanted = new Set(resourceTypes);
  const findings: ActiveFinding[] = [];
  let dropped = 0;
  const calls = await listFindingPages(
    inspector,
    activeFilter(resourceTypes),
    words,
    options,
    (raw) => {
      // Every finding the server sent is checked, also those the re-check drops.
      checkActive(raw);
      const type = raw.resources?.[0]?.type;
      if (raw.status !== 'ACTIVE' || type === undefined || !wanted.has(type)) {
        dropped += 1;
        return false;
      }
      findings.push(toActiveFinding(raw));
      return true;
    },
    ...(pages !== undefined ? [pages] : []),
  );
  return { findings, calls, dropped, plan: 'single' };
}

/** The `partitioned` plan of `listActiveFindings` (its calls without the probe's). */
async function listActivePartitions(
  inspector: Inspector2Client,
  partitions: readonly ActivePartition[],
  options: ActiveListingOptions,
): Promise<ListedActiveFindings> {
  const listed = await listInParts(
    inspector,
    partitions.map((partition) => {
      const name = partitionName(partition);
      return {
        name,
        filter: partitionFilter(partition),
        words: {
          what: `active Inspector2 findings (${name})`,
          counted: `active ${name} findings`,
          pages: `of active ${name} findings`,
        },
        holds: (raw: InspectorFinding) => inPartition(raw, partition),
      };
    }),
    { ...options, gate: concurrencyLimit(LISTING_CONCURRENCY) },
    {
      check: checkActive,
      keep: (raw) => (raw.status === 'ACTIVE' ? toActiveFinding(raw) : undefined),
      misfiled: (raw, arn, { name }) =>
        `inspector2:ListFindings answered finding ${arn} (${String(raw.resources?.[0]?.type)}, ${String(raw.severity)}) when asked for ${name} findings only: ` +
        'the filter was not applied, so the listing in parts cannot vouch that it is complete; refusing to read it',
      repeated: (arn, earlier, part) =>
        `inspector2:ListFindings listed finding ${arn} twice (${earlier.name}${earlier === part ? ' again' : ` and ${part.name}`}): ` +
        'a listing that repeats findings cannot vouch that it is complete; retry the run',
    },
  );
  return {
    findings: listed.parts.flatMap((part) => part.kept),
    calls: listed.parts.reduce((sum, part) => sum + part.calls, 0),
    dropped: listed.dropped,
    plan: 'partitioned',
    partitions: partitions.length,
  };
}
