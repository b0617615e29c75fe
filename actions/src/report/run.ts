import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { lazyClient, resolveRegion, type LazyClient } from '../core/aws';
import { DeliveryError, errorMessage } from '../core/errors';
import { SEVERITIES, type SeverityCounts } from '../core/model';
import type { LoadedPolicy, ReportPolicy } from '../core/policy';
import {
  runCommand,
  type Command,
  type CommandRun,
  type DeliverableRun,
  type Rendered,
  type RunDeps,
} from '../core/runner';
import { REDACTED } from '../core/inputs';
import { emptyExceptionReport, type BlockingBase, type Verdict } from '../core/verdict';
import {
  closingSections,
  errorBlock,
  finishSummary,
  fullDataIn,
  headline,
  plural,
} from '../core/markdown';
import { markdownText } from '../core/escape';
import { describeAuditLocation } from '../core/remediation-audit';
import { upsertIssue, githubClient } from '../sinks/github';
import type { EmailTransport } from '../sinks/email';
import { collectReport, defaultReportClients, type ReportClients } from './collect';
import { evaluateReport } from './evaluate';
import type { reportHtmlChunks } from './html';
import {
  DAILY_REPORT_INPUTS,
  DAILY_REPORT_OUTPUTS,
  parseDailyReportInputs,
  type DailyReportInputs,
} from './inputs';
import type { DailyReport, ReportState } from './model';
import {
  findingsCsvChunks,
  renderDeltaComment,
  renderIssueBody,
  renderReportMarkdown,
  reportJsonChunks,
} from './render';
import {
  checkStateSubject,
  checkStateTime,
  describeStateLocation,
  loadState,
  saveState,
} from './state';

/** The reports `assetguard report` writes besides verdict.json, summary.md and evidence.json. */
export const REPORT_FILES = ['report.html', 'report.json', 'findings.csv'] as const;

/**
 * How much V8 may grow its old generation past what the last full collection kept, in percent.
 * By default it grows up to 4x the live heap before collecting again: the report keeps ~170 MiB
 * alive (50,000 findings, the state, the report) but reached 430 MiB of heap, and 580 MiB of
 * RSS, on garbage never collected. At 40% the same run peaks under 400 MiB (BENCHMARKS.md, daily
 * report) for a few more, short, full collections. It is not a cap: the heap still grows as far
 * as the live data needs, and nothing fails for want of memory.
 */
export const REPORT_HEAP_GROWING_PERCENT = 40;

/**
 * Makes V8 collect garbage sooner for the rest of the process (see REPORT_HEAP_GROWING_PERCENT).
 * Process-wide: the CLI and the action run one command per process, the report's included.
 */
export function collectGarbageSooner(): void {
  setFlagsFromString(`--heap-growing-percent=${REPORT_HEAP_GROWING_PERCENT}`);
}

/** What the report is about. */
export interface ReportSubject {
  title: string;
  region: string;
  accountId?: string;
  /** Where yesterday's state came from and today's goes (s3://… or a path), when given. */
  state?: string;
  /** ISO 8601: the previous run compared with; absent on a first run. */
  previousAt?: string;
}

/** verdict.counts: open findings by severity (total = open), and the day's delta. */
export type ReportCounts = SeverityCounts & { new: number; fixed: number; overdue: number };

/** What evidence.json keeps of a report run besides the findings. */
export interface ReportContext {
  calls: Record<string, number>;
  warnings: string[];
  /** How many resources the tag audit read. */
  assets: number;
}

/** What render and deliver get of a decided report: the report and the state for tomorrow. */
export interface ReportDetails {
  report: DailyReport;
  state: ReportState;
  /** The policy's report section: report.top items per list, routing for email. */
  policy: ReportPolicy;
  /** Set by deliver once the GitHub issue is up to date (the issue-url output). */
  issueUrl?: string;
}

/** The clients the report reads and delivers with; tests may set them. */
export interface ReportCommandClients extends ReportClients {
  /**
   * The state's and the remediation audit's bucket, when either input is an s3:// location. By
   * default built on first use (core/aws `LazyClient`), so a run without them never loads S3's
   * package; a test may give a client itself.
   */
  s3: S3Client | LazyClient<S3Client>;
  /**
   * Built on first use (core/aws `LazyClient`), by a run that mails through SES: its package is
   * then loaded (in the bundles a chunk file, not parsed at start). A test gives its own client
   * as `() => Promise.resolve(client)`.
   */
  sesv2: LazyClient<SESv2Client>;
}

