import { controlForConfigRuleName, namedIn, ruleNames } from '../core/controls';
import { applyExceptions, exceptionWarnings, isComplianceId } from '../core/exceptions';
import { countBySeverity, severityRank, type Finding } from '../core/model';
import type { LoadedPolicy, Policy, PolicyException } from '../core/policy';
import type { BlockingEntry, Verdict } from '../core/verdict';
import type { RuleStates } from '../sources/compliance';

export interface ComplianceSubject {
  source: 'config' | 'securityhub';
  region: string;
  scope: { tags: Record<string, string>; rules: string[] };
  rules: RuleStates;
}

/** Applies compliance.rules include/exclude: by control id, deployed rule name or identifier. */
export function ruleCounts(finding: Finding, rules: Policy['compliance']['rules']): boolean {
  return listedIn([finding.id, finding.rule?.name, ...(finding.aliases ?? [])], rules);
}

/** The same filter for a rule known only by its deployed name (an INSUFFICIENT_DATA rule). */
function ruleNameCounts(name: string, rules: Policy['compliance']['rules']): boolean {
  const control = controlForConfigRuleName(name);
  return listedIn(ruleNames(name, control), rules);
}

function listedIn(
  candidates: (string | null | undefined)[],
  rules: Policy['compliance']['rules'],
): boolean {
  const names = candidates.filter((value): value is string => typeof value === 'string');
  if (rules.include.length > 0 && !namedIn(names, rules.include)) return false;
  return !namedIn(names, rules.exclude);
}

function byRisk(a: BlockingEntry, b: BlockingEntry): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    a.id.localeCompare(b.id) ||
    a.resource.localeCompare(b.resource)
  );
}

/**
 * The compliance gate's decision. Pure, like the image gate's: the same findings, rule states,
 * policy and `now` always give the same verdict.
 */
export function evaluateCompliance(input: {
  findings: readonly Finding[];
  policy: LoadedPolicy;
  subject: ComplianceSubject;
  now: Date;
  /** Facts from collection that belong in the report (unknown tags, unmapped rules). */
  notes?: string[];
}): Verdict {
  const { policy, subject, now } = input;
  const rules = policy.policy.compliance;
  const counted = input.findings.filter(
    (finding) => finding.status === 'ACTIVE' && ruleCounts(finding, rules.rules),
  );
  const failing = counted.filter((finding) => rules.failOn.includes(finding.severity));
  const relevant = (exception: PolicyException): boolean => isComplianceId(exception.id);
  const { remaining, excepted, report } = applyExceptions(
    failing,
    counted,
    policy.policy.exceptions,
    now,
    relevant,
  );
  const blocking = remaining
    .map((finding): BlockingEntry => ({
      id: finding.id,
      severity: finding.severity,
      resource: finding.resource.id,
      reason:
        finding.rule?.annotation ??
        finding.description ??
        `${finding.severity} is in compliance.fail-on`,
      title: finding.title,
      packages: [],
      fixAvailable: finding.fixAvailable,
      ...(finding.url !== undefined && { url: finding.url }),
      ...(finding.rule && { rule: finding.rule.name }),
      ...(finding.remediation && { remediation: finding.remediation }),
    }))
    .sort(byRisk);
  // A rule compliance.rules leaves out does not count when it has no data either.
  const insufficient = subject.rules.insufficientData.filter((name) =>
    ruleNameCounts(name, rules.rules),
  );
  if (rules.insufficientData === 'block') {
    for (const name of insufficient) {
      blocking.push({
        id: name,
        severity: rules.defaultSeverity,
        resource: `AWS Config rule ${name}`,
        reason:
          'INSUFFICIENT_DATA: the rule has not evaluated its resources (compliance.insufficient-data: block)',
        title: `AWS Config rule ${name} has insufficient data`,
        packages: [],
        fixAvailable: 'no',
        rule: name,
      });
    }
  }
  const warnings = [
    ...(rules.insufficientData === 'warn' && insufficient.length > 0
      ? [
          `${insufficient.length} rule(s) have INSUFFICIENT_DATA and were not counted as compliant: ${insufficient.join(', ')}`,
        ]
      : []),
    ...(subject.rules.notApplicable.length > 0
      ? [
          `${subject.rules.notApplicable.length} rule(s) are NOT_APPLICABLE (no resource in scope): ${subject.rules.notApplicable.join(', ')}`,
        ]
      : []),
    ...exceptionWarnings(report, 'result(s)', 'non-compliant resource here'),
    ...(input.notes ?? []),
  ];
  return {
    verdict: blocking.length > 0 ? 'block' : 'pass',
    command: 'compliance-gate',
    subject: { ...subject },
    evaluatedAt: now.toISOString(),
    policy: { origin: policy.origin, sha256: policy.sha256 },
    counts: countBySeverity(counted),
    blocking,
    excepted: excepted.map(({ finding, exception }) => ({
      id: finding.id,
      severity: finding.severity,
      resource: finding.resource.id,
      exception,
    })),
    exceptions: report,
    warnings,
  };
}
