import {
  blockingSection,
  cell,
  closingSections,
  countsTable,
  headline,
  link,
} from '../core/markdown';
import { exceptionMatches } from '../core/exceptions';
import type { Finding } from '../core/model';
import type { SarifEntry } from '../core/sarif';
import type { BlockingEntry, Verdict } from '../core/verdict';
import type { ComplianceSubject } from './evaluate';

function subjectName(verdict: Verdict): string {
  const subject = verdict.subject as Partial<ComplianceSubject>;
  const tags = Object.entries(subject.scope?.tags ?? {}).map(([key, value]) => `${key}=${value}`);
  const scope = tags.length > 0 ? tags.join(', ') : 'every resource';
  return `${subject.source === 'securityhub' ? 'Security Hub' : 'AWS Config'} in ${subject.region ?? '?'} (${scope})`;
}

function fixText(entry: BlockingEntry): string {
  if (entry.remediation?.document) return `\`${entry.remediation.document}\``;
  if (entry.remediation?.why) return `none: ${cell(entry.remediation.why)}`;
  return '–';
}

/** summary.md and the job summary: the verdict first, then counts, then each failing resource and its fix. */
export function renderComplianceSummary(verdict: Verdict, reportDir?: string): string {
  const parts = [headline(verdict, subjectName(verdict))];
  const rules = (verdict.subject as Partial<ComplianceSubject>).rules;
  if (verdict.verdict === 'error') {
    parts.push(`**The gate could not decide, so it fails closed.**\n\n${verdict.error ?? ''}`);
  } else {
    const n = verdict.blocking.length;
    parts.push(
      verdict.verdict === 'block'
        ? `**${n} non-compliant result${n === 1 ? '' : 's'} block${n === 1 ? 's' : ''} this deploy.**`
        : `**No non-compliant result blocks this deploy** (${verdict.counts.total} failing result${verdict.counts.total === 1 ? '' : 's'} in scope).`,
      countsTable(verdict.counts),
    );
    const source = (verdict.subject as Partial<ComplianceSubject>).source;
    if (rules && source === 'config') {
      parts.push(
        `Rules: ${rules.evaluated} evaluated · ${rules.nonCompliant.length} non-compliant · ${rules.compliant.length} compliant · ${rules.insufficientData.length} insufficient data · ${rules.notApplicable.length} not applicable`,
      );
    } else if (rules && rules.nonCompliant.length > 0) {
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

/** Every failing result as a SARIF result; compliance lives in the policy file, so alerts point there. */
export function complianceSarifEntries(
  verdict: Verdict,
  findings: readonly Finding[],
  policyPath: string,
): SarifEntry[] {
  const blocking = new Set(verdict.blocking.map((entry) => `${entry.id}|${entry.resource}`));
  return findings.map((finding): SarifEntry => {
    const exception = verdict.excepted.find(
      (entry) => entry.id === finding.id && entry.resource === finding.resource.id,
    )?.exception;
    const covered = exception && exceptionMatches(exception, finding) ? exception : undefined;
    const blocks = blocking.has(`${finding.id}|${finding.resource.id}`);
    const fix = finding.remediation?.document
      ? ` Fix: SSM Automation ${finding.remediation.document}.`
      : '';
    return {
      ruleId: finding.id,
      title: finding.title,
      ...(finding.description !== undefined && { description: finding.description }),
      ...(finding.url !== undefined && { helpUri: finding.url }),
      severity: finding.severity,
      level: covered
        ? 'note'
        : blocks
          ? 'error'
          : finding.severity === 'MEDIUM'
            ? 'warning'
            : 'note',
      message: `${finding.severity} ${finding.id}${finding.rule ? ` (${finding.rule.name})` : ''}: ${finding.resource.type} ${finding.resource.id} is not compliant.${finding.rule?.annotation ? ` ${finding.rule.annotation}` : ''}${fix}`,
      uri: policyPath,
      ...(covered && {
        suppressedBecause: `${covered.reason} (owner ${covered.owner}, expires ${covered.expires})`,
      }),
      fingerprint: `${finding.id}/${finding.resource.id}`,
      tags: ['compliance', finding.severity.toLowerCase()],
    };
  });
}
