import {
  auditRecordKey,
  type RemediationAuditRecord,
} from '../../actions/src/core/remediation-audit';
import { evaluateRemediation, evaluateReport } from '../../actions/src/report/evaluate';
import type { CollectedRemediation, RemediationRun } from '../../actions/src/report/model';
import { collected, reportPolicy } from '../fixtures/report-collected';
import { auditRecord, EVERY_OUTCOME_FIELD } from '../fixtures/remediation-audit-records';

// The Remediation section, decided: audit records and `now` in, the section out. No I/O.
const NOW = new Date('2026-03-02T12:00:00.000Z');
const HOUR = 3_600_000;
const LOCATION = 's3://audit-bucket/assetguard/remediation-audit/';

function hoursAgo(hours: number): string {
  return new Date(NOW.getTime() - hours * HOUR).toISOString();
}

/** A run that finished `hours` ago, having taken five minutes. */
function finished(
  hours: number,
  parts: Partial<RemediationAuditRecord> = {},
): RemediationAuditRecord {
  const end = NOW.getTime() - hours * HOUR;
  return auditRecord({
    id: `run-${hours}`,
    startedAt: new Date(end - 5 * 60_000).toISOString(),
    finishedAt: new Date(end).toISOString(),
    ...parts,
  });
}

function collectedOf(records: RemediationAuditRecord[], empty?: string): CollectedRemediation {
  return {
    location: LOCATION,
    records: records.map((record) => ({ key: auditRecordKey(record), record })),
    ...(empty !== undefined && { empty }),
  };
}

function evaluate(records: RemediationAuditRecord[], previousAt?: string) {
  return evaluateRemediation({
    collected: collectedOf(records),
    now: NOW,
    ...(previousAt !== undefined && { previousAt }),
  });
}

describe('evaluateRemediation: which runs are recent', () => {
  it.each<[string, string | undefined, string, string]>([
    ['a first run: the last 24 hours', undefined, 'last-24-hours', hoursAgo(24)],
    ['since the previous report', hoursAgo(50), 'previous-report', hoursAgo(50)],
    ['a previous report older than the week: the week', hoursAgo(24 * 9), 'week', hoursAgo(24 * 7)],
    [
      'a previous report after now (a wrong clock): the last 24 hours',
      hoursAgo(-3),
      'last-24-hours',
      hoursAgo(24),
    ],
    [
      'a previous time that is no time: the last 24 hours',
      'yesterday',
      'last-24-hours',
      hoursAgo(24),
    ],
  ])('%s', (_what, previousAt, recentWindow, since) => {
    const { section } = evaluate([], previousAt);
    expect(section).toMatchObject({
      recentWindow,
      since,
      windowDays: 7,
      windowStart: hoursAgo(24 * 7),
    });
  });

  it.each<[string, number, string | undefined, boolean | undefined]>([
    ['an hour ago is recent on a first run', 1, undefined, true],
    ['23 hours ago is recent on a first run', 23, undefined, true],
    ['25 hours ago is not recent on a first run, but in the week', 25, undefined, false],
    ['25 hours ago is recent when the previous report was 2 days ago', 25, hoursAgo(48), true],
    ['just before the previous report is not recent', 49, hoursAgo(48), false],
    ['6 days 23 hours ago is in the week', 24 * 7 - 1, undefined, false],
    ['exactly 7 days ago is out of the week', 24 * 7, undefined, undefined],
    ['8 days ago (read from the extra day) is out of the week', 24 * 8, undefined, undefined],
  ])('%s', (_what, hours, previousAt, recent) => {
    const { section } = evaluate([finished(hours)], previousAt);
    expect(section.runs.map((run) => run.recent)).toEqual(recent === undefined ? [] : [recent]);
  });

  it('goes by the finish time: a run started before the previous report and finished after it is recent', () => {
    const run = auditRecord({ id: 'long', startedAt: hoursAgo(30), finishedAt: hoursAgo(20) });
    const { section } = evaluate([run], hoursAgo(24));
    expect(section.runs[0]?.recent).toBe(true);
  });
});

