/**
 * The daily report as ONE self-contained HTML page: inline CSS, inline SVG charts
 * (report/charts), every table in full. The page loads nothing: its Content-Security-Policy
 * (`default-src 'none'; style-src 'unsafe-inline'; img-src data:`) forbids scripts, fonts,
 * frames and fetches, and it references no URL but links a reader may follow (finding URLs,
 * only http(s), `rel="noopener noreferrer"`). Every value from AWS or the policy goes through
 * core/escape `htmlText`. It works as a workflow artifact, an S3 object or an email attachment.
 */
import { htmlText, safeUrl } from '../core/escape';
import { SEVERITIES, type Severity, type SeverityCounts } from '../core/model';
import { barChart, columnChart, lineChart, num, SERIES_COLOURS, SEVERITY_COLOURS } from './charts';
import {
  cveCoverage,
  type DailyReport,
  type FixedItem,
  type OpenItem,
  type RemediationRun,
  type RemediationSection,
} from './model';
import {
  countAndFirst,
  isNewlyOverdue,
  outcomeSummary,
  previousOpenTotal,
  recentWindowText,
  remediationEmptyText,
  remediationProblems,
  remediationRule,
  REMEDIATION_OUTCOME_COLUMNS,
  reportTime,
  runsSummary,
  shortResource,
  signed,
} from './render';

/** The page's Content-Security-Policy: no script, no request of any kind. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Rows a table of the page holds at most (a browser stays responsive); the CSV has all. */
export const MAX_HTML_ROWS = 5000;

/** Options of the HTML page. */
export interface HtmlOptions {
  /** Rows per chart of top items (images, rules, owners). Default 10. */
  top?: number;
  /** The workflow run's URL, linked in the footer when http(s). */
  runUrl?: string;
}

/** The severities drawn in charts: the four Inspector2 and Config rate. */
const CHART_SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];

