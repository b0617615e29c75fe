/**
 * The daily report's shapes: what collect reads from AWS (`CollectedReport`), what the pure
 * evaluate decides from it and yesterday's state (`DailyReport`), and the state kept between runs
 * (`ReportState`). Renderers and sinks only ever see these, never SDK responses.
 */
import type { Asset, Finding, Severity, SeverityCounts } from '../core/model';
import type { RemediationAuditRecord, RemediationOutcomeStatus } from '../core/remediation-audit';

/** CVE: a package vulnerability (Inspector2). CCE: a failing configuration rule or control. */
export type FindingKind = 'cve' | 'cce';

/**
 * Whether an ECR image runs: Inspector2's in-use data for ECR images (`inUseCount` and
 * `lastInUseAt` of awsEcrContainerImage, counted over ECS tasks and EKS pods).
 */
export interface ImageUse {
  inUseCount: number;
  /** ISO 8601, when Inspector2 last saw it in use. */
  lastInUse?: string;
}

/** One open finding as the report sees it: the shared Finding, joined to its owner and use. */
export interface ReportFinding {
  /**
   * Stable across runs, so the state can tell new from still open: `<source>:<sourceId>`
   * (the Inspector2 finding ARN, the ASFF Id, or the Config rule and resource).
   */
  key: string;
  kind: FindingKind;
  finding: Finding;
  /** The value of the policy's owner tag (report.owner-tag) on the resource, when it has one. */
  owner?: string;
  /** The value of the policy's classification key (tags.classification.key), when it has one. */
  classification?: string;
  /** ECR image findings only, when Inspector2 reported in-use data. */
  use?: ImageUse;
}

/** One Config rule or Security Hub control: how many resources pass and fail it. */
export interface RuleCompliance {
  /** The Config rule name, or the control id (S3.8). */
  rule: string;
  title?: string;
  severity: Severity;
  compliant: number;
  noncompliant: number;
}

/** A resource type Inspector2 scans for package vulnerabilities, as `aws inspector2 enable --resource-types` names it. */
export type CveScanType = 'ECR' | 'EC2' | 'LAMBDA';

/** How the report names what Inspector2 scans, in the user's words. */
export const CVE_SCAN_NAMES: Record<CveScanType, string> = {
  ECR: 'ECR images',
  EC2: 'EC2 instances',
  LAMBDA: 'Lambda functions',
};

/** `ECR images, EC2 instances (not Lambda functions)`: what the CVE findings cover. */
export function cveCoverage(scanned: readonly CveScanType[]): string {
  const all = Object.keys(CVE_SCAN_NAMES) as CveScanType[];
  const names = (types: readonly CveScanType[]): string =>
    types.map((type) => CVE_SCAN_NAMES[type]).join(', ');
  const missing = all.filter((type) => !scanned.includes(type));
  return missing.length === 0 ? names(all) : `${names(scanned)} (not ${names(missing)})`;
}

/** Everything one report run read from AWS. */
export interface CollectedReport {
  /** ISO 8601: when the collection started. */
  collectedAt: string;
  region: string;
  accountId?: string;
  cceSource: 'config' | 'securityhub';
  /**
   * The resource types Inspector2 scans in this account and region (BatchGetAccountStatus:
   * ENABLED), in ECR, EC2, LAMBDA order; never empty once collected (nothing scanned is an
   * error). A type missing here is not scanned, and `warnings` says so: its CVE count is not
   * "none" but "not looked at". Absent from collections made before this was read.
   */
  cveScanned?: CveScanType[];
  /** ACTIVE Inspector2 findings (ECR images, EC2 instances, Lambda functions) and failing CCE findings. */
  findings: ReportFinding[];
  rules: RuleCompliance[];
  /** The estate as the tag audit reads it (AWS Config inventory joined with the Tagging API). */
  assets: Asset[];
  /** What could not be read and was left out, said in the report (never silently dropped). */
  warnings: string[];
  /** AWS calls per operation, for evidence and the benchmarks. */
  calls: Record<string, number>;
  /**
   * The remediation audit records read (sources/remediation-audit), when the report was given
   * where they are; what could not be read is in `warnings`, each naming its key.
   */
  remediation?: CollectedRemediation;
}

