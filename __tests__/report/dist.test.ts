import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DAILY_REPORT_INPUTS, DAILY_REPORT_OUTPUTS } from '../../actions/src/report/inputs';
import { parseState } from '../../actions/src/report/state';
import { runAction, type RunnerResult } from '../support/runner';
import { motoEndpoint, motoEnv } from '../fixtures/moto-estate';
import { REPORT_POLICY, seedReportEstate, type ReportEstate } from '../fixtures/report-estate';
import { importControlFindings } from '../fixtures/seed';
import {
  startSlackRecorder,
  startSmtpSink,
  type SlackRecorder,
  type SmtpSink,
} from '../support/sinks';

// The committed bundle, run exactly as the Actions runner runs it, against the report's estate in
// moto, delivering to a Slack webhook, an SMTP server and a GitHub API, all on 127.0.0.1.
const REGION = 'ca-west-1';
const ROOT = resolve(__dirname, '../..');
const OWNER_REPO = 'acme/platform';
const TOKEN = 'ghs_D1stT0k3nNeverInTheLog0000000000000';
const SMTP_PASSWORD = 'd1st-sm7p-Pa55w0rd';
const SLACK_SECRET = 'd1stW3bh00kS3cr3tPath';

// Finding text is untrusted: a title that is a workflow command, and one that tries to start one
// on a line of its own (and to set an output).
const HOSTILE_TITLES = [
  '::error::pwned',
  'IMDSv2 off\n::set-output name=verdict::pass\n::error file=x::pwned-too',
];

/** A GitHub REST API on 127.0.0.1 that knows one repository with no report issue yet. */
interface FakeGitHub {
  url: string;
  server: Server;
  requests: { method: string; path: string; authorization?: string; body?: unknown }[];
}

async function startGitHub(): Promise<FakeGitHub> {
  const github = { requests: [] } as unknown as FakeGitHub;
  github.server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '';
      github.requests.push({
        method: request.method ?? '',
        path,
        ...(request.headers.authorization !== undefined && {
          authorization: request.headers.authorization,
        }),
        ...(text !== '' && { body: JSON.parse(text) as unknown }),
      });
      const send = (status: number, body: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(body));
      };
      if (request.method === 'GET' && path.startsWith(`/repos/${OWNER_REPO}/issues?`)) {
        send(200, []);
      } else if (request.method === 'POST' && path === `/repos/${OWNER_REPO}/issues`) {
        send(201, {
          number: 1,
          html_url: `https://github.com/${OWNER_REPO}/issues/1`,
          title: (JSON.parse(text) as { title: string }).title,
          state: 'open',
        });
      } else {
        send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
      }
    });
  });
  await new Promise<void>((resolvePromise) => github.server.listen(0, '127.0.0.1', resolvePromise));
  github.url = `http://127.0.0.1:${(github.server.address() as AddressInfo).port}`;
  return github;
}

let estate: ReportEstate;
let github: FakeGitHub;
let slack: SlackRecorder;
let mail: SmtpSink;
let policyFile: string;
let result: RunnerResult;
let smtpUrl: string;

