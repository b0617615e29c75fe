import type { Outcome } from '../core/runner';
import { runInAction } from '../sinks/github';
import { complianceGateCommand } from './run';

/** The action: the compliance gate on the action's inputs, with outputs and job summary (sinks/github). */
export function run(): Promise<Outcome> {
  return runInAction(complianceGateCommand());
}
