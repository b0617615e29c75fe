import * as core from '@actions/core';
import { systemClock } from '../core/clock';
import { logLine } from '../core/escape';
import { readInput } from '../core/inputs';
import { runCommand, type Outcome } from '../core/runner';
import {
  actionInput,
  commentOnPullRequest,
  githubClient,
  logToAction,
  maskSecretInputs,
  pullRequestCommentRequest,
  readGitHubContext,
  setOutputs,
  writeJobSummary,
  type Octokit,
} from '../sinks/github';
import { PR_SUMMARY_INPUTS, PR_SUMMARY_OUTPUTS } from './inputs';
import { prSummaryCommand } from './run';

/** What tests replace: the GitHub client (default: sinks/github `githubClient` for the token). */
export interface PrSummaryActionOptions {
  octokit?: (token: string, apiUrl: string) => Octokit | Promise<Octokit>;
}

/**
 * The action: the summary on the action's inputs (through the shared runner, which writes
 * summary.md, verdict.json and evidence.json), then the job summary, and on a pull_request or
 * pull_request_target event with a github-token the one comment of the pull request, kept up to
 * date in place (sinks/github `commentOnPullRequest`, marker `assetguard:pr-summary`; a failure
 * to comment is a warning naming the permission, and the verdict stands). Outputs: `verdict`
 * and `comment-url`, set once the comment is known.
 */
export async function run(options: PrSummaryActionOptions = {}): Promise<Outcome> {
  maskSecretInputs(PR_SUMMARY_INPUTS);
  const context = readGitHubContext();
  const request = pullRequestCommentRequest(PR_SUMMARY_INPUTS, actionInput, context);
  if (!request && readInput(PR_SUMMARY_INPUTS, actionInput, 'github-token') !== undefined) {
    core.info(
      logLine(
        `github-token is given, but this ${context.eventName || 'unknown'} event is not a pull request with a number: no comment, the job summary only`,
      ),
    );
  }
  const result = await runCommand(
    prSummaryCommand(),
    { read: actionInput },
    { clock: systemClock, log: logToAction },
  );
  for (const warning of result.verdict.warnings) core.warning(logLine(warning));
  await writeJobSummary(result.summary);
  const comment = request
    ? await commentOnPullRequest(
        request,
        'pr-summary',
        result.summary,
        await (options.octokit ?? githubClient)(request.token, request.apiUrl),
      )
    : undefined;
  setOutputs(PR_SUMMARY_OUTPUTS, { ...result.outputs, 'comment-url': comment?.url ?? '' });
  return result.outcome;
}
