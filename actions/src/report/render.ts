/**
 * The daily report as text: the job summary and the daily issue (Markdown), the day's delta as a
 * comment, the report as JSON and the open findings as CSV. Every value that came from AWS or
 * the policy (titles, ids, ARNs, owners, rule names, tag types, reasons, URLs) goes through the
 * one escape for its medium (core/escape); only http(s) URLs become links. Tables show at most
 * `top` rows and say how many more the HTML report and the CSV hold.
 */
import { csv, markdownCode, markdownLink, markdownText, safeUrl } from '../core/escape';
import { finishSummary, plural, table } from '../core/markdown';
import { jsonChunks } from '../core/report-files';
import { SEVERITIES, type Severity, type SeverityCounts } from '../core/model';
import type { RemediationOutcomeStatus } from '../core/remediation-audit';
import {
  cveCoverage,
  type DailyReport,
  type FixedItem,
  type OpenItem,
  type RemediationOutcomeCounts,
  type RemediationProblem,
  type RemediationRun,
  type RemediationSection,
  type RemediationTotals,
} from './model';

/** Options of the Markdown renderers. */
export interface MarkdownOptions {
  /** Rows per table; the rest are counted and pointed to (HTML report, CSV). At least 1. */
  top: number;
  /** The workflow run's URL (links the artifacts); shown only when http(s). */
  runUrl?: string;
  /** The HTML report's file name, as uploaded (default `daily-report.html`). */
  htmlName?: string;
  /** The report directory the files are in (the CLI's output-dir), named in the closing line. */
  reportDir?: string;
}

/** The hidden first line of the daily issue: the issue sink finds its issue by it. */
export const DAILY_REPORT_MARKER = '<!-- assetguard:daily-report -->';

/** GitHub refuses an issue or comment body over 65,536 characters. */
export const MAX_ISSUE_BODY_CHARS = 65_536;

/**
 * Characters the issue body leaves free under MAX_ISSUE_BODY_CHARS, for what a sink puts before
 * it (sinks/github `upsertIssue` adds its own per-title marker line).
 */
export const ISSUE_BODY_HEADROOM = 256;

/** Whether an issue body is the daily report's (holds DAILY_REPORT_MARKER). */
export function isDailyReportBody(body: string | null | undefined): boolean {
  return body?.includes(DAILY_REPORT_MARKER) ?? false;
}

/** The file name of the CSV of open findings, as the report run writes it. */
export const FINDINGS_CSV_NAME = 'findings.csv';

const ICONS: Record<Severity, string> = {
  CRITICAL: '🟥',
  HIGH: '🟧',
  MEDIUM: '🟨',
  LOW: '🟦',
  INFORMATIONAL: '⬜',
  UNTRIAGED: '⬜',
};

function severityCell(severity: Severity): string {
  return `${ICONS[severity]} ${severity}`;
}

/** `2026-03-02 06:00 UTC` from an ISO time; the text itself, escaped, when it does not parse. */
export function reportTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `+3`, `−2`, `±0`. */
export function signed(value: number): string {
  if (value > 0) return `+${value}`;
  if (value < 0) return `−${Math.abs(value)}`;
  return '±0';
}

/** Open findings before this run: now − new + fixed (a finding is open, new, or fixed). */
export function previousOpenTotal(report: DailyReport): number {
  return report.counts.open.total - report.counts.new + report.counts.fixed;
}

function severitySummary(counts: SeverityCounts): string {
  const parts = SEVERITIES.filter((severity) => counts[severity] > 0).map(
    (severity) => `${counts[severity]} ${severity.toLowerCase()}`,
  );
  return parts.length > 0 ? parts.join(' · ') : 'none';
}

/** The link target of a finding (`url` when http(s)), else none. */
function findingLink(item: OpenItem): string {
  return markdownLink(item.finding.id, item.finding.url);
}

