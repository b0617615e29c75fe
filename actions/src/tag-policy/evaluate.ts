import type { Coverage, TagPolicy } from '../core/tag-policy';
import type { AuditReport } from './render';

/** Decides the audit as a gate: coverage against tags.min-coverage. */
export function auditVerdict(
  coverage: Coverage,
  policy: TagPolicy,
  inventoryComplete: boolean,
): AuditReport['verdict'] {
  if (policy.minCoverage > 0 && !inventoryComplete) return 'error';
  return coverage.overall.percent < policy.minCoverage ? 'block' : 'pass';
}
