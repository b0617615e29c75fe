import { applyExceptions, exceptionWarnings, isComplianceId } from '../core/exceptions';
import {
  emptyCounts,
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
}

/** The scan gate's verdict; a run that failed before resolving the image has only part of the subject. */
export type ImageVerdict = Verdict<Partial<ImageSubject>>;

/** What evidence.json keeps besides the findings: the scan status and the listing's costs. */
export interface ScanContext {
  scan: ScanEvidence;
  listFindingsCalls: number;
  /** Findings ListFindings returned for other images or statuses, dropped by the client re-check. */
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

/**
 * Warns when Inspector2 listed fewer findings of a severity than ECR counted: the listing is
 * what the verdict rests on, so a gap is worth a human's look even when the gate passes.
 */
function countGapWarnings(scanCounts: SeverityCounts, findings: readonly Finding[]): string[] {
  const listed = emptyCounts();
  for (const finding of findings) listed[finding.severity] += 1;
  return SEVERITIES.filter((severity) => scanCounts[severity] > listed[severity]).map(
    (severity) =>
      `ECR counts ${scanCounts[severity]} ${severity} finding(s) but Inspector2 listed ${listed[severity]}; the verdict uses the Inspector2 list`,
  );
}

/**
 * The image gate's decision. Pure: the same findings, policy, subject and `now` always give the
 * same verdict, which is what makes `assetguard replay` possible.
 *
 * A finding blocks when it is ACTIVE and `blockingReason` says so under `image` of the policy, or
 * under the fail-on of the repository's classification level when `tags.classification` maps the
 * repository's tags (`subject.repositoryTags`) to one; then no valid exception covers it.
 * `scanCounts` (ECR's per-severity counts when the scan settled) is cross-checked against the
 * listing: a gap is a warning. The verdict's subject is `subject` with `classification` decided.
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
  const active = input.findings.filter((finding) => finding.status === 'ACTIVE');
  const reasons = new Map<Finding, string>();
  for (const finding of active) {
    const reason = classification
      ? blockingReason(
          finding,
          { ...policy.policy.image, failOn: classification.failOn },
          `the fail-on of classification ${classification.level}`,
        )
      : blockingReason(finding, policy.policy.image);
    if (reason !== undefined) reasons.set(finding, reason);
  }
  // Exceptions scoped to another repository are about other images, and compliance exceptions
  // (control ids, rule names) are the compliance gate's: neither is stale here.
  const relevant = (exception: PolicyException): boolean =>
    !isComplianceId(exception.id) &&
    (exception.scope?.repository === undefined ||
      exception.scope.repository === subject.repository);
  const exceptions = applyExceptions(
    [...reasons.keys()],
    active,
    policy.policy.exceptions,
    now,
    relevant,
  );
  return findingsVerdict({
    command: 'scan-gate',
    subject,
    policy,
    now,
    counted: active,
    exceptions,
    reasonOf: (finding) => reasons.get(finding) ?? '',
    resourceOf: () => `${subject.repository}@${subject.digest}`,
    warnings: [
      ...exceptionWarnings(exceptions.report, 'finding(s)', 'finding in this image'),
      ...(input.scanCounts ? countGapWarnings(input.scanCounts, active) : []),
    ],
  });
}
