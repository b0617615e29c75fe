import * as core from '@actions/core';
import type { Clock } from './clock';
import { AssetguardError, EXIT_ERROR, EXIT_PASS, errorMessage } from './errors';
import { logLine } from './escape';
import { buildEvidence, EVIDENCE_FILE, evidenceChunks } from './evidence';
import {
  fallbackOutputDir,
  redactSecrets,
  type CommandInputSpecs,
  type InputReader,
  type OutputSpecs,
  type OutputValues,
} from './inputs';
import type { Log } from './log';
import type { Finding, SeverityCounts } from './model';
import { loadPolicy, type LoadedPolicy } from './policy';
import { checkReportDir, jsonChunks, writeReportFiles, type ReportContent } from './report-files';
import {
  errorVerdict,
  exitCodeOf,
  type BlockingBase,
  type ExitCode,
  type Verdict,
} from './verdict';

/** What a command or action ends with: an exit code and one line for the user. */
export interface Outcome {
  exitCode: ExitCode;
  message: string;
}

/** Where the boundary reports an outcome: the Actions toolkit, or the console for the CLI. */
export interface Reporter {
  info(message: string): void;
  fail(message: string): void;
  debug(message: string): void;
}

/**
 * The one failure boundary (STYLE.md #2): everything below throws with context; only here is an
 * outcome turned into a failed step or a non-zero exit (`process.exitCode`). Unknown errors exit
 * 2 as well: a gate that crashed has not decided, and must not pass. Returns the exit code.
 */
export async function runBoundary(
  name: string,
  run: () => Promise<Outcome>,
  reporter: Reporter,
): Promise<ExitCode> {
  let outcome: Outcome;
  try {
    outcome = await run();
  } catch (error) {
    if (!(error instanceof AssetguardError) && error instanceof Error && error.stack) {
      reporter.debug(error.stack);
    }
    outcome = { exitCode: EXIT_ERROR, message: failureMessage(error) };
  }
  // The message carries AWS's and the user's strings (rule names, ARNs, paths): one log line,
  // never a workflow command.
  const line = logLine(`${name}: ${outcome.message}`);
  if (outcome.exitCode === EXIT_PASS) reporter.info(line);
  else reporter.fail(line);
  process.exitCode = outcome.exitCode;
  return outcome.exitCode;
}

/** Runs an action's `run` through the shared boundary, reporting through the Actions toolkit. */
export function runAction(name: string, run: () => Promise<Outcome>): Promise<ExitCode> {
  return runBoundary(name, run, {
    info: (message) => {
      core.info(message);
    },
    fail: (message) => {
      core.setFailed(message);
    },
    debug: (message) => {
      core.debug(message);
    },
  });
}

/** A failure in one line: an AssetguardError's own message, anything else marked as a bug. */
function failureMessage(error: unknown): string {
  const prefix = error instanceof AssetguardError ? '' : 'unexpected error (please report it): ';
  return `${prefix}${errorMessage(error)}`;
}

/** What every command gets from whoever runs it (the action glue, the CLI, a test). */
export interface RunDeps {
  clock: Clock;
  log: Log;
}

/**
 * The types one command is made of, named once so `Command<T>` and `CommandRun<T>` stay short.
 * Every field is a type, not a value.
 */
export interface CommandTypes {
  /** The parsed inputs: every command has a policy file and a report directory. */
  inputs: { policy: string; outputDir: string };
  /** What the verdict is about, once decided. A failed run carries as much of it as was known. */
  subject: object;
  /** verdict.counts. */
  counts: object;
  /** One verdict.blocking entry. */
  blocking: BlockingBase;
  /** Source facts for evidence.json (scan status, call counts, inventory), filled as learned. */
  context: object;
  /** What render and the outcome line need beyond the verdict; exists only after a decision. */
  details: unknown;
  /** The declared outputs (`*_OUTPUTS`). */
  outputs: OutputSpecs;
}

/** The verdict a run ends with: decided (full subject) or not (the subject so far). */
export type RunVerdict<T extends CommandTypes> = Verdict<
  Partial<T['subject']>,
  T['counts'],
  T['blocking']
>;