/** `web@sha256:a1a1a1a1a1a1…` for an ECR image finding; the resource id otherwise. */
function resourceName(item: OpenItem): string {
  const { repository, imageDigest, id } = item.finding.resource;
  return repository && imageDigest ? `${repository}@${imageDigest.slice(0, 19)}…` : id;
}

/** An ECR image ARN as `repository@sha256:…` (12 hex digits); any other resource as is. */
export function shortResource(resource: string): string {
  const image = /:repository\/(.+)\/(sha256:[0-9a-f]{12})[0-9a-f]*$/.exec(resource);
  return image ? `${image[1] ?? ''}@${image[2] ?? ''}…` : resource;
}

function dueCell(item: OpenItem): string {
  if (item.overdue) return `**overdue ${plural(-item.dueInDays, 'day')}**`;
  return item.dueInDays === 0 ? 'due today' : `in ${plural(item.dueInDays, 'day')}`;
}

function useCell(item: OpenItem): string {
  if (!item.use) return item.kind === 'cve' && item.finding.resource.repository ? 'unknown' : '–';
  return item.use.inUseCount > 0 ? `running (${item.use.inUseCount})` : 'idle';
}

/** How the rows beyond `top` are pointed to. */
function moreNote(total: number, top: number, where: string): string[] {
  return total > top ? [`…and ${total - top} more in ${where}.`] : [];
}

interface Section {
  title: string;
  headers: string[];
  /** The rows shown: at most `top` (only those are rendered; the rest are counted in `total`). */
  rows: string[][];
  /** How many rows the section has in all; default `rows.length`. */
  total?: number;
  /** Where the rows beyond `top` are. */
  where: string;
  /** Said instead of an empty table; the section is left out when undefined. */
  empty?: string;
}

function section(part: Section, top: number): string[] {
  const total = part.total ?? part.rows.length;
  if (total === 0) return part.empty ? [part.title, part.empty] : [];
  return [
    part.title,
    table(part.headers, part.rows.slice(0, top)),
    ...moreNote(total, top, part.where),
  ];
}

/**
 * How many of `items` pass `test`, and the first `top` of them: one pass, and no array of every
 * match (18,000 overdue findings, of which a table shows 10).
 */
export function countAndFirst<T>(
  items: readonly T[],
  test: (item: T) => boolean,
  top: number,
): { total: number; first: T[] } {
  const first: T[] = [];
  let total = 0;
  for (const item of items) {
    if (!test(item)) continue;
    if (total < top) first.push(item);
    total += 1;
  }
  return { total, first };
}

function newRow(item: OpenItem): string[] {
  return [
    severityCell(item.finding.severity),
    findingLink(item),
    markdownText(item.finding.title, 120),
    markdownCode(resourceName(item), 120),
    markdownText(item.owner),
    useCell(item),
    dueCell(item),
  ];
}

function overdueRow(item: OpenItem): string[] {
  return [
    severityCell(item.finding.severity),
    findingLink(item),
    markdownCode(resourceName(item), 120),
    markdownText(item.owner),
    `${item.ageDays} d / ${item.slaDays} d`,
    `**${plural(-item.dueInDays, 'day')}**`,
  ];
}

function fixedRow(item: FixedItem): string[] {
  return [
    severityCell(item.severity),
    markdownText(item.id),
    markdownText(item.title, 120),
    markdownCode(shortResource(item.resource), 120),
    markdownText(item.owner),
    plural(item.daysToFix, 'day'),
  ];
}

/** The headline: counts, then the delta against the previous run, or why there is none. */
function headlineParts(report: DailyReport): string[] {
  const { counts } = report;
  const title = `## 🛡️ ${markdownText(report.title)} — ${markdownText(reportTime(report.generatedAt))}`;
  const open = `**${plural(counts.open.total, 'open finding')}** (${severitySummary(counts.open)}) · **${counts.overdue} overdue**`;
  const delta =
    report.previousAt === undefined
      ? '**First run: no previous state, nothing to compare.** Tomorrow’s report shows what is new and what was fixed.'
      : `Since ${markdownText(reportTime(report.previousAt))}: **${counts.new} new**, **${counts.fixed} fixed**, open ${signed(counts.open.total - previousOpenTotal(report))} (${previousOpenTotal(report)} → ${counts.open.total}).`;
  return [title, `${open}  \n${delta}`];
}

