import {
  applyExceptions,
  exceptionMatches,
  EXPIRY_WARNING_DAYS,
  expiresAt,
  isExpired,
  ownIds,
  exceptionKind,
} from '../../actions/src/core/exceptions';
import type { Finding } from '../../actions/src/core/model';
import type { PolicyException } from '../../actions/src/core/policy';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE_ARN = `arn:aws:ecr:us-east-1:123456789012:repository/web/${DIGEST}`;

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'CVE-2024-0001',
    sourceId: 'arn:aws:inspector2:us-east-1:123456789012:finding/1',
    source: 'inspector2',
    severity: 'HIGH',
    status: 'ACTIVE',
    title: 'CVE-2024-0001 - openssl',
    resource: {
      id: IMAGE_ARN,
      type: 'AWS_ECR_CONTAINER_IMAGE',
      repository: 'web',
      imageDigest: DIGEST,
      tags: { env: 'prod', team: 'web' },
    },
    packages: [{ name: 'openssl', installedVersion: '3.0.1', fixedVersion: '3.0.2' }],
    fixAvailable: 'yes',
    ...overrides,
  };
}

function exception(overrides: Partial<PolicyException> = {}): PolicyException {
  return {
    id: 'CVE-2024-0001',
    reason: 'not reachable',
    owner: 'team-web',
    expires: '2026-03-31',
    ...overrides,
  };
}

describe('exceptionKind: which command an exception id is for', () => {
  it.each([
    ['CVE-2024-0001', 'vulnerability'],
    ['GHSA-xxxx-yyyy-zzzz', 'vulnerability'],
    ['ALAS2-2024-001', 'vulnerability'],
    ['EC2.13', 'compliance'],
    ['restricted-ssh', 'compliance'],
    ['securityhub-restricted-ssh-1a2b', 'compliance'],
    ['U-01', 'host-check'],
    ['u-44', 'host-check'],
    ['RES-DISK', 'host-check'],
    ['res-zombie', 'host-check'],
  ] as const)('%s is a %s id', (id, kind) => {
    expect(exceptionKind(id)).toBe(kind);
  });
});

describe('expiry', () => {
  it('an exception applies through the last millisecond of its expiry day, in UTC', () => {
    const accepted = exception({ expires: '2026-03-31' });
    expect(expiresAt(accepted).toISOString()).toBe('2026-03-31T23:59:59.999Z');
    expect(isExpired(accepted, new Date('2026-03-31T00:00:00Z'))).toBe(false);
    expect(isExpired(accepted, new Date('2026-03-31T23:59:59.999Z'))).toBe(false);
    expect(isExpired(accepted, new Date('2026-04-01T00:00:00Z'))).toBe(true);
    // Late evening in UTC-8 is already the next day in UTC: expired.
    expect(isExpired(accepted, new Date('2026-03-31T17:00:00-08:00'))).toBe(true);
  });
});

describe('exceptionMatches', () => {
  it.each<[string, Partial<PolicyException>, Partial<Finding>, boolean]>([
    ['the same id', {}, {}, true],
    ['the id in another case', { id: 'cve-2024-0001' }, {}, true],
    ['another id', { id: 'CVE-2024-9999' }, {}, false],
    [
      // Inspector2 lists related vulnerabilities, not other names of this one: never matched.
      'a related vulnerability of an Inspector2 finding',
      { id: 'GHSA-abcd-efgh-ijkl' },
      { aliases: ['GHSA-ABCD-EFGH-IJKL'] },
      false,
    ],
    [
      'the deployed rule name of a Config result (the same finding)',
      { id: 'securityhub-restricted-ssh-abc123' },
      { id: 'EC2.13', source: 'config', aliases: ['securityhub-restricted-ssh-abc123'] },
      true,
    ],
    [
      'the rule name of a Security Hub control result (the same finding)',
      { id: 'restricted-ssh' },
      { id: 'EC2.13', source: 'securityhub', aliases: ['restricted-ssh'] },
      true,
    ],
    ['the repository of the scope', { scope: { repository: 'web' } }, {}, true],
    ['another repository', { scope: { repository: 'api' } }, {}, false],
    ['the full resource ARN', { scope: { resource: IMAGE_ARN } }, {}, true],
    ['the bare digest, a suffix of the ARN after "/"', { scope: { resource: DIGEST } }, {}, true],
    [
      'a resource id ending after ":"',
      { scope: { resource: 'i-0abc' } },
      {
        resource: { id: 'arn:aws:ec2:us-east-1:123456789012:instance:i-0abc', type: 'EC2' },
      },
      true,
    ],
    [
      'a string that is only a substring of the ARN',
      { scope: { resource: 'repository/we' } },
      {},
      false,
    ],
    ['another digest', { scope: { resource: `sha256:${'b'.repeat(64)}` } }, {}, false],
    ['an affected package', { scope: { package: 'openssl' } }, {}, true],
    ['a package not affected', { scope: { package: 'zlib' } }, {}, false],
    ['tags the resource carries', { scope: { tags: { env: 'prod' } } }, {}, true],
    ['a tag with another value', { scope: { tags: { env: 'dev' } } }, {}, false],
    [
      'a tag on an untagged resource',
      { scope: { tags: { env: 'prod' } } },
      {
        resource: { id: IMAGE_ARN, type: 'AWS_ECR_CONTAINER_IMAGE', repository: 'web' },
      },
      false,
    ],
    [
      'every part of a combined scope',
      { scope: { repository: 'web', package: 'openssl', tags: { team: 'web' } } },
      {},
      true,
    ],
    [
      'all but one part of a combined scope',
      { scope: { repository: 'web', package: 'zlib' } },
      {},
      false,
    ],
  ])('an exception matching %s → %s', (_name, exceptionOverrides, findingOverrides, expected) => {
    expect(exceptionMatches(exception(exceptionOverrides), finding(findingOverrides))).toBe(
      expected,
    );
  });
});

