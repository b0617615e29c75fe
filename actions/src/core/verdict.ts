import type { PolicyException } from './policy';
import type { AffectedPackage, Finding, Severity, SeverityCounts } from './model';

export type VerdictKind = 'pass' | 'block' | 'error';

export interface BlockingEntry {
  id: string;
  severity: Severity;
  resource: string;
  reason: string;
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

/** The verdict.json contract (DESIGN.md "Contracts"). */
export interface Verdict {
  verdict: VerdictKind;
  command: string;
  subject: Record<string, unknown>;
  evaluatedAt: string;
  policy: { origin: string; sha256: string };
  counts: SeverityCounts;
  blocking: BlockingEntry[];
  excepted: ExceptedEntry[];
  exceptions: ExceptionReport;
  warnings: string[];
  error?: string;
}

export function exitCodeOf(verdict: VerdictKind): 0 | 1 | 2 {
  if (verdict === 'pass') return 0;
  return verdict === 'block' ? 1 : 2;
}