const STYLE = `
:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--card:#fff;--bg:#f1f5f9;--accent:#0f766e;
--critical:${SEVERITY_COLOURS.CRITICAL};--high:${SEVERITY_COLOURS.HIGH};--medium:${SEVERITY_COLOURS.MEDIUM};--low:${SEVERITY_COLOURS.LOW};
--info:${SEVERITY_COLOURS.INFORMATIONAL};--untriaged:${SEVERITY_COLOURS.UNTRIAGED};--good:#15803d;--bad:#b91c1c}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header.top{background:linear-gradient(120deg,#0f172a,#1e3a5f);color:#fff;padding:28px max(24px,calc((100% - 1272px) / 2)) 64px}
header.top h1{margin:0 0 6px;font-size:24px;font-weight:650;letter-spacing:-.01em}
header.top .meta{color:#cbd5e1;font-size:13px;display:flex;flex-wrap:wrap;gap:4px 18px}
header.top .meta b{color:#fff;font-weight:600}
.first-run{display:inline-block;margin-top:10px;background:#fef3c7;color:#78350f;border-radius:6px;padding:4px 10px;font-size:13px}
main{max-width:1320px;margin:0 auto;padding:24px 24px 40px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:12px;margin:-44px 0 22px}
.card{background:var(--card);border-radius:12px;padding:14px 16px;box-shadow:0 1px 2px rgba(15,23,42,.06),0 4px 14px rgba(15,23,42,.06);border-top:4px solid var(--line)}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.06em;font-weight:600}
.card .value{font-size:26px;white-space:nowrap;font-weight:700;line-height:1.15;margin:4px 0 2px;font-variant-numeric:tabular-nums}
.card .delta{font-size:12px;color:var(--muted)}
.delta.up{color:var(--bad)}.delta.down{color:var(--good)}
.card.critical{border-top-color:var(--critical)}.card.critical .value{color:var(--critical)}
.card.high{border-top-color:var(--high)}.card.high .value{color:var(--high)}
.card.overdue{border-top-color:var(--bad)}.card.fixed{border-top-color:var(--good)}.card.fixed .value{color:var(--good)}
.card.new{border-top-color:var(--medium)}.card.open{border-top-color:var(--ink)}
.card.rate{border-top-color:var(--accent)}
.sevbar{display:flex;height:10px;border-radius:5px;overflow:hidden;background:var(--line);margin-top:8px}
.sevbar span{display:block;height:100%}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:18px;margin-bottom:26px}
figure.panel{margin:0;background:var(--card);border-radius:12px;padding:14px 16px 10px;box-shadow:0 1px 2px rgba(15,23,42,.06)}
figure.panel figcaption{font-weight:650;font-size:15px;margin-bottom:6px}
figure.panel figcaption small{display:block;font-weight:400;color:var(--muted);font-size:12px}
svg.chart{display:block;width:100%;height:auto;max-width:100%}
section.block{background:var(--card);border-radius:12px;padding:16px 18px;margin-bottom:18px;box-shadow:0 1px 2px rgba(15,23,42,.06)}
section.block h2{font-size:17px;margin:0 0 10px;display:flex;align-items:baseline;gap:10px}
section.block h2 .count{font-size:12px;font-weight:600;color:var(--muted);background:var(--bg);border-radius:10px;padding:2px 8px}
p.none{color:var(--muted);margin:4px 0}
p.note{color:var(--muted);font-size:12px;margin:8px 0 0}
p.lead{margin:0 0 10px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em;border-bottom:2px solid var(--line);padding:6px 8px;white-space:nowrap}
td{border-bottom:1px solid var(--line);padding:6px 8px;vertical-align:top;overflow-wrap:anywhere}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.num,td.nowrap{white-space:nowrap}
td:not(.num):not(.nowrap){min-width:20ch}
td.id.long{white-space:normal}
.text{max-width:60ch}
tr.overdue td{background:#fef2f2}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all;color:#334155}
.sev{display:inline-block;min-width:74px;text-align:center;border-radius:999px;padding:1px 8px;font-size:11px;font-weight:700;letter-spacing:.03em;color:#fff}
.sev-CRITICAL{background:var(--critical)}.sev-HIGH{background:var(--high)}.sev-MEDIUM{background:var(--medium);color:#1f2937}
.sev-LOW{background:var(--low)}.sev-INFORMATIONAL{background:var(--info)}.sev-UNTRIAGED{background:var(--untriaged)}
.tag{display:inline-block;white-space:nowrap;border-radius:4px;padding:0 6px;font-size:11px;font-weight:600}
.tag.new{background:#fef3c7;color:#92400e}.tag.late{background:#fee2e2;color:#991b1b}.tag.run{background:#dcfce7;color:#166534}.tag.idle{background:var(--bg);color:var(--muted)}
.meter{display:inline-block;vertical-align:middle;width:80px;height:8px;border-radius:4px;background:#fee2e2;overflow:hidden;margin-right:6px}
.meter i{display:block;height:100%;background:var(--good)}
a{color:#1d4ed8;text-decoration:none}a:hover{text-decoration:underline}
ul.warnings{margin:0;padding-left:18px}ul.warnings li{margin:2px 0}
footer{color:var(--muted);font-size:12px;text-align:center;padding:10px 0 30px}
@media (max-width:700px){main{padding:16px 12px}header.top{padding:20px 16px 40px}.charts{grid-template-columns:1fr}.card .value{font-size:24px}}
@media print{body{background:#fff}header.top{background:#fff;color:var(--ink);border-bottom:2px solid var(--ink)}
header.top .meta,header.top .meta b{color:var(--ink)}.cards{margin-top:12px}.card,figure.panel,section.block{box-shadow:none;border:1px solid var(--line);break-inside:avoid}
.charts{grid-template-columns:1fr 1fr}.scroll{overflow:visible}a{color:inherit}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;

function severityBadge(severity: Severity): string {
  return `<span class="sev sev-${severity}">${severity}</span>`;
}

/** A link when `url` is http(s) (core/escape `safeUrl`), else the text alone. */
function link(text: string, url: string | undefined): string {
  const href = safeUrl(url);
  return href === undefined
    ? htmlText(text)
    : `<a href="${htmlText(href)}" rel="noopener noreferrer" target="_blank">${htmlText(text)}</a>`;
}

function code(text: string): string {
  return `<code>${htmlText(text)}</code>`;
}

/**
 * Ids longer than this may wrap (anywhere); shorter ones (CVE-2024-6387, GHSA-…, S3.8, most rule
 * names) never wrap mid-value, e.g. at a hyphen.
 */
const SHORT_ID = 32;

/** The cell of a finding id: kept on one line when short; a long one wraps rather than widen the table. */
function idCell(id: string, content: string): string {
  // Code points, counted only when the UTF-16 length leaves it open (a pair is 2 units, 1 point).
  const long =
    id.length > SHORT_ID && (id.length > 2 * SHORT_ID || Array.from(id).length > SHORT_ID);
  return `<td class="id${long ? ' long' : ' nowrap'}">${content}</td>`;
}

/**
 * Free text (titles, reasons): wraps anywhere, and its block is at most 70 characters wide, so
 * that one long unbroken title (a base64 blob, a package path) cannot claim the table's width
 * and squeeze the other columns (a cell's max-content is what the table layout shares out).
 */
function textBlock(markup: string): string {
  return `<div class="text">${markup}</div>`;
}

function cell(text: string | number | undefined): string {
  return text === undefined || text === '' ? '–' : htmlText(text);
}

/** One decimal, for the cards' big numbers. */
function num1(value: number): string {
  return num(Math.round(value * 10) / 10);
}

function pct1(part: number, total: number): string {
  return total === 0 ? '–' : `${num1((part / total) * 100)}%`;
}

function pct(part: number, total: number): string {
  return total === 0 ? '–' : `${num((part / total) * 100)}%`;
}

/** A card with a headline number and, when known, its change against the previous run. */
function card(
  kind: string,
  label: string,
  value: string,
  delta?: { text: string; direction?: 'up' | 'down' },
): string {
  const deltaMarkup = delta
    ? `<div class="delta${delta.direction ? ` ${delta.direction}` : ''}">${htmlText(delta.text)}</div>`
    : '';
  return `<div class="card ${kind}"><div class="label">${htmlText(label)}</div><div class="value">${htmlText(value)}</div>${deltaMarkup}</div>`;
}

function severityStrip(counts: SeverityCounts): string {
  if (counts.total === 0) return '';
  const spans = SEVERITIES.filter((severity) => counts[severity] > 0).map(
    (severity) =>
      `<span class="sev-${severity}" style="width:${num((counts[severity] / counts.total) * 100)}%" title="${htmlText(`${severity}: ${counts[severity]}`)}"></span>`,
  );
  return `<div class="sevbar" role="img" aria-label="${htmlText(
    SEVERITIES.filter((severity) => counts[severity] > 0)
      .map((severity) => `${counts[severity]} ${severity}`)
      .join(', '),
  )}">${spans.join('')}</div>`;
}