/** What the report needs besides the clock and the log. */
export interface DailyReportOptions {
  clients?: (region: string) => ReportCommandClients;
  /** The GitHub API base URL (tests point it at a local recorder). Default: GITHUB_API_URL. */
  githubApiUrl?: string;
  /**
   * The fetch the GitHub client sends with. Default: Node's global fetch (through HTTPS_PROXY when
   * the job sets NODE_USE_ENV_PROXY=1, sinks/github `githubClient`); tests give it explicitly,
   * which nock intercepts.
   */
  githubFetch?: typeof fetch;
  env?: NodeJS.ProcessEnv;
}

export interface DailyReportTypes {
  inputs: DailyReportInputs;
  subject: ReportSubject;
  counts: ReportCounts;
  blocking: BlockingBase;
  context: ReportContext;
  details: ReportDetails;
  outputs: typeof DAILY_REPORT_OUTPUTS;
}

export type DailyReportRun = CommandRun<DailyReportTypes>;

function defaultClients(region: string): ReportCommandClients {
  return {
    ...defaultReportClients(region),
    s3: lazyClient(
      async () => {
        const { S3Client } = await import('@aws-sdk/client-s3');
        return S3Client;
      },
      { region },
    ),
    sesv2: lazyClient(
      async () => {
        const { SESv2Client } = await import('@aws-sdk/client-sesv2');
        return SESv2Client;
      },
      { region },
    ),
  };
}

function emptyReportCounts(): ReportCounts {
  return {
    CRITICAL: 0,
    HIGH: 0,
    MEDIUM: 0,
    LOW: 0,
    INFORMATIONAL: 0,
    UNTRIAGED: 0,
    total: 0,
    new: 0,
    fixed: 0,
    overdue: 0,
  };
}

/** The run's page on GitHub, when run by Actions (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID). */
export function actionsRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: id } = env;
  if (!server || !repository || !id) return undefined;
  return `${server}/${repository}/actions/runs/${id}`;
}

/**
 * The verdict of a decided report: pass (it reported), or block when fail-on-overdue is set and
 * a finding is past its SLA, each overdue finding a blocking entry.
 */
export function reportVerdict(
  report: DailyReport,
  subject: ReportSubject,
  policy: LoadedPolicy,
  failOnOverdue: boolean,
): Verdict<ReportSubject, ReportCounts, BlockingBase> {
  // Read only when it blocks: a pass over 50,000 open findings for nothing otherwise.
  const blocking: BlockingBase[] = failOnOverdue
    ? report.open
        .filter((item) => item.overdue)
        .map((item) => ({
          id: item.finding.id,
          resource: item.finding.resource.id,
          reason: `${item.finding.severity} open ${item.ageDays} days, past its SLA of ${item.slaDays} days (report.sla-days)`,
        }))
    : [];
  return {
    verdict: blocking.length > 0 ? 'block' : 'pass',
    command: 'report',
    subject,
    evaluatedAt: report.generatedAt,
    policy: { origin: policy.origin, sha256: policy.sha256 },
    counts: {
      ...report.counts.open,
      new: report.counts.new,
      fixed: report.counts.fixed,
      overdue: report.counts.overdue,
    },
    blocking,
    excepted: [],
    exceptions: {
      ...emptyExceptionReport(),
      expiringSoon: report.expiringExceptions.flatMap((soon) => {
        const exception = policy.policy.exceptions.find(
          (candidate) => candidate.id === soon.id && candidate.expires === soon.expires,
        );
        return exception ? [{ ...exception, daysLeft: soon.daysLeft }] : [];
      }),
    },
    warnings: report.warnings,
  };
}

/**
 * The daily report as a command of the shared runner: collect CVE (Inspector2), CCE (AWS Config
 * or Security Hub) and the tag audit in one run; compare with yesterday's state; render the job
 * summary, report.html (charts), report.json and findings.csv; then deliver to the GitHub issue,
 * Slack and email, and write today's state last, only when everything was delivered (so a failed
 * delivery is retried against the same yesterday).
 */
