import { isDeepStrictEqual } from 'node:util';
import type { Outcome } from '../core/runner';
import { ConfigurationError } from '../core/errors';
import { readEvidence, type Evidence } from '../core/evidence';
import type { SeverityCounts } from '../core/model';
import { loadedFromText, sha256, type LoadedPolicy } from '../core/policy';
import { exitCodeOf, type Verdict } from '../core/verdict';
import { evaluateCompliance, type ComplianceSubject } from '../compliance-gate/evaluate';
import { evaluateImage, type ImageSubject } from '../scan-gate/evaluate';

type Evaluator = (evidence: Evidence, policy: LoadedPolicy) => Verdict;

/** How each command's verdict is recomputed from its evidence, with no AWS and no clock. */
const EVALUATORS: Record<string, Evaluator> = {
  'scan-gate': (evidence, policy) => {
    const scan = evidence.context.scan as { counts?: SeverityCounts } | undefined;
    return evaluateImage({
      findings: evidence.findings,
      policy,
      subject: evidence.verdict.subject as unknown as ImageSubject,
      now: new Date(evidence.verdict.evaluatedAt),
      ...(scan?.counts !== undefined && { scanCounts: scan.counts }),
    });
  },
  'compliance-gate': (evidence, policy) =>
    evaluateCompliance({
      findings: evidence.findings,
      policy,
      subject: evidence.verdict.subject as unknown as ComplianceSubject,
      now: new Date(evidence.verdict.evaluatedAt),
      notes: (evidence.context.notes as string[] | undefined) ?? [],
    }),
};

export interface ReplayResult {
  original: Verdict;
  replayed?: Verdict;
  matches: boolean;
  outcome: Outcome;
}

/** Re-evaluates an evidence bundle offline and says whether it reproduces the recorded verdict. */
export async function replay(bundle: string): Promise<ReplayResult> {
  const evidence = await readEvidence(bundle);
  const original = evidence.verdict;
  if (original.verdict === 'error') {
    return {
      original,
      matches: true,
      outcome: {
        exitCode: 2,
        message: `the recorded run could not decide: ${original.error ?? 'unknown error'}`,
      },
    };
  }
  const evaluate = EVALUATORS[evidence.command];
  if (!evaluate) {
    throw new ConfigurationError(
      `bundle: cannot replay command "${evidence.command}"; known: ${Object.keys(EVALUATORS).join(', ')}`,
    );
  }
  if (sha256(evidence.policy.text) !== evidence.policy.sha256) {
    throw new ConfigurationError(
      'bundle: the policy text does not match its recorded sha256; the bundle was altered',
    );
  }
  const replayed = evaluate(evidence, loadedFromText(evidence.policy.text, evidence.policy.origin));
  const matches = isDeepStrictEqual(replayed, original);
  const outcome: Outcome = matches
    ? {
        exitCode: exitCodeOf(replayed.verdict),
        message: `replayed ${evidence.command} from ${evidence.findings.length} findings: ${replayed.verdict} (${replayed.blocking.length} blocking), identical to the recorded verdict`,
      }
    : {
        exitCode: 2,
        message: `replay gives ${replayed.verdict} with ${replayed.blocking.length} blocking, but the bundle records ${original.verdict} with ${original.blocking.length}: the bundle was altered or was made by an incompatible version (${evidence.assetguardVersion})`,
      };
  return { original, replayed, matches, outcome };
}
