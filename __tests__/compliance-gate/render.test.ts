import type { Finding } from '../../actions/src/core/model';
import { loadedFromText, type LoadedPolicy } from '../../actions/src/core/policy';
import { toSarif } from '../../actions/src/core/sarif';
import {
  evaluateCompliance,
  type ComplianceSubject,
} from '../../actions/src/compliance-gate/evaluate';
import {
  complianceSarifEntries,
  renderComplianceSummary,
} from '../../actions/src/compliance-gate/render';
import { sarifErrors } from '../support/sarif';

// Config rule names, annotations, resource ids and Security Hub URLs are AWS's text: they reach
// the job summary, the CLI's stdout and results.sarif.
const NOW = new Date('2026-03-02T12:00:00Z');
const INJECTED = 'x\n::error::INJECTED\n::stop-commands::tok';
const SG = 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d';

function policy(origin = '.github/assetguard.yml', ...yaml: string[]): LoadedPolicy {
  return loadedFromText(`${['version: 1', ...yaml].join('\n')}\n`, origin);
}

function subject(source: ComplianceSubject['source'] = 'config'): ComplianceSubject {
  return {
    source,
    region: 'us-east-1',
    scope: { tags: { Environment: 'prod' }, rules: [] },
    rules: {
      evaluated: 2,
      compliant: [],
      nonCompliant: [`restricted-ssh${INJECTED}`],
      insufficientData: [],
      notApplicable: [],
    },
  };
}

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'EC2.13',
    sourceId: 'restricted-ssh/AWS::EC2::SecurityGroup/sg-0a1b2c3d',
    source: 'config',
    severity: 'HIGH',
    status: 'ACTIVE',
    title: 'Security groups should not allow ingress from 0.0.0.0/0 to port 22',
    resource: { id: SG, type: 'AWS::EC2::SecurityGroup', region: 'us-east-1' },
    packages: [],
    fixAvailable: 'yes',
    rule: { name: 'restricted-ssh' },
    remediation: { document: 'AWS-DisableIncomingSSHOnPort22' },
    ...overrides,
  };
}

function commandLines(text: string): string[] {
  return text.split('\n').filter((line) => /^\s*::/.test(line) || line.includes('##['));
}

function evaluate(findings: Finding[], loaded = policy(), source?: ComplianceSubject['source']) {
  return evaluateCompliance({ findings, policy: loaded, subject: subject(source), now: NOW });
}

describe('renderComplianceSummary escapes every AWS field', () => {
  const findings = [
    finding({
      rule: {
        name: `restricted-ssh${INJECTED}`,
        annotation: `open <img src=x onerror=alert(3)> ${INJECTED}`,
      },
      url: 'javascript:alert(1)',
    }),
    finding({
      id: 'S3.8',
      source: 'securityhub',
      resource: { id: `arn:aws:s3:::bucket|${INJECTED}`, type: 'AWS::S3::Bucket' },
      url: `https://docs.aws.example/S3.8${INJECTED}`,
      rule: { name: 's3-bucket-level-public-access-prohibited' },
    }),
  ];
  const summary = renderComplianceSummary(evaluate(findings), 'out/compliance');

  it('a rule name or source URL with a newline cannot start a line, so no line is a workflow command', () => {
    expect(commandLines(summary)).toEqual([]);
  });

  it('never writes HTML or a javascript: link', () => {
    expect(summary).not.toMatch(/(?<!\\)<img/);
    expect(summary).not.toMatch(/\]\(javascript:/i);
  });

  it('keeps every row of the blocking table whole', () => {
    const rows = summary.split('\n').filter((line) => line.startsWith('| HIGH |'));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.split(/(?<!\\)\|/).slice(1, -1)).toHaveLength(6);
  });
});

describe('"Why it fails" says why, or is left out', () => {
  it('shows the rule annotation', () => {
    const summary = renderComplianceSummary(
      evaluate([
        finding({ rule: { name: 'restricted-ssh', annotation: 'Port 22 is open to 0.0.0.0/0.' } }),
      ]),
    );
    expect(summary).toContain(
      '| Severity | Control | Rule | Resource | Why it fails | Fix (SSM Automation) |',
    );
    expect(summary).toContain('| Port 22 is open to 0.0.0.0/0. |');
  });

  it('leaves the column out when no result says why (the policy text says why it blocks, not why it fails)', () => {
    const summary = renderComplianceSummary(evaluate([finding()]));
    expect(summary).toContain('| Severity | Control | Rule | Resource | Fix (SSM Automation) |');
    expect(summary).not.toContain('is in compliance.fail-on');
    expect(summary).not.toContain('Why it fails');
  });
});

describe('complianceSarifEntries: alerts on a file that exists', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ['GITHUB_WORKFLOW_REF', 'GITHUB_REPOSITORY']) {
      if (saved[key] === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = saved[key];
    }
  });

  it('never at .github/assetguard.yml when the built-in default applied (that file does not exist)', () => {
    Reflect.deleteProperty(process.env, 'GITHUB_WORKFLOW_REF');
    const verdict = evaluate([finding()], policy('built-in default'));
    // compliance-gate/run.ts passes the policy input, which names the default path.
    const entries = complianceSarifEntries(verdict, [finding()], '.github/assetguard.yml');
    expect(entries[0]?.file).toBeUndefined();
    Object.assign(process.env, {
      GITHUB_REPOSITORY: 'octo/shop',
      GITHUB_WORKFLOW_REF: 'octo/shop/.github/workflows/deploy.yml@refs/heads/main',
    });
    const text = toSarif(
      complianceSarifEntries(verdict, [finding()], '.github/assetguard.yml'),
      'assetguard/compliance-gate',
    );
    expect(text).not.toContain('.github/assetguard.yml');
    expect(text).toContain('"uri":".github/workflows/deploy.yml"');
    expect(sarifErrors(JSON.parse(text))).toEqual([]);
  });

  it('at the policy file the verdict was decided by', () => {
    const verdict = evaluate([finding()], policy('policies/prod.yml'));
    expect(complianceSarifEntries(verdict, [finding()], 'policies/prod.yml')[0]?.file).toBe(
      'policies/prod.yml',
    );
  });
});

describe('a Security Hub estate with 25,050 failing results', () => {
  it('results.sarif keeps 25,000 (the most severe), and the summary says so', () => {
    const findings = Array.from({ length: 25_050 }, (_, index) =>
      finding({
        id: `CTRL.${index}`,
        source: 'securityhub',
        severity: index < 50 ? 'LOW' : 'HIGH',
        resource: { id: `arn:aws:s3:::bucket-${index}`, type: 'AWS::S3::Bucket' },
      }),
    );
    const verdict = evaluate(findings, policy(), 'securityhub');
    const summary = renderComplianceSummary(verdict, 'out');
    expect(summary).toContain(
      'results.sarif holds the 25000 most severe of 25050 results (blocking first): GitHub code scanning accepts at most 25000 per run.',
    );
    const log = JSON.parse(toSarif(complianceSarifEntries(verdict, findings), 'c')) as {
      runs: { results: { ruleId: string }[] }[];
    };
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0]?.results).toHaveLength(25_000);
    expect(
      log.runs[0]?.results.some((result) => /^CTRL\.([0-9]|[1-4][0-9])$/.test(result.ruleId)),
    ).toBe(false);
  });
});
