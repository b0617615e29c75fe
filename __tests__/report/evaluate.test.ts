import type { Severity } from '../../actions/src/core/model';
import { evaluateReport } from '../../actions/src/report/evaluate';
import {
  NO_OWNER,
  REPORT_STATE_SCHEMA,
  type FixedItem,
  type OpenRecord,
  type ReportState,
  type TrendPoint,
} from '../../actions/src/report/model';
import { parseState } from '../../actions/src/report/state';
import {
  asset,
  cce,
  collected,
  cve,
  digestOf,
  reportPolicy,
  rule,
} from '../fixtures/report-collected';

const NOW = new Date('2026-03-02T12:00:00.000Z');
const DAY_MS = 86_400_000;

function daysAgo(days: number): string {
  return new Date(NOW.getTime() - days * DAY_MS).toISOString();
}

function zeroOpen(): Record<Severity, number> {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNTRIAGED: 0 };
}

function point(date: string, parts: Partial<TrendPoint> = {}): TrendPoint {
  return { date, open: zeroOpen(), new: 0, fixed: 0, overdue: 0, ...parts };
}

function record(parts: Partial<OpenRecord> & { id: string }): OpenRecord {
  return {
    kind: 'cve',
    severity: 'HIGH',
    resource: `arn:aws:ecr:eu-west-1:123456789012:repository/web/${digestOf('a')}`,
    firstSeen: daysAgo(5),
    ...parts,
  };
}

function state(parts: Partial<ReportState> = {}): ReportState {
  return {
    schema: REPORT_STATE_SCHEMA,
    title: 'assetguard daily security report',
    generatedAt: daysAgo(1),
    open: {},
    fixed: [],
    trend: [],
    ...parts,
  };
}

const DEFAULT_POLICY = reportPolicy();

