import { ConfigurationError } from '../core/errors';
import type { Asset } from '../core/model';
import type { LoadedPolicy } from '../core/policy';
import {
  checkResource,
  coverage as measureCoverage,
  type Coverage,
  type TagCheck,
  type TagPolicy,
} from '../core/tag-policy';
import {
  emptyExceptionReport,
  type BlockingBase,
  type Verdict,
  type VerdictKind,
} from '../core/verdict';
import type { TagCommand } from './inputs';

/** What a tag command's verdict is about: which command, on which region's estate. */
export interface TagSubject {
  command: TagCommand;
  /** apply and groups wrote only when this is true (publish writes whenever the policy changed). */
  execute: boolean;
  region: string;
}

/** A tag command's counts; each command sets those it measures. */
export interface TagCounts {
  /** Resources in the inventory (audit, apply). */
  resources?: number;
  /** audit and a dry run: resources apply would change; apply: resources tagged; groups: groups to create or update. */
  changes?: number;
  /** Percent (0..100, one decimal) of required (resource, key) pairs present and valid (audit). */
  coverage?: number;
  /** Resources apply could not tag. */
  failed?: number;
}

/** A tag command's verdict; a run that failed early has only part of the subject. */
export type TagVerdict = Verdict<Partial<TagSubject>, TagCounts, BlockingBase>;

/** The inventory as evidence.json records it, and as `evaluateAudit` reads it. */
export interface InventoryFacts {
  /** The estate's resources with their tags. */
  resources: Asset[];
  /** False when AWS Config could not list resources: never-tagged ones are then missing. */
  complete: boolean;
  warnings: string[];
}

/**
 * The policy's tags section.
 * @throws ConfigurationError naming the policy file when it has no tags.required keys.
 */
export function tagPolicyOf(policy: LoadedPolicy): TagPolicy {
  if (!policy.policy.tags || policy.policy.tags.required.length === 0) {
    throw new ConfigurationError(
      `${policy.origin}: the policy has no tags.required section; add the keys every resource must carry (see the README's tag policy reference)`,
    );
  }
  return policy.policy.tags;
}

/** Decides the audit as a gate: coverage against tags.min-coverage. */
export function auditVerdict(
  coverage: Coverage,
  policy: TagPolicy,
  inventoryComplete: boolean,
): VerdictKind {
  if (policy.minCoverage > 0 && !inventoryComplete) return 'error';
  return coverage.overall.percent < policy.minCoverage ? 'block' : 'pass';
}

/**
 * Assembles a tag command's verdict (the verdict.json contract). Tag policies have no exceptions,
 * so `excepted` is empty and the exception report has nothing in it.
 */
export function tagVerdict(parts: {
  subject: TagSubject;
  policy: LoadedPolicy;
  now: Date;
  verdict: VerdictKind;
  counts: TagCounts;
  blocking?: BlockingBase[];
  warnings?: string[];
  error?: string;
}): Verdict<TagSubject, TagCounts, BlockingBase> {
  return {
    verdict: parts.verdict,
    command: `tags ${parts.subject.command}`,
    subject: parts.subject,
    evaluatedAt: parts.now.toISOString(),
    policy: { origin: parts.policy.origin, sha256: parts.policy.sha256 },
    counts: parts.counts,
    blocking: parts.blocking ?? [],
    excepted: [],
    exceptions: emptyExceptionReport(),
    warnings: parts.warnings ?? [],
    ...(parts.error !== undefined && { error: parts.error }),
  };
}

/** Resources with something apply would set. */
export function plannedChanges(checks: readonly TagCheck[]): TagCheck[] {
  return checks.filter((check) => Object.keys(check.set).length > 0);
}

/**
 * The audit's decision. Pure: the same inventory, policy and `now` always give the same
 * verdict, so `assetguard replay` reproduces it from the evidence.
 *
 * Every resource is checked against tags.required (and derivations); coverage is the share of
 * required (resource, key) pairs present and valid. Below tags.min-coverage it blocks, with one
 * blocking entry for the minimum; with a minimum set and an incomplete inventory (AWS Config not
 * recording) it cannot decide. Returns the verdict with the checks and the coverage it rests on.
 * @throws ConfigurationError when the policy has no tags.required section.
 */
export function evaluateAudit(input: {
  inventory: InventoryFacts;
  policy: LoadedPolicy;
  subject: TagSubject;
  now: Date;
}): {
  verdict: Verdict<TagSubject, TagCounts, BlockingBase>;
  checks: TagCheck[];
  coverage: Coverage;
} {
  const { inventory, policy, subject } = input;
  const tags = tagPolicyOf(policy);
  const checks = inventory.resources.map((asset) => checkResource(tags, asset));
  const coverage = measureCoverage(checks);
  const kind = auditVerdict(coverage, tags, inventory.complete);
  const percent = coverage.overall.percent;
  const resources = inventory.resources.length;
  const verdict = tagVerdict({
    subject,
    policy,
    now: input.now,
    verdict: kind,
    counts: { resources, changes: plannedChanges(checks).length, coverage: percent },
    blocking:
      kind === 'block'
        ? [
            {
              id: 'tags.min-coverage',
              resource: `${resources} resource(s) in ${subject.region}`,
              reason: `coverage ${percent}% is below tags.min-coverage ${tags.minCoverage}%`,
            },
          ]
        : [],
    warnings: inventory.warnings,
    ...(kind === 'error' && {
      error: 'AWS Config is not recording, so never-tagged resources cannot be counted',
    }),
  });
  return { verdict, checks, coverage };
}

/**
 * The apply's verdict. A dry run (`written` absent) passes: it changes nothing, and reports how
 * many resources it would. A write passes when every planned resource got its tags; otherwise
 * it is an `error` naming how many failed and the first one (ARN and AWS error code).
 */
export function applyVerdict(input: {
  subject: TagSubject;
  policy: LoadedPolicy;
  now: Date;
  inventory: InventoryFacts;
  /** Resources the plan changes. */
  planned: number;
  written?: { tagged: number; failed: readonly { arn: string; code: string }[] };
}): Verdict<TagSubject, TagCounts, BlockingBase> {
  const { subject, policy, now, inventory, written } = input;
  const resources = inventory.resources.length;
  if (!written) {
    return tagVerdict({
      subject,
      policy,
      now,
      verdict: 'pass',
      counts: { resources, changes: input.planned },
      warnings: inventory.warnings,
    });
  }
  const first = written.failed[0];
  return tagVerdict({
    subject,
    policy,
    now,
    verdict: first ? 'error' : 'pass',
    counts: { resources, changes: written.tagged, failed: written.failed.length },
    warnings: inventory.warnings,
    ...(first && {
      error: `${written.failed.length} resource(s) could not be tagged (first: ${first.arn}: ${first.code})`,
    }),
  });
}

/** The subject of a decided verdict, or undefined when a field is missing. */
export function resolvedTagSubject(subject: Partial<TagSubject>): TagSubject | undefined {
  const { command, execute, region } = subject;
  if (command === undefined || execute === undefined || region === undefined) return undefined;
  return { command, execute, region };
}
