import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../actions/src/core/errors';
import { auditRecordKey, parseAuditLocation } from '../../actions/src/core/remediation-audit';
import {
  auditDays,
  MAX_AUDIT_RECORD_BYTES,
  readRemediationAudit,
} from '../../actions/src/sources/remediation-audit';
import {
  auditRecord,
  writeAuditFile,
  writeAuditRecords,
} from '../fixtures/remediation-audit-records';

// The directory form of the audit location (a workflow artifact, or the CLI's local records): a
// real directory tree in a temporary directory, as remediate writes it.
const FROM = new Date('2026-03-01T10:00:00.000Z');
const TO = new Date('2026-03-02T12:00:00.000Z');

function temp(): string {
  return mkdtempSync(join(tmpdir(), 'ag-audit-dir-'));
}

function read(path: string, options: { maxRecords?: number } = {}) {
  return readRemediationAudit(parseAuditLocation(path, 'remediation-audit'), {
    from: FROM,
    to: TO,
    ...options,
  });
}

describe('auditDays', () => {
  it.each([
    ['one day', '2026-03-02T00:00:00Z', '2026-03-02T23:59:59Z', ['2026/03/02']],
    [
      'the start of a day counts',
      '2026-03-01T23:59:59Z',
      '2026-03-02T00:00:00Z',
      ['2026/03/01', '2026/03/02'],
    ],
    ['across a year', '2025-12-31T06:00:00Z', '2026-01-01T06:00:00Z', ['2025/12/31', '2026/01/01']],
    [
      'across February',
      '2028-02-28T06:00:00Z',
      '2028-03-01T05:00:00Z',
      ['2028/02/28', '2028/02/29', '2028/03/01'],
    ],
    ['none when from is after to', '2026-03-03T00:00:00Z', '2026-03-02T00:00:00Z', []],
  ])('%s', (_what, from, to, days) => {
    expect(auditDays(new Date(from), new Date(to))).toEqual(days);
  });
});

