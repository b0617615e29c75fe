/**
 * The daily report as email: the full report to the default recipients, and, when the policy
 * routes by a tag (`report.route-by`), each team its own part (only its open items, its own
 * counts). Pure. HTML bodies are simple tables with inline styles (what mail clients render),
 * every untrusted string through core/escape `htmlText`, links only for http(s) URLs.
 */
import { htmlText, safeUrl } from '../core/escape';
import { SEVERITIES, emptyCounts, type SeverityCounts } from '../core/model';
import type { ReportPolicy } from '../core/policy';
import type { EmailMessage } from '../sinks/email';
import type { DailyReport, OpenItem } from './model';
import { outcomeSummary, recentWindowText, runsSummary } from './render';

/** What reportEmails needs besides the report. */
export interface ReportEmailOptions {
  /** The policy's `report:` section: `routeBy`, `recipients` and `routeDomains`. */
  policyReport: ReportPolicy;
  /** Who gets the full report, and any team without its own recipients. */
  defaultTo: string[];
  from: string;
  /** The full HTML page, attached to the full report's message as report.html. */
  htmlReport: string;
  /** Items per list in a body. */
  top: number;
}

/**
 * A plausible single mailbox (no display name, no list, no quoting): what a tag value must be to
 * be mailed, besides its domain being in `report.route-domains`.
 */
const EMAIL_ADDRESS = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;

/** Whether `value` is one email address (a tag value used as the recipient). */
export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && EMAIL_ADDRESS.test(value);
}

/** Said instead of the new and fixed counts when there is no previous state (a first run). */
const FIRST_RUN = 'first run: nothing to compare with';

/**
 * Whether the address's domain (after its `@`, compared case-insensitively) is in
 * `routeDomains`: `example.com` matches that domain exactly, `*.example.com` any subdomain of it
 * (not example.com itself). A trailing dot or a look-alike character is another domain.
 */
export function inRouteDomains(address: string, routeDomains: readonly string[]): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return routeDomains.some((allowed) => {
    const entry = allowed.toLowerCase();
    return entry.startsWith('*.') ? domain.endsWith(entry.slice(1)) : domain === entry;
  });
}

/** A route-by value's recipients, or why it has none (its findings are then in the full report only). */
type Route = { to: string[] } | { unrouted: 'not-an-address' | 'outside-route-domains' };

/**
 * Where a value of the route-by tag is mailed (`to`), or why it is not (`unrouted`).
 * `report.recipients[value]` first (an own entry only, so a tag value such as `constructor` is not
 * an object's property): the policy's author named those. Else the value itself, but only when it
 * is an address in `report.route-domains`: anyone allowed to tag a resource (CreateTags, TagResource)
 * chooses the value, so an address elsewhere would receive that resource's findings daily.
 */
function routeOf(value: string, policyReport: ReportPolicy): Route {
  if (Object.hasOwn(policyReport.recipients, value)) {
    return { to: policyReport.recipients[value] ?? [] };
  }
  if (!isEmailAddress(value)) return { unrouted: 'not-an-address' };
  return inRouteDomains(value, policyReport.routeDomains)
    ? { to: [value] }
    : { unrouted: 'outside-route-domains' };
}

/**
 * The values of the `report.route-by` tag on open findings that no message is routed by: no
 * `report.recipients` entry and not an address in `report.route-domains` (`Owner=platform team`,
 * a list such as `a@example.com, b@example.com`, or `attacker@evil.example`). Their findings go
 * only to the full report (email-to), so a mis-tagged team never hears of them itself. Sorted,
 * each once; empty without `route-by`. Resources without the tag are not listed (they have no
 * owner to route to). Pure.
 */
export function unroutedOwners(report: DailyReport, policyReport: ReportPolicy): string[] {
  const { routeBy } = policyReport;
  if (routeBy === undefined) return [];
  return [...unroutedCounts(report, policyReport, routeBy).keys()].sort((a, b) =>
    a.localeCompare(b),
  );
}

/**
 * The unrouted values of the `routeBy` tag on open findings, each with how many open and overdue
 * findings carry it: one pass over the findings, each distinct value routed once.
 */
function unroutedCounts(
  report: DailyReport,
  policyReport: ReportPolicy,
  routeBy: string,
): Map<string, { open: number; overdue: number }> {
  const routed = new Map<string, boolean>();
  const counts = new Map<string, { open: number; overdue: number }>();
  for (const item of report.open) {
    const value = item.finding.resource.tags?.[routeBy];
    if (value === undefined || value === '') continue;
    let isRouted = routed.get(value);
    if (isRouted === undefined) {
      isRouted = 'to' in routeOf(value, policyReport);
      routed.set(value, isRouted);
    }
    if (isRouted) continue;
    const entry = counts.get(value) ?? { open: 0, overdue: 0 };
    entry.open += 1;
    if (item.overdue) entry.overdue += 1;
    counts.set(value, entry);
  }
  return counts;
}

