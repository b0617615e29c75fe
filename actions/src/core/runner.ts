import * as core from '@actions/core';
import { AssetguardError, EXIT_ERROR, errorMessage } from './errors';

/** What a command or action ends with: an exit code and one line for the user. */
export interface Outcome {
  exitCode: 0 | 1 | 2;
  message: string;
}

export interface Reporter {
  info(message: string): void;
  fail(message: string): void;
  debug(message: string): void;
}

/**
 * The one failure boundary (STYLE.md #2): everything below throws with context; only here is an
 * outcome turned into a failed step or a non-zero exit. Unknown errors exit 2 as well: a gate
 * that crashed has not decided, and must not pass.
 */
export async function runBoundary(
  name: string,
  run: () => Promise<Outcome>,
  reporter: Reporter,
): Promise<0 | 1 | 2> {
  let outcome: Outcome;
  try {
    outcome = await run();
  } catch (error) {
    if (!(error instanceof AssetguardError) && error instanceof Error && error.stack) {
      reporter.debug(error.stack);
    }
    const prefix = error instanceof AssetguardError ? '' : 'unexpected error (please report it): ';
    outcome = { exitCode: EXIT_ERROR, message: `${prefix}${errorMessage(error)}` };
  }
  if (outcome.exitCode === 0) reporter.info(`${name}: ${outcome.message}`);
  else reporter.fail(`${name}: ${outcome.message}`);
  process.exitCode = outcome.exitCode;
  return outcome.exitCode;
}

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
