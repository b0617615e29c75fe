import { ConfigurationError } from '../../actions/src/core/errors';
import { DEFAULT_POLICY_PATH } from '../../actions/src/core/policy';
import {
  COMPLIANCE_GATE_INPUTS,
  parseComplianceGateInputs,
  type ComplianceGateInputs,
} from '../../actions/src/compliance-gate/inputs';

type InputName = keyof typeof COMPLIANCE_GATE_INPUTS;

/** Inputs by name, as the runner passes them: anything not given reads as ''. */
function parse(given: Partial<Record<InputName, string>> = {}): ComplianceGateInputs {
  return parseComplianceGateInputs((name) => given[name as InputName] ?? '');
}

function parseError(given: Partial<Record<InputName, string>>): ConfigurationError {
  try {
    parse(given);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('parseComplianceGateInputs accepted invalid inputs');
}

describe('parseComplianceGateInputs', () => {
  it('applies the declared defaults when nothing is given, with region left undefined', () => {
    const inputs = parse();
    expect(inputs).toEqual({
      source: 'config',
      rules: [],
      scope: {},
      policy: DEFAULT_POLICY_PATH,
      outputDir: 'assetguard-reports/compliance-gate',
    });
    expect('region' in inputs).toBe(false);
  });

  it('reads every input by its kebab-case name', () => {
    expect(
      parse({
        source: 'securityhub',
        rules: 'EC2.13',
        scope: 'Environment=prod',
        policy: 'policies/prod.yml',
        'output-dir': 'out/compliance',
        region: 'ap-northeast-2',
      }),
    ).toEqual({
      source: 'securityhub',
      rules: ['EC2.13'],
      scope: { Environment: 'prod' },
      policy: 'policies/prod.yml',
      outputDir: 'out/compliance',
      region: 'ap-northeast-2',
    });
  });

  it.each<[string, string, ComplianceGateInputs['source']]>([
    ['config', 'config', 'config'],
    ['securityhub', 'securityhub', 'securityhub'],
    ['padded with whitespace', '  securityhub\n', 'securityhub'],
    ['blank, which means the default', '   ', 'config'],
  ])('source %s → %s', (_name, source, expected) => {
    expect(parse({ source }).source).toBe(expected);
  });

  it.each([
    ['SecurityHub', 'source: "SecurityHub" is not config or securityhub'],
    ['security-hub', 'source: "security-hub" is not config or securityhub'],
    ['inspector', 'source: "inspector" is not config or securityhub'],
  ])('rejects source %s, naming the input and the values it takes', (source, message) => {
    expect(parseError({ source }).message).toBe(message);
  });

  it.each<[string, string, string[]]>([
    ['one rule', 'restricted-ssh', ['restricted-ssh']],
    [
      'commas',
      'EC2.13,S3.8, securityhub-restricted-ssh-abc123',
      ['EC2.13', 'S3.8', 'securityhub-restricted-ssh-abc123'],
    ],
    [
      'newlines, as a YAML block scalar gives them',
      'EC2.13\nS3.8\nINCOMING_SSH_DISABLED\n',
      ['EC2.13', 'S3.8', 'INCOMING_SSH_DISABLED'],
    ],
    ['commas and newlines mixed, with blank entries', 'EC2.13,\n\n , S3.8\n', ['EC2.13', 'S3.8']],
  ])('rules: %s', (_name, rules, expected) => {
    expect(parse({ rules }).rules).toEqual(expected);
  });

  it.each<[string, string, Record<string, string>]>([
    ['one tag', 'Environment=prod', { Environment: 'prod' }],
    ['commas', 'Environment=prod, Team=web', { Environment: 'prod', Team: 'web' }],
    ['newlines', 'Environment=prod\nTeam=web\n', { Environment: 'prod', Team: 'web' }],
    ['spaces around key and value', ' Environment =  prod ', { Environment: 'prod' }],
    ['a value containing =', 'Query=a=b', { Query: 'a=b' }],
  ])('scope: %s', (_name, scope, expected) => {
    expect(parse({ scope }).scope).toEqual(expected);
  });

  it.each([
    [
      'an entry without =',
      'Environment',
      'scope: "Environment" is not Key=Value; e.g. Environment=prod',
    ],
    [
      'an entry with an empty key',
      '=prod',
      'scope: "=prod" is not Key=Value; e.g. Environment=prod',
    ],
    [
      'one bad entry among good ones',
      'Environment=prod\nTeam:web',
      'scope: "Team:web" is not Key=Value; e.g. Environment=prod',
    ],
    [
      'a tag key given twice',
      'Environment=prod, Environment=staging',
      'scope: the tag key Environment is given twice',
    ],
    [
      'a tag key given twice with different padding',
      'Environment=prod\n Environment =prod',
      'scope: the tag key Environment is given twice',
    ],
    // An empty value would select every resource whose value is empty: never a deploy target.
    [
      'an empty value',
      'Reviewed=',
      `scope: "Reviewed=" has an empty value; give the value the target's resources carry, e.g. Reviewed=prod`,
    ],
    [
      'an empty value after a good entry (the action input of the issue)',
      'Environment=prod\nService=',
      `scope: "Service=" has an empty value; give the value the target's resources carry, e.g. Service=prod`,
    ],
    [
      'an empty value padded with spaces',
      'Environment=   ',
      `scope: "Environment=" has an empty value; give the value the target's resources carry, e.g. Environment=prod`,
    ],
    [
      'a value AWS would never store',
      'Environment=prod;staging',
      'scope: the value of Environment is not a tag value AWS accepts (up to 256 letters, digits, spaces and _ . : / = + - @)',
    ],
  ])('rejects %s, naming the scope input', (_name, scope, message) => {
    expect(parseError({ scope }).message).toBe(message);
  });
});
