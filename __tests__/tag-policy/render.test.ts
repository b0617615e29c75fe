import { MAX_SUMMARY_BYTES } from '../../actions/src/core/markdown';
import type { Asset } from '../../actions/src/core/model';
import {
  checkResource,
  coverage,
  DEFAULT_TAG_PARAMETER,
  type TagCheck,
  type TagPolicy,
} from '../../actions/src/core/tag-policy';
import { emptyExceptionReport } from '../../actions/src/core/verdict';
import type { TagVerdict } from '../../actions/src/tag-policy/evaluate';
import {
  renderAuditCsv,
  renderPlan,
  renderTagRun,
  type TagDetails,
} from '../../actions/src/tag-policy/render';

// The daily tag workflow renders AWS's tag values into its plan, summary and CSV: each has to
// stay text, whatever a value holds.
const INJECTED = 'x\n::error::INJECTED\n::stop-commands::tok';
const HOSTILE = 'a|b <script>alert(1)</script> `c` ##[error]d\ne';
const EC2 = 'AWS::EC2::Instance';
const arn = (id: string): string => `arn:aws:ec2:eu-west-1:123456789012:instance/${id}`;

const POLICY: TagPolicy = {
  required: [
    { key: 'Environment', allowed: ['prod', 'dev'] },
    { key: 'Owner', default: 'ops@example.com' },
    { key: 'Service' },
  ],
  derive: [{ tag: 'Service', from: 'tag', sourceTag: 'App' }],
  resourceTypes: [EC2],
  minCoverage: 90,
  overwrite: false,
  parameter: DEFAULT_TAG_PARAMETER,
  groups: [],
};

const ASSETS: Asset[] = [
  { arn: arn('i-inject'), type: EC2, tags: { Environment: INJECTED, App: HOSTILE } },
  { arn: arn('i-hostile'), type: EC2, tags: { Environment: HOSTILE, Owner: '=HYPERLINK("x")' } },
  ...Array.from({ length: 3 }, (_, index) => ({
    arn: arn(`i-${index}`),
    type: EC2,
    tags: { Environment: 'prod', App: 'web' },
  })),
];
const CHECKS: TagCheck[] = ASSETS.map((asset) => checkResource(POLICY, asset));

function verdict(overrides: Partial<TagVerdict> = {}): TagVerdict {
  return {
    verdict: 'pass',
    command: 'tags audit',
    subject: { command: 'audit', execute: false, region: 'eu-west-1' },
    evaluatedAt: '2026-03-02T12:00:00.000Z',
    policy: { origin: '.github/assetguard.yml', sha256: 'a'.repeat(64) },
    counts: { resources: ASSETS.length, changes: 5, coverage: 60 },
    blocking: [],
    excepted: [],
    exceptions: emptyExceptionReport(),
    warnings: [],
    ...overrides,
  };
}

/** Lines a runner reading this text (the CLI's stdout, the action's log) would take as commands. */
function commandLines(text: string): string[] {
  return text.split('\n').filter((line) => /^\s*::/.test(line) || line.includes('##['));
}

/** The cells of a Markdown table row, split on unescaped pipes. */
function cells(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1);
}

/** Every row of every table has as many cells as its header. */
function expectWholeTables(markdown: string): void {
  const lines = markdown.split('\n');
  lines.forEach((line, index) => {
    if (!line.startsWith('|')) return;
    let header = index;
    while (header > 0 && lines[header - 1]?.startsWith('|')) header -= 1;
    expect(cells(line)).toHaveLength(cells(lines[header] ?? '').length);
  });
}

describe('the tag plan', () => {
  const plan = renderPlan(CHECKS);

  it('keeps a tag value with newlines, `|`, <script> and workflow commands inside its cell', () => {
    expect(commandLines(plan)).toEqual([]);
    expect(plan).not.toMatch(/(?<!\\)<script/);
    expectWholeTables(plan);
    expect(plan).toContain('x ::error::INJECTED ::stop-commands::tok');
  });

  it('is one table of tag sets, not one heading per set', () => {
    expect(plan.split('\n').filter((line) => line.startsWith('#'))).toEqual([
      '## Tag plan',
      '### Not fixable by apply — 2 resource(s)',
    ]);
    expect(plan).toContain('| Tags apply sets | Resources | Which |');
    expect(plan).toContain(
      `| \`Owner=ops@example.com\`, \`Service=web\` | 3 | \`${arn('i-0')}\`, \`${arn('i-1')}\`, \`${arn('i-2')}\` |`,
    );
  });
});

