import { applyExceptions, exceptionWarnings, exceptionKind } from '../core/exceptions';
import {
  countBySeverity,
  SEVERITIES,
  type Finding,
  type Severity,
  type SeverityCounts,
} from '../core/model';
import type { LoadedPolicy, Policy, PolicyException } from '../core/policy';
import { classificationFailOn } from '../core/tag-policy';
import { findingsVerdict, type Verdict } from '../core/verdict';
import type { ScanEvidence } from '../sources/ecr';

/** The image a scan-gate verdict is about: resolved to its digest, with its repository's tags. */
export interface ImageSubject {
  /** The reference as the user gave it. */
  image: string;
  repository: string;
  /** sha256:<64 hex>. */
  digest: string;
  tag?: string;
  region: string;
  registryId?: string;
  /**
   * The repository's tags (ECR ListTagsForResource), read when the policy classifies by tag
   * (tags.classification); the classification is decided from them by `evaluateImage`.
   */
  repositoryTags?: Record<string, string>;
  /** Decided by `evaluateImage`: the level whose own image fail-on applied. Ignored as input. */
  classification?: { level: string; failOn: Severity[] };
  /**
   * Set when the reference names an image index (a multi-platform build, or buildx's default
   * provenance): `digest` is then the index's, and these are the platform manifests gated, each
   * with ECR's severity counts of its own scan. ECR and Inspector2 scan platform manifests, never
   * the index, so each is decided on its own and the verdict is the worst of theirs.
   */
  platforms?: ImagePlatform[];
  /** Index entries not gated (attestation manifests: provenance, SBOM), with why. */
  skipped?: SkippedManifest[];
}

/** One platform manifest of an image index, as the gate decided on it. */
export interface ImagePlatform {
  /** The platform manifest's digest: what ECR and Inspector2 scanned. */
  digest: string;
  /** `os/architecture[/variant]`, as the index declares it. */
  platform: string;
  /**
   * ECR's per-severity counts of this manifest's scan when ECR gave any (cross-checked against the
   * listing, like `scanCounts` of a single image); absent when ECR gave none ("no counts" is not zero).
   */
  ecrCounts?: SeverityCounts;
}

/** An index entry the gate did not decide on, and why. */
export interface SkippedManifest {
  digest: string;
  platform?: string;
  reason: string;
}

/** The scan gate's verdict; a run that failed before resolving the image has only part of the subject. */
export type ImageVerdict = Verdict<Partial<ImageSubject>>;

/** What evidence.json keeps besides the findings: the scan evidence and the listing's costs. */
export interface ScanContext {
  /** The evidence the scan wait settled on, for a single image (absent for an image index). */
  scan?: ScanEvidence;
  /** ListFindings calls, over every platform of an index. */
  listFindingsCalls: number;
  /**
   * A single image listed by severity partition (sources/inspector.ts, ListingPlan `severity`):
   * the calls of each partition, max(1, ceil(n_s/100)) each; absent for one paginated listing.
   */
  listFindingsBySeverity?: Record<Severity, number>;
  /** Findings ListFindings returned for other images or statuses, dropped by the client re-check. */
  droppedByClientCheck: number;
  /** An image index: each platform manifest's scan evidence and listing costs, in index order. */
  platforms?: PlatformEvidence[];
  /** An image index: the entries not gated (attestation manifests), with why. */
  skipped?: SkippedManifest[];
}

/** The evidence of one platform manifest of an image index. */
export interface PlatformEvidence {
  digest: string;
  platform: string;
  scan: ScanEvidence;
  listFindingsCalls: number;
  /** As ScanContext.listFindingsBySeverity, for this platform's listing. */
  listFindingsBySeverity?: Record<Severity, number>;
  droppedByClientCheck: number;
}

/** The facts of a subject, without what `evaluateImage` decides (the classification). */
function imageFacts(subject: ImageSubject): ImageSubject {
  return {
    image: subject.image,
    repository: subject.repository,
    digest: subject.digest,
    region: subject.region,
    ...(subject.tag !== undefined && { tag: subject.tag }),
    ...(subject.registryId !== undefined && { registryId: subject.registryId }),
    ...(subject.repositoryTags !== undefined && { repositoryTags: subject.repositoryTags }),
    ...(subject.platforms !== undefined && { platforms: subject.platforms }),
    ...(subject.skipped !== undefined && { skipped: subject.skipped }),
  };
}

