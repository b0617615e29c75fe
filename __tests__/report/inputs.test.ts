import { ConfigurationError } from '../../actions/src/core/errors';
import { DEFAULT_POLICY_PATH } from '../../actions/src/core/policy';
import {
  DAILY_REPORT_INPUTS,
  parseDailyReportInputs,
  type DailyReportInputs,
} from '../../actions/src/report/inputs';

type InputName = keyof typeof DAILY_REPORT_INPUTS;
type Given = Partial<Record<InputName, string>>;

// Credentials given to every case below: no error message may show one, whichever input it names.
const TOKEN = 'ghs_1nputT0k3nN0tF0rM3ss4g3s0000000000';
const SMTP_PASSWORD = 'sm7p-1nput-Pa55w0rd';
const SLACK_URL = 'https://hooks.slack.com/services/T0001/B0002/1nputW3bh00kS3cr3t';
const SMTP_URL = `smtps://reports:${SMTP_PASSWORD}@smtp.example.com:465`;
const SECRETS = [TOKEN, SMTP_PASSWORD, '1nputW3bh00kS3cr3t'];

/** Inputs by name, as the runner passes them: anything not given reads as ''. */
function parse(given: Given = {}, env: NodeJS.ProcessEnv = {}): DailyReportInputs {
  return parseDailyReportInputs((name) => given[name as InputName] ?? '', env);
}