/**
 * One warning per `unroutedOwners` value, with how many open and overdue findings it carries and
 * why it is not mailed (not an address; an address outside `report.route-domains`; or no
 * route-domains at all, so no tag value is mailed directly), for the report's and the log's
 * warnings (each still goes through the medium's escape there).
 */
export function unroutedOwnerWarnings(report: DailyReport, policyReport: ReportPolicy): string[] {
  const { routeBy } = policyReport;
  if (routeBy === undefined) return [];
  const counts = unroutedCounts(report, policyReport, routeBy);
  return [...counts.keys()]
    .sort((a, b) => a.localeCompare(b))
    .map((value) => {
      const { open, overdue } = counts.get(value) ?? { open: 0, overdue: 0 };
      const route = routeOf(value, policyReport);
      const why =
        'unrouted' in route && route.unrouted === 'outside-route-domains'
          ? policyReport.routeDomains.length === 0
            ? 'its domain is not in report.route-domains, which is not set (without it no tag value is mailed directly, only report.recipients entries)'
            : 'its domain is not in report.route-domains'
          : 'is not an email address';
      return `report.route-by: ${routeBy}=${JSON.stringify(oneLine(value, 200))} (${open} open, ${overdue} overdue) has no report.recipients entry and ${why}; its findings are only in the full report (email-to)`;
    });
}

/**
 * One message per recipient group, the full report first. On a first run (`previousAt`
 * undefined) subjects and bodies say "first run: nothing to compare with" instead of new and
 * fixed counts. A route-by value with no route (no `report.recipients` entry and not an address
 * in `report.route-domains`) is left out (`unroutedOwners` lists them).
 */
export function reportEmails(report: DailyReport, options: ReportEmailOptions): EmailMessage[] {
  const { policyReport, defaultTo } = options;
  const top = Math.max(0, Math.floor(options.top));
  const date = report.generatedAt.slice(0, 10);
  const first = report.previousAt === undefined;
  const messages: EmailMessage[] = [];
  const defaultKey = recipientsKey(defaultTo);
  if (defaultTo.length > 0) {
    const full = {
      open: report.open,
      counts: {
        open: report.counts.open,
        new: report.counts.new,
        fixed: report.counts.fixed,
        overdue: report.counts.overdue,
      },
    };
    messages.push({
      from: options.from,
      to: [...defaultTo],
      subject: subjectOf(`${report.title} — ${date}`, full.counts, first),
      html: htmlBody(report, undefined, full, top),
      text: textBody(report, undefined, full, top),
      attachments: [
        {
          filename: 'report.html',
          content: options.htmlReport,
          contentType: 'text/html; charset=utf-8',
        },
      ],
    });
  }
  const routeBy = policyReport.routeBy;
  if (routeBy === undefined) return messages;
  // Teams: every value of the route-by tag, grouped by the recipients they resolve to.
  const groups = new Map<string, { to: string[]; values: string[]; items: OpenItem[] }>();
  // Each distinct value routed once, not once per finding (50,000 findings, a few hundred owners).
  const routes = new Map<string, { route: Route; key: string }>();
  for (const item of report.open) {
    const value = item.finding.resource.tags?.[routeBy];
    if (value === undefined || value === '') continue;
    let known = routes.get(value);
    if (known === undefined) {
      const route = routeOf(value, policyReport);
      known = { route, key: 'to' in route ? recipientsKey(route.to) : '' };
      routes.set(value, known);
    }
    const { route, key } = known;
    // An unrouted value is in the full report only (unroutedOwnerWarnings says so).
    if (!('to' in route)) continue;
    const { to } = route;
    // A team whose recipients are the default ones is in the full report they get already.
    if (to.length === 0 || key === defaultKey) continue;
    const group = groups.get(key) ?? { to: [...to], values: [], items: [] };
    if (!group.values.includes(value)) group.values.push(value);
    group.items.push(item);
    groups.set(key, group);
  }
  for (const group of [...groups.values()].sort((a, b) => a.to.join().localeCompare(b.to.join()))) {
    const team = `${routeBy}=${group.values.join(', ')}`;
    const part = { open: group.items, counts: countsOf(group.items) };
    messages.push({
      from: options.from,
      to: group.to,
      subject: subjectOf(`${report.title} — ${team} — ${date}`, part.counts, first),
      html: htmlBody(report, team, part, top),
      text: textBody(report, team, part, top),
      attachments: [],
    });
  }
  return messages;
}