/**
 * The subject of a decided verdict as evaluated (the classification left to `evaluateImage`),
 * or undefined when the image was never resolved (no repository, digest or region).
 */
export function resolvedImageSubject(subject: Partial<ImageSubject>): ImageSubject | undefined {
  const { image, repository, digest, region } = subject;
  if (
    image === undefined ||
    repository === undefined ||
    digest === undefined ||
    region === undefined
  ) {
    return undefined;
  }
  return imageFacts({ ...subject, image, repository, digest, region });
}

/** Why a finding blocks under the image policy, or undefined when it does not. */
export function blockingReason(
  finding: Finding,
  policy: Policy['image'],
  failOnSource = 'image.fail-on',
): string | undefined {
  if (finding.status !== 'ACTIVE') return undefined;
  if (policy.failOn.includes(finding.severity)) {
    if (!policy.fixableOnly) return `${finding.severity} is in ${failOnSource}`;
    if (finding.fixAvailable !== 'no') {
      return `${finding.severity} is in ${failOnSource} and a fix is available`;
    }
  }
  const { epssAbove, exploitAvailable } = policy.alsoBlock;
  if (epssAbove !== undefined && finding.epss !== undefined && finding.epss >= epssAbove) {
    return `EPSS ${finding.epss} is at least image.also-block.epss-above ${epssAbove}`;
  }
  if (exploitAvailable && finding.exploitAvailable) {
    return 'a public exploit is known (image.also-block.exploit-available)';
  }
  return undefined;
}

/** What comparing ECR's counts of one image with its Inspector2 listing found. */
interface CountCheck {
  /** ECR counts more at fail-on severities than Inspector2 listed: both sets, side by side. */
  disagreement?: string;
  /** Gaps at other severities: worth a human's look, not a reason to stop. */
  warnings: string[];
}

function countsText(counts: SeverityCounts, severities: readonly Severity[]): string {
  return severities.map((severity) => `${severity} ${counts[severity]}`).join(', ');
}

/**
 * Compares ECR's per-severity counts of one image with the ACTIVE findings Inspector2 listed for
 * it (before exceptions). ECR counting more at a severity in `failOn` means the listing the
 * verdict rests on misses findings that would block: two sources that disagree are a reason to
 * stop (STYLE.md #15), e.g. enhanced findings still arriving (aws-sdk #289) or findings this role
 * cannot see (another account's registry). A gap at another severity cannot change the verdict
 * and stays a warning. More listed than counted is no gap: the listing is what the verdict uses.
 */
function checkCounts(
  scanCounts: SeverityCounts,
  active: readonly Finding[],
  failOn: readonly Severity[],
): CountCheck {
  const listed = countBySeverity(active);
  const gaps = SEVERITIES.filter((severity) => scanCounts[severity] > listed[severity]);
  const blocking = gaps.filter((severity) => failOn.includes(severity));
  const warnings = gaps
    .filter((severity) => !failOn.includes(severity))
    .map(
      (severity) =>
        `ECR counts ${scanCounts[severity]} ${severity} finding(s) but Inspector2 listed ${listed[severity]}; the verdict uses the Inspector2 list`,
    );
  if (blocking.length === 0) return { warnings };
  return {
    disagreement: `ECR counts ${countsText(scanCounts, blocking)}; Inspector2 listed ${countsText(listed, blocking)}`,
    warnings,
  };
}

/**
 * The image gate's decision. Pure: the same findings, policy, subject and `now` always give the
 * same verdict, which is what makes `assetguard replay` possible.
 *
 * A finding blocks when it is ACTIVE and `blockingReason` says so under `image` of the policy, or
 * under the fail-on of the repository's classification level when `tags.classification` maps the
 * repository's tags (`subject.repositoryTags`) to one; then no valid exception covers it.
 *
 * For an image index (`subject.platforms`), each platform manifest is decided on its own findings
 * (by `resource.imageDigest`): its blocking entries name its digest and platform, and the verdict
 * is the worst over the platforms (error > block > pass).
 *
 * ECR's counts (`scanCounts` for a single image, `platforms[].ecrCounts` for an index), when ECR
 * gave any, are cross-checked against the ACTIVE findings listed (before exceptions): ECR counting
 * more at a severity of the effective fail-on makes the verdict `error` (exit 2), with both counts
 * in `error`; a gap at another severity is a warning. The verdict's subject is `subject` with
 * `classification` decided.
 */
