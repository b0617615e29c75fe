import fc from 'fast-check';
import type { Finding, Severity, SeverityCounts } from '../../actions/src/core/model';
import { SEVERITIES } from '../../actions/src/core/model';
import {
  DEFAULT_REPORT_POLICY,
  loadedFromText,
  type LoadedPolicy,
  type Policy,
  type PolicyException,
} from '../../actions/src/core/policy';
import {
  blockingReason,
  evaluateImage,
  type ImageSubject,
} from '../../actions/src/scan-gate/evaluate';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const SUBJECT: ImageSubject = {
  image: `web@${DIGEST}`,
  repository: 'web',
  digest: DIGEST,
  tag: '1.4.2',
  region: 'us-east-1',
};
const RESOURCE = `web@${DIGEST}`;
const NOW = new Date('2026-03-02T12:00:00Z');

function finding(overrides: Partial<Finding> = {}): Finding {
  const id = overrides.id ?? 'CVE-2024-0001';
  return {
    id,
    sourceId: `arn:aws:inspector2:us-east-1:123456789012:finding/${id}`,
    source: 'inspector2',
    severity: 'HIGH',
    status: 'ACTIVE',
    title: `${id} - openssl`,
    resource: {
      id: `arn:aws:ecr:us-east-1:123456789012:repository/web/${DIGEST}`,
      type: 'AWS_ECR_CONTAINER_IMAGE',
      repository: 'web',
      imageDigest: DIGEST,
    },
    packages: [{ name: 'openssl', installedVersion: '3.0.1', fixedVersion: '3.0.2' }],
    fixAvailable: 'yes',
    ...overrides,
  };
}

const IMAGE_DEFAULTS: Policy['image'] = {
  failOn: ['CRITICAL', 'HIGH'],
  fixableOnly: false,
  alsoBlock: {},
};

/** A policy as a user writes it, so the tests go through the same normalization. */
function policy(...yaml: string[]): LoadedPolicy {
  return loadedFromText(`${['version: 1', ...yaml].join('\n')}\n`, '.github/assetguard.yml');
}

function evaluate(findings: Finding[], loaded: LoadedPolicy = policy()) {
  return evaluateImage({ findings, policy: loaded, subject: SUBJECT, now: NOW });
}