describe('evaluateRemediation: what each run shows', () => {
  it('counts outcomes per status and lists the failed and timed-out resources with their step and message', () => {
    const record = finished(2, {
      runUrl: 'https://github.com/acme/platform/actions/runs/7',
      control: 'EC2.13',
      outcomes: [
        { resource: 'sg-1', status: 'success', document: 'AWS-DisableIncomingSSHOnPort22' },
        { resource: 'sg-2', status: 'success' },
        EVERY_OUTCOME_FIELD,
        { resource: 'sg-4', status: 'timed-out', executionStatus: 'TimedOut', failedStep: 'Wait' },
        { resource: 'sg-5', status: 'refused', message: 'no safe document' },
        { resource: 'sg-6', status: 'skipped', message: 'over max-resources' },
      ],
    });
    const { section, warnings } = evaluate([record]);
    expect(warnings).toEqual([]);
    expect(section.runs).toEqual<RemediationRun[]>([
      {
        key: auditRecordKey(record),
        id: record.id,
        actor: 'octocat',
        repository: 'acme/platform',
        runUrl: 'https://github.com/acme/platform/actions/runs/7',
        startedAt: record.startedAt,
        finishedAt: record.finishedAt,
        rule: 'restricted-ssh',
        control: 'EC2.13',
        source: 'config',
        dryRun: false,
        region: 'eu-west-1',
        counts: {
          planned: 0,
          refused: 1,
          skipped: 1,
          success: 2,
          failed: 1,
          'timed-out': 1,
          total: 6,
        },
        problems: [
          EVERY_OUTCOME_FIELD as RemediationRun['problems'][number],
          {
            resource: 'sg-4',
            status: 'timed-out',
            executionStatus: 'TimedOut',
            failedStep: 'Wait',
          },
        ],
        recent: true,
      },
    ]);
  });

  it('orders the runs last finished first, and totals the recent ones and the week apart', () => {
    const records = [
      finished(100, { id: 'old-executed', outcomes: [{ resource: 'sg-1', status: 'failed' }] }),
      finished(1, {
        id: 'new-dry',
        dryRun: true,
        outcomes: [
          { resource: 'sg-1', status: 'planned' },
          { resource: 'sg-2', status: 'planned' },
        ],
      }),
      finished(3, { id: 'new-executed', outcomes: [{ resource: 'sg-1', status: 'success' }] }),
    ];
    const { section } = evaluate(records);
    expect(section.runs.map((run) => run.id)).toEqual(['new-dry', 'new-executed', 'old-executed']);
    expect(section.recent).toEqual({
      runs: 2,
      executed: 1,
      dryRuns: 1,
      outcomes: {
        planned: 2,
        refused: 0,
        skipped: 0,
        success: 1,
        failed: 0,
        'timed-out': 0,
        total: 3,
      },
    });
    expect(section.week).toEqual({
      runs: 3,
      executed: 2,
      dryRuns: 1,
      outcomes: {
        planned: 2,
        refused: 0,
        skipped: 0,
        success: 1,
        failed: 1,
        'timed-out': 0,
        total: 4,
      },
    });
  });

  it('orders runs that finished at the same time by key', () => {
    const a = finished(2, { id: 'b-run' });
    const b = finished(2, { id: 'a-run' });
    expect(evaluate([a, b]).section.runs.map((run) => run.id)).toEqual(['a-run', 'b-run']);
  });

  it('keeps the location and what it said of an empty one', () => {
    const { section } = evaluateRemediation({
      collected: collectedOf([], `no object under ${LOCATION}`),
      now: NOW,
    });
    expect(section).toMatchObject({
      location: LOCATION,
      empty: `no object under ${LOCATION}`,
      runs: [],
    });
    expect(section.week).toEqual({
      runs: 0,
      executed: 0,
      dryRuns: 0,
      outcomes: {
        planned: 0,
        refused: 0,
        skipped: 0,
        success: 0,
        failed: 0,
        'timed-out': 0,
        total: 0,
      },
    });
  });

  it.each<[string, Partial<RemediationAuditRecord>, RegExp]>([
    [
      'a run that finished after the report (a wrong clock), shown as recent',
      { startedAt: hoursAgo(-1), finishedAt: hoursAgo(-2) },
      /finished at 2026-03-02T14:00:00\.000Z, after this report's time 2026-03-02T12:00:00\.000Z: a clock is wrong; shown as recent$/,
    ],
    [
      'a run that finished before it started',
      { startedAt: hoursAgo(1), finishedAt: hoursAgo(2) },
      /finished \(2026-03-02T10:00:00\.000Z\) before it started \(2026-03-02T11:00:00\.000Z\): shown as recorded$/,
    ],
  ])('warns of %s, naming its key', (_what, times, message) => {
    const record = auditRecord({ id: 'odd', ...times });
    const { section, warnings } = evaluate([record]);
    expect(section.runs.map((run) => run.recent)).toEqual([true]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(`^remediation audit: ${auditRecordKey(record).replace(/\./g, '\\.')} `),
    );
    expect(warnings[0]).toMatch(message);
  });

  it('is pure: the same records and time give the same section', () => {
    const records = [finished(1), finished(30, { dryRun: true })];
    expect(evaluate(records, hoursAgo(24))).toEqual(evaluate(records, hoursAgo(24)));
  });
});

describe('evaluateReport with remediation audit records', () => {
  const policy = reportPolicy();

  it('adds the section, recent since the previous state, and its warnings to the report', () => {
    const previous = {
      schema: 'assetguard-report-state/1' as const,
      title: 'assetguard daily security report',
      generatedAt: hoursAgo(30),
      open: {},
      fixed: [],
      trend: [],
    };
    const records = [finished(26), finished(-1)];
    const { report, state } = evaluateReport({
      collected: collected({ remediation: collectedOf(records) }),
      previous,
      policy,
      now: NOW,
    });
    expect(report.remediation?.recentWindow).toBe('previous-report');
    expect(report.remediation?.since).toBe(hoursAgo(30));
    expect(report.remediation?.runs.map((run) => run.recent)).toEqual([true, true]);
    expect(report.warnings).toEqual([expect.stringMatching(/a clock is wrong; shown as recent$/)]);
    // The records are the audit's, not the report's: nothing of them goes into the state.
    expect(JSON.stringify(state)).not.toContain('remediation');
  });

  it('has no section when the report was not told where the records are', () => {
    const { report } = evaluateReport({
      collected: collected(),
      previous: undefined,
      policy,
      now: NOW,
    });
    expect(report).not.toHaveProperty('remediation');
  });
});
