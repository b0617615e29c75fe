import { SEVERITIES, type SeverityCounts } from './model';
import type { AnyVerdict, BlockingBase, Verdict } from './verdict';

/** Escapes text for a Markdown table cell: `\` and `|` escaped, line breaks as spaces, `–` for none. */
export function cell(text: string | number | undefined): string {
  if (text === undefined || text === '') return '–';
  return String(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A Markdown table; headers and cells must already be escaped (`cell`, `link`). */
export function table(headers: string[], rows: string[][]): string {
  const head = `| ${headers.join(' | ')} |`;
  const rule = `| ${headers.map(() => '---').join(' | ')} |`;
  return [head, rule, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** `[text](url)` with the text escaped for a cell, or the text alone when there is no URL. */
export function link(text: string, url: string | undefined): string {
  return url ? `[${cell(text)}](${url})` : cell(text);
}

/** One row of counts per severity, most severe first, then the total. */
export function countsTable(counts: SeverityCounts): string {
  return table(
    [...SEVERITIES.map((severity) => severity), 'Total'],
    [[...SEVERITIES.map((severity) => String(counts[severity])), String(counts.total)]],
  );
}

const HEADLINE: Record<AnyVerdict['verdict'], string> = {
  pass: '✅ PASSED',
  block: '❌ BLOCKED',
  error: '⚠️ COULD NOT DECIDE',
};

/** `## assetguard <command>: <verdict> — <subject>`: the first line of every summary.md. */
export function headline(verdict: AnyVerdict, subject: string): string {
  return `## assetguard ${verdict.command}: ${HEADLINE[verdict.verdict]} — ${subject}`;
}

/** How a gate names what it counts, for its summary and its outcome line. */
export interface GateWords {
  /** One thing that can block: `finding`, `non-compliant result`. */
  noun: string;
  /** One thing counted: `ACTIVE finding`, `failing result`. */
  counted: string;
  /** Where they were counted: `in all`, `in scope`. */
  where: string;
}

/** `1 finding`, `2 findings`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * The head of a gate summary: the headline, then what the verdict means for the deploy (or why
 * it could not decide), then the counts per severity.
 */
export function gateSummaryHead(
  verdict: Verdict<unknown, SeverityCounts, BlockingBase>,
  subject: string,
  words: GateWords,
): string[] {
  const parts = [headline(verdict, subject)];
  if (verdict.verdict === 'error') {
    parts.push(`**The gate could not decide, so it fails closed.**\n\n${verdict.error ?? ''}`);
    return parts;
  }
  const n = verdict.blocking.length;
  const { total } = verdict.counts;
  parts.push(
    verdict.verdict === 'block'
      ? `**${plural(n, words.noun)} block${n === 1 ? 's' : ''} this deploy.**`
      : `**No ${words.noun} blocks this deploy** (${plural(total, words.counted)} ${words.where}).`,
    countsTable(verdict.counts),
  );
  return parts;
}

/**
 * The one line a gate ends with (pass or block; the runner words errors): what blocks which
 * target, out of how many counted, and where the reports are.
 */
export function gateOutcomeLine(
  verdict: Verdict<unknown, SeverityCounts, BlockingBase>,
  target: string,
  words: GateWords,
  reportDir: string,
): string {
  const n = verdict.blocking.length;
  const counted = `${plural(verdict.counts.total, words.counted)} ${words.where}`;
  return verdict.verdict === 'block'
    ? `blocked: ${plural(n, words.noun)} block${n === 1 ? 's' : ''} ${target} (of ${counted}); see ${reportDir}/summary.md`
    : `passed: no ${words.noun} blocks ${target} (${counted}); reports in ${reportDir}`;
}

/** The sections every summary ends with: exceptions, warnings and where the reports are. */
export function closingSections(verdict: AnyVerdict, reportDir: string | undefined): string[] {
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
export function blockingSection<B extends BlockingBase>(
  verdict: Verdict<unknown, unknown, B>,
  title: string,
  headers: string[],
  row: (entry: B) => string[],
): string[] {
  if (verdict.blocking.length === 0) return [];
  const parts = [title, table(headers, verdict.blocking.slice(0, MAX_SUMMARY_ROWS).map(row))];
  if (verdict.blocking.length > MAX_SUMMARY_ROWS) {
    parts.push(`…and ${verdict.blocking.length - MAX_SUMMARY_ROWS} more in verdict.json.`);
  }
  return parts;
}