describe('blockingReason', () => {
  it.each<[string, Partial<Finding>, Partial<Policy['image']>, string | undefined]>([
    ['a HIGH finding under the default fail-on', {}, {}, 'HIGH is in image.fail-on'],
    ['a CRITICAL finding', { severity: 'CRITICAL' }, {}, 'CRITICAL is in image.fail-on'],
    ['a MEDIUM finding', { severity: 'MEDIUM' }, {}, undefined],
    ['an UNTRIAGED finding', { severity: 'UNTRIAGED' }, {}, undefined],
    [
      'a MEDIUM finding when fail-on lists MEDIUM',
      { severity: 'MEDIUM' },
      { failOn: ['MEDIUM'] },
      'MEDIUM is in image.fail-on',
    ],
    ['a HIGH finding when fail-on lists only CRITICAL', {}, { failOn: ['CRITICAL'] }, undefined],
    ['a suppressed HIGH finding', { status: 'SUPPRESSED' }, {}, undefined],
    ['a closed CRITICAL finding', { status: 'CLOSED', severity: 'CRITICAL' }, {}, undefined],
    [
      'a fixable HIGH finding under fixable-only',
      { fixAvailable: 'yes' },
      { fixableOnly: true },
      'HIGH is in image.fail-on and a fix is available',
    ],
    [
      'a partially fixable HIGH finding under fixable-only',
      { fixAvailable: 'partial' },
      { fixableOnly: true },
      'HIGH is in image.fail-on and a fix is available',
    ],
    [
      'an unfixable HIGH finding under fixable-only',
      { fixAvailable: 'no' },
      { fixableOnly: true },
      undefined,
    ],
    [
      'an unfixable HIGH finding without fixable-only',
      { fixAvailable: 'no' },
      {},
      'HIGH is in image.fail-on',
    ],
    [
      'a LOW finding whose EPSS reaches epss-above',
      { severity: 'LOW', epss: 0.5 },
      { alsoBlock: { epssAbove: 0.5 } },
      'EPSS 0.5 is at least image.also-block.epss-above 0.5',
    ],
    [
      'a LOW finding whose EPSS is under epss-above',
      { severity: 'LOW', epss: 0.49 },
      { alsoBlock: { epssAbove: 0.5 } },
      undefined,
    ],
    [
      'a LOW finding without an EPSS score',
      { severity: 'LOW' },
      { alsoBlock: { epssAbove: 0 } },
      undefined,
    ],
    [
      'an unfixable HIGH finding with a high EPSS under fixable-only',
      { fixAvailable: 'no', epss: 0.97 },
      { fixableOnly: true, alsoBlock: { epssAbove: 0.9 } },
      'EPSS 0.97 is at least image.also-block.epss-above 0.9',
    ],
    [
      'a LOW finding with a known exploit under exploit-available',
      { severity: 'LOW', exploitAvailable: true },
      { alsoBlock: { exploitAvailable: true } },
      'a public exploit is known (image.also-block.exploit-available)',
    ],
    [
      'a LOW finding with a known exploit when exploit-available is false',
      { severity: 'LOW', exploitAvailable: true },
      { alsoBlock: { exploitAvailable: false } },
      undefined,
    ],
    [
      'a LOW finding without a known exploit under exploit-available',
      { severity: 'LOW', exploitAvailable: false },
      { alsoBlock: { exploitAvailable: true } },
      undefined,
    ],
    [
      'a suppressed finding with a known exploit',
      { severity: 'LOW', status: 'SUPPRESSED', exploitAvailable: true, epss: 0.99 },
      { alsoBlock: { exploitAvailable: true, epssAbove: 0.1 } },
      undefined,
    ],
  ])('%s → %j', (_name, findingOverrides, imagePolicy, expected) => {
    expect(blockingReason(finding(findingOverrides), { ...IMAGE_DEFAULTS, ...imagePolicy })).toBe(
      expected,
    );
  });
});

