import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { simpleParser } from 'mailparser';
import { ConfigurationError } from '../../actions/src/core/errors';
import { DEFAULT_REPORT_POLICY, type ReportPolicy } from '../../actions/src/core/policy';
import {
  reportEmails,
  unroutedOwnerWarnings,
  unroutedOwners,
} from '../../actions/src/report/email';
import type { DailyReport, OpenItem } from '../../actions/src/report/model';
import { EmailError, sendEmail, type EmailMessage } from '../../actions/src/sinks/email';
import { dailyReport, firstRunReport, HOSTILE, OWNERS } from '../fixtures/daily-report';
import { startMoto, type MotoServer } from '../../scripts/lib/moto';
import { startSmtpSink, type SmtpSink } from '../support/sinks';

const USER = 'reports';
const PASSWORD = 'p4ss-W0rd-s3cr3t';
const HTML_REPORT =
  '<!DOCTYPE html><html><body><h1>assetguard daily security report</h1></body></html>';

/** The fixture with a Team tag on every owned resource: payments or platform, by owner. */
function routedReport(): DailyReport {
  const report = dailyReport();
  const tagged = (item: OpenItem): OpenItem => {
    const team =
      item.owner === OWNERS.payments
        ? 'payments'
        : item.owner === OWNERS.platform
          ? 'platform'
          : undefined;
    if (!team) return item;
    return {
      ...item,
      finding: {
        ...item.finding,
        resource: { ...item.finding.resource, tags: { ...item.finding.resource.tags, Team: team } },
      },
    };
  };
  return { ...report, open: report.open.map(tagged) };
}

const ROUTED_POLICY: ReportPolicy = {
  ...DEFAULT_REPORT_POLICY,
  routeBy: 'Team',
  recipients: { payments: ['payments-oncall@example.com'], platform: ['platform@example.com'] },
};

