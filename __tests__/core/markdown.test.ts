import { blockingSection, cell, MAX_SUMMARY_ROWS } from '../../actions/src/core/markdown';
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

describe('cell', () => {
  it.each([
    ['a|b', 'a\\|b'],
    ['line\nbreak', 'line break'],
    ['', '–'],
    [undefined, '–'],
  ])('escapes %j for a table cell', (input, expected) => {
    expect(cell(input)).toBe(expected);
  });
});