describe('readRemediationAudit from a directory', () => {
  it('reads the records of every day in the window, by key, and nothing outside it', async () => {
    const root = temp();
    const early = auditRecord({
      id: 'early',
      startedAt: '2026-03-01T04:00:00Z',
      finishedAt: '2026-03-01T04:05:00Z',
    });
    const late = auditRecord({
      id: 'late',
      startedAt: '2026-03-02T09:00:00Z',
      finishedAt: '2026-03-02T09:01:00Z',
    });
    const before = auditRecord({
      id: 'before',
      startedAt: '2026-02-28T23:00:00Z',
      finishedAt: '2026-02-28T23:01:00Z',
    });
    const after = auditRecord({
      id: 'after',
      startedAt: '2026-03-03T00:30:00Z',
      finishedAt: '2026-03-03T00:31:00Z',
    });
    writeAuditRecords(root, [late, before, early, after]);
    const reading = await read(root);
    expect(reading.records).toEqual([
      { key: auditRecordKey(early), record: early },
      { key: auditRecordKey(late), record: late },
    ]);
    expect(reading).toMatchObject({
      location: root,
      days: ['2026/03/01', '2026/03/02'],
      warnings: [],
      calls: {},
    });
    expect(reading).not.toHaveProperty('empty');
  });

  it('says so when the directory does not exist: no records, no error', async () => {
    const missing = join(temp(), 'audit');
    const reading = await read(missing);
    expect(reading.records).toEqual([]);
    expect(reading.warnings).toEqual([]);
    expect(reading.empty).toBe(`no directory ${missing}`);
  });

  it('says so when the directory holds nothing at all', async () => {
    const root = temp();
    expect((await read(root)).empty).toBe(`nothing in ${root}`);
  });

  it('does not call a directory with records on other days empty', async () => {
    const root = temp();
    writeAuditRecords(root, [
      auditRecord({ startedAt: '2026-01-05T04:00:00Z', finishedAt: '2026-01-05T04:01:00Z' }),
    ]);
    const reading = await read(root);
    expect(reading.records).toEqual([]);
    expect(reading).not.toHaveProperty('empty');
  });

  it('refuses a path that is a file, naming the input', async () => {
    const file = join(temp(), 'audit.json');
    writeFileSync(file, '{}');
    await expect(read(file)).rejects.toThrow(ConfigurationError);
    await expect(read(file)).rejects.toThrow(`remediation-audit: ${file} is not a directory`);
  });

  it('names each file it cannot take, and still reads the others', async () => {
    const root = temp();
    const good = auditRecord({
      id: 'good',
      startedAt: '2026-03-02T05:00:00Z',
      finishedAt: '2026-03-02T05:10:00Z',
    });
    writeAuditRecords(root, [good]);
    const day = '2026/03/02';
    const paths = {
      notJson: writeAuditFile(
        root,
        `${day}/20260302T060000Z-broken.json`,
        '{"format": "assetguard-remediation-audit/1", ',
      ),
      foreign: writeAuditFile(root, `${day}/20260302T061000Z-state.json`, {
        schema: 'assetguard-report-state/1',
      }),
      invalid: writeAuditFile(root, `${day}/20260302T062000Z-invalid.json`, {
        ...auditRecord({ id: 'invalid' }),
        outcomes: 'none',
      }),
      notRecord: writeAuditFile(root, `${day}/notes.txt`, 'hello'),
      nested: writeAuditFile(root, `${day}/old/20260302T063000Z-x.json`, auditRecord()),
      misfiled: writeAuditFile(
        root,
        `${day}/20260302T064000Z-misfiled.json`,
        auditRecord({
          id: 'misfiled',
          startedAt: '2026-03-02T07:00:00Z',
          finishedAt: '2026-03-02T07:05:00Z',
        }),
      ),
      repeated: writeAuditFile(root, `${day}/20260302T065000Z-good.json`, good),
    };
    const reading = await read(root);
    expect(reading.records.map(({ record }) => record.id)).toEqual(['good', 'misfiled']);
    const warning = (path: string): string | undefined =>
      reading.warnings.find((text) => text.includes(path));
    expect(warning(paths.notJson)).toMatch(/ is not JSON \(.+\); left out$/);
    expect(warning(paths.foreign)).toMatch(
      / is not an assetguard remediation audit record \(format missing/,
    );
    expect(warning(paths.invalid)).toMatch(
      / does not match the assetguard-remediation-audit\/1 schema: \/outcomes: must be array/,
    );
    expect(warning(paths.notRecord)).toMatch(/ is not an audit record/);
    expect(warning(join(root, '2026', '03', '02', 'old'))).toMatch(/ is not an audit record/);
    expect(warning(paths.misfiled)).toContain(
      'is filed under another key than its startedAt and id give (2026/03/02/20260302T070000Z-misfiled.json); read all the same',
    );
    expect(warning(paths.repeated)).toContain(
      'repeats run "good" of 2026/03/02/20260302T050000Z-good.json; counted once',
    );
    expect(reading.warnings).toHaveLength(7);
    for (const text of reading.warnings) expect(text).toMatch(/^remediation audit: /);
  });

  it('leaves out a file over the size limit, unread, naming it', async () => {
    const root = temp();
    const path = writeAuditFile(
      root,
      '2026/03/02/20260302T050000Z-huge.json',
      ' '.repeat(MAX_AUDIT_RECORD_BYTES + 1),
    );
    const reading = await read(root);
    expect(reading.records).toEqual([]);
    expect(reading.warnings).toEqual([
      `remediation audit: ${path} is 4.0 MiB, over the 4 MiB a record is at most; left out`,
    ]);
  });

  it('reads the newest records when there are more than it reads, and says how many it left out', async () => {
    const root = temp();
    const records = ['01', '02', '03'].map((hour) =>
      auditRecord({
        id: `run-${hour}`,
        startedAt: `2026-03-02T${hour}:00:00Z`,
        finishedAt: `2026-03-02T${hour}:05:00Z`,
      }),
    );
    writeAuditRecords(root, records);
    const reading = await read(root, { maxRecords: 2 });
    expect(reading.records.map(({ record }) => record.id)).toEqual(['run-02', 'run-03']);
    expect(reading.warnings).toEqual([
      `remediation audit: 3 records under ${root} in 2 days, more than the 2 read: the 1 oldest (from 2026/03/02/20260302T010000Z-run-01.json) are left out`,
    ]);
  });

  it('fails with the input named when a day directory cannot be read', async () => {
    const root = temp();
    // A file where a day's directory should be: readdir answers ENOTDIR.
    mkdirSync(join(root, '2026', '03'), { recursive: true });
    writeFileSync(join(root, '2026', '03', '02'), 'not a directory');
    await expect(read(root)).rejects.toThrow(
      `remediation-audit: cannot read the remediation audit records in ${join(root, '2026', '03', '02')}: ENOTDIR`,
    );
  });
});