/** The day's delta, as a card's second line, coloured up (worse) or down (better). */
function deltaOf(
  report: DailyReport,
  now: number,
  before: number | undefined,
): { text: string; direction?: 'up' | 'down' } | undefined {
  if (report.previousAt === undefined || before === undefined) return undefined;
  const change = now - before;
  const text = `${signed(change)} vs last run`;
  if (change > 0) return { text, direction: 'up' };
  if (change < 0) return { text, direction: 'down' };
  return { text };
}

function cards(report: DailyReport): string {
  const { counts } = report;
  const previous = report.trend.length >= 2 ? report.trend.at(-2) : undefined;
  const last = report.trend.at(-1);
  const first = report.previousAt === undefined;
  const openCard =
    `<div class="card open"><div class="label">Open</div><div class="value">${counts.open.total}</div>` +
    `<div class="delta${counts.open.total > previousOpenTotal(report) && !first ? ' up' : counts.open.total < previousOpenTotal(report) && !first ? ' down' : ''}">${htmlText(first ? 'first run' : `${signed(counts.open.total - previousOpenTotal(report))} vs last run`)}</div>${severityStrip(counts.open)}</div>`;
  const parts = [
    openCard,
    card(
      'critical',
      'Critical',
      String(counts.open.CRITICAL),
      deltaOf(report, counts.open.CRITICAL, previous?.open.CRITICAL),
    ),
    card(
      'high',
      'High',
      String(counts.open.HIGH),
      deltaOf(report, counts.open.HIGH, previous?.open.HIGH),
    ),
    card(
      'new',
      'New',
      first ? '–' : String(counts.new),
      first ? { text: 'nothing to compare' } : { text: 'since last run' },
    ),
    card(
      'fixed',
      'Fixed',
      first ? '–' : String(counts.fixed),
      first ? { text: 'nothing to compare' } : { text: 'since last run' },
    ),
    card(
      'overdue',
      'Overdue',
      String(counts.overdue),
      first
        ? { text: 'past their SLA' }
        : {
            text: `${countAndFirst(report.open, isNewlyOverdue(report), 0).total} newly overdue`,
          },
    ),
    card(
      'rate',
      'MTTR',
      report.mttrDays.overall === undefined ? '–' : `${num1(report.mttrDays.overall)} d`,
      { text: 'mean, 30 days' },
    ),
  ];
  if (last?.compliancePercent !== undefined) {
    const before = previous?.compliancePercent;
    const change = before === undefined || first ? undefined : last.compliancePercent - before;
    parts.push(
      card(
        'rate',
        'Compliant',
        `${num1(last.compliancePercent)}%`,
        change === undefined
          ? { text: 'rule/resource pairs passing' }
          : {
              text: `${change >= 0 ? '+' : '−'}${num(Math.abs(change))} pts`,
              ...(change > 0
                ? { direction: 'down' as const }
                : change < 0
                  ? { direction: 'up' as const }
                  : {}),
            },
      ),
    );
  }
  if (report.tags) {
    parts.push(
      card('rate', 'Tagged', pct1(report.tags.compliant, report.tags.total), {
        text: `${report.tags.compliant} of ${report.tags.total}`,
      }),
    );
  }
  return `<div class="cards">${parts.join('')}</div>`;
}

function figure(title: string, note: string, svg: string): string {
  return `<figure class="panel"><figcaption>${htmlText(title)}<small>${htmlText(note)}</small></figcaption>${svg}</figure>`;
}

function shortDate(date: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? date.slice(5) : date;
}

