import {
  CREATE_DEFAULT_ENV,
  DEFAULT_PROFILE_ENV,
  DEFAULT_ROLE_ENV,
  DEFAULT_ROLE_NAME,
  EXCEPTIONS_ENV,
  SLACK_PARAMETER_ENV,
  SLACK_URL_ENV,
  TOPIC_ENV,
  configFrom,
} from '../../actions/src/lambda/ssm-role-fixer/config';
import { ssmPolicyArn } from '../../actions/src/lambda/ssm-role-fixer/fixer';
import {
  slackMessage,
  snsMessage,
  type FixerReport,
} from '../../actions/src/lambda/ssm-role-fixer/message';
import { MAX_SUBJECT } from '../../actions/src/lambda/sns-text';

const TOPIC = 'arn:aws:sns:ap-northeast-2:111122223333:assetguard-ssm-role-fixer-reports';

describe('configFrom', () => {
  it('defaults: no exceptions, no default profile, the default names, the topic', () => {
    expect(configFrom({ [TOPIC_ENV]: TOPIC })).toEqual({
      exceptions: [],
      createDefaultProfile: false,
      defaultRoleName: DEFAULT_ROLE_NAME,
      defaultProfileName: DEFAULT_ROLE_NAME,
      topicArn: TOPIC,
    });
  });

  it('reads every setting, with exception names trimmed, lower-cased and deduplicated', () => {
    expect(
      configFrom({
        [EXCEPTIONS_ENV]: ' Legacy-Batch , bastion,,legacy-batch ',
        [CREATE_DEFAULT_ENV]: 'true',
        [DEFAULT_ROLE_ENV]: 'ssm-default',
        [DEFAULT_PROFILE_ENV]: 'ssm-default-profile',
        [SLACK_PARAMETER_ENV]: '/assetguard/slack-webhook',
      }),
    ).toEqual({
      exceptions: ['legacy-batch', 'bastion'],
      createDefaultProfile: true,
      defaultRoleName: 'ssm-default',
      defaultProfileName: 'ssm-default-profile',
      slack: { parameterName: '/assetguard/slack-webhook' },
    });
  });

  it('names the profile after the role unless told otherwise', () => {
    const config = configFrom({
      [DEFAULT_ROLE_ENV]: 'ssm-default',
      [SLACK_URL_ENV]: 'https://hooks.example.com/x',
    });
    expect(config.defaultProfileName).toBe('ssm-default');
    expect(config.slack).toEqual({ url: 'https://hooks.example.com/x' });
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['no destination', {}, /no report destination: set ASSETGUARD_ALERT_TOPIC_ARN/],
    [
      'a topic that is no ARN',
      { [TOPIC_ENV]: 'alerts' },
      /ASSETGUARD_ALERT_TOPIC_ARN is not an SNS topic ARN/,
    ],
    [
      'both Slack settings',
      { [SLACK_PARAMETER_ENV]: '/p', [SLACK_URL_ENV]: 'https://hooks.example.com/x' },
      /set only one of ASSETGUARD_SLACK_WEBHOOK_PARAMETER/,
    ],
    [
      'a Slack URL that is not http(s)',
      { [SLACK_URL_ENV]: 'file:///etc/passwd' },
      /is not an http\(s\) URL/,
    ],
    [
      'a flag that is neither true nor false',
      { [TOPIC_ENV]: TOPIC, [CREATE_DEFAULT_ENV]: 'yes' },
      /ASSETGUARD_SSM_FIXER_CREATE_DEFAULT_PROFILE: "yes" is not true or false/,
    ],
    [
      'an exception that is no role name',
      { [TOPIC_ENV]: TOPIC, [EXCEPTIONS_ENV]: 'ok-role,bad role' },
      /ASSETGUARD_SSM_FIXER_EXCEPTIONS: "bad role" is not an IAM role/,
    ],
    [
      'a default role name too long',
      { [TOPIC_ENV]: TOPIC, [DEFAULT_ROLE_ENV]: 'r'.repeat(65) },
      /ASSETGUARD_SSM_FIXER_DEFAULT_ROLE: .* is not an IAM role/,
    ],
  ])('refuses %s, naming the variable', (_name, env, message) => {
    expect(() => configFrom(env)).toThrow(message);
  });
});

describe('ssmPolicyArn', () => {
  it.each([
    ['aws', 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'],
    ['aws-cn', 'arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore'],
    ['aws-us-gov', 'arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore'],
  ])('is in the %s partition', (partition, arn) => {
    expect(ssmPolicyArn(partition)).toBe(arn);
  });
});

describe('the report, per medium', () => {
  const report: FixerReport = {
    kind: 'needs-attention',
    instanceId: 'i-0123456789abcdef0',
    reason: 'its instance profile *web* holds no role <!channel>\n::error::injected',
    facts: [
      ['Role', 'payments_web~`x`'],
      ['Event id', 'a'.repeat(500)],
    ],
  };

  it('Slack: one mrkdwn section where no value can format, mention or break a line', () => {
    const message = slackMessage(report);
    expect(message.text).toBe('SSM role fixer needs a person: i-0123456789abcdef0');
    const [block] = message.blocks as { type: string; text: { type: string; text: string } }[];
    expect(block?.type).toBe('section');
    const text = block?.text.text ?? '';
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toMatch(/\*web\*|~`x`/);
    // The reason's line break is gone: `::error::` cannot start a line of its own.
    expect(text.split('\n').some((line) => line.startsWith('::'))).toBe(false);
    expect(text.length).toBeLessThan(3000);
  });

  it('SNS: an ASCII one-line subject of at most 100 characters, and a plain body', () => {
    const { subject, body } = snsMessage({
      ...report,
      instanceId: `i-${'f'.repeat(17)} ✓ ${'x'.repeat(200)}`,
    });
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT);
    expect(subject).toMatch(/^\[assetguard\] SSM role fixer needs a person: i-f{17} \? x+\.\.\.$/);
    expect(body).toContain('Role: payments_web~`x`');
    expect(body.split('\n').some((line) => line.startsWith('::'))).toBe(false);
    expect(snsMessage({ kind: 'malformed-event', reason: 'x', facts: [] }).subject).toBe(
      '[assetguard] SSM role fixer could not read an event',
    );
  });
});