export function dailyReportCommand(options: DailyReportOptions = {}): Command<DailyReportTypes> {
  const env = options.env ?? process.env;
  const runUrl = actionsRunUrl(env);
  /**
   * report.html's renderer (report/html, with the charts' d3), loaded by `decide` once the report
   * is decided rather than at start: in the bundles a chunk file, parsed after the collection, not
   * before the first AWS request. `render` gets a report only from a `decide` that loaded it.
   */
  let renderHtml: typeof reportHtmlChunks | undefined;
  const clientsFor = (() => {
    const made = new Map<string, ReportCommandClients>();
    return (region: string): ReportCommandClients => {
      const existing = made.get(region);
      if (existing) return existing;
      const clients = (options.clients ?? defaultClients)(region);
      made.set(region, clients);
      return clients;
    };
  })();
  return {
    name: 'report',
    reports: REPORT_FILES,
    inputs: DAILY_REPORT_INPUTS,
    outputs: DAILY_REPORT_OUTPUTS,
    parse: (read) => parseDailyReportInputs(read, env),
    commandOf: () => 'report',
    // Secrets never reach evidence: each one given is recorded as *** (as a run whose inputs did
    // not parse records it), so the evidence says which credentials the run had, never their value.
    recordedInputs: (inputs) => ({
      state: inputs.state ? describeStateLocation(inputs.state) : undefined,
      'compliance-source': inputs.complianceSource,
      scope: inputs.scope,
      policy: inputs.policy,
      'output-dir': inputs.outputDir,
      region: inputs.region,
      'fail-on-overdue': inputs.failOnOverdue,
      'github-issue': inputs.github !== undefined,
      'github-token': inputs.github ? REDACTED : undefined,
      repository: inputs.github ? `${inputs.github.owner}/${inputs.github.repo}` : undefined,
      'slack-webhook-url': inputs.slackWebhookUrl !== undefined ? REDACTED : undefined,
      'email-to': inputs.email?.to,
      'email-from': inputs.email?.from,
      'email-transport': inputs.email?.transport.kind,
      'smtp-url': inputs.email?.transport.kind === 'smtp' ? REDACTED : undefined,
      'report-url': inputs.reportUrl,
      'remediation-audit': inputs.remediationAudit
        ? describeAuditLocation(inputs.remediationAudit)
        : undefined,
    }),
    subjectOf: (inputs) => ({
      ...(inputs.state && { state: describeStateLocation(inputs.state) }),
    }),
    emptyCounts: emptyReportCounts,
    async decide(inputs, policy, progress, { clock, log }) {
      // Before the findings are read: every full collection from here on keeps the heap close to
      // what is alive.
      collectGarbageSooner();
      const region = resolveRegion(inputs.region);
      const title = policy.policy.report.title;
      progress.subject = { ...progress.subject, title, region };
      const clients = clientsFor(region);
      log(`policy: ${policy.origin} (report "${title}")`);
      const previous = inputs.state ? await loadState(inputs.state, { s3: clients.s3 }) : undefined;
      if (previous && inputs.state) {
        checkStateTime(previous, clock.now(), describeStateLocation(inputs.state));
      }
      if (inputs.state) {
        log(
          previous
            ? `state: comparing with the run of ${previous.generatedAt} (${describeStateLocation(inputs.state)})`
            : `state: none yet at ${describeStateLocation(inputs.state)}: a first run, nothing to compare with`,
        );
      }
      const collected = await collectReport(clients, {
        cceSource: inputs.complianceSource,
        scope: inputs.scope,
        policy: policy.policy,
        log,
        clock,
        region,
        ...(inputs.remediationAudit && {
          remediationAudit: { location: inputs.remediationAudit, s3: clients.s3 },
        }),
      });
      progress.findings = collected.findings.map((item) => item.finding);
      progress.context = {
        calls: collected.calls,
        warnings: collected.warnings,
        assets: collected.assets.length,
      };
      if (previous && inputs.state) {
        checkStateSubject(previous, collected, describeStateLocation(inputs.state));
      }
      const { report, state } = evaluateReport({
        collected,
        previous,
        policy: policy.policy,
        now: clock.now(),
      });
      if (inputs.email && policy.policy.report.routeBy !== undefined) {
        // Said in the report, before anything is sent: a mis-tagged owner gets no part of its own.
        const { unroutedOwnerWarnings } = await import('./email');
        report.warnings.push(...unroutedOwnerWarnings(report, policy.policy.report));
      }
      if (!inputs.state) {
        report.warnings.push(
          'no state input: this run cannot say what is new or fixed, and keeps no trend (give state: s3://bucket/key or a file kept between runs)',
        );
      }
      const subject: ReportSubject = {
        title,
        region,
        ...(collected.accountId !== undefined && { accountId: collected.accountId }),
        ...(inputs.state && { state: describeStateLocation(inputs.state) }),
        ...(report.previousAt !== undefined && { previousAt: report.previousAt }),
      };
      progress.subject = subject;
      ({ reportHtmlChunks: renderHtml } = await import('./html'));
      return {
        verdict: reportVerdict(report, subject, policy, inputs.failOnOverdue),
        details: { report, state, policy: policy.policy.report },
      };
    },
    render: ({ details, verdict, reportDir }): Rendered => {
      if (!details) {
        // A run that could not decide has no report: the summary says why (the runner's error).
        return {
          summary: finishSummary(
            [
              headline(verdict, markdownText(verdict.subject.title ?? 'daily report')),
              '**The report could not be made.** Nothing was delivered and the state was not advanced.',
              errorBlock(verdict.error),
              ...closingSections(verdict, reportDir),
            ],
            fullDataIn(reportDir),
          ),
          files: {},
        };
      }
      if (renderHtml === undefined) {
        throw new Error('report.html: its renderer was not loaded by decide');
      }
      const markdown = renderReportMarkdown(details.report, {
        top: details.policy.top,
        ...(runUrl !== undefined && { runUrl }),
        htmlName: 'report.html',
        reportDir,
      });
      return {
        // Decided but not delivered (the runner's verdict after a failed delivery): said first.
        summary:
          verdict.verdict === 'error'
            ? `**Not delivered:** ${markdownText(verdict.error ?? '')}\n\n${markdown}`
            : markdown,
        files: {
          // In chunks, written as they are made: each holds every open finding (the page the
          // first MAX_HTML_ROWS of each table).
          'report.html': renderHtml(details.report, {
            ...(runUrl !== undefined && { runUrl }),
          }),
          'report.json': reportJsonChunks(details.report),
          'findings.csv': findingsCsvChunks(details.report),
        },
      };
    },
    describe: ({ details }, reportDir) => describeReport(details.report, reportDir),
    outputValues: ({ verdict, reportDir, files, details }) => ({
      verdict: verdict.verdict,
      open: verdict.counts.total,
      new: verdict.counts.new,
      fixed: verdict.counts.fixed,
      overdue: verdict.counts.overdue,
      critical: verdict.counts.CRITICAL,
      high: verdict.counts.HIGH,
      'report-dir': reportDir,
      'html-file': files['report.html'] ?? '',
      'issue-url': details?.issueUrl ?? '',
    }),
    deliver: (run, deps) => deliverReport(run, deps, { clientsFor, runUrl, options }),
  };
}

