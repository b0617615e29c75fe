/**
 * The daily report as one Slack Block Kit message: what changed and what is overdue, with links
 * to the run and the full report. Pure. Every string from AWS, tags or the policy goes through
 * core/escape `slackText`/`slackLink`; only http(s) URLs become links.
 */
import { safeUrl, slackLink, slackText } from '../core/escape';
import { SEVERITIES } from '../core/model';
import type { SlackMessage } from '../sinks/slack';
import type { DailyReport, OpenItem, RemediationSection } from './model';
import {
  outcomeSummary,
  recentWindowText,
  remediationProblems,
  remediationRule,
  runsSummary,
} from './render';

/** Slack's limits (Block Kit reference): blocks per message, characters per text. */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  fieldText: 2000,
  contextText: 2000,
  /** Top-level `text` is cut by Slack at 40,000; a notification shows far less. */
  text: 3000,
} as const;

type Block = SlackMessage['blocks'][number];

/** Said instead of the new and fixed counts when there is no previous state (a first run). */
const FIRST_RUN = 'first run: nothing to compare with';

/** Options: how many items per list, and where the run and the full report are. */
export interface SlackReportOptions {
  top: number;
  runUrl?: string;
  reportUrl?: string;
}

/**
 * `{ text, blocks }` for `postSlack`: a header (the title), the counts (open by severity, new,
 * fixed, overdue; on a first run, when `previousAt` is undefined, "first run: nothing to compare
 * with" instead of new and fixed), the overdue and the new items (at most `top` each, most severe first, with
 * owners and age), the recent remediation runs (with the remediation-audit input: how many,
 * who, outcomes, at most `top` failed resources), what could not be read, and links to the run and the report. Within Slack's
 * limits: at most 50 blocks, 3,000 characters per section, 150 in the header; a list that does
 * not fit says how many more there are.
 */
export function slackReportMessage(report: DailyReport, options: SlackReportOptions): SlackMessage {
  const { counts } = report;
  // A first run has no previous state: "0 new, 0 fixed" would claim a comparison never made.
  const first = report.previousAt === undefined;
  const top = Math.max(0, Math.floor(options.top));
  const blocks: Block[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: slackText(report.title, SLACK_LIMITS.headerText) },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: slackText(
            [
              report.accountId ? `account ${report.accountId}` : undefined,
              report.region,
              `at ${report.generatedAt}`,
              first ? FIRST_RUN : `compared with ${report.previousAt}`,
            ]
              .filter((part) => part !== undefined)
              .join(' · '),
            SLACK_LIMITS.contextText,
          ),
        },
      ],
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Open*\n${counts.open.total}` },
        { type: 'mrkdwn', text: `*Overdue*\n${counts.overdue}` },
        ...(first
          ? [{ type: 'mrkdwn' as const, text: `*New / fixed*\n${FIRST_RUN}` }]
          : [
              { type: 'mrkdwn' as const, text: `*New*\n${counts.new}` },
              { type: 'mrkdwn' as const, text: `*Fixed*\n${counts.fixed}` },
            ]),
        {
          type: 'mrkdwn',
          text: `*Open by severity*\n${
            SEVERITIES.filter((severity) => counts.open[severity] > 0)
              .map((severity) => `${severity} ${counts.open[severity]}`)
              .join(' · ') || 'none'
          }`,
        },
      ],
    },
  ];
  const overdue = report.open.filter((item) => item.overdue);
  const fresh = report.open.filter((item) => item.isNew && !item.overdue);
  blocks.push(
    ...itemList(`Overdue (${overdue.length})`, overdue, top),
    ...itemList(`New since the last run (${fresh.length})`, fresh, top),
    ...(report.remediation ? remediationBlocks(report.remediation, top) : []),
  );
  if (report.warnings.length > 0) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:warning: ${report.warnings.length} warning(s), left out of the counts: ${slackText(report.warnings[0], 1000)}${report.warnings.length > 1 ? ' …' : ''}`,
        },
      ],
    });
  }
  // A link the report cannot make safe (not http(s)) is left out, not shown as text.
  const links = [
    safeUrl(options.runUrl) && slackLink('The run', options.runUrl),
    safeUrl(options.reportUrl) && slackLink('The full report', options.reportUrl),
  ].filter((link): link is string => typeof link === 'string');
  const lastBlocks: Block[] =
    links.length > 0
      ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: links.join(' · ') }] }]
      : [];
  const room = SLACK_LIMITS.blocks - lastBlocks.length;
  const body =
    blocks.length <= room
      ? blocks
      : [
          ...blocks.slice(0, room - 1),
          {
            type: 'context',
            elements: [
              {
                type: 'mrkdwn',
                text: `…cut to Slack's ${SLACK_LIMITS.blocks} blocks: ${blocks.length - room + 1} more in the full report`,
              },
            ],
          } satisfies Block,
        ];
  const text = slackText(
    `${report.title}: ${counts.open.total} open (${counts.open.CRITICAL} critical, ${counts.open.HIGH} high), ${first ? `${counts.overdue} overdue; ${FIRST_RUN}` : `${counts.new} new, ${counts.fixed} fixed, ${counts.overdue} overdue`}`,
    SLACK_LIMITS.text,
  );
  return { text, blocks: [...body, ...lastBlocks] };
}