/** The open items and counts one message shows. */
interface Part {
  open: readonly OpenItem[];
  /** `fixed` only for the full report: fixed findings carry no tags to route them by. */
  counts: { open: SeverityCounts; new: number; overdue: number; fixed?: number };
}

function recipientsKey(to: readonly string[]): string {
  return [...to]
    .map((address) => address.toLowerCase())
    .sort()
    .join(',');
}

function countsOf(items: readonly OpenItem[]): Part['counts'] {
  const open = emptyCounts();
  for (const item of items) {
    open[item.finding.severity] += 1;
    open.total += 1;
  }
  return {
    open,
    new: items.filter((item) => item.isNew).length,
    overdue: items.filter((item) => item.overdue).length,
  };
}

/** One line, at most 200 characters (nodemailer encodes it; line breaks could not be a header). */
function subjectOf(prefix: string, counts: Part['counts'], first: boolean): string {
  return oneLine(
    first
      ? `${prefix}: ${counts.open.total} open, ${counts.overdue} overdue (${FIRST_RUN})`
      : `${prefix}: ${counts.open.total} open, ${counts.new} new, ${counts.overdue} overdue`,
    200,
  );
}

/** Untrusted text for the text part: one line, no control characters, cut at `max`. */
function oneLine(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').trim();
  const characters = Array.from(flat);
  return characters.length <= max ? flat : `${characters.slice(0, max - 1).join('')}…`;
}

const CELL = 'style="border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top"';
const SEVERITY_COLOUR: Record<string, string> = {
  CRITICAL: '#8b0000',
  HIGH: '#c2410c',
  MEDIUM: '#a16207',
  LOW: '#1d4ed8',
};

function listsOf(part: Part): { title: string; items: readonly OpenItem[] }[] {
  return [
    { title: 'Overdue', items: part.open.filter((item) => item.overdue) },
    {
      title: 'New since the last run',
      items: part.open.filter((item) => item.isNew && !item.overdue),
    },
    { title: 'All open, most severe first', items: part.open },
  ];
}

function htmlBody(report: DailyReport, team: string | undefined, part: Part, top: number): string {
  const { counts } = part;
  const summary: [string, string | number][] = [
    ['Open', counts.open.total],
    ...SEVERITIES.filter((severity) => counts.open[severity] > 0).map(
      (severity): [string, number] => [`&nbsp;&nbsp;${severity}`, counts.open[severity]],
    ),
    ...(report.previousAt === undefined
      ? [['New / fixed', `– (${htmlText(FIRST_RUN)})`] as [string, string]]
      : [
          ['New', counts.new] as [string, number],
          ...(counts.fixed !== undefined ? [['Fixed', counts.fixed] as [string, number]] : []),
        ]),
    ['Overdue', counts.overdue],
  ];
  const rows = summary
    .map(([label, value]) => `<tr><th ${CELL}>${label}</th><td ${CELL}>${value}</td></tr>`)
    .join('');
  const lists = listsOf(part)
    .filter((list) => list.items.length > 0)
    .map((list) => itemTable(list.title, list.items, top))
    .join('');
  const scope = team
    ? `<p style="margin:0 0 12px">Only the findings on resources tagged <b>${htmlText(team)}</b>.</p>`
    : '<p style="margin:0 0 12px">The full report is attached (report.html).</p>';
  const remediation = team ? undefined : remediationLine(report);
  const remediationHtml =
    remediation === undefined
      ? ''
      : `<p style="margin:12px 0">${htmlText(oneLine(remediation, 600))}</p>`;
  const warnings =
    !team && report.warnings.length > 0
      ? `<p style="margin:12px 0;color:#a16207">${report.warnings.length} warning(s): ${report.warnings
          .slice(0, 5)
          .map((warning) => htmlText(oneLine(warning)))
          .join('<br>')}</p>`
      : '';
  return [
    '<!DOCTYPE html><html><head><meta charset="utf-8"></head>',
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2328">',
    `<h1 style="font-size:20px;margin:0 0 8px">${htmlText(oneLine(report.title))}</h1>`,
    `<p style="margin:0 0 12px;color:#57606a">${htmlText(context(report))}</p>`,
    scope,
    `<table cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 16px">${rows}</table>`,
    lists,
    remediationHtml,
    warnings,
    '</body></html>',
  ].join('\n');
}

