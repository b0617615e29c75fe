import { SEVERITIES, type SeverityCounts } from './model';
import type { BlockingEntry, Verdict } from './verdict';

/** Escapes text for a Markdown table cell. */
export function cell(text: string | number | undefined): string {
  if (text === undefined || text === '') return '–';
  return String(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function table(headers: string[], rows: string[][]): string {
  const head = `| ${headers.join(' | ')} |`;
  const rule = `| ${headers.map(() => '---').join(' | ')} |`;
  return [head, rule, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

export function link(text: string, url: string | undefined): string {
  return url ? `[${cell(text)}](${url})` : cell(text);
}

export function countsTable(counts: SeverityCounts): string {
  return table(
    [...SEVERITIES.map((severity) => severity), 'Total'],
    [[...SEVERITIES.map((severity) => String(counts[severity])), String(counts.total)]],
  );
}

const HEADLINE: Record<Verdict['verdict'], string> = {
  pass: '✅ PASSED',
  block: '❌ BLOCKED',
  error: '⚠️ COULD NOT DECIDE',
};

export function headline(verdict: Verdict, subject: string): string {
  return `## assetguard ${verdict.command}: ${HEADLINE[verdict.verdict]} — ${subject}`;
}

/** The sections every gate summary ends with: exceptions, warnings and where the reports are. */
export function closingSections(verdict: Verdict, reportDir: string | undefined): string[] {
  const sections: string[] = [];
  if (verdict.excepted.length > 0) {
    sections.push(
      `### Excepted (${verdict.excepted.length})`,
      table(
        ['Severity', 'Id', 'Reason', 'Owner', 'Expires'],
        verdict.excepted.map((entry) => [
          entry.severity,
          cell(entry.id),
          cell(entry.exception.reason),
          cell(entry.exception.owner),
          entry.exception.expires,
        ]),
      ),
    );
  }
  if (verdict.warnings.length > 0) {
    sections.push('### Warnings', verdict.warnings.map((warning) => `- ${warning}`).join('\n'));
  }
  const policy = `Policy: \`${verdict.policy.origin}\` (sha256 \`${verdict.policy.sha256.slice(0, 12)}\`) · evaluated ${verdict.evaluatedAt}`;
  sections.push(
    reportDir
      ? `${policy} · reports in \`${reportDir}\` (verdict.json, results.sarif, evidence.json; reproduce with \`assetguard replay ${reportDir}\`)`
      : policy,
  );
  return sections;
}

/** Job summaries are capped at 1 MiB; the full list is always in verdict.json. */
export const MAX_SUMMARY_ROWS = 100;

/** The table of what blocks, capped at MAX_SUMMARY_ROWS rows, or nothing when nothing blocks. */
export function blockingSection(
  verdict: Verdict,
  title: string,
  headers: string[],
  row: (entry: BlockingEntry) => string[],
): string[] {
  if (verdict.blocking.length === 0) return [];
  const parts = [title, table(headers, verdict.blocking.slice(0, MAX_SUMMARY_ROWS).map(row))];
  if (verdict.blocking.length > MAX_SUMMARY_ROWS) {
    parts.push(`…and ${verdict.blocking.length - MAX_SUMMARY_ROWS} more in verdict.json.`);
  }
  return parts;
}