describe('renderTagRun: every summary escapes what AWS wrote', () => {
  const audit: TagDetails = {
    command: 'audit',
    checks: CHECKS,
    coverage: coverage(CHECKS),
    minCoverage: 90,
    inventory: { resources: ASSETS, complete: true, warnings: [] },
  };

  it('the audit summary: headings nest (## then ###), tables whole, no workflow command', () => {
    const { summary } = renderTagRun(
      verdict({ warnings: [`skipped ${INJECTED}`] }),
      audit,
      'out/tags',
    );
    const headings = summary.split('\n').filter((line) => line.startsWith('#'));
    expect(headings[0]).toMatch(/^## assetguard tags audit: /);
    expect(headings.slice(1).every((line) => /^###+ /.test(line))).toBe(true);
    expect(headings).toContain('### Plan (what `assetguard tags apply --execute` would change)');
    expect(headings).toContain('#### Not fixable by apply — 2 resource(s)');
    expect(commandLines(summary)).toEqual([]);
    expect(summary).not.toMatch(/(?<!\\)<script/);
    expectWholeTables(summary);
    expect(summary).toContain('- skipped x ::error::INJECTED ::stop-commands::tok');
    expect(summary).toContain(
      'Reports in `out/tags` (verdict.json, tags.json, tags.csv, evidence.json',
    );
  });

  it('tags.csv neutralizes formulas and keeps newlines inside quoted fields', () => {
    const csv = renderAuditCsv(
      CHECKS,
      (id) => ASSETS.find((asset) => asset.arn === id)?.tags ?? {},
    );
    expect(csv).toContain(`${arn('i-hostile')},${EC2},Owner,ok,"'=HYPERLINK(""x"")",`);
    expect(csv).toContain(`"x\n::error::INJECTED\n::stop-commands::tok"`);
  });

  it('a dry-run apply summary', () => {
    const { summary } = renderTagRun(
      verdict({
        command: 'tags apply',
        subject: { command: 'apply', execute: false, region: 'r' },
      }),
      { command: 'apply', checks: CHECKS },
      'out',
    );
    expect(summary).toMatch(
      /^## assetguard tags apply: DRY RUN — 4 resource\(s\) would change\n\n### Tag plan\n/,
    );
    expect(commandLines(summary)).toEqual([]);
    expectWholeTables(summary);
  });

  it('an apply that failed: AWS error messages are escaped, one row each', () => {
    const { summary } = renderTagRun(
      verdict({ command: 'tags apply', subject: { command: 'apply', execute: true, region: 'r' } }),
      {
        command: 'apply',
        checks: CHECKS,
        written: {
          batches: 1,
          result: {
            calls: {
              TagResources: 1,
              native: { CreateTags: 0, GetBucketTagging: 0, PutBucketTagging: 0, TagResource: 0 },
            },
            tagged: [],
            failed: [
              { arn: arn('i-0'), code: 'InvalidParameter', message: `bad ${INJECTED} <img>` },
            ],
            via: {},
            unchanged: [],
          },
        },
      },
      'out',
    );
    expect(summary).toContain(
      `| \`${arn('i-0')}\` | \`InvalidParameter\` bad x ::error::INJECTED ::stop-commands::tok \\<img\\> |`,
    );
    expect(commandLines(summary)).toEqual([]);
  });

  it('a groups dry run says "would be created", never "created"', () => {
    const { summary } = renderTagRun(
      verdict({
        command: 'tags groups',
        subject: { command: 'groups', execute: false, region: 'r' },
      }),
      {
        command: 'groups',
        results: [
          {
            name: 'assetguard-Environment-prod',
            by: 'Environment',
            value: INJECTED,
            action: 'would create',
            executed: false,
          },
        ],
      },
      'out',
    );
    expect(summary).toContain(
      '| `assetguard-Environment-prod` | `Environment=x ::error::INJECTED ::stop-commands::tok` | would be created |',
    );
    expect(summary).not.toMatch(/\| created \|/);
    expect(commandLines(summary)).toEqual([]);
  });

  it('a run that could not decide: the error escaped, one problem per line, no empty backticks', () => {
    const { summary } = renderTagRun(
      verdict({
        verdict: 'error',
        policy: { origin: 'not loaded', sha256: '' },
        error:
          'invalid policy (2 problems):\n  p.yml:3: tags.required: x\n  p.yml:7: exceptions.0.owner: must not be blank',
      }),
      undefined,
      'out',
    );
    expect(summary).toContain(
      '- p.yml:3: tags.required: x\n- p.yml:7: exceptions.0.owner: must not be blank',
    );
    expect(summary).toContain('Policy: not loaded · evaluated');
    expect(summary).not.toContain('``');
  });

  it('a summary stays under the job summary limit whatever the estate holds', () => {
    const many = Array.from({ length: 3000 }, (_, index) =>
      checkResource(POLICY, {
        arn: arn(`i-${index}-${'z'.repeat(200)}`),
        type: EC2,
        tags: { Environment: `${index}${'<'.repeat(250)}`, App: `app${index}` },
      }),
    );
    const { summary } = renderTagRun(
      verdict({ warnings: Array.from({ length: 500 }, () => 'w'.repeat(900)) }),
      { ...audit, checks: many, coverage: coverage(many) },
      'out',
    );
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
  });
});

describe('renderTagRun: the closing line lists only files the run wrote', () => {
  it('a run that failed before deciding names only verdict.json and evidence.json', () => {
    const { summary, files } = renderTagRun(
      verdict({
        verdict: 'error',
        command: 'tags apply',
        subject: { command: 'apply', execute: false, region: 'eu-west-1' },
        error: 'invalid policy (1 problem)',
      }),
      undefined,
      'out/tags',
    );
    expect(files).toEqual({});
    expect(summary).toContain('Reports in `out/tags` (verdict.json, evidence.json).');
    expect(summary).not.toContain('plan.json');
  });
});
