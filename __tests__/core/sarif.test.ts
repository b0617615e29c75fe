import { gunzipSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { severityRank, type Severity } from '../../actions/src/core/model';
import {
  pathUri,
  rankOrder,
  SARIF_LIMITS,
  sarifReport,
  sarifHelpUri,
  sarifLocation,
  toSarif,
  type SarifEntry,
  type SarifSource,
} from '../../actions/src/core/sarif';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import sarifSchema from '../support/sarif-schema-2.1.0.json';
import { sarifErrors } from '../support/sarif';

/**
 * The OASIS schema without `uniqueItems`, which ajv checks pairwise (25,000 rules would take
 * minutes); rule ids are checked for uniqueness on their own instead.
 */
function withoutUniqueItems(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutUniqueItems);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'uniqueItems')
      .map(([key, value]) => [key, withoutUniqueItems(value)]),
  );
}
const bigAjv = new Ajv({ strict: false, allErrors: false });
addFormats(bigAjv);
const validateBig = bigAjv.compile(withoutUniqueItems(sarifSchema) as object);

interface Log {
  runs: {
    tool: { driver: { rules: { id: string; helpUri?: string; properties: { tags: string[] } }[] } };
    invocations?: { toolExecutionNotifications: { message: { text: string } }[] }[];
    properties?: Record<string, unknown>;
    results: {
      ruleId: string;
      level: string;
      locations?: { physicalLocation: { artifactLocation: { uri: string } } }[];
    }[];
  }[];
}

const SEVERITY_ORDER: Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'INFORMATIONAL'];

function entry(index: number, overrides: Partial<SarifEntry> = {}): SarifEntry {
  return {
    ruleId: `CONTROL.${index}`,
    title: `control ${index}`,
    severity: SEVERITY_ORDER[index % SEVERITY_ORDER.length] ?? 'LOW',
    level: 'note',
    message: `result ${index}`,
    file: '.github/assetguard.yml',
    fingerprint: `fp/${index}`,
    ...overrides,
  };
}

function parse(text: string): Log {
  return JSON.parse(text) as Log;
}

