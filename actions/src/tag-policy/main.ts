import * as core from '@actions/core';
import { actionInput, writeJobSummary } from '../sinks/github';
import type { Outcome } from '../core/runner';
import { systemClock } from '../core/clock';
import { parseTagInputs } from './inputs';
import { tagsCommand } from './run';

export async function run(): Promise<Outcome> {
  const inputs = parseTagInputs(actionInput);
  const result = await tagsCommand(inputs, {
    clock: systemClock,
    log: (message) => {
      core.info(message);
    },
  });
  for (const [name, value] of Object.entries(result.outputs)) core.setOutput(name, value);
  core.setOutput('report-dir', result.reportDir);
  await writeJobSummary(result.summary);
  return result.outcome;
}