/**
 * The recent remediation runs in one section: how many (executed, dry runs), who ran them, their
 * outcomes, and at most `top` failed or timed-out resources with the failed step and message.
 */
function remediationBlocks(remediation: RemediationSection, top: number): Block[] {
  const { recent } = remediation;
  const actors = [...new Set(remediation.runs.filter((run) => run.recent).map((run) => run.actor))];
  const failed = remediationProblems(remediation).filter(({ run }) => run.recent);
  const lines = [
    `*Remediation ${slackText(recentWindowText(remediation), 200)}*`,
    recent.runs === 0
      ? `no run (${slackText(runsSummary(remediation.week), 200)} in the last ${remediation.windowDays} days)`
      : `${slackText(runsSummary(recent), 200)} by ${slackText(actors.join(', '), 300)} · ${slackText(outcomeSummary(recent.outcomes), 300)}`,
    ...failed
      .slice(0, top)
      .map(
        ({ run, problem }) =>
          `• *${problem.status === 'failed' ? 'failed' : 'timed out'}* ${slackText(problem.resource, 200)} · ${slackText(remediationRule(run), 120)}${problem.failedStep ? ` · step ${slackText(problem.failedStep, 100)}` : ''} · ${slackText(problem.message, 300)}${safeUrl(run.runUrl) ? ` · ${slackLink('the run', run.runUrl)}` : ''}`,
      ),
    ...(failed.length > top ? [`…and ${failed.length - top} more in the full report`] : []),
  ];
  const text = lines.join('\n');
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          text.length <= SLACK_LIMITS.sectionText
            ? text
            : `${lines.slice(0, 2).join('\n')}\n${failed.length} failed or timed out: see the full report`,
      },
    },
  ];
}

/** One item as a list line: severity, id (linked when http(s)), title, resource, owner, age. */
function itemLine(item: OpenItem): string {
  const { finding } = item;
  const due = item.overdue ? `${-item.dueInDays} d overdue` : `due in ${item.dueInDays} d`;
  return [
    `• *${finding.severity}* ${slackLink(finding.id, finding.url, 120)}`,
    slackText(finding.title, 200),
    slackText(finding.resource.id, 200),
    `owner ${slackText(item.owner ?? '(no owner)', 100)}`,
    `${item.ageDays} d open, ${due}`,
  ].join(' · ');
}

/** A titled list of at most `top` items, in as many sections as 3,000 characters allow. */
function itemList(title: string, items: readonly OpenItem[], top: number): Block[] {
  if (items.length === 0) return [];
  const shown = items.slice(0, top);
  const rest = items.length - shown.length;
  const lines = [`*${title}*`, ...shown.map(itemLine)];
  if (rest > 0) lines.push(`…and ${rest} more in the full report`);
  const sections: Block[] = [];
  let current = '';
  for (const line of lines) {
    const next = current === '' ? line : `${current}\n${line}`;
    if (next.length > SLACK_LIMITS.sectionText && current !== '') {
      sections.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
      current = line;
    } else {
      current = next;
    }
  }
  if (current !== '') sections.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
  return sections;
}