describe('evaluateImage', () => {
  it('passes an image with nothing at or above fail-on, and records what it decided on', () => {
    const loaded = policy();
    const verdict = evaluate(
      [finding({ severity: 'MEDIUM' }), finding({ id: 'CVE-2', severity: 'LOW' })],
      loaded,
    );
    expect(verdict).toEqual({
      verdict: 'pass',
      command: 'scan-gate',
      subject: SUBJECT,
      evaluatedAt: '2026-03-02T12:00:00.000Z',
      policy: { origin: '.github/assetguard.yml', sha256: loaded.sha256 },
      counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 1, LOW: 1, INFORMATIONAL: 0, UNTRIAGED: 0, total: 2 },
      blocking: [],
      excepted: [],
      exceptions: { expired: [], expiringSoon: [], stale: [] },
      warnings: [],
    });
  });

  it('blocks on a HIGH finding and says why, with the package and fix', () => {
    const verdict = evaluate([
      finding({
        epss: 0.12,
        exploitAvailable: false,
        url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
      }),
    ]);
    expect(verdict.verdict).toBe('block');
    expect(verdict.blocking).toEqual([
      {
        id: 'CVE-2024-0001',
        severity: 'HIGH',
        resource: RESOURCE,
        reason: 'HIGH is in image.fail-on',
        title: 'CVE-2024-0001 - openssl',
        packages: [{ name: 'openssl', installedVersion: '3.0.1', fixedVersion: '3.0.2' }],
        fixAvailable: 'yes',
        url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
        epss: 0.12,
        exploitAvailable: false,
      },
    ]);
  });

  it.each<[string, string[], Partial<Finding>, 'pass' | 'block']>([
    [
      'fixable-only passes an unfixable CRITICAL',
      ['image:', '  fixable-only: true'],
      { severity: 'CRITICAL', fixAvailable: 'no' },
      'pass',
    ],
    [
      'fixable-only blocks a partially fixable HIGH',
      ['image:', '  fixable-only: true'],
      { fixAvailable: 'partial' },
      'block',
    ],
    [
      'fixable-only blocks a fixable HIGH',
      ['image:', '  fixable-only: true'],
      { fixAvailable: 'yes' },
      'block',
    ],
    [
      'epss-above blocks a MEDIUM above the threshold',
      ['image:', '  also-block:', '    epss-above: 0.7'],
      { severity: 'MEDIUM', epss: 0.71 },
      'block',
    ],
    [
      'exploit-available blocks a LOW with a known exploit',
      ['image:', '  also-block: { exploit-available: true }'],
      { severity: 'LOW', exploitAvailable: true },
      'block',
    ],
    ['fail-on [CRITICAL] passes a HIGH', ['image:', '  fail-on: [CRITICAL]'], {}, 'pass'],
    [
      'a suppressed CRITICAL never blocks',
      [],
      { severity: 'CRITICAL', status: 'SUPPRESSED' },
      'pass',
    ],
    ['a closed CRITICAL never blocks', [], { severity: 'CRITICAL', status: 'CLOSED' }, 'pass'],
  ])('%s', (_name, yaml, overrides, expected) => {
    expect(evaluate([finding(overrides)], policy(...yaml)).verdict).toBe(expected);
  });

  it('leaves non-ACTIVE findings out of the counts and the gap check', () => {
    const verdict = evaluateImage({
      findings: [
        finding({ status: 'SUPPRESSED', severity: 'CRITICAL' }),
        finding({ id: 'CVE-2', severity: 'LOW' }),
      ],
      policy: policy(),
      subject: SUBJECT,
      now: NOW,
      scanCounts: {
        CRITICAL: 0,
        HIGH: 0,
        MEDIUM: 0,
        LOW: 1,
        INFORMATIONAL: 0,
        UNTRIAGED: 0,
        total: 1,
      },
    });
    expect(verdict.counts.total).toBe(1);
    expect(verdict.counts.CRITICAL).toBe(0);
    expect(verdict.warnings).toEqual([]);
  });

  describe('exceptions', () => {
    const accepted = [
      'exceptions:',
      '  - id: CVE-2024-0001',
      '    scope: { repository: web }',
      '    reason: the parser is not reachable',
      '    owner: team-web',
    ];

    it('a valid exception turns a block into a pass and is listed as excepted', () => {
      const verdict = evaluate([finding()], policy(...accepted, '    expires: 2026-12-31'));
      expect(verdict.verdict).toBe('pass');
      expect(verdict.blocking).toEqual([]);
      expect(verdict.excepted).toEqual([
        {
          id: 'CVE-2024-0001',
          severity: 'HIGH',
          resource: RESOURCE,
          exception: {
            id: 'CVE-2024-0001',
            scope: { repository: 'web' },
            reason: 'the parser is not reachable',
            owner: 'team-web',
            expires: '2026-12-31',
          },
        },
      ]);
      expect(verdict.warnings).toEqual([]);
    });

    it('an exception is valid through the end of its expiry day', () => {
      const verdict = evaluateImage({
        findings: [finding()],
        policy: policy(...accepted, '    expires: 2026-03-02'),
        subject: SUBJECT,
        now: new Date('2026-03-02T23:59:59Z'),
      });
      expect(verdict.verdict).toBe('pass');
      expect(verdict.warnings).toEqual([
        'exception CVE-2024-0001 (owner team-web) expires on 2026-03-02, in 0 day(s)',
      ]);
    });

    it('an expired exception no longer applies: the finding blocks and a warning says so', () => {
      const verdict = evaluate([finding()], policy(...accepted, '    expires: 2026-03-01'));
      expect(verdict.verdict).toBe('block');
      expect(verdict.blocking.map(({ id }) => id)).toEqual(['CVE-2024-0001']);
      expect(verdict.excepted).toEqual([]);
      expect(verdict.exceptions.expired).toEqual([
        expect.objectContaining({ id: 'CVE-2024-0001', matched: 1 }),
      ]);
      expect(verdict.warnings).toEqual([
        'exception CVE-2024-0001 (owner team-web) expired on 2026-03-01 and no longer applies — it would cover 1 finding(s) here',
      ]);
    });

    it('an expired exception that would cover nothing is still reported, without a count', () => {
      const verdict = evaluate(
        [finding({ id: 'CVE-2' })],
        policy(...accepted, '    expires: 2025-01-01'),
      );
      expect(verdict.warnings).toEqual([
        'exception CVE-2024-0001 (owner team-web) expired on 2025-01-01 and no longer applies',
      ]);
    });

    it('an exception expiring within 14 days applies and warns', () => {
      const verdict = evaluate([finding()], policy(...accepted, '    expires: 2026-03-10'));
      expect(verdict.verdict).toBe('pass');
      expect(verdict.warnings).toEqual([
        'exception CVE-2024-0001 (owner team-web) expires on 2026-03-10, in 8 day(s)',
      ]);
    });

    it('an exception matching no finding of this image is stale', () => {
      const verdict = evaluate(
        [finding({ id: 'CVE-2', severity: 'LOW' })],
        policy(...accepted, '    expires: 2026-12-31'),
      );
      expect(verdict.exceptions.stale.map(({ id }) => id)).toEqual(['CVE-2024-0001']);
      expect(verdict.warnings).toEqual([
        'exception CVE-2024-0001 matched no finding in this image: remove it if it is no longer needed',
      ]);
    });

    it('an exception matching only a non-blocking finding is not stale', () => {
      const verdict = evaluate(
        [finding({ severity: 'LOW' })],
        policy(...accepted, '    expires: 2026-12-31'),
      );
      expect(verdict.warnings).toEqual([]);
    });

    it('an exception matching only a suppressed finding is stale', () => {
      const verdict = evaluate(
        [finding({ status: 'SUPPRESSED' })],
        policy(...accepted, '    expires: 2026-12-31'),
      );
      expect(verdict.exceptions.stale.map(({ id }) => id)).toEqual(['CVE-2024-0001']);
    });

    it('an exception scoped to another repository is neither applied nor stale nor expired here', () => {
      const verdict = evaluate(
        [finding()],
        policy(
          'exceptions:',
          '  - id: CVE-2024-0001',
          '    scope: { repository: api }',
          '    reason: api only',
          '    owner: team-api',
          '    expires: 2026-12-31',
          '  - id: CVE-2024-0009',
          '    scope: { repository: api }',
          '    reason: lapsed',
          '    owner: team-api',
          '    expires: 2025-12-31',
        ),
      );
      expect(verdict.verdict).toBe('block');
      expect(verdict.excepted).toEqual([]);
      expect(verdict.exceptions).toEqual({ expired: [], expiringSoon: [], stale: [] });
      expect(verdict.warnings).toEqual([]);
    });

    it("the other commands' exceptions (control ids, rule names, host checks) are neither applied nor stale here", () => {
      const verdict = evaluate(
        [finding()],
        policy(
          'exceptions:',
          ...['EC2.13', 'restricted-ssh', 'U-01', 'RES-DISK'].flatMap((id) => [
            `  - id: ${id}`,
            "    reason: not the scan gate's",
            '    owner: sec',
            '    expires: 2026-12-31',
          ]),
        ),
      );
      expect(verdict.verdict).toBe('block');
      expect(verdict.exceptions).toEqual({ expired: [], expiringSoon: [], stale: [] });
      expect(verdict.warnings).toEqual([]);
    });

    it("an exception matches the finding's own id, in any case", () => {
      const verdict = evaluate(
        [finding({ aliases: ['GHSA-xxxx-yyyy-zzzz'] })],
        policy(
          'exceptions:',
          '  - id: cve-2024-0001',
          '    reason: vendored copy is patched',
          '    owner: team-web',
          '    expires: 2026-12-31',
        ),
      );
      expect(verdict.verdict).toBe('pass');
      expect(verdict.excepted.map(({ id }) => id)).toEqual(['CVE-2024-0001']);
    });

    it('an exception for a related vulnerability (an Inspector2 alias) does not except the finding', () => {
      // A CRITICAL CVE-2024-7777 that lists CVE-2024-0002 among its related vulnerabilities is not
      // covered by an exception written for CVE-2024-0002.
      const verdict = evaluate(
        [
          finding({ id: 'CVE-2024-7777', severity: 'CRITICAL', aliases: ['CVE-2024-0002'] }),
          finding({ id: 'CVE-2024-0002', severity: 'LOW' }),
        ],
        policy(
          'exceptions:',
          '  - id: CVE-2024-0002',
          '    reason: not reachable',
          '    owner: team-web',
          '    expires: 2026-12-31',
        ),
      );
      expect(verdict.verdict).toBe('block');
      expect(verdict.blocking.map(({ id }) => id)).toEqual(['CVE-2024-7777']);
      expect(verdict.excepted).toEqual([]);
    });
  });

  describe('ECR counts against the Inspector2 listing', () => {
    /** ECR's counts as the scan wait returns them: only the severities given, total summed. */
    function ecr(counts: Partial<Record<Severity, number>>): SeverityCounts {
      const all = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNTRIAGED: 0 };
      Object.assign(all, counts);
      return { ...all, total: Object.values(all).reduce((sum, count) => sum + count, 0) };
    }
    const listedOf = (severities: Severity[]): Finding[] =>
      severities.map((severity, index) => finding({ id: `CVE-L-${index}`, severity }));

    it.each<{
      name: string;
      policy: string[];
      listed: Severity[];
      counts: SeverityCounts | undefined;
      verdict: 'pass' | 'block' | 'error';
      error?: string;
      warnings: string[];
    }>([
      {
        name: 'ECR counts CRITICAL 2 / HIGH 3 and Inspector2 lists nothing (a foreign BASIC registry)',
        policy: [],
        listed: [],
        counts: ecr({ CRITICAL: 2, HIGH: 3 }),
        verdict: 'error',
        error: 'ECR counts CRITICAL 2, HIGH 3; Inspector2 listed CRITICAL 0, HIGH 0',
        warnings: [],
      },
      {
        name: 'ECR counts one CRITICAL more than listed: error even though the listing blocks',
        policy: [],
        listed: ['CRITICAL', 'HIGH'],
        counts: ecr({ CRITICAL: 2, HIGH: 1 }),
        verdict: 'error',
        error: 'ECR counts CRITICAL 2; Inspector2 listed CRITICAL 1',
        warnings: [],
      },
      {
        name: 'a gap only at a severity outside fail-on stays a warning (pass)',
        policy: [],
        listed: ['LOW'],
        counts: ecr({ LOW: 1, MEDIUM: 2 }),
        verdict: 'pass',
        warnings: [
          'ECR counts 2 MEDIUM finding(s) but Inspector2 listed 0; the verdict uses the Inspector2 list',
        ],
      },
      {
        name: 'fail-on [MEDIUM] makes a MEDIUM gap an error',
        policy: ['image:', '  fail-on: [MEDIUM]'],
        listed: [],
        counts: ecr({ MEDIUM: 2, CRITICAL: 1 }),
        verdict: 'error',
        error: 'ECR counts MEDIUM 2; Inspector2 listed MEDIUM 0',
        warnings: [
          'ECR counts 1 CRITICAL finding(s) but Inspector2 listed 0; the verdict uses the Inspector2 list',
        ],
      },
      {
        name: 'the classification level’s fail-on is the effective one',
        policy: [
          'tags:',
          '  required:',
          '    DataClassification: { allowed: [public, restricted] }',
          '  classification:',
          '    key: DataClassification',
          '    levels:',
          '      restricted: { image: { fail-on: [CRITICAL, HIGH, LOW] } }',
        ],
        listed: [],
        counts: ecr({ LOW: 1 }),
        verdict: 'error',
        error: 'ECR counts LOW 1; Inspector2 listed LOW 0',
        warnings: [],
      },
      {
        name: 'counts that agree with the listing: block on what is listed, no warning',
        policy: [],
        listed: ['CRITICAL', 'HIGH', 'LOW'],
        counts: ecr({ CRITICAL: 1, HIGH: 1, LOW: 1 }),
        verdict: 'block',
        warnings: [],
      },
      {
        name: 'more listed than counted is no gap',
        policy: [],
        listed: ['HIGH', 'HIGH'],
        counts: ecr({ HIGH: 1 }),
        verdict: 'block',
        warnings: [],
      },
      {
        name: 'no counts from ECR: nothing to compare (the scan wait settles on coverage instead)',
        policy: [],
        listed: [],
        counts: undefined,
        verdict: 'pass',
        warnings: [],
      },
      {
        name: 'a SUPPRESSED finding does not fill an ACTIVE gap',
        policy: [],
        listed: [],
        counts: ecr({ HIGH: 1 }),
        verdict: 'error',
        error: 'ECR counts HIGH 1; Inspector2 listed HIGH 0',
        warnings: [],
      },
    ])('$name → $verdict', ({ policy: yaml, listed, counts, verdict, error, warnings }) => {
      const findings = listedOf(listed);
      if (listed.length === 0) findings.push(finding({ id: 'CVE-S', status: 'SUPPRESSED' }));
      const result = evaluateImage({
        findings,
        policy: policy(...yaml),
        subject: { ...SUBJECT, repositoryTags: { DataClassification: 'restricted' } },
        now: NOW,
        ...(counts !== undefined && { scanCounts: counts }),
      });
      expect(result.verdict).toBe(verdict);
      expect(result.warnings).toEqual(warnings);
      if (error === undefined) {
        expect(result.error).toBeUndefined();
      } else {
        expect(result.error).toContain(error);
        expect(result.error).toMatch(
          new RegExp(`^ECR and Inspector2 disagree about web@${DIGEST} at severities that block`),
        );
      }
      // The listing is still reported: counts are what Inspector2 listed, ACTIVE only.
      expect(result.counts.total).toBe(listed.length);
    });
  });

  describe('an image index: every platform manifest decided on its own', () => {
    const AMD = `sha256:${'a'.repeat(64)}`;
    const ARM = `sha256:${'b'.repeat(64)}`;
    const on = (digest: string, overrides: Partial<Finding> = {}): Finding => {
      const base = finding(overrides);
      return { ...base, resource: { ...base.resource, imageDigest: digest } };
    };
    const index = (amdCounts?: SeverityCounts, armCounts?: SeverityCounts): ImageSubject => ({
      ...SUBJECT,
      platforms: [
        { digest: AMD, platform: 'linux/amd64', ...(amdCounts && { ecrCounts: amdCounts }) },
        { digest: ARM, platform: 'linux/arm64/v8', ...(armCounts && { ecrCounts: armCounts }) },
      ],
      skipped: [{ digest: `sha256:${'c'.repeat(64)}`, reason: 'attestation manifest' }],
    });
    const counts = (high: number, low = 0): SeverityCounts => ({
      CRITICAL: 0,
      HIGH: high,
      MEDIUM: 0,
      LOW: low,
      INFORMATIONAL: 0,
      UNTRIAGED: 0,
      total: high + low,
    });

    it.each<{
      name: string;
      findings: Finding[];
      subject: ImageSubject;
      verdict: 'pass' | 'block' | 'error';
      blocking: [string, string][];
    }>([
      {
        name: 'both platforms clean',
        findings: [on(AMD, { severity: 'LOW' }), on(ARM, { severity: 'LOW' })],
        subject: index(counts(0, 1), counts(0, 1)),
        verdict: 'pass',
        blocking: [],
      },
      {
        name: 'one platform blocks: the verdict is the worst',
        findings: [on(AMD, { severity: 'LOW' }), on(ARM)],
        subject: index(counts(0, 1), counts(1)),
        verdict: 'block',
        blocking: [[`web@${ARM}`, 'HIGH is in image.fail-on (platform linux/arm64/v8)']],
      },
      {
        name: 'one platform blocks and the other cannot be decided: error beats block',
        findings: [on(AMD)],
        subject: index(counts(1), counts(2)),
        verdict: 'error',
        blocking: [[`web@${AMD}`, 'HIGH is in image.fail-on (platform linux/amd64)']],
      },
      {
        name: 'the same CVE on both platforms blocks on each',
        findings: [on(AMD), on(ARM)],
        subject: index(),
        verdict: 'block',
        blocking: [
          [`web@${AMD}`, 'HIGH is in image.fail-on (platform linux/amd64)'],
          [`web@${ARM}`, 'HIGH is in image.fail-on (platform linux/arm64/v8)'],
        ],
      },
    ])('$name → $verdict', ({ findings, subject, verdict, blocking }) => {
      const result = evaluateImage({ findings, policy: policy(), subject, now: NOW });
      expect(result.verdict).toBe(verdict);
      expect(result.blocking.map((entry) => [entry.resource, entry.reason])).toEqual(blocking);
      expect(result.subject.platforms).toEqual(subject.platforms);
      expect(result.subject.skipped).toEqual(subject.skipped);
    });

    it('names the platform whose counts disagree, with both counts side by side', () => {
      const result = evaluateImage({
        findings: [on(AMD)],
        policy: policy(),
        subject: index(counts(1), counts(2)),
        now: NOW,
      });
      expect(result.error).toContain(
        `linux/arm64/v8 (web@${ARM}): ECR counts HIGH 2; Inspector2 listed HIGH 0`,
      );
      expect(result.error).not.toContain('linux/amd64 (');
    });

    it('labels a gap outside fail-on with its platform', () => {
      const result = evaluateImage({
        findings: [],
        policy: policy(),
        subject: index(counts(0, 1), undefined),
        now: NOW,
      });
      expect(result.verdict).toBe('pass');
      expect(result.warnings).toEqual([
        `linux/amd64 (web@${AMD}): ECR counts 1 LOW finding(s) but Inspector2 listed 0; the verdict uses the Inspector2 list`,
      ]);
    });
  });

  it('sorts blocking entries by severity, then EPSS (highest first), then id', () => {
    const verdict = evaluate([
      finding({ id: 'CVE-B', severity: 'HIGH', epss: 0.1 }),
      finding({ id: 'CVE-C', severity: 'HIGH' }),
      finding({ id: 'CVE-A', severity: 'HIGH' }),
      finding({ id: 'CVE-Z', severity: 'CRITICAL' }),
      finding({ id: 'CVE-D', severity: 'HIGH', epss: 0.9 }),
      finding({ id: 'CVE-Y', severity: 'CRITICAL', epss: 0.2 }),
    ]);
    expect(verdict.blocking.map(({ id }) => id)).toEqual([
      'CVE-Y',
      'CVE-Z',
      'CVE-D',
      'CVE-B',
      'CVE-A',
      'CVE-C',
    ]);
  });

  it('is pure: the same input gives a deep-equal verdict and is left unchanged', () => {
    const findings = [
      finding({ severity: 'CRITICAL', epss: 0.3 }),
      finding({ id: 'CVE-2', fixAvailable: 'no' }),
      finding({ id: 'CVE-3', status: 'SUPPRESSED' }),
    ];
    const loaded = policy(
      'exceptions:',
      '  - id: CVE-2',
      '    reason: r',
      '    owner: o',
      '    expires: 2026-03-05',
      '  - id: CVE-9',
      '    reason: r',
      '    owner: o',
      '    expires: 2026-01-01',
    );
    const input = { findings, policy: loaded, subject: SUBJECT, now: NOW };
    const snapshot = structuredClone(input);
    const first = evaluateImage(input);
    const second = evaluateImage(input);
    expect(second).toEqual(first);
    expect(input).toEqual(snapshot);
    expect(first.warnings).toHaveLength(2);
  });
});