function charts(report: DailyReport, top: number): string {
  const dates = report.trend.map((point) => point.date);
  const trend = lineChart({
    id: 'chart-trend',
    title: 'Open findings by severity',
    description: `Open findings per day over the last ${dates.length} days, one line per severity.`,
    categories: dates,
    shortLabel: shortDate,
    series: CHART_SEVERITIES.map((severity) => ({
      name: severity,
      colour: SEVERITY_COLOURS[severity],
      values: report.trend.map((point) => point.open[severity]),
    })),
  });
  const flow = columnChart({
    id: 'chart-new-fixed',
    title: 'New vs fixed per day',
    description: 'Findings that appeared and findings that were fixed, per day.',
    categories: dates,
    shortLabel: shortDate,
    series: [
      { name: 'new', colour: SERIES_COLOURS.new, values: report.trend.map((point) => point.new) },
      {
        name: 'fixed',
        colour: SERIES_COLOURS.fixed,
        values: report.trend.map((point) => point.fixed),
      },
    ],
  });
  const images = barChart({
    id: 'chart-images',
    title: 'Top vulnerable running images',
    description: 'Open findings per ECR image by severity, running images first.',
    series: CHART_SEVERITIES.map((severity) => ({
      name: severity,
      colour: SEVERITY_COLOURS[severity],
    })),
    rows: report.images.slice(0, top).map((image) => ({
      label: `${image.repository}@${image.digest.replace(/^sha256:/, '').slice(0, 8)}`,
      values: CHART_SEVERITIES.map((severity) => image.counts[severity]),
      note:
        image.use === undefined
          ? `${image.counts.total} · use unknown`
          : image.use.inUseCount > 0
            ? `${image.counts.total} · ${image.use.inUseCount} running`
            : `${image.counts.total} · idle`,
    })),
    labelLength: 26,
    emptyWhy: 'no ECR image has open findings',
  });
  const rules = barChart({
    id: 'chart-rules',
    title: 'Compliance by rule',
    description: 'Resources failing and passing each rule, failing rules first.',
    series: [
      { name: 'failing', colour: SERIES_COLOURS.failing },
      { name: 'passing', colour: SERIES_COLOURS.passing },
    ],
    rows: report.rules.slice(0, top).map((rule) => ({
      label: rule.rule,
      values: [rule.noncompliant, rule.compliant],
      note: `${rule.noncompliant} of ${rule.noncompliant + rule.compliant} failing`,
    })),
    emptyWhy: 'no rule was evaluated',
  });
  const tagRows = report.tags
    ? [...report.tags.byType]
        .sort(
          (a, b) =>
            a.compliant / (a.total || 1) - b.compliant / (b.total || 1) ||
            a.type.localeCompare(b.type),
        )
        .slice(0, top)
    : [];
  const tags = barChart({
    id: 'chart-tags',
    title: 'Tag coverage by resource type',
    description: 'Percent of resources of each type carrying every required tag.',
    series: [
      { name: 'fully tagged', colour: SERIES_COLOURS.covered },
      { name: 'missing tags', colour: '#fecaca' },
    ],
    rows: tagRows.map((type) => {
      const covered = type.total === 0 ? 0 : (type.compliant / type.total) * 100;
      return {
        label: type.type.replace(/^AWS::/, ''),
        values: [covered, type.total === 0 ? 0 : 100 - covered],
        note: `${num(covered)}% of ${type.total}`,
      };
    }),
    max: 100,
    unit: '%',
    labelLength: 26,
    emptyWhy: report.tags ? 'no resource was audited' : 'the policy has no tag rules',
  });
  const owners = barChart({
    id: 'chart-owners',
    title: 'Overdue by owner',
    description: 'Open findings per owner: past their SLA, and still within it.',
    series: [
      { name: 'overdue', colour: SERIES_COLOURS.overdue },
      { name: 'within SLA', colour: SERIES_COLOURS.open },
    ],
    rows: [...report.owners]
      .sort((a, b) => b.overdue - a.overdue || b.open - a.open || a.owner.localeCompare(b.owner))
      .slice(0, top)
      .map((owner) => ({
        label: owner.owner,
        values: [owner.overdue, owner.open - owner.overdue],
        note: `${owner.overdue} of ${owner.open}`,
      })),
    emptyWhy: 'nothing is open',
  });
  return (
    `<div class="charts">` +
    figure(
      'Severity trend',
      `${dates.length} day${dates.length === 1 ? '' : 's'} of history`,
      trend,
    ) +
    figure('New vs fixed', 'per day', flow) +
    figure('Vulnerable images', 'running images first', images) +
    figure(
      'Compliance by rule',
      report.cceSource === 'config' ? 'AWS Config rules' : 'Security Hub controls',
      rules,
    ) +
    figure(
      'Tag coverage',
      report.tags
        ? `${pct(report.tags.compliant, report.tags.total)} of ${report.tags.total} resources overall`
        : 'no tag policy',
      tags,
    ) +
    figure('Overdue by owner', 'past their SLA vs within it', owners) +
    `</div>`
  );
}

