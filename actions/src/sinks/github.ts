import * as core from '@actions/core';
import { systemClock } from '../core/clock';
import { logLine } from '../core/escape';
import { finishSummary } from '../core/markdown';
import type { InputReader, OutputSpecs, OutputValues } from '../core/inputs';
import { runCommand, type Command, type CommandTypes, type Outcome } from '../core/runner';

/** Reads an action input by its declared (kebab-case) name, as the runner passes it (INPUT_*). */
export const actionInput: InputReader = (name) => core.getInput(name);

/**
 * Appends Markdown to the job summary when the runner provides one (not on local runs). Every
 * renderer bounds its summary already (core/markdown `finishSummary`); this is the edge to
 * GitHub, so it applies the same bound once more rather than let a step's summary be refused.
 */
export async function writeJobSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary
    .addRaw(finishSummary([markdown.trimEnd()], 'the report directory'), true)
    .write();
}

/**
 * The names that `values` gives but `declared` does not, and those `declared` has but `values`
 * lacks; both empty when they match. Pure, so tests can check every command's outputs.
 */
export function outputMismatch(
  declared: OutputSpecs,
  values: Readonly<Record<string, unknown>>,
): { undeclared: string[]; missing: string[] } {
  return {
    undeclared: Object.keys(values).filter((name) => !Object.hasOwn(declared, name)),
    missing: Object.keys(declared).filter((name) => !Object.hasOwn(values, name)),
  };
}

/**
 * Sets every declared output and nothing else, from the declaration (`*_OUTPUTS`, which tests
 * compare with action.yml), so a renamed output cannot drift from what is written.
 * @throws Error (a programming error, not a user's) when the values do not match the declaration.
 */
export function setOutputs<O extends OutputSpecs>(declared: O, values: OutputValues<O>): void {
  const { undeclared, missing } = outputMismatch(declared, values);
  if (undeclared.length > 0 || missing.length > 0) {
    throw new Error(
      `outputs do not match their declaration: undeclared ${undeclared.join(', ') || 'none'}; without a value ${missing.join(', ') || 'none'}`,
    );
  }
  for (const [name, value] of Object.entries(values)) core.setOutput(name, value);
}

/**
 * The action glue every command shares: runs the command on the action's inputs through the
 * shared runner, then gives the runner its outputs (from the declaration), a warning per verdict
 * warning, and the job summary. Returns the outcome for the boundary (`runAction`).
 *
 * Everything written to the log is one line that cannot be a workflow command (core/escape
 * `logLine`): progress lines and warnings (which carry resource ids, rule names and tag values)
 * here; the outcome line in the boundary (core/runner `runBoundary`), for the CLI too.
 */
export async function runInAction<T extends CommandTypes>(command: Command<T>): Promise<Outcome> {
  const run = await runCommand(
    command,
    { read: actionInput },
    {
      clock: systemClock,
      log: logToAction,
    },
  );
  setOutputs(command.outputs, run.outputs);
  for (const warning of run.verdict.warnings) core.warning(logLine(warning));
  await writeJobSummary(run.summary);
  return run.outcome;
}

/**
 * The log of a command run by the action: each line of a message (a plan is several) on its own
 * log line, escaped so that none can be a workflow command (`::error::`, `##[error]`).
 */
export function logToAction(message: string): void {
  for (const line of message.split('\n')) core.info(logLine(line));
}
