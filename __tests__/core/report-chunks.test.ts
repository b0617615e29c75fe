import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEvidence, evidenceChunks, readEvidence } from '../../actions/src/core/evidence';
import { csv } from '../../actions/src/core/escape';
import type { Finding } from '../../actions/src/core/model';
import {
  jsonChunks,
  jsonFile,
  WRITE_BATCH_CHARS,
  writeReportFiles,
} from '../../actions/src/core/report-files';
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
  it('compact: byte for byte JSON.stringify, a spread array a few elements per chunk', () => {
    const chunks = [...jsonChunks(SAMPLE, { spread: ['open', 'fixed'] })];
    expect(chunks.join('')).toBe(`${JSON.stringify(SAMPLE)}\n`);
    expect(chunks).toContain('{"a":1,"nested":{"b":[1,2,{"c":"x\\ny"}]}},null,"text",null');
    // 1,000 elements, holes and undefined included: 16 chunks of at most 64 elements.
    const many = Array.from({ length: 1_000 }, (_, index) =>
      index % 97 === 0 ? undefined : { index, text: `é${index}\n` },
    );
    many[500] = undefined;
    const value = { before: 1, many, after: [1] };
    const manyChunks = [...jsonChunks(value, { spread: ['many'] })];
    expect(manyChunks.join('')).toBe(`${JSON.stringify(value)}\n`);
    // '{', before, the array's start, its 16 batches with 15 commas between, its end, after,
    // '}', the newline: a batch's text is never joined to another string.
    expect(manyChunks).toHaveLength(3 + 16 + 15 + 4);
    expect(manyChunks.filter((chunk) => chunk === ',')).toHaveLength(15);
  });

  it('pretty: the same JSON as jsonFile, each spread element compact on its own line', () => {
    const text = [...jsonChunks(SAMPLE, { spread: ['open', 'fixed'], pretty: true })].join('');
    expect(JSON.parse(text)).toEqual(JSON.parse(jsonFile(SAMPLE)));
    expect(text.endsWith('\n}\n')).toBe(true);
    expect(text).toContain('\n  "open": [\n    {"a":1,"nested":{"b":[1,2,{"c":"x\\ny"}]}},\n');
    expect(text).toContain('\n  "fixed": [],\n');
    expect(text).toContain('\n  "counts": {\n    "open": {\n      "total": 3\n    },');
  });

  it('spreads arrays at dotted paths through plain objects, compact and pretty', () => {
    const value = {
      head: 'h',
      verdict: {
        counts: { a: 1 },
        blocking: [{ id: 'x\ny' }, { id: 'z' }],
        excepted: [],
        end: true,
      },
      findings: [{ id: 1 }, { id: 2 }],
    };
    const spread = ['findings', 'verdict.blocking', 'verdict.excepted'];
    const compact = [...jsonChunks(value, { spread })];
    expect(compact.join('')).toBe(`${JSON.stringify(value)}\n`);
    expect(compact).toContain('{"id":"x\\ny"},{"id":"z"}');

    const pretty = [...jsonChunks(value, { spread, pretty: true })].join('');
    expect(JSON.parse(pretty)).toEqual(value);
    expect(pretty).toContain('\n  "verdict": {\n    "counts": {\n      "a": 1\n    },\n');
    expect(pretty).toContain(
      '\n    "blocking": [\n      {"id":"x\\ny"},\n      {"id":"z"}\n    ],\n',
    );
    expect(pretty).toContain('\n    "end": true\n  },\n  "findings": [\n    {"id":1},\n');
    expect(pretty.endsWith('\n  ]\n}\n')).toBe(true);
  });

  it('does not open up an object with its own toJSON, or a path that is not an array', () => {
    const value = {
      when: { toJSON: () => 'then', list: [1] },
      other: { list: 'not an array' },
    };
    const spread = ['when.list', 'other.list'];
    for (const pretty of [false, true]) {
      const text = [...jsonChunks(value, { spread, pretty })].join('');
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
    }
  });

  it('an empty object is {}', () => {
    expect([...jsonChunks({}, { spread: [], pretty: true })].join('')).toBe('{}\n');
    expect([...jsonChunks({ a: undefined }, { spread: [] })].join('')).toBe('{}\n');
  });
});

