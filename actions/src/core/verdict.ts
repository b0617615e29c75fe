import { EXIT_BLOCK, EXIT_ERROR, EXIT_PASS } from './errors';
import type { ExceptionResult } from './exceptions';
import {
  neverBlocksWarning,
  NOT_LOADED_POLICY_ORIGIN,
  type LoadedPolicy,
  type PolicyException,
} from './policy';
import {
  countBySeverity,
  severityRank,
  type AffectedPackage,
  type Finding,
  type Severity,
  type SeverityCounts,
} from './model';

export type VerdictKind = 'pass' | 'block' | 'error';

/** The exit code of every command: 0 pass, 1 blocked by policy, 2 could not decide. */
export type ExitCode = typeof EXIT_PASS | typeof EXIT_BLOCK | typeof EXIT_ERROR;

/** What every entry of verdict.json's `blocking` says, whatever the command (DESIGN.md "Contracts"). */
export interface BlockingBase {
  /** What blocks: a vulnerability id, a control id or rule name, a policy key. */
  id: string;
  /** What it is about: an image, a resource ARN or id, the estate. */
  resource: string;
  /** Why it blocks, in the policy's words. */
  reason: string;
}

/** A finding that blocks a gate (scan-gate, compliance-gate). */
export interface BlockingEntry extends BlockingBase {
  severity: Severity;
  title: string;
  packages: AffectedPackage[];
  fixAvailable: Finding['fixAvailable'];
  url?: string;
  epss?: number;
  exploitAvailable?: boolean;
  /** Compliance results: the deployed Config rule, and the fix from the control mapping table. */
  rule?: string;
  remediation?: { document?: string; why?: string };
}

export interface ExceptedEntry {
  id: string;
  severity: Severity;
  resource: string;
  exception: PolicyException;
}

export interface ExceptionReport {
  /** Past their expiry date: they no longer apply. `matched` is how many findings they would cover. */
  expired: (PolicyException & { matched: number })[];
  /** Still valid, but expire within the warning window. */
  expiringSoon: (PolicyException & { daysLeft: number })[];
  /** Valid and in scope, but matched no finding: candidates for removal. */
  stale: PolicyException[];
}

/**
 * The verdict.json contract (DESIGN.md "Contracts"), generic over what it is about: `S` the
 * subject (an image, a deploy target, a tag command on an estate), `C` the counts (per severity
 * for the gates), `B` one blocking entry. `evaluatedAt` is an ISO 8601 UTC timestamp; `error` is
 * set exactly when `verdict` is `error`.
 */
export interface Verdict<S, C = SeverityCounts, B extends BlockingBase = BlockingEntry> {
  verdict: VerdictKind;
  /** The command that decided, as typed on the CLI: `scan-gate`, `tags audit`. */
  command: string;
  subject: S;
  evaluatedAt: string;
  /** The policy file (or `built-in default`) and the sha256 (hex) of its exact text. */
  policy: { origin: string; sha256: string };
  counts: C;
  blocking: B[];
  excepted: ExceptedEntry[];
  exceptions: ExceptionReport;
  warnings: string[];
  error?: string;
}

/** Any verdict, for code that reads only what every command shares (headlines, outcomes). */
export type AnyVerdict = Verdict<unknown, unknown, BlockingBase>;

/** The exit code of a verdict: 0 pass, 1 block, 2 error (fail closed). */
export function exitCodeOf(verdict: VerdictKind): ExitCode {
  if (verdict === 'pass') return EXIT_PASS;
  return verdict === 'block' ? EXIT_BLOCK : EXIT_ERROR;
}

export function emptyExceptionReport(): ExceptionReport {
  return { expired: [], expiringSoon: [], stale: [] };
}

/**
 * The verdict of a run that could not decide: the same contract, so the same reports get written.
 * `subject` is as much of the subject as was known when it failed; `policy` is undefined when it
 * was not loaded (recorded as origin NOT_LOADED_POLICY_ORIGIN, with no sha256).
 */
export function errorVerdict<S, C, B extends BlockingBase>(parts: {
  command: string;
  subject: S;
  counts: C;
  policy: LoadedPolicy | undefined;
  now: Date;
  message: string;
}): Verdict<S, C, B> {
  return {
    verdict: 'error',
    command: parts.command,
    subject: parts.subject,
    evaluatedAt: parts.now.toISOString(),
    policy: {
      origin: parts.policy?.origin ?? NOT_LOADED_POLICY_ORIGIN,
      sha256: parts.policy?.sha256 ?? '',
    },
    counts: parts.counts,
    blocking: [],
    excepted: [],
    exceptions: emptyExceptionReport(),
    warnings: [],
    error: parts.message,
  };
}