/** The outcome line of a decided report: what is open, the delta, and where the page is. */
export function describeReport(report: DailyReport, reportDir: string): string {
  const { counts } = report;
  const delta =
    report.previousAt === undefined
      ? 'first run, nothing to compare with'
      : `${counts.new} new, ${counts.fixed} fixed since ${report.previousAt}`;
  const severe = SEVERITIES.filter((severity) => counts.open[severity] > 0)
    .slice(0, 2)
    .map((severity) => `${counts.open[severity]} ${severity}`)
    .join(', ');
  return `reported ${plural(counts.open.total, 'open finding')}${severe ? ` (${severe})` : ''}, ${counts.overdue} overdue; ${delta}; ${reportDir}/report.html`;
}

interface DeliverContext {
  clientsFor: (region: string) => ReportCommandClients;
  runUrl: string | undefined;
  options: DailyReportOptions;
}

/**
 * Delivers a decided report: the GitHub issue (body replaced, the delta as a comment), Slack,
 * email (one part per team with report.route-by), each attempted even when another failed; then
 * today's state, written only when every delivery succeeded, so a failed one is retried against
 * the same yesterday and nothing is skipped. Returns one line per delivery.
 * @throws AssetguardError naming each delivery that failed, and that the state was kept.
 */
async function deliverReport(
  run: DeliverableRun<DailyReportTypes>,
  deps: RunDeps,
  context: DeliverContext,
): Promise<string[]> {
  const { inputs, details } = run;
  // The runner delivers every decided run; a report that decided it could not report is not
  // sent, and yesterday's state stays.
  if (run.verdict.verdict === 'error') return [];
  const { report } = details;
  const clients = context.clientsFor(report.region);
  const reportUrl = inputs.reportUrl ?? context.runUrl;
  const links = {
    ...(context.runUrl !== undefined && { runUrl: context.runUrl }),
    ...(reportUrl !== undefined && { reportUrl }),
  };
  const done: string[] = [];
  const failed: string[] = [];
  const attempt = async (name: string, deliver: () => Promise<string>): Promise<void> => {
    try {
      done.push(await deliver());
    } catch (error) {
      // Sinks name themselves ("Slack: HTTP 404 …"): the name is added only when they do not.
      const message = errorMessage(error);
      failed.push(
        message.toLowerCase().startsWith(name.toLowerCase()) ? message : `${name}: ${message}`,
      );
    }
  };
  if (inputs.github) {
    const { token, owner, repo } = inputs.github;
    await attempt('GitHub issue', async () => {
      const { githubApiUrl, githubFetch } = context.options;
      const octokit = await githubClient(token, githubApiUrl, {
        ...(githubFetch !== undefined && { fetch: githubFetch }),
      });
      const issue = await upsertIssue(
        octokit,
        { owner, repo },
        {
          title: report.title,
          body: renderIssueBody(report, { top: details.policy.top, ...links }),
          comment: renderDeltaComment(report, { top: details.policy.top, ...links }),
        },
      );
      details.issueUrl = issue.url;
      return `issue ${issue.created ? 'opened' : 'updated'}: ${issue.url}`;
    });
  }
  if (inputs.slackWebhookUrl) {
    const url = inputs.slackWebhookUrl;
    await attempt('Slack', async () => {
      // Loaded by a run that posts: in the bundles, chunk files not parsed at start.
      const { postSlack } = await import('../sinks/slack');
      const { slackReportMessage } = await import('./slack');
      await postSlack(url, slackReportMessage(report, { top: details.policy.top, ...links }));
      return 'posted to Slack';
    });
  }
  if (inputs.email) {
    const email = inputs.email;
    await attempt('email', async () => {
      // Loaded by a run that mails: in the bundles, chunk files not parsed at start.
      const { sendEmail } = await import('../sinks/email');
      const { reportEmails } = await import('./email');
      const htmlReport = await readFile(run.files['report.html'] ?? '', 'utf8');
      const transport: EmailTransport =
        email.transport.kind === 'smtp'
          ? { kind: 'smtp', url: email.transport.url }
          : { kind: 'ses', client: await clients.sesv2() };
      const messages = reportEmails(report, {
        policyReport: details.policy,
        defaultTo: email.to,
        from: email.from,
        htmlReport,
        top: details.policy.top,
      });
      for (const message of messages) await sendEmail(message, transport);
      return `mailed ${plural(messages.length, 'message')} (${messages.flatMap((m) => m.to).join(', ')})`;
    });
  }
  if (failed.length > 0) {
    throw new DeliveryError(
      `${failed.join('; ')}${inputs.state ? '; the state was not advanced, so the next run compares with the same yesterday' : ''}`,
    );
  }
  if (inputs.state) {
    await saveState(inputs.state, details.state, { s3: clients.s3 });
    done.push(`state written to ${describeStateLocation(inputs.state)}`);
  }
  return done;
}

/**
 * Runs the daily report on parsed inputs, as the action and the CLI do (through the shared
 * runner): failures become an `error` verdict (exit 2) with reports, never an exception.
 */
export function dailyReport(
  inputs: DailyReportInputs,
  deps: RunDeps & DailyReportOptions,
): Promise<DailyReportRun> {
  return runCommand(dailyReportCommand(deps), { inputs }, deps);
}