function countsSection(report: DailyReport): string[] {
  const row = (name: string, counts: SeverityCounts): string[] => [
    name,
    ...SEVERITIES.map((severity) => String(counts[severity])),
    String(counts.total),
  ];
  const context = [
    `Region ${markdownCode(report.region)}`,
    ...(report.accountId ? [`account ${markdownCode(report.accountId)}`] : []),
    ...(report.cveScanned ? [`Inspector2 scans ${cveCoverage(report.cveScanned)}`] : []),
    `configuration findings from ${report.cceSource === 'config' ? 'AWS Config' : 'Security Hub'}`,
  ].join(' · ');
  const mttr = report.mttrDays.overall;
  const last = report.trend.at(-1);
  const rates = [
    mttr === undefined ? undefined : `mean time to fix ${round(mttr)} days (30 days)`,
    last?.compliancePercent === undefined
      ? undefined
      : `compliance ${round(last.compliancePercent)}%`,
    report.tags ? `tag coverage ${percent(report.tags.compliant, report.tags.total)}` : undefined,
  ].filter((text): text is string => text !== undefined);
  return [
    table(
      ['', ...SEVERITIES, 'Total'],
      [
        row('Open', report.counts.open),
        row('CVE (packages)', report.counts.cve),
        row('CCE (configuration)', report.counts.cce),
      ],
    ),
    [context, ...rates].join(' · '),
  ];
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function percent(part: number, total: number): string {
  return total === 0 ? '–' : `${round((part / total) * 100)}%`;
}

/** The Markdown body shared by the job summary and the issue. */
function reportParts(report: DailyReport, options: MarkdownOptions): string[] {
  const top = Math.max(1, Math.floor(options.top));
  const html = markdownCode(options.htmlName ?? 'daily-report.html');
  const everywhere = `the HTML report (${html}) and ${markdownCode(FINDINGS_CSV_NAME)}`;
  const inHtml = `the HTML report (${html})`;
  // Only the rows shown are rendered: the others are counted (a table shows `top` of them).
  const overdue = countAndFirst(report.open, (item) => item.overdue, top);
  const newItems = countAndFirst(report.open, (item) => item.isNew, top);
  const tags = report.tags;
  const parts = [...headlineParts(report), ...countsSection(report)];
  parts.push(
    ...section(
      {
        title: `### New since the last run (${newItems.total})`,
        headers: ['Severity', 'Finding', 'Title', 'Resource', 'Owner', 'In use', 'SLA'],
        rows: newItems.first.map(newRow),
        total: newItems.total,
        where: everywhere,
        ...(report.previousAt === undefined ? {} : { empty: 'Nothing new.' }),
      },
      top,
    ),
    ...section(
      {
        title: `### Overdue (${overdue.total})`,
        headers: ['Severity', 'Finding', 'Resource', 'Owner', 'Age / SLA', 'Overdue by'],
        rows: overdue.first.map(overdueRow),
        total: overdue.total,
        where: everywhere,
        empty: 'Nothing is past its SLA.',
      },
      top,
    ),
    ...section(
      {
        title: `### Fixed since the last run (${report.fixed.length})`,
        headers: ['Severity', 'Finding', 'Title', 'Resource', 'Owner', 'Time to fix'],
        rows: report.fixed.slice(0, top).map(fixedRow),
        total: report.fixed.length,
        where: inHtml,
      },
      top,
    ),
    ...section(
      {
        title: `### Vulnerable images (${report.images.length})`,
        headers: ['Image', 'In use', ...SEVERITIES.slice(0, 4), 'Total'],
        total: report.images.length,
        rows: report.images
          .slice(0, top)
          .map((image) => [
            markdownCode(`${image.repository}@${image.digest.slice(0, 19)}…`, 160),
            image.use === undefined
              ? 'unknown'
              : image.use.inUseCount > 0
                ? `**running (${image.use.inUseCount})**`
                : 'idle',
            ...SEVERITIES.slice(0, 4).map((severity) => String(image.counts[severity])),
            String(image.counts.total),
          ]),
        where: inHtml,
      },
      top,
    ),
    ...section(
      {
        title: `### Failing rules (${report.rules.filter((rule) => rule.noncompliant > 0).length} of ${report.rules.length})`,
        headers: ['Rule', 'Severity', 'Failing', 'Passing', 'Compliant'],
        rows: report.rules
          .filter((rule) => rule.noncompliant > 0)
          .map((rule) => [
            `${markdownCode(rule.rule, 160)}${rule.title ? ` ${markdownText(rule.title, 120)}` : ''}`,
            severityCell(rule.severity),
            String(rule.noncompliant),
            String(rule.compliant),
            percent(rule.compliant, rule.compliant + rule.noncompliant),
          ]),
        where: inHtml,
      },
      top,
    ),
  );
  if (tags) {
    parts.push(
      ...section(
        {
          title: `### Tag coverage: ${percent(tags.compliant, tags.total)} (${tags.compliant} of ${plural(tags.total, 'resource')})`,
          headers: ['Resource type', 'Resources', 'Fully tagged', 'Coverage', 'Never tagged'],
          rows: [...tags.byType]
            .sort((a, b) => a.compliant / (a.total || 1) - b.compliant / (b.total || 1))
            .map((type) => [
              markdownCode(type.type, 160),
              String(type.total),
              String(type.compliant),
              percent(type.compliant, type.total),
              String(type.untagged),
            ]),
          where: inHtml,
        },
        top,
      ),
    );
  }
  parts.push(
    ...section(
      {
        title: `### Exceptions expiring soon (${report.expiringExceptions.length})`,
        headers: ['Exception', 'Owner', 'Expires', 'Days left', 'Reason'],
        rows: report.expiringExceptions.map((exception) => [
          markdownText(exception.id),
          markdownText(exception.owner),
          markdownText(exception.expires),
          String(exception.daysLeft),
          markdownText(exception.reason, 200),
        ]),
        where: inHtml,
      },
      top,
    ),
    ...section(
      {
        title: `### Owners (${report.owners.length})`,
        headers: ['Owner', 'Open', 'Overdue', ...SEVERITIES.slice(0, 4)],
        rows: report.owners.map((owner) => [
          markdownText(owner.owner),
          String(owner.open),
          owner.overdue > 0 ? `**${owner.overdue}**` : '0',
          ...SEVERITIES.slice(0, 4).map((severity) => String(owner.counts[severity])),
        ]),
        where: inHtml,
      },
      top,
    ),
  );
  if (report.remediation) parts.push(...remediationParts(report.remediation, top, inHtml));
  if (report.warnings.length > 0) {
    const items = report.warnings.slice(0, top).map((warning) => `- ${markdownText(warning)}`);
    parts.push(
      '### Warnings',
      [...items, ...moreNote(report.warnings.length, top, inHtml)].join('\n'),
    );
  }
  parts.push(footer(options));
  return parts;
}

/** The outcome columns of the remediation tables and summaries, in the order shown. */
export const REMEDIATION_OUTCOME_COLUMNS: readonly {
  status: RemediationOutcomeStatus;
  label: string;
}[] = [
  { status: 'success', label: 'success' },
  { status: 'failed', label: 'failed' },
  { status: 'timed-out', label: 'timed out' },
  { status: 'refused', label: 'refused' },
  { status: 'skipped', label: 'skipped' },
  { status: 'planned', label: 'planned' },
];

/** `3 success · 1 failed · 2 planned`: the statuses that occur; `no resource` for none. Plain text. */
export function outcomeSummary(counts: RemediationOutcomeCounts): string {
  const parts = REMEDIATION_OUTCOME_COLUMNS.filter(({ status }) => counts[status] > 0).map(
    ({ status, label }) => `${counts[status]} ${label}`,
  );
  return parts.length > 0 ? parts.join(' · ') : 'no resource';
}

/** `2 runs (1 executed, 1 dry run)`, or `no run`. Plain text. */
export function runsSummary(totals: RemediationTotals): string {
  if (totals.runs === 0) return 'no run';
  return `${plural(totals.runs, 'run')} (${totals.executed} executed, ${plural(totals.dryRuns, 'dry run')})`;
}

/** `since the previous report (2026-03-01 06:23 UTC)`, `in the last 24 hours`, `in the last 7 days`. Plain text. */
export function recentWindowText(section: RemediationSection): string {
  if (section.recentWindow === 'previous-report') {
    return `since the previous report (${reportTime(section.since)})`;
  }
  return section.recentWindow === 'last-24-hours'
    ? 'in the last 24 hours'
    : `in the last ${section.windowDays} days`;
}

/**
 * What the section says when there is no run to show, or undefined when there are runs: the
 * location holds nothing at all (remediate has not written there, or writes elsewhere), or no
 * run finished in the window. Plain text; the location is untrusted.
 */
export function remediationEmptyText(section: RemediationSection): string | undefined {
  if (section.runs.length > 0) return undefined;
  if (section.empty !== undefined) {
    return `No remediation audit record at ${section.location} (${section.empty}): no remediation run has written there yet, or remediate writes its records elsewhere (its audit input).`;
  }
  return `No remediation run finished in the last ${section.windowDays} days (records read from ${section.location}).`;
}

/**
 * What the section says of the earlier runs it read and does not show (records filed under the
 * day before the window that finished before it), so the records read add up; undefined when
 * there are none. Plain text.
 */
export function remediationEarlierText(section: RemediationSection): string | undefined {
  const count = section.earlier?.length ?? 0;
  if (count === 0) return undefined;
  return `Not shown: ${plural(count, 'earlier run')} read from the day before the window, finished before ${reportTime(section.windowStart)} (report.json lists their keys).`;
}

/** Every failed or timed-out resource of the section's runs, with its run, the last finished first. */
export function remediationProblems(
  section: RemediationSection,
): { run: RemediationRun; problem: RemediationProblem }[] {
  return section.runs.flatMap((run) => run.problems.map((problem) => ({ run, problem })));
}

/** The rule as given, and the control id when it differs. Plain text. */
export function remediationRule(run: RemediationRun): string {
  return run.control !== undefined && run.control !== run.rule
    ? `${run.rule} (${run.control})`
    : run.rule;
}

/** The Markdown Remediation section: totals, the runs of the window and the failed resources. */
function remediationParts(remediation: RemediationSection, top: number, where: string): string[] {
  const empty = remediationEmptyText(remediation);
  const earlier = remediationEarlierText(remediation);
  const lines = [
    `### Remediation (${plural(remediation.week.runs, 'run')} in ${remediation.windowDays} days)`,
    `**${markdownText(capitalised(recentWindowText(remediation)))}**: ${runsSummary(remediation.recent)}${remediation.recent.runs > 0 ? `, ${outcomeSummary(remediation.recent.outcomes)}` : ''}. ` +
      `**Last ${remediation.windowDays} days**: ${runsSummary(remediation.week)}${remediation.week.runs > 0 ? `, ${outcomeSummary(remediation.week.outcomes)}` : ''}.` +
      (earlier !== undefined ? ` ${markdownText(earlier)}` : ''),
  ];
  if (empty !== undefined) return [...lines, markdownText(empty)];
  const problems = remediationProblems(remediation);
  return [
    ...lines,
    table(
      [
        'Finished',
        'Who',
        'Rule',
        'Mode',
        ...REMEDIATION_OUTCOME_COLUMNS.map(({ label }) => capitalised(label)),
        'Run',
      ],
      remediation.runs
        .slice(0, top)
        .map((run) => [
          `${markdownText(reportTime(run.finishedAt))}${run.recent ? ' · **new**' : ''}`,
          markdownText(run.actor, 100),
          markdownCode(remediationRule(run), 160),
          run.dryRun ? 'dry run' : 'executed',
          ...REMEDIATION_OUTCOME_COLUMNS.map(({ status }) => String(run.counts[status])),
          markdownLink(run.id, run.runUrl),
        ]),
    ),
    ...moreNote(remediation.runs.length, top, where),
    ...section(
      {
        title: `#### Failed remediations (${problems.length})`,
        headers: ['Finished', 'Rule', 'Resource', 'Status', 'Failed step', 'Message', 'Run'],
        rows: problems.map(({ run, problem }) => [
          markdownText(reportTime(run.finishedAt)),
          markdownCode(remediationRule(run), 160),
          markdownCode(problem.resource, 160),
          problem.status === 'failed' ? '**failed**' : '**timed out**',
          markdownText(problem.failedStep, 100),
          markdownText(problem.message, 200),
          markdownLink(run.id, run.runUrl),
        ]),
        where,
      },
      top,
    ),
  ];
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function footer(options: MarkdownOptions): string {
  const html = markdownCode(options.htmlName ?? 'daily-report.html');
  const run = safeUrl(options.runUrl);
  const files = `${html} (self-contained HTML) and ${markdownCode(FINDINGS_CSV_NAME)}`;
  const dir = options.reportDir !== undefined ? ` in ${markdownCode(options.reportDir)}` : '';
  const artifacts = run
    ? `; a workflow that uploads them has them in the artifacts of ${markdownLink('the workflow run', run)}`
    : '';
  return `The charts, every finding and every table in full: ${files}${dir}${artifacts}.`;
}

/**
 * The job summary (Markdown): headline with counts and the delta against the previous run (or
 * "first run"), the counts table, then new, overdue, fixed, images, failing rules, tag coverage,
 * expiring exceptions and owners, each at most `top` rows with a note of how many more the
 * HTML/CSV hold. Bounded by core/markdown `finishSummary` (no line starts a workflow command).
 */
export function renderReportMarkdown(report: DailyReport, options: MarkdownOptions): string {
  return finishSummary(reportParts(report, options), 'the HTML report');
}

/**
 * `text` cut at a line boundary so that it and `note` fit in `max` characters (UTF-16 code
 * units, which is at least what GitHub counts), `note` appended when it was cut.
 */
function cutToChars(text: string, max: number, note: string): string {
  if (text.length <= max) return text;
  const room = max - note.length - 2;
  const head = text.slice(0, room);
  const end = head.lastIndexOf('\n');
  return `${head.slice(0, end > 0 ? end : room)}\n\n${note}`;
}

/**
 * The body of the daily GitHub issue, updated in place: DAILY_REPORT_MARKER on its first line
 * (a sink can find the issue by it, `isDailyReportBody`), then the same content as the job
 * summary. At most MAX_ISSUE_BODY_CHARS − ISSUE_BODY_HEADROOM characters (GitHub refuses bodies
 * over 65,536; the headroom is for a sink's own marker line): a longer one is cut at a line with
 * a note pointing to the HTML report.
 */
export function renderIssueBody(report: DailyReport, options: MarkdownOptions): string {
  const body = `${DAILY_REPORT_MARKER}\n${renderReportMarkdown(report, options)}`;
  const note = `**This issue was cut at ${MAX_ISSUE_BODY_CHARS.toLocaleString('en-US')} characters** (GitHub's limit for an issue body). ${footer(options)}`;
  return cutToChars(body, MAX_ISSUE_BODY_CHARS - ISSUE_BODY_HEADROOM, note);
}

/** Whole days between the previous run and this one, at least 1. */
function daysSincePrevious(report: DailyReport): number {
  if (report.previousAt === undefined) return 1;
  const elapsed = (Date.parse(report.generatedAt) - Date.parse(report.previousAt)) / 86_400_000;
  return Number.isFinite(elapsed) ? Math.max(1, Math.round(elapsed)) : 1;
}

/**
 * Open items overdue now that were not overdue at the previous run: those that went past their
 * SLA since (overdue by no more days than have passed; `dueInDays` is negative once overdue), and
 * new ones that arrived already past it (a finding the source first saw long ago). None on a
 * first run.
 */
export function newlyOverdue(report: DailyReport): OpenItem[] {
  return report.previousAt === undefined ? [] : report.open.filter(isNewlyOverdue(report));
}

/**
 * The test of `newlyOverdue` for one open item of `report` (never true on a first run), for a
 * caller that counts them or wants only the first few.
 */
export function isNewlyOverdue(report: DailyReport): (item: OpenItem) => boolean {
  if (report.previousAt === undefined) return () => false;
  const days = daysSincePrevious(report);
  return (item) => item.overdue && (item.isNew || -item.dueInDays <= days);
}

/**
 * The day's delta only, short (a comment under the daily issue, or a chat message): what is
 * new, what was fixed and what went overdue since the previous run, `top` rows each. On a first
 * run it says there is nothing to compare. Bounded like the issue body.
 */
export function renderDeltaComment(report: DailyReport, options: MarkdownOptions): string {
  const top = Math.max(1, Math.floor(options.top));
  const when = markdownText(reportTime(report.generatedAt));
  if (report.previousAt === undefined) {
    return finishSummary(
      [
        `**${markdownText(report.title)} — ${when}**: first run: no previous state, nothing to compare. ${plural(report.counts.open.total, 'open finding')} (${severitySummary(report.counts.open)}), ${report.counts.overdue} overdue.`,
        footer(options),
      ],
      'the HTML report',
    );
  }
  const newItems = countAndFirst(report.open, (item) => item.isNew, top);
  const overdue = countAndFirst(report.open, isNewlyOverdue(report), top);
  // `rows` are at most `top` (only the lines shown are made); `total` counts them all.
  const list = (rows: string[], total: number): string =>
    [...rows, ...(total > top ? [`- …and ${total - top} more`] : [])].join('\n');
  const parts = [
    `**${markdownText(report.title)} — ${when}**: ${report.counts.new} new, ${report.counts.fixed} fixed, ${overdue.total} newly overdue · ${report.counts.open.total} open (${signed(report.counts.open.total - previousOpenTotal(report))}), ${report.counts.overdue} overdue.`,
  ];
  const itemLine = (item: OpenItem): string =>
    `- ${severityCell(item.finding.severity)} ${findingLink(item)} ${markdownText(item.finding.title, 120)} on ${markdownCode(resourceName(item), 120)}${item.owner ? ` (${markdownText(item.owner)})` : ''}`;
  if (newItems.total > 0) {
    parts.push(`**New**\n${list(newItems.first.map(itemLine), newItems.total)}`);
  }
  if (report.fixed.length > 0) {
    parts.push(
      `**Fixed**\n${list(
        report.fixed
          .slice(0, top)
          .map(
            (item) =>
              `- ${severityCell(item.severity)} ${markdownText(item.id)} on ${markdownCode(shortResource(item.resource), 120)} after ${plural(item.daysToFix, 'day')}`,
          ),
        report.fixed.length,
      )}`,
    );
  }
  if (overdue.total > 0) {
    parts.push(
      `**Newly overdue**\n${list(
        overdue.first.map((item) => `${itemLine(item)}, SLA ${item.slaDays} d`),
        overdue.total,
      )}`,
    );
  }
  if (report.remediation && report.remediation.recent.runs > 0) {
    const { recent } = report.remediation;
    const failed = remediationProblems(report.remediation).filter(({ run }) => run.recent);
    parts.push(
      `**Remediation**: ${runsSummary(recent)}, ${outcomeSummary(recent.outcomes)}${
        failed.length > 0
          ? `\n${list(
              failed.map(
                ({ run, problem }) =>
                  `- ${problem.status === 'failed' ? 'failed' : 'timed out'}: ${markdownCode(problem.resource, 120)} (${markdownCode(remediationRule(run), 120)}${problem.failedStep ? `, step ${markdownText(problem.failedStep, 100)}` : ''}) ${markdownText(problem.message, 200)}`,
              ),
              failed.length,
            )}`
          : ''
      }`,
    );
  }
  parts.push(footer(options));
  const note = `**Cut at ${MAX_ISSUE_BODY_CHARS.toLocaleString('en-US')} characters.** ${footer(options)}`;
  return cutToChars(
    finishSummary(parts, 'the HTML report'),
    MAX_ISSUE_BODY_CHARS - ISSUE_BODY_HEADROOM,
    note,
  );
}

/**
 * report.json in chunks: the report as compact JSON (the DailyReport as is, byte for byte
 * `JSON.stringify(report)`), ending with a newline, with the open and fixed findings a few per
 * chunk (core/report-files `jsonChunks`), so 50,000 open findings are written without the
 * report ever being one string. Read lazily: render it after the report is final.
 */
export function reportJsonChunks(report: DailyReport): Iterable<string> {
  return jsonChunks(report, { spread: ['open', 'fixed'] });
}

/** The report as compact JSON (the DailyReport as is), ending with a newline: reportJsonChunks joined. */
export function reportJson(report: DailyReport): string {
  return [...reportJsonChunks(report)].join('');
}

/** The columns of findings.csv, in order. */
export const FINDINGS_CSV_COLUMNS = [
  'key',
  'kind',
  'id',
  'severity',
  'title',
  'resource',
  'resource type',
  'owner',
  'classification',
  'first seen',
  'age days',
  'SLA days',
  'due in days',
  'overdue',
  'new',
  'fix available',
  'EPSS',
  'exploit available',
  'in use count',
] as const;

function yesNo(value: boolean | undefined): string {
  return value === undefined ? '' : value ? 'yes' : 'no';
}

/**
 * One row per open finding (the report's order) under FINDINGS_CSV_COLUMNS, through core/escape
 * `csv` (csv-stringify, RFC 4180; a cell a spreadsheet would run as a formula is prefixed with
 * `'`; control characters become U+FFFD). Unknown
 * values are empty cells: EPSS, exploit available, in use count (known for ECR images only).
 */
export function findingsCsv(report: DailyReport): string {
  return [...findingsCsvChunks(report)].join('');
}

/** Rows of findings.csv per chunk (~200 KB of text): enough to keep csv-stringify's per-call cost small. */
const CSV_ROWS_PER_CHUNK = 500;

/**
 * findings.csv in chunks (see findingsCsv), the header row first, then CSV_ROWS_PER_CHUNK rows
 * at a time, each chunk through core/escape `csv`: the chunks joined are findingsCsv's text, and
 * never more than one chunk of it exists at a time.
 */
export function* findingsCsvChunks(report: DailyReport): Generator<string, void, undefined> {
  yield csv([[...FINDINGS_CSV_COLUMNS]]);
  for (let start = 0; start < report.open.length; start += CSV_ROWS_PER_CHUNK) {
    yield csv(report.open.slice(start, start + CSV_ROWS_PER_CHUNK).map(findingRow));
  }
}

/** One open finding as a findings.csv row, in FINDINGS_CSV_COLUMNS order. */
function findingRow(item: OpenItem): (string | number)[] {
  return [
    item.key,
    item.kind,
    item.finding.id,
    item.finding.severity,
    item.finding.title,
    item.finding.resource.id,
    item.finding.resource.type,
    item.owner ?? '',
    item.classification ?? '',
    item.firstSeen,
    item.ageDays,
    item.slaDays,
    item.dueInDays,
    yesNo(item.overdue),
    yesNo(item.isNew),
    item.finding.fixAvailable,
    item.finding.epss ?? '',
    yesNo(item.finding.exploitAvailable),
    item.use?.inUseCount ?? '',
  ];
}