function parseError(given: Given, env: NodeJS.ProcessEnv = {}): ConfigurationError {
  try {
    parse(given, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`parseDailyReportInputs accepted ${JSON.stringify(given)}`);
}

/** Every delivery asked for, validly: each bad case below changes one thing. */
const DELIVERIES: Given = {
  'github-issue': 'true',
  'github-token': TOKEN,
  repository: 'acme/platform',
  'slack-webhook-url': SLACK_URL,
  'email-to': 'security@example.com',
  'email-from': 'assetguard@example.com',
  'email-transport': 'smtp',
  'smtp-url': SMTP_URL,
};

describe('parseDailyReportInputs', () => {
  it('applies the declared defaults when nothing is given: no delivery, no state, optional means absent', () => {
    const inputs = parse();
    expect(inputs).toEqual({
      complianceSource: 'config',
      scope: {},
      policy: DEFAULT_POLICY_PATH,
      outputDir: 'assetguard-reports/daily-report',
      failOnOverdue: false,
    });
    for (const key of ['state', 'region', 'github', 'slackWebhookUrl', 'email', 'reportUrl']) {
      expect(Object.hasOwn(inputs, key)).toBe(false);
    }
  });

  it('reads every input by its kebab-case name', () => {
    expect(
      parse({
        ...DELIVERIES,
        state: 's3://reports-bucket/assetguard/state.json',
        'compliance-source': 'securityhub',
        scope: 'Environment=prod',
        policy: 'policies/report.yml',
        'output-dir': 'out/daily',
        region: 'eu-central-2',
        'fail-on-overdue': 'true',
        'email-to': 'security@example.com, ops@example.com',
        'report-url': 'https://reports.example.com/today/report.html',
      }),
    ).toEqual({
      state: { kind: 's3', bucket: 'reports-bucket', key: 'assetguard/state.json' },
      complianceSource: 'securityhub',
      scope: { Environment: 'prod' },
      policy: 'policies/report.yml',
      outputDir: 'out/daily',
      region: 'eu-central-2',
      failOnOverdue: true,
      github: { token: TOKEN, owner: 'acme', repo: 'platform' },
      slackWebhookUrl: SLACK_URL,
      email: {
        to: ['security@example.com', 'ops@example.com'],
        from: 'assetguard@example.com',
        transport: { kind: 'smtp', url: SMTP_URL },
      },
      reportUrl: 'https://reports.example.com/today/report.html',
    });
  });

  it('takes the repository from GITHUB_REPOSITORY in Actions, and a file path as the state', () => {
    const inputs = parse(
      { 'github-issue': 'true', 'github-token': TOKEN, state: '.assetguard/state.json' },
      { GITHUB_REPOSITORY: 'acme/platform' },
    );
    expect(inputs.github).toEqual({ token: TOKEN, owner: 'acme', repo: 'platform' });
    expect(inputs.state).toEqual({ kind: 'file', path: '.assetguard/state.json' });
  });

  it('accepts an http webhook on 127.0.0.1 only (a local sink), and email through SES without smtp-url', () => {
    expect(parse({ 'slack-webhook-url': 'http://127.0.0.1:8080/services/x' }).slackWebhookUrl).toBe(
      'http://127.0.0.1:8080/services/x',
    );
    expect(
      parse({ 'email-to': 'security@example.com', 'email-from': 'assetguard@example.com' }).email,
    ).toEqual({
      to: ['security@example.com'],
      from: 'assetguard@example.com',
      transport: { kind: 'ses' },
    });
  });

  it.each<[string, Given, RegExp]>([
    [
      'state ftp://',
      { state: 'ftp://x' },
      /^state: "ftp:\/\/x" uses ftp:\/\/, which is not supported/,
    ],
    ['state s3:// without a key', { state: 's3://bucket' }, /^state: .*names no object key/],
    [
      'compliance-source bogus',
      { 'compliance-source': 'bogus' },
      /^compliance-source: "bogus" is not config or securityhub/,
    ],
    [
      'slack-webhook-url over http to another host',
      { 'slack-webhook-url': 'http://example.com/services/T/B/1nputW3bh00kS3cr3t' },
      /^slack-webhook-url: not an https:\/\/ URL/,
    ],
    [
      'slack-webhook-url not a URL',
      { 'slack-webhook-url': '1nputW3bh00kS3cr3t' },
      /^slack-webhook-url: /,
    ],
    [
      'email-to without email-from',
      { 'email-to': 'security@example.com', 'email-from': '' },
      /^email-to: needs email-from/,
    ],
    [
      'email-to not an address',
      { 'email-to': 'security team' },
      /^email-to: "security team" is not an address/,
    ],
    [
      'email-transport smtp without smtp-url',
      { 'smtp-url': '' },
      /^smtp-url: email-transport smtp needs an smtp:\/\/ or smtps:\/\/ URL/,
    ],
    [
      'smtp-url with another scheme',
      { 'smtp-url': `https://reports:${SMTP_PASSWORD}@smtp.example.com` },
      /^smtp-url: /,
    ],
    ['smtp-url without a host', { 'smtp-url': `smtp://` }, /^smtp-url: /],
    [
      'email-transport unknown',
      { 'email-transport': 'sendmail' },
      /^email-transport: "sendmail" is not ses or smtp/,
    ],
    [
      'github-issue without github-token',
      { 'github-token': '' },
      /^github-issue: needs github-token/,
    ],
    ['repository bad', { repository: 'bad' }, /^repository: "bad" is not owner\/name/],
    [
      'fail-on-overdue not a boolean',
      { 'fail-on-overdue': 'yes' },
      /^fail-on-overdue: "yes" is not true or false/,
    ],
    [
      'github-issue not a boolean',
      { 'github-issue': 'on' },
      /^github-issue: "on" is not true or false/,
    ],
    ['report-url not http(s)', { 'report-url': 'javascript:alert(1)' }, /^report-url: /],
    ['scope without =', { scope: 'Environment' }, /^scope: /],
    ['output-dir with a line break', { 'output-dir': 'out\n::error::x' }, /^output-dir: /],
  ])('refuses %s, naming the input and never showing a secret', (_case, bad, message) => {
    const error = parseError({ ...DELIVERIES, ...bad });
    expect(error.message).toMatch(message);
    for (const secret of SECRETS) expect(error.message).not.toContain(secret);
  });

  it('reads flags in any case, as YAML and the CLI write them', () => {
    expect(parse({ 'fail-on-overdue': 'TRUE' }).failOnOverdue).toBe(true);
    expect(parse({ 'fail-on-overdue': 'False' }).failOnOverdue).toBe(false);
    expect(parse({ 'github-issue': 'false', 'github-token': TOKEN }).github).toBeUndefined();
  });

  it.each(['acme', 'acme/platform/x', '../..', 'acme/..', './platform', 'acme/plat form'])(
    'refuses the repository %j: not owner/name (path steps would move the API path)',
    (repository) => {
      expect(
        parseError({ 'github-issue': 'true', 'github-token': TOKEN, repository }).message,
      ).toBe(`repository: "${repository}" is not owner/name`);
      expect(
        parseError(
          { 'github-issue': 'true', 'github-token': TOKEN },
          { GITHUB_REPOSITORY: repository },
        ).message,
      ).toBe(`repository: "${repository}" is not owner/name`);
    },
  );

  it('asks for a repository outside Actions, naming the input', () => {
    const error = parseError({ 'github-issue': 'true', 'github-token': TOKEN });
    expect(error.message).toBe(
      'github-issue: needs repository (owner/name) outside GitHub Actions',
    );
  });
});
