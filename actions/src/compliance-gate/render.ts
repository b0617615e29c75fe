import {
  blockingSection,
  cell,
  closingSections,
  gateSummaryHead,
  link,
  type GateWords,
} from '../core/markdown';
import type { Finding } from '../core/model';
import { sarifDecisions, type SarifEntry } from '../core/sarif';
import type { BlockingEntry } from '../core/verdict';
import type { ComplianceSubject, ComplianceVerdict } from './evaluate';

/** How the compliance gate names what it counts, in its summary and its outcome line. */
export const COMPLIANCE_WORDS: GateWords = {
  noun: 'non-compliant result',
  counted: 'failing result',
  where: 'in scope',
};

function subjectName(subject: Partial<ComplianceSubject>): string {
  const tags = Object.entries(subject.scope?.tags ?? {}).map(([key, value]) => `${key}=${value}`);
  const scope = tags.length > 0 ? tags.join(', ') : 'every resource';
  return `${subject.source === 'securityhub' ? 'Security Hub' : 'AWS Config'} in ${subject.region ?? '?'} (${scope})`;
}

function fixText(entry: BlockingEntry): string {
  if (entry.remediation?.document) return `\`${entry.remediation.document}\``;
  if (entry.remediation?.why) return `none: ${cell(entry.remediation.why)}`;
  return '–';
}

/**
 * summary.md and the job summary (Markdown): the verdict first, then counts and the rule
 * states, then each failing resource and its fix (at most MAX_SUMMARY_ROWS rows), then
 * exceptions, warnings and where the reports are.
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
      parts.push(`Failing controls: ${rules.nonCompliant.join(', ')}`);
    }
  }
  parts.push(
    ...blockingSection(
      verdict,
      '### Blocking results',
      ['Severity', 'Control', 'Rule', 'Resource', 'Why it fails', 'Fix (SSM Automation)'],
      (entry) => [
        entry.severity,
        link(entry.id, entry.url),
        cell(entry.rule),
        cell(entry.resource),
        cell(entry.reason),
        fixText(entry),
      ],
    ),
  );
  parts.push(...closingSections(verdict, reportDir));
  return `${parts.join('\n\n')}\n`;
}

/**
 * Every failing result as a SARIF result. Compliance lives in the policy file (`policyPath`,
 * repository-relative), so alerts point there; levels and suppressions come from the verdict
 * (core/sarif `sarifDecisions`, matched to verdict entries by id and resource).
 */
export function complianceSarifEntries(
  verdict: ComplianceVerdict,
  findings: readonly Finding[],
  policyPath: string,
): SarifEntry[] {
  const decide = sarifDecisions(verdict, (entry) => `${entry.id}|${entry.resource}`);
  return findings.map((finding): SarifEntry => {
    const fix = finding.remediation?.document
      ? ` Fix: SSM Automation ${finding.remediation.document}.`
      : '';
    return {
      ruleId: finding.id,
      title: finding.title,
      ...(finding.description !== undefined && { description: finding.description }),
      ...(finding.url !== undefined && { helpUri: finding.url }),
      severity: finding.severity,
      ...decide(finding),
      message: `${finding.severity} ${finding.id}${finding.rule ? ` (${finding.rule.name})` : ''}: ${finding.resource.type} ${finding.resource.id} is not compliant.${finding.rule?.annotation ? ` ${finding.rule.annotation}` : ''}${fix}`,
      uri: policyPath,
      fingerprint: `${finding.id}/${finding.resource.id}`,
      tags: ['compliance', finding.severity.toLowerCase()],
    };
  });
}