interface TableSpec<T> {
  id: string;
  title: string;
  /** The rows, or at least the first MAX_HTML_ROWS of them when `total` says how many in all. */
  rows: readonly T[];
  /** How many rows the table has; default `rows.length`. */
  total?: number;
  headers: readonly (string | { text: string; num: true })[];
  row: (item: T) => string;
  empty: string;
  /** Said under the table (e.g. what the table is over). */
  note?: string;
  /** Said above the table (e.g. its totals). */
  lead?: string;
}

/** Rows of a table made into one chunk of the page: a few hundred KB of markup. */
const HTML_ROWS_PER_CHUNK = 250;

/**
 * One table block of the page in chunks: its heading and head, then its rows
 * HTML_ROWS_PER_CHUNK at a time, then what is said under it. Only the rows shown (at most
 * MAX_HTML_ROWS) are rendered, and only while the page is written.
 */
function* tableBlock<T>(spec: TableSpec<T>): Generator<string, void, undefined> {
  const total = spec.total ?? spec.rows.length;
  const head = spec.headers
    .map((header) =>
      typeof header === 'string'
        ? `<th>${htmlText(header)}</th>`
        : `<th class="num">${htmlText(header.text)}</th>`,
    )
    .join('');
  const lead = spec.lead ? `<p class="lead">${htmlText(spec.lead)}</p>` : '';
  const start = `<section class="block" id="${spec.id}"><h2>${htmlText(spec.title)}<span class="count">${total}</span></h2>${lead}`;
  if (total === 0) {
    yield `${start}<p class="none">${htmlText(spec.empty)}</p>`;
  } else {
    yield `${start}<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>`;
    const shown = Math.min(spec.rows.length, MAX_HTML_ROWS);
    for (let index = 0; index < shown; index += HTML_ROWS_PER_CHUNK) {
      yield spec.rows
        .slice(index, Math.min(index + HTML_ROWS_PER_CHUNK, shown))
        .map(spec.row)
        .join('');
    }
    yield '</tbody></table></div>';
  }
  const cut =
    total > MAX_HTML_ROWS
      ? `<p class="note">${htmlText(`Showing the first ${MAX_HTML_ROWS} of ${total} rows; findings.csv and the JSON report have every one.`)}</p>`
      : '';
  const note = spec.note ? `<p class="note">${htmlText(spec.note)}</p>` : '';
  yield `${cut}${note}</section>`;
}

/** `2026-03-02 05:10 UTC`, with a `new` tag when the run is recent. */
function finishedCell(run: RemediationRun): string {
  return `<td class="nowrap">${htmlText(reportTime(run.finishedAt))}${run.recent ? ' <span class="tag new">new</span>' : ''}</td>`;
}

function runCell(run: RemediationRun): string {
  return idCell(run.id, link(run.id, run.runUrl));
}

/**
 * The Remediation blocks: the runs of the window (who, when, rule, dry run or executed, outcome
 * counts, a link to the run when http(s)) under the recent and weekly totals, then every failed
 * or timed-out resource with its failed step and message.
 */
function* remediationBlocks(remediation: RemediationSection): Generator<string, void, undefined> {
  const totals = (label: string, part: RemediationSection['recent']): string =>
    `${label}: ${runsSummary(part)}${part.runs > 0 ? `, ${outcomeSummary(part.outcomes)}` : ''}.`;
  const lead = `${totals(
    recentWindowText(remediation).replace(/^./, (c) => c.toUpperCase()),
    remediation.recent,
  )} ${totals(`Last ${remediation.windowDays} days`, remediation.week)}`;
  const problems = remediationProblems(remediation);
  yield* tableBlock({
    id: 'remediation',
    title: `Remediation runs, last ${remediation.windowDays} days`,
    rows: remediation.runs,
    lead,
    headers: [
      'Finished',
      'Who',
      'Rule',
      'Mode',
      ...REMEDIATION_OUTCOME_COLUMNS.map(({ label }) => ({ text: label, num: true as const })),
      'Run',
    ],
    row: (run) =>
      `<tr>${finishedCell(run)}<td>${htmlText(run.actor)}</td><td>${code(remediationRule(run))}</td>` +
      `<td class="nowrap">${run.dryRun ? 'dry run' : 'executed'}</td>` +
      REMEDIATION_OUTCOME_COLUMNS.map(({ status }) => {
        const count = run.counts[status];
        const bad = count > 0 && (status === 'failed' || status === 'timed-out');
        return `<td class="num">${bad ? `<b style="color:var(--bad)">${count}</b>` : count}</td>`;
      }).join('') +
      `${runCell(run)}</tr>`,
    empty: remediationEmptyText(remediation) ?? '',
    note: `Read from ${remediation.location}.`,
  });
  if (problems.length > 0) {
    yield* tableBlock({
      id: 'remediation-failed',
      title: 'Failed remediations',
      rows: problems,
      headers: ['Finished', 'Rule', 'Resource', 'Status', 'Failed step', 'Message', 'Run'],
      row: ({ run, problem }) =>
        `<tr>${finishedCell(run)}<td>${code(remediationRule(run))}</td>` +
        `<td>${code(problem.resource)}${problem.resourceType ? `<br><small>${htmlText(problem.resourceType)}</small>` : ''}</td>` +
        `<td class="nowrap"><span class="tag late">${problem.status === 'failed' ? 'failed' : 'timed out'}</span></td>` +
        `<td>${cell(problem.failedStep)}</td><td>${textBlock(cell(problem.message))}</td>${runCell(run)}</tr>`,
      empty: '',
    });
  }
}