/** The remediation audit records of the report's window, as read. */
export interface CollectedRemediation {
  /** `s3://bucket/prefix/` or the directory. */
  location: string;
  /** Valid records with their keys below the location, by key (start time). */
  records: { key: string; record: RemediationAuditRecord }[];
  /** Set when the location holds nothing at all (why, e.g. `no directory audit`). */
  empty?: string;
}

/** An open finding with its age against the policy's SLA. */
export interface OpenItem extends ReportFinding {
  /** ISO 8601: the earlier of the source's first observation and the first run that saw it. */
  firstSeen: string;
  /** Whole days open, at the report's time. */
  ageDays: number;
  /** report.sla-days of its severity. */
  slaDays: number;
  /** Days left before it is overdue; negative once it is. */
  dueInDays: number;
  overdue: boolean;
  /** Not open in the previous run's state (false on a first run: nothing to compare with). */
  isNew: boolean;
}

/** A finding open in the previous state and not open now. */
export interface FixedItem {
  key: string;
  kind: FindingKind;
  /** The CVE id, rule name or control id. */
  id: string;
  title?: string;
  severity: Severity;
  /** The resource ARN or id. */
  resource: string;
  owner?: string;
  firstSeen: string;
  /** ISO 8601: this run's time (the first run that no longer saw it). */
  fixedAt: string;
  daysToFix: number;
}

/** One day of the 30-day trend kept in the state. */
export interface TrendPoint {
  /** YYYY-MM-DD (UTC). */
  date: string;
  open: Record<Severity, number>;
  new: number;
  fixed: number;
  overdue: number;
  /** Percent of evaluated rule/resource pairs that pass, 0..100; absent when none were evaluated. */
  compliancePercent?: number;
  /** Percent of resources carrying every required tag, 0..100; absent without a tag policy. */
  tagCoveragePercent?: number;
}

/** An ECR image with open findings, running ones first. */
export interface ImageRow {
  repository: string;
  digest: string;
  use?: ImageUse;
  counts: SeverityCounts;
}

/** Tag coverage of one resource type. */
export interface TypeCoverage {
  type: string;
  total: number;
  /** Resources carrying every required tag, valid. */
  compliant: number;
  /** Resources with no tags at all. */
  untagged: number;
}

/** Per owner (report.owner-tag value; NO_OWNER for none): what is open and overdue. */
export interface OwnerRow {
  owner: string;
  open: number;
  overdue: number;
  counts: SeverityCounts;
}

/** The owner name of findings whose resource has no owner tag. */
export const NO_OWNER = '(no owner)';

/** A policy exception that expires soon (core/exceptions EXPIRY_WARNING_DAYS). */
export interface ExpiringException {
  id: string;
  owner: string;
  reason: string;
  /** YYYY-MM-DD. */
  expires: string;
  daysLeft: number;
}

/** The report, decided: what every renderer and sink shows. Pure data, JSON-serialisable. */
export interface DailyReport {
  title: string;
  /** ISO 8601: the time of this run. */
  generatedAt: string;
  /** ISO 8601: the previous run's time; undefined on a first run (no state). */
  previousAt?: string;
  region: string;
  accountId?: string;
  cceSource: 'config' | 'securityhub';
  /** The resource types Inspector2 scans (BatchGetAccountStatus), when it was asked. */
  cveScanned?: CveScanType[];
  counts: {
    /** Open findings (CVE and CCE) by severity. */
    open: SeverityCounts;
    cve: SeverityCounts;
    cce: SeverityCounts;
    new: number;
    fixed: number;
    overdue: number;
    /** Collected findings an unexpired policy exception covers: not open, not fixed, not in the state. */
    excepted?: number;
  };
  /** Every open finding: most severe first, running images before idle ones, then oldest first. */
  open: OpenItem[];
  /** Fixed since the previous run. */
  fixed: FixedItem[];
  /** Mean days to remediate over the fixes of the last 30 days (the state keeps them). */
  mttrDays: { overall?: number; bySeverity: Partial<Record<Severity, number>> };
  /** Up to 30 days, oldest first, today's point last. */
  trend: TrendPoint[];
  expiringExceptions: ExpiringException[];
  /** ECR images with open CVE findings: running first, then by severity counts. */
  images: ImageRow[];
  /** Rules/controls with failing resources first. */
  rules: RuleCompliance[];
  tags?: {
    total: number;
    compliant: number;
    byType: TypeCoverage[];
    /** ARNs of resources with no tags at all. */
    neverTagged: string[];
  };
  owners: OwnerRow[];
  /** Remediation runs from their audit records; absent when the report was not told where they are. */
  remediation?: RemediationSection;
  warnings: string[];
}