export function evaluateImage(input: {
  findings: readonly Finding[];
  policy: LoadedPolicy;
  subject: ImageSubject;
  now: Date;
  scanCounts?: SeverityCounts;
}): Verdict<ImageSubject> {
  const { policy, now } = input;
  const base = imageFacts(input.subject);
  const classification = classificationFailOn(policy.policy.tags, base.repositoryTags ?? {});
  const subject: ImageSubject = { ...base, ...(classification && { classification }) };
  const failOn = classification?.failOn ?? policy.policy.image.failOn;
  const active = input.findings.filter((finding) => finding.status === 'ACTIVE');
  const platformOf = new Map(
    (subject.platforms ?? []).map((platform) => [platform.digest, platform.platform]),
  );
  const reasons = new Map<Finding, string>();
  for (const finding of active) {
    const reason = classification
      ? blockingReason(
          finding,
          { ...policy.policy.image, failOn: classification.failOn },
          `the fail-on of classification ${classification.level}`,
        )
      : blockingReason(finding, policy.policy.image);
    if (reason === undefined) continue;
    const platform = platformOf.get(finding.resource.imageDigest ?? '');
    reasons.set(finding, platform === undefined ? reason : `${reason} (platform ${platform})`);
  }
  // Exceptions scoped to another repository are about other images, and compliance and host
  // check exceptions are the other commands': none is stale here.
  const relevant = (exception: PolicyException): boolean =>
    exceptionKind(exception.id) === 'vulnerability' &&
    (exception.scope?.repository === undefined ||
      exception.scope.repository === subject.repository);
  const exceptions = applyExceptions(
    [...reasons.keys()],
    active,
    policy.policy.exceptions,
    now,
    relevant,
  );

  // ECR's counts against the listing, per scanned manifest.
  const checks: { label?: string; check: CountCheck }[] = [];
  if (subject.platforms !== undefined) {
    for (const platform of subject.platforms) {
      if (platform.ecrCounts === undefined) continue;
      const own = active.filter((finding) => finding.resource.imageDigest === platform.digest);
      checks.push({
        label: `${platform.platform} (${subject.repository}@${platform.digest})`,
        check: checkCounts(platform.ecrCounts, own, failOn),
      });
    }
  } else if (input.scanCounts !== undefined) {
    checks.push({ check: checkCounts(input.scanCounts, active, failOn) });
  }
  const labelled = (label: string | undefined, text: string): string =>
    label === undefined ? text : `${label}: ${text}`;
  const disagreements = checks.flatMap(({ label, check }) =>
    check.disagreement === undefined ? [] : [labelled(label, check.disagreement)],
  );

  const verdict = findingsVerdict({
    command: 'scan-gate',
    subject,
    policy,
    now,
    counted: active,
    exceptions,
    reasonOf: (finding) => reasons.get(finding) ?? '',
    resourceOf: (finding) =>
      `${subject.repository}@${finding.resource.imageDigest ?? subject.digest}`,
    warnings: [
      ...exceptionWarnings(exceptions.report, 'finding(s)', 'finding in this image'),
      ...checks.flatMap(({ label, check }) =>
        check.warnings.map((warning) => labelled(label, warning)),
      ),
    ],
  });
  if (disagreements.length === 0) return verdict;
  return {
    ...verdict,
    verdict: 'error',
    error:
      `ECR and Inspector2 disagree about ${subject.repository}@${subject.digest} at severities that block (${failOn.join(', ')}): ` +
      `${disagreements.join('; ')}. The verdict would rest on a listing that misses findings ECR counted, so the gate does not decide: ` +
      'Inspector2 may still be publishing them (retry in a few minutes), or this role cannot see them (an image in another account, or a registry with BASIC scanning)',
  };
}