describe('applyExceptions', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('excepts the findings a valid exception covers and keeps the rest blocking', () => {
    const covered = finding();
    const other = finding({ id: 'CVE-2024-0002' });
    const accepted = exception();
    const result = applyExceptions([covered, other], [covered, other], [accepted], now);
    expect(result.remaining).toEqual([other]);
    expect(result.excepted).toEqual([{ finding: covered, exception: accepted }]);
    expect(result.report).toEqual({ expired: [], expiringSoon: [], stale: [] });
  });

  it('an expired exception no longer applies and reports how many findings it would cover', () => {
    const covered = finding();
    const lapsed = exception({ expires: '2026-02-28' });
    const result = applyExceptions([covered], [covered], [lapsed], now);
    expect(result.remaining).toEqual([covered]);
    expect(result.excepted).toEqual([]);
    expect(result.report.expired).toEqual([{ ...lapsed, matched: 1 }]);
    expect(result.report.stale).toEqual([]);
  });

  it(`warns about exceptions expiring within ${EXPIRY_WARNING_DAYS} days`, () => {
    const midnight = new Date('2026-03-01T00:00:00Z');
    const soon = [
      exception({ id: 'CVE-A', expires: '2026-03-01' }),
      exception({ id: 'CVE-B', expires: '2026-03-14' }),
      exception({ id: 'CVE-C', expires: '2026-03-15' }),
      exception({ id: 'CVE-D', expires: '2026-06-30' }),
    ];
    const all = ['CVE-A', 'CVE-B', 'CVE-C', 'CVE-D'].map((id) => finding({ id }));
    const { report, remaining } = applyExceptions(all, all, soon, midnight);
    expect(remaining).toEqual([]);
    expect(report.expiringSoon.map(({ id, daysLeft }) => [id, daysLeft])).toEqual([
      ['CVE-A', 0],
      ['CVE-B', 13],
    ]);
  });

  it('calls a valid exception that matches no finding at all stale', () => {
    const low = finding({ severity: 'LOW' });
    const forLow = exception();
    const forNothing = exception({ id: 'CVE-2020-0000' });
    // The LOW finding does not block, but the exception for it still matches something.
    const { report } = applyExceptions([], [low], [forLow, forNothing], now);
    expect(report.stale).toEqual([forNothing]);
  });

  it('ignores exceptions the caller says are about other subjects', () => {
    const accepted = exception({ scope: { repository: 'api' } });
    const lapsed = exception({
      id: 'CVE-OLD',
      scope: { repository: 'api' },
      expires: '2025-01-01',
    });
    const covered = finding();
    const result = applyExceptions(
      [covered],
      [covered],
      [accepted, lapsed],
      now,
      (candidate) => candidate.scope?.repository === 'web',
    );
    expect(result.report).toEqual({ expired: [], expiringSoon: [], stale: [] });
    expect(result.remaining).toEqual([covered]);
  });

  it('uses the first valid matching exception for a finding', () => {
    const covered = finding();
    const lapsed = exception({ owner: 'old', expires: '2025-01-01' });
    const first = exception({ owner: 'first' });
    const second = exception({ owner: 'second' });
    const result = applyExceptions([covered], [covered], [lapsed, first, second], now);
    expect(result.excepted.map(({ exception: used }) => used.owner)).toEqual(['first']);
  });
});

