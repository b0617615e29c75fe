import * as core from '@actions/core';
import { actionInput, reportGate } from '../sinks/github';
import type { Outcome } from '../core/runner';
import { systemClock } from '../core/clock';
import { exitCodeOf } from '../core/verdict';
import { scanGate, type ScanGateRun } from './run';
import { parseScanGateInputs } from './inputs';

/** The one-line outcome shared by the action and the CLI. */
export function scanGateOutcome(run: ScanGateRun): Outcome {
  const { verdict } = run;
  const subject = run.image
    ? `${run.image.repository}@${run.image.digest}`
    : String(verdict.subject.image);
  const exitCode = exitCodeOf(verdict.verdict);
  if (verdict.verdict === 'error')
    return { exitCode, message: `could not decide: ${verdict.error ?? ''}` };
  const n = verdict.blocking.length;
  const message =
    verdict.verdict === 'block'
      ? `blocked: ${n} finding${n === 1 ? '' : 's'} block ${subject} (of ${verdict.counts.total} ACTIVE); see ${run.reportDir}/summary.md`
      : `passed: no finding blocks ${subject} (${verdict.counts.total} ACTIVE findings); reports in ${run.reportDir}`;
  return { exitCode, message };
}

export async function run(): Promise<Outcome> {
  const inputs = parseScanGateInputs(actionInput);
  const result = await scanGate(inputs, {
    clock: systemClock,
    log: (message) => {
      core.info(message);
    },
  });
  core.setOutput('image-digest', result.image?.digest ?? '');
  await reportGate(result);
  return scanGateOutcome(result);
}