beforeAll(async () => {
  estate = await seedReportEstate(motoEndpoint(), REGION);
  await importControlFindings(
    motoEndpoint(),
    REGION,
    HOSTILE_TITLES.map((title, index) => ({
      controlId: `EC2.${90 + index}`,
      severity: 'HIGH' as const,
      resourceType: 'AwsEc2Instance',
      resourceId: estate.instance.arn,
      title,
    })),
  );
  policyFile = join(mkdtempSync(join(tmpdir(), 'ag-report-dist-policy-')), 'assetguard.yml');
  writeFileSync(policyFile, REPORT_POLICY);
  [github, slack, mail] = await Promise.all([
    startGitHub(),
    startSlackRecorder({ path: `/services/T1/B2/${SLACK_SECRET}` }),
    startSmtpSink({ user: 'reports', password: SMTP_PASSWORD }),
  ]);
  smtpUrl = mail.url();
  result = await runAction(
    'daily-report',
    {
      state: 'state/report-state.json',
      'compliance-source': 'securityhub',
      policy: policyFile,
      'github-issue': 'true',
      'github-token': TOKEN,
      'slack-webhook-url': slack.url,
      'email-to': 'security@example.com',
      'email-from': 'assetguard@example.com',
      'email-transport': 'smtp',
      'smtp-url': smtpUrl,
    },
    {
      ...motoEnv(REGION),
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: OWNER_REPO,
      GITHUB_RUN_ID: '4242',
    },
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([
    new Promise<void>((done) =>
      github.server.close(() => {
        done();
      }),
    ),
    slack.close(),
    mail.close(),
  ]);
});

describe('actions/dist/daily-report run as the runner runs it', () => {
  it('reports (exit 0) with every declared output, the job summary, the reports and the state', () => {
    expect(result.exitCode).toBe(0);
    const reportDir = 'assetguard-reports/daily-report';
    const verdict = JSON.parse(
      readFileSync(join(result.workspace, reportDir, 'verdict.json'), 'utf8'),
    ) as { verdict: string; counts: Record<string, number> };
    expect(verdict.verdict).toBe('pass');
    expect(result.outputs).toEqual({
      verdict: 'pass',
      open: String(verdict.counts.total),
      new: '0',
      fixed: '0',
      overdue: String(verdict.counts.overdue),
      critical: String(verdict.counts.CRITICAL),
      high: String(verdict.counts.HIGH),
      'report-dir': reportDir,
      'html-file': join(reportDir, 'report.html'),
      'issue-url': `https://github.com/${OWNER_REPO}/issues/1`,
    });
    // The hostile controls are open HIGH findings like any other.
    expect(verdict.counts.HIGH).toBeGreaterThanOrEqual(HOSTILE_TITLES.length);
    for (const name of [
      'report.html',
      'report.json',
      'findings.csv',
      'summary.md',
      'evidence.json',
    ]) {
      expect(existsSync(join(result.workspace, reportDir, name))).toBe(true);
    }
    expect(result.summary).toContain('assetguard daily security report');
    // The job summary is summary.md (the toolkit ends it with a line break).
    expect(result.summary.trimEnd()).toBe(
      readFileSync(join(result.workspace, reportDir, 'summary.md'), 'utf8').trimEnd(),
    );
    const statePath = join(result.workspace, 'state/report-state.json');
    const state = parseState(readFileSync(statePath, 'utf8'), statePath);
    expect(Object.keys(state.open)).toHaveLength(verdict.counts.total ?? -1);
  });

  it('delivered to GitHub (with the token), Slack and email from the one run', () => {
    const created = github.requests.filter((request) => request.method === 'POST');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      path: `/repos/${OWNER_REPO}/issues`,
      authorization: `token ${TOKEN}`,
      body: { title: 'assetguard daily security report' },
    });
    expect(slack.received).toHaveLength(1);
    expect(mail.received.map((message) => message.to)).toEqual([['security@example.com']]);
    expect(result.stdout).toContain('issue opened: https://github.com/acme/platform/issues/1');
  });

  it('masks every secret input with ::add-mask:: before any other line, and logs none elsewhere', () => {
    const lines = result.stdout.split('\n');
    const firstOther = lines.findIndex((line) => !line.startsWith('::add-mask::'));
    expect(firstOther).toBeGreaterThan(0);
    // Each secret is masked before the first line that is not a mask (the token may be masked
    // twice: sinks/github masks it again where it reads it for pull request comments).
    for (const secret of [TOKEN, slack.url, smtpUrl]) {
      expect(lines.slice(0, firstOther)).toContain(`::add-mask::${secret}`);
    }
    const rest = lines.slice(firstOther).join('\n');
    for (const secret of [TOKEN, SLACK_SECRET, SMTP_PASSWORD]) expect(rest).not.toContain(secret);
    // Nor in any file the run wrote: reports, state, outputs, job summary.
    const reportDir = join(result.workspace, 'assetguard-reports/daily-report');
    const written = [
      ...readdirSync(reportDir).map((name) => join(reportDir, name)),
      join(result.workspace, 'state/report-state.json'),
      join(result.workspace, 'github_output'),
      join(result.workspace, 'step_summary'),
    ];
    expect(written.length).toBeGreaterThan(8);
    for (const file of written) {
      const text = readFileSync(file, 'utf8');
      for (const secret of [TOKEN, SLACK_SECRET, SMTP_PASSWORD]) {
        expect({ file, leaks: text.includes(secret) }).toEqual({ file, leaks: false });
      }
    }
    const evidence = JSON.parse(readFileSync(join(reportDir, 'evidence.json'), 'utf8')) as {
      inputs: Record<string, unknown>;
    };
    expect(evidence.inputs).toMatchObject({
      'github-token': '***',
      'slack-webhook-url': '***',
      'smtp-url': '***',
    });
  });

  it('never lets a finding title become a workflow command: in the log, the outputs or the summary', () => {
    const commands = result.stdout
      .split('\n')
      .filter((line) => /^\s*(::|##\[)/.test(line))
      .map((line) => /^\s*(::[a-z-]+|##\[[a-z-]+)/i.exec(line)?.[1]);
    // add-mask (the secrets) and warnings (the verdict's, escaped) are the only commands.
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(['::add-mask', '::warning']).toContain(command);
    expect(result.stdout).not.toMatch(/^\s*::(error|set-output)/m);
    expect(result.stdout).not.toMatch(/^\s*##\[(error|set-output)/m);

    // GITHUB_OUTPUT holds the declared outputs and nothing else.
    const outputFile = readFileSync(join(result.workspace, 'github_output'), 'utf8');
    const names = [...outputFile.matchAll(/^([^\s=<]+)<<(ghadelimiter_[0-9a-f-]+)$/gm)].map(
      (match) => match[1],
    );
    expect(names.sort()).toEqual(Object.keys(DAILY_REPORT_OUTPUTS).sort());
    expect(outputFile).not.toContain('pwned');

    // The summary shows the titles as text, inside table rows: no line starts a workflow command.
    expect(result.summary).not.toMatch(/^\s*::/m);
    const rows = result.summary.split('\n').filter((line) => line.includes('pwned'));
    expect(rows).toHaveLength(HOSTILE_TITLES.length);
    for (const row of rows) expect(row).toMatch(/^\| `EC2\.9[01]` /);
    const findingsCsv = readFileSync(
      join(result.workspace, 'assetguard-reports/daily-report/findings.csv'),
      'utf8',
    );
    expect(findingsCsv).toContain('pwned');
  });
});

describe('actions/dist/daily-report without state, with fail-on-overdue', () => {
  it('blocks (exit 1) on overdue findings, warns that there is no state, and keeps outputs to the declared ones', async () => {
    const blocked = await runAction(
      'daily-report',
      { 'compliance-source': 'securityhub', policy: policyFile, 'fail-on-overdue': 'true' },
      motoEnv(REGION),
    );
    expect(blocked.exitCode).toBe(1);
    const verdict = JSON.parse(
      readFileSync(join(blocked.workspace, 'assetguard-reports/daily-report/verdict.json'), 'utf8'),
    ) as { verdict: string; blocking: unknown[]; counts: { overdue: number } };
    expect(verdict.verdict).toBe('block');
    expect(verdict.blocking).toHaveLength(verdict.counts.overdue);
    expect(blocked.outputs).toMatchObject({
      verdict: 'block',
      overdue: String(verdict.counts.overdue),
      'issue-url': '',
    });
    expect(Object.keys(blocked.outputs).sort()).toEqual(Object.keys(DAILY_REPORT_OUTPUTS).sort());
    const lines = blocked.stdout.split('\n');
    expect(lines).toContain(
      '::warning::no state input: this run cannot say what is new or fixed, and keeps no trend (give state: s3://bucket/key or a file kept between runs)',
    );
    const errors = lines.filter((line) => line.startsWith('::error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error::daily-report: /);
    expect(blocked.stdout).not.toMatch(/^\s*::(set-output|error::pwned|error file)/m);
    expect(blocked.stdout).not.toContain('add-mask');
  }, 60_000);
});

describe('assetguard report --help (the CLI bundle)', () => {
  it('lists every input as a flag, and each secret flag names its environment variable', () => {
    const help = spawnSync(
      process.execPath,
      [join(ROOT, 'actions/dist/cli/index.js'), 'report', '--help'],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME, COLUMNS: '200' },
      },
    );
    expect(help.status).toBe(0);
    for (const [name, spec] of Object.entries(DAILY_REPORT_INPUTS)) {
      expect(help.stdout).toMatch(new RegExp(`--${name}\\b`));
      if ('secret' in spec) {
        // The description and the variable are on the flag's own entry.
        const entry = help.stdout.slice(help.stdout.indexOf(`--${name}`)).split(/\n\s*--/)[0] ?? '';
        expect(entry).toContain(`$${spec.secret.env}`);
      }
    }
  });
});
