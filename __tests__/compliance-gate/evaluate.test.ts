import type { Finding } from '../../actions/src/core/model';
import { loadedFromText, type LoadedPolicy } from '../../actions/src/core/policy';
import {
  evaluateCompliance,
  type ComplianceSubject,
} from '../../actions/src/compliance-gate/evaluate';
import type { RuleStates } from '../../actions/src/sources/compliance';
import { evaluateImage } from '../../actions/src/scan-gate/evaluate';

const NOW = new Date('2026-03-02T12:00:00Z');
const SG = 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f60718';
const DB = 'arn:aws:rds:us-east-1:123456789012:db:prod-db';

function rules(overrides: Partial<RuleStates> = {}): RuleStates {
  return {
    evaluated: 0,
    compliant: [],
    nonCompliant: [],
    insufficientData: [],
    notApplicable: [],
    ...overrides,
  };
}

function subject(states: Partial<RuleStates> = {}): ComplianceSubject {
  return {
    source: 'config',
    region: 'us-east-1',
    scope: { tags: {}, rules: [] },
    rules: rules(states),
  };
}

/** The EC2.13 result a Security Hub-deployed restricted-ssh rule gives, as the Config source builds it. */
function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'EC2.13',
    aliases: ['securityhub-restricted-ssh-abc123', 'restricted-ssh', 'INCOMING_SSH_DISABLED'],
    sourceId: 'securityhub-restricted-ssh-abc123/AWS::EC2::SecurityGroup/sg-0a1b2c3d4e5f60718',
    source: 'config',
    severity: 'HIGH',
    status: 'ACTIVE',
    title: 'Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22',
    resource: { id: SG, type: 'AWS::EC2::SecurityGroup', region: 'us-east-1' },
    packages: [],
    fixAvailable: 'yes',
    rule: {
      name: 'securityhub-restricted-ssh-abc123',
      annotation: 'Port 22 is open to 0.0.0.0/0.',
    },
    remediation: { document: 'AWS-DisableIncomingSSHOnPort22' },
    ...overrides,
  };
}

/** An RDS.2 result on a tagged instance. */
function publicDb(overrides: Partial<Finding> = {}): Finding {
  return finding({
    id: 'RDS.2',
    aliases: ['rds-instance-public-access-check', 'RDS_INSTANCE_PUBLIC_ACCESS_CHECK'],
    sourceId: 'rds-instance-public-access-check/AWS::RDS::DBInstance/db-ABCDEFGHIJKLMNOP',
    severity: 'CRITICAL',
    title: 'RDS DB instances should prohibit public access',
    resource: {
      id: DB,
      type: 'AWS::RDS::DBInstance',
      region: 'us-east-1',
      tags: { Environment: 'prod', Team: 'data' },
    },
    rule: { name: 'rds-instance-public-access-check' },
    remediation: { document: 'AWSConfigRemediation-DisablePublicAccessToRDSInstance' },
    ...overrides,
  });
}

/** A policy as a user writes it, so the tests go through the same normalization. */
function policy(...yaml: string[]): LoadedPolicy {
  return loadedFromText(`${['version: 1', ...yaml].join('\n')}\n`, '.github/assetguard.yml');
}

function evaluate(
  findings: Finding[],
  loaded: LoadedPolicy = policy(),
  states: Partial<RuleStates> = {},
  notes?: string[],
) {
  return evaluateCompliance({
    findings,
    policy: loaded,
    subject: subject(states),
    now: NOW,
    ...(notes && { notes }),
  });
}

/** One exception entry, in the policy's own YAML. */
function exception(id: string, expires: string, scope?: string): string[] {
  return [
    `  - id: ${id}`,
    ...(scope ? [`    scope: ${scope}`] : []),
    '    reason: accepted for the migration',
    '    owner: team-platform',
    `    expires: ${expires}`,
  ];
}