describe('toSarif: every file is one GitHub code scanning accepts', () => {
  it('a Security Hub estate with 25,050 failing results gives 25,000, the most severe, and says so', () => {
    const entries = Array.from({ length: 25_050 }, (_, index) =>
      entry(index, index === 7 ? { level: 'error', severity: 'LOW' } : {}),
    );
    const text = toSarif(entries, 'assetguard/compliance-gate');
    const log = parse(text);
    const [run] = log.runs;
    expect(log.runs).toHaveLength(1);
    expect(run?.results).toHaveLength(SARIF_LIMITS.resultsPerRun);
    expect(run?.tool.driver.rules.length).toBeLessThanOrEqual(SARIF_LIMITS.rulesPerRun);
    // The 50 left out are the least severe: INFORMATIONAL first; a blocking LOW is kept.
    const kept = new Set(run?.results.map((result) => result.ruleId));
    const dropped = entries.filter((candidate) => !kept.has(candidate.ruleId));
    expect(dropped).toHaveLength(50);
    expect(dropped.every((candidate) => candidate.severity === 'INFORMATIONAL')).toBe(true);
    expect(kept.has('CONTROL.7')).toBe(true);
    expect(run?.invocations?.[0]?.toolExecutionNotifications[0]?.message.text).toMatch(
      /^results\.sarif holds the 25000 most severe of 25050 results \(blocking first\)/,
    );
    expect(run?.properties).toEqual({
      'assetguard/cut': { results: 25_050, kept: 25_000, shortenedTexts: false },
    });
    expect(validateBig(log)).toBe(true);
    const ruleIds = run?.tool.driver.rules.map((rule) => rule.id) ?? [];
    expect(new Set(ruleIds).size).toBe(ruleIds.length);
    expect(gzipSync(text).length).toBeLessThan(10 * 1000 * 1000);
    // And the first results with their rules against the schema as published (uniqueItems too).
    const sample = parse(toSarif(entries.slice(0, 300), 'assetguard/compliance-gate'));
    expect(sarifErrors(sample)).toEqual([]);
  });

  it('from a SarifSource: the same file as from the array, built only for the results kept', () => {
    const entries = Array.from({ length: 30_000 }, (_, index) =>
      entry(index, {
        ...(index % 1_000 === 3 && { level: 'error', severity: 'LOW' }),
        ...(index % 7 === 0 && { score: 9.9 }),
      }),
    );
    const built = new Set<number>();
    const source: SarifSource = {
      total: entries.length,
      rank: (index) => {
        const { level, severity, score } = entries[index] as SarifEntry;
        return { level, severity, ...(score !== undefined && { score }) };
      },
      entry: (index) => {
        built.add(index);
        return entries[index] as SarifEntry;
      },
    };
    const text = toSarif(source, 'assetguard/scan-gate');
    expect(text).toBe(toSarif(entries, 'assetguard/scan-gate'));
    expect(built.size).toBe(SARIF_LIMITS.resultsPerRun);
    // Compact: one line, no indentation, ending with a newline.
    expect(text.indexOf('\n')).toBe(text.length - 1);
    const [run] = parse(text).runs;
    expect(run?.results.filter((result) => result.level === 'error')).toHaveLength(30);
    expect(run?.properties).toEqual({
      'assetguard/cut': { results: 30_000, kept: 25_000, shortenedTexts: false },
    });
  });

  it('keeps a file over the compressed size limit under it: shorter rule texts, then fewer results', () => {
    // Incompressible descriptions: each result brings its own rule with 3 KB of random text.
    const entries = Array.from({ length: 400 }, (_, index) =>
      entry(index, { description: randomBytes(1500).toString('hex') }),
    );
    const limits = { ...SARIF_LIMITS, gzipBytes: 200 * 1024 };
    const text = toSarif(entries, 'assetguard/compliance-gate', limits);
    expect(gzipSync(text, { level: 1 }).length).toBeLessThanOrEqual(limits.gzipBytes);
    const log = parse(text);
    const notes = log.runs[0]?.invocations?.[0]?.toolExecutionNotifications.map(
      (note) => note.message.text,
    );
    expect(notes).toContain(
      "Rule descriptions are shortened to fit GitHub code scanning's file-size limit; evidence.json has them in full.",
    );
    expect(log.runs[0]?.properties).toMatchObject({ 'assetguard/cut': { shortenedTexts: true } });
    expect(sarifErrors(log)).toEqual([]);
    expect(gunzipSync(gzipSync(text)).toString()).toBe(text);
  });

  it('halves the results, most severe kept, when shorter rule texts are not enough', () => {
    const entries = Array.from({ length: 400 }, (_, index) =>
      entry(index, { message: randomBytes(2000).toString('hex') }),
    );
    const limits = { ...SARIF_LIMITS, gzipBytes: 200 * 1024 };
    const text = toSarif(entries, 'c', limits);
    expect(gzipSync(text, { level: 1 }).length).toBeLessThanOrEqual(limits.gzipBytes);
    const log = parse(text);
    const kept = log.runs[0]?.results.length ?? 0;
    expect(kept).toBeLessThan(400);
    expect(kept).toBeGreaterThan(0);
    const severities = new Set(
      log.runs[0]?.results.map((result) => entries[Number(result.ruleId.slice(8))]?.severity),
    );
    expect([...severities].sort()).toEqual(['CRITICAL']);
    expect(log.runs[0]?.invocations?.[0]?.toolExecutionNotifications[0]?.message.text).toMatch(
      new RegExp(`^results\\.sarif holds the ${kept} most severe of 400 results`),
    );
    expect(sarifErrors(log)).toEqual([]);
  });

  it('is byte for byte JSON.stringify of the log it holds, rules and results over many batches', () => {
    const entries = Array.from({ length: 300 }, (_, index) =>
      entry(index % 130, {
        level: index % 3 === 0 ? 'error' : 'note',
        message: `result ${index} "quoted" \u2028 and 😀`,
        ...(index % 2 === 1 && { file: undefined }),
        ...(index % 5 === 0 && { suppressedBecause: `accepted "${index}"` }),
        ...(index % 4 === 0 && { helpUri: 'https://example.com/a|b' }),
      }),
    );
    for (const limits of [SARIF_LIMITS, { ...SARIF_LIMITS, resultsPerRun: 250 }]) {
      const text = toSarif(entries, 'assetguard/compliance-gate', limits);
      const log = parse(text);
      expect(text).toBe(`${JSON.stringify(log)}\n`);
      const [run] = log.runs;
      expect(run?.results).toHaveLength(limits.resultsPerRun === 250 ? 250 : 300);
      // One rule per id among the results kept, over two batches.
      const ids = new Set(run?.results.map((result) => result.ruleId));
      expect(run?.tool.driver.rules.map((rule) => rule.id)).toEqual([...ids]);
      expect(ids.size).toBeGreaterThan(64);
      expect(sarifErrors(log)).toEqual([]);
    }
  });

  it('sarifReport: the bytes of toSarif, under the limit, over it compressed and cut', async () => {
    const read = async (content: AsyncIterable<Uint8Array>): Promise<string> => {
      const parts: Uint8Array[] = [];
      for await (const part of content) parts.push(part);
      return Buffer.concat(parts).toString('utf8');
    };
    // Small; large but compressible (the gzip check runs, off the main thread); incompressible.
    const small = Array.from({ length: 40 }, (_, index) => entry(index, { message: 'é 😀' }));
    // Over 1 MiB (several buffers), with multi-byte characters across their ends.
    const compressible = Array.from({ length: 5_000 }, (_, index) =>
      entry(index, { message: `résultat ${index} 😀` }),
    );
    const incompressible = Array.from({ length: 400 }, (_, index) =>
      entry(index, { message: randomBytes(2000).toString('hex') }),
    );
    const limits = { ...SARIF_LIMITS, gzipBytes: 300 * 1024 };
    const cases = [
      [small, limits],
      [compressible, limits],
      [incompressible, limits],
    ] as const;
    for (const [entries, caseLimits] of cases) {
      const expected = toSarif(entries, 'c', caseLimits);
      expect(await read(sarifReport(entries, 'c', caseLimits))).toBe(expected);
    }
    // The cases are what they claim: the second is over the limit before compression and kept
    // whole; the third is cut.
    expect(Buffer.byteLength(toSarif(compressible, 'c', limits))).toBeGreaterThan(limits.gzipBytes);
    expect(Buffer.byteLength(toSarif(compressible, 'c', limits))).toBeGreaterThan(2 * 1024 * 1024);
    expect(parse(toSarif(compressible, 'c', limits)).runs[0]?.results).toHaveLength(5_000);
    expect(parse(toSarif(incompressible, 'c', limits)).runs[0]?.results.length).toBeLessThan(400);
  });

  it('gives a rule at most 20 tags', () => {
    const tags = Array.from({ length: 30 }, (_, index) => `t${index}`);
    const log = parse(toSarif([entry(1, { tags })], 'c'));
    expect(log.runs[0]?.tool.driver.rules[0]?.properties.tags).toHaveLength(20);
  });
});