/** A decision: the verdict over the full subject, and what render needs to report it. */
export interface Decision<T extends CommandTypes> {
  verdict: Verdict<T['subject'], T['counts'], T['blocking']>;
  details: T['details'];
}

/**
 * What a run has learned so far. `decide` fills it in as it goes, so that a run that fails half
 * way still reports (and keeps as evidence) the subject, the facts and the findings it had.
 */
export interface Progress<T extends CommandTypes> {
  subject: Partial<T['subject']>;
  context: Partial<T['context']>;
  findings: Finding[];
}

/** What render gets: the verdict, the decision's details (absent when it failed), the rest. */
export interface RenderInput<T extends CommandTypes> {
  verdict: RunVerdict<T>;
  details: T['details'] | undefined;
  progress: Progress<T>;
  /** Undefined when the inputs could not be parsed. */
  inputs: T['inputs'] | undefined;
  reportDir: string;
}

/** The reports a command writes besides verdict.json and evidence.json (which the runner writes). */
export interface Rendered {
  /** summary.md, the job summary and the CLI's stdout. */
  summary: string;
  /**
   * Other report files by name: results.sarif, tags.json, tags.csv, plan.json… A large one may be
   * a sequence of chunks (report.json, findings.csv), written without being held whole.
   */
  files: Record<string, ReportContent>;
}

/**
 * One command, as the shared runner runs it for the action and the CLI alike. The runner owns
 * the skeleton (parse inputs, load the policy, decide, and on any failure an `error` verdict;
 * then render, write every report, compute the outputs and the outcome); the command supplies
 * the parts. Only `decide` does I/O; `render`, `describe` and `outputValues` are pure.
 */
export interface Command<T extends CommandTypes> {
  /** verdict.command when the inputs could not be parsed (`scan-gate`, `tags`). */
  name: string;
  /** The declared inputs; `output-dir` must have a default. */
  inputs: CommandInputSpecs;
  /** The declared outputs. */
  outputs: T['outputs'];
  /**
   * The report files `render` may return besides the ones the runner writes (results.sarif,
   * tags.json, plan.json…), so that their places are checked before the command decides.
   */
  reports?: readonly string[];
  /** @throws ConfigurationError naming the input and the format expected. */
  parse(read: InputReader): T['inputs'];
  /** verdict.command once the inputs are known (`tags audit`). */
  commandOf(inputs: T['inputs']): string;
  /** The inputs as evidence.json records them (by input name, as the user wrote them). */
  recordedInputs(inputs: T['inputs']): Record<string, unknown>;
  /** What is known of the subject from the inputs alone. */
  subjectOf(inputs: T['inputs']): Partial<T['subject']>;
  /** verdict.counts of a run that could not decide. */
  emptyCounts(): T['counts'];
  /** Reads the sources and calls the pure evaluator. Throws with context on any failure. */
  decide(
    inputs: T['inputs'],
    policy: LoadedPolicy,
    progress: Progress<T>,
    deps: RunDeps,
  ): Promise<Decision<T>>;
  render(input: RenderInput<T>): Rendered;
  /** The outcome line of a pass or a block (errors are worded by the runner). */
  describe(decision: Decision<T>, reportDir: string): string;
  /** One value per declared output. */
  outputValues(run: Omit<CommandRun<T>, 'outputs'>): OutputValues<T['outputs']>;
  /**
   * Delivers a decided run beyond its report directory (a GitHub issue, Slack, email, the state
   * the next run compares with, an audit record), once every report is written. A run that
   * decided on `error` (an execution failed) is delivered too: deliver decides what that means. Returns one line per place
   * delivered to, for the outcome. Throws with context when any delivery failed; the runner then
   * exits 2 naming it, and the reports stay written.
   */
  deliver?(run: DeliverableRun<T>, deps: RunDeps): Promise<string[]>;
}

/** What `deliver` gets: a decided run, its reports written. */
export interface DeliverableRun<T extends CommandTypes> {
  inputs: T['inputs'];
  verdict: Verdict<T['subject'], T['counts'], T['blocking']>;
  details: T['details'];
  reportDir: string;
  /** The path of every report written, by file name. */
  files: Record<string, string>;
  summary: string;
}

