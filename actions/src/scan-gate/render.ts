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
import type { Verdict } from '../core/verdict';

function subjectName(verdict: Verdict): string {
  const { repository, digest, tag, image } = verdict.subject as Record<string, string | undefined>;
  if (repository && digest)
    return `\`${repository}@${digest.slice(0, 19)}…\`${tag ? ` (${tag})` : ''}`;
  return `\`${image ?? 'image'}\``;
}

/** summary.md and the job summary: the verdict first, then counts, then what blocks and why. */
export function renderImageSummary(verdict: Verdict, reportDir?: string): string {
  const parts = [headline(verdict, subjectName(verdict))];
  if (verdict.verdict === 'error') {
    parts.push(`**The gate could not decide, so it fails closed.**\n\n${verdict.error ?? ''}`);
  } else {
    const n = verdict.blocking.length;
    parts.push(
      verdict.verdict === 'block'
        ? `**${n} finding${n === 1 ? '' : 's'} block${n === 1 ? 's' : ''} this deploy.**`
        : `**No finding blocks this deploy** (${verdict.counts.total} ACTIVE finding${verdict.counts.total === 1 ? '' : 's'} in all).`,
      countsTable(verdict.counts),
    );
  }
  parts.push(
    ...blockingSection(
      verdict,
      '### Blocking findings',
      ['Severity', 'Vulnerability', 'Package', 'Installed', 'Fixed in', 'Why it blocks'],
      (entry) => {
        const pkg = entry.packages[0];
        const more = entry.packages.length > 1 ? ` (+${entry.packages.length - 1})` : '';
        return [
          entry.severity,
          link(entry.id, entry.url),
          pkg ? `${cell(pkg.name)}${more}` : '–',
          cell(pkg?.installedVersion),
          pkg?.fixedVersion ? cell(pkg.fixedVersion) : 'no fix yet',
          cell(entry.reason),
        ];
      },
    ),
  );
  parts.push(...closingSections(verdict, reportDir));
  return `${parts.join('\n\n')}\n`;
}

/** Every ACTIVE finding as a SARIF result: blocking ones as errors, excepted ones suppressed. */
export function imageSarifEntries(verdict: Verdict, findings: readonly Finding[]): SarifEntry[] {
  const blocking = new Set(verdict.blocking.map((entry) => entry.id));
  const { repository, digest } = verdict.subject as Record<string, string>;
  return findings
    .filter((finding) => finding.status === 'ACTIVE')
    .map((finding): SarifEntry => {
      const exception = verdict.excepted.find((entry) => entry.id === finding.id)?.exception;
      const covered = exception && exceptionMatches(exception, finding) ? exception : undefined;
      const pkg = finding.packages[0];
      const pkgText = pkg
        ? ` in ${pkg.name} ${pkg.installedVersion ?? ''}${pkg.fixedVersion ? ` (fixed in ${pkg.fixedVersion})` : ' (no fix yet)'}`
        : '';
      const level = blocking.has(finding.id)
        ? 'error'
        : finding.severity === 'MEDIUM'
          ? 'warning'
          : 'note';
      return {
        ruleId: finding.id,
        title: finding.title,
        ...(finding.description !== undefined && { description: finding.description }),
        ...(finding.url !== undefined && { helpUri: finding.url }),
        severity: finding.severity,
        ...(finding.score !== undefined && { score: finding.score }),
        level: covered ? 'note' : level,
        message: `${finding.severity} ${finding.id}${pkgText} in image ${repository ?? ''}@${digest ?? ''}`,
        // Image findings have no source line; the Dockerfile is where a fix (new base or pin) lands.
        uri: 'Dockerfile',
        ...(covered && {
          suppressedBecause: `${covered.reason} (owner ${covered.owner}, expires ${covered.expires})`,
        }),
        fingerprint: `${finding.id}/${pkg?.name ?? ''}/${repository ?? ''}`,
        tags: ['container', finding.severity.toLowerCase()],
      };
    });
}
