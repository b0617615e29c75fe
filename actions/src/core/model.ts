/**
 * The one model every source normalizes into (DESIGN.md "One model"). Evaluators and renderers
 * only ever see these shapes, never SDK responses.
 */

/** Most severe first; the order is used for sorting and for counts tables. */
export const SEVERITIES = [
  'CRITICAL',
  'HIGH',
  'MEDIUM',
  'LOW',
  'INFORMATIONAL',
  'UNTRIAGED',
] as const;
export type Severity = (typeof SEVERITIES)[number];

export type FindingSource = 'inspector2' | 'config' | 'securityhub' | 'fleet';
export type FindingStatus = 'ACTIVE' | 'SUPPRESSED' | 'CLOSED';

export interface AffectedPackage {
  name: string;
  installedVersion?: string;
  /** Undefined when no fix exists (Inspector2 reports the string "NotAvailable"). */
  fixedVersion?: string;
  manager?: string;
  filePath?: string;
}

export interface FindingResource {
  /** ARN when the source has one, else the source's resource id. */
  id: string;
  type: string;
  region?: string;
  accountId?: string;
  /** ECR repository name, for image findings. */
  repository?: string;
  /** sha256 digest, for image findings. */
  imageDigest?: string;
  tags?: Record<string, string>;
}

export interface Finding {
  /** What the finding is about: a CVE/GHSA id, a Config rule name or a control id. */
  id: string;
  /** Other ids an exception may use for it (related GHSA ids, the control id of a rule). */
  aliases?: string[];
  /** The source's own id of this finding (Inspector2 findingArn, ASFF Id, ...). */
  sourceId: string;
  source: FindingSource;
  severity: Severity;
  status: FindingStatus;
  title: string;
  description?: string;
  resource: FindingResource;
  packages: AffectedPackage[];
  /** 'partial' when some but not all affected packages have a fix. */
  fixAvailable: 'yes' | 'no' | 'partial';
  exploitAvailable?: boolean;
  /** EPSS probability, 0..1. */
  epss?: number;
  /** Inspector score or CVSS base score, 0..10. */
  score?: number;
  url?: string;
  firstSeen?: string;
  lastSeen?: string;
  /** Compliance findings: the Config rule as deployed, and why the resource fails it. */
  rule?: { name: string; annotation?: string };
  /** The fix, from the control mapping table: an SSM Automation document, or why there is none. */
  remediation?: { document?: string; why?: string };
}

/**
 * A resource of the estate: what the tag policy, the tag writer and reports know about it. Built
 * from AWS Config's inventory joined with the Tagging API (sources/inventory), or from the
 * CloudTrail event that created it (the auto-tag Lambda).
 */
export interface Asset {
  arn: string;
  /** CloudFormation type (`AWS::EC2::Instance`), the vocabulary of the policy's resource-types. */
  type: string;
  /** Its tags now; `{}` when it carries none (never "unknown": unreadable tags are reported). */
  tags: Record<string, string>;
  /** Its name (Name tag, Config's resourceName, or the ARN's last segment), for derivations. */
  name?: string;
  accountId?: string;
  region?: string;
  vpcId?: string;
  /** The identity that created it (CloudTrail userIdentity ARN), known to the auto-tag Lambda. */
  creator?: string;
  /** Its level under the policy's `tags.classification` key, when the policy declares one. */
  classification?: string;
}

export type SeverityCounts = Record<Severity, number> & { total: number };

export function emptyCounts(): SeverityCounts {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNTRIAGED: 0, total: 0 };
}

export function countBySeverity(findings: readonly Finding[]): SeverityCounts {
  const counts = emptyCounts();
  for (const finding of findings) {
    counts[finding.severity] += 1;
    counts.total += 1;
  }
  return counts;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
