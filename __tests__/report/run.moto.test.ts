import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { runCommand } from '../../actions/src/core/runner';
import { reportIssueMarker } from '../../actions/src/sinks/github';
import { dailyReportCommand, type DailyReportRun } from '../../actions/src/report/run';
import type { DailyReport } from '../../actions/src/report/model';
import { parseState } from '../../actions/src/report/state';
import { motoEndpoint } from '../fixtures/moto-estate';
import { REPORT_OWNERS, REPORT_POLICY, seedReportEstate } from '../fixtures/report-estate';
import { FIXED_SINCE_YESTERDAY, yesterdayOf } from '../fixtures/report-history';
import { shownText } from '../fixtures/markdown-shown';
import {
  startSlackRecorder,
  startSmtpSink,
  type SlackRecorder,
  type SmtpSink,
} from '../support/sinks';

// The daily report end to end, as the action and the CLI run it (raw inputs by name through the
// shared runner), against moto (Inspector2, Security Hub, ECR, EC2, Lambda, the Tagging API),
// delivering to a Slack webhook and an SMTP server on 127.0.0.1 and to GitHub through nock.
const REGION = 'eu-central-2';
const NOW = new Date('2026-12-01T06:00:00.000Z');
const API = 'https://api.github.com';
const OWNER = 'acme';
const REPO = 'platform';
const ISSUES = `/repos/${OWNER}/${REPO}/issues`;
const TITLE = 'assetguard daily security report';

// The three credentials: none may reach a file, a log line or the outcome.
const TOKEN = 'ghs_R3p0rtT0k3n7e42F292c6912E7710c8383';
const SMTP_USER = 'reports';
const SMTP_PASSWORD = 'sm7p-Pa55w0rd-n0t-f0r-f1l3s';
const SLACK_SECRET = 'r3p0rtW3bh00kS3cr3tPath';

const DEFAULT_TO = 'security@example.com';
const FROM = 'assetguard@example.com';

/**
 * REPORT_POLICY, with email routed per Owner tag (its values are the teams' addresses, mailed
 * because their domain is in route-domains).
 */
const ROUTED_POLICY = `${REPORT_POLICY}  route-by: Owner\n  route-domains: [example.com]\n`;

// --- local sinks ------------------------------------------------------------------------------

/** What the webhook is posted: a Block Kit message. */
interface SlackBody {
  text?: string;
  blocks?: { type: string }[];
}

// --- GitHub through nock (response shapes of docs.github.com/rest/issues, trimmed) ------------

function issue(number: number, body: string): Record<string, unknown> {
  return {
    url: `${API}${ISSUES}/${number}`,
    html_url: `https://github.com/${OWNER}/${REPO}/issues/${number}`,
    id: 2_000_000_000 + number,
    node_id: `I_kwDOJx${number}`,
    number,
    title: TITLE,
    user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
    labels: [{ id: 6000001, name: 'assetguard-report', color: 'ededed', default: false }],
    state: 'open',
    locked: false,
    comments: 0,
    created_at: '2026-11-30T06:02:11Z',
    updated_at: '2026-11-30T06:02:13Z',
    closed_at: null,
    body,
  };
}

const listQuery = { state: 'open', labels: 'assetguard-report', per_page: '100' };

/** nock: no report issue yet; records the created issue. */
function githubCreates(number: number): { created: { title: string; body: string }[] } {
  const recorded = { created: [] as { title: string; body: string }[] };
  nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
    .get(ISSUES)
    .query(listQuery)
    .reply(200, [])
    .post(ISSUES, (body: { title: string; body: string }) => {
      recorded.created.push(body);
      return true;
    })
    .reply(201, () => issue(number, recorded.created[0]?.body ?? ''));
  return recorded;
}

/** nock: the marked issue exists; records the new body and the delta comment. */
function githubUpdates(
  number: number,
  previousBody: string,
): { patched: string[]; commented: string[] } {
  const recorded = { patched: [] as string[], commented: [] as string[] };
  nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
    .get(ISSUES)
    .query(listQuery)
    .reply(200, [issue(number, previousBody)])
    .patch(`${ISSUES}/${number}`, (body: { body: string }) => {
      recorded.patched.push(body.body);
      return true;
    })
    .reply(200, () => issue(number, recorded.patched[0] ?? ''))
    .post(`${ISSUES}/${number}/comments`, (body: { body: string }) => {
      recorded.commented.push(body.body);
      return true;
    })
    .reply(201, { id: 9001, body: 'delta', html_url: `https://github.com/x#issuecomment-9001` });
  return recorded;
}