describe('reportEmails', () => {
  it('sends only the full report, attached, without route-by', () => {
    const messages = reportEmails(dailyReport(), {
      policyReport: DEFAULT_REPORT_POLICY,
      defaultTo: ['security@example.com'],
      from: 'assetguard@example.com',
      htmlReport: HTML_REPORT,
      top: 5,
    });
    expect(messages).toHaveLength(1);
    expect(messages[0]?.to).toEqual(['security@example.com']);
    expect(messages[0]?.attachments.map((attachment) => attachment.filename)).toEqual([
      'report.html',
    ]);
  });

  it('gives each team its own items and counts, and the full report to the default recipients', () => {
    const report = routedReport();
    const messages = reportEmails(report, {
      policyReport: ROUTED_POLICY,
      defaultTo: ['security@example.com'],
      from: 'assetguard@example.com',
      htmlReport: HTML_REPORT,
      top: 100,
    });
    expect(messages.map((message) => message.to)).toEqual([
      ['security@example.com'],
      ['payments-oncall@example.com'],
      ['platform@example.com'],
    ]);
    const payments = report.open.filter((item) => item.owner === OWNERS.payments);
    const platform = report.open.filter((item) => item.owner === OWNERS.platform);
    const [full, paymentsMail, platformMail] = messages as [
      EmailMessage,
      EmailMessage,
      EmailMessage,
    ];
    expect(paymentsMail.subject).toContain(`Team=payments`);
    expect(paymentsMail.subject).toContain(`${payments.length} open`);
    expect(paymentsMail.attachments).toEqual([]);
    for (const item of payments) expect(paymentsMail.text).toContain(item.finding.resource.id);
    for (const item of platform) {
      expect(paymentsMail.text).not.toContain(item.finding.resource.id);
      expect(platformMail.text).toContain(item.finding.resource.id);
    }
    expect(full.subject).toContain(`${report.counts.open.total} open`);
  });

  it('mails a tag value that is an address in report.route-domains when the policy names no recipients for it', () => {
    const report = dailyReport();
    const messages = reportEmails(
      {
        ...report,
        open: report.open.map((item) => ({
          ...item,
          finding: {
            ...item.finding,
            resource: { ...item.finding.resource, tags: { Owner: item.owner ?? 'nobody' } },
          },
        })),
      },
      {
        policyReport: { ...DEFAULT_REPORT_POLICY, routeBy: 'Owner', routeDomains: ['example.com'] },
        defaultTo: ['security@example.com'],
        from: 'assetguard@example.com',
        htmlReport: HTML_REPORT,
        top: 5,
      },
    );
    // "nobody" is no address: those items are in the default recipients' full report only.
    expect(messages.map((message) => message.to)).toEqual([
      ['security@example.com'],
      [OWNERS.payments],
      [OWNERS.platform],
    ]);
  });

  describe('a tag value that is an address is mailed only in report.route-domains', () => {
    /** The fixture with Owner tags set by index: anyone allowed ec2:CreateTags chooses them. */
    function ownedBy(...owners: string[]): DailyReport {
      const report = dailyReport();
      return {
        ...report,
        open: report.open.map((item, index) => ({
          ...item,
          finding: {
            ...item.finding,
            resource: {
              ...item.finding.resource,
              tags: { Owner: owners[index % owners.length]! },
            },
          },
        })),
      };
    }
    const mailedTo = (report: DailyReport, policyReport: ReportPolicy): string[][] =>
      reportEmails(report, {
        policyReport,
        defaultTo: ['security@example.com'],
        from: 'assetguard@example.com',
        htmlReport: HTML_REPORT,
        top: 100,
      }).map((message) => message.to);
    const owner = { ...DEFAULT_REPORT_POLICY, routeBy: 'Owner' };

    it('never mails an address outside the allowed domains, and warns naming why', () => {
      const report = ownedBy(
        OWNERS.payments,
        'attacker@evil.example',
        'x@example.com.evil.example',
      );
      const policyReport = { ...owner, routeDomains: ['example.com'] };
      expect(mailedTo(report, policyReport)).toEqual([['security@example.com'], [OWNERS.payments]]);
      // Every finding is still in the full report.
      const [full] = reportEmails(report, {
        policyReport,
        defaultTo: ['security@example.com'],
        from: 'assetguard@example.com',
        htmlReport: HTML_REPORT,
        top: 100,
      }) as [EmailMessage];
      for (const item of report.open) expect(full.text).toContain(item.finding.resource.id);
      expect(unroutedOwners(report, policyReport)).toEqual([
        'attacker@evil.example',
        'x@example.com.evil.example',
      ]);
      const warnings = unroutedOwnerWarnings(report, policyReport);
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(
        /^report\.route-by: Owner="attacker@evil\.example" \(\d+ open, \d+ overdue\) has no report\.recipients entry and its domain is not in report\.route-domains; its findings are only in the full report \(email-to\)$/,
      );
    });

    it('mails no tag value directly without route-domains (the default), and says so', () => {
      const report = ownedBy(OWNERS.payments, OWNERS.platform);
      expect(mailedTo(report, owner)).toEqual([['security@example.com']]);
      expect(unroutedOwners(report, owner)).toEqual([OWNERS.payments, OWNERS.platform]);
      for (const warning of unroutedOwnerWarnings(report, owner)) {
        expect(warning).toContain(
          'has no report.recipients entry and its domain is not in report.route-domains, which is not set (without it no tag value is mailed directly, only report.recipients entries)',
        );
      }
      // A report.recipients entry is mailed all the same: the policy's author named it.
      const named = {
        ...owner,
        recipients: { [OWNERS.payments]: ['payments-oncall@example.com'] },
      };
      expect(mailedTo(report, named)).toEqual([
        ['security@example.com'],
        ['payments-oncall@example.com'],
      ]);
      expect(unroutedOwners(report, named)).toEqual([OWNERS.platform]);
    });

    it('matches the domain exactly, in any case; *.domain only its subdomains', () => {
      const report = ownedBy('Lead@EXAMPLE.com', 'ops@eu.example.com', 'dev@corp.example.net');
      expect(mailedTo(report, { ...owner, routeDomains: ['example.com'] })).toEqual([
        ['security@example.com'],
        ['Lead@EXAMPLE.com'],
      ]);
      expect(
        mailedTo(report, { ...owner, routeDomains: ['*.example.com', '*.example.net'] }),
      ).toEqual([['security@example.com'], ['dev@corp.example.net'], ['ops@eu.example.com']]);
      // A wildcard is no suffix match: notexample.com is not a subdomain of example.com.
      expect(
        mailedTo(ownedBy('a@notexample.com'), { ...owner, routeDomains: ['*.example.com'] }),
      ).toEqual([['security@example.com']]);
    });
  });

  it('says "first run: nothing to compare with" on a first run, never "0 new, 0 fixed"', () => {
    const report = firstRunReport();
    const tagged = {
      ...report,
      open: report.open.map((item) => ({
        ...item,
        finding: {
          ...item.finding,
          resource: { ...item.finding.resource, tags: { Owner: item.owner ?? 'nobody' } },
        },
      })),
    };
    const messages = reportEmails(tagged, {
      policyReport: { ...DEFAULT_REPORT_POLICY, routeBy: 'Owner', routeDomains: ['example.com'] },
      defaultTo: ['security@example.com'],
      from: 'assetguard@example.com',
      htmlReport: HTML_REPORT,
      top: 5,
    });
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) {
      expect(message.subject).toMatch(/ open, \d+ overdue \(first run: nothing to compare with\)$/);
      expect(message.subject).not.toContain(' new');
      expect(message.text).toContain('New / fixed: – (first run: nothing to compare with)');
      expect(message.text).not.toMatch(/^(New|Fixed): /m);
      expect(message.html).toContain('<th');
      expect(message.html).toContain('New / fixed</th>');
      expect(message.html).not.toMatch(/>(New|Fixed)<\/th>/);
    }
    const [full] = messages as [EmailMessage];
    expect(full.subject).toBe(
      `${report.title} — ${report.generatedAt.slice(0, 10)}: ${report.counts.open.total} open, ${report.counts.overdue} overdue (first run: nothing to compare with)`,
    );
    // Compared with a previous state, the counts are given, even when they are 0.
    const [compared] = reportEmails(
      { ...report, previousAt: '2026-03-01T06:00:00.000Z' },
      {
        policyReport: DEFAULT_REPORT_POLICY,
        defaultTo: ['security@example.com'],
        from: 'assetguard@example.com',
        htmlReport: HTML_REPORT,
        top: 5,
      },
    ) as [EmailMessage];
    expect(compared.subject).toContain(' 0 new, ');
    expect(compared.text).toContain('New: 0\nFixed: 0');
  });

  it('names every route-by value that has no recipients and is not an address', () => {
    const report = dailyReport();
    const values = ['team@example.com, attacker@evil.example', 'platform team', 'constructor'];
    const open = report.open.map((item, index) => ({
      ...item,
      finding: {
        ...item.finding,
        resource: {
          ...item.finding.resource,
          tags: index < 3 ? { Owner: values[index]! } : { Owner: OWNERS.payments },
        },
      },
    }));
    const policyReport: ReportPolicy = {
      ...DEFAULT_REPORT_POLICY,
      routeBy: 'Owner',
      recipients: { 'platform team': ['platform@example.com'] },
      routeDomains: ['example.com'],
    };
    const routed = { ...report, open };
    expect(unroutedOwners(routed, policyReport)).toEqual([
      'constructor',
      'team@example.com, attacker@evil.example',
    ]);
    const first = open[0]!;
    expect(unroutedOwnerWarnings(routed, policyReport)).toEqual([
      `report.route-by: Owner="constructor" (1 open, ${open[2]!.overdue ? 1 : 0} overdue) has no report.recipients entry and is not an email address; its findings are only in the full report (email-to)`,
      `report.route-by: Owner="team@example.com, attacker@evil.example" (1 open, ${first.overdue ? 1 : 0} overdue) has no report.recipients entry and is not an email address; its findings are only in the full report (email-to)`,
    ]);
    // The messages agree: no one but the default recipients gets those findings.
    const messages = reportEmails(routed, {
      policyReport,
      defaultTo: ['security@example.com'],
      from: 'assetguard@example.com',
      htmlReport: HTML_REPORT,
      top: 100,
    });
    expect(messages.map((message) => message.to)).toEqual([
      ['security@example.com'],
      [OWNERS.payments],
      ['platform@example.com'],
    ]);
    expect(unroutedOwners(routed, DEFAULT_REPORT_POLICY)).toEqual([]);
  });

  it('escapes hostile text in the HTML body and links only http(s) URLs', () => {
    const report = dailyReport();
    const [first, ...rest] = report.open;
    const messages = reportEmails(
      {
        ...report,
        open: [
          {
            ...first!,
            owner: HOSTILE.html,
            finding: { ...first!.finding, title: HOSTILE.script, url: HOSTILE.url },
          },
          ...rest,
        ],
      },
      {
        policyReport: DEFAULT_REPORT_POLICY,
        defaultTo: ['security@example.com'],
        from: 'assetguard@example.com',
        htmlReport: HTML_REPORT,
        top: 50,
      },
    );
    const html = messages[0]?.html ?? '';
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });
});

