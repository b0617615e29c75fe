import type { Outcome } from '../core/runner';
import { runInAction } from '../sinks/github';
import { scanGateCommand } from './run';

/** The action: the scan gate on the action's inputs, with outputs and job summary (sinks/github). */
export function run(): Promise<Outcome> {
  return runInAction(scanGateCommand());
}
