import { loadedFromText } from '../../actions/src/core/policy';
import type { Severity } from '../../actions/src/core/model';
import {
  evaluateFleet,
  type FleetAccount,
  type FleetHost,
  type FleetImport,
} from '../../actions/src/fleet-check/evaluate';
import type { CheckStatus, HostCheckResult } from '../../actions/src/sources/host-check';

// The fleet check's decision, table-driven and pure: hosts, accounts, import outcome, policy
// and now in; a verdict out. No AWS, no clock, no mocks.

const NOW = new Date('2026-05-04T08:00:00Z');
const REGION = 'ap-northeast-2';
const A = '771000000011';
const B = '771000000012';

function result(
  check: string,
  severity: Severity,
  status: CheckStatus,
  detail = 'detail',
): HostCheckResult {
  return { check, title: `${check} title`, severity, status, detail };
}

function host(
  account: string,
  instanceId: string,
  results: HostCheckResult[],
  problems: string[] = [],
): FleetHost {
  return {
    resource: {
      id: `arn:aws:ec2:${REGION}:${account}:instance/${instanceId}`,
      type: 'AWS::EC2::Instance',
      region: REGION,
      accountId: account,
    },
    instanceId,
    hostname: `${instanceId}.internal`,
    results,
    problems,
  };
}

const checked = (accountId: string, instances = 1): FleetAccount => ({
  accountId,
  region: REGION,
  status: 'checked',
  commandId: '6a0f4d4e-0000-4000-8000-000000000001',
  instances,
});

const POLICY = loadedFromText('version: 1\nexceptions: []\n', '.github/assetguard.yml');
const WITH_EXCEPTIONS = loadedFromText(
  [
    'version: 1',
    'exceptions:',
    '  - id: U-01',
    '    scope: { resource: i-00000000000000001 }',
    '    reason: bastion, root login by key for the break-glass procedure',
    '    owner: ops@example.com',
    '    expires: 2026-12-31',
    '  - id: U-04',
    '    scope: { resource: i-00000000000000002 }',
    '    reason: appliance without a readable shadow',
    '    owner: ops@example.com',
    '    expires: 2026-12-31',
    '  - id: CVE-2024-0001',
    '    reason: an image exception, not the fleet check’s',
    '    owner: sec@example.com',
    '    expires: 2026-12-31',
    '',
  ].join('\n'),
  '.github/assetguard.yml',
);

function evaluate(parts: {
  hosts: FleetHost[];
  accounts?: FleetAccount[];
  securityHub?: FleetImport[];
  failOn?: Severity;
  policy?: typeof POLICY;
}) {
  return evaluateFleet({
    hosts: parts.hosts,
    accounts: parts.accounts ?? [checked(A, parts.hosts.length)],
    ...(parts.securityHub !== undefined && { securityHub: parts.securityHub }),
    subject: {
      mode: 'run-command',
      targets: ['Fleet=kisa'],
      region: REGION,
      script: { sha256: 'ab'.repeat(32), bytes: 33_000 },
    },
    failOn: parts.failOn,
    policy: parts.policy ?? POLICY,
    now: NOW,
  });
}

