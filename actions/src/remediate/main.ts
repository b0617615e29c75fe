import type { Outcome } from '../core/runner';
import { runInAction } from '../sinks/github';
import { remediateCommand } from './run';

/** The action: remediate on the action's inputs, with outputs and job summary (sinks/github). */
export function run(): Promise<Outcome> {
  return runInAction(remediateCommand());
}