/** Everything a run produced. The verdict is also on disk, as are all the files. */
export interface CommandRun<T extends CommandTypes> {
  /** Undefined when they could not be parsed (the verdict then says why). */
  inputs: T['inputs'] | undefined;
  verdict: RunVerdict<T>;
  /** Undefined when the run failed before deciding. */
  details: T['details'] | undefined;
  summary: string;
  reportDir: string;
  /** The path of every report written, by file name (verdict.json, summary.md, evidence.json…). */
  files: Record<string, string>;
  /** One value per declared output, for `setOutputs` (sinks/github). */
  outputs: OutputValues<T['outputs']>;
  outcome: Outcome;
}

/** The reports the runner writes for every command, whatever `render` adds. */
export const RUNNER_REPORTS = ['verdict.json', 'summary.md', EVIDENCE_FILE] as const;

/** The inputs of a run: raw, by name (action inputs, CLI flags), or already parsed (tests, scripts). */
export type InputSource<I> = { read: InputReader } | { inputs: I };

/**
 * Runs one command: parse its inputs, check that the reports can be written, load the policy,
 * decide; any failure on the way (an invalid input included) becomes an `error` verdict carrying
 * the message. Then, whatever happened, it renders and writes verdict.json, summary.md, the
 * command's own files and evidence.json to the report directory (the output-dir input, or its
 * declared default when that input cannot be parsed) as one set, and computes the outputs and
 * the outcome.
 *
 * Never throws for a failure of the command; throws only when the reports themselves cannot be
 * written (ConfigurationError naming output-dir), which the boundary reports as exit 2. That is
 * checked before the command decides, so such a run makes no AWS call and writes nothing.
 */
export async function runCommand<T extends CommandTypes>(
  command: Command<T>,
  source: InputSource<T['inputs']>,
  deps: RunDeps,
): Promise<CommandRun<T>> {
  let inputs: T['inputs'] | undefined;
  let failure: { message: string; inInputs: boolean } | undefined;
  try {
    inputs = 'inputs' in source ? source.inputs : command.parse(source.read);
  } catch (error) {
    failure = { message: failureMessage(error), inInputs: true };
  }
  const progress: Progress<T> = {
    subject: inputs ? command.subjectOf(inputs) : {},
    context: {},
    findings: [],
  };
  let policy: LoadedPolicy | undefined;
  let decision: Decision<T> | undefined;
  if (inputs) {
    // Every output location is checked before the first AWS call or write: a run that could not
    // keep its reports must not tag resources and only then fail on the report directory.
    await checkReportDir(inputs.outputDir, [...RUNNER_REPORTS, ...(command.reports ?? [])]);
    try {
      policy = await loadPolicy(inputs.policy);
      decision = await command.decide(inputs, policy, progress, deps);
    } catch (error) {
      failure = { message: failureMessage(error), inInputs: false };
    }
  }
  const verdict: RunVerdict<T> =
    decision?.verdict ??
    errorVerdict({
      command: inputs ? command.commandOf(inputs) : command.name,
      subject: progress.subject,
      counts: command.emptyCounts(),
      policy,
      now: deps.clock.now(),
      message: failure?.message ?? 'no decision',
    });
  const reportDir =
    inputs?.outputDir ??
    ('read' in source
      ? fallbackOutputDir(command.inputs, source.read)
      : command.inputs['output-dir'].default);
  const details = decision?.details;
  const recordedInputs = redactSecrets(
    command.inputs,
    inputs ? command.recordedInputs(inputs) : rawInputs(command, source),
  );
  /** Renders `shown` and writes the whole set: verdict.json, summary.md, own files, evidence. */
  const publish = async (
    shown: RunVerdict<T>,
  ): Promise<{ summary: string; files: Record<string, string> }> => {
    const { summary, files: ownFiles } = command.render({
      verdict: shown,
      details,
      progress,
      inputs,
      reportDir,
    });
    const evidence = buildEvidence({
      command: shown.command,
      inputs: recordedInputs,
      context: progress.context,
      policy,
      findings: progress.findings,
      verdict: shown,
    });
    // One set: every file is written before any replaces the previous run's (core/report-files).
    const files = await writeReportFiles(reportDir, {
      // Indented for people, in chunks with an entry per line: 100,000 findings can block.
      'verdict.json': jsonChunks(shown, { spread: ['blocking', 'excepted'], pretty: true }),
      'summary.md': summary,
      ...ownFiles,
      // In chunks, a finding at a time: a report's bundle holds every collected finding.
      [EVIDENCE_FILE]: evidenceChunks(evidence),
    });
    return { summary, files };
  };
  let shown = verdict;
  let { summary, files } = await publish(shown);
  let outcome: Outcome;
  // A decided run is delivered whatever its verdict: a remediation whose executions failed
  // changed AWS all the same, and its audit record must be kept.
  if (decision && inputs && (verdict.verdict !== 'error' || command.deliver)) {
    const delivery = await delivered(
      command,
      decision,
      { inputs, reportDir, files, summary },
      deps,
    );
    outcome = delivery.outcome;
    if (delivery.failure !== undefined) {
      // Decided, written, but not delivered: the run failed, and verdict.json, the summary and
      // the outputs say so as the exit code does (a step reading `verdict` must not see pass).
      const failed = `delivery failed: ${delivery.failure}`;
      shown = {
        ...verdict,
        verdict: 'error',
        error: verdict.error === undefined ? failed : `${verdict.error}; ${failed}`,
      };
      ({ summary, files } = await publish(shown));
    }
  } else {
    outcome = {
      exitCode: exitCodeOf(verdict.verdict),
      // An invalid input is the user's to fix and names itself; anything later is a
      // decision that could not be made.
      message: failure?.inInputs
        ? failure.message
        : `could not decide: ${verdict.error ?? failure?.message ?? ''}`,
    };
  }
  const run = { inputs, verdict: shown, details, summary, reportDir, files, outcome };
  return { ...run, outputs: command.outputValues(run) };
}

