import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '../../actions/src/core/errors';
import { SLACK_LIMITS, slackReportMessage } from '../../actions/src/report/slack';
import { postSlack, SlackError, type SlackMessage } from '../../actions/src/sinks/slack';
import {
  dailyReport,
  firstRunReport,
  HOSTILE,
  hostileReport,
  manyFindingsReport,
} from '../fixtures/daily-report';
import { startSlackRecorder, type SlackRecorder } from '../support/sinks';

let sink: SlackRecorder;
beforeEach(async () => {
  sink = await startSlackRecorder({ path: '/services/T0001/B0002/s3cr3tW3bh00kT0k3n' });
});
afterEach(async () => {
  await sink.close();
});

/** Every text in a Block Kit message, with the limit of its place. */
function texts(message: SlackMessage): { text: string; limit: number }[] {
  const found: { text: string; limit: number }[] = [];
  for (const block of message.blocks as unknown as Record<string, unknown>[]) {
    const text = block.text as { text: string } | undefined;
    if (block.type === 'header' && text) found.push({ text: text.text, limit: 150 });
    if (block.type === 'section' && text) found.push({ text: text.text, limit: 3000 });
    for (const field of (block.fields as { text: string }[] | undefined) ?? [])
      found.push({ text: field.text, limit: 2000 });
    for (const element of (block.elements as { text: string }[] | undefined) ?? [])
      found.push({ text: element.text, limit: 2000 });
  }
  return found;
}

describe('postSlack', () => {
  it('posts the Block Kit message as JSON to the webhook', async () => {
    const message = slackReportMessage(dailyReport(), {
      top: 5,
      runUrl: 'https://github.com/acme/platform/actions/runs/42',
      reportUrl: 'https://reports.example.com/2026-03-02/report.html',
    });
    await postSlack(sink.url, message);
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.path).toBe('/services/T0001/B0002/s3cr3tW3bh00kT0k3n');
    expect(sink.received[0]?.body).toEqual({ text: message.text, blocks: message.blocks });
    const shown = JSON.stringify(sink.received[0]?.body);
    expect(shown).toContain('<https://github.com/acme/platform/actions/runs/42|The run>');
    expect(shown).toContain('<https://reports.example.com/2026-03-02/report.html|The full report>');
  });

  it('says why Slack refused, never showing the webhook URL', async () => {
    sink.answer = { status: 404, body: 'no_service' };
    const error = await postSlack(sink.url, { text: 'x', blocks: [] }, { retries: 0 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SlackError);
    const text = (error as Error).message;
    expect(text).toContain('Slack: could not post to the incoming webhook: HTTP 404 (no_service)');
    expect(text).toContain('revoked');
    expect(text).not.toContain('s3cr3tW3bh00kT0k3n');
    expect(text).not.toContain('/services/');
  });

  it('retries a 5xx, then reports it', async () => {
    sink.answer = { status: 503, body: 'service unavailable' };
    await expect(postSlack(sink.url, { text: 'x', blocks: [] }, { retries: 1 })).rejects.toThrow(
      'HTTP 503',
    );
    expect(sink.received).toHaveLength(2);
  });

  it('refuses http off loopback and anything not https, without printing the URL', async () => {
    for (const url of [
      'http://hooks.slack.com/services/T0001/B0002/s3cr3tW3bh00kT0k3n',
      'file:///etc/passwd',
      'not a url s3cr3tW3bh00kT0k3n',
    ]) {
      const error = await postSlack(url, { text: 'x', blocks: [] }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/^slack-webhook-url: /);
      expect((error as Error).message).not.toContain('s3cr3tW3bh00kT0k3n');
    }
    expect(sink.received).toHaveLength(0);
  });

  it('gives up on a silent endpoint after the timeout, naming no URL', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      await expect(
        postSlack(
          `http://127.0.0.1:${port}/services/T1/B2/s3cr3t`,
          { text: 'x', blocks: [] },
          { timeoutMs: 200, retries: 0 },
        ),
      ).rejects.toThrow(/^Slack: could not post to the incoming webhook: no answer in time$/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) =>
        silent.close(() => {
          resolve();
        }),
      );
    }
  });
});

