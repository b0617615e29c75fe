/**
 * The words of one ssm-role-fixer report, per medium: a Slack message (mrkdwn, every value
 * through core/escape `slackText`) and an SNS notification (ASCII subject, plain-text body, as
 * email subscribers read them). Pure: no I/O.
 */
import { slackText } from '../../core/escape';
import type { SlackMessage } from '../../sinks/slack';
import { plainLine, snsSubject } from '../sns-text';

/**
 * What a report is about: something a person must fix, a failure of the fixer itself, an event
 * not as documented, or an event of another account or region (not acted on).
 */
export type ReportKind = 'needs-attention' | 'failed' | 'malformed-event' | 'refused-event';

export interface FixerReport {
  kind: ReportKind;
  /** The instance, when known. */
  instanceId?: string;
  /** Why, in words (an outcome's reason, or the error message). */
  reason: string;
  /** Labelled facts shown under the reason: role, profile, event id, account, region… */
  facts: [label: string, value: string][];
}

const HEADLINES: Record<ReportKind, string> = {
  'needs-attention': 'needs a person',
  failed: 'could not fix',
  'malformed-event': 'could not read an event',
  'refused-event': 'refused an event of another account or region',
};

function headline(report: FixerReport): string {
  return `SSM role fixer ${HEADLINES[report.kind]}${
    report.instanceId !== undefined ? `: ${report.instanceId}` : ''
  }`;
}

/**
 * The Slack message: one mrkdwn section (the headline, the reason, the facts) and a one-line
 * `text` for the notification. Slack's section limit is 3,000 characters; each value is cut
 * well below it.
 */
export function slackMessage(report: FixerReport): SlackMessage {
  const lines = [
    `:wrench: *${slackText(headline(report), 150)}*`,
    slackText(report.reason, 1200),
    ...report.facts.map(([label, value]) => `*${slackText(label, 40)}:* ${slackText(value, 200)}`),
  ];
  return {
    text: slackText(headline(report), 150),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }],
  };
}

/** The SNS notification: subject (lambda/sns-text `snsSubject`) and plain-text body. */
export function snsMessage(report: FixerReport): { subject: string; body: string } {
  const lines = [
    headline(report),
    '',
    plainLine(report.reason, 2000),
    '',
    ...report.facts.map(([label, value]) => `${plainLine(label, 40)}: ${plainLine(value, 500)}`),
  ];
  return {
    subject: snsSubject(`[assetguard] ${headline(report)}`, 'assetguard ssm-role-fixer'),
    body: `${lines.join('\n')}\n`,
  };
}