describe('sendEmail over SMTP (smtp-server on 127.0.0.1, with login)', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink({ user: USER, password: PASSWORD });
  });
  afterAll(async () => {
    await sink.close();
  });

  it('delivers each team its own message: html, text, and the full report attached for the default recipients', async () => {
    const report = routedReport();
    const messages = reportEmails(report, {
      policyReport: ROUTED_POLICY,
      defaultTo: ['security@example.com'],
      from: 'assetguard@example.com',
      htmlReport: HTML_REPORT,
      top: 10,
    });
    const url = sink.url();
    for (const message of messages) await sendEmail(message, { kind: 'smtp', url });
    expect(sink.logins).toEqual([USER, USER, USER]);
    expect(sink.received.map((entry) => entry.to)).toEqual([
      ['security@example.com'],
      ['payments-oncall@example.com'],
      ['platform@example.com'],
    ]);
    const [full, payments] = sink.received;
    expect(full?.from).toBe('assetguard@example.com');
    expect(full?.mail.subject).toBe(messages[0]?.subject);
    expect(full?.mail.html).toContain('<table');
    expect(full?.mail.text).toContain(`Open: ${report.counts.open.total}`);
    expect(full?.mail.attachments.map((attachment) => attachment.filename)).toEqual([
      'report.html',
    ]);
    expect(full?.mail.attachments[0]?.content.toString('utf8')).toBe(HTML_REPORT);
    expect(payments?.mail.attachments).toEqual([]);
    const paymentsItems = report.open.filter((item) => item.owner === OWNERS.payments);
    expect(payments?.mail.text).toContain(`Open: ${paymentsItems.length}`);
  });

  it('names the failure without the password', async () => {
    const error = await sendEmail(
      {
        from: 'assetguard@example.com',
        to: ['security@example.com'],
        subject: 's',
        html: '<p>x</p>',
        text: 'x',
        attachments: [],
      },
      { kind: 'smtp', url: sink.url(`wrong-${PASSWORD}`) },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EmailError);
    expect((error as Error).message).toContain(`through smtp://127.0.0.1:${sink.port}`);
    expect((error as Error).message).toMatch(/535|Invalid/);
    expect((error as Error).message).not.toContain(PASSWORD);
  });

  it('refuses a URL that is not smtp(s), without showing it', async () => {
    await expect(
      sendEmail(
        {
          from: 'a@example.com',
          to: ['b@example.com'],
          subject: 's',
          html: '',
          text: '',
          attachments: [],
        },
        { kind: 'smtp', url: `https://${USER}:${PASSWORD}@mail.example.com` },
      ),
    ).rejects.toThrow(ConfigurationError);
  });
});

