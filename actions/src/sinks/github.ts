import * as core from '@actions/core';
import type { InputReader } from '../core/inputs';
import type { Verdict } from '../core/verdict';

export const actionInput: InputReader = (name) => core.getInput(name);

/** Appends Markdown to the job summary when the runner provides one (not on local runs). */
export async function writeJobSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}

/** The outputs, warnings and job summary every gate gives the runner. */
export async function reportGate(run: {
  verdict: Verdict;
  reportDir: string;
  files: Record<string, string>;
  summary: string;
}): Promise<void> {
  const { verdict } = run;
  core.setOutput('verdict', verdict.verdict);
  core.setOutput('critical', verdict.counts.CRITICAL);
  core.setOutput('high', verdict.counts.HIGH);
  core.setOutput('medium', verdict.counts.MEDIUM);
  core.setOutput('low', verdict.counts.LOW);
  core.setOutput('total', verdict.counts.total);
  core.setOutput('blocking', verdict.blocking.length);
  core.setOutput('report-dir', run.reportDir);
  core.setOutput('sarif-file', run.files['results.sarif'] ?? '');
  for (const warning of verdict.warnings) core.warning(warning);
  await writeJobSummary(run.summary);
}
