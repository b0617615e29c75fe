import type { Finding } from '../core/model';

/** Rule-level states that are not a pass and not a failure: reported, never counted as compliant. */
export interface RuleStates {
  evaluated: number;
  compliant: string[];
  nonCompliant: string[];
  insufficientData: string[];
  notApplicable: string[];
}

/** The scope of the deploy target: tags every resource must carry, and rule names or control ids. */
export interface ComplianceScope {
  tags: Record<string, string>;
  rules: string[];
}

export interface CollectedCompliance {
  /** NON_COMPLIANT (Config) or FAILED (Security Hub) results in scope, as ACTIVE findings. */
  findings: Finding[];
  rules: RuleStates;
  /** API calls made, by operation, for progress and benchmarks. */
  calls: Record<string, number>;
  warnings: string[];
}

export function emptyRuleStates(): RuleStates {
  return { evaluated: 0, compliant: [], nonCompliant: [], insufficientData: [], notApplicable: [] };
}

export function tagsMatch(
  tags: Record<string, string> | undefined,
  wanted: Record<string, string>,
): boolean {
  return Object.entries(wanted).every(([key, value]) => tags?.[key] === value);
}