describe('slackReportMessage', () => {
  it('has the header, the counts, overdue and new items with owners', () => {
    const report = dailyReport();
    const message = slackReportMessage(report, { top: 3 });
    const all = texts(message)
      .map((entry) => entry.text)
      .join('\n');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: report.title },
    });
    expect(all).toContain(`*Open*\n${report.counts.open.total}`);
    expect(all).toContain(`*Overdue*\n${report.counts.overdue}`);
    expect(all).toContain(`*New*\n${report.counts.new}`);
    expect(all).toContain(`*Fixed*\n${report.counts.fixed}`);
    const overdue = report.open.filter((item) => item.overdue);
    expect(overdue.length).toBeGreaterThan(3);
    expect(all).toContain(`*Overdue (${overdue.length})*`);
    expect(all).toContain(`…and ${overdue.length - 3} more in the full report`);
    expect(all).toContain(`owner ${overdue[0]?.owner ?? ''}`.replace(/_/g, 'ˍ'));
    expect(message.text).toContain(`${report.counts.open.total} open`);
  });

  it('says "first run: nothing to compare with" on a first run, never "0 new, 0 fixed"', () => {
    const report = firstRunReport();
    const message = slackReportMessage(report, { top: 3 });
    const all = texts(message)
      .map((entry) => entry.text)
      .join('\n');
    expect(all).toContain('*New / fixed*\nfirst run: nothing to compare with');
    expect(all).not.toMatch(/\*New\*|\*Fixed\*|New since the last run/);
    expect(message.text).toBe(
      `${report.title}: ${report.counts.open.total} open (${report.counts.open.CRITICAL} critical, ${report.counts.open.HIGH} high), ${report.counts.overdue} overdue; first run: nothing to compare with`,
    );
    expect(message.text).not.toMatch(/\bnew\b|fixed/);
    // With a previous state the counts are given, even when they are 0.
    const compared = slackReportMessage(
      { ...report, previousAt: '2026-03-01T06:00:00.000Z' },
      {
        top: 3,
      },
    );
    expect(compared.text).toContain('0 new, 0 fixed');
  });

  it('stays within Slack limits for a huge report', () => {
    const message = slackReportMessage(manyFindingsReport(5000), { top: 1000 });
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const { text, limit } of texts(message)) expect(text.length).toBeLessThanOrEqual(limit);
    expect(JSON.stringify(message.blocks.at(-1))).toContain("cut to Slack's 50 blocks");
  });

  it('keeps hostile text as text: no mention, no link, no formatting, no javascript: link', async () => {
    const report = hostileReport();
    const first = report.open[0]!;
    const hostile = {
      ...report,
      title: '<!channel> *urgent*',
      open: [
        {
          ...first,
          overdue: true,
          owner: '<@U123> _me_',
          finding: { ...first.finding, title: '<http://x|y> ~gone~ `code`', url: HOSTILE.url },
        },
        ...report.open.slice(1),
      ],
    };
    const message = slackReportMessage(hostile, { top: 5, runUrl: 'javascript:alert(1)' });
    await postSlack(sink.url, message);
    const posted = JSON.stringify(sink.received[0]?.body);
    expect(posted).not.toContain('<!channel>');
    expect(posted).not.toContain('<@U123>');
    expect(posted).not.toContain('<http://x|y>');
    expect(posted).not.toContain('<javascript:');
    expect(posted).not.toContain('|CVE-2024-6387>');
    expect(posted).not.toContain('*urgent*');
    expect(posted).toContain('&lt;!channel&gt; ∗urgent∗');
    expect(posted).toContain('&lt;http://x|y&gt; ∼gone∼ ˋcodeˋ');
    expect(posted).toContain('owner &lt;@U123&gt; ˍmeˍ');
    expect(posted).not.toContain('The run'); // an unsafe link is left out
  });
});
