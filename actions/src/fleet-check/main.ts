import type { Outcome } from '../core/runner';
import { runInAction } from '../sinks/github';
import { fleetCheckCommand } from './run';

/** The action: the fleet check on the action's inputs, with outputs and job summary (sinks/github). */
export function run(): Promise<Outcome> {
  return runInAction(fleetCheckCommand());
}
