import * as core from '@actions/core';
import { systemClock } from '../core/clock';
import { logLine } from '../core/escape';
import type { InputReader, OutputSpecs, OutputValues } from '../core/inputs';
import { runCommand, type Command, type CommandTypes, type Outcome } from '../core/runner';

/** Reads an action input by its declared (kebab-case) name, as the runner passes it (INPUT_*). */
export const actionInput: InputReader = (name) => core.getInput(name);

/** Appends Markdown to the job summary when the runner provides one (not on local runs). */
export async function writeJobSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
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
 */
export async function runInAction<T extends CommandTypes>(command: Command<T>): Promise<Outcome> {
  const run = await runCommand(
    command,
    { read: actionInput },
    {
      clock: systemClock,
      // Progress carries AWS's strings (image tags, resource names): each line is escaped so
      // none can be a workflow command.
      log: (message) => {
        for (const line of message.split('\n')) core.info(logLine(line));
      },
    },
  );
  setOutputs(command.outputs, run.outputs);
  for (const warning of run.verdict.warnings) core.warning(warning);
  await writeJobSummary(run.summary);
  return run.outcome;
}