describe('rankOrder: the order a run keeps results in', () => {
  it('is blocking first, then severity, then score (highest first), then index', () => {
    const severities: Severity[] = [
      'CRITICAL',
      'HIGH',
      'MEDIUM',
      'LOW',
      'INFORMATIONAL',
      'UNTRIAGED',
    ];
    const scores = [undefined, 0, 2.5, 7.2, 7.25, 9.1, 9.5, 10];
    const levels = ['error', 'warning', 'note'] as const;
    // Deterministic, with many ties on every key.
    const ranks = Array.from({ length: 997 }, (_, index) => ({
      level: levels[(index * 7) % levels.length] ?? 'note',
      severity: severities[(index * 11) % severities.length] ?? 'LOW',
      ...((index * 13) % scores.length !== 0 && { score: scores[(index * 13) % scores.length] }),
    }));
    const source: SarifSource = {
      total: ranks.length,
      rank: (index) => ranks[index] as (typeof ranks)[number],
      entry: () => {
        throw new Error('not needed to rank');
      },
    };
    // The definition, as a comparator (a missing score is its severity's representative one).
    const representative: Record<Severity, number> = {
      CRITICAL: 9.5,
      HIGH: 8.0,
      MEDIUM: 5.5,
      LOW: 2.0,
      INFORMATIONAL: 0.0,
      UNTRIAGED: 5.0,
    };
    const key = (index: number) => {
      const rank = ranks[index] as (typeof ranks)[number];
      return [
        rank.level === 'error' ? 0 : 1,
        severityRank(rank.severity),
        -(rank.score ?? representative[rank.severity]),
        index,
      ];
    };
    const expected = ranks
      .map((_, index) => index)
      .sort((a, b) => {
        const [ka, kb] = [key(a), key(b)];
        for (let at = 0; at < ka.length; at += 1) {
          const difference = (ka[at] as number) - (kb[at] as number);
          if (difference !== 0) return difference;
        }
        return 0;
      });
    expect([...rankOrder(source)]).toEqual(expected);
    // Past what one float key holds exactly, a comparator gives the same order.
    expect([...rankOrder(source, 1000)]).toEqual(expected);
  });
});