function itemTable(title: string, items: readonly OpenItem[], top: number): string {
  const shown = items.slice(0, top);
  const header = ['Severity', 'Finding', 'Title', 'Resource', 'Owner', 'Age (days)', 'Due']
    .map((name) => `<th ${CELL}>${name}</th>`)
    .join('');
  const rows = shown
    .map((item) => {
      const { finding } = item;
      const href = safeUrl(finding.url);
      const id = htmlText(oneLine(finding.id, 200));
      const colour = SEVERITY_COLOUR[finding.severity] ?? '#57606a';
      return [
        `<td ${CELL}><b style="color:${colour}">${finding.severity}</b></td>`,
        `<td ${CELL}>${href ? `<a href="${htmlText(href)}">${id}</a>` : id}</td>`,
        `<td ${CELL}>${htmlText(oneLine(finding.title))}</td>`,
        `<td ${CELL}>${htmlText(oneLine(finding.resource.id))}</td>`,
        `<td ${CELL}>${htmlText(oneLine(item.owner ?? '(no owner)', 200))}</td>`,
        `<td ${CELL}>${item.ageDays}</td>`,
        `<td ${CELL}>${item.overdue ? `${-item.dueInDays} d overdue` : `in ${item.dueInDays} d`}</td>`,
      ].join('');
    })
    .map((cells) => `<tr>${cells}</tr>`)
    .join('');
  const more =
    items.length > shown.length
      ? `<p style="margin:4px 0 16px;color:#57606a">…and ${items.length - shown.length} more.</p>`
      : '';
  return `<h2 style="font-size:16px;margin:16px 0 8px">${htmlText(title)} (${items.length})</h2><table cellpadding="0" cellspacing="0" style="border-collapse:collapse">${header ? `<tr>${header}</tr>` : ''}${rows}</table>${more}`;
}

/**
 * `Remediation since the previous report (…): 2 runs (1 executed, 1 dry run), 3 success · 1
 * failed; last 7 days: 5 runs (…).` for the full report; undefined without the section. Plain.
 */
function remediationLine(report: DailyReport): string | undefined {
  const remediation = report.remediation;
  if (!remediation) return undefined;
  const part = (totals: typeof remediation.recent): string =>
    `${runsSummary(totals)}${totals.runs > 0 ? `, ${outcomeSummary(totals.outcomes)}` : ''}`;
  return `Remediation ${recentWindowText(remediation)}: ${part(remediation.recent)}; last ${remediation.windowDays} days: ${part(remediation.week)}.`;
}

function context(report: DailyReport): string {
  return [
    report.accountId ? `account ${report.accountId}` : undefined,
    report.region,
    `at ${report.generatedAt}`,
    report.previousAt ? `compared with ${report.previousAt}` : 'first run: nothing to compare with',
  ]
    .filter((part) => part !== undefined)
    .map((part) => oneLine(part))
    .join(' · ');
}

function textBody(report: DailyReport, team: string | undefined, part: Part, top: number): string {
  const { counts } = part;
  const lines = [
    oneLine(report.title),
    context(report),
    team
      ? `Only the findings on resources tagged ${oneLine(team)}.`
      : 'The full report is attached (report.html).',
    '',
    `Open: ${counts.open.total} (${
      SEVERITIES.filter((severity) => counts.open[severity] > 0)
        .map((severity) => `${severity} ${counts.open[severity]}`)
        .join(', ') || 'none'
    })`,
    ...(report.previousAt === undefined
      ? [`New / fixed: – (${FIRST_RUN})`]
      : [`New: ${counts.new}`, ...(counts.fixed !== undefined ? [`Fixed: ${counts.fixed}`] : [])]),
    `Overdue: ${counts.overdue}`,
  ];
  for (const list of listsOf(part)) {
    if (list.items.length === 0) continue;
    lines.push('', `${list.title} (${list.items.length})`);
    for (const item of list.items.slice(0, top)) {
      const { finding } = item;
      lines.push(
        `- ${finding.severity} ${oneLine(finding.id, 200)}: ${oneLine(finding.title)} | ${oneLine(finding.resource.id)} | owner ${oneLine(item.owner ?? '(no owner)', 200)} | ${item.ageDays} d open, ${item.overdue ? `${-item.dueInDays} d overdue` : `due in ${item.dueInDays} d`}`,
      );
    }
    if (list.items.length > top) lines.push(`  …and ${list.items.length - top} more.`);
  }
  const remediation = team ? undefined : remediationLine(report);
  if (remediation !== undefined) lines.push('', oneLine(remediation, 600));
  if (!team && report.warnings.length > 0) {
    lines.push(
      '',
      `${report.warnings.length} warning(s):`,
      ...report.warnings.slice(0, 5).map((warning) => `- ${oneLine(warning)}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
