import {
  blockingSection,
  closingSections,
  GATE_REPORT_NAMES,
  errorBlock,
  finishSummary,
  MAX_SUMMARY_BYTES,
  MAX_SUMMARY_ROWS,
  policyLine,
} from '../../actions/src/core/markdown';
import { emptyCounts } from '../../actions/src/core/model';
import type { BlockingEntry, Verdict } from '../../actions/src/core/verdict';

function verdictWith(blocking: number): Verdict<Record<string, never>> {
  return {
    verdict: blocking > 0 ? 'block' : 'pass',
    command: 'scan-gate',
    subject: {},
    evaluatedAt: '2026-11-22T00:00:00.000Z',
    policy: { origin: 'test', sha256: '' },
    counts: emptyCounts(),
    blocking: Array.from({ length: blocking }, (_, index): BlockingEntry => ({
      id: `CVE-2026-${String(index).padStart(4, '0')}`,
      severity: 'HIGH',
      resource: 'web@sha256:0',
      reason: 'HIGH is in image.fail-on',
      title: 'finding',
      packages: [],
      fixAvailable: 'no',
    })),
    excepted: [],
    exceptions: { expired: [], expiringSoon: [], stale: [] },
    warnings: [],
  };
}

describe('blockingSection', () => {
  const row = (entry: BlockingEntry): string[] => [entry.severity, entry.id];

  it('renders nothing when nothing blocks', () => {
    expect(blockingSection(verdictWith(0), '### Blocking', ['Severity', 'Id'], row)).toEqual([]);
  });

  it('renders every row up to the cap, then says how many more are in verdict.json', () => {
    const [title, table, more] = blockingSection(
      verdictWith(MAX_SUMMARY_ROWS + 3),
      '### Blocking',
      ['Severity', 'Id'],
      row,
    );
    expect(title).toBe('### Blocking');
    expect(table?.split('\n')).toHaveLength(MAX_SUMMARY_ROWS + 2); // header and rule lines
    expect(more).toBe('…and 3 more in verdict.json.');
  });
});

describe('closingSections: the policy line', () => {
  it('says "not loaded" without empty backticks when no policy was loaded', () => {
    const verdict = { ...verdictWith(0), verdict: 'error' as const };
    verdict.policy = { origin: 'not loaded', sha256: '' };
    const line = closingSections(verdict, undefined).at(-1) ?? '';
    expect(line).toBe('Policy: not loaded · evaluated 2026-11-22T00:00:00.000Z');
    expect(line).not.toContain('``');
  });

  it('names only the report files the command writes there', () => {
    const verdict = verdictWith(0);
    const common = closingSections(verdict, 'out').at(-1) ?? '';
    expect(common).toContain('(verdict.json, evidence.json; reproduce with');
    expect(common).not.toContain('results.sarif');
    const gate = closingSections(verdict, 'out', GATE_REPORT_NAMES).at(-1) ?? '';
    expect(gate).toContain('(verdict.json, results.sarif, evidence.json; reproduce with');
  });

  it('names the built-in default as such, and a file as code', () => {
    const builtIn = verdictWith(0);
    builtIn.policy = { origin: 'built-in default', sha256: 'a'.repeat(64) };
    expect(policyLine(builtIn.policy, builtIn.evaluatedAt)).toMatch(
      /^Policy: the built-in default \(sha256 `aaaaaaaaaaaa`\)/,
    );
    expect(policyLine({ origin: 'p`a|th.yml', sha256: 'b'.repeat(64) }, 'x')).toMatch(
      /^Policy: ``p`a\\\|th\.yml`` \(sha256 `bbbbbbbbbbbb`\)/,
    );
  });

  it('escapes exceptions and warnings, which carry the policy author’s and AWS’s text', () => {
    const verdict = verdictWith(0);
    verdict.excepted = [
      {
        id: '<img src=x onerror=alert(3)>',
        severity: 'HIGH',
        resource: 'r',
        exception: {
          id: '<img src=x onerror=alert(3)>',
          reason: 'a|b\n::error::INJECTED',
          owner: '<script>x</script>',
          expires: '2026-12-31',
        },
      },
    ];
    verdict.warnings = ['rule\n::error::INJECTED', '<b>bold</b> | pipe'];
    const text = closingSections(verdict, 'out\n::warning::dir').join('\n\n');
    expect(text).not.toMatch(/(?<!\\)</);
    expect(text.split('\n').filter((line) => /^\s*::/.test(line))).toEqual([]);
    // Each table row keeps its five cells: no unescaped | in the values.
    const row = text.split('\n').find((line) => line.startsWith('| HIGH'));
    expect(row?.split(/(?<!\\)\|/).length).toBe(7);
  });
});

describe('errorBlock: several problems, one per line', () => {
  it('keeps the first line as a paragraph and lists the rest, each escaped', () => {
    const message =
      'invalid policy (2 problems):\n  policy.yml:3: image.fail-on.0: must be one of CRITICAL\n  policy.yml:9: exceptions.0.reason: must not be blank';
    expect(errorBlock(message)).toBe(
      [
        'invalid policy (2 problems):',
        '',
        '- policy.yml:3: image.fail-on.0: must be one of CRITICAL',
        '- policy.yml:9: exceptions.0.reason: must not be blank',
      ].join('\n'),
    );
  });

  it('is one escaped line for a one-line error', () => {
    expect(errorBlock('::error::from AWS <b>')).toBe('\\::error::from AWS \\<b\\>');
  });
});

describe('finishSummary: bounded, and no line a workflow command', () => {
  it('escapes a leading :: and breaks ##[ on every line', () => {
    const text = finishSummary(['::error::x', 'a ##[warning]b', '  ::debug::y'], 'verdict.json');
    expect(text).toBe('\\::error::x\n\na ##\u200b[warning]b\n\n  \\::debug::y\n');
  });

  it('cuts a summary over MAX_SUMMARY_BYTES at a line, saying what was cut and where it all is', () => {
    const rows = Array.from(
      { length: 20_000 },
      (_, index) => `| row ${index} | ${'x'.repeat(60)} |`,
    );
    const text = finishSummary(['## title', rows.join('\n')], 'verdict.json in `out`');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(text.startsWith('## title\n\n| row 0 |')).toBe(true);
    expect(text).toMatch(
      /\n\n\*\*This summary was cut at 512 KiB of \d+ KiB\*\* \(GitHub shows at most 1 MiB per step\): verdict\.json in `out` has everything\.\n$/,
    );
    // The last row kept is whole.
    const beforeNote = text.slice(0, text.indexOf('\n\n**This summary'));
    expect(beforeNote.split('\n').at(-1)).toMatch(/^\| row \d+ \| x{60} \|$/);
  });

  it('leaves a summary under the limit as it is', () => {
    expect(finishSummary(['a', 'b'], 'x')).toBe('a\n\nb\n');
  });
});
