/**
 * The words of one alert, per medium: a Slack message (mrkdwn, untrusted text through
 * core/escape `slackText`/`slackLink`) and an SNS notification (subject and plain-text body, as
 * email subscribers read them). Pure: no I/O.
 */
import { safeUrl, slackLink, slackText } from '../../core/escape';
import type { SlackMessage } from '../../sinks/slack';
import { plainLine, snsSubject } from '../sns-text';
import type { AlertFinding } from './events';

/** How much of a finding's description an alert carries (the console has the rest). */
export const MAX_DESCRIPTION = 1500;

/** Who an alert goes to: the owner tag's value, or why there is none. */
export interface AlertOwner {
  /** The value of the policy's owner tag; undefined when no resource of the finding carries it. */
  owner?: string;
  /** The tag key read (policy `report.owner-tag`). */
  tagKey: string;
  /** Why the owner is unknown, when it is (no tag, tags unreadable). */
  unknownBecause?: string;
}

const SOURCE_NAMES: Record<AlertFinding['source'], string> = {
  securityhub: 'Security Hub',
  inspector2: 'Inspector',
};

function resourceLine(finding: AlertFinding): { first: string; more: number } {
  const [first] = finding.resources;
  return { first: first?.id ?? '', more: finding.resources.length - 1 };
}

/** A URL short enough to keep the section under Slack's 3,000 characters; else no link. */
function linkable(url: string | undefined): string | undefined {
  return url !== undefined && url.length <= 1000 ? url : undefined;
}

/**
 * The Slack message: one mrkdwn section with the title linked when its URL is http(s), and a
 * one-line `text` for the notification. Every AWS-given value goes through `slackText` or
 * `slackLink`; a section holds at most 3,000 characters, which the cuts here stay under.
 */
export function slackMessage(finding: AlertFinding, owner: AlertOwner): SlackMessage {
  const { first, more } = resourceLine(finding);
  const ownerText =
    owner.owner !== undefined
      ? slackText(owner.owner)
      : `unknown (${slackText(owner.unknownBecause ?? `no ${owner.tagKey} tag`)})`;
  const lines = [
    `:rotating_light: *${finding.severity}* ${SOURCE_NAMES[finding.source]} finding: ${slackLink(finding.title, linkable(finding.url))}`,
    `*Resource:* ${slackText(first)}${more > 0 ? ` (and ${more} more)` : ''}`,
    `*Owner:* ${ownerText}`,
    `*State:* ${slackText(finding.state)} · *Updated:* ${slackText(finding.updatedAt)}`,
    ...(finding.vulnerabilityId !== undefined
      ? [`*Vulnerability:* ${slackText(finding.vulnerabilityId)}`]
      : []),
    `*Finding:* ${slackText(finding.id)}`,
    ...(finding.description !== '' ? [`> ${slackText(finding.description, 500)}`] : []),
  ];
  return {
    text: `${finding.severity} ${SOURCE_NAMES[finding.source]} finding: ${slackText(finding.title, 150)}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }],
  };
}

/** The SNS notification: subject (lambda/sns-text `snsSubject`) and plain-text body. */
export function snsMessage(
  finding: AlertFinding,
  owner: AlertOwner,
): { subject: string; body: string } {
  const { first, more } = resourceLine(finding);
  const url = safeUrl(finding.url);
  const lines = [
    `${finding.severity} ${SOURCE_NAMES[finding.source]} finding`,
    '',
    `Title:    ${plainLine(finding.title, 500)}`,
    `Resource: ${plainLine(first, 500)}${more > 0 ? ` (and ${more} more)` : ''}`,
    `Owner:    ${owner.owner !== undefined ? plainLine(owner.owner, 256) : `unknown (${plainLine(owner.unknownBecause ?? `no ${owner.tagKey} tag`, 500)})`}`,
    `State:    ${plainLine(finding.state, 100)}`,
    `Updated:  ${plainLine(finding.updatedAt, 100)}`,
    ...(finding.vulnerabilityId !== undefined
      ? [`Vulnerability: ${plainLine(finding.vulnerabilityId, 100)}`]
      : []),
    `Finding:  ${plainLine(finding.id, 1000)}`,
    ...(url !== undefined ? [`More:     ${url}`] : []),
    ...(finding.description !== '' ? ['', plainLine(finding.description, MAX_DESCRIPTION)] : []),
  ];
  return {
    subject: snsSubject(
      `[assetguard] ${finding.severity}: ${finding.title}`,
      'assetguard finding alert',
    ),
    body: `${lines.join('\n')}\n`,
  };
}
