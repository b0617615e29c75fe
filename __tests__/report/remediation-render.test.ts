import {
  auditRecordKey,
  type RemediationAuditRecord,
} from '../../actions/src/core/remediation-audit';
import { reportEmails } from '../../actions/src/report/email';
import { evaluateReport } from '../../actions/src/report/evaluate';
import { renderReportHtml } from '../../actions/src/report/html';
import type { DailyReport, ReportState } from '../../actions/src/report/model';
import {
  renderDeltaComment,
  renderReportMarkdown,
  reportJson,
} from '../../actions/src/report/render';
import { slackReportMessage } from '../../actions/src/report/slack';
import { shownText } from '../fixtures/markdown-shown';
import { collected, reportPolicy } from '../fixtures/report-collected';
import { auditRecord } from '../fixtures/remediation-audit-records';

// The Remediation section in every medium the report reaches. Actors, rule names, resource ids,
// failed steps, AWS failure messages and run URLs come from records anyone with write access to
// the audit location could have written: they stay text everywhere, and only http(s) URLs link.
const NOW = new Date('2026-03-02T12:00:00.000Z');
const HOUR = 3_600_000;
const LOCATION = 's3://audit-bucket/assetguard/remediation-audit/';

const HOSTILE = {
  actor: '<img src=x onerror=alert(1)>',
  rule: '::error::pwned',
  resource: 'sg-1 | <script>alert(1)</script>',
  failedStep: '*bold* _it_ <!channel>',
  message:
    'failed\n::set-output name=verdict::pass [click](javascript:alert(1)) <@U123> =HYPERLINK("x")',
  runUrl: 'javascript:alert(document.cookie)',
};

function at(hours: number): string {
  return new Date(NOW.getTime() - hours * HOUR).toISOString();
}

const PREVIOUS: ReportState = {
  schema: 'assetguard-report-state/1',
  title: 'assetguard daily security report',
  generatedAt: at(24),
  open: {},
  fixed: [],
  trend: [],
};

const SAFE_URL = 'https://github.com/acme/platform/actions/runs/555';

const RECORDS: RemediationAuditRecord[] = [
  auditRecord({
    id: 'hostile-run',
    actor: HOSTILE.actor,
    rule: HOSTILE.rule,
    runUrl: HOSTILE.runUrl,
    startedAt: at(2.5),
    finishedAt: at(2),
    outcomes: [
      { resource: 'sg-ok', status: 'success' },
      {
        resource: HOSTILE.resource,
        status: 'failed',
        failedStep: HOSTILE.failedStep,
        message: HOSTILE.message,
      },
    ],
  }),
  auditRecord({
    id: '555-1',
    actor: 'alice',
    rule: 'restricted-ssh',
    control: 'EC2.13',
    runUrl: SAFE_URL,
    dryRun: true,
    startedAt: at(5.2),
    finishedAt: at(5),
    outcomes: [
      { resource: 'sg-a', status: 'planned' },
      { resource: 'sg-b', status: 'planned' },
      { resource: 'sg-c', status: 'refused', message: 'no safe document' },
    ],
  }),
  auditRecord({
    id: 'last-week',
    actor: 'bob',
    rule: 's3-bucket-versioning-enabled',
    startedAt: at(72.1),
    finishedAt: at(72),
    outcomes: [{ resource: 'logs-bucket', status: 'timed-out', executionStatus: 'TimedOut' }],
  }),
];

function reportWith(
  records: RemediationAuditRecord[],
  options: { empty?: string; previous?: ReportState } = {},
): DailyReport {
  return evaluateReport({
    collected: collected({
      remediation: {
        location: LOCATION,
        records: records.map((record) => ({ key: auditRecordKey(record), record })),
        ...(options.empty !== undefined && { empty: options.empty }),
      },
    }),
    previous: options.previous ?? PREVIOUS,
    policy: reportPolicy(),
    now: NOW,
  }).report;
}