describe('evaluateFleet', () => {
  it.each([
    {
      name: 'passes when nothing fails',
      hosts: [
        host(A, 'i-00000000000000001', [
          result('U-01', 'HIGH', 'PASS'),
          result('RES-CPU', 'MEDIUM', 'PASS'),
        ]),
      ],
      failOn: 'HIGH' as const,
      verdict: 'pass',
      blocking: [],
      total: 0,
    },
    {
      name: 'passes when only checks below fail-on fail, counting them',
      hosts: [
        host(A, 'i-00000000000000001', [
          result('U-01', 'HIGH', 'PASS'),
          result('RES-DISK', 'MEDIUM', 'FAIL'),
        ]),
      ],
      failOn: 'HIGH' as const,
      verdict: 'pass',
      blocking: [],
      total: 1,
    },
    {
      name: 'blocks on a FAIL at fail-on',
      hosts: [
        host(A, 'i-00000000000000001', [result('U-01', 'HIGH', 'FAIL', 'PermitRootLogin yes')]),
      ],
      failOn: 'HIGH' as const,
      verdict: 'block',
      blocking: ['U-01'],
      total: 1,
    },
    {
      name: 'blocks on a FAIL above fail-on (MEDIUM blocks HIGH and CRITICAL too)',
      hosts: [
        host(A, 'i-00000000000000001', [
          result('U-01', 'HIGH', 'FAIL'),
          result('RES-ZOMBIE', 'LOW', 'FAIL'),
        ]),
      ],
      failOn: 'MEDIUM' as const,
      verdict: 'block',
      blocking: ['U-01'],
      total: 2,
    },
    {
      name: 'never blocks with fail-on none, and says so',
      hosts: [host(A, 'i-00000000000000001', [result('U-01', 'HIGH', 'FAIL')])],
      failOn: undefined,
      verdict: 'pass',
      blocking: [],
      total: 1,
    },
  ])('$name', ({ hosts, failOn, verdict, blocking, total }) => {
    const decided = evaluate({ hosts, ...(failOn !== undefined && { failOn }) });
    expect(decided.verdict).toBe(verdict);
    expect(decided.blocking.map((entry) => entry.id)).toEqual(blocking);
    expect(decided.counts.total).toBe(total);
    expect(decided.counts.hosts).toBe(1);
    expect(decided.counts.unchecked).toBe(0);
    expect(decided.error).toBeUndefined();
    if (failOn === undefined) {
      expect(decided.warnings[0]).toBe(
        'fail-on is none: failing checks are reported and never block (a check that could not run still stops the run)',
      );
      expect(decided.subject.failOn).toBe('none');
    }
  });

  it('blocking entries name the host resource, the check and the script’s detail', () => {
    const decided = evaluate({
      hosts: [
        host(A, 'i-00000000000000001', [
          result('U-44', 'HIGH', 'FAIL', 'accounts with UID 0 besides root: toor'),
        ]),
      ],
      failOn: 'HIGH',
    });
    expect(decided.blocking).toEqual([
      expect.objectContaining({
        id: 'U-44',
        severity: 'HIGH',
        resource: `arn:aws:ec2:${REGION}:${A}:instance/i-00000000000000001`,
        reason: 'accounts with UID 0 besides root: toor',
        title: 'U-44 title',
      }),
    ]);
  });

  describe('fails closed when something could not be checked, still reporting what was read', () => {
    it.each([
      {
        name: 'a host whose output was missing',
        hosts: [
          host(A, 'i-00000000000000001', [result('U-01', 'HIGH', 'FAIL')]),
          host(
            A,
            'i-00000000000000002',
            [],
            ['Run Command says Success but s3://b/k does not exist'],
          ),
        ],
        accounts: [checked(A, 2)],
        securityHub: undefined,
        problem: `i-00000000000000002 (i-00000000000000002.internal) in ${A}: Run Command says Success but s3://b/k does not exist`,
        unchecked: 1,
      },
      {
        name: 'an account that could not be reached',
        hosts: [host(A, 'i-00000000000000001', [result('U-01', 'HIGH', 'FAIL')])],
        accounts: [
          checked(A),
          {
            accountId: B,
            region: REGION,
            status: 'unreachable' as const,
            instances: 0,
            problem:
              'could not assume arn:aws:iam::771000000012:role/assetguard-fleet-check: AccessDenied',
          },
        ],
        securityHub: undefined,
        problem:
          'account 771000000012: could not assume arn:aws:iam::771000000012:role/assetguard-fleet-check: AccessDenied',
        unchecked: 1,
      },
      {
        name: 'an ERROR line at or above fail-on',
        hosts: [
          host(A, 'i-00000000000000001', [
            result('U-01', 'HIGH', 'FAIL'),
            result('U-04', 'HIGH', 'ERROR', 'cannot read /etc/shadow (run as root)'),
          ]),
        ],
        accounts: [checked(A)],
        securityHub: undefined,
        problem: `i-00000000000000001 (i-00000000000000001.internal) in ${A}: U-04 could not be checked: cannot read /etc/shadow (run as root)`,
        unchecked: 0,
      },
      {
        name: 'a finding Security Hub refused',
        hosts: [host(A, 'i-00000000000000001', [result('U-01', 'HIGH', 'FAIL')])],
        accounts: [checked(A)],
        securityHub: [
          {
            accountId: A,
            region: REGION,
            imported: 0,
            archived: 0,
            refused: [{ id: 'x/U-01', code: 'InvalidInput', message: 'Title too long' }],
          },
        ],
        problem: `Security Hub in ${A} refused 1 finding(s): x/U-01: InvalidInput Title too long`,
        unchecked: 0,
      },
      {
        name: 'an import that failed as a whole',
        hosts: [host(A, 'i-00000000000000001', [result('U-01', 'HIGH', 'FAIL')])],
        accounts: [checked(A)],
        securityHub: [
          {
            accountId: A,
            region: REGION,
            imported: 0,
            archived: 0,
            refused: [],
            problem: 'AccessDeniedException — grant securityhub:BatchImportFindings',
          },
        ],
        problem: `Security Hub import in ${A}: AccessDeniedException — grant securityhub:BatchImportFindings`,
        unchecked: 0,
      },
    ])('$name', ({ hosts, accounts, securityHub, problem, unchecked }) => {
      const decided = evaluate({
        hosts,
        accounts,
        ...(securityHub !== undefined && { securityHub }),
        failOn: 'HIGH',
      });
      expect(decided.verdict).toBe('error');
      expect(decided.error?.split('\n')).toEqual([
        '1 problem(s) kept the fleet check from deciding, so it fails closed (the findings it did read are reported):',
        problem,
      ]);
      // The failing checks that were read are still counted and listed.
      expect(decided.blocking.map((entry) => entry.id)).toEqual(['U-01']);
      expect(decided.counts.HIGH).toBe(1);
      expect(decided.counts.unchecked).toBe(unchecked);
    });
  });

  it('fail-on none relaxes FAILs, never ERRORs: a host that could not be checked is not a pass', () => {
    const decided = evaluate({
      hosts: [
        host(A, 'i-00000000000000001', [
          result('U-01', 'HIGH', 'FAIL'),
          result('U-04', 'HIGH', 'ERROR', 'cannot read /etc/passwd'),
          result('RES-ZOMBIE', 'LOW', 'ERROR', 'cannot read the processes from /proc'),
        ]),
      ],
    });
    expect(decided.verdict).toBe('error');
    expect(decided.blocking).toEqual([]);
    expect(decided.counts).toMatchObject({ total: 1, hosts: 1 });
    expect(decided.error?.split('\n').slice(1)).toEqual([
      `i-00000000000000001 (i-00000000000000001.internal) in ${A}: U-04 could not be checked: cannot read /etc/passwd`,
      `i-00000000000000001 (i-00000000000000001.internal) in ${A}: RES-ZOMBIE could not be checked: cannot read the processes from /proc`,
    ]);
  });

  it('fail-on none: an ERROR an exception covers does not stop the run', () => {
    const decided = evaluate({
      hosts: [host(A, 'i-00000000000000002', [result('U-04', 'HIGH', 'ERROR')])],
      policy: WITH_EXCEPTIONS,
    });
    expect(decided.verdict).toBe('pass');
  });

  it('a host’s own warnings (how it is keyed) are the verdict’s warnings', () => {
    const decided = evaluate({
      hosts: [
        {
          ...host(A, 'i-00000000000000001', [result('U-01', 'HIGH', 'PASS')]),
          warnings: ['no readable /etc/machine-id'],
        },
      ],
      failOn: 'HIGH',
    });
    expect(decided.verdict).toBe('pass');
    expect(decided.warnings).toContain(
      `i-00000000000000001 (i-00000000000000001.internal) in ${A}: no readable /etc/machine-id`,
    );
  });

  it('an ERROR line below fail-on is a warning, not a reason to stop', () => {
    const decided = evaluate({
      hosts: [
        host(A, 'i-00000000000000001', [
          result('RES-ZOMBIE', 'LOW', 'ERROR', 'cannot read the processes from /proc'),
        ]),
      ],
      failOn: 'HIGH',
    });
    expect(decided.verdict).toBe('pass');
    expect(decided.warnings).toContain(
      `i-00000000000000001 (i-00000000000000001.internal) in ${A}: RES-ZOMBIE could not be checked: cannot read the processes from /proc (LOW, below fail-on)`,
    );
  });

  it('exceptions name a check id scoped to an instance: they except FAILs and ERRORs there only', () => {
    const decided = evaluate({
      hosts: [
        host(A, 'i-00000000000000001', [result('U-01', 'HIGH', 'FAIL')]),
        host(A, 'i-00000000000000002', [
          result('U-01', 'HIGH', 'FAIL'),
          result('U-04', 'HIGH', 'ERROR'),
        ]),
      ],
      accounts: [checked(A, 2)],
      failOn: 'HIGH',
      policy: WITH_EXCEPTIONS,
    });
    expect(decided.verdict).toBe('block');
    expect(decided.blocking.map((entry) => entry.resource)).toEqual([
      `arn:aws:ec2:${REGION}:${A}:instance/i-00000000000000002`,
    ]);
    expect(decided.excepted).toEqual([
      expect.objectContaining({
        id: 'U-01',
        resource: `arn:aws:ec2:${REGION}:${A}:instance/i-00000000000000001`,
      }),
    ]);
    // The image exception is the scan gate's: not reported as stale here.
    expect(decided.warnings.join('\n')).not.toContain('CVE-2024-0001');
  });

  it('records each host with its line counts and problems in the subject', () => {
    const decided = evaluate({
      hosts: [
        host(A, 'i-00000000000000001', [
          result('U-01', 'HIGH', 'FAIL'),
          result('U-02', 'HIGH', 'PASS'),
          result('U-19', 'HIGH', 'INFO'),
        ]),
      ],
      failOn: 'CRITICAL',
    });
    expect(decided.subject.hosts).toEqual([
      {
        resource: `arn:aws:ec2:${REGION}:${A}:instance/i-00000000000000001`,
        accountId: A,
        region: REGION,
        instanceId: 'i-00000000000000001',
        hostname: 'i-00000000000000001.internal',
        statuses: { PASS: 1, FAIL: 1, INFO: 1, ERROR: 0 },
        problems: [],
      },
    ]);
    expect(decided.subject.failOn).toBe('CRITICAL');
  });
});