describe('SARIF URIs are valid, and help links http(s) only', () => {
  it.each([
    ['javascript:alert(1)', undefined],
    ['data:text/html,<script>alert(1)</script>', undefined],
    ['/relative', undefined],
    [
      'https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
      'https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
    ],
    [
      'https://example.com/a|b^c[d]?q=%zz#f{g}',
      'https://example.com/a%7Cb%5Ec%5Bd%5D?q=%25zz#f%7Bg%7D',
    ],
    ['https://example.com/ü', 'https://example.com/%C3%BC'],
  ])('sarifHelpUri(%j) → %j', (url, expected) => {
    expect(sarifHelpUri(url)).toBe(expected);
  });

  it('writes no helpUri for a javascript: URL, and a valid one for an odd http(s) URL', () => {
    const log = parse(
      toSarif(
        [
          entry(1, { helpUri: 'javascript:alert(1)' }),
          entry(2, { helpUri: 'https://example.com/a|b^c[d]?q=%zz#f{g}' }),
        ],
        'c',
      ),
    );
    const [first, second] = log.runs[0]?.tool.driver.rules ?? [];
    expect(first?.helpUri).toBeUndefined();
    expect(second?.helpUri).toBe('https://example.com/a%7Cb%5Ec%5Bd%5D?q=%25zz#f%7Bg%7D');
    expect(sarifErrors(log)).toEqual([]);
  });

  it('percent-encodes each segment of an artifact path', () => {
    expect(pathUri('policies/my policy#1.yml')).toBe('policies/my%20policy%231.yml');
    const log = parse(toSarif([entry(1, { file: 'policies/my policy#1.yml' })], 'c'));
    expect(log.runs[0]?.results[0]?.locations?.[0]?.physicalLocation.artifactLocation.uri).toBe(
      'policies/my%20policy%231.yml',
    );
    expect(sarifErrors(log)).toEqual([]);
  });
});

describe('sarifLocation: only a file that exists', () => {
  const ACTIONS = {
    GITHUB_REPOSITORY: 'octo/shop',
    GITHUB_WORKFLOW_REF: 'octo/shop/.github/workflows/deploy.yml@refs/heads/main',
    GITHUB_WORKSPACE: '/home/runner/work/shop/shop',
  };

  it('is the policy file the verdict was decided by, repository-relative', () => {
    expect(sarifLocation('.github/assetguard.yml', ACTIONS)).toBe('.github/assetguard.yml');
    expect(sarifLocation('./policies/strict.yml', ACTIONS)).toBe('policies/strict.yml');
    expect(sarifLocation('/home/runner/work/shop/shop/policies/strict.yml', ACTIONS)).toBe(
      'policies/strict.yml',
    );
  });

  it('is the workflow file when the built-in default applied (no policy file exists)', () => {
    expect(sarifLocation('built-in default', ACTIONS)).toBe('.github/workflows/deploy.yml');
    expect(sarifLocation('not loaded', ACTIONS)).toBe('.github/workflows/deploy.yml');
  });

  it('is nothing when there is no file to point at (a local run with the built-in default)', () => {
    expect(sarifLocation('built-in default', { GITHUB_WORKSPACE: '/w' })).toBeUndefined();
    expect(sarifLocation('/etc/policy.yml', { GITHUB_WORKSPACE: '/w' })).toBeUndefined();
    expect(sarifLocation('../outside.yml', { GITHUB_WORKSPACE: '/w' })).toBeUndefined();
    // A workflow of another repository (a reusable workflow's caller is this one; not that).
    expect(
      sarifLocation('built-in default', {
        GITHUB_REPOSITORY: 'octo/shop',
        GITHUB_WORKFLOW_REF: 'octo/other/.github/workflows/x.yml@refs/heads/main',
      }),
    ).toBeUndefined();
  });

  it('writes results without a location as valid SARIF, and says why in the run', () => {
    const log = parse(toSarif([entry(1, { file: undefined })], 'c'));
    expect(log.runs[0]?.results[0]?.locations).toBeUndefined();
    expect(log.runs[0]?.invocations?.[0]?.toolExecutionNotifications[0]?.message.text).toMatch(
      /^1 result\(s\) have no location: no policy file was loaded and no workflow file is known/,
    );
    expect(sarifErrors(log)).toEqual([]);
  });
});
