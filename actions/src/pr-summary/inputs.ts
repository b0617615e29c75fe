import { ConfigurationError } from '../core/errors';
import {
  listInput,
  parseOutputDir,
  readInput,
  type CommandInputSpecs,
  type InputReader,
  type OutputSpecs,
  DEFAULT_POLICY_PATH,
} from '../core/inputs';

/** Declared once: action.yml and the CLI flags are checked against this in tests. */
export const PR_SUMMARY_INPUTS = {
  'report-dirs': {
    description:
      "The gates' report directories, one per line (their output-dir, e.g. downloaded as artifacts), each holding the verdict.json and evidence.json the gate wrote. Only scan-gate, compliance-gate and tags audit directories are taken. A directory without verdict.json (the gate step failed before writing it) is shown as no verdict, and one whose verdict.json its evidence.json does not reproduce is refused; either fails this step (exit 2).",
    required: true,
    multiple: true,
  },
  policy: {
    description:
      "The pull request's policy file (the one the gates ran with). When the default path does not exist, the built-in default applies.",
    default: DEFAULT_POLICY_PATH,
  },
  'base-policy': {
    description:
      "The base branch's policy file (e.g. written by `git show origin/main:.github/assetguard.yml`). When its text differs from policy, the comment previews what the pull request's policy newly blocks and no longer blocks, re-evaluating each gate's evidence under both. Not given: no preview.",
  },
  'github-token': {
    description:
      "A token that may comment on pull requests (the workflow's GITHUB_TOKEN with pull-requests: write). On pull_request and pull_request_target events the summary is kept as one comment on the pull request, updated in place. Not given: only the job summary and output-dir.",
    secret: { env: 'GITHUB_TOKEN' },
  },
  'output-dir': {
    description: 'Directory for summary.md (the comment), verdict.json and evidence.json.',
    default: 'assetguard-reports/pr-summary',
  },
} satisfies CommandInputSpecs;

/** Declared once: action.yml is checked against this in tests, and `setOutputs` writes exactly these. */
export const PR_SUMMARY_OUTPUTS = {
  verdict:
    'pass (every gate passed), block (a gate blocked) or error (a gate could not decide, wrote no verdict, its reports were refused, or the policy preview could not be made).',
  'comment-url': 'The pull request comment, when one was posted or updated; empty otherwise.',
} as const satisfies OutputSpecs;

/** The pull-request summary's inputs, parsed. */
export interface PrSummaryInputs {
  /** The gates' report directories, in the order given, without duplicates. */
  reportDirs: string[];
  policy: string;
  basePolicy?: string;
  outputDir: string;
}

/**
 * Parses the summary's inputs by name (action inputs or CLI flags), with the declared defaults.
 * The token is not part of them: only the action glue reads it (sinks/github).
 * @throws ConfigurationError naming the input: report-dirs empty, output-dir not a path.
 */
export function parsePrSummaryInputs(read: InputReader): PrSummaryInputs {
  const get = <Name extends keyof typeof PR_SUMMARY_INPUTS>(name: Name) =>
    readInput(PR_SUMMARY_INPUTS, read, name);
  const reportDirs = [...new Set(listInput(get('report-dirs')))];
  if (reportDirs.length === 0) {
    throw new ConfigurationError(
      "report-dirs: required; give the gates' report directories, one per line (e.g. assetguard-reports/scan-gate)",
    );
  }
  const basePolicy = get('base-policy');
  return {
    reportDirs,
    policy: get('policy'),
    ...(basePolicy !== undefined && { basePolicy }),
    outputDir: parseOutputDir(get('output-dir')),
  };
}