const REPORT = reportWith(RECORDS);
const OPTIONS = { top: 10, runUrl: 'https://github.com/acme/infra/actions/runs/42' };

describe('the Remediation section in Markdown (job summary and issue)', () => {
  const markdown = renderReportMarkdown(REPORT, OPTIONS);
  const section = markdown.slice(markdown.indexOf('### Remediation'));

  it('says who ran what, when, dry run or executed, with per-resource outcomes', () => {
    const shown = shownText(section);
    expect(shown).toContain('### Remediation (3 runs in 7 days)');
    expect(shown).toContain(
      '**Since the previous report (2026-03-01 12:00 UTC)**: 2 runs (1 executed, 1 dry run), 1 success · 1 failed · 1 refused · 2 planned.',
    );
    expect(shown).toContain(
      '**Last 7 days**: 3 runs (2 executed, 1 dry run), 1 success · 1 failed · 1 timed out · 1 refused · 2 planned.',
    );
    expect(section).toContain(
      '| Finished | Who | Rule | Mode | Success | Failed | Timed out | Refused | Skipped | Planned | Run |',
    );
    const rows = section.split('\n').filter((line) => line.startsWith('| 2026'));
    expect(rows).toHaveLength(3 + 2);
    expect(shownText(rows[1] ?? '')).toBe(
      `| 2026-03-02 07:00 UTC · **new** | alice | restricted-ssh (EC2.13) | dry run | 0 | 0 | 0 | 1 | 0 | 2 | [555-1](${SAFE_URL}) |`,
    );
    expect(shownText(rows[2] ?? '')).toContain('| 2026-02-27 12:00 UTC | bob |');
    expect(shownText(rows[2] ?? '')).not.toContain('new');
  });

  it('lists the failed and timed-out resources with the failed step and message', () => {
    expect(section).toContain('#### Failed remediations (2)');
    expect(section).toContain(
      '| Finished | Rule | Resource | Status | Failed step | Message | Run |',
    );
    expect(shownText(section)).toContain(
      '| 2026-02-27 12:00 UTC | s3-bucket-versioning-enabled | logs-bucket | **timed out** | – | – | [last-week](https://github.com/acme/platform/actions/runs/1001) |',
    );
  });

  it('keeps untrusted text as text and links only http(s) run URLs', () => {
    // Escaped where Markdown could act on it, or inside a code span where nothing acts.
    expect(section).not.toMatch(/(?<!\\)<(img|!channel)|(?<!\\)\]\(javascript:/i);
    expect(section).toContain('\\<img src=x onerror=alert(1)\\>');
    expect(section).toContain('`sg-1 \\| <script>alert(1)</script>`');
    expect(section).not.toContain(HOSTILE.runUrl);
    expect(section).toContain('| hostile-run |');
    expect(section).toContain(`[555-1](${SAFE_URL})`);
    for (const line of markdown.split('\n')) expect(line).not.toMatch(/^\s*::/);
    // A table cell cannot be ended by a value: every row has its eleven or seven cells.
    for (const row of section.split('\n').filter((line) => line.startsWith('| 2026'))) {
      const cells = row.replace(/\\\|/g, '').split('|').length - 2;
      expect([7, 11]).toContain(cells);
    }
  });

  it('shows at most `top` runs and failures, and says how many more the HTML report holds', () => {
    const many = Array.from({ length: 4 }, (_, index) =>
      auditRecord({
        id: `run-${index}`,
        startedAt: at(index + 1.1),
        finishedAt: at(index + 1),
        outcomes: [{ resource: `sg-${index}`, status: 'failed' }],
      }),
    );
    const text = renderReportMarkdown(reportWith(many), { top: 2 });
    const part = text.slice(text.indexOf('### Remediation'));
    expect(part.match(/…and 2 more in the HTML report/g)).toHaveLength(2);
  });

  it.each<[string, RemediationAuditRecord[], string | undefined, string]>([
    [
      'a location that holds nothing',
      [],
      `no object under ${LOCATION}`,
      `No remediation audit record at ${LOCATION} (no object under ${LOCATION}): no remediation run has written there yet, or remediate writes its records elsewhere (its audit input).`,
    ],
    [
      'a week without runs',
      [auditRecord({ startedAt: at(24 * 8 + 1), finishedAt: at(24 * 8) })],
      undefined,
      `No remediation run finished in the last 7 days (records read from ${LOCATION}).`,
    ],
  ])('says so for %s', (_what, records, empty, said) => {
    const report = reportWith(records, empty === undefined ? {} : { empty });
    const text = shownText(renderReportMarkdown(report, OPTIONS));
    expect(text).toContain('### Remediation (0 runs in 7 days)');
    expect(text).toContain(said);
    expect(text).not.toContain('| Finished |');
    expect(renderReportHtml(report)).toContain(said.replace(/'/g, '&#39;'));
  });

  it('counts the earlier runs it read and does not show, so the records read add up', () => {
    const earlier = auditRecord({
      id: 'earlier',
      startedAt: at(24 * 8 + 1),
      finishedAt: at(24 * 8),
    });
    const report = reportWith([earlier, ...RECORDS]);
    expect(report.remediation?.earlier).toEqual([auditRecordKey(earlier)]);
    const text = shownText(renderReportMarkdown(report, OPTIONS));
    expect(text).toContain(
      '**Last 7 days**: 3 runs (2 executed, 1 dry run), 1 success · 1 failed · 1 timed out · 1 refused · 2 planned. Not shown: 1 earlier run read from the day before the window, finished before 2026-02-23 12:00 UTC (report.json lists their keys).',
    );
    expect(shownText(renderReportMarkdown(REPORT, OPTIONS))).not.toContain('Not shown');
  });

  it('puts a location that holds nothing in the report’s warnings too, naming it', () => {
    const typo = 's3://audit-b/typo/';
    const report = evaluateReport({
      collected: collected({
        remediation: { location: typo, records: [], empty: `no object under ${typo}` },
      }),
      previous: PREVIOUS,
      policy: reportPolicy(),
      now: NOW,
    }).report;
    expect(report.warnings).toEqual([expect.stringContaining(`nothing at ${typo} (`)]);
    const text = shownText(renderReportMarkdown(report, OPTIONS));
    expect(text.indexOf('### Warnings')).toBeGreaterThan(-1);
    expect(text.slice(text.indexOf('### Warnings'))).toContain(
      `remediation audit: nothing at ${typo}`,
    );
  });

  it('is left out when the report was not told where the records are', () => {
    const report = evaluateReport({
      collected: collected(),
      previous: PREVIOUS,
      policy: reportPolicy(),
      now: NOW,
    }).report;
    expect(renderReportMarkdown(report, OPTIONS)).not.toContain('Remediation');
    expect(renderReportHtml(report)).not.toContain('Remediation');
    expect(JSON.stringify(slackReportMessage(report, { top: 5 }))).not.toContain('Remediation');
  });
});

describe('the day’s delta comment', () => {
  it('adds the recent runs and their failures', () => {
    const comment = renderDeltaComment(REPORT, OPTIONS);
    const shown = shownText(comment);
    expect(shown).toContain(
      '**Remediation**: 2 runs (1 executed, 1 dry run), 1 success · 1 failed · 1 refused · 2 planned',
    );
    expect(shown).toContain(
      '- failed: sg-1 | <script>alert(1)</script> (::error::pwned, step *bold* _it_ <!channel>)',
    );
    expect(comment).toContain('`sg-1 \\| <script>alert(1)</script>`');
    expect(comment).not.toMatch(/(?<!\\)<!channel>/);
    expect(shown).not.toContain('logs-bucket');
  });
});

describe('the Remediation section in report.html', () => {
  const html = renderReportHtml(REPORT, OPTIONS);
  const section = html.slice(
    html.indexOf('<section class="block" id="remediation">'),
    html.indexOf('<section class="block" id="open">'),
  );

  it('has the runs table, its totals and the failures table', () => {
    expect(section).toContain('Remediation runs, last 7 days<span class="count">3</span>');
    expect(section).toContain(
      'Since the previous report (2026-03-01 12:00 UTC): 2 runs (1 executed, 1 dry run), 1 success · 1 failed · 1 refused · 2 planned.',
    );
    expect(section).toContain('Failed remediations<span class="count">2</span>');
    expect(section).toContain(`Read from ${LOCATION}.`);
    expect(section).toContain('<td class="nowrap">dry run</td>');
  });

  it('escapes every value and links only the http(s) run', () => {
    expect(section).not.toMatch(/<img|<script|href="javascript:/i);
    expect(section).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(section).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(section).toContain(
      `<a href="${SAFE_URL}" rel="noopener noreferrer" target="_blank">555-1</a>`,
    );
    // 555-1 in the runs table; last-week (the fixture's https run) in both tables.
    expect([...section.matchAll(/<a href=/g)]).toHaveLength(3);
  });
});

describe('the Remediation section in Slack', () => {
  const message = slackReportMessage(REPORT, { top: 5 });
  const block = message.blocks.find(
    (candidate) =>
      candidate.type === 'section' && JSON.stringify(candidate).includes('Remediation'),
  );
  const text = (block as { text?: { text: string } } | undefined)?.text?.text ?? '';

  it('says the recent runs, who ran them, their outcomes and each failure', () => {
    expect(text.split('\n')[0]).toBe(
      '*Remediation since the previous report (2026-03-01 12:00 UTC)*',
    );
    expect(text).toContain(
      '2 runs (1 executed, 1 dry run) by &lt;img src=x onerror=alert(1)&gt;, alice · 1 success · 1 failed · 1 refused · 2 planned',
    );
    expect(text).toContain(
      '• *failed* sg-1 | &lt;script&gt;alert(1)&lt;/script&gt; · ::error::pwned · step ∗bold∗ ˍitˍ &lt;!channel&gt; ·',
    );
  });

  it('never lets a value mention, format or link', () => {
    expect(text).not.toMatch(/<!channel>|<@U123>|<javascript:/);
    expect(text).not.toContain(HOSTILE.runUrl);
  });

  it('says "no run" when nothing ran recently', () => {
    const quiet = reportWith([RECORDS[2]!]);
    const quietText = JSON.stringify(slackReportMessage(quiet, { top: 5 }));
    expect(quietText).toContain('no run (1 run (1 executed, 0 dry runs) in the last 7 days)');
  });
});

describe('the Remediation line in the email', () => {
  it('is in the full report, escaped, and not in a team’s part', () => {
    const [full] = reportEmails(REPORT, {
      policyReport: reportPolicy().report,
      defaultTo: ['security@example.com'],
      from: 'assetguard@example.com',
      htmlReport: '<html></html>',
      top: 5,
    });
    expect(full?.text).toContain(
      'Remediation since the previous report (2026-03-01 12:00 UTC): 2 runs (1 executed, 1 dry run), 1 success · 1 failed · 1 refused · 2 planned; last 7 days: 3 runs',
    );
    expect(full?.html).toContain('Remediation since the previous report');
  });
});

describe('report.json', () => {
  it('holds the section as decided, every run and failure included', () => {
    const parsed = JSON.parse(reportJson(REPORT)) as DailyReport;
    expect(parsed.remediation).toEqual(REPORT.remediation);
    expect(parsed.remediation?.runs.map((run) => run.id)).toEqual([
      'hostile-run',
      '555-1',
      'last-week',
    ]);
    expect(parsed.remediation?.runs[0]?.problems[0]?.message).toBe(HOSTILE.message);
  });
});