// --- running the command ----------------------------------------------------------------------

let slack: SlackRecorder<SlackBody>;
let mail: SmtpSink;
let lines: string[] = [];
let policyFile: string;

function temp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs `report` on raw inputs by name, as the action and the CLI do. */
function report(values: Record<string, string>, at: Date = NOW): Promise<DailyReportRun> {
  const command = dailyReportCommand({ githubApiUrl: API, githubFetch: globalThis.fetch, env: {} });
  return runCommand(
    command,
    { read: (name) => values[name] },
    { clock: { now: () => at, sleep: () => Promise.resolve() }, log: (line) => lines.push(line) },
  );
}

/** The inputs of a run with every delivery, against `state` into `outputDir`. */
function everyDelivery(state: string, outputDir: string): Record<string, string> {
  return {
    state,
    'compliance-source': 'securityhub',
    policy: policyFile,
    'output-dir': outputDir,
    region: REGION,
    'github-issue': 'true',
    'github-token': TOKEN,
    repository: `${OWNER}/${REPO}`,
    'slack-webhook-url': slack.url,
    'email-to': DEFAULT_TO,
    'email-from': FROM,
    'email-transport': 'smtp',
    'smtp-url': mail.url(),
  };
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Every file under `dir` (dot files and staging leftovers included), by path. */
function filesUnder(dir: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) Object.assign(found, filesUnder(path));
    else found[path] = readFileSync(path, 'utf8');
  }
  return found;
}

/** Each secret's value, as given and as it would show URL-encoded or base64-encoded (SMTP AUTH). */
const SECRET_FORMS = [
  TOKEN,
  SMTP_PASSWORD,
  encodeURIComponent(SMTP_PASSWORD),
  SLACK_SECRET,
  Buffer.from(SMTP_PASSWORD).toString('base64'),
];

function expectNoSecrets(texts: Record<string, string>): void {
  for (const [where, text] of Object.entries(texts)) {
    for (const secret of SECRET_FORMS) {
      if (text.includes(secret))
        throw new Error(`${where} holds a secret (${secret.slice(0, 6)}…)`);
    }
  }
}

beforeAll(async () => {
  await seedReportEstate(motoEndpoint(), REGION);
  policyFile = join(temp('ag-report-policy-'), 'assetguard.yml');
  writeFileSync(policyFile, ROUTED_POLICY);
}, 60_000);

beforeEach(async () => {
  lines = [];
  slack = await startSlackRecorder<SlackBody>({ path: `/services/T0001/B0002/${SLACK_SECRET}` });
  mail = await startSmtpSink({ user: SMTP_USER, password: SMTP_PASSWORD });
});