function resourceCell(item: OpenItem): string {
  const { repository, imageDigest, id, type } = item.finding.resource;
  const shown = repository && imageDigest ? `${repository}@${imageDigest.slice(0, 19)}…` : id;
  return `${code(shown)}<br><small>${htmlText(type)}</small>`;
}

function useCell(item: OpenItem): string {
  if (!item.use)
    return item.finding.resource.repository ? '<span class="tag idle">unknown</span>' : '–';
  return item.use.inUseCount > 0
    ? `<span class="tag run">running ${item.use.inUseCount}</span>`
    : '<span class="tag idle">idle</span>';
}

function dueCell(item: OpenItem): string {
  if (item.overdue)
    return `<span class="tag late">${htmlText(`${-item.dueInDays} d overdue`)}</span>`;
  return htmlText(item.dueInDays === 0 ? 'due today' : `in ${item.dueInDays} d`);
}

function openRow(item: OpenItem): string {
  const tags = item.isNew ? ' <span class="tag new">new</span>' : '';
  const packages = item.finding.packages
    .slice(0, 3)
    .map((pkg) =>
      `${pkg.name} ${pkg.installedVersion ?? ''}${pkg.fixedVersion ? ` → ${pkg.fixedVersion}` : ''}`.trim(),
    );
  const detail =
    packages.length > 0
      ? `<br><small>${htmlText(packages.join(', '))}${item.finding.packages.length > 3 ? htmlText(` +${item.finding.packages.length - 3}`) : ''}</small>`
      : item.finding.rule?.annotation
        ? `<br><small>${htmlText(item.finding.rule.annotation)}</small>`
        : '';
  return (
    `<tr${item.overdue ? ' class="overdue"' : ''}>` +
    `<td class="nowrap">${severityBadge(item.finding.severity)}</td>` +
    idCell(item.finding.id, `${link(item.finding.id, item.finding.url)}${tags}`) +
    `<td>${textBlock(`${htmlText(item.finding.title)}${detail}`)}</td>` +
    `<td>${resourceCell(item)}</td>` +
    `<td>${cell(item.owner)}</td>` +
    `<td class="nowrap">${useCell(item)}</td>` +
    `<td class="num">${item.ageDays} d / ${item.slaDays} d</td>` +
    `<td class="nowrap">${dueCell(item)}</td>` +
    `<td class="nowrap">${htmlText(item.finding.fixAvailable)}</td>` +
    `</tr>`
  );
}

/**
 * `openRow` for the overdue and new tables (`early`) and then the all-open table (`last`): the
 * row of an item the all-open table shows too (in `all`'s first MAX_HTML_ROWS) is made once and
 * kept until that table takes it; any other row is made as it is written, and not kept.
 */
function openRows(all: readonly OpenItem[]): {
  early: (item: OpenItem) => string;
  last: (item: OpenItem) => string;
} {
  const later = new Set(all.slice(0, MAX_HTML_ROWS));
  const made = new Map<OpenItem, string>();
  return {
    early: (item) => {
      let row = made.get(item);
      if (row === undefined) {
        row = openRow(item);
        if (later.has(item)) made.set(item, row);
      }
      return row;
    },
    last: (item) => {
      const row = made.get(item);
      if (row === undefined) return openRow(item);
      made.delete(item);
      return row;
    },
  };
}

const OPEN_HEADERS = [
  'Severity',
  'Finding',
  'Title',
  'Resource',
  'Owner',
  'In use',
  { text: 'Age / SLA', num: true },
  'Due',
  'Fix',
] as const;

function fixedRow(item: FixedItem): string {
  return (
    `<tr><td class="nowrap">${severityBadge(item.severity)}</td>${idCell(item.id, htmlText(item.id))}<td>${textBlock(cell(item.title))}</td>` +
    `<td>${code(shortResource(item.resource))}</td><td>${cell(item.owner)}</td><td class="nowrap">${htmlText(item.firstSeen.slice(0, 10))}</td>` +
    `<td class="num">${item.daysToFix} d</td></tr>`
  );
}

function countsCells(counts: SeverityCounts): string {
  return CHART_SEVERITIES.map(
    (severity) =>
      `<td class="num">${counts[severity] > 0 ? `<b style="color:${SEVERITY_COLOURS[severity]}">${counts[severity]}</b>` : '0'}</td>`,
  ).join('');
}