describe('evaluateCompliance', () => {
  it('blocks on a HIGH result and says which resource, why, and how to fix it', () => {
    const loaded = policy();
    const verdict = evaluate([finding()], loaded, {
      evaluated: 1,
      nonCompliant: ['securityhub-restricted-ssh-abc123'],
    });
    expect(verdict).toEqual({
      verdict: 'block',
      command: 'compliance-gate',
      subject: subject({ evaluated: 1, nonCompliant: ['securityhub-restricted-ssh-abc123'] }),
      evaluatedAt: '2026-03-02T12:00:00.000Z',
      policy: { origin: '.github/assetguard.yml', sha256: loaded.sha256 },
      counts: { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNTRIAGED: 0, total: 1 },
      blocking: [
        {
          id: 'EC2.13',
          severity: 'HIGH',
          resource: SG,
          reason: 'Port 22 is open to 0.0.0.0/0.',
          title: 'Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22',
          packages: [],
          fixAvailable: 'yes',
          rule: 'securityhub-restricted-ssh-abc123',
          remediation: { document: 'AWS-DisableIncomingSSHOnPort22' },
        },
      ],
      excepted: [],
      exceptions: { expired: [], expiringSoon: [], stale: [] },
      warnings: [],
    });
  });

  it.each<[string, Partial<Finding>, string]>([
    ['the rule annotation', {}, 'Port 22 is open to 0.0.0.0/0.'],
    [
      'the description when there is no annotation',
      { rule: { name: 'restricted-ssh' }, description: 'Security Hub says port 22 is open.' },
      'Security Hub says port 22 is open.',
    ],
    [
      'the policy when there is neither',
      { rule: { name: 'restricted-ssh' } },
      'HIGH is in compliance.fail-on',
    ],
  ])('the reason is %s', (_name, overrides, reason) => {
    expect(evaluate([finding(overrides)]).blocking[0]?.reason).toBe(reason);
  });

  it('carries the "why" to the blocking entry when the table has no runbook', () => {
    const why = 'Public IPs are chosen at launch: relaunch the instance in a private subnet.';
    const verdict = evaluate([
      finding({
        id: 'EC2.9',
        aliases: ['ec2-instance-no-public-ip'],
        rule: { name: 'ec2-instance-no-public-ip' },
        fixAvailable: 'no',
        remediation: { why },
      }),
    ]);
    expect(verdict.blocking).toEqual([
      expect.objectContaining({ id: 'EC2.9', fixAvailable: 'no', remediation: { why } }),
    ]);
  });

  it.each<[string, string[], Partial<Finding>, 'pass' | 'block']>([
    ['the default fail-on blocks a CRITICAL', [], { severity: 'CRITICAL' }, 'block'],
    ['the default fail-on blocks a HIGH', [], {}, 'block'],
    ['the default fail-on passes a MEDIUM', [], { severity: 'MEDIUM' }, 'pass'],
    ['the default fail-on passes a LOW', [], { severity: 'LOW' }, 'pass'],
    ['fail-on [CRITICAL] passes a HIGH', ['compliance:', '  fail-on: [CRITICAL]'], {}, 'pass'],
    [
      'fail-on [MEDIUM] blocks a MEDIUM',
      ['compliance:', '  fail-on: [MEDIUM]'],
      { severity: 'MEDIUM' },
      'block',
    ],
    ['fail-on [MEDIUM] passes a HIGH', ['compliance:', '  fail-on: [MEDIUM]'], {}, 'pass'],
    [
      'fail-on [] passes a CRITICAL',
      ['compliance:', '  fail-on: []'],
      { severity: 'CRITICAL' },
      'pass',
    ],
    [
      'the image fail-on does not apply here',
      ['image:', '  fail-on: [LOW]'],
      { severity: 'LOW' },
      'pass',
    ],
    [
      'a suppressed CRITICAL never blocks',
      [],
      { severity: 'CRITICAL', status: 'SUPPRESSED' },
      'pass',
    ],
  ])('%s', (_name, yaml, overrides, expected) => {
    expect(evaluate([finding(overrides)], policy(...yaml)).verdict).toBe(expected);
  });

  describe('compliance.rules', () => {
    const ssh = finding();
    const db = publicDb();
    const custom = finding({
      id: 'team-encryption-check',
      aliases: undefined,
      severity: 'MEDIUM',
      rule: { name: 'team-encryption-check' },
      remediation: undefined,
    });

    it.each<[string, string[], string[]]>([
      ['nothing listed: every rule counts', [], ['EC2.13', 'RDS.2', 'team-encryption-check']],
      ['include by control id', ['  rules: { include: [EC2.13] }'], ['EC2.13']],
      ['include by control id, in any case', ['  rules: { include: [ec2.13] }'], ['EC2.13']],
      [
        'include by deployed rule name',
        ['  rules: { include: [securityhub-restricted-ssh-abc123] }'],
        ['EC2.13'],
      ],
      [
        'include by canonical rule name (alias)',
        ['  rules: { include: [restricted-ssh] }'],
        ['EC2.13'],
      ],
      [
        'include by managed identifier (alias)',
        ['  rules: { include: [RDS_INSTANCE_PUBLIC_ACCESS_CHECK] }'],
        ['RDS.2'],
      ],
      [
        'include an unmapped rule by name',
        ['  rules: { include: [team-encryption-check] }'],
        ['team-encryption-check'],
      ],
      [
        'exclude by control id',
        ['  rules: { exclude: [RDS.2] }'],
        ['EC2.13', 'team-encryption-check'],
      ],
      [
        'exclude by canonical rule name',
        ['  rules: { exclude: [restricted-ssh] }'],
        ['RDS.2', 'team-encryption-check'],
      ],
      [
        'exclude wins over include',
        ['  rules: { include: [EC2.13, RDS.2], exclude: [rds-instance-public-access-check] }'],
        ['EC2.13'],
      ],
      ['include of a rule with no result counts nothing', ['  rules: { include: [S3.8] }'], []],
    ])('%s', (_name, yaml, counted) => {
      const verdict = evaluate(
        [ssh, db, custom],
        policy('compliance:', '  fail-on: [CRITICAL, HIGH, MEDIUM]', ...yaml),
      );
      expect(verdict.blocking.map(({ id }) => id).sort()).toEqual([...counted].sort());
      // A rule that does not count is left out of the counts too, not only out of blocking.
      expect(verdict.counts.total).toBe(counted.length);
    });
  });

  describe('exceptions', () => {
    const findings = [finding(), publicDb()];

    it.each<[string, string[], string[]]>([
      ['by control id', exception('EC2.13', '2026-12-31'), ['RDS.2']],
      [
        'by deployed rule name',
        exception('securityhub-restricted-ssh-abc123', '2026-12-31'),
        ['RDS.2'],
      ],
      [
        'by canonical rule name',
        exception('rds-instance-public-access-check', '2026-12-31'),
        ['EC2.13'],
      ],
      [
        'scoped to the bare resource id of an ARN',
        exception('EC2.13', '2026-12-31', '{ resource: sg-0a1b2c3d4e5f60718 }'),
        ['RDS.2'],
      ],
      [
        'scoped to the ARN suffix after ":"',
        exception('RDS.2', '2026-12-31', '{ resource: prod-db }'),
        ['EC2.13'],
      ],
      [
        'scoped to the full ARN',
        exception('RDS.2', '2026-12-31', `{ resource: "${DB}" }`),
        ['EC2.13'],
      ],
      [
        'scoped to another resource: does not apply',
        exception('RDS.2', '2026-12-31', '{ resource: staging-db }'),
        ['RDS.2', 'EC2.13'],
      ],
      [
        'scoped to a partial id: does not apply',
        exception('RDS.2', '2026-12-31', '{ resource: db }'),
        ['RDS.2', 'EC2.13'],
      ],
      [
        'scoped to tags the resource carries',
        exception('RDS.2', '2026-12-31', '{ tags: { Team: data } }'),
        ['EC2.13'],
      ],
      [
        'scoped to tags with another value: does not apply',
        exception('RDS.2', '2026-12-31', '{ tags: { Environment: staging } }'),
        ['RDS.2', 'EC2.13'],
      ],
      [
        'scoped to tags on a resource whose tags are unknown: does not apply (fail closed)',
        exception('EC2.13', '2026-12-31', '{ tags: { Environment: prod } }'),
        ['RDS.2', 'EC2.13'],
      ],
    ])('%s', (_name, entry, blocking) => {
      const verdict = evaluate(findings, policy('exceptions:', ...entry));
      expect(verdict.blocking.map(({ id }) => id)).toEqual(blocking);
      expect(verdict.excepted).toHaveLength(2 - blocking.length);
    });

    it('lists what it excepted, with the exception that covers it', () => {
      const verdict = evaluate(
        findings,
        policy('exceptions:', ...exception('RDS.2', '2026-12-31', '{ resource: prod-db }')),
      );
      expect(verdict.excepted).toEqual([
        {
          id: 'RDS.2',
          severity: 'CRITICAL',
          resource: DB,
          exception: {
            id: 'RDS.2',
            scope: { resource: 'prod-db' },
            reason: 'accepted for the migration',
            owner: 'team-platform',
            expires: '2026-12-31',
          },
        },
      ]);
    });

    it('an expired exception no longer applies: the result blocks and a warning says so', () => {
      const verdict = evaluate(
        [finding()],
        policy('exceptions:', ...exception('EC2.13', '2026-03-01')),
      );
      expect(verdict.verdict).toBe('block');
      expect(verdict.excepted).toEqual([]);
      expect(verdict.exceptions.expired).toEqual([
        expect.objectContaining({ id: 'EC2.13', matched: 1 }),
      ]);
      expect(verdict.warnings).toEqual([
        'exception EC2.13 (owner team-platform) expired on 2026-03-01 and no longer applies — it would cover 1 result(s) here',
      ]);
    });

    it('an exception is valid through the end of its expiry day, and warns', () => {
      const verdict = evaluateCompliance({
        findings: [finding()],
        policy: policy('exceptions:', ...exception('EC2.13', '2026-03-02')),
        subject: subject(),
        now: new Date('2026-03-02T23:59:59Z'),
      });
      expect(verdict.verdict).toBe('pass');
      expect(verdict.warnings).toEqual([
        'exception EC2.13 (owner team-platform) expires on 2026-03-02, in 0 day(s)',
      ]);
    });

    it('an exception expiring within 14 days applies and warns', () => {
      const verdict = evaluate(
        [finding()],
        policy('exceptions:', ...exception('restricted-ssh', '2026-03-10')),
      );
      expect(verdict.verdict).toBe('pass');
      expect(verdict.warnings).toEqual([
        'exception restricted-ssh (owner team-platform) expires on 2026-03-10, in 8 day(s)',
      ]);
    });

    it('an exception matching no non-compliant resource is stale', () => {
      const verdict = evaluate(
        [finding()],
        policy('exceptions:', ...exception('S3.8', '2026-12-31')),
      );
      expect(verdict.exceptions.stale.map(({ id }) => id)).toEqual(['S3.8']);
      expect(verdict.warnings).toEqual([
        'exception S3.8 matched no non-compliant resource here: remove it if it is no longer needed',
      ]);
    });

    it('an exception matching only a result under fail-on is not stale', () => {
      const verdict = evaluate(
        [finding({ severity: 'LOW' })],
        policy('exceptions:', ...exception('EC2.13', '2026-12-31')),
      );
      expect(verdict.exceptions.stale).toEqual([]);
      expect(verdict.warnings).toEqual([]);
    });

    it("CVE and GHSA exceptions are the scan gate's: never applied, stale or expired here", () => {
      const verdict = evaluate(
        [finding()],
        policy(
          'exceptions:',
          ...exception('CVE-2024-0001', '2026-12-31'),
          ...exception('GHSA-xxxx-yyyy-zzzz', '2026-03-05'),
          ...exception('CVE-2023-9999', '2025-01-01'),
        ),
      );
      expect(verdict.exceptions).toEqual({ expired: [], expiringSoon: [], stale: [] });
      expect(verdict.warnings).toEqual([]);
    });

    it('in the scan gate, a control-id or rule-name exception is not reported stale', () => {
      const digest = `sha256:${'d'.repeat(64)}`;
      const verdict = evaluateImage({
        findings: [],
        policy: policy(
          'exceptions:',
          ...exception('EC2.13', '2026-12-31'),
          ...exception('restricted-ssh', '2026-03-05'),
          ...exception('RDS.2', '2025-01-01'),
          ...exception('CVE-2024-0001', '2026-12-31'),
        ),
        subject: { image: `web@${digest}`, repository: 'web', digest, region: 'us-east-1' },
        now: NOW,
      });
      // Only the CVE exception is the scan gate's to report.
      expect(verdict.exceptions.stale.map(({ id }) => id)).toEqual(['CVE-2024-0001']);
      expect(verdict.exceptions.expiringSoon).toEqual([]);
      expect(verdict.exceptions.expired).toEqual([]);
    });
  });

  describe('rule states', () => {
    const states = {
      evaluated: 4,
      compliant: ['s3-bucket-ssl-requests-only'],
      insufficientData: ['securityhub-ec2-imdsv2-check-xyz', 'team-encryption-check'],
      notApplicable: ['rds-storage-encrypted'],
    };

    it('insufficient-data: warn (the default) passes, and warns which rules were not counted as compliant', () => {
      const verdict = evaluate([], policy(), states);
      expect(verdict.verdict).toBe('pass');
      expect(verdict.warnings).toEqual([
        '2 rule(s) have INSUFFICIENT_DATA and were not counted as compliant: securityhub-ec2-imdsv2-check-xyz, team-encryption-check',
        '1 rule(s) are NOT_APPLICABLE (no resource in scope): rds-storage-encrypted',
      ]);
    });

    it('insufficient-data: block blocks on each such rule at default-severity, and does not warn', () => {
      const verdict = evaluate(
        [],
        policy('compliance:', '  insufficient-data: block', '  default-severity: LOW'),
        states,
      );
      expect(verdict.verdict).toBe('block');
      expect(verdict.blocking).toEqual(
        ['securityhub-ec2-imdsv2-check-xyz', 'team-encryption-check'].map((name) => ({
          id: name,
          severity: 'LOW',
          resource: `AWS Config rule ${name}`,
          reason:
            'INSUFFICIENT_DATA: the rule has not evaluated its resources (compliance.insufficient-data: block)',
          title: `AWS Config rule ${name} has insufficient data`,
          packages: [],
          fixAvailable: 'no',
          rule: name,
        })),
      );
      expect(verdict.warnings).toEqual([
        '1 rule(s) are NOT_APPLICABLE (no resource in scope): rds-storage-encrypted',
      ]);
    });

    it.each<[string, string, string[]]>([
      [
        'excluded by deployed name',
        'exclude: [team-encryption-check]',
        ['securityhub-ec2-imdsv2-check-xyz'],
      ],
      ['excluded by control id', 'exclude: [EC2.8]', ['team-encryption-check']],
      ['excluded by canonical rule name', 'exclude: [ec2-imdsv2-check]', ['team-encryption-check']],
      ['not included', 'include: [EC2.13]', []],
    ])(
      'insufficient-data: block leaves out a rule compliance.rules does not count (%s)',
      (_name, filter, blocking) => {
        const verdict = evaluate(
          [],
          policy('compliance:', '  insufficient-data: block', `  rules: { ${filter} }`),
          states,
        );
        expect(verdict.blocking.map(({ id }) => id)).toEqual(blocking);
        expect(verdict.verdict).toBe(blocking.length > 0 ? 'block' : 'pass');
      },
    );

    it('insufficient-data: warn does not warn about a rule compliance.rules leaves out', () => {
      const verdict = evaluate([], policy('compliance:', '  rules: { exclude: [EC2.8] }'), states);
      expect(verdict.warnings[0]).toBe(
        '1 rule(s) have INSUFFICIENT_DATA and were not counted as compliant: team-encryption-check',
      );
    });

    describe('Security Hub controls with WARNING or NOT_AVAILABLE results', () => {
      const fromSecurityHub = (loaded: LoadedPolicy) =>
        evaluateCompliance({
          findings: [],
          policy: loaded,
          subject: {
            ...subject({ insufficientData: ['EC2.8', 'S3.8'] }),
            source: 'securityhub',
          },
          now: NOW,
        });

      it('insufficient-data: block blocks on each, named as the Security Hub control it is', () => {
        const verdict = fromSecurityHub(policy('compliance:', '  insufficient-data: block'));
        expect(verdict.verdict).toBe('block');
        expect(verdict.blocking).toEqual(
          ['EC2.8', 'S3.8'].map((id) => ({
            id,
            severity: 'MEDIUM',
            resource: `Security Hub control ${id}`,
            reason:
              'WARNING or NOT_AVAILABLE: Security Hub could not evaluate the control on a resource in scope (compliance.insufficient-data: block)',
            title: `Security Hub control ${id} has a WARNING or NOT_AVAILABLE result`,
            packages: [],
            fixAvailable: 'no',
            rule: id,
          })),
        );
        expect(JSON.stringify(verdict)).not.toContain('AWS Config rule');
        expect(JSON.stringify(verdict)).not.toContain('INSUFFICIENT_DATA');
      });

      it('insufficient-data: warn passes and says which controls had no usable result', () => {
        const verdict = fromSecurityHub(policy());
        expect(verdict.verdict).toBe('pass');
        expect(verdict.warnings).toEqual([
          '2 Security Hub control(s) have WARNING or NOT_AVAILABLE results in scope and were not counted as compliant: EC2.8, S3.8',
        ]);
      });

      it.each<[string, string, string[]]>([
        ['by control id', 'exclude: [EC2.8]', ['S3.8']],
        ['by canonical rule name', 'exclude: [ec2-imdsv2-check]', ['S3.8']],
        ['by managed rule identifier', 'exclude: [ec2_imdsv2_check]', ['S3.8']],
        ['included by rule name', 'include: [s3-bucket-level-public-access-prohibited]', ['S3.8']],
      ])(
        'compliance.rules names a control %s, as it does for FAILED results',
        (_name, filter, blocking) => {
          const verdict = fromSecurityHub(
            policy('compliance:', '  insufficient-data: block', `  rules: { ${filter} }`),
          );
          expect(verdict.blocking.map(({ id }) => id)).toEqual(blocking);
        },
      );
    });

    it('NOT_APPLICABLE and COMPLIANT rules never block, even under insufficient-data: block', () => {
      const verdict = evaluate([], policy('compliance:', '  insufficient-data: block'), {
        compliant: ['s3-bucket-ssl-requests-only'],
        notApplicable: ['rds-storage-encrypted'],
      });
      expect(verdict.verdict).toBe('pass');
      expect(verdict.warnings).toEqual([
        '1 rule(s) are NOT_APPLICABLE (no resource in scope): rds-storage-encrypted',
      ]);
    });
  });

  it('appends the notes from collection to the warnings, after its own', () => {
    const verdict = evaluate(
      [finding()],
      policy('exceptions:', ...exception('S3.8', '2026-12-31')),
      {},
      ['rule team-encryption-check is not in the control mapping table'],
    );
    expect(verdict.warnings).toEqual([
      'exception S3.8 matched no non-compliant resource here: remove it if it is no longer needed',
      'rule team-encryption-check is not in the control mapping table',
    ]);
  });

  it('sorts blocking entries by severity, then control id, then resource', () => {
    const at = (id: string, severity: Finding['severity'], resource: string) =>
      finding({ id, severity, resource: { id: resource, type: 'AWS::EC2::SecurityGroup' } });
    const verdict = evaluate([
      at('EC2.13', 'HIGH', 'sg-b'),
      at('S3.8', 'HIGH', 'bucket-a'),
      at('EC2.13', 'HIGH', 'sg-a'),
      at('RDS.2', 'CRITICAL', 'db-z'),
      at('EC2.2', 'HIGH', 'sg-c'),
      at('EC2.19', 'CRITICAL', 'sg-a'),
    ]);
    expect(verdict.blocking.map(({ id, resource }) => `${id} ${resource}`)).toEqual([
      'EC2.19 sg-a',
      'RDS.2 db-z',
      'EC2.13 sg-a',
      'EC2.13 sg-b',
      'EC2.2 sg-c',
      'S3.8 bucket-a',
    ]);
  });

  it('is pure: the same input gives a deep-equal verdict and is left unchanged', () => {
    const input = {
      findings: [
        finding(),
        publicDb(),
        finding({ severity: 'MEDIUM', resource: { id: 'sg-1', type: 'AWS::EC2::SecurityGroup' } }),
      ],
      policy: policy(
        'compliance:',
        '  insufficient-data: block',
        'exceptions:',
        ...exception('RDS.2', '2026-03-05'),
        ...exception('S3.8', '2026-01-01'),
      ),
      subject: subject({
        insufficientData: ['team-encryption-check'],
        notApplicable: ['rds-storage-encrypted'],
      }),
      now: NOW,
      notes: ['a note'],
    };
    const snapshot = structuredClone(input);
    const first = evaluateCompliance(input);
    const second = evaluateCompliance(input);
    expect(second).toEqual(first);
    expect(input).toEqual(snapshot);
    expect(first.blocking.map(({ id }) => id)).toEqual(['EC2.13', 'team-encryption-check']);
    expect(first.warnings).toHaveLength(4);
  });
});
