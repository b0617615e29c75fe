/**
 * One daily report run after collection, in a fresh process so runs share no warm caches or heap.
 * scripts/bench.ts bundles it with esbuild (as the action and the CLI ship: one file, no loader)
 * and runs `node worker.js --yesterday FILE` once, which writes yesterday's state of the synthetic
 * estate to FILE, then `node worker.js FILE` several times. Each of those builds the estate of
 * bench-report-data (10,000 resources, 50,000 ACTIVE findings) as collect would have returned it,
 * copies FILE into a temporary directory as the state, and then does what `assetguard report` does
 * once collect has returned, in the command's order and keeping alive only what the command
 * keeps: load the state, evaluate, the verdict, render summary.md, report.html, report.json and
 * findings.csv, evidence.json, write the set with writeReportFiles, then the deliveries' texts
 * (issue body, delta comment, Slack, the emails with report.html read back from disk), and save
 * today's state. Prints one JSON line on stdout: ms per phase, the total, peak RSS, memory after
 * each phase and file sizes. The temporary directory is removed before exit.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildEvidence, evidenceChunks } from '../../actions/src/core/evidence';
import type { Finding } from '../../actions/src/core/model';
import type { LoadedPolicy } from '../../actions/src/core/policy';
import { jsonFile, writeReportFiles } from '../../actions/src/core/report-files';
import { reportEmails } from '../../actions/src/report/email';
import { evaluateReport } from '../../actions/src/report/evaluate';
import { renderReportHtml } from '../../actions/src/report/html';
import type { DailyReport, ReportState } from '../../actions/src/report/model';
import {
  findingsCsvChunks,
  renderDeltaComment,
  renderIssueBody,
  renderReportMarkdown,
  reportJsonChunks,
} from '../../actions/src/report/render';
import {
  collectGarbageSooner,
  reportVerdict,
  type ReportContext,
} from '../../actions/src/report/run';
import { slackReportMessage } from '../../actions/src/report/slack';
import { loadState, saveState, type StateLocation } from '../../actions/src/report/state';
import {
  reportBenchInput,
  REPORT_BENCH_SIZE,
  REPORT_PHASES,
  type ReportBenchInput,
  type ReportPhase,
  type ReportRunResult,
} from './bench-report-data';

/** The state as a file in the run's temporary directory. */
type StateFile = Extract<StateLocation, { kind: 'file' }>;

type Timed = <T>(phase: ReportPhase, work: () => T | Promise<T>) => Promise<T>;

/** What the command keeps of its decision: the report, the state, and the findings for evidence. */
interface Decided {
  report: DailyReport;
  state: ReportState;
  policy: LoadedPolicy;
  findings: Finding[];
  context: ReportContext;
  buildMs: number;
}

/**
 * What collect returns, the policy and the time. The generator makes yesterday's state with the
 * input; it is unreachable once this returns.
 */
function collectedInput(): Omit<ReportBenchInput, 'previous'> {
  const { collected, policy, now } = reportBenchInput(REPORT_BENCH_SIZE);
  return { collected, policy, now };
}

/**
 * Builds the input (untimed) and copies yesterday's state file into place, then loads the state
 * and evaluates (timed). Yesterday's state exists here only as the file, as in the command: it
 * was made and written by the `--yesterday` run of this worker in another process, so building
 * and serialising it leaves nothing in this process's heap. Like the command's decide, the
 * assets and yesterday's state are garbage once this returns.
 */
async function decide(
  yesterdayFile: string,
  stateFile: StateFile,
  timed: Timed,
  sample: (after: 'build') => void,
): Promise<Decided> {
  // As the command's decide does first, before collect reads the findings.
  collectGarbageSooner();
  const started = performance.now();
  const input = collectedInput();
  mkdirSync(dirname(stateFile.path), { recursive: true });
  copyFileSync(yesterdayFile, stateFile.path);
  const buildMs = performance.now() - started;
  sample('build');
  const previous = await timed('loadState', () => loadState(stateFile, {}));
  if (!previous) throw new Error('the state written a moment ago did not load');
  const { report, state } = await timed('evaluateReport', () =>
    evaluateReport({
      collected: input.collected,
      previous,
      policy: input.policy.policy,
      now: input.now,
    }),
  );
  return {
    report,
    state,
    policy: input.policy,
    findings: input.collected.findings.map((item) => item.finding),
    context: {
      calls: input.collected.calls,
      warnings: input.collected.warnings,
      assets: input.collected.assets.length,
    },
    buildMs,
  };
}

/**
 * The runner's render and write: summary.md, report.html, report.json, findings.csv (the
 * command's render), verdict.json and evidence.json, published as one set. Only the paths
 * outlive it, as in the runner.
 */
