import * as core from '@actions/core';
import { runBoundary, type Outcome } from './boundary';
import type { InputReader } from './inputs';

/** Runs an action's `run` through the shared boundary, reporting through the Actions toolkit. */
export function runAction(name: string, run: () => Promise<Outcome>): Promise<0 | 1 | 2> {
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

export const actionInput: InputReader = (name) => core.getInput(name);

/** Appends Markdown to the job summary when the runner provides one (not on local runs). */
export async function writeJobSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}
