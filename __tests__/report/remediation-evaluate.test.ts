import fc from 'fast-check';
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

  it('keeps the location and what it said of an empty one, and warns of it, naming it', () => {
    const typo = 's3://audit-b/typo/';
    const { section, warnings } = evaluateRemediation({
      collected: { location: typo, records: [], empty: `no object under ${typo}` },
      now: NOW,
    });
    expect(warnings).toEqual([
      `remediation audit: nothing at ${typo} (no object under ${typo}): no remediation run has written there yet, or the remediation-audit location is not the one remediate writes to`,
    ]);
    expect(section).toMatchObject({ location: typo, empty: `no object under ${typo}` });
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
      /finished \(2026-03-02T10:00:00\.000Z\) before it started \(2026-03-02T11:00:00\.000Z\): shown as recorded, placed by its start time$/,
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

  it('shows a run filed under today that says it finished in 2020, before it started, placed by its start, with a warning', () => {
    const record = auditRecord({
      id: 'backwards',
      startedAt: hoursAgo(3),
      finishedAt: '2020-01-01T00:00:00.000Z',
    });
    const { section, warnings } = evaluate([record]);
    expect(section.runs).toEqual([
      expect.objectContaining({
        id: 'backwards',
        finishedAt: '2020-01-01T00:00:00.000Z',
        recent: true,
      }),
    ]);
    expect(section.week.runs).toBe(1);
    expect(warnings).toEqual([
      `remediation audit: ${auditRecordKey(record)} finished (2020-01-01T00:00:00.000Z) before it started (${hoursAgo(3)}): shown as recorded, placed by its start time`,
    ]);
  });

  it.each<[string, () => { key: string; record: RemediationAuditRecord }, RegExp]>([
    [
      'filed under today that started and finished in 2020',
      () => {
        const record = auditRecord({
          id: 'old',
          startedAt: '2020-01-01T00:00:00.000Z',
          finishedAt: '2020-01-01T00:05:00.000Z',
        });
        return { key: auditRecordKey({ ...record, startedAt: hoursAgo(1) }), record };
      },
      /finished at 2020-01-01T00:05:00\.000Z, before this report's window \(from 2026-02-23T12:00:00\.000Z\), though filed under another key than its startedAt and id give: left out$/,
    ],
    [
      'that finished before it started, both before the window',
      () => {
        const record = auditRecord({
          id: 'both-old',
          startedAt: hoursAgo(24 * 8),
          finishedAt: '2020-01-01T00:00:00.000Z',
        });
        return { key: auditRecordKey(record), record };
      },
      /finished \(2020-01-01T00:00:00\.000Z\) before it started \(2026-02-22T12:00:00\.000Z\), and both are before this report's window \(from 2026-02-23T12:00:00\.000Z\): left out$/,
    ],
    [
      'with a finishedAt that is not a time',
      () => {
        const record = auditRecord({ id: 'no-end', startedAt: hoursAgo(1), finishedAt: 'soon' });
        return { key: auditRecordKey(record), record };
      },
      /has a finishedAt that is not a time \("soon"\): left out$/,
    ],
    [
      'with a startedAt that is not a time',
      () => ({
        key: '2026/03/02/20260302T110000Z-no-start.json',
        record: auditRecord({ id: 'no-start', startedAt: 'today', finishedAt: hoursAgo(1) }),
      }),
      /has a startedAt that is not a time \("today"\): left out$/,
    ],
  ])('leaves out a record %s, with a warning naming its key', (_what, make, message) => {
    const item = make();
    const { section, warnings } = evaluateRemediation({
      collected: { location: LOCATION, records: [item] },
      now: NOW,
    });
    expect(section.runs).toEqual([]);
    expect(section.earlier).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.startsWith(`remediation audit: ${item.key} `)).toBe(true);
    expect(warnings[0]).toMatch(message);
  });

  it('counts an earlier run read from the day before the window in `earlier`, without a warning', () => {
    const early = finished(24 * 7 + 2, { id: 'early' });
    const { section, warnings } = evaluate([early, finished(1)]);
    expect(section.runs.map((run) => run.id)).toEqual(['run-1']);
    expect(section.earlier).toEqual([auditRecordKey(early)]);
    expect(warnings).toEqual([]);
    expect(evaluate([finished(1)]).section).not.toHaveProperty('earlier');
  });

  it('property: every record read is a run of the section, an earlier run, or a warning naming its key', () => {
    const hours = fc.integer({ min: -24 * 3, max: 24 * 60 });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            started: hours,
            finished: fc.oneof(hours, fc.constant(Number.NaN)),
            misfiled: fc.boolean(),
          }),
          { maxLength: 8 },
        ),
        (parts) => {
          const records = parts.map(({ started, finished: end, misfiled }, index) => {
            const record = auditRecord({
              id: `run-${index}`,
              startedAt: hoursAgo(started),
              finishedAt: Number.isNaN(end) ? 'never' : hoursAgo(end),
            });
            const key = auditRecordKey(misfiled ? { ...record, startedAt: hoursAgo(2) } : record);
            return { key, record };
          });
          const { section, warnings } = evaluateRemediation({
            collected: { location: LOCATION, records },
            now: NOW,
          });
          const shown = new Set(section.runs.map((run) => run.id));
          for (const { key, record } of records) {
            const said =
              shown.has(record.id) ||
              (section.earlier ?? []).includes(key) ||
              warnings.some((warning) => warning.startsWith(`remediation audit: ${key} `));
            expect({ key, said }).toEqual({ key, said: true });
          }
          // An earlier run is never also a run or a warning.
          for (const key of section.earlier ?? []) {
            expect(warnings.some((warning) => warning.includes(key))).toBe(false);
          }
        },
      ),
    );
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