function meter(part: number, total: number): string {
  const width = total === 0 ? 0 : (part / total) * 100;
  return `<span class="meter"><i style="width:${num(width)}%"></i></span>${pct(part, total)}`;
}

function* tables(report: DailyReport): Generator<string, void, undefined> {
  // The first MAX_HTML_ROWS of each, counted in one pass; an open finding's row is made once
  // however many of the overdue, new and all-open tables show it.
  const overdue = countAndFirst(report.open, (item) => item.overdue, MAX_HTML_ROWS);
  const newItems = countAndFirst(report.open, (item) => item.isNew, MAX_HTML_ROWS);
  const first = report.previousAt === undefined;
  const openRowOf = openRows(report.open);
  const blocks: Iterable<string>[] = [
    tableBlock({
      id: 'overdue',
      title: 'Overdue',
      rows: overdue.first,
      total: overdue.total,
      headers: OPEN_HEADERS,
      row: openRowOf.early,
      empty: 'Nothing is past its SLA.',
    }),
    tableBlock({
      id: 'new',
      title: 'New since the previous run',
      rows: newItems.first,
      total: newItems.total,
      headers: OPEN_HEADERS,
      row: openRowOf.early,
      empty: first ? 'First run: no previous state, nothing to compare.' : 'Nothing new.',
    }),
    tableBlock({
      id: 'fixed',
      title: 'Fixed since the previous run',
      rows: report.fixed,
      headers: [
        'Severity',
        'Finding',
        'Title',
        'Resource',
        'Owner',
        'First seen',
        { text: 'Time to fix', num: true },
      ],
      row: fixedRow,
      empty: first ? 'First run: no previous state, nothing to compare.' : 'Nothing was fixed.',
    }),
    tableBlock({
      id: 'images',
      title: 'Vulnerable images',
      rows: report.images,
      headers: [
        'Image',
        'In use',
        ...CHART_SEVERITIES.map((severity) => ({ text: severity, num: true as const })),
        { text: 'Total', num: true },
      ],
      row: (image) =>
        `<tr><td>${code(`${image.repository}@${image.digest}`)}</td><td>${
          image.use === undefined
            ? '<span class="tag idle">unknown</span>'
            : image.use.inUseCount > 0
              ? `<span class="tag run">running ${image.use.inUseCount}</span>`
              : '<span class="tag idle">idle</span>'
        }${image.use?.lastInUse ? `<br><small>${htmlText(`last seen ${reportTime(image.use.lastInUse)}`)}</small>` : ''}</td>${countsCells(image.counts)}<td class="num">${image.counts.total}</td></tr>`,
      empty: 'No ECR image has open findings.',
    }),
    tableBlock({
      id: 'rules',
      title: report.cceSource === 'config' ? 'Config rules' : 'Security Hub controls',
      rows: report.rules,
      headers: [
        'Rule',
        'Severity',
        { text: 'Failing', num: true },
        { text: 'Passing', num: true },
        'Compliant',
      ],
      row: (rule) =>
        `<tr><td>${code(rule.rule)}${rule.title ? `<br><small>${htmlText(rule.title)}</small>` : ''}</td><td class="nowrap">${severityBadge(rule.severity)}</td>` +
        `<td class="num">${rule.noncompliant > 0 ? `<b style="color:var(--bad)">${rule.noncompliant}</b>` : '0'}</td><td class="num">${rule.compliant}</td>` +
        `<td class="nowrap">${meter(rule.compliant, rule.compliant + rule.noncompliant)}</td></tr>`,
      empty: 'No rule was evaluated.',
    }),
  ];
  if (report.tags) {
    blocks.push(
      tableBlock({
        id: 'tags',
        title: 'Tag coverage by resource type',
        rows: report.tags.byType,
        headers: [
          'Resource type',
          { text: 'Resources', num: true },
          { text: 'Fully tagged', num: true },
          { text: 'Never tagged', num: true },
          'Coverage',
        ],
        row: (type) =>
          `<tr><td>${code(type.type)}</td><td class="num">${type.total}</td><td class="num">${type.compliant}</td><td class="num">${type.untagged}</td><td class="nowrap">${meter(type.compliant, type.total)}</td></tr>`,
        empty: 'No resource was audited.',
        ...(report.tags.neverTagged.length > 0
          ? {
              note: `${report.tags.neverTagged.length} resource${report.tags.neverTagged.length === 1 ? ' carries' : 's carry'} no tag at all (listed below).`,
            }
          : {}),
      }),
    );
    if (report.tags.neverTagged.length > 0) {
      blocks.push(
        tableBlock({
          id: 'never-tagged',
          title: 'Never tagged',
          rows: report.tags.neverTagged,
          headers: ['Resource'],
          row: (arn) => `<tr><td>${code(arn)}</td></tr>`,
          empty: '',
        }),
      );
    }
  }
  blocks.push(
    tableBlock({
      id: 'owners',
      title: 'Owners',
      rows: report.owners,
      headers: [
        'Owner',
        { text: 'Open', num: true },
        { text: 'Overdue', num: true },
        ...CHART_SEVERITIES.map((severity) => ({ text: severity, num: true as const })),
      ],
      row: (owner) =>
        `<tr><td>${htmlText(owner.owner)}</td><td class="num">${owner.open}</td><td class="num">${owner.overdue > 0 ? `<b style="color:var(--bad)">${owner.overdue}</b>` : '0'}</td>${countsCells(owner.counts)}</tr>`,
      empty: 'Nothing is open.',
    }),
    tableBlock({
      id: 'exceptions',
      title: 'Exceptions expiring soon',
      rows: report.expiringExceptions,
      headers: ['Exception', 'Owner', 'Expires', { text: 'Days left', num: true }, 'Reason'],
      row: (exception) =>
        `<tr><td>${code(exception.id)}</td><td>${htmlText(exception.owner)}</td><td class="nowrap">${htmlText(exception.expires)}</td><td class="num">${exception.daysLeft}</td><td>${textBlock(htmlText(exception.reason))}</td></tr>`,
      empty: 'No exception expires soon.',
    }),
    ...(report.remediation ? [remediationBlocks(report.remediation)] : []),
    tableBlock({
      id: 'open',
      title: 'All open findings',
      rows: report.open,
      headers: OPEN_HEADERS,
      row: openRowOf.last,
      empty: 'Nothing is open.',
      note: 'Most severe first, running images before idle ones, then oldest first.',
    }),
  );
  if (report.warnings.length > 0) {
    blocks.push([
      `<section class="block" id="warnings"><h2>What could not be read<span class="count">${report.warnings.length}</span></h2><ul class="warnings">${report.warnings
        .map((warning) => `<li>${htmlText(warning)}</li>`)
        .join('')}</ul></section>`,
    ]);
  }
  for (const block of blocks) yield* block;
}