describe('applyExceptions agrees with trying every exception on every finding', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  /** The definition, without the index: what applyExceptions must equal. */
  function plain(
    wouldBlock: readonly Finding[],
    all: readonly Finding[],
    exceptions: readonly PolicyException[],
  ) {
    const valid = exceptions.filter((candidate) => !isExpired(candidate, now));
    const covering = (finding: Finding) =>
      valid.find((candidate) => exceptionMatches(candidate, finding));
    return {
      remaining: wouldBlock.filter((finding) => covering(finding) === undefined),
      excepted: wouldBlock.flatMap((finding) => {
        const used = covering(finding);
        return used ? [{ finding, exception: used }] : [];
      }),
      expired: exceptions
        .filter((candidate) => isExpired(candidate, now))
        .map((candidate) => ({
          ...candidate,
          matched: all.filter((finding) => exceptionMatches(candidate, finding)).length,
        })),
      stale: valid.filter(
        (candidate) => !all.some((finding) => exceptionMatches(candidate, finding)),
      ),
    };
  }

  it('on findings with ids in several cases, aliases of both kinds, scopes and lapsed exceptions', () => {
    const ids = ['CVE-2024-0001', 'cve-2024-0001', 'CVE-2024-0002', 'EC2.13', 'restricted-ssh'];
    const findings: Finding[] = [];
    for (let index = 0; index < 60; index += 1) {
      const id = ids[index % ids.length] as string;
      findings.push(
        finding({
          id,
          source: index % 3 === 0 ? 'config' : 'inspector2',
          // A compliance result's aliases are its own names; Inspector2's are related ids.
          ...(index % 4 === 0 && { aliases: [ids[(index + 1) % ids.length] as string, id] }),
          sourceId: `finding/${index}`,
          resource: {
            id: `${IMAGE_ARN}${index % 2 === 0 ? '' : '-other'}`,
            type: 'AWS_ECR_CONTAINER_IMAGE',
            repository: index % 5 === 0 ? 'api' : 'web',
          },
        }),
      );
    }
    const exceptions = [
      exception({ id: 'cve-2024-0001', owner: 'lower-case' }),
      exception({ id: 'CVE-2024-0001', owner: 'api only', scope: { repository: 'api' } }),
      exception({ id: 'CVE-2024-0002', owner: 'lapsed', expires: '2025-01-01' }),
      exception({ id: 'CVE-2024-0002', owner: 'by resource', scope: { resource: IMAGE_ARN } }),
      exception({ id: 'RESTRICTED-SSH', owner: 'rule name' }),
      exception({ id: 'EC2.13', owner: 'lapsed control', expires: '2025-01-01' }),
      exception({ id: 'CVE-2099-0001', owner: 'stale' }),
      exception({ id: 'GHSA-none', owner: 'lapsed stale', expires: '2025-01-01' }),
    ];
    const wouldBlock = findings.filter((_, index) => index % 2 === 1 || index % 3 === 0);
    const result = applyExceptions(wouldBlock, findings, exceptions, now);
    const expected = plain(wouldBlock, findings, exceptions);
    expect(result.remaining).toEqual(expected.remaining);
    expect(result.excepted).toEqual(expected.excepted);
    expect(result.report.expired).toEqual(expected.expired);
    expect(result.report.stale).toEqual(expected.stale);
    // The case is what it should exercise: some excepted, some not, counts above one, one stale.
    expect(result.excepted.length).toBeGreaterThan(0);
    expect(result.remaining.length).toBeGreaterThan(0);
    expect(result.report.expired.map(({ matched }) => matched)).toEqual([
      expect.any(Number),
      expect.any(Number),
      0,
    ]);
    expect(
      Math.min(...result.report.expired.slice(0, 2).map(({ matched }) => matched)),
    ).toBeGreaterThan(1);
    expect(result.report.stale.map(({ owner }) => owner)).toEqual(['stale']);
  });

  it('counts an exception given twice once per finding, as the definition does', () => {
    const covered = finding();
    const lapsed = exception({ expires: '2025-01-01' });
    const result = applyExceptions([covered], [covered, covered], [lapsed, lapsed], now);
    expect(result.report.expired).toEqual(
      plain([covered], [covered, covered], [lapsed, lapsed]).expired,
    );
    expect(result.report.expired).toEqual([
      { ...lapsed, matched: 2 },
      { ...lapsed, matched: 2 },
    ]);
  });
});

describe('an exception matches a finding by its own id only', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('an exception for a LOW CVE-2024-0001 does not except a CRITICAL that merely relates to it', () => {
    const low = finding({ id: 'CVE-2024-0001', severity: 'LOW' });
    const critical = finding({
      id: 'CVE-2024-7777',
      severity: 'CRITICAL',
      aliases: ['CVE-2024-0001', 'GHSA-xxxx-yyyy-zzzz'],
      sourceId: 'arn:aws:inspector2:us-east-1:123456789012:finding/7777',
    });
    const accepted = exception({ id: 'CVE-2024-0001', expires: '2026-12-31' });
    const result = applyExceptions([critical], [low, critical], [accepted], now);
    expect(result.remaining).toEqual([critical]);
    expect(result.excepted).toEqual([]);
    // It still matches the LOW it was written for, so it is not reported as stale.
    expect(result.report.stale).toEqual([]);
    expect(ownIds(critical)).toEqual(['CVE-2024-7777']);
  });

  it('a compliance result is known by its control id and the names of its rule', () => {
    const result = finding({
      id: 'EC2.13',
      source: 'config',
      aliases: ['restricted-ssh', 'INCOMING_SSH_DISABLED'],
    });
    expect(ownIds(result)).toEqual(['EC2.13', 'restricted-ssh', 'INCOMING_SSH_DISABLED']);
  });
});