afterEach(async () => {
  await slack.close();
  await mail.close();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const REPORT_SET = [
  'report.html',
  'report.json',
  'findings.csv',
  'summary.md',
  'verdict.json',
  'evidence.json',
];

describe('assetguard report against moto, two days, every delivery from one run each', () => {
  it('day 1 reports a first run and delivers; day 2 compares with yesterday and delivers the delta', async () => {
    const stateDir = temp('ag-report-state-');
    const state = join(stateDir, 'report-state.json');

    // Day 1: no state yet.
    const outDay1 = temp('ag-report-day1-');
    const github1 = githubCreates(42);
    const day1 = await report(everyDelivery(state, outDay1));
    expect(day1.outcome.message).toMatch(/^reported \d+ open findings/);
    expect(day1.outcome.exitCode).toBe(0);
    for (const name of REPORT_SET) expect(existsSync(join(outDay1, name))).toBe(true);
    const written = readFileSync(state, 'utf8');
    const today = parseState(written, state);
    expect(today.generatedAt).toBe(NOW.toISOString());
    expect(Object.keys(today.open).length).toBe(day1.verdict.counts.total);
    expect(day1.verdict.counts.total).toBeGreaterThan(0);
    const summary1 = shownText(readFileSync(join(outDay1, 'summary.md'), 'utf8'));
    expect(summary1).toMatch(/first run/i);
    expect(day1.outcome.message).toContain('first run, nothing to compare with');
    expect(day1.outcome.message).toContain(`state written to ${state}`);
    expect(day1.verdict).toMatchObject({
      verdict: 'pass',
      subject: { title: TITLE, region: REGION, state },
    });
    expect(day1.verdict.subject).not.toHaveProperty('previousAt');
    const report1 = readJson(join(outDay1, 'report.json')) as DailyReport;
    expect(report1.counts).toMatchObject({ new: 0, fixed: 0 });

    // GitHub: the issue was opened, marked, and its page is the issue-url output.
    expect(github1.created).toHaveLength(1);
    expect(github1.created[0]?.title).toBe(TITLE);
    expect(github1.created[0]?.body.startsWith(reportIssueMarker(TITLE))).toBe(true);
    expect(day1.outputs['issue-url']).toBe(`https://github.com/${OWNER}/${REPO}/issues/42`);
    expect(day1.outcome.message).toContain(
      'issue opened: https://github.com/acme/platform/issues/42',
    );

    // Slack: one Block Kit message on the webhook's path.
    expect(slack.received).toHaveLength(1);
    expect(slack.received[0]?.path).toBe(`/services/T0001/B0002/${SLACK_SECRET}`);
    expect(slack.received[0]?.body.text).toEqual(expect.any(String));
    expect(slack.received[0]?.body.blocks?.[0]?.type).toBe('header');

    // Email: the full report (report.html attached, byte for byte the one written) and one
    // message per Owner, each to that owner's address only.
    const byRecipient = Object.fromEntries(
      mail.received.map((message) => [message.to.join(','), message.mail]),
    );
    expect(Object.keys(byRecipient).sort()).toEqual(
      [DEFAULT_TO, REPORT_OWNERS.data, REPORT_OWNERS.web].sort(),
    );
    const full = byRecipient[DEFAULT_TO];
    expect(full?.attachments.map((attachment) => attachment.filename)).toEqual(['report.html']);
    expect(full?.attachments[0]?.content.toString('utf8')).toBe(
      readFileSync(join(outDay1, 'report.html'), 'utf8'),
    );
    for (const owner of [REPORT_OWNERS.web, REPORT_OWNERS.data]) {
      const part = byRecipient[owner];
      expect(part?.subject).toContain(`Owner=${owner}`);
      expect(part?.attachments).toEqual([]);
    }
    // Each team's part lists only its own findings: the idle image's CVE is the data team's.
    expect(byRecipient[REPORT_OWNERS.data]?.text).toContain('CVE-2024-2961');
    expect(byRecipient[REPORT_OWNERS.web]?.text).not.toContain('CVE-2024-2961');

    // Day 2: the state becomes yesterday's (two findings left out, two fixed since, a month of
    // trend); the same estate is reported against it.
    const yesterday = yesterdayOf(today);
    writeFileSync(state, JSON.stringify(yesterday));
    const droppedKeys = Object.keys(today.open).sort().slice(0, 2);
    slack.received.length = 0;
    mail.received.length = 0;
    const outDay2 = temp('ag-report-day2-');
    const github2 = githubUpdates(42, `${reportIssueMarker(TITLE)}\nyesterday's report`);
    const day2 = await report(everyDelivery(state, outDay2));
    expect(day2.outcome.exitCode).toBe(0);
    expect(day2.outcome.message).toContain(`2 new, 2 fixed since ${yesterday.generatedAt}`);
    const report2 = readJson(join(outDay2, 'report.json')) as DailyReport;
    expect(report2.previousAt).toBe(yesterday.generatedAt);
    expect(report2.counts.new).toBe(2);
    expect(report2.counts.fixed).toBe(2);
    expect(day2.verdict.counts).toMatchObject({ new: 2, fixed: 2 });
    expect(
      report2.open
        .filter((item) => item.isNew)
        .map((item) => item.key)
        .sort(),
    ).toEqual(droppedKeys);
    expect(report2.fixed.map((item) => item.key).sort()).toEqual(
      Object.keys(FIXED_SINCE_YESTERDAY).sort(),
    );
    expect(report2.fixed.map((item) => item.id).sort()).toEqual(['CVE-2024-45490', 'S3.8']);
    // The January CVEs are far past their SLA (CRITICAL 7 days, HIGH 30).
    const overdue = report2.open.filter((item) => item.overdue);
    expect(overdue.map((item) => item.finding.id)).toEqual(
      expect.arrayContaining(['CVE-2024-6387', 'CVE-2023-4911']),
    );
    expect(report2.counts.overdue).toBe(overdue.length);
    expect(day2.outputs).toMatchObject({
      new: 2,
      fixed: 2,
      overdue: overdue.length,
      open: report2.counts.open.total,
    });
    expect(report2.trend).toHaveLength(30);
    expect(report2.trend.at(-1)?.date).toBe(NOW.toISOString().slice(0, 10));
    expect(report2.trend.at(-1)).toMatchObject({ new: 2, fixed: 2 });

    // Today's state replaced yesterday's: the fixed ones are gone, the new ones are in.
    const advanced = parseState(readFileSync(state, 'utf8'), state);
    expect(advanced.generatedAt).toBe(NOW.toISOString());
    for (const key of Object.keys(FIXED_SINCE_YESTERDAY))
      expect(advanced.open).not.toHaveProperty(key);
    for (const key of droppedKeys) expect(advanced.open).toHaveProperty(key);
    expect(advanced.trend).toHaveLength(30);

    // GitHub: the same issue updated in place, the day's delta as a comment.
    expect(github2.patched).toHaveLength(1);
    expect(github2.patched[0]?.startsWith(reportIssueMarker(TITLE))).toBe(true);
    expect(github2.commented).toHaveLength(1);
    expect(shownText(github2.commented[0] ?? '')).toContain('2 new, 2 fixed');
    expect(day2.outputs['issue-url']).toBe(`https://github.com/${OWNER}/${REPO}/issues/42`);
    expect(day2.outcome.message).toContain('issue updated');
    expect(slack.received).toHaveLength(1);
    expect(mail.received).toHaveLength(3);

    // No credential in any file either run wrote, the state, the log or the outcome; evidence
    // records that each was given, as ***.
    expectNoSecrets({
      ...filesUnder(outDay1),
      ...filesUnder(outDay2),
      ...filesUnder(stateDir),
      log: lines.join('\n'),
      outcome: `${day1.outcome.message}\n${day2.outcome.message}`,
      outputs: JSON.stringify([day1.outputs, day2.outputs]),
    });
    for (const dir of [outDay1, outDay2]) {
      const evidence = readJson(join(dir, 'evidence.json')) as { inputs: Record<string, unknown> };
      expect(evidence.inputs).toMatchObject({
        'github-token': '***',
        'slack-webhook-url': '***',
        'smtp-url': '***',
      });
    }
  }, 60_000);
});

describe('a delivery that fails', () => {
  /** A state file holding yesterday, written by a run without deliveries. */
  async function stateOfYesterday(): Promise<{ file: string; bytes: Buffer }> {
    const dir = temp('ag-report-state-');
    const file = join(dir, 'report-state.json');
    const first = await report({
      state: file,
      'compliance-source': 'securityhub',
      policy: policyFile,
      'output-dir': temp('ag-report-first-'),
      region: REGION,
    });
    expect(first.outcome.exitCode).toBe(0);
    writeFileSync(file, JSON.stringify(yesterdayOf(parseState(readFileSync(file, 'utf8'), file))));
    return { file, bytes: readFileSync(file) };
  }

  it('Slack answering 500: exit 2 naming Slack; GitHub and email still delivered; state kept; reports written', async () => {
    const { file, bytes } = await stateOfYesterday();
    slack.answer = { status: 500, body: 'internal_error' };
    const github = githubCreates(7);
    const out = temp('ag-report-slack500-');
    const run = await report(everyDelivery(file, out));
    expect(run.outcome.exitCode).toBe(2);
    expect(run.outcome.message).toContain('delivery failed');
    expect(run.outcome.message).toMatch(/Slack: .*HTTP 500/);
    expect(run.outcome.message).toContain('the state was not advanced');
    // @slack/webhook retried the 5xx (2 retries) before giving up.
    expect(slack.received).toHaveLength(3);
    expect(github.created).toHaveLength(1);
    expect(mail.received).toHaveLength(3);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    for (const name of REPORT_SET) expect(existsSync(join(out, name))).toBe(true);
    expect((readJson(join(out, 'report.json')) as DailyReport).counts).toMatchObject({
      new: 2,
      fixed: 2,
    });
    // Decided, but not delivered: verdict.json, the summary and the outputs say error, as the
    // exit code does, and name the delivery.
    expect(run.verdict.verdict).toBe('error');
    expect(run.verdict.error).toMatch(/^delivery failed: Slack: .*HTTP 500/);
    expect(run.outputs.verdict).toBe('error');
    const onDisk = readJson(join(out, 'verdict.json')) as { verdict: string; error: string };
    expect(onDisk).toMatchObject({ verdict: 'error', error: run.verdict.error });
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(
      /^\*\*Not delivered:\*\* delivery failed: Slack: /,
    );
    expect(run.outcome.message).not.toMatch(/Slack: Slack:/);
    expectNoSecrets({ outcome: run.outcome.message, log: lines.join('\n'), ...filesUnder(out) });
  }, 60_000);

  it('SMTP refusing the login: exit 2 naming email, never the password; Slack and GitHub delivered; state kept', async () => {
    const { file, bytes } = await stateOfYesterday();
    const github = githubCreates(8);
    const out = temp('ag-report-smtp-');
    const wrong = 'wr0ng-Pa55-but-st1ll-s3cr3t';
    const run = await report({ ...everyDelivery(file, out), 'smtp-url': mail.url(wrong) });
    expect(run.outcome.exitCode).toBe(2);
    expect(run.outcome.message).toMatch(/delivery failed: email: /);
    expect(run.outcome.message).not.toMatch(/email: email:/i);
    expect(run.verdict.verdict).toBe('error');
    expect(run.outcome.message).toContain('127.0.0.1');
    expect(run.outcome.message).not.toContain(wrong);
    expect(run.outcome.message).not.toContain(encodeURIComponent(wrong));
    expect(mail.refusedLogins).toBeGreaterThan(0);
    expect(mail.received).toEqual([]);
    expect(slack.received).toHaveLength(1);
    expect(github.created).toHaveLength(1);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    for (const name of REPORT_SET) expect(existsSync(join(out, name))).toBe(true);
    const texts = { ...filesUnder(out), log: lines.join('\n') };
    for (const [where, text] of Object.entries(texts)) {
      expect({ where, leaked: text.includes(wrong) }).toEqual({ where, leaked: false });
    }
  }, 60_000);
});

describe('secrets in a run whose inputs do not parse', () => {
  it('names the bad input, writes the error reports, and records every secret as ***', async () => {
    const out = temp('ag-report-badinput-');
    const state = join(temp('ag-report-state-'), 'state.json');
    const run = await report({
      ...everyDelivery(state, out),
      'compliance-source': 'bogus',
    });
    expect(run.outcome.exitCode).toBe(2);
    expect(run.outcome.message).toBe('compliance-source: "bogus" is not config or securityhub');
    expect(run.verdict.verdict).toBe('error');
    for (const name of ['summary.md', 'verdict.json', 'evidence.json']) {
      expect(existsSync(join(out, name))).toBe(true);
    }
    const evidence = readJson(join(out, 'evidence.json')) as { inputs: Record<string, unknown> };
    expect(evidence.inputs).toMatchObject({
      'compliance-source': 'bogus',
      'github-token': '***',
      'slack-webhook-url': '***',
      'smtp-url': '***',
    });
    expect(existsSync(state)).toBe(false);
    expect(slack.received).toEqual([]);
    expect(mail.received).toEqual([]);
    expectNoSecrets({ ...filesUnder(out), log: lines.join('\n'), outcome: run.outcome.message });
  });
});

describe('verdicts', () => {
  const base = (): Record<string, string> => ({
    'compliance-source': 'securityhub',
    policy: policyFile,
    'output-dir': temp('ag-report-verdict-'),
    region: REGION,
  });

  it('fail-on-overdue blocks (exit 1) with one blocking entry per overdue finding; without it, the same estate passes', async () => {
    const blocked = await report({ ...base(), 'fail-on-overdue': 'true' });
    expect(blocked.outcome.exitCode).toBe(1);
    expect(blocked.verdict.verdict).toBe('block');
    const overdue = blocked.details?.report.open.filter((item) => item.overdue) ?? [];
    expect(overdue.length).toBeGreaterThan(0);
    expect(blocked.verdict.blocking).toHaveLength(overdue.length);
    expect(blocked.verdict.blocking).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'CVE-2024-6387',
          reason: expect.stringMatching(
            /^CRITICAL open \d+ days, past its SLA of 7 days/,
          ) as unknown,
        }),
      ]),
    );
    expect(blocked.outputs.verdict).toBe('block');
    const onDisk = readJson(join(blocked.reportDir, 'verdict.json')) as {
      verdict: string;
      blocking: unknown[];
    };
    expect(onDisk.verdict).toBe('block');
    expect(onDisk.blocking).toHaveLength(overdue.length);

    const passed = await report(base());
    expect(passed.outcome.exitCode).toBe(0);
    expect(passed.verdict.verdict).toBe('pass');
    expect(passed.verdict.blocking).toEqual([]);
    expect(passed.verdict.counts.overdue).toBe(overdue.length);
  });

  it('without a state input, says so in verdict.warnings and in the summary', async () => {
    const run = await report(base());
    expect(run.outcome.exitCode).toBe(0);
    const warning = run.verdict.warnings.find((text) => text.startsWith('no state input'));
    expect(warning).toBeDefined();
    expect(
      (readJson(join(run.reportDir, 'verdict.json')) as { warnings: string[] }).warnings,
    ).toContain(warning);
    expect(shownText(run.summary)).toContain(
      'no state input: this run cannot say what is new or fixed',
    );
    expect(run.outcome.message).not.toContain('state written');
  });
});
