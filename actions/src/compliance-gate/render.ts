import { markdownCode, markdownLink, markdownText } from '../core/escape';
import {
  blockingSection,
  closingSections,
  GATE_REPORT_NAMES,
  finishSummary,
  fullDataIn,
  gateSummaryHead,
  MAX_SUMMARY_ROWS,
  sarifCutNote,
  type GateWords,
} from '../core/markdown';
import type { Finding } from '../core/model';
import {
  sarifDecisions,
  sarifLocation,
  type SarifDecision,
  type SarifEntry,
  type SarifSource,
} from '../core/sarif';
import type { BlockingEntry } from '../core/verdict';
import type { ComplianceSubject, ComplianceVerdict } from './evaluate';

/** How the compliance gate names what it counts, in its summary and its outcome line. */
export const COMPLIANCE_WORDS: GateWords = {
  noun: 'non-compliant result',
  counted: 'failing result',
  where: 'in scope',
};

function subjectName(subject: Partial<ComplianceSubject>): string {
  const tags = Object.entries(subject.scope?.tags ?? {}).map(([key, value]) =>
    markdownCode(`${key}=${value}`),
  );
  const scope = tags.length > 0 ? tags.join(', ') : 'every resource';
  const source = subject.source === 'securityhub' ? 'Security Hub' : 'AWS Config';
  const region = subject.region ? ` in ${markdownText(subject.region)}` : '';
  return `${source}${region} (${scope})`;
}

function fixText(entry: BlockingEntry): string {
  if (entry.remediation?.document) return markdownCode(entry.remediation.document);
  if (entry.remediation?.why) return `none: ${markdownText(entry.remediation.why)}`;
  return '–';
}

/**
 * Why a resource fails its rule, when the entry says: the rule's annotation (or the source's
 * description, or why a rule without data blocks). The policy's own words (`HIGH is in
 * compliance.fail-on`) say why it blocks, not why it fails, and the Rule column already names
 * the rule, so they give nothing here.
 */
function whyItFails(entry: BlockingEntry): string | undefined {
  return entry.reason === '' || entry.reason === `${entry.severity} is in compliance.fail-on`
    ? undefined
    : entry.reason;
}

/**
 * summary.md and the job summary (Markdown): the verdict first, then counts and the rule
 * states, then each failing resource and its fix (at most MAX_SUMMARY_ROWS rows; a "Why it
 * fails" column only when some entry says why), then exceptions, warnings and where the reports
 * are. Every value from AWS or the user is escaped (core/escape); the whole is bounded.
 */
export function renderComplianceSummary(verdict: ComplianceVerdict, reportDir?: string): string {
  const { subject } = verdict;
  const parts = gateSummaryHead(verdict, subjectName(subject), COMPLIANCE_WORDS);
  const { rules } = subject;
  if (verdict.verdict !== 'error' && rules) {
    if (subject.source === 'config') {
      parts.push(
        `Rules: ${rules.evaluated} evaluated · ${rules.nonCompliant.length} non-compliant · ${rules.compliant.length} compliant · ${rules.insufficientData.length} insufficient data · ${rules.notApplicable.length} not applicable`,
      );
    } else if (rules.nonCompliant.length > 0) {
      parts.push(
        `Failing controls: ${rules.nonCompliant.map((control) => markdownText(control)).join(', ')}`,
      );
    }
  }
  const shown = verdict.blocking.slice(0, MAX_SUMMARY_ROWS);
  const explained = shown.some((entry) => whyItFails(entry) !== undefined);
  parts.push(
    ...blockingSection(
      verdict,
      '### Blocking results',
      [
        'Severity',
        'Control',
        'Rule',
        'Resource',
        ...(explained ? ['Why it fails'] : []),
        'Fix (SSM Automation)',
      ],
      (entry) => [
        markdownText(entry.severity),
        markdownLink(entry.id, entry.url),
        markdownText(entry.rule),
        markdownCode(entry.resource),
        ...(explained ? [markdownText(whyItFails(entry))] : []),
        fixText(entry),
      ],
    ),
  );
  // results.sarif has every result the sources returned; the counts are over those in scope.
  if (verdict.verdict !== 'error') parts.push(...sarifCutNote(verdict.counts.total));
  parts.push(...closingSections(verdict, reportDir, GATE_REPORT_NAMES));
  return finishSummary(parts, fullDataIn(reportDir));
}

/**
 * Every failing result as a SARIF result; levels and suppressions come from the verdict (core/
 * sarif `sarifDecisions`, matched to verdict entries by id and resource). Compliance lives in the
 * policy file, so alerts point at the file the verdict's policy was loaded from; with the
 * built-in default, at the workflow file (`sarifLocation`), never at a file that may not exist.
 * A SarifSource for `toSarif`: a result's message and fingerprint are made only if the run keeps
 * it (at most 25,000 of them).
 */
export function complianceSarifSource(
  verdict: ComplianceVerdict,
  findings: readonly Finding[],
): SarifSource {
  const decide = sarifDecisions(verdict, (entry) => `${entry.id}|${entry.resource}`);
  const file = sarifLocation(verdict.policy.origin);
  const at = (index: number): Finding => findings[index] as Finding;
  // Decided once per finding: rank reads every one, entry the kept ones again.
  const decisions: (SarifDecision | undefined)[] = [];
  const decided = (index: number): SarifDecision => (decisions[index] ??= decide(at(index)));
  return {
    total: findings.length,
    rank: (index) => {
      const finding = at(index);
      return { level: decided(index).level, severity: finding.severity };
    },
    entry: (index): SarifEntry => {
      const finding = at(index);
      const fix = finding.remediation?.document
        ? ` Fix: SSM Automation ${finding.remediation.document}.`
        : '';
      return {
        ruleId: finding.id,
        title: finding.title,
        ...(finding.description !== undefined && { description: finding.description }),
        ...(finding.url !== undefined && { helpUri: finding.url }),
        severity: finding.severity,
        ...decided(index),
        message: `${finding.severity} ${finding.id}${finding.rule ? ` (${finding.rule.name})` : ''}: ${finding.resource.type} ${finding.resource.id} is not compliant.${finding.rule?.annotation ? ` ${finding.rule.annotation}` : ''}${fix}`,
        ...(file !== undefined && { file }),
        fingerprint: `${finding.id}/${finding.resource.id}`,
        tags: ['compliance', finding.severity.toLowerCase()],
      };
    },
  };
}

/** complianceSarifSource's results, every one built (for tests and small runs). */
export function complianceSarifEntries(
  verdict: ComplianceVerdict,
  findings: readonly Finding[],
  // compliance-gate/run.ts passed the policy input, which names the default path even when no
  // file was there and the built-in default applied: the location comes from the verdict's
  // policy instead.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  _policyInput?: string,
): SarifEntry[] {
  const source = complianceSarifSource(verdict, findings);
  return Array.from({ length: source.total }, (_, index) => source.entry(index));
}