describe('report.json and findings.csv in chunks', () => {
  it('report.json joined is the report as compact JSON, open findings a few per chunk', () => {
    for (const report of [dailyReport(), hostileReport(), manyFindingsReport(1_234)]) {
      const chunks = [...reportJsonChunks(report)];
      expect(chunks.join('')).toBe(`${JSON.stringify(report)}\n`);
      expect(reportJson(report)).toBe(chunks.join(''));
      expect(chunks.length).toBeGreaterThan(Math.ceil(report.open.length / 64));
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
  it('is compact JSON, read back by readEvidence as the bundle', async () => {
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
    // Compact: byte for byte JSON.stringify, no whitespace at all.
    expect(text).toBe(`${JSON.stringify(evidence)}\n`);
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

  it('writes a whole string and single chunks larger than the write buffer, pairs unsplit', async () => {
    // Both put a pair's first half at the last code unit a piece can hold: it must not end there.
    const whole = `${'x'.repeat(WRITE_BATCH_CHARS - 1)}${'😀é—'.repeat(WRITE_BATCH_CHARS / 2)}`;
    const huge = `${'y'.repeat(WRITE_BATCH_CHARS - 1)}${'😀b'.repeat(WRITE_BATCH_CHARS)}\n`;
    expect(whole.charCodeAt(WRITE_BATCH_CHARS - 1)).toBe(0xd83d);
    expect(huge.charCodeAt(WRITE_BATCH_CHARS - 1)).toBe(0xd83d);
    function* chunks(): Generator<string> {
      yield 'start\n';
      yield huge;
      yield 'middle\n';
      yield huge;
    }
    const files = await writeReportFiles(out, { 'whole.txt': whole, 'chunks.txt': chunks() });
    expect(readFileSync(files['whole.txt'] ?? '', 'utf8')).toBe(whole);
    expect(readFileSync(files['chunks.txt'] ?? '', 'utf8')).toBe(`start\n${huge}middle\n${huge}`);
  });

  it('writes async content, text and bytes in order, beside buffered text', async () => {
    const row = `${'é😀—'.repeat(1_000)}\n`;
    async function* mixed(): AsyncGenerator<string | Uint8Array> {
      yield 'text first\n';
      // Bytes after buffered text, bytes after bytes, text larger than the buffer after bytes.
      yield Buffer.from(`bytes ${row}`, 'utf8');
      await new Promise((resolve) => setImmediate(resolve));
      yield new TextEncoder().encode('more bytes\n');
      yield row.repeat(300);
      yield 'end\n';
    }
    const files = await writeReportFiles(out, { 'mixed.txt': mixed(), 'small.txt': 'whole\n' });
    expect(readFileSync(files['mixed.txt'] ?? '', 'utf8')).toBe(
      `text first\nbytes ${row}more bytes\n${row.repeat(300)}end\n`,
    );
    expect(readFileSync(files['small.txt'] ?? '', 'utf8')).toBe('whole\n');
  });

  it('async content that fails: its own error, the previous set intact, no staging', async () => {
    await writeReportFiles(out, { 'results.sarif': '{"old":true}\n' });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('{"new":');
      await Promise.resolve();
      throw new RangeError('zlib: the size check failed');
    }
    await expect(writeReportFiles(out, { 'results.sarif': failing() })).rejects.toThrow(
      new RangeError('zlib: the size check failed'),
    );
    expect(readFileSync(join(out, 'results.sarif'), 'utf8')).toBe('{"old":true}\n');
    expect(readdirSync(out).filter((name) => name.startsWith('.assetguard-tmp-'))).toEqual([]);
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
