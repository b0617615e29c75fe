import * as core from '@actions/core';
import { actionInput, reportGate } from '../sinks/github';
import type { Outcome } from '../core/runner';
import { systemClock } from '../core/clock';
import { exitCodeOf } from '../core/verdict';
import { complianceGate, type ComplianceGateRun } from './run';
import { parseComplianceGateInputs } from './inputs';

/** The one-line outcome shared by the action and the CLI. */
export function complianceGateOutcome(run: ComplianceGateRun): Outcome {
  const { verdict } = run;
  const exitCode = exitCodeOf(verdict.verdict);
  if (verdict.verdict === 'error')
    return { exitCode, message: `could not decide: ${verdict.error ?? ''}` };
  const n = verdict.blocking.length;
  const message =
    verdict.verdict === 'block'
      ? `blocked: ${n} non-compliant result${n === 1 ? ' blocks' : 's block'} the deploy (of ${verdict.counts.total} failing in scope); see ${run.reportDir}/summary.md`
      : `passed: no non-compliant result blocks the deploy (${verdict.counts.total} failing in scope); reports in ${run.reportDir}`;
  return { exitCode, message };
}

export async function run(): Promise<Outcome> {
  const inputs = parseComplianceGateInputs(actionInput);
  const result = await complianceGate(inputs, {
    clock: systemClock,
    log: (message) => {
      core.info(message);
    },
  });
  await reportGate(result);
  return complianceGateOutcome(result);
}