async function renderAndWrite(
  decided: Decided,
  reportDir: string,
  stateFile: StateFile,
  timed: Timed,
  runUrl: string,
): Promise<Record<string, string>> {
  const { report, policy } = decided;
  const subject = {
    title: report.title,
    region: report.region,
    ...(report.accountId !== undefined && { accountId: report.accountId }),
    state: stateFile.path,
    ...(report.previousAt !== undefined && { previousAt: report.previousAt }),
  };
  const verdict = await timed('reportVerdict', () => reportVerdict(report, subject, policy, false));
  const top = policy.policy.report.top;
  const summary = await timed('renderReportMarkdown', () =>
    renderReportMarkdown(report, { top, runUrl, htmlName: 'report.html', reportDir }),
  );
  const html = await timed('renderReportHtml', () => renderReportHtml(report, { runUrl }));
  // report.json, findings.csv and evidence.json are chunk sequences, as the command renders
  // them: these phases only make the sequences; their text is made while writeReportFiles
  // writes it, so that phase holds the rendering of the three files.
  const json = await timed('reportJson', () => reportJsonChunks(report));
  const csv = await timed('findingsCsv', () => findingsCsvChunks(report));
  const { verdictJson, evidenceJson } = await timed('evidenceJson', () => ({
    verdictJson: jsonFile(verdict),
    evidenceJson: evidenceChunks(
      buildEvidence({
        command: 'report',
        inputs: { state: subject.state, 'compliance-source': report.cceSource },
        context: decided.context,
        policy,
        findings: decided.findings,
        verdict,
      }),
    ),
  }));
  return timed('writeReportFiles', () =>
    writeReportFiles(reportDir, {
      'verdict.json': verdictJson,
      'summary.md': summary,
      'report.html': html,
      'report.json': json,
      'findings.csv': csv,
      'evidence.json': evidenceJson,
    }),
  );
}

/** `--yesterday FILE`: writes yesterday's state of the synthetic estate to FILE, and nothing else. */
async function writeYesterday(file: string): Promise<void> {
  const { previous } = reportBenchInput(REPORT_BENCH_SIZE);
  await saveState({ kind: 'file', path: file }, previous, {});
}

async function main(yesterdayFile: string): Promise<void> {
  const rssBaselineBytes = process.memoryUsage().rss;
  let heapPeakBytes = 0;
  const memoryAfter = {} as ReportRunResult['memoryAfter'];
  const sample = (after: 'build' | ReportPhase): void => {
    const { rss, heapUsed } = process.memoryUsage();
    heapPeakBytes = Math.max(heapPeakBytes, heapUsed);
    memoryAfter[after] = { rss, heapUsed, maxRss: process.resourceUsage().maxRSS * 1024 };
  };
  const phasesMs = {} as Record<ReportPhase, number>;
  const timed: Timed = async (phase, work) => {
    const begun = performance.now();
    const result = await work();
    phasesMs[phase] = performance.now() - begun;
    sample(phase);
    return result;
  };
  const dir = mkdtempSync(join(tmpdir(), 'assetguard-bench-report-'));
  try {
    const stateFile: StateFile = { kind: 'file', path: join(dir, 'state', 'state.json') };
    const reportDir = join(dir, 'reports');
    const links = {
      runUrl: 'https://github.com/example/estate/actions/runs/1',
      reportUrl: 'https://github.com/example/estate/actions/runs/1#artifacts',
    };
    const decided = await decide(yesterdayFile, stateFile, timed, sample);
    const { report, state } = decided;
    const reportPolicy = decided.policy.policy.report;
    const written = await renderAndWrite(decided, reportDir, stateFile, timed, links.runUrl);
    // The deliveries' texts, made after the files are written, as the command's deliver does.
    const issueBody = await timed('renderIssueBody', () =>
      renderIssueBody(report, { top: reportPolicy.top, ...links }),
    );
    const comment = await timed('renderDeltaComment', () =>
      renderDeltaComment(report, { top: reportPolicy.top, ...links }),
    );
    const slack = await timed('slackReportMessage', () =>
      slackReportMessage(report, { top: reportPolicy.top, ...links }),
    );
    const emails = await timed('reportEmails', async () =>
      reportEmails(report, {
        policyReport: reportPolicy,
        defaultTo: ['security@example.com'],
        from: 'assetguard@example.com',
        htmlReport: await readFile(written['report.html'] ?? '', 'utf8'),
        top: reportPolicy.top,
      }),
    );
    await timed('saveState', () => saveState(stateFile, state, {}));
    const wallMs = performance.now();

    if (Object.keys(state.open).length !== report.open.length) {
      throw new Error('the saved state does not hold every open finding');
    }
    const fileBytes: Record<string, number> = {};
    for (const [name, path] of Object.entries(written)) fileBytes[name] = statSync(path).size;
    fileBytes['state.json'] = statSync(stateFile.path).size;
    fileBytes['issue body'] = Buffer.byteLength(issueBody);
    fileBytes['delta comment'] = Buffer.byteLength(comment);
    fileBytes['Slack message JSON'] = Buffer.byteLength(JSON.stringify(slack));
    fileBytes['emails html+text'] = emails.reduce(
      (sum, message) => sum + Buffer.byteLength(message.html) + Buffer.byteLength(message.text),
      0,
    );
    const result: ReportRunResult = {
      resources: decided.context.assets,
      findings: decided.findings.length,
      open: report.counts.open.total,
      new: report.counts.new,
      fixed: report.counts.fixed,
      overdue: report.counts.overdue,
      excepted: report.counts.excepted ?? 0,
      emails: emails.length,
      buildMs: decided.buildMs,
      phasesMs,
      reportMs: REPORT_PHASES.reduce((sum, phase) => sum + phasesMs[phase], 0),
      wallMs,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      rssBaselineBytes,
      heapPeakBytes,
      memoryAfter,
      fileBytes,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [first, second] = process.argv.slice(2);
const usage = 'usage: bench-report-worker (--yesterday STATE_FILE | STATE_FILE)';
(first === '--yesterday' && second !== undefined
  ? writeYesterday(second)
  : first !== undefined && second === undefined
    ? main(first)
    : Promise.reject(new Error(usage))
).catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