describe('evaluateImage properties', () => {
  const ids = ['CVE-1', 'CVE-2', 'CVE-3', 'CVE-4', 'GHSA-aaaa-bbbb-cccc'];
  const severity = fc.constantFrom<Severity>(...SEVERITIES);
  const date = fc
    .integer({ min: -30, max: 60 })
    .map((days) => new Date(NOW.getTime() + days * 86_400_000).toISOString().slice(0, 10));

  const findingArb = fc
    .record({
      id: fc.constantFrom(...ids),
      aliases: fc.option(fc.subarray(ids), { nil: undefined }),
      severity,
      status: fc.constantFrom<Finding['status']>('ACTIVE', 'ACTIVE', 'SUPPRESSED', 'CLOSED'),
      fixAvailable: fc.constantFrom<Finding['fixAvailable']>('yes', 'no', 'partial'),
      epss: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
      exploitAvailable: fc.option(fc.boolean(), { nil: undefined }),
      packageName: fc.constantFrom('openssl', 'zlib', 'glibc'),
      repository: fc.constantFrom('web', 'api'),
    })
    .map(({ packageName, repository, aliases, epss, exploitAvailable, ...rest }) =>
      finding({
        ...rest,
        ...(aliases !== undefined && { aliases }),
        ...(epss !== undefined && { epss }),
        ...(exploitAvailable !== undefined && { exploitAvailable }),
        packages: [{ name: packageName }],
        resource: {
          id: `arn:aws:ecr:us-east-1:123456789012:repository/${repository}/${DIGEST}`,
          type: 'AWS_ECR_CONTAINER_IMAGE',
          repository,
          imageDigest: DIGEST,
        },
      }),
    );

  const scopeArb = fc.option(
    fc.record(
      {
        repository: fc.constantFrom('web', 'api'),
        package: fc.constantFrom('openssl', 'zlib', 'glibc'),
      },
      { requiredKeys: [] },
    ),
    { nil: undefined },
  );

  const exceptionArb = (expires: fc.Arbitrary<string>): fc.Arbitrary<PolicyException> =>
    fc
      .record({ id: fc.constantFrom(...ids, 'cve-1'), scope: scopeArb, expires })
      .map(({ scope, ...rest }) => ({
        ...rest,
        ...(scope !== undefined && Object.keys(scope).length > 0 && { scope }),
        reason: 'accepted',
        owner: 'owner',
      }));

  const imagePolicyArb: fc.Arbitrary<Policy['image']> = fc.record({
    failOn: fc.subarray([...SEVERITIES]),
    fixableOnly: fc.boolean(),
    alsoBlock: fc.record(
      {
        epssAbove: fc.double({ min: 0, max: 1, noNaN: true }),
        exploitAvailable: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  });

  function loaded(image: Policy['image'], exceptions: PolicyException[]): LoadedPolicy {
    return {
      policy: {
        version: 1,
        image,
        report: DEFAULT_REPORT_POLICY,
        compliance: {
          failOn: ['CRITICAL'],
          rules: { include: [], exclude: [] },
          defaultSeverity: 'MEDIUM',
          insufficientData: 'warn',
        },
        exceptions,
      },
      origin: 'property',
      text: '',
      sha256: '',
    };
  }

  it('adding an unexpired exception never increases the blocking count', () => {
    fc.assert(
      fc.property(
        fc.array(findingArb, { maxLength: 25 }),
        imagePolicyArb,
        fc.array(exceptionArb(date), { maxLength: 4 }),
        exceptionArb(date.filter((day) => day >= NOW.toISOString().slice(0, 10))),
        (findings, image, exceptions, extra) => {
          const before = evaluate(findings, loaded(image, exceptions));
          const after = evaluate(findings, loaded(image, [...exceptions, extra]));
          expect(after.blocking.length).toBeLessThanOrEqual(before.blocking.length);
          if (before.verdict === 'pass') expect(after.verdict).toBe('pass');
        },
      ),
    );
  });

  it('permuting the findings changes neither the verdict nor the set of blocking ids', () => {
    fc.assert(
      fc.property(
        fc.array(findingArb, { maxLength: 25 }).chain((findings) =>
          fc.tuple(
            fc.constant(findings),
            fc.shuffledSubarray(findings, {
              minLength: findings.length,
              maxLength: findings.length,
            }),
          ),
        ),
        imagePolicyArb,
        fc.array(exceptionArb(date), { maxLength: 4 }),
        ([findings, permuted], image, exceptions) => {
          const original = evaluate(findings, loaded(image, exceptions));
          const shuffled = evaluate(permuted, loaded(image, exceptions));
          expect(shuffled.verdict).toBe(original.verdict);
          expect(new Set(shuffled.blocking.map(({ id }) => id))).toEqual(
            new Set(original.blocking.map(({ id }) => id)),
          );
          expect(shuffled.blocking.length).toBe(original.blocking.length);
          expect(shuffled.counts).toEqual(original.counts);
        },
      ),
    );
  });
});
