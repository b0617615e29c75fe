import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError, errorMessage } from '../core/errors';
import { checkEvidence, readEvidence, VERDICT_SCHEMA } from '../core/evidence';
import { evidenceValidator } from '../core/evidence-validator';
import { loadedFromText, MAX_POLICY_BYTES, type LoadedPolicy } from '../core/policy';
import { runCommand, type Command, type CommandRun, type RunDeps } from '../core/runner';
import { SEVERITIES } from '../core/model';
import type { AnyVerdict } from '../core/verdict';
import {
  evaluatePrSummary,
  gateResults,
  policyChanged,
  type GateFiles,
  type PrBlockingEntry,
  type PrSummaryCounts,
  type PrSummaryDetails,
  type PrSummarySubject,
} from './evaluate';
import {
  parsePrSummaryInputs,
  PR_SUMMARY_INPUTS,
  PR_SUMMARY_OUTPUTS,
  type PrSummaryInputs,
} from './inputs';
import { renderPrSummary } from './render';

/** The summary's types, for the shared runner. */
export interface PrSummaryTypes {
  inputs: PrSummaryInputs;
  subject: PrSummarySubject;
  counts: PrSummaryCounts;
  blocking: PrBlockingEntry;
  context: { gates: { dir: string; verdict: string; evidence?: string }[] };
  details: PrSummaryDetails;
  outputs: typeof PR_SUMMARY_OUTPUTS;
}

export type PrSummaryRun = CommandRun<PrSummaryTypes>;

const STRING = { type: 'string' } as const;

/**
 * What the summary reads of a gate's verdict.json (DESIGN.md "verdict.json"): the shared fields,
 * and of every blocking and excepted entry what is shown. Checked before use: the file comes from
 * an artifact anyone with write access to the workflow could have changed.
 */
const VERDICT_FILE_SCHEMA = {
  ...VERDICT_SCHEMA,
  properties: {
    ...VERDICT_SCHEMA.properties,
    blocking: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'resource', 'reason'],
        properties: {
          id: STRING,
          resource: STRING,
          reason: STRING,
          severity: { enum: [...SEVERITIES] },
          title: STRING,
          url: STRING,
        },
      },
    },
    excepted: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'severity', 'resource', 'exception'],
        properties: {
          id: STRING,
          severity: STRING,
          resource: STRING,
          exception: { type: 'object' },
        },
      },
    },
  },
} as const;

const validateVerdictFile = evidenceValidator(VERDICT_FILE_SCHEMA);

/** A file-system error in a few words (`ENOENT`, `EACCES`…), the path being said already. */
function fsCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : errorMessage(error);
}

/**
 * Reads one gate's report directory: its verdict.json (checked), and its evidence.json whenever
 * the gate decided, with or without a policy change: verdict.json alone is never trusted, the
 * evaluator checks it against the bundle. Never throws: what cannot be read is said in the
 * result (`noVerdict`, `evidenceProblem`), so one broken directory is shown as such next to the
 * others.
 */
export async function readGateFiles(dir: string): Promise<GateFiles> {
  try {
    if (!(await stat(dir)).isDirectory()) {
      return {
        dir,
        noVerdict: `${dir} is not a directory: report-dirs takes the gates' report directories (their output-dir), each holding verdict.json and evidence.json`,
      };
    }
  } catch {
    // Missing or unreadable: reading verdict.json below says which, in the words users know.
  }
  const file = join(dir, 'verdict.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = fsCode(error);
    return {
      dir,
      noVerdict:
        code === 'ENOENT' || code === 'ENOTDIR'
          ? `${file} does not exist: the gate step failed before writing its reports, or its report directory was not downloaded here`
          : `cannot read ${file}: ${code}`,
    };
  }
  let verdict: AnyVerdict;
  try {
    const parsed: unknown = JSON.parse(text);
    checkEvidence(validateVerdictFile, parsed, file);
    // The JSON boundary: past the schema, the file is taken to be a verdict as the gates write it.
    verdict = parsed as AnyVerdict;
  } catch (error) {
    return { dir, noVerdict: `${file} is not a verdict.json: ${errorMessage(error)}` };
  }
  if (verdict.verdict === 'error') return { dir, verdict };
  try {
    return { dir, verdict, evidence: await readEvidence(dir) };
  } catch (error) {
    return { dir, verdict, evidenceProblem: errorMessage(error) };
  }
}

/**
 * Reads the base branch's policy file as the gates would (same parser and checks), so that the
 * preview compares like with like.
 * @throws ConfigurationError naming base-policy: missing, unreadable, too large, or invalid (the
 *   policy parser's message names the file, line and key).
 */
export async function loadBasePolicy(path: string): Promise<LoadedPolicy> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_POLICY_BYTES) {
      throw new ConfigurationError(
        `base-policy: ${path} is ${size} bytes; a policy file may be at most ${MAX_POLICY_BYTES}`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    const code = fsCode(error);
    throw new ConfigurationError(
      code === 'ENOENT'
        ? `base-policy: ${path} does not exist; leave base-policy empty when the base branch has no policy file`
        : `base-policy: cannot read ${path}: ${code}`,
    );
  }
  return loadedFromText(text, path);
}

/**
 * The workflow run's page, from the variables the runner sets (GITHUB_SERVER_URL,
 * GITHUB_REPOSITORY, GITHUB_RUN_ID, and GITHUB_RUN_ATTEMPT past the first attempt); undefined
 * when one is missing (a local run). Render links it only when it is an http(s) URL.
 */