describe('evaluateReport: comparing with yesterday', () => {
  const a = cve({ id: 'CVE-2024-0001', firstSeen: daysAgo(3) });
  const b = cve({ id: 'CVE-2024-0002', firstSeen: daysAgo(2) });
  const c = cce({ rule: 's3-bucket-public-read-prohibited', resource: 'arn:aws:s3:::logs' });

  it('a first run has no previous time, nothing new and nothing fixed', () => {
    const { report, state: next } = evaluateReport({
      collected: collected({ findings: [a, c] }),
      previous: undefined,
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(report.previousAt).toBeUndefined();
    expect('previousAt' in report).toBe(false);
    expect(report.open.map((item) => item.isNew)).toEqual([false, false]);
    expect(report.fixed).toEqual([]);
    expect(report.counts).toMatchObject({ new: 0, fixed: 0, overdue: 0, excepted: 0 });
    expect(report.counts.cve.total).toBe(1);
    expect(report.counts.cce.total).toBe(1);
    expect(report.counts.open).toMatchObject({ HIGH: 1, MEDIUM: 1, total: 2 });
    expect(report.trend).toEqual([
      point('2026-03-02', { open: { ...zeroOpen(), HIGH: 1, MEDIUM: 1 } }),
    ]);
    expect(Object.keys(next.open).sort()).toEqual([a.key, c.key].sort());
    expect(next.schema).toBe(REPORT_STATE_SCHEMA);
    expect(next.generatedAt).toBe(NOW.toISOString());
  });

  it('the next day tells new, fixed and still open apart', () => {
    const previous = state({
      open: {
        [a.key]: record({ id: 'CVE-2024-0001', firstSeen: daysAgo(3), title: 'old title' }),
        gone: record({
          id: 'CVE-2023-9999',
          severity: 'CRITICAL',
          firstSeen: daysAgo(9),
          owner: 'team-a@example.com',
          title: 'CVE-2023-9999 - zlib',
        }),
      },
    });
    const { report, state: next } = evaluateReport({
      collected: collected({ findings: [a, b] }),
      previous,
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(report.previousAt).toBe(previous.generatedAt);
    expect(Object.fromEntries(report.open.map((item) => [item.key, item.isNew]))).toEqual({
      [a.key]: false,
      [b.key]: true,
    });
    expect(report.fixed).toEqual<FixedItem[]>([
      {
        key: 'gone',
        kind: 'cve',
        id: 'CVE-2023-9999',
        title: 'CVE-2023-9999 - zlib',
        severity: 'CRITICAL',
        resource: previous.open.gone!.resource,
        owner: 'team-a@example.com',
        firstSeen: daysAgo(9),
        fixedAt: NOW.toISOString(),
        daysToFix: 9,
      },
    ]);
    expect(report.counts).toMatchObject({ new: 1, fixed: 1 });
    expect(next.open.gone).toBeUndefined();
    expect(next.fixed.map((item) => item.key)).toEqual(['gone']);
    expect(report.trend.at(-1)).toMatchObject({ new: 1, fixed: 1 });
  });

  it.each<[string, string | undefined, string | undefined, string]>([
    ['the state saw it before the source', daysAgo(1), daysAgo(20), daysAgo(20)],
    ['the source saw it before the state', daysAgo(20), daysAgo(1), daysAgo(20)],
    ['only the source knows', daysAgo(4), undefined, daysAgo(4)],
    ['only the state knows', undefined, daysAgo(6), daysAgo(6)],
    ['neither knows: it is first seen now', undefined, undefined, NOW.toISOString()],
  ])('firstSeen when %s', (_name, source, remembered, expected) => {
    const item = cve({ id: 'CVE-2024-0003', ...(source !== undefined && { firstSeen: source }) });
    const previous =
      remembered === undefined
        ? undefined
        : state({ open: { [item.key]: record({ id: 'CVE-2024-0003', firstSeen: remembered }) } });
    const { report, state: next } = evaluateReport({
      collected: collected({ findings: [item] }),
      previous,
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(report.open[0]!.firstSeen).toBe(expected);
    expect(next.open[item.key]!.firstSeen).toBe(expected);
  });
});

describe('evaluateReport: age against the SLA', () => {
  it.each<[string, Severity, number, { ageDays: number; dueInDays: number; overdue: boolean }]>([
    [
      'a HIGH finding exactly 30 days old is due today',
      'HIGH',
      30,
      { ageDays: 30, dueInDays: 0, overdue: false },
    ],
    [
      'a HIGH finding 31 days old is overdue',
      'HIGH',
      31,
      { ageDays: 31, dueInDays: -1, overdue: true },
    ],
    [
      'a HIGH finding 29.9 days old counts 29 whole days',
      'HIGH',
      29.9,
      { ageDays: 29, dueInDays: 1, overdue: false },
    ],
    [
      'a CRITICAL finding 15 days old is due today',
      'CRITICAL',
      15,
      { ageDays: 15, dueInDays: 0, overdue: false },
    ],
    [
      'a CRITICAL finding 16 days old is overdue',
      'CRITICAL',
      16,
      { ageDays: 16, dueInDays: -1, overdue: true },
    ],
    [
      'a LOW finding 100 days old has 80 left',
      'LOW',
      100,
      { ageDays: 100, dueInDays: 80, overdue: false },
    ],
    [
      'a finding first seen after now is 0 days old',
      'MEDIUM',
      -2,
      { ageDays: 0, dueInDays: 90, overdue: false },
    ],
  ])('%s (default report.sla-days)', (_name, severity, age, expected) => {
    const { report } = evaluateReport({
      collected: collected({
        findings: [cve({ id: 'CVE-2024-0004', severity, firstSeen: daysAgo(age) })],
      }),
      previous: undefined,
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(report.open[0]).toMatchObject(expected);
    expect(report.counts.overdue).toBe(expected.overdue ? 1 : 0);
  });

  it.each<[number, boolean]>([
    [7, false],
    [8, true],
  ])(
    'report.sla-days from the policy: CRITICAL at 7 days, %i days old overdue=%s',
    (age, overdue) => {
      const { report } = evaluateReport({
        collected: collected({
          findings: [cve({ id: 'CVE-2024-0005', severity: 'CRITICAL', firstSeen: daysAgo(age) })],
        }),
        previous: undefined,
        policy: reportPolicy('report:', '  sla-days: { CRITICAL: 7 }'),
        now: NOW,
      });
      expect(report.open[0]).toMatchObject({ slaDays: 7, dueInDays: 7 - age, overdue });
    },
  );
});

describe('evaluateReport: trend and MTTR over 30 days', () => {
  it('drops trend points dated after today, and says so', () => {
    const { report } = evaluateReport({
      collected: collected({ findings: [cve({ id: 'CVE-2024-0007' })] }),
      previous: state({ trend: [point('2027-06-01', { new: 3 })] }),
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(report.trend.map((entry) => entry.date)).toEqual(['2026-03-02']);
    expect(report.warnings).toContain(
      "the state's trend had 1 point(s) dated after today (2027-06-01), dropped: a clock was wrong when they were written",
    );
  });

  it('keeps the last 30 UTC days; a re-run replaces the day’s point, adding its new and fixed', () => {
    const previousTrend: TrendPoint[] = [];
    // 2026-01-31 .. 2026-03-02: 31 dates, the last one today's from an earlier run.
    for (let back = 30; back >= 0; back -= 1) {
      previousTrend.push(point(daysAgo(back).slice(0, 10), { new: 100 + back, overdue: 7 }));
    }
    const { report, state: next } = evaluateReport({
      collected: collected({ findings: [cve({ id: 'CVE-2024-0006' })] }),
      previous: state({ trend: previousTrend }),
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(report.trend).toHaveLength(30);
    expect(report.trend[0]!.date).toBe('2026-02-01');
    // An earlier run today saw 100 new (its point); this one 1 more: the day saw 101.
    expect(report.trend.at(-1)).toEqual(
      point('2026-03-02', { open: { ...zeroOpen(), HIGH: 1 }, new: 101 }),
    );
    expect(report.trend.filter((entry) => entry.date === '2026-03-02')).toHaveLength(1);
    expect(report.trend[28]).toEqual(previousTrend[29]);
    expect(next.trend).toEqual(report.trend);
  });

  it('averages days to fix over the fixes of the last 30 days, today included', () => {
    const fix = (
      key: string,
      severity: Severity,
      fixedDaysAgo: number,
      daysToFix: number,
    ): FixedItem => ({
      key,
      kind: 'cve',
      id: key,
      severity,
      resource: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-1',
      firstSeen: daysAgo(fixedDaysAgo + daysToFix),
      fixedAt: daysAgo(fixedDaysAgo),
      daysToFix,
    });
    const previous = state({
      open: { today: record({ id: 'CVE-2024-0100', severity: 'CRITICAL', firstSeen: daysAgo(6) }) },
      fixed: [
        fix('ten-days-ago', 'HIGH', 10, 4),
        fix('last-month', 'HIGH', 31, 100),
        fix('yesterday', 'HIGH', 1, 2),
      ],
    });
    const { report, state: next } = evaluateReport({
      collected: collected(),
      previous,
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    // (4 + 2 + 6) / 3 = 4; HIGH (4 + 2) / 2 = 3; CRITICAL 6.
    expect(report.mttrDays).toEqual({ overall: 4, bySeverity: { HIGH: 3, CRITICAL: 6 } });
    expect(next.fixed.map((item) => item.key)).toEqual(['ten-days-ago', 'yesterday', 'today']);
    expect(report.fixed.map((item) => item.key)).toEqual(['today']);
  });

  it('has no MTTR without fixes', () => {
    const { report } = evaluateReport({
      collected: collected(),
      previous: state(),
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(report.mttrDays).toEqual({ bySeverity: {} });
  });

  it('measures compliance over rule/resource pairs and orders failing rules first', () => {
    const { report } = evaluateReport({
      collected: collected({
        rules: [
          rule('encrypted-volumes', 9, 0),
          rule('restricted-ssh', 1, 2, 'HIGH'),
          rule('s3-bucket-ssl-requests-only', 0, 2, 'CRITICAL'),
        ],
      }),
      previous: undefined,
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(report.rules.map((entry) => entry.rule)).toEqual([
      's3-bucket-ssl-requests-only',
      'restricted-ssh',
      'encrypted-volumes',
    ]);
    expect(report.trend[0]!.compliancePercent).toBe(71.4);
  });

  it('leaves compliance out of the trend when no rule was evaluated', () => {
    const { report } = evaluateReport({
      collected: collected(),
      previous: undefined,
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(report.trend[0]).not.toHaveProperty('compliancePercent');
    expect(report.trend[0]).not.toHaveProperty('tagCoveragePercent');
    expect(report.tags).toBeUndefined();
  });
});

describe('evaluateReport: policy exceptions', () => {
  const exception = (id: string, expires: string, extra = ''): string[] => [
    `  - id: ${id}`,
    '    reason: not reachable',
    '    owner: sec@example.com',
    `    expires: ${expires}`,
    ...(extra ? [`    ${extra}`] : []),
  ];

  it.each<[string, string, number | undefined]>([
    ['expires in 13 days', '2026-03-15', 13],
    ['expires today (through the end of the UTC day)', '2026-03-02', 0],
    ['expires in 14 days: not yet', '2026-03-16', undefined],
    ['expired yesterday', '2026-03-01', undefined],
  ])('an exception that %s', (_name, expires, daysLeft) => {
    const { report } = evaluateReport({
      collected: collected(),
      previous: undefined,
      policy: reportPolicy('exceptions:', ...exception('CVE-2024-0200', expires)),
      now: NOW,
    });
    expect(report.expiringExceptions).toEqual(
      daysLeft === undefined
        ? []
        : [
            {
              id: 'CVE-2024-0200',
              owner: 'sec@example.com',
              reason: 'not reachable',
              expires,
              daysLeft,
            },
          ],
    );
  });

  it('leaves out findings an unexpired exception covers, and neither fixes nor remembers them', () => {
    const covered = cve({ id: 'CVE-2024-0300', repository: 'web' });
    const otherRepository = cve({ id: 'CVE-2024-0300', repository: 'api', image: 'b' });
    const expiredOnly = cce({ rule: 'restricted-ssh', resource: 'sg-1', severity: 'HIGH' });
    const previous = state({
      open: { [covered.key]: record({ id: 'CVE-2024-0300', firstSeen: daysAgo(40) }) },
    });
    const { report, state: next } = evaluateReport({
      collected: collected({ findings: [covered, otherRepository, expiredOnly] }),
      previous,
      policy: reportPolicy(
        'exceptions:',
        ...exception('CVE-2024-0300', '2026-12-31', 'scope: { repository: web }'),
        ...exception('restricted-ssh', '2026-02-28'),
      ),
      now: NOW,
    });
    expect(report.open.map((item) => item.key).sort()).toEqual(
      [otherRepository.key, expiredOnly.key].sort(),
    );
    expect(report.counts.excepted).toBe(1);
    expect(report.fixed).toEqual([]);
    expect(next.open[covered.key]).toBeUndefined();
    expect(report.warnings).toEqual([
      'exception restricted-ssh (owner sec@example.com) expired on 2026-02-28 and no longer applies — it would cover 1 finding(s) here',
    ]);
  });
});

describe('evaluateReport: order, owners, images and tags', () => {
  it('sorts open findings by severity, running images first, then oldest, then key', () => {
    const findings = [
      cve({ id: 'CVE-H-IDLE', image: '1', use: { inUseCount: 0 }, firstSeen: daysAgo(50) }),
      cve({ id: 'CVE-H-UNKNOWN', image: '2', firstSeen: daysAgo(50) }),
      cve({ id: 'CVE-H-RUNNING-NEW', image: '3', use: { inUseCount: 2 }, firstSeen: daysAgo(1) }),
      cve({ id: 'CVE-H-RUNNING-OLD', image: '3', use: { inUseCount: 2 }, firstSeen: daysAgo(9) }),
      cve({ id: 'CVE-C-IDLE', severity: 'CRITICAL', image: '1', use: { inUseCount: 0 } }),
      cve({ id: 'CVE-L', severity: 'LOW', key: 'k-b', firstSeen: daysAgo(3) }),
      cve({ id: 'CVE-L', severity: 'LOW', key: 'k-a', firstSeen: daysAgo(3) }),
    ];
    const { report } = evaluateReport({
      collected: collected({ findings: [...findings].reverse() }),
      previous: undefined,
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(
      report.open.map((item) => (item.key.startsWith('k-') ? item.key : item.finding.id)),
    ).toEqual([
      'CVE-C-IDLE',
      'CVE-H-RUNNING-OLD',
      'CVE-H-RUNNING-NEW',
      'CVE-H-UNKNOWN',
      'CVE-H-IDLE',
      'k-a',
      'k-b',
    ]);
  });

  it('groups open findings per owner, the most overdue first', () => {
    const { report } = evaluateReport({
      collected: collected({
        findings: [
          cve({ id: 'CVE-1', severity: 'CRITICAL', owner: 'web@example.com' }),
          cve({ id: 'CVE-2', owner: 'api@example.com', firstSeen: daysAgo(40) }),
          cve({ id: 'CVE-3', owner: 'api@example.com' }),
          cce({ rule: 'restricted-ssh', resource: 'sg-1', firstSeen: daysAgo(100) }),
          cce({ rule: 'restricted-rdp', resource: 'sg-2', firstSeen: daysAgo(100) }),
        ],
      }),
      previous: undefined,
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(
      report.owners.map(({ owner, open, overdue, counts }) => ({
        owner,
        open,
        overdue,
        critical: counts.CRITICAL,
        high: counts.HIGH,
      })),
    ).toEqual([
      { owner: NO_OWNER, open: 2, overdue: 2, critical: 0, high: 0 },
      { owner: 'api@example.com', open: 2, overdue: 1, critical: 0, high: 2 },
      { owner: 'web@example.com', open: 1, overdue: 0, critical: 1, high: 0 },
    ]);
  });

  it('lists images with open CVEs by repository and digest, running ones first', () => {
    const { report } = evaluateReport({
      collected: collected({
        findings: [
          cve({
            id: 'CVE-1',
            severity: 'CRITICAL',
            repository: 'batch',
            image: 'b',
            use: { inUseCount: 0 },
          }),
          cve({
            id: 'CVE-2',
            severity: 'CRITICAL',
            repository: 'batch',
            image: 'b',
            use: { inUseCount: 0 },
          }),
          cve({
            id: 'CVE-3',
            severity: 'HIGH',
            repository: 'web',
            image: 'c',
            use: { inUseCount: 3, lastInUse: daysAgo(0) },
          }),
          cve({
            id: 'CVE-4',
            severity: 'HIGH',
            repository: 'api',
            image: 'd',
            use: { inUseCount: 1 },
          }),
          cve({
            id: 'CVE-5',
            severity: 'CRITICAL',
            repository: 'api',
            image: 'd',
            use: { inUseCount: 1 },
          }),
          cve({ id: 'CVE-6', severity: 'CRITICAL', repository: 'tools', image: 'e' }),
          cve({ id: 'CVE-7', severity: 'CRITICAL', resourceType: 'AWS_EC2_INSTANCE' }),
          cce({
            rule: 'ecr-private-image-scanning-enabled',
            resource: 'web',
            severity: 'CRITICAL',
          }),
        ],
      }),
      previous: undefined,
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(
      report.images.map(({ repository, digest, use, counts }) => [
        repository,
        digest,
        use?.inUseCount,
        counts.CRITICAL,
        counts.HIGH,
        counts.total,
      ]),
    ).toEqual([
      ['api', digestOf('d'), 1, 1, 1, 2],
      ['web', digestOf('c'), 3, 0, 1, 1],
      ['batch', digestOf('b'), 0, 2, 0, 2],
      ['tools', digestOf('e'), undefined, 1, 0, 1],
    ]);
  });

  it('measures tag coverage per resource type with the tag policy, and names never-tagged resources', () => {
    const policy = reportPolicy(
      'tags:',
      '  required:',
      '    Environment: { allowed: [prod, dev] }',
      '    Owner: { resource-types: [AWS::S3::Bucket] }',
    );
    const { report } = evaluateReport({
      collected: collected({
        assets: [
          asset('AWS::EC2::Instance', 'instance/i-1', { Environment: 'prod' }),
          asset('AWS::EC2::Instance', 'instance/i-2', { Environment: 'qa' }),
          asset('AWS::EC2::Instance', 'instance/i-3', {}),
          asset('AWS::S3::Bucket', 'logs', { Environment: 'dev', Owner: 'ops' }),
          asset('AWS::S3::Bucket', 'data', { Environment: 'dev' }),
          asset('AWS::S3::Bucket', 'assets', {}),
          asset('AWS::S3::Bucket', 'web', { Environment: 'prod', Owner: 'web' }),
        ],
      }),
      previous: undefined,
      policy,
      now: NOW,
    });
    expect(report.tags).toEqual({
      total: 7,
      compliant: 3,
      byType: [
        { type: 'AWS::EC2::Instance', total: 3, compliant: 1, untagged: 1 },
        { type: 'AWS::S3::Bucket', total: 4, compliant: 2, untagged: 1 },
      ],
      neverTagged: [
        'arn:aws:ec2:eu-west-1:123456789012:instance/i-3',
        'arn:aws:s3:eu-west-1:123456789012:assets',
      ],
    });
    expect(report.trend[0]!.tagCoveragePercent).toBe(42.9);
  });
});

describe('evaluateReport: the state it leaves', () => {
  const input = {
    collected: collected({
      findings: [
        cve({ id: 'CVE-2024-0400', owner: 'web@example.com', use: { inUseCount: 1 } }),
        cce({ rule: 'restricted-ssh', resource: 'sg-1' }),
      ],
      rules: [rule('restricted-ssh', 3, 1)],
    }),
    previous: state({ open: { gone: record({ id: 'CVE-2023-0001' }) } }),
    policy: DEFAULT_POLICY,
    now: NOW,
  };

  it('is valid under the state schema and holds only the minimal records', () => {
    const { state: next } = evaluateReport(input);
    expect(parseState(JSON.stringify(next), 'test')).toEqual(next);
    const web = Object.values(next.open).find((entry) => entry.id === 'CVE-2024-0400');
    expect(web).toEqual({
      kind: 'cve',
      id: 'CVE-2024-0400',
      severity: 'HIGH',
      resource: input.collected.findings[0]!.finding.resource.id,
      firstSeen: NOW.toISOString(),
      title: 'CVE-2024-0400 - openssl',
      owner: 'web@example.com',
    });
  });

  it('is the same for the same inputs, whatever the order findings were collected in', () => {
    const first = evaluateReport(input);
    const reordered = evaluateReport({
      ...input,
      collected: { ...input.collected, findings: [...input.collected.findings].reverse() },
    });
    expect(JSON.stringify(reordered)).toBe(JSON.stringify(first));
  });

  it('counts a finding collected twice under one key once, and says so', () => {
    const twice = cve({ id: 'CVE-2024-0500' });
    const { report } = evaluateReport({
      collected: collected({ findings: [twice, twice] }),
      previous: undefined,
      policy: DEFAULT_POLICY,
      now: NOW,
    });
    expect(report.open).toHaveLength(1);
    expect(report.warnings).toEqual([
      '1 finding(s) were collected twice under the same key and counted once',
    ]);
  });
});
