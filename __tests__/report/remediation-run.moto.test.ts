import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { auditRecordKey } from '../../actions/src/core/remediation-audit';
import { runCommand } from '../../actions/src/core/runner';
import type { DailyReport } from '../../actions/src/report/model';
import { dailyReportCommand, type DailyReportRun } from '../../actions/src/report/run';
import { shownText } from '../fixtures/markdown-shown';
import { motoEndpoint } from '../fixtures/moto-estate';
import {
  auditRecord,
  putAuditObject,
  writeAuditFile,
  writeAuditRecords,
} from '../fixtures/remediation-audit-records';
import { REPORT_POLICY, seedReportEstate } from '../fixtures/report-estate';

// The daily report with its remediation-audit input, end to end through the shared runner as the
// action and the CLI run it: the estate and the audit bucket on moto, or the records in a
// directory (a workflow artifact). This file's own region and bucket.
const REGION = 'ap-southeast-3';
const BUCKET = 'ag-remediation-audit-report-run';
const NOW = new Date('2026-12-01T06:00:00.000Z');

const RECENT = auditRecord({
  id: '9001-1',
  actor: 'octocat',
  rule: 'restricted-ssh',
  control: 'EC2.13',
  runUrl: 'https://github.com/acme/platform/actions/runs/9001',
  startedAt: '2026-11-30T22:00:00.000Z',
  finishedAt: '2026-11-30T22:06:00.000Z',
  outcomes: [
    { resource: 'sg-0aaa', status: 'success', document: 'AWS-DisableIncomingSSHOnPort22' },
    {
      resource: 'sg-0bbb',
      status: 'failed',
      document: 'AWS-DisableIncomingSSHOnPort22',
      failedStep: 'DisableIncomingSSHTemplate',
      message: 'The security group sg-0bbb does not exist',
    },
  ],
});
const LAST_WEEK = auditRecord({
  id: '8800-1',
  actor: 'alice',
  dryRun: true,
  startedAt: '2026-11-27T10:00:00.000Z',
  finishedAt: '2026-11-27T10:01:00.000Z',
  outcomes: [{ resource: 'sg-0ccc', status: 'planned' }],
});

let policyFile: string;
let lines: string[] = [];

function temp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function report(values: Record<string, string>): Promise<DailyReportRun> {
  return runCommand(
    dailyReportCommand({ env: {} }),
    { read: (name) => values[name] },
    { clock: { now: () => NOW, sleep: () => Promise.resolve() }, log: (line) => lines.push(line) },
  );
}

