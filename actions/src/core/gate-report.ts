import { buildEvidence, EVIDENCE_FILE } from './evidence';
import { emptyCounts, type Finding } from './model';
import type { LoadedPolicy } from './policy';
import { writeReportFiles } from './report-files';
import type { Verdict } from './verdict';

/** The verdict of a gate that could not decide: same shape, so the same reports get written. */
export function errorVerdict(
  command: string,
  message: string,
  subject: Record<string, unknown>,
  policy: LoadedPolicy | undefined,
  now: Date,
): Verdict {
  return {
    verdict: 'error',
    command,
    subject,
    evaluatedAt: now.toISOString(),
    policy: { origin: policy?.origin ?? 'not loaded', sha256: policy?.sha256 ?? '' },
    counts: emptyCounts(),
    blocking: [],
    excepted: [],
    exceptions: { expired: [], expiringSoon: [], stale: [] },
    warnings: [],
    error: message,
  };
}

/** Writes the four reports every gate produces: verdict.json, summary.md, results.sarif, evidence.json. */
export function writeGateReports(parts: {
  dir: string;
  verdict: Verdict;
  summary: string;
  sarif: string;
  inputs: Record<string, unknown>;
  context: Record<string, unknown>;
  policy: LoadedPolicy | undefined;
  findings: Finding[];
}): Promise<Record<string, string>> {
  const evidence = buildEvidence({
    command: parts.verdict.command,
    inputs: parts.inputs,
    context: parts.context,
    policy: parts.policy,
    findings: parts.findings,
    verdict: parts.verdict,
  });
  return writeReportFiles(parts.dir, {
    'verdict.json': `${JSON.stringify(parts.verdict, null, 2)}\n`,
    'summary.md': parts.summary,
    'results.sarif': parts.sarif,
    [EVIDENCE_FILE]: `${JSON.stringify(evidence, null, 2)}\n`,
  });
}
