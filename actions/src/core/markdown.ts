/**
 * The Markdown every summary is built from (summary.md, the job summary, the CLI's stdout). Cells
 * and text that come from AWS or the user go through core/escape (`markdownText`, `markdownCode`,
 * `markdownLink`) before they reach anything here; `finishSummary` then bounds the whole.
 */
import { Buffer } from 'node:buffer';
import { markdownCode, markdownText } from './escape';
import { SEVERITIES, type SeverityCounts } from './model';
import { BUILT_IN_POLICY_ORIGIN } from './policy-origin';
import { sarifCut } from './sarif';
import type { AnyVerdict, BlockingBase, Verdict } from './verdict';

/** A Markdown table; headers and cells must already be escaped (core/escape). */
export function table(headers: string[], rows: string[][]): string {
  const head = `| ${headers.join(' | ')} |`;
  const rule = `| ${headers.map(() => '---').join(' | ')} |`;
  return [head, rule, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
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

/**
 * `## assetguard <command>: <verdict> — <subject>`: the first line of every summary.md. The
 * command is assetguard's own (`scan-gate`, `tags audit`); `subject` is Markdown whose untrusted
 * parts are already escaped.
 */
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

/** Lines of an error message listed in a summary; the rest are counted, and are in verdict.json. */
const MAX_ERROR_LINES = 50;

/**
 * Why a run could not decide, as Markdown: the message's first line as a paragraph, and each
 * further line (several policy problems, one per line) as a list item, each escaped (an error
 * carries AWS's text and the user's input).
 */
export function errorBlock(message: string | undefined): string {
  const lines = (message ?? 'no reason was recorded')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const [first = 'no reason was recorded', ...rest] = lines;
  const items = rest.slice(0, MAX_ERROR_LINES).map((line) => `- ${markdownText(line)}`);
  if (rest.length > MAX_ERROR_LINES) {
    items.push(`- …and ${rest.length - MAX_ERROR_LINES} more (verdict.json has them all)`);
  }
  return [markdownText(first), ...(items.length > 0 ? [items.join('\n')] : [])].join('\n\n');
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
    parts.push('**The gate could not decide, so it fails closed.**', errorBlock(verdict.error));
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
 * target, out of how many counted, and where the reports are. Plain text: the boundary that
 * prints it (core/runner `runBoundary`) makes it one log line (`logLine`).
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

/**
 * `Policy: <file> (sha256 <12 hex>) · evaluated <time>`: which policy decided. A policy that was
 * never loaded has no file and no hash, and the line says so.
 */
export function policyLine(
  policy: { origin: string; sha256: string },
  evaluatedAt: string,
): string {
  const evaluated = `evaluated ${markdownText(evaluatedAt)}`;
  if (policy.sha256 === '') return `Policy: not loaded · ${evaluated}`;
  const origin =
    policy.origin === BUILT_IN_POLICY_ORIGIN ? 'the built-in default' : markdownCode(policy.origin);
  return `Policy: ${origin} (sha256 ${markdownCode(policy.sha256.slice(0, 12))}) · ${evaluated}`;
}

/**
 * A bulleted list of untrusted lines (warnings), each escaped, at most MAX_SUMMARY_ROWS of them;
 * `where` names the file that has them all.
 */
export function escapedList(lines: readonly string[], where: string): string {
  const items = lines.slice(0, MAX_SUMMARY_ROWS).map((line) => `- ${markdownText(line)}`);
  if (lines.length > MAX_SUMMARY_ROWS) {
    items.push(`- …and ${lines.length - MAX_SUMMARY_ROWS} more in ${where}`);
  }
  return items.join('\n');
}

/** The machine-read reports every command writes, named in a summary's closing line. */
export const COMMON_REPORT_NAMES: readonly string[] = ['verdict.json', 'evidence.json'];

/** What the gates write besides: results.sarif, for code scanning. */
export const GATE_REPORT_NAMES: readonly string[] = [
  'verdict.json',
  'results.sarif',
  'evidence.json',
];

/**
 * The sections every summary ends with: exceptions, warnings and where the reports are, naming
 * `reportNames` (the files this command writes there: only those, so a summary never points at a
 * file that is not there).
 */
export function closingSections(
  verdict: AnyVerdict,
  reportDir: string | undefined,
  reportNames: readonly string[] = COMMON_REPORT_NAMES,
): string[] {
  const sections: string[] = [];
  if (verdict.excepted.length > 0) {
    sections.push(
      `### Excepted (${verdict.excepted.length})`,
      table(
        ['Severity', 'Id', 'Reason', 'Owner', 'Expires'],
        verdict.excepted
          .slice(0, MAX_SUMMARY_ROWS)
          .map((entry) => [
            markdownText(entry.severity),
            markdownText(entry.id),
            markdownText(entry.exception.reason),
            markdownText(entry.exception.owner),
            markdownText(entry.exception.expires),
          ]),
      ),
    );
    if (verdict.excepted.length > MAX_SUMMARY_ROWS) {
      sections.push(`…and ${verdict.excepted.length - MAX_SUMMARY_ROWS} more in verdict.json.`);
    }
  }
  if (verdict.warnings.length > 0) {
    sections.push('### Warnings', escapedList(verdict.warnings, 'verdict.json'));
  }
  const policy = policyLine(verdict.policy, verdict.evaluatedAt);
  sections.push(
    reportDir
      ? `${policy} · reports in ${markdownCode(reportDir)} (${reportNames.join(', ')}; reproduce with ${markdownCode(`assetguard replay ${reportDir}`)})`
      : policy,
  );
  return sections;
}

/** Rows of a summary table; the full list is always in the JSON reports. */
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

/**
 * The most a summary may be, in UTF-8 bytes. GitHub refuses a step's job summary over 1 MiB
 * ("$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k"), and several
 * steps of a job add up on the page: half of it leaves room for everything else.
 */
export const MAX_SUMMARY_BYTES = 512 * 1024;

/**
 * The summary as written: the parts joined as paragraphs, no line able to start a workflow
 * command when printed (a leading `::` escaped as `\::`, any `##[` broken by a zero-width space:
 * the CLI prints the summary to stdout, which a workflow step's runner reads), and cut at a line
 * boundary under MAX_SUMMARY_BYTES with a closing line that says what was cut and that `fullData`
 * (e.g. "verdict.json in `dir`") has everything.
 */
export function finishSummary(parts: readonly string[], fullData: string): string {
  const text = `${parts.join('\n\n')}\n`
    .split('\n')
    .map((line) => line.replace(/^(\s*)::/, '$1\\::').replace(/##\[/g, '##\u200b['))
    .join('\n');
  const bytes = Buffer.byteLength(text);
  if (bytes <= MAX_SUMMARY_BYTES) return text;
  const note = `\n\n**This summary was cut at ${Math.floor(MAX_SUMMARY_BYTES / 1024)} KiB of ${Math.ceil(bytes / 1024)} KiB** (GitHub shows at most 1 MiB per step): ${fullData} has everything.\n`;
  const room = MAX_SUMMARY_BYTES - Buffer.byteLength(note);
  const head = Buffer.from(text).subarray(0, room).toString('utf8');
  return `${head.slice(0, Math.max(0, head.lastIndexOf('\n')))}${note}`;
}

/**
 * A paragraph saying that results.sarif keeps only the most severe results, when a gate has more
 * than code scanning accepts in one run (core/sarif `sarifCut`); nothing otherwise.
 */
export function sarifCutNote(total: number): string[] {
  const cut = sarifCut(total);
  return cut
    ? [
        `results.sarif holds the ${cut.kept} most severe of ${cut.total} results (blocking first): GitHub code scanning accepts at most ${cut.kept} per run. verdict.json and evidence.json have every one.`,
      ]
    : [];
}

/** Where a cut summary points for everything: verdict.json, in the report directory. */
export function fullDataIn(reportDir: string | undefined, file = 'verdict.json'): string {
  return reportDir ? `${file} in ${markdownCode(reportDir)}` : file;
}
