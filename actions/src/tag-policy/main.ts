import type { Outcome } from '../core/runner';
import { runInAction } from '../sinks/github';
import { tagPolicyCommand } from './run';

/** The action: the tag command of the action's inputs, with outputs and job summary (sinks/github). */
export function run(): Promise<Outcome> {
  return runInAction(tagPolicyCommand());
}