/**
 * The outcome of a decided run: its own line, then what `deliver` delivered. A delivery that
 * failed turns it into exit 2 (a report that reached nobody has not done its job), saying that
 * the reports are written all the same; `failure` says why, for the verdict the runner rewrites.
 */
async function delivered<T extends CommandTypes>(
  command: Command<T>,
  decision: Decision<T>,
  written: Omit<DeliverableRun<T>, 'verdict' | 'details'>,
  deps: RunDeps,
): Promise<{ outcome: Outcome; failure?: string }> {
  const exitCode = exitCodeOf(decision.verdict.verdict);
  const message =
    decision.verdict.verdict === 'error'
      ? `could not decide: ${decision.verdict.error ?? ''}`
      : command.describe(decision, written.reportDir);
  if (!command.deliver) return { outcome: { exitCode, message } };
  try {
    const lines = await command.deliver(
      { ...written, verdict: decision.verdict, details: decision.details },
      deps,
    );
    return { outcome: { exitCode, message: [message, ...lines].join('; ') } };
  } catch (error) {
    const failure = failureMessage(error);
    return {
      outcome: {
        exitCode: EXIT_ERROR,
        message: `${message}; but delivery failed: ${failure} (the reports are written in ${written.reportDir})`,
      },
      failure,
    };
  }
}

/** The inputs as given, for the evidence of a run whose inputs did not parse; secrets redacted. */
function rawInputs<T extends CommandTypes>(
  command: Command<T>,
  source: InputSource<T['inputs']>,
): Record<string, unknown> {
  if (!('read' in source)) return {};
  return Object.fromEntries(Object.keys(command.inputs).map((name) => [name, source.read(name)]));
}

/** The outputs both gates declare, with their values: the verdict, counts per severity, where the reports are. */
export function gateOutputValues(run: {
  verdict: Verdict<unknown, SeverityCounts, BlockingBase>;
  reportDir: string;
  files: Record<string, string>;
}): {
  verdict: string;
  critical: number;
  high: number;
  medium: number;
  low: number;
  total: number;
  blocking: number;
  'report-dir': string;
  'sarif-file': string;
} {
  const { verdict } = run;
  return {
    verdict: verdict.verdict,
    critical: verdict.counts.CRITICAL,
    high: verdict.counts.HIGH,
    medium: verdict.counts.MEDIUM,
    low: verdict.counts.LOW,
    total: verdict.counts.total,
    blocking: verdict.blocking.length,
    'report-dir': run.reportDir,
    'sarif-file': run.files['results.sarif'] ?? '',
  };
}