/** A finding as a blocking entry: the finding's own facts, with where and why it blocks. */
export function blockingEntry(finding: Finding, resource: string, reason: string): BlockingEntry {
  return {
    id: finding.id,
    severity: finding.severity,
    resource,
    reason,
    title: finding.title,
    packages: finding.packages,
    fixAvailable: finding.fixAvailable,
    ...(finding.url !== undefined && { url: finding.url }),
    ...(finding.epss !== undefined && { epss: finding.epss }),
    ...(finding.exploitAvailable !== undefined && { exploitAvailable: finding.exploitAvailable }),
    ...(finding.rule && { rule: finding.rule.name }),
    ...(finding.remediation && { remediation: finding.remediation }),
  };
}

/** Riskiest first: severity, then EPSS (highest first), then id and resource for a stable order. */
export function byRisk(a: BlockingEntry, b: BlockingEntry): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (b.epss ?? 0) - (a.epss ?? 0) ||
    a.id.localeCompare(b.id) ||
    a.resource.localeCompare(b.resource)
  );
}

/** The policy section each gate decides by, for `neverBlocksWarning`. */
const GATE_SECTIONS: Partial<Record<string, 'image' | 'compliance'>> = {
  'scan-gate': 'image',
  'compliance-gate': 'compliance',
};

/**
 * The fail-on a subject was decided by when it is not its policy section's own: the image gate
 * records the classification level whose fail-on applied on its subject.
 */
function appliedFailOn(subject: unknown): { failOn: Severity[]; source: string } | undefined {
  if (typeof subject !== 'object' || subject === null || !('classification' in subject)) {
    return undefined;
  }
  const { classification } = subject as {
    classification?: { level: string; failOn: Severity[] };
  };
  return classification
    ? {
        failOn: classification.failOn,
        source: `the fail-on of classification ${classification.level}`,
      }
    : undefined;
}

/**
 * A gate's verdict from its findings, once the policy has picked what would block and
 * `applyExceptions` has set the excepted ones aside. Pure.
 *
 * - `counted`: the findings the counts are over (ACTIVE, in scope).
 * - `exceptions`: `applyExceptions`'s result; `remaining` block, sorted riskiest first.
 * - `reasonOf` / `resourceOf`: why a finding blocks, and what it is reported against.
 * - `alsoBlocking`: entries that are not findings (a rule with no data), appended as given.
 *
 * A policy under which the gate can never block (an empty fail-on: accepted, for report-only
 * use) gets a warning first, so a pass never looks like a gate that was passed.
 */
export function findingsVerdict<S>(input: {
  command: string;
  subject: S;
  policy: LoadedPolicy;
  now: Date;
  counted: readonly Finding[];
  exceptions: ExceptionResult;
  reasonOf: (finding: Finding) => string;
  resourceOf: (finding: Finding) => string;
  alsoBlocking?: BlockingEntry[];
  warnings: string[];
}): Verdict<S> {
  const { exceptions, resourceOf } = input;
  const blocking = [
    ...exceptions.remaining
      .map((finding) => blockingEntry(finding, resourceOf(finding), input.reasonOf(finding)))
      .sort(byRisk),
    ...(input.alsoBlocking ?? []),
  ];
  return {
    verdict: blocking.length > 0 ? 'block' : 'pass',
    command: input.command,
    subject: input.subject,
    evaluatedAt: input.now.toISOString(),
    policy: { origin: input.policy.origin, sha256: input.policy.sha256 },
    counts: countBySeverity(input.counted),
    blocking,
    excepted: exceptions.excepted.map(({ finding, exception }) => ({
      id: finding.id,
      severity: finding.severity,
      resource: resourceOf(finding),
      exception,
    })),
    exceptions: exceptions.report,
    warnings: [...neverBlocks(input.command, input.policy, input.subject), ...input.warnings],
  };
}

function neverBlocks(command: string, policy: LoadedPolicy, subject: unknown): string[] {
  const gate = GATE_SECTIONS[command];
  const warning = gate && neverBlocksWarning(policy.policy, gate, appliedFailOn(subject));
  return warning ? [warning] : [];
}
