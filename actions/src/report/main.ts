import type { Outcome } from '../core/runner';
import { runInAction } from '../sinks/github';
import { dailyReportCommand } from './run';

/** The action: the daily report of the action's inputs, with outputs and job summary (sinks/github). */
export function run(): Promise<Outcome> {
  return runInAction(dailyReportCommand());
}