export function runUrlOf(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: id } = env;
  if (!server || !repository || !id) return undefined;
  const attempt = env.GITHUB_RUN_ATTEMPT;
  const page = `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${id}`;
  return attempt && attempt !== '1' ? `${page}/attempts/${attempt}` : page;
}

function emptyCounts(): PrSummaryCounts {
  return {
    gates: 0,
    pass: 0,
    block: 0,
    error: 0,
    noVerdict: 0,
    refused: 0,
    newlyBlocking: 0,
    noLongerBlocking: 0,
    previewFailed: 0,
  };
}

/** What the summary needs besides the clock and the log; tests set these. */
export interface PrSummaryOptions {
  /** Where the run's page is read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * The pull-request summary as a command of the shared runner: read every report directory (its
 * verdict.json and evidence.json), load the base branch's policy, check every gate and preview
 * it when the policy changed (`gateResults`), and `evaluatePrSummary` over them. No AWS and no network:
 * the comment is posted by the action glue (main.ts), after the reports are written.
 * Reports: summary.md (the comment), verdict.json, evidence.json.
 */
export function prSummaryCommand(options: PrSummaryOptions = {}): Command<PrSummaryTypes> {
  const env = options.env ?? process.env;
  return {
    name: 'pr-summary',
    inputs: PR_SUMMARY_INPUTS,
    outputs: PR_SUMMARY_OUTPUTS,
    parse: parsePrSummaryInputs,
    commandOf: () => 'pr-summary',
    recordedInputs: (inputs) => ({
      'report-dirs': inputs.reportDirs,
      policy: inputs.policy,
      'base-policy': inputs.basePolicy,
    }),
    subjectOf: () => ({}),
    emptyCounts,
    async decide(inputs, policy, progress, { clock, log }) {
      const base =
        inputs.basePolicy !== undefined ? await loadBasePolicy(inputs.basePolicy) : undefined;
      const changed = policyChanged(policy, base);
      if (base) {
        log(
          changed
            ? `policy preview: ${base.origin} (sha256 ${base.sha256.slice(0, 12)}) on the base branch, ${policy.origin} (sha256 ${policy.sha256.slice(0, 12)}) in this pull request`
            : `policy unchanged: ${base.origin} and ${policy.origin} have the same text; no preview`,
        );
      }
      const files = await Promise.all(inputs.reportDirs.map((dir) => readGateFiles(dir)));
      const gates = gateResults(files, policy, base);
      progress.context.gates = files.map((gate) => ({
        dir: gate.dir,
        verdict: gate.verdict?.verdict ?? 'no verdict',
        ...(gate.evidence && { evidence: gate.evidence.file }),
      }));
      for (const gate of gates) {
        const { verdict, preview } = gate;
        const previewText =
          gate.refused !== undefined
            ? `; refused: ${gate.refused}`
            : preview?.status === 'previewed'
              ? `; under this pull request's policy it newly blocks ${preview.changes.newlyBlocks.length} and no longer blocks ${preview.changes.noLongerBlocks.length}`
              : preview?.status === 'failed'
                ? `; the policy preview failed: ${preview.reason}`
                : '';
        log(
          verdict
            ? `${gate.dir}: ${verdict.command} ${verdict.verdict}${verdict.verdict === 'error' ? '' : ` (${verdict.blocking.length} blocking)`}${previewText}`
            : `${gate.dir}: no verdict: ${gate.noVerdict ?? ''}`,
        );
      }
      const verdict = evaluatePrSummary({ gates, policy, basePolicy: base, now: clock.now() });
      progress.subject = verdict.subject;
      const runUrl = runUrlOf(env);
      return {
        verdict,
        details: {
          gates,
          ...(runUrl !== undefined && { runUrl }),
          ...(changed &&
            base && {
              policies: {
                base: { origin: base.origin, sha256: base.sha256 },
                pr: { origin: policy.origin, sha256: policy.sha256 },
              },
            }),
        },
      };
    },
    render: ({ verdict, details, reportDir }) => ({
      summary: renderPrSummary(verdict, details, reportDir),
      files: {},
    }),
    describe: ({ verdict }, reportDir) => {
      const { counts } = verdict;
      const preview =
        counts.newlyBlocking + counts.noLongerBlocking > 0
          ? `; the policy change newly blocks ${counts.newlyBlocking} and no longer blocks ${counts.noLongerBlocking}`
          : '';
      return verdict.verdict === 'block'
        ? `blocked: ${counts.block} of ${counts.gates} gate(s) blocked${preview}; see ${reportDir}/summary.md`
        : `passed: all ${counts.gates} gate(s) passed${preview}; summary in ${reportDir}/summary.md`;
    },
    outputValues: (run) => ({ verdict: run.verdict.verdict, 'comment-url': '' }),
  };
}

/**
 * Runs the summary on parsed inputs, as the CLI does (through the shared runner): never throws
 * for unreadable reports or a bad policy; those become an `error` verdict (exit 2) with reports.
 */
export function prSummary(
  inputs: PrSummaryInputs,
  deps: RunDeps & PrSummaryOptions,
): Promise<PrSummaryRun> {
  return runCommand(prSummaryCommand(deps), { inputs }, deps);
}