/**
 * The whole page: header (title, time, region, account, previous run or "first run"), cards
 * with the headline numbers and their deltas, six charts (severity trend, new vs fixed, top
 * vulnerable images, compliance by rule, tag coverage by type, overdue by owner; the last four
 * at most `top` rows, default 10), then every table (at most MAX_HTML_ROWS rows each, with a
 * note), the remediation runs and failures among them when the report has a Remediation
 * section. Pure: the same report gives the same text.
 *
 * In chunks (core/report-files ReportContent): the head, cards and charts, then each table a few
 * hundred rows at a time, made as they are read, so the page (10 MB at 50,000 findings) is never
 * one string. Read it once, after the report is final.
 */
export function* reportHtmlChunks(
  report: DailyReport,
  options: HtmlOptions = {},
): Generator<string, void, undefined> {
  const top = Math.max(1, Math.floor(options.top ?? 10));
  const run = safeUrl(options.runUrl);
  const meta = [
    `Generated <b>${htmlText(reportTime(report.generatedAt))}</b>`,
    `Region <b>${htmlText(report.region)}</b>`,
    ...(report.accountId ? [`Account <b>${htmlText(report.accountId)}</b>`] : []),
    ...(report.cveScanned
      ? [`Inspector2 scans <b>${htmlText(cveCoverage(report.cveScanned))}</b>`]
      : []),
    `Configuration from <b>${report.cceSource === 'config' ? 'AWS Config' : 'Security Hub'}</b>`,
    report.previousAt === undefined
      ? 'No previous run'
      : `Compared with <b>${htmlText(reportTime(report.previousAt))}</b>`,
  ];
  const firstRun =
    report.previousAt === undefined
      ? '<div class="first-run">First run: no previous state, nothing to compare.</div>'
      : '';
  const footer = `Generated by assetguard${run ? ` · ${link('workflow run', run)}` : ''} · the CSV and JSON reports beside this page have every field.`;
  yield (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${htmlText(REPORT_CSP)}">` +
    `<meta name="referrer" content="no-referrer">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<link rel="icon" href="data:,">` +
    `<title>${htmlText(`${report.title} — ${reportTime(report.generatedAt)}`)}</title>` +
    `<style>${STYLE}</style></head><body>` +
    `<header class="top"><h1>${htmlText(report.title)}</h1><div class="meta">${meta.map((part) => `<span>${part}</span>`).join('')}</div>${firstRun}</header>` +
    `<main>${cards(report)}${charts(report, top)}`
  );
  yield* tables(report);
  yield `</main><footer>${footer}</footer></body></html>\n`;
}

/**
 * The whole page as one string: `reportHtmlChunks` joined, for a caller that needs it whole (the
 * tests); the report run writes the chunks as they are made, and mails the written file.
 */
export function renderReportHtml(report: DailyReport, options: HtmlOptions = {}): string {
  return [...reportHtmlChunks(report, options)].join('');
}
