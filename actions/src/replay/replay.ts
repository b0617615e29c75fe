import { isDeepStrictEqual } from 'node:util';
import type { Outcome } from '../core/runner';
import { AssetguardError, ConfigurationError, errorMessage, EXIT_ERROR } from '../core/errors';
import {
  checkEvidence,
  readEvidence,
  SEVERITY_COUNTS_SCHEMA,
  type Evidence,
} from '../core/evidence';
import { evidenceValidator } from '../core/evidence-validator';
import { loadedFromText, sha256, type LoadedPolicy } from '../core/policy';
import { exitCodeOf, type AnyVerdict } from '../core/verdict';
import {
  evaluateCompliance,
  resolvedComplianceSubject,
  type ComplianceContext,
  type ComplianceVerdict,
} from '../compliance-gate/evaluate';
import {
  evaluateImage,
  resolvedImageSubject,
  type ImageVerdict,
  type ScanContext,
} from '../scan-gate/evaluate';
import {
  evaluateAudit,
  resolvedTagSubject,
  type InventoryFacts,
  type TagVerdict,
} from '../tag-policy/evaluate';

/** The bundles replay can re-evaluate, by the command that wrote them. */
export type ReplayableEvidence =
  | Evidence<'scan-gate', ImageVerdict, Partial<ScanContext>>
  | Evidence<'compliance-gate', ComplianceVerdict, Partial<ComplianceContext>>
  | Evidence<'tags audit', TagVerdict, { inventory?: InventoryFacts }>;

const REPLAYABLE: readonly ReplayableEvidence['command'][] = [
  'scan-gate',
  'compliance-gate',
  'tags audit',
];

function incomplete(what: string): ConfigurationError {
  return new ConfigurationError(`bundle: the recorded ${what} is incomplete; cannot re-evaluate`);
}

const STRING = { type: 'string' } as const;
const STRINGS = { type: 'array', items: STRING } as const;
const STRING_MAP = { type: 'object', additionalProperties: STRING } as const;

/**
 * What each command's evaluator reads besides the findings and the policy: the verdict's
 * subject (by field) and the context. Checked before evaluating, so a malformed bundle is an
 * error naming the field, never a crash inside an evaluator.
 */
const COMMAND_SCHEMAS: Record<ReplayableEvidence['command'], object> = {
  'scan-gate': {
    type: 'object',
    properties: {
      verdict: {
        type: 'object',
        properties: {
          subject: {
            type: 'object',
            required: ['image', 'repository', 'digest', 'region'],
            properties: {
              image: STRING,
              repository: STRING,
              digest: STRING,
              region: STRING,
              tag: STRING,
              registryId: STRING,
              repositoryTags: STRING_MAP,
            },
          },
        },
      },
      context: {
        type: 'object',
        properties: {
          scan: { type: 'object', properties: { counts: SEVERITY_COUNTS_SCHEMA } },
        },
      },
    },
  },
  'compliance-gate': {
    type: 'object',
    properties: {
      verdict: {
        type: 'object',
        properties: {
          subject: {
            type: 'object',
            required: ['source', 'region', 'scope', 'rules'],
            properties: {
              source: { enum: ['config', 'securityhub'] },
              region: STRING,
              scope: {
                type: 'object',
                required: ['tags', 'rules'],
                properties: { tags: STRING_MAP, rules: STRINGS },
              },
              rules: {
                type: 'object',
                required: [
                  'evaluated',
                  'compliant',
                  'nonCompliant',
                  'insufficientData',
                  'notApplicable',
                ],
                properties: {
                  evaluated: { type: 'integer', minimum: 0 },
                  compliant: STRINGS,
                  nonCompliant: STRINGS,
                  insufficientData: STRINGS,
                  notApplicable: STRINGS,
                },
              },
            },
          },
        },
      },
      context: { type: 'object', properties: { notes: STRINGS } },
    },
  },
  'tags audit': {
    type: 'object',
    properties: {
      verdict: {
        type: 'object',
        properties: {
          subject: {
            type: 'object',
            required: ['command', 'execute', 'region'],
            properties: {
              command: { const: 'audit' },
              execute: { type: 'boolean' },
              region: STRING,
            },
          },
        },
      },
      context: {
        type: 'object',
        required: ['inventory'],
        properties: {
          inventory: {
            type: 'object',
            required: ['resources', 'complete', 'warnings'],
            properties: {
              resources: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['arn', 'type', 'tags'],
                  properties: { arn: STRING, type: STRING, tags: STRING_MAP },
                },
              },
              complete: { type: 'boolean' },
              warnings: STRINGS,
            },
          },
        },
      },
    },
  },
};

const COMMAND_VALIDATORS = Object.fromEntries(
  Object.entries(COMMAND_SCHEMAS).map(([command, schema]) => [command, evidenceValidator(schema)]),
);

/**
 * Recomputes a bundle's verdict with the pure evaluator of the command that recorded it, from
 * its findings (or inventory), its policy text and its subject, at its recorded `evaluatedAt`:
 * no AWS and no clock. `from` says what it was recomputed from, for the outcome line.
 */
