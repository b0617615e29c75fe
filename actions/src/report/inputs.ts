import { ConfigurationError } from '../core/errors';
import {
  listInput,
  parseOutputDir,
  parseRepositoryName,
  readInput,
  type CommandInputSpecs,
  type InputReader,
  type OutputSpecs,
  DEFAULT_POLICY_PATH,
} from '../core/inputs';
import { parseAuditLocation, type AuditLocation } from '../core/audit-location';
import { parseScope } from '../core/scope';
import { safeUrl } from '../core/escape';
import { parseStateLocation, type StateLocation } from './state-location';

/** Declared once: action.yml and the CLI flags are checked against this in tests. */
export const DAILY_REPORT_INPUTS = {
  state: {
    description:
      "Yesterday's state, and where today's is written: s3://bucket/key, or a file (a workflow artifact restored before the run). Without it every run is a first run: no new, fixed or trend.",
  },
  'compliance-source': {
    description:
      'Where compliance (CCE) comes from: config (AWS Config rules) or securityhub (Security Hub control findings).',
    default: 'config',
  },
  scope: {
    description:
      'Only compliance results of resources carrying these tags, Key=Value, comma- or newline-separated. Default: the whole account.',
    multiple: true,
  },
  policy: {
    description:
      'Policy file (report.sla-days, report.owner-tag, report.route-by, tags, exceptions). When the default path does not exist, the built-in default applies.',
    default: DEFAULT_POLICY_PATH,
  },
  'output-dir': {
    description:
      'Directory for report.html, report.json, findings.csv, summary.md, verdict.json and evidence.json.',
    default: 'assetguard-reports/daily-report',
  },
  region: {
    description: 'AWS region to report on. Defaults to AWS_REGION.',
  },
  'fail-on-overdue': {
    description:
      'Exit 1 (block) when any finding is past its SLA, so a scheduled run shows red. Default: report only.',
    default: 'false',
    flag: true,
  },
  'github-issue': {
    description:
      'Keep one GitHub issue per report title up to date: the body replaced, the day’s delta as a comment. Needs github-token with issues: write.',
    default: 'false',
    flag: true,
  },
  'github-token': {
    description: 'Token for the GitHub issue (issues: write), e.g. secrets.GITHUB_TOKEN.',
    secret: { env: 'GITHUB_TOKEN' },
  },
  repository: {
    description:
      'owner/name of the repository the issue is kept in. Defaults to GITHUB_REPOSITORY.',
  },
  'slack-webhook-url': {
    description: 'Slack incoming webhook URL: the headline, counts and top items are posted there.',
    secret: { env: 'ASSETGUARD_SLACK_WEBHOOK_URL' },
  },
  'email-to': {
    description:
      'Addresses the whole report is mailed to, comma- or newline-separated (with report.route-by, each team also gets its own part).',
    multiple: true,
  },
  'email-from': {
    description: 'The sender address (an SES verified identity when email-transport is ses).',
  },
  'email-transport': {
    description: 'How mail is sent: ses (SES v2 SendEmail) or smtp (smtp-url).',
    default: 'ses',
  },
  'smtp-url': {
    description:
      'smtp:// or smtps:// URL with credentials (smtps://user:password@smtp.example.com:465) when email-transport is smtp.',
    secret: { env: 'ASSETGUARD_SMTP_URL' },
  },
  'report-url': {
    description:
      'Where readers find the HTML report (the run’s artifact, a bucket website): linked from Slack, email and the issue. Default: the run URL.',
  },
  'remediation-audit': {
    description:
      'Where assetguard remediate keeps its audit records: s3://bucket/prefix/ or a directory. The report then shows the remediation runs of the last 7 days. Default: no Remediation section.',
  },
} satisfies CommandInputSpecs;

/** Declared once: action.yml is checked against this in tests, and `setOutputs` writes exactly these. */
export const DAILY_REPORT_OUTPUTS = {
  verdict: 'pass (reported), block (overdue findings with fail-on-overdue) or error.',
  open: 'Count of open findings (CVE and CCE).',
  new: 'Count of findings new since the previous run.',
  fixed: 'Count of findings fixed since the previous run.',
  overdue: 'Count of open findings past their SLA.',
  critical: 'Count of open CRITICAL findings.',
  high: 'Count of open HIGH findings.',
  'report-dir': 'Directory holding the reports.',
  'html-file': 'Path of report.html, the self-contained page with charts.',
  'issue-url': 'URL of the GitHub issue kept up to date, when github-issue is set.',
} as const satisfies OutputSpecs;

/** How the report's email is sent. */
export type EmailTransportInput = { kind: 'ses' } | { kind: 'smtp'; url: string };

/** The daily report's inputs, parsed. Secrets are kept only here, never in reports or evidence. */
export interface DailyReportInputs {
  state?: StateLocation;
  complianceSource: 'config' | 'securityhub';
  scope: Record<string, string>;
  policy: string;
  outputDir: string;
  region?: string;
  failOnOverdue: boolean;
  github?: { token: string; owner: string; repo: string };
  slackWebhookUrl?: string;
  email?: { to: string[]; from: string; transport: EmailTransportInput };
  reportUrl?: string;
  /** Where the remediation audit records are read from (the Remediation section). */
  remediationAudit?: AuditLocation;
}

const EMAIL = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;