describe('sendEmail through SES v2 (moto)', () => {
  const REGION = 'ap-southeast-2';
  // A moto of its own: sent mail is read back from /moto-api/data.json, which dumps every
  // service's state, and moto 5.2.1 answers it with a 500 once any test file of the shared
  // server has created a Lambda function (it tries to reach a Docker engine to describe it).
  let moto: MotoServer;
  let ses: SESv2Client;
  beforeAll(async () => {
    moto = await startMoto();
    ses = new SESv2Client({ region: REGION, endpoint: moto.endpoint, maxAttempts: 1 });
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'assetguard@example.com' }));
  }, 60_000);
  afterAll(async () => {
    ses.destroy();
    await moto.stop();
  });

  it('sends the raw MIME message, which moto keeps as sent', async () => {
    const [message] = reportEmails(dailyReport(), {
      policyReport: DEFAULT_REPORT_POLICY,
      defaultTo: ['security@example.com'],
      from: 'assetguard@example.com',
      htmlReport: HTML_REPORT,
      top: 5,
    });
    const sent = await sendEmail(message!, { kind: 'ses', client: ses });
    const id = /^<([^@>]+)@/.exec(sent.messageId)?.[1];
    expect(id).toBeDefined();
    const data = (await (await fetch(`${moto.endpoint}/moto-api/data.json`)).json()) as {
      ses?: {
        RawMessage?: { id: string; source: string; destinations: string[]; raw_data: string }[];
      };
    };
    const stored = data.ses?.RawMessage?.find((entry) => entry.id === id);
    expect(stored).toBeDefined();
    expect(stored?.source).toBe('assetguard@example.com');
    expect(stored?.destinations).toContain('security@example.com');
    const parsed = await simpleParser(stored?.raw_data ?? '');
    expect(parsed.subject).toBe(message!.subject);
    expect(parsed.attachments.map((attachment) => attachment.filename)).toEqual(['report.html']);
    expect(parsed.html).toContain('<table');
  });

  it('names ses:SendEmail when the sender is not verified', async () => {
    await expect(
      sendEmail(
        {
          from: 'stranger@unverified.example',
          to: ['security@example.com'],
          subject: 's',
          html: '<p>x</p>',
          text: 'x',
          attachments: [],
        },
        { kind: 'ses', client: ses },
      ),
    ).rejects.toThrow(
      /could not send the report email to security@example.com with SES SendEmail: MessageRejected/,
    );
  });
});
