import { applyExceptions, exceptionWarnings, isComplianceId } from '../core/exceptions';
import {
  countBySeverity,
  emptyCounts,
  SEVERITIES,
  severityRank,
  type Finding,
  type Severity,
  type SeverityCounts,
} from '../core/model';
import type { LoadedPolicy, Policy, PolicyException } from '../core/policy';
import type { BlockingEntry, Verdict } from '../core/verdict';

export interface ImageSubject {
  image: string;
  repository: string;
  digest: string;
  tag?: string;
  region: string;
  registryId?: string;
  /** Set when the repository's classification tag selects its own image.fail-on. */
  classification?: { level: string; failOn: Severity[] };
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

function byRisk(a: BlockingEntry, b: BlockingEntry): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (b.epss ?? 0) - (a.epss ?? 0) ||
    a.id.localeCompare(b.id)
  );
}

/**
 * The image gate's decision. Pure: the same findings, policy and `now` always give the same
 * verdict, which is what makes `assetguard replay` possible.
 */
export function evaluateImage(input: {
  findings: readonly Finding[];
  policy: LoadedPolicy;
  subject: ImageSubject;
  now: Date;
  /** ECR's per-severity counts when the scan settled, cross-checked against the listing. */
  scanCounts?: SeverityCounts;
}): Verdict {
  const { policy, subject, now } = input;
  const active = input.findings.filter((finding) => finding.status === 'ACTIVE');
  const reasons = new Map<Finding, string>();
  for (const finding of active) {
    const reason = subject.classification
      ? blockingReason(
          finding,
          { ...policy.policy.image, failOn: subject.classification.failOn },
          `the fail-on of classification ${subject.classification.level}`,
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
  const { remaining, excepted, report } = applyExceptions(
    [...reasons.keys()],
    active,
    policy.policy.exceptions,
    now,
    relevant,
  );
  const blocking = remaining
    .map((finding): BlockingEntry => ({
      id: finding.id,
      severity: finding.severity,
      resource: `${subject.repository}@${subject.digest}`,
      reason: reasons.get(finding) ?? '',
      title: finding.title,
      packages: finding.packages,
      fixAvailable: finding.fixAvailable,
      ...(finding.url !== undefined && { url: finding.url }),
      ...(finding.epss !== undefined && { epss: finding.epss }),
      ...(finding.exploitAvailable !== undefined && { exploitAvailable: finding.exploitAvailable }),
    }))
    .sort(byRisk);
  const warnings = [
    ...exceptionWarnings(report, 'finding(s)', 'finding in this image'),
    ...(input.scanCounts ? countGapWarnings(input.scanCounts, active) : []),
  ];
  return {
    verdict: blocking.length > 0 ? 'block' : 'pass',
    command: 'scan-gate',
    subject: { ...subject },
    evaluatedAt: now.toISOString(),
    policy: { origin: policy.origin, sha256: policy.sha256 },
    counts: countBySeverity(active),
    blocking,
    excepted: excepted.map(({ finding, exception }) => ({
      id: finding.id,
      severity: finding.severity,
      resource: `${subject.repository}@${subject.digest}`,
      exception,
    })),
    exceptions: report,
    warnings,
  };
}