/**
 * Parses the daily report's inputs by name (action inputs or CLI flags) with the declared defaults.
 * @throws ConfigurationError naming the input: a state location that is neither s3://bucket/key
 *   nor a path, an unknown compliance-source, a bad scope, github-issue without a token or a
 *   repository, a webhook or report URL that is not https, email-to without email-from (or an
 *   address that is not one), smtp without an smtp(s):// smtp-url with a host, a flag
 *   (fail-on-overdue, github-issue) that is not true or false, a remediation-audit location
 *   that is neither s3://bucket/prefix/ nor a directory. Never shows a secret's value.
 */
export function parseDailyReportInputs(
  read: InputReader,
  env: NodeJS.ProcessEnv = process.env,
): DailyReportInputs {
  const get = <Name extends keyof typeof DAILY_REPORT_INPUTS>(name: Name) =>
    readInput(DAILY_REPORT_INPUTS, read, name);
  const source = get('compliance-source');
  if (source !== 'config' && source !== 'securityhub') {
    throw new ConfigurationError(`compliance-source: "${source}" is not config or securityhub`);
  }
  const stateText = get('state');
  const region = get('region');
  const slack = get('slack-webhook-url');
  if (slack !== undefined && !isWebhookUrl(slack)) {
    // Never echo the value: it is a credential.
    throw new ConfigurationError(
      'slack-webhook-url: not an https:// URL (an incoming webhook URL looks like https://hooks.slack.com/services/…)',
    );
  }
  const reportUrl = get('report-url');
  if (reportUrl !== undefined && safeUrl(reportUrl) === undefined) {
    throw new ConfigurationError(`report-url: "${reportUrl}" is not an http(s) URL`);
  }
  const audit = get('remediation-audit');
  return {
    ...(stateText !== undefined && { state: parseStateLocation(stateText) }),
    complianceSource: source,
    scope: parseScope(get('scope')),
    policy: get('policy'),
    outputDir: parseOutputDir(get('output-dir')),
    ...(region !== undefined && { region }),
    failOnOverdue: flagOf('fail-on-overdue', get('fail-on-overdue')),
    ...githubOf(
      flagOf('github-issue', get('github-issue')),
      get('github-token'),
      get('repository'),
      env,
    ),
    ...(slack !== undefined && { slackWebhookUrl: slack }),
    ...emailOf(
      listInput(get('email-to')),
      get('email-from'),
      get('email-transport'),
      get('smtp-url'),
    ),
    ...(reportUrl !== undefined && { reportUrl }),
    ...(audit !== undefined && {
      remediationAudit: parseAuditLocation(audit, 'remediation-audit'),
    }),
  };
}

/**
 * A flag input: true or false (any case, as YAML and the CLI give it). Anything else is refused
 * rather than read as false: `fail-on-overdue: yes` must not quietly report only.
 */
function flagOf(name: 'fail-on-overdue' | 'github-issue', value: string): boolean {
  const flag = value.toLowerCase();
  if (flag !== 'true' && flag !== 'false') {
    throw new ConfigurationError(`${name}: "${value}" is not true or false`);
  }
  return flag === 'true';
}

/** https, or http to this machine (a local test sink): a webhook URL carries its own secret. */
function isWebhookUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      url.protocol === 'https:' ||
      (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    );
  } catch {
    return false;
  }
}

/**
 * smtp:// or smtps:// with a host (what sinks/email `parseSmtpUrl` accepts), checked here so a
 * URL without one is refused before the report runs, not at delivery after it.
 */
function isSmtpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function githubOf(
  wanted: boolean,
  token: string | undefined,
  repository: string | undefined,
  env: NodeJS.ProcessEnv,
): Pick<DailyReportInputs, 'github'> {
  if (!wanted) return {};
  if (token === undefined) {
    throw new ConfigurationError(
      'github-issue: needs github-token (with: github-token: ${{ secrets.GITHUB_TOKEN }}, and permissions: issues: write)',
    );
  }
  const name = repository ?? env.GITHUB_REPOSITORY;
  const parsed = name === undefined ? undefined : parseRepositoryName(name);
  if (!parsed) {
    throw new ConfigurationError(
      name === undefined
        ? 'github-issue: needs repository (owner/name) outside GitHub Actions'
        : `repository: "${name}" is not owner/name`,
    );
  }
  return { github: { token, ...parsed } };
}

function emailOf(
  to: string[],
  from: string | undefined,
  transport: string,
  smtpUrl: string | undefined,
): Pick<DailyReportInputs, 'email'> {
  if (to.length === 0) return {};
  for (const address of to) {
    if (!EMAIL.test(address))
      throw new ConfigurationError(`email-to: "${address}" is not an address`);
  }
  if (from === undefined) throw new ConfigurationError('email-to: needs email-from (the sender)');
  if (!EMAIL.test(from)) throw new ConfigurationError(`email-from: "${from}" is not an address`);
  if (transport === 'ses') return { email: { to, from, transport: { kind: 'ses' } } };
  if (transport !== 'smtp') {
    throw new ConfigurationError(`email-transport: "${transport}" is not ses or smtp`);
  }
  if (smtpUrl === undefined || !isSmtpUrl(smtpUrl)) {
    throw new ConfigurationError(
      'smtp-url: email-transport smtp needs an smtp:// or smtps:// URL (e.g. smtps://user:password@smtp.example.com:465)',
    );
  }
  return { email: { to, from, transport: { kind: 'smtp', url: smtpUrl } } };
}