function inputs(audit: string, out: string): Record<string, string> {
  return {
    'compliance-source': 'securityhub',
    policy: policyFile,
    'output-dir': out,
    region: REGION,
    'remediation-audit': audit,
  };
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

beforeAll(async () => {
  await seedReportEstate(motoEndpoint(), REGION);
  policyFile = join(temp('ag-remediation-policy-'), 'assetguard.yml');
  writeFileSync(policyFile, REPORT_POLICY);
}, 60_000);

beforeEach(() => {
  lines = [];
});

describe('assetguard report with remediation-audit', () => {
  it('reads the records from a directory into the summary, report.json, report.html and the evidence', async () => {
    const audit = temp('ag-remediation-records-');
    writeAuditRecords(audit, [RECENT, LAST_WEEK]);
    const stray = writeAuditFile(audit, '2026/11/30/20261130T230000Z-draft.json', '{"format":');
    const out = temp('ag-remediation-out-');
    const run = await report(inputs(audit, out));
    expect(run.outcome.exitCode).toBe(0);

    const summary = shownText(readFileSync(join(out, 'summary.md'), 'utf8'));
    expect(summary).toContain('### Remediation (2 runs in 7 days)');
    expect(summary).toContain(
      '**In the last 24 hours**: 1 run (1 executed, 0 dry runs), 1 success · 1 failed.',
    );
    expect(summary).toContain(
      '| 2026-11-30 22:06 UTC · **new** | octocat | restricted-ssh (EC2.13) | executed | 1 | 1 | 0 | 0 | 0 | 0 | [9001-1](https://github.com/acme/platform/actions/runs/9001) |',
    );
    expect(summary).toContain(
      '| sg-0bbb | **failed** | DisableIncomingSSHTemplate | The security group sg-0bbb does not exist |',
    );

    const json = readJson(join(out, 'report.json')) as DailyReport;
    expect(json.remediation).toMatchObject({
      location: audit,
      recentWindow: 'last-24-hours',
      recent: { runs: 1 },
      week: { runs: 2, executed: 1, dryRuns: 1 },
    });
    expect(json.remediation?.runs.map((run) => run.key)).toEqual([
      auditRecordKey(RECENT),
      auditRecordKey(LAST_WEEK),
    ]);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      '<section class="block" id="remediation-failed">',
    );

    // The record that could not be read is a warning naming it, in the verdict and the summary.
    const warning = run.verdict.warnings.find((text) => text.includes(stray));
    expect(warning).toMatch(/^remediation audit: .+ is not JSON \(/);
    const evidence = readJson(join(out, 'evidence.json')) as { inputs: Record<string, unknown> };
    expect(evidence.inputs['remediation-audit']).toBe(audit);
    expect(lines).toContain(
      `remediation audit: 2 record(s) of 9 days under ${audit}, 1 warning(s)`,
    );
  }, 60_000);

  it('reads them from S3 with the report role’s own client, counting the calls', async () => {
    const s3 = new S3Client({ region: REGION, endpoint: motoEndpoint(), maxAttempts: 1 });
    try {
      await s3.send(
        new CreateBucketCommand({
          Bucket: BUCKET,
          CreateBucketConfiguration: { LocationConstraint: REGION },
        }),
      );
      for (const record of [RECENT, LAST_WEEK]) {
        await putAuditObject(
          s3,
          BUCKET,
          'assetguard/remediation-audit',
          auditRecordKey(record),
          record,
        );
      }
    } finally {
      s3.destroy();
    }
    const out = temp('ag-remediation-out-');
    const location = `s3://${BUCKET}/assetguard/remediation-audit/`;
    const run = await report(inputs(location, out));
    expect(run.outcome.exitCode).toBe(0);
    expect(run.details?.report.remediation?.runs.map((item) => item.id)).toEqual([
      '9001-1',
      '8800-1',
    ]);
    const evidence = readJson(join(out, 'evidence.json')) as {
      inputs: Record<string, unknown>;
      context: { calls: Record<string, number> };
    };
    expect(evidence.inputs['remediation-audit']).toBe(location);
    // One listing per UTC day of the window (7 days, one more, and today), one read per record.
    expect(evidence.context.calls).toMatchObject({ ListObjectsV2: 9, GetObject: 2 });
  }, 60_000);

  it('says when the location holds nothing, and still reports', async () => {
    const missing = join(temp('ag-remediation-none-'), 'audit');
    const out = temp('ag-remediation-out-');
    const run = await report(inputs(missing, out));
    expect(run.outcome.exitCode).toBe(0);
    expect(shownText(run.summary)).toContain(
      `No remediation audit record at ${missing} (no directory ${missing}): no remediation run has written there yet`,
    );
  }, 60_000);

  it('shows a record filed under today that says it finished in 2020, and says why (the tester’s case)', async () => {
    const audit = temp('ag-remediation-backwards-');
    const backwards = auditRecord({
      id: '9100-1',
      startedAt: '2026-12-01T05:00:00.000Z',
      finishedAt: '2020-06-01T00:00:00.000Z',
    });
    writeAuditRecords(audit, [backwards, RECENT]);
    const out = temp('ag-remediation-out-');
    const run = await report(inputs(audit, out));
    expect(run.outcome.exitCode).toBe(0);

    expect(lines).toContain(`remediation audit: 2 record(s) of 9 days under ${audit}`);
    const summary = shownText(readFileSync(join(out, 'summary.md'), 'utf8'));
    expect(summary).toContain('### Remediation (2 runs in 7 days)');
    expect(run.verdict.warnings).toContain(
      `remediation audit: ${auditRecordKey(backwards)} finished (2020-06-01T00:00:00.000Z) before it started (2026-12-01T05:00:00.000Z): shown as recorded, placed by its start time`,
    );
  }, 60_000);

  it('warns, naming it, of an S3 prefix that holds nothing (a typo), in the verdict and the summary', async () => {
    const bucket = `${BUCKET}-typo`;
    const s3 = new S3Client({ region: REGION, endpoint: motoEndpoint(), maxAttempts: 1 });
    try {
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          CreateBucketConfiguration: { LocationConstraint: REGION },
        }),
      );
      await putAuditObject(s3, bucket, 'audit', auditRecordKey(RECENT), RECENT);
    } finally {
      s3.destroy();
    }
    const location = `s3://${bucket}/typo/`;
    const out = temp('ag-remediation-out-');
    const run = await report(inputs(location, out));
    expect(run.outcome.exitCode).toBe(0);
    const warning = run.verdict.warnings.find((text) => text.includes(location));
    expect(warning).toBe(
      `remediation audit: nothing at ${location} (no object under ${location}): no remediation run has written there yet, or the remediation-audit location is not the one remediate writes to`,
    );
    const summary = shownText(readFileSync(join(out, 'summary.md'), 'utf8'));
    expect(summary.slice(summary.indexOf('### Warnings'))).toContain(warning);
  }, 60_000);

  it.each([
    [
      'a location that is no location',
      'ftp://audit/',
      'remediation-audit: "ftp://audit/" uses ftp://, which is not supported',
    ],
    [
      'a bucket that does not exist',
      's3://ag-remediation-audit-missing-bucket/audit/',
      'remediation-audit: s3://ag-remediation-audit-missing-bucket/audit/ names bucket "ag-remediation-audit-missing-bucket", which does not exist',
    ],
  ])(
    'cannot decide on %s (exit 2), naming the input',
    async (_what, audit, message) => {
      const out = temp('ag-remediation-out-');
      const run = await report(inputs(audit, out));
      expect(run.outcome.exitCode).toBe(2);
      expect(run.verdict.verdict).toBe('error');
      expect(run.outcome.message).toContain(message);
    },
    60_000,
  );
});
