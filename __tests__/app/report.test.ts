/**
 * The portal's report.json check on its own (no database): every stored string must be one
 * PostgreSQL can hold, nesting is bounded before anything recursive runs, error messages show a
 * short escaped excerpt (never the whole value), and a report from the future is refused.
 */
import {
  FUTURE_TOLERANCE_MS,
  MAX_DEPTH,
  parseReport,
  ReportShapeError,
} from '../../app/src/report';
import { dailyReport } from '../fixtures/daily-report';
import { reportJson } from '../../actions/src/report/render';

/** report.json as `assetguard report` writes it for the shared fixture. */
const reportBody = (): string => reportJson(dailyReport());

type Doc = Record<string, unknown>;

/** The fixture's report.json as a plain object, with a tag set on the first finding's resource and one extra inventory entry. */
function reportDoc(): Doc {
  const doc = JSON.parse(reportBody()) as Doc;
  at(doc, 'open[0].finding.resource').tags = { Owner: 'team@example.com' };
  doc.assets = [{ arn: 'arn:aws:s3:::inventory-only', type: 'AwsS3Bucket', tags: { Team: 'a' } }];
  return doc;
}

/** The object at `path` (dot and [index] segments) inside `doc`. */
function at(doc: Doc, path: string): Doc {
  return path
    .split(/[.[\]]/)
    .filter((part) => part !== '')
    .reduce<Doc>((node, part) => node[part] as Doc, doc);
}

/** What `parseReport` throws for `doc`, or a failure if it accepts it. */
function refusal(doc: Doc | string, options = {}): string {
  try {
    parseReport(typeof doc === 'string' ? doc : JSON.stringify(doc), options);
  } catch (error) {
    expect(error).toBeInstanceOf(ReportShapeError);
    return (error as Error).message;
  }
  throw new Error('parseReport accepted the report');
}

/**
 * Every string field parseReport stores, as [parent object path, field, path in the message].
 * A field of `tags` with the bad text as its key stands for the tag key itself.
 */
const STRING_FIELDS: [string, string, string][] = [
  ['', 'title', 'report.title'],
  ['', 'region', 'report.region'],
  ['', 'accountId', 'report.accountId'],
  ['warnings', '0', 'report.warnings[0]'],
  ['rules[0]', 'rule', 'report.rules[0].rule'],
  ['rules[0]', 'title', 'report.rules[0].title'],
  ['open[0]', 'key', 'report.open[0].key'],
  ['open[0]', 'owner', 'report.open[0].owner'],
  ['open[0].finding', 'id', 'report.open[0].finding.id'],
  ['open[0].finding', 'title', 'report.open[0].finding.title'],
  ['open[0].finding', 'url', 'report.open[0].finding.url'],
  ['open[0].finding.resource', 'id', 'report.open[0].finding.resource.id'],
  ['open[0].finding.resource', 'type', 'report.open[0].finding.resource.type'],
  ['open[0].finding.resource', 'region', 'report.open[0].finding.resource.region'],
  ['open[0].finding.resource', 'accountId', 'report.open[0].finding.resource.accountId'],
  ['open[0].finding.resource.tags', 'Owner', 'report.open[0].finding.resource.tags.Owner'],
  ['open[0].finding.resource.tags', '<key>', 'report.open[0].finding.resource.tags['],
  ['assets[0]', 'arn', 'report.assets[0].arn'],
  ['assets[0]', 'type', 'report.assets[0].type'],
  ['assets[0]', 'region', 'report.assets[0].region'],
  ['assets[0]', 'accountId', 'report.assets[0].accountId'],
  ['assets[0]', 'name', 'report.assets[0].name'],
  ['assets[0].tags', 'Team', 'report.assets[0].tags.Team'],
  ['assets[0].tags', '<key>', 'report.assets[0].tags['],
];

/** Text PostgreSQL cannot store, and what the message must say about it. */
const UNSTORABLE: [string, string, RegExp][] = [
  [
    'a NUL character',
    'before\u0000after',
    /a NUL character \(\\u0000\) at position 6 .*"before\\u0000after"/,
  ],
  ['a lone high surrogate', 'x\ud800y', /an unpaired UTF-16 surrogate at position 1 .*"x\\ud800y"/],
  ['a lone low surrogate', 'x\udc00', /an unpaired UTF-16 surrogate at position 1/],
  ['a reversed surrogate pair', '\udc00\ud800', /an unpaired UTF-16 surrogate at position 0/],
];