/** How many days back the Remediation section reaches: a week of runs. */
export const REMEDIATION_WINDOW_DAYS = 7;

/** Per-resource outcomes of remediation runs, by status, and their total. */
export type RemediationOutcomeCounts = Record<RemediationOutcomeStatus, number> & { total: number };

/** A resource that remediation did not fix: its automation failed or timed out. */
export interface RemediationProblem {
  resource: string;
  resourceType?: string;
  document?: string;
  status: 'failed' | 'timed-out';
  executionId?: string;
  /** AWS's final AutomationExecutionStatus, when the run read one. */
  executionStatus?: string;
  failedStep?: string;
  /** AWS's FailureMessage or remediate's own words. Untrusted text. */
  message?: string;
}

/**
 * One remediation run (one audit record), as the report shows it: the record's own fields (who,
 * when, what rule, where; untrusted text stays as recorded) without its format marker and raw
 * outcomes, plus what the report derives from them.
 */
export interface RemediationRun extends Omit<RemediationAuditRecord, 'format' | 'outcomes'> {
  /** The record's key below the audit location. */
  key: string;
  counts: RemediationOutcomeCounts;
  /** The failed and timed-out resources, in the record's order. */
  problems: RemediationProblem[];
  /** Finished since `RemediationSection.since` (the recent window). */
  recent: boolean;
}

/** How many runs, of which executed and dry runs, and their per-resource outcomes. */
export interface RemediationTotals {
  runs: number;
  executed: number;
  dryRuns: number;
  outcomes: RemediationOutcomeCounts;
}

/**
 * What the recent window is: since the previous report (within the week), the last 24 hours
 * (a first run), or the whole week (a previous report older than the week).
 */
export type RemediationRecentWindow = 'previous-report' | 'last-24-hours' | 'week';

/** The report's Remediation section: the runs of the last `windowDays` days, recent ones marked. */
export interface RemediationSection {
  /** `s3://bucket/prefix/` or the directory the records were read from. */
  location: string;
  windowDays: number;
  /** ISO 8601: runs that finished after this are in the section. */
  windowStart: string;
  /** ISO 8601: runs that finished after this are recent. */
  since: string;
  recentWindow: RemediationRecentWindow;
  /** Every run of the window, the last finished first. */
  runs: RemediationRun[];
  recent: RemediationTotals;
  week: RemediationTotals;
  /** Why there is nothing at all at the location (see CollectedRemediation). */
  empty?: string;
  /**
   * Keys of the records read that are runs from before the window: filed under their start day,
   * which the days read reach one further back than the window, and finished before
   * `windowStart`. Not shown as runs, and no warning: the section counts them. Absent when none.
   * (Every other record left out is a warning naming its key.)
   */
  earlier?: string[];
}

/** The state file's schema tag; a file with another is refused, naming it. */
export const REPORT_STATE_SCHEMA = 'assetguard-report-state/1';

/** What the state remembers of an open finding: enough for age, delta and MTTR, nothing more. */
export interface OpenRecord {
  kind: FindingKind;
  id: string;
  severity: Severity;
  resource: string;
  firstSeen: string;
  title?: string;
  owner?: string;
}

/**
 * The state one run leaves for the next (S3 object or file): open findings by key, the fixes of
 * the last 30 days, the 30-day trend. Never holds secrets, webhook URLs or tokens.
 */
export interface ReportState {
  schema: typeof REPORT_STATE_SCHEMA;
  title: string;
  generatedAt: string;
  /** What the report was about (absent in states written before they were recorded). */
  region?: string;
  accountId?: string;
  cceSource?: 'config' | 'securityhub';
  open: Record<string, OpenRecord>;
  fixed: FixedItem[];
  trend: TrendPoint[];
}
