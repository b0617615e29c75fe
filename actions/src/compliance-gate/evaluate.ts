import { controlNamed, namedIn, ruleNames } from '../core/controls';
import { applyExceptions, exceptionWarnings, isComplianceId } from '../core/exceptions';
import type { CallCounts } from '../core/collections';
import type { Finding } from '../core/model';
import type { LoadedPolicy, Policy, PolicyException } from '../core/policy';
import { findingsVerdict, type BlockingEntry, type Verdict } from '../core/verdict';
import type { ComplianceScope, RuleStates } from '../sources/compliance';

/** The deploy target a compliance-gate verdict is about, and the state of its rules. */
export interface ComplianceSubject {
  source: 'config' | 'securityhub';
  region: string;
  scope: ComplianceScope;
  rules: RuleStates;
}

/** The compliance gate's verdict; a run that failed early has only part of the subject. */
export type ComplianceVerdict = Verdict<Partial<ComplianceSubject>>;

/** What evidence.json keeps besides the findings: API calls made, and collection notes. */
export interface ComplianceContext {
  calls: CallCounts;
  /** Facts from collection that the verdict reports as warnings (unknown tags, unmapped rules). */
  notes: string[];
}

/** The subject of a decided verdict, or undefined when a field the evaluator needs is missing. */
export function resolvedComplianceSubject(
  subject: Partial<ComplianceSubject>,
): ComplianceSubject | undefined {
  const { source, region, scope, rules } = subject;
  if (source === undefined || region === undefined || scope === undefined || rules === undefined)
    return undefined;
  return { source, region, scope, rules };
}

/** Applies compliance.rules include/exclude: by control id, deployed rule name or identifier. */
export function ruleCounts(finding: Finding, rules: Policy['compliance']['rules']): boolean {
  return listedIn([finding.id, finding.rule?.name, ...(finding.aliases ?? [])], rules);
}

/**
 * The same filter for a rule known only by its name (an INSUFFICIENT_DATA Config rule's deployed
 * name, or a Security Hub control id with a WARNING or NOT_AVAILABLE result): every name the
 * control mapping table gives it, so `compliance.rules` may name either by control id, managed
 * identifier or rule name.
 */
function ruleNameCounts(name: string, rules: Policy['compliance']['rules']): boolean {
  return listedIn(ruleNames(name, controlNamed(name)), rules);
}

/** How a rule with no data is named in a blocking entry and a warning, by source. */
function insufficientDataWords(
  source: ComplianceSubject['source'],
  name: string,
): { resource: string; reason: string; title: string } {
  if (source === 'securityhub') {
    return {
      resource: `Security Hub control ${name}`,
      reason:
        'WARNING or NOT_AVAILABLE: Security Hub could not evaluate the control on a resource in scope (compliance.insufficient-data: block)',
      title: `Security Hub control ${name} has a WARNING or NOT_AVAILABLE result`,
    };
  }
  return {
    resource: `AWS Config rule ${name}`,
    reason:
      'INSUFFICIENT_DATA: the rule has not evaluated its resources (compliance.insufficient-data: block)',
    title: `AWS Config rule ${name} has insufficient data`,
  };
}

function listedIn(
  candidates: (string | null | undefined)[],
  rules: Policy['compliance']['rules'],
): boolean {
  const names = candidates.filter((value): value is string => typeof value === 'string');
  if (rules.include.length > 0 && !namedIn(names, rules.include)) return false;
  return !namedIn(names, rules.exclude);
}

/**
 * The compliance gate's decision. Pure, like the image gate's: the same findings, rule states,
 * policy and `now` always give the same verdict.
 *
 * Counted: ACTIVE findings that compliance.rules keeps; blocking: those whose severity is in
 * compliance.fail-on and no valid compliance exception covers, and with
 * `compliance.insufficient-data: block` every kept rule that has no data.
 */
export function evaluateCompliance(input: {
  findings: readonly Finding[];
  policy: LoadedPolicy;
  subject: ComplianceSubject;
  now: Date;
  /** Facts from collection that belong in the report (unknown tags, unmapped rules). */
  notes?: string[];
}): Verdict<ComplianceSubject> {
  const { policy, subject, now } = input;
  const rules = policy.policy.compliance;
  const counted = input.findings.filter(
    (finding) => finding.status === 'ACTIVE' && ruleCounts(finding, rules.rules),
  );
  const failing = counted.filter((finding) => rules.failOn.includes(finding.severity));
  const relevant = (exception: PolicyException): boolean => isComplianceId(exception.id);
  const exceptions = applyExceptions(failing, counted, policy.policy.exceptions, now, relevant);
  // A rule compliance.rules leaves out does not count when it has no data either.
  const insufficient = subject.rules.insufficientData.filter((name) =>
    ruleNameCounts(name, rules.rules),
  );
  const alsoBlocking: BlockingEntry[] = [];
  if (rules.insufficientData === 'block') {
    for (const name of insufficient) {
      alsoBlocking.push({
        id: name,
        severity: rules.defaultSeverity,
        ...insufficientDataWords(subject.source, name),
        packages: [],
        fixAvailable: 'no',
        rule: name,
      });
    }
  }
  const noData =
    subject.source === 'securityhub'
      ? 'Security Hub control(s) have WARNING or NOT_AVAILABLE results in scope'
      : 'rule(s) have INSUFFICIENT_DATA';
  const warnings = [
    ...(rules.insufficientData === 'warn' && insufficient.length > 0
      ? [
          `${insufficient.length} ${noData} and were not counted as compliant: ${insufficient.join(', ')}`,
        ]
      : []),
    ...(subject.rules.notApplicable.length > 0
      ? [
          `${subject.rules.notApplicable.length} rule(s) are NOT_APPLICABLE (no resource in scope): ${subject.rules.notApplicable.join(', ')}`,
        ]
      : []),
    ...exceptionWarnings(exceptions.report, 'result(s)', 'non-compliant resource here'),
    ...(input.notes ?? []),
  ];
  return findingsVerdict({
    command: 'compliance-gate',
    subject,
    policy,
    now,
    counted,
    exceptions,
    reasonOf: (finding) =>
      finding.rule?.annotation ??
      finding.description ??
      `${finding.severity} is in compliance.fail-on`,
    resourceOf: (finding) => finding.resource.id,
    alsoBlocking,
    warnings,
  });
}