describe('parseReport refuses strings PostgreSQL cannot store, naming the field', () => {
  it('accepts the fixture with every field of the table present (the table can fail)', () => {
    const doc = reportDoc();
    for (const [parent, field] of STRING_FIELDS) {
      if (field !== '<key>') at(doc, parent)[field] = `ok ${field} \u{1F600}`;
    }
    // A well-formed surrogate pair (an emoji) is fine everywhere.
    expect(() => parseReport(JSON.stringify(doc))).not.toThrow();
  });

  const cases = STRING_FIELDS.flatMap(([parent, field, path]) =>
    UNSTORABLE.map(([what, bad, message]) => [path, what, parent, field, bad, message] as const),
  );
  it.each(cases)('%s with %s', (path, _what, parent, field, bad, message) => {
    const doc = reportDoc();
    const target = at(doc, parent);
    if (field === '<key>') target[bad] = 'value';
    else target[field] = bad;
    const error = refusal(doc);
    expect(error.startsWith(path)).toBe(true);
    expect(error).toMatch(message);
    // One line, and the raw character never reaches the message.
    expect(error.includes('\u0000') || error.includes('\n')).toBe(false);
    expect(error).not.toMatch(/[\ud800-\udfff]/);
  });

  it('refuses the JSON escape itself, as a request body carries it', () => {
    const body = reportBody().replace(/"title":"/, '"title":"\\u0000');
    expect(refusal(body)).toMatch(/^report\.title: a NUL character/);
    const surrogate = reportBody().replace(/"region":"/, '"region":"\\ud800');
    expect(refusal(surrogate)).toMatch(/^report\.region: an unpaired UTF-16 surrogate/);
  });
});

describe('parseReport bounds nesting and never serializes a whole value', () => {
  it('refuses a 200 000 deep array with a short message instead of overflowing the stack', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const error = refusal(deep);
    expect(error).toMatch(
      new RegExp(`^report(\\[0\\]){${MAX_DEPTH}}: nested deeper than ${MAX_DEPTH} levels`),
    );
    expect(error.length).toBeLessThan(400);
  });

  it('names the field where a report goes too deep', () => {
    const doc = reportDoc();
    let nested: unknown = 'x';
    for (let i = 0; i < MAX_DEPTH; i += 1) nested = [nested];
    at(doc, 'open[1].finding').extra = nested;
    expect(refusal(doc)).toMatch(/^report\.open\[1\]\.finding\.extra(\[0\])+: nested deeper than/);
  });

  it('accepts nesting up to the bound in a field the portal ignores', () => {
    const doc = reportDoc();
    let nested: unknown = 'x';
    // report -> extra is depth 1; MAX_DEPTH - 2 more arrays keep the innermost at MAX_DEPTH - 1.
    for (let i = 0; i < MAX_DEPTH - 1; i += 1) nested = [nested];
    doc.extra = nested;
    expect(() => parseReport(JSON.stringify(doc))).not.toThrow();
  });

  it('shows a wrong-typed object or a long string as a short excerpt', () => {
    const doc = reportDoc();
    doc.title = { huge: 'y'.repeat(100_000) };
    expect(refusal(doc)).toBe(
      'report.title: expected a non-empty string, got an object with 1 keys',
    );
    const long = reportDoc();
    at(long, 'open[0]').ageDays = 'z'.repeat(100_000);
    const error = refusal(long);
    expect(error).toMatch(
      /^report\.open\[0\]\.ageDays: expected a whole number ≥ 0, got "z{80}" \(first 80 of 100000 characters\)$/,
    );
  });

  it('escapes a tag key in the path of a bad tag value', () => {
    const doc = reportDoc();
    at(doc, 'assets[0].tags')['a\nb::c'] = 7;
    expect(refusal(doc)).toBe(
      'report.assets[0].tags["a\\nb::c"]: expected a string tag value, got 7',
    );
  });
});

describe('parseReport refuses a report from the future', () => {
  const generatedAt = Date.parse(JSON.parse(reportBody()).generatedAt as string);

  it('accepts generatedAt up to 5 minutes ahead of the clock (skew)', () => {
    const now = () => generatedAt - FUTURE_TOLERANCE_MS;
    expect(parseReport(reportBody(), { now }).summary.generatedAt).toBe(
      new Date(generatedAt).toISOString(),
    );
  });

  it('refuses generatedAt more than 5 minutes ahead, naming the field', () => {
    const now = () => generatedAt - FUTURE_TOLERANCE_MS - 1;
    expect(refusal(reportBody(), { now })).toMatch(
      /^report\.generatedAt: 2026-03-02T06:00:00\.000Z is more than 5 minutes after the portal's clock/,
    );
  });

  it('refuses 2099 against the real clock', () => {
    const doc = reportDoc();
    doc.generatedAt = '2099-01-01T00:00:00.000Z';
    expect(refusal(doc)).toMatch(
      /^report\.generatedAt: 2099-01-01T00:00:00\.000Z is more than 5 minutes/,
    );
  });
});
