import { ConfigurationError } from '../../actions/src/core/errors';
import {
  parseRemediateInputs,
  REMEDIATE_INPUTS,
  type RemediateInputs,
} from '../../actions/src/remediate/inputs';

const ROLE = 'arn:aws:iam::123456789012:role/assetguard-remediation-automation';

function parse(values: Record<string, string>): RemediateInputs {
  return parseRemediateInputs((name) => values[name]);
}

function refusal(values: Record<string, string>): string {
  try {
    parse(values);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('the inputs were accepted');
}

describe('parseRemediateInputs', () => {
  it('applies the declared defaults: a dry run from AWS Config, at most 10 resources, 30 minutes', () => {
    expect(parse({ rule: 'EC2.13' })).toEqual({
      rule: 'EC2.13',
      resources: [],
      scope: {},
      source: 'config',
      execute: false,
      maxResources: 10,
      audit: { kind: 'directory', path: 'assetguard-reports/remediate/audit' },
      timeoutMs: 30 * 60_000,
      policy: '.github/assetguard.yml',
      outputDir: 'assetguard-reports/remediate',
    });
  });

  it('reads every input by its name', () => {
    expect(
      parse({
        rule: ' restricted-ssh ',
        resources: 'sg-0abc1234def567890,\narn:aws:s3:::shop-assets\nsg-0abc1234def567890',
        source: 'securityhub',
        execute: 'TRUE',
        'max-resources': '25',
        'automation-assume-role': ROLE,
        audit: 's3://audit-bucket/assetguard/remediation-audit/',
        timeout: '1h30m',
        policy: 'policy.yml',
        'output-dir': 'out',
        region: 'eu-west-1',
      }),
    ).toEqual({
      rule: 'restricted-ssh',
      resources: ['sg-0abc1234def567890', 'arn:aws:s3:::shop-assets'],
      scope: {},
      source: 'securityhub',
      execute: true,
      maxResources: 25,
      automationAssumeRole: ROLE,
      audit: { kind: 's3', bucket: 'audit-bucket', prefix: 'assetguard/remediation-audit' },
      timeoutMs: 90 * 60_000,
      policy: 'policy.yml',
      outputDir: 'out',
      region: 'eu-west-1',
    });
  });

  it('takes the scope as tags', () => {
    expect(parse({ rule: 'S3.8', scope: 'Environment=dev\nService=web' }).scope).toEqual({
      Environment: 'dev',
      Service: 'web',
    });
  });

  it.each([
    [{}, /^rule: required/],
    [{ rule: 'x', resources: 'sg-1,sg 2' }, /^resources: "sg 2" is not a resource id or ARN/],
    [{ rule: 'x', resources: 'arn:aws:s3' }, /^resources: "arn:aws:s3" is not an ARN/],
    [
      { rule: 'x', resources: 'sg-1', scope: 'Environment=dev' },
      /^resources and scope: give one of them/,
    ],
    [{ rule: 'x', scope: 'Environment' }, /^scope: "Environment" is not Key=Value/],
    [{ rule: 'x', source: 'guardduty' }, /^source: "guardduty" is not config or securityhub$/],
    [{ rule: 'x', execute: 'yes' }, /^execute: "yes" is not true or false$/],
    [
      { rule: 'x', 'max-resources': '0' },
      /^max-resources: "0" is not a whole number from 1 to 100/,
    ],
    [{ rule: 'x', 'max-resources': '101' }, /^max-resources: "101" is not a whole number/],
    [{ rule: 'x', 'max-resources': 'ten' }, /^max-resources: "ten"/],
    [
      { rule: 'x', 'automation-assume-role': 'arn:aws:iam::123456789012:user/bob' },
      /^automation-assume-role: "arn:aws:iam::123456789012:user\/bob" is not an IAM role ARN/,
    ],
    [
      { rule: 'x', execute: 'true' },
      /^automation-assume-role: required with execute: the ARN of the IAM role SSM Automation runs the runbook as/,
    ],
    [
      { rule: 'x', audit: 'https://example.com/audit' },
      /^audit: .* uses https:\/\/, which is not supported/,
    ],
    [{ rule: 'x', timeout: '30' }, /^timeout: "30" has no unit/],
  ])('refuses %j, naming the input', (values, message) => {
    expect(refusal(values)).toMatch(message);
  });

  it('declares rule as the only required input, and execute as a flag', () => {
    expect(
      Object.entries(REMEDIATE_INPUTS)
        .filter(([, spec]) => 'required' in spec && spec.required)
        .map(([name]) => name),
    ).toEqual(['rule']);
    expect(REMEDIATE_INPUTS.execute).toMatchObject({ flag: true, default: 'false' });
  });
});
