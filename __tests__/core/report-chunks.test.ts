import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEvidence, evidenceChunks, readEvidence } from '../../actions/src/core/evidence';
import { csv } from '../../actions/src/core/escape';
import type { Finding } from '../../actions/src/core/model';
import { jsonChunks, jsonFile, writeReportFiles } from '../../actions/src/core/report-files';
import {
  FINDINGS_CSV_COLUMNS,
  findingsCsv,
  findingsCsvChunks,
  reportJson,
  reportJsonChunks,
} from '../../actions/src/report/render';
import { dailyReport, hostileReport, manyFindingsReport } from '../fixtures/daily-report';

let out: string;
beforeEach(() => {
  out = join(mkdtempSync(join(tmpdir(), 'ag-report-chunks-')), 'out');
});

const SAMPLE = {
  title: 'Ünïcode — “quotes”, a line\nbreak and 😀',
  none: undefined,
  open: [{ a: 1, nested: { b: [1, 2, { c: 'x\ny' }] } }, undefined, 'text', null],
  fixed: [] as unknown[],
  counts: { open: { total: 3 }, list: [], empty: {} },
  skipped: () => 1,
  last: 'end',
};

describe('jsonChunks', () => {
  it('compact: byte for byte JSON.stringify, one chunk per element of a spread array', () => {
    const chunks = [...jsonChunks(SAMPLE, { spread: ['open', 'fixed'] })];
    expect(chunks.join('')).toBe(`${JSON.stringify(SAMPLE)}\n`);
    // '{', then title, the open array's start, its 4 elements and end, fixed, counts, last, '}'.
    expect(chunks).toContain('{"a":1,"nested":{"b":[1,2,{"c":"x\\ny"}]}}');
    expect(chunks).toContain(',null');
  });

  it('pretty: the same JSON as jsonFile, each spread element compact on its own line', () => {
    const text = [...jsonChunks(SAMPLE, { spread: ['open', 'fixed'], pretty: true })].join('');
    expect(JSON.parse(text)).toEqual(JSON.parse(jsonFile(SAMPLE)));
    expect(text.endsWith('\n}\n')).toBe(true);
    expect(text).toContain('\n  "open": [\n    {"a":1,"nested":{"b":[1,2,{"c":"x\\ny"}]}},\n');
    expect(text).toContain('\n  "fixed": [],\n');
    expect(text).toContain('\n  "counts": {\n    "open": {\n      "total": 3\n    },');
  });

  it('an empty object is {}', () => {
    expect([...jsonChunks({}, { spread: [], pretty: true })].join('')).toBe('{}\n');
    expect([...jsonChunks({ a: undefined }, { spread: [] })].join('')).toBe('{}\n');
  });
});

describe('report.json and findings.csv in chunks', () => {
  it('report.json joined is the report as compact JSON, an open finding per chunk', () => {
    for (const report of [dailyReport(), hostileReport(), manyFindingsReport(1_234)]) {
      const chunks = [...reportJsonChunks(report)];
      expect(chunks.join('')).toBe(`${JSON.stringify(report)}\n`);
      expect(reportJson(report)).toBe(chunks.join(''));
      expect(chunks.length).toBeGreaterThan(report.open.length);
    }
  });

  it('findings.csv joined is the whole table through core/escape csv, header first', () => {
    for (const report of [dailyReport(), hostileReport(), manyFindingsReport(1_234)]) {
      const chunks = [...findingsCsvChunks(report)];
      expect(chunks[0]).toBe(csv([[...FINDINGS_CSV_COLUMNS]]));
      expect(findingsCsv(report)).toBe(chunks.join(''));
      const lines = chunks.join('').trimEnd().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(report.open.length + 1);
    }
    // What chunking relies on: csv of rows in batches, concatenated, is csv of all the rows.
    const rows = [
      ['=HYPERLINK("x")', 'a,b', 'line\nbreak', '"quoted"', 1.5],
      ['+1', '-2', '@3', 'plain', 0],
      ['ü—😀', '', ' spaced ', '\ttab', -1],
    ];
    expect(csv(rows)).toBe(rows.map((row) => csv([row])).join(''));
    // 1,234 rows: the header, then batches of at most 500 rows.
    expect([...findingsCsvChunks(manyFindingsReport(1_234))]).toHaveLength(1 + 3);
  });
});

describe('evidence.json in chunks', () => {
  it('is read back by readEvidence as the bundle, a finding per line', async () => {
    const report = hostileReport();
    const findings: Finding[] = report.open.map((item) => item.finding);
    const evidence = buildEvidence({
      command: 'report',
      inputs: { state: 'state.json' },
      context: { calls: { ListFindings: 1 }, warnings: ['— not Latin-1'], assets: 3 },
      policy: undefined,
      findings,
      verdict: {
        verdict: 'pass',
        command: 'report',
        subject: {},
        evaluatedAt: '2026-03-02T06:00:00.000Z',
        policy: { origin: 'x', sha256: 'y' },
        counts: {},
        blocking: [],
        excepted: [],
        exceptions: {},
        warnings: [],
      },
    });
    const files = await writeReportFiles(out, { 'evidence.json': evidenceChunks(evidence) });
    const text = readFileSync(files['evidence.json'] ?? '', 'utf8');
    expect(JSON.parse(text)).toEqual(JSON.parse(jsonFile(evidence)));
    expect(text).toContain('"format": "assetguard-evidence/1"');
    for (const finding of findings) expect(text).toContain(`\n    ${JSON.stringify(finding)}`);
    const { evidence: read } = await readEvidence(out);
    expect(read.findings).toEqual(JSON.parse(JSON.stringify(findings)));
  });
});

describe('writeReportFiles with chunked files', () => {
  it('writes chunks in order across write batches, UTF-8, beside whole strings', async () => {
    const row = `${'é😀—'.repeat(1_000)}\n`;
    function* many(): Generator<string> {
      for (let index = 0; index < 100; index += 1) yield `${index}:${row}`;
    }
    const files = await writeReportFiles(out, { 'big.txt': many(), 'small.txt': 'whole\n' });
    const expected = Array.from({ length: 100 }, (_, index) => `${index}:${row}`).join('');
    expect(readFileSync(files['big.txt'] ?? '', 'utf8')).toBe(expected);
    expect(readFileSync(files['small.txt'] ?? '', 'utf8')).toBe('whole\n');
  });

  it('a renderer that fails half way: its own error, the previous set intact, no staging', async () => {
    await writeReportFiles(out, { 'report.json': '{"old":true}\n' });
    function* failing(): Generator<string> {
      yield '{"new":';
      throw new TypeError('cannot read properties of undefined (reading finding)');
    }
    await expect(writeReportFiles(out, { 'report.json': failing() })).rejects.toThrow(
      new TypeError('cannot read properties of undefined (reading finding)'),
    );
    expect(readFileSync(join(out, 'report.json'), 'utf8')).toBe('{"old":true}\n');
    expect(readdirSync(out).filter((name) => name.startsWith('.assetguard-tmp-'))).toEqual([]);
  });
});