function reEvaluate(
  evidence: ReplayableEvidence,
  policy: LoadedPolicy,
): { verdict: AnyVerdict; from: string } {
  const findings = `${evidence.findings.length} findings`;
  // readEvidence checked that this is an ISO 8601 date-time.
  const now = new Date(evidence.verdict.evaluatedAt);
  switch (evidence.command) {
    case 'scan-gate': {
      const subject = resolvedImageSubject(evidence.verdict.subject);
      if (!subject) throw incomplete('image subject');
      const counts = evidence.context.scan?.counts;
      const verdict = evaluateImage({
        findings: evidence.findings,
        policy,
        subject,
        now,
        ...(counts !== undefined && { scanCounts: counts }),
      });
      return { verdict, from: findings };
    }
    case 'compliance-gate': {
      const subject = resolvedComplianceSubject(evidence.verdict.subject);
      if (!subject) throw incomplete('compliance subject');
      const verdict = evaluateCompliance({
        findings: evidence.findings,
        policy,
        subject,
        now,
        notes: evidence.context.notes ?? [],
      });
      return { verdict, from: findings };
    }
    case 'tags audit': {
      const subject = resolvedTagSubject(evidence.verdict.subject);
      const { inventory } = evidence.context;
      if (!subject || !inventory) throw incomplete('tag audit subject or inventory');
      const { verdict } = evaluateAudit({ inventory, policy, subject, now });
      return { verdict, from: `${inventory.resources.length} resources` };
    }
  }
}

function isReplayable(evidence: Evidence): evidence is ReplayableEvidence {
  return (REPLAYABLE as readonly string[]).includes(evidence.command);
}

/**
 * A bundle (as `readEvidence` read it from `file`) checked for re-evaluation: written by a command
 * replay knows, with that command's subject and context fields well formed, and its policy text
 * matching its recorded sha256. Shared by `replay` and the pull-request summary's policy preview.
 * @throws ConfigurationError naming the file or field: an unknown command, a malformed field, or
 *   a policy text that was altered.
 */
export function replayableEvidence(evidence: Evidence, file: string): ReplayableEvidence {
  if (!isReplayable(evidence)) {
    throw new ConfigurationError(
      `bundle: cannot replay command ${JSON.stringify(evidence.command)}; known: ${REPLAYABLE.join(', ')}`,
    );
  }
  const validator = COMMAND_VALIDATORS[evidence.command];
  if (validator) checkEvidence(validator, evidence, file);
  if (sha256(evidence.policy.text) !== evidence.policy.sha256) {
    throw new ConfigurationError(
      'bundle: the policy text does not match its recorded sha256; the bundle was altered',
    );
  }
  return evidence;
}

/**
 * Recomputes a checked bundle's verdict under `policy` (its own, or another one to compare
 * with), with the pure evaluator of the command that recorded it, at its recorded `evaluatedAt`:
 * no AWS and no clock. Pure.
 * @throws ConfigurationError naming `file` when the evaluator cannot read the bundle (a shape
 *   this version does not write), or when the policy does not fit it.
 */
export function reEvaluateBundle(
  evidence: ReplayableEvidence,
  policy: LoadedPolicy,
  file: string,
): { verdict: AnyVerdict; from: string } {
  try {
    return reEvaluate(evidence, policy);
  } catch (error) {
    if (error instanceof AssetguardError) throw error;
    // Every field the evaluators read was checked above; what is left is a bundle this version
    // cannot read, or a bug. Either way the replay did not decide: exit 2, saying which.
    throw new ConfigurationError(
      `bundle: ${file} could not be re-evaluated (${errorMessage(error)}): it does not have the shape this version writes; if it is unaltered, please report it`,
    );
  }
}

/** A replay: the recorded verdict, the recomputed one, and whether they are identical. */
export interface ReplayResult {
  original: AnyVerdict;
  /** Absent when the recorded run could not decide (there is nothing to recompute). */
  replayed?: AnyVerdict;
  matches: boolean;
  /** Exit code of the recorded verdict when reproduced; 2 when it is not, or was an error. */
  outcome: Outcome;
}

/**
 * Re-evaluates an evidence bundle (evidence.json, or the report directory holding it) offline
 * and says whether it reproduces the recorded verdict exactly (deep equality).
 * @throws ConfigurationError (exit 2) when the bundle cannot be read, was written by a command
 *   replay does not know, has a policy text that does not match its sha256, or has a missing or
 *   malformed field (named: `verdict.evaluatedAt`, `verdict.subject`…).
 */
export async function replay(bundle: string): Promise<ReplayResult> {
  const { evidence, file } = await readEvidence(bundle);
  const original = evidence.verdict;
  if (original.verdict === 'error') {
    return {
      original,
      matches: true,
      outcome: {
        exitCode: EXIT_ERROR,
        message: `the recorded run could not decide: ${original.error ?? 'unknown error'}`,
      },
    };
  }
  const replayable = replayableEvidence(evidence, file);
  const policy = loadedFromText(evidence.policy.text, evidence.policy.origin);
  const { verdict: replayed, from } = reEvaluateBundle(replayable, policy, file);
  const matches = isDeepStrictEqual(replayed, original);
  const outcome: Outcome = matches
    ? {
        exitCode: exitCodeOf(replayed.verdict),
        message: `replayed ${evidence.command} from ${from}: ${replayed.verdict} (${replayed.blocking.length} blocking), identical to the recorded verdict`,
      }
    : {
        exitCode: EXIT_ERROR,
        message: `replay gives ${replayed.verdict} with ${replayed.blocking.length} blocking, but the bundle records ${original.verdict} with ${original.blocking.length}: the bundle was altered or was made by an incompatible version (${evidence.assetguardVersion})`,
      };
  return { original, replayed, matches, outcome };
}
