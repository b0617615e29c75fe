/**
 * The portal's one HTML page, rendered on the server. Every string from a report (titles,
 * resource ids, tag keys and values, owners, URLs) is untrusted: it goes through `escapeHtml`
 * and, for links, `safeHref` — one escape for HTML text and attributes, one gate for URLs. The
 * page carries no script, and the Content-Security-Policy the server sends forbids any.
 */
import type { Page, StoredAsset, StoredReport } from './store';
import { SEVERITIES, type FindingRow } from './report';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `value` as HTML text or a quoted attribute value: & < > " ' escaped. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * `url` when it is an absolute http(s) URL (normalised by the URL parser), else undefined: a
 * `javascript:`, `data:` or relative link from a report is shown as text, never followed.
 */
export function safeHref(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
}

/** The Content-Security-Policy of the page: styles inline, nothing else, no scripts at all. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const STYLE = `
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem; color: #1d2330; }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; }
  h2 { font-size: 1.15rem; margin-top: 2rem; }
  .meta { color: #5a6272; margin-top: 0; }
  .cards { display: flex; gap: .75rem; flex-wrap: wrap; padding: 0; list-style: none; }
  .cards li { border: 1px solid #d6dae2; border-radius: 6px; padding: .5rem .9rem; min-width: 7rem; }
  .cards b { display: block; font-size: 1.4rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; border-bottom: 1px solid #e3e6ec; padding: .35rem .5rem; vertical-align: top; }
  th { background: #f4f5f8; }
  td.num, th.num { text-align: right; }
  code { font-size: .85em; word-break: break-all; }
  .sev { font-weight: 600; }
  .sev-CRITICAL { color: #a4001d; } .sev-HIGH { color: #c34700; } .sev-MEDIUM { color: #8a6a00; }
  .tag { display: inline-block; background: #eef1f6; border-radius: 4px; padding: 0 .35rem; margin: 0 .25rem .2rem 0; }
  .overdue { color: #a4001d; font-weight: 600; }
  .more { color: #5a6272; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function link(text: string, url: string | undefined): string {
  const href = safeHref(url);
  return href === undefined
    ? escapeHtml(text)
    : `<a href="${escapeHtml(href)}" rel="noopener noreferrer">${escapeHtml(text)}</a>`;
}

function findingsTable(page: Page<FindingRow>): string {
  if (page.items.length === 0) return '<p>No open findings.</p>';
  const rows = page.items
    .map(
      (finding) => `<tr>
<td class="sev sev-${escapeHtml(finding.severity)}">${escapeHtml(finding.severity)}</td>
<td>${link(finding.findingId, finding.url)}${
        finding.url !== undefined && safeHref(finding.url) === undefined
          ? ` <span class="more">(link not shown: ${escapeHtml(finding.url)})</span>`
          : ''
      }</td>
<td>${escapeHtml(finding.title)}</td>
<td><code>${escapeHtml(finding.resourceId)}</code></td>
<td>${escapeHtml(finding.owner ?? '—')}</td>
<td class="num${finding.overdue ? ' overdue' : ''}">${escapeHtml(finding.ageDays)} / ${escapeHtml(finding.slaDays)}</td>
</tr>`,
    )
    .join('\n');
  const more =
    page.total > page.items.length
      ? `<p class="more">${page.items.length} of ${page.total} shown; all of them: <a href="/api/findings">/api/findings</a></p>`
      : '';
  return `<table id="findings">
<thead><tr><th>Severity</th><th>Finding</th><th>Title</th><th>Resource</th><th>Owner</th><th class="num">Age / SLA (days)</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>${more}`;
}

function assetsTable(page: Page<StoredAsset>): string {
  if (page.items.length === 0) return '<p>No resources in this report.</p>';
  const rows = page.items
    .map((asset) => {
      const tags = Object.entries(asset.tags)
        .map(([key, value]) => `<span class="tag">${escapeHtml(key)}=${escapeHtml(value)}</span>`)
        .join('');
      return `<tr>
<td><code>${escapeHtml(asset.arn)}</code></td>
<td>${escapeHtml(asset.type)}</td>
<td>${tags === '' ? '<span class="more">no tags</span>' : tags}</td>
<td class="num">${escapeHtml(asset.openFindings)}</td>
</tr>`;
    })
    .join('\n');
  const more =
    page.total > page.items.length
      ? `<p class="more">${page.items.length} of ${page.total} shown; all of them: <a href="/api/assets">/api/assets</a></p>`
      : '';
  return `<table id="assets">
<thead><tr><th>Resource</th><th>Type</th><th>Tags</th><th class="num">Open findings</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>${more}`;
}

function rulesTable(report: StoredReport): string {
  if (report.rules.length === 0) return '<p>No rules or controls evaluated.</p>';
  const rows = report.rules
    .map(
      (rule) => `<tr>
<td>${escapeHtml(rule.rule)}</td>
<td>${escapeHtml(rule.title ?? '')}</td>
<td class="sev sev-${escapeHtml(rule.severity)}">${escapeHtml(rule.severity)}</td>
<td class="num">${escapeHtml(rule.compliant)}</td>
<td class="num">${escapeHtml(rule.noncompliant)}</td>
</tr>`,
    )
    .join('\n');
  return `<table id="rules">
<thead><tr><th>Rule / control</th><th>Title</th><th>Severity</th><th class="num">Compliant</th><th class="num">Non-compliant</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

/** The page before any report is imported: what to do about it. */
export function renderEmptyPage(): string {
  return layout(
    'assetguard asset portal',
    `<h1>assetguard asset portal</h1>
<p>No report imported yet. Import the daily report's <code>report.json</code> with
<code>POST /api/imports</code> (bearer token) or <code>node dist/import.js report.json</code>.</p>`,
  );
}

/**
 * The page for the latest report: counts by severity, the open findings and the resources
 * (the first page of each, linking to the API for the rest) and the rules.
 */
export function renderReportPage(
  report: StoredReport,
  findings: Page<FindingRow>,
  assets: Page<StoredAsset>,
): string {
  const cards = SEVERITIES.filter(
    (level) => level !== 'UNTRIAGED' || report.counts.open.UNTRIAGED > 0,
  )
    .map((level) => `<li class="sev-${level}"><b>${report.counts.open[level]}</b>${level}</li>`)
    .join('');
  const warnings =
    report.warnings.length === 0
      ? ''
      : `<h2>Warnings</h2><ul>${report.warnings.map((warning) => `<li>${escapeHtml(warning)}</li>`).join('')}</ul>`;
  const account =
    report.accountId === undefined ? '' : ` · account ${escapeHtml(report.accountId)}`;
  return layout(
    `${report.title} — asset portal`,
    `<h1>${escapeHtml(report.title)}</h1>
<p class="meta">Generated <time datetime="${escapeHtml(report.generatedAt)}">${escapeHtml(report.generatedAt)}</time>
· ${escapeHtml(report.region)}${account} · imported ${escapeHtml(report.importedAt)}</p>
<ul class="cards" id="counts">${cards}
<li><b>${report.counts.open.total}</b>open</li>
<li><b>${report.counts.new}</b>new</li>
<li><b>${report.counts.fixed}</b>fixed</li>
<li><b>${report.counts.overdue}</b>overdue</li>
</ul>
${warnings}
<h2>Open findings (${report.counts.open.total})</h2>
${findingsTable(findings)}
<h2>Inventory (${assets.total} resources)</h2>
${assetsTable(assets)}
<h2>Rules and controls</h2>
${rulesTable(report)}`,
  );
}
