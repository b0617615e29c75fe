/**
 * The daily report, decided (issue 9, "compare with yesterday"). Pure: what collect read, the
 * previous run's state, the policy and an injected `now` give the report every renderer shows
 * and the state the next run compares with. No I/O and no clock here, so a run replays exactly.
 */
import { applyExceptions, exceptionWarnings, type ExceptionResult } from '../core/exceptions';
import {
  emptyCounts,
  SEVERITIES,
  severityRank,
  type Severity,
  type SeverityCounts,
} from '../core/model';
import type { Policy } from '../core/policy';
import {
  auditRecordKey,
  REMEDIATION_OUTCOME_STATUSES,
  type RemediationOutcome,
} from '../core/remediation-audit';
import { checkResource, type TagPolicy } from '../core/tag-policy';
import {
  NO_OWNER,
  REMEDIATION_WINDOW_DAYS,
  REPORT_STATE_SCHEMA,
  type CollectedRemediation,
  type CollectedReport,
  type DailyReport,
  type ExpiringException,
  type FixedItem,
  type ImageRow,
  type OpenItem,
  type OpenRecord,
  type OwnerRow,
  type RemediationOutcomeCounts,
  type RemediationProblem,
  type RemediationRecentWindow,
  type RemediationRun,
  type RemediationSection,
  type RemediationTotals,
  type ReportFinding,
  type ReportState,
  type RuleCompliance,
  type TrendPoint,
  type TypeCoverage,
} from './model';

const DAY_MS = 86_400_000;

/** How far back the state keeps fixes (for MTTR) and trend points: 30 days, today included. */
export const STATE_WINDOW_DAYS = 30;

/** Inspector2's resource type of an ECR image, the only findings grouped into image rows. */
export const ECR_IMAGE_TYPE = 'AWS_ECR_CONTAINER_IMAGE';

export interface EvaluateReportInput {
  collected: CollectedReport;
  /** The previous run's state; undefined on a first run (no state yet). */
  previous: ReportState | undefined;
  /** The loaded policy: report.sla-days and report.title, tags, exceptions. */
  policy: Policy;
  now: Date;
}

export interface EvaluatedReport {
  report: DailyReport;
  /** What this run leaves for the next one (save it only once the report is delivered). */
  state: ReportState;
}

/** Whole days from `from` to `to`, never negative (a source clock ahead of ours counts as 0). */
function wholeDays(from: number, to: number): number {
  return Math.max(0, Math.floor((to - from) / DAY_MS));
}

/** One decimal, as the tag audit's percentages. */
function oneDecimal(value: number): number {
  return Math.round(value * 10) / 10;
}

/** A time in ms from an ISO 8601 text, or undefined when it is missing or not a date. */
function timeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

/** YYYY-MM-DD of a time, in UTC. */
function utcDate(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** The open item of a collected finding: age and SLA from the earlier of two first sightings. */
function openItem(
  item: ReportFinding,
  previous: ReportState | undefined,
  slaDays: Record<Severity, number>,
  now: number,
): OpenItem {
  const remembered = previous?.open[item.key];
  const seen = [timeOf(item.finding.firstSeen), timeOf(remembered?.firstSeen)].filter(
    (time): time is number => time !== undefined,
  );
  const firstSeen = seen.length > 0 ? Math.min(...seen) : now;
  const ageDays = wholeDays(firstSeen, now);
  const sla = slaDays[item.finding.severity];
  const dueInDays = sla - ageDays;
  return {
    ...item,
    firstSeen: new Date(firstSeen).toISOString(),
    ageDays,
    slaDays: sla,
    dueInDays,
    overdue: dueInDays < 0,
    isNew: previous !== undefined && !Object.hasOwn(previous.open, item.key),
  };
}

/** 0 running, 1 use unknown, 2 idle: running images are fixed first, as they are exposed now. */
function useRank(item: ReportFinding): number {
  if (item.use === undefined) return 1;
  return item.use.inUseCount > 0 ? 0 : 2;
}

/** An open item with what its place in the order depends on, computed once before sorting. */
interface Ranked {
  item: OpenItem;
  severity: number;
  use: number;
  /** ms since the epoch of item.firstSeen. */
  firstSeen: number;
}

/**
 * Most severe first, running before unknown before idle, then oldest first, then by key. The
 * ranks and times are worked out once per item, not in each of the n·log n comparisons
 * (Date.parse in the comparator cost a third of a second over 50,000 findings).
 */
function byUrgency(items: readonly OpenItem[]): OpenItem[] {
  return items
    .map((item): Ranked => ({
      item,
      severity: severityRank(item.finding.severity),
      use: useRank(item),
      firstSeen: Date.parse(item.firstSeen),
    }))
    .sort(
      (a, b) =>
        a.severity - b.severity ||
        a.use - b.use ||
        a.firstSeen - b.firstSeen ||
        compareText(a.item.key, b.item.key),
    )
    .map((ranked) => ranked.item);
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function countsOf(items: readonly { finding: { severity: Severity } }[]): SeverityCounts {
  const counts = emptyCounts();
  for (const item of items) {
    counts[item.finding.severity] += 1;
    counts.total += 1;
  }
  return counts;
}

/** Orders severity counts most severe first: more CRITICAL first, then more HIGH, and so on. */
function bySeverityCounts(a: SeverityCounts, b: SeverityCounts): number {
  for (const severity of SEVERITIES) {
    const difference = b[severity] - a[severity];
    if (difference !== 0) return difference;
  }
  return 0;
}

function openRecord(item: OpenItem): OpenRecord {
  const { finding } = item;
  return {
    kind: item.kind,
    id: finding.id,
    severity: finding.severity,
    resource: finding.resource.id,
    firstSeen: item.firstSeen,
    ...(finding.title !== '' && { title: finding.title }),
    ...(item.owner !== undefined && { owner: item.owner }),
  };
}

/** A finding of the previous state that is no longer open, fixed at this run's time. */
function fixedItem(key: string, record: OpenRecord, now: number): FixedItem {
  const firstSeen = timeOf(record.firstSeen) ?? now;
  return {
    key,
    kind: record.kind,
    id: record.id,
    ...(record.title !== undefined && { title: record.title }),
    severity: record.severity,
    resource: record.resource,
    ...(record.owner !== undefined && { owner: record.owner }),
    firstSeen: record.firstSeen,
    fixedAt: new Date(now).toISOString(),
    daysToFix: wholeDays(firstSeen, now),
  };
}

/** Mean days to fix, one decimal, overall and per severity; overall undefined without fixes. */
function meanTimeToRemediate(fixes: readonly FixedItem[]): DailyReport['mttrDays'] {
  const mean = (items: readonly FixedItem[]): number =>
    oneDecimal(items.reduce((sum, item) => sum + item.daysToFix, 0) / items.length);
  const bySeverity: Partial<Record<Severity, number>> = {};
  for (const severity of SEVERITIES) {
    const ofSeverity = fixes.filter((item) => item.severity === severity);
    if (ofSeverity.length > 0) bySeverity[severity] = mean(ofSeverity);
  }
  return { ...(fixes.length > 0 && { overall: mean(fixes) }), bySeverity };
}

/** ECR image findings grouped by repository and digest, running images first. */
function imageRows(open: readonly OpenItem[], warnings: string[]): ImageRow[] {
  const rows = new Map<string, ImageRow>();
  let ungrouped = 0;
  for (const item of open) {
    const { resource } = item.finding;
    if (item.kind !== 'cve' || resource.type !== ECR_IMAGE_TYPE) continue;
    if (!resource.repository || !resource.imageDigest) {
      ungrouped += 1;
      continue;
    }
    const id = `${resource.repository}@${resource.imageDigest}`;
    const row = rows.get(id) ?? {
      repository: resource.repository,
      digest: resource.imageDigest,
      counts: emptyCounts(),
    };
    row.counts[item.finding.severity] += 1;
    row.counts.total += 1;
    // Every finding of an image carries the same in-use data; keep the widest view if not.
    if (item.use && (!row.use || item.use.inUseCount > row.use.inUseCount)) row.use = item.use;
    rows.set(id, row);
  }
  if (ungrouped > 0) {
    warnings.push(
      `${ungrouped} ECR image finding(s) name no repository or digest: they are listed as open but in no image row`,
    );
  }
  const running = (row: ImageRow): number => ((row.use?.inUseCount ?? 0) > 0 ? 0 : 1);
  return [...rows.values()].sort(
    (a, b) =>
      running(a) - running(b) ||
      bySeverityCounts(a.counts, b.counts) ||
      compareText(a.repository, b.repository) ||
      compareText(a.digest, b.digest),
  );
}

/** Rules with the most failing resources first, then the most severe, then by name. */
function ruleRows(rules: readonly RuleCompliance[]): RuleCompliance[] {
  return [...rules].sort(
    (a, b) =>
      b.noncompliant - a.noncompliant ||
      severityRank(a.severity) - severityRank(b.severity) ||
      compareText(a.rule, b.rule),
  );
}

/** Percent of evaluated rule/resource pairs that pass; undefined when none were evaluated. */
function compliancePercent(rules: readonly RuleCompliance[]): number | undefined {
  let compliant = 0;
  let evaluated = 0;
  for (const rule of rules) {
    compliant += rule.compliant;
    evaluated += rule.compliant + rule.noncompliant;
  }
  return evaluated === 0 ? undefined : oneDecimal((compliant / evaluated) * 100);
}

/**
 * Tag coverage of the estate, per resource type, with core/tag-policy's `checkResource` (the
 * same check as `tags audit`): a resource is compliant when none of its required keys is
 * missing or invalid. Types with the lowest coverage first.
 */
function tagCoverage(
  policy: TagPolicy,
  collected: CollectedReport,
): NonNullable<DailyReport['tags']> {
  const byType = new Map<string, TypeCoverage>();
  const neverTagged: string[] = [];
  let compliant = 0;
  for (const asset of collected.assets) {
    const check = checkResource(policy, asset);
    const row = byType.get(asset.type) ?? { type: asset.type, total: 0, compliant: 0, untagged: 0 };
    row.total += 1;
    if (check.missing.length === 0 && check.invalid.length === 0) {
      row.compliant += 1;
      compliant += 1;
    }
    if (Object.keys(asset.tags).length === 0) {
      row.untagged += 1;
      neverTagged.push(asset.arn);
    }
    byType.set(asset.type, row);
  }
  const share = (row: TypeCoverage): number => row.compliant / row.total;
  return {
    total: collected.assets.length,
    compliant,
    byType: [...byType.values()].sort((a, b) => share(a) - share(b) || compareText(a.type, b.type)),
    neverTagged: neverTagged.sort(compareText),
  };
}

/** Per owner: open, overdue and counts; the most overdue first, then the most severe. */
function ownerRows(open: readonly OpenItem[]): OwnerRow[] {
  const rows = new Map<string, OwnerRow & { items: OpenItem[] }>();
  for (const item of open) {
    const owner = item.owner ?? NO_OWNER;
    const row = rows.get(owner) ?? { owner, open: 0, overdue: 0, counts: emptyCounts(), items: [] };
    row.open += 1;
    if (item.overdue) row.overdue += 1;
    row.items.push(item);
    rows.set(owner, row);
  }
  return [...rows.values()]
    .map(({ owner, open: count, overdue, items }) => ({
      owner,
      open: count,
      overdue,
      counts: countsOf(items),
    }))
    .sort(
      (a, b) =>
        b.overdue - a.overdue ||
        bySeverityCounts(a.counts, b.counts) ||
        compareText(a.owner, b.owner),
    );
}

/** Unexpired exceptions expiring within EXPIRY_WARNING_DAYS, soonest first. */
function expiringExceptions(exceptions: ExceptionResult['report']): ExpiringException[] {
  return exceptions.expiringSoon
    .map(({ id, owner, reason, expires, daysLeft }) => ({ id, owner, reason, expires, daysLeft }))
    .sort((a, b) => a.daysLeft - b.daysLeft || compareText(a.id, b.id));
}

/**
 * The previous trend without today's date and without points older than the window, then
 * today's point: at most STATE_WINDOW_DAYS points, oldest first.
 */
function nextTrend(previous: readonly TrendPoint[], today: TrendPoint, now: number): TrendPoint[] {
  const oldest = utcDate(now - (STATE_WINDOW_DAYS - 1) * DAY_MS);
  // A re-run on the same day compares with the run earlier that day: its new and fixed add to
  // that run's, so the day keeps every change it saw (the open counts are today's as they are).
  const earlierToday = previous.find((point) => point.date === today.date);
  const day: TrendPoint = earlierToday
    ? { ...today, new: earlierToday.new + today.new, fixed: earlierToday.fixed + today.fixed }
    : today;
  return [
    // A date after today is a clock error: dropped.
    ...previous.filter((point) => point.date >= oldest && point.date < today.date),
    day,
  ]
    .sort((a, b) => compareText(a.date, b.date))
    .slice(-STATE_WINDOW_DAYS);
}

/** How far a record may be ahead of the report's clock (runners' clocks differ), in ms. */
const REMEDIATION_CLOCK_SKEW_MS = 5 * 60_000;

export interface EvaluateRemediationInput {
  collected: CollectedRemediation;
  now: Date;
  /** ISO 8601: the previous report's time; undefined on a first run. */
  previousAt?: string;
  /** Default REMEDIATION_WINDOW_DAYS. */
  windowDays?: number;
}

function emptyOutcomeCounts(): RemediationOutcomeCounts {
  const counts = { total: 0 } as RemediationOutcomeCounts;
  for (const status of REMEDIATION_OUTCOME_STATUSES) counts[status] = 0;
  return counts;
}

function problemOf(
  outcome: RemediationOutcome & { status: 'failed' | 'timed-out' },
): RemediationProblem {
  return {
    resource: outcome.resource,
    ...(outcome.resourceType !== undefined && { resourceType: outcome.resourceType }),
    ...(outcome.document !== undefined && { document: outcome.document }),
    status: outcome.status,
    ...(outcome.executionId !== undefined && { executionId: outcome.executionId }),
    ...(outcome.executionStatus !== undefined && { executionStatus: outcome.executionStatus }),
    ...(outcome.failedStep !== undefined && { failedStep: outcome.failedStep }),
    ...(outcome.message !== undefined && { message: outcome.message }),
  };
}

function isProblem(
  outcome: RemediationOutcome,
): outcome is RemediationOutcome & { status: 'failed' | 'timed-out' } {
  return outcome.status === 'failed' || outcome.status === 'timed-out';
}

function totalsOf(runs: readonly RemediationRun[]): RemediationTotals {
  const outcomes = emptyOutcomeCounts();
  for (const run of runs) {
    for (const status of REMEDIATION_OUTCOME_STATUSES) outcomes[status] += run.counts[status];
    outcomes.total += run.counts.total;
  }
  const dryRuns = runs.filter((run) => run.dryRun).length;
  return { runs: runs.length, executed: runs.length - dryRuns, dryRuns, outcomes };
}

/**
 * The Remediation section from the audit records read (sources/remediation-audit). Pure.
 *
 * - The window: runs that finished in the `windowDays` (7) days before `now`; a record read from
 *   the listed days that finished earlier is not shown. By finish time, not start: a record is
 *   written when its run ends, so the previous report cannot have seen one that finished after it.
 * - Recent: finished since the previous report when it is within the window; the last 24 hours
 *   on a first run; the whole window when the previous report is older than it.
 * - Per run: outcome counts by status (planned, refused, skipped, success, failed, timed-out),
 *   and its failed and timed-out resources with the failed step and message. Runs the last
 *   finished first, then by key.
 * - Every record is either a run of the section or said, naming its key:
 *   - a run that finished before it started is placed by its start time (a record is written
 *     when its run ends, so it ended no earlier than that) and shown as recorded, with a warning;
 *   - a run that finished after `now` (beyond 5 minutes: a clock is wrong) is shown as recent,
 *     with a warning;
 *   - a record whose startedAt or finishedAt is not a time is left out, with a warning;
 *   - a record before the window is left out, with a warning, unless it is an earlier run as
 *     expected (consistent times, filed under the key its startedAt and id give: it was read only
 *     because the days read reach one day further back than the window), which goes to
 *     `earlier` (counted by the section, no warning).
 * - A location that holds nothing at all (`collected.empty`) is a warning too, naming it: a
 *   mistyped location reads like a quiet week otherwise.
 */
export function evaluateRemediation(input: EvaluateRemediationInput): {
  section: RemediationSection;
  warnings: string[];
} {
  const now = input.now.getTime();
  const windowDays = input.windowDays ?? REMEDIATION_WINDOW_DAYS;
  const windowStart = now - windowDays * DAY_MS;
  const previous = timeOf(input.previousAt);
  const recentWindow: RemediationRecentWindow =
    previous === undefined || previous > now
      ? 'last-24-hours'
      : previous < windowStart
        ? 'week'
        : 'previous-report';
  const since =
    recentWindow === 'last-24-hours'
      ? now - DAY_MS
      : recentWindow === 'week'
        ? windowStart
        : (previous ?? now - DAY_MS);
  const warnings: string[] = [];
  const earlier: string[] = [];
  const runs: { finished: number; run: RemediationRun }[] = [];
  const windowText = new Date(windowStart).toISOString();
  for (const { key, record } of input.collected.records) {
    const recorded = timeOf(record.finishedAt);
    const started = timeOf(record.startedAt);
    if (recorded === undefined || started === undefined) {
      const field = recorded === undefined ? 'finishedAt' : 'startedAt';
      warnings.push(
        `remediation audit: ${key} has a ${field} that is not a time (${JSON.stringify(record[field].slice(0, 40))}): left out`,
      );
      continue;
    }
    const backwards = started > recorded;
    // The record is written when the run ends, so it ended no earlier than it started.
    const finished = backwards ? started : recorded;
    if (finished <= windowStart) {
      if (!backwards && key === auditRecordKey(record)) {
        earlier.push(key);
      } else {
        warnings.push(
          backwards
            ? `remediation audit: ${key} finished (${record.finishedAt}) before it started (${record.startedAt}), and both are before this report's window (from ${windowText}): left out`
            : `remediation audit: ${key} finished at ${record.finishedAt}, before this report's window (from ${windowText}), though filed under another key than its startedAt and id give: left out`,
        );
      }
      continue;
    }
    if (backwards) {
      warnings.push(
        `remediation audit: ${key} finished (${record.finishedAt}) before it started (${record.startedAt}): shown as recorded, placed by its start time`,
      );
    }
    if (finished > now + REMEDIATION_CLOCK_SKEW_MS) {
      warnings.push(
        `remediation audit: ${key} finished at ${backwards ? record.startedAt : record.finishedAt}, after this report's time ${input.now.toISOString()}: a clock is wrong; shown as recent`,
      );
    }
    const counts = emptyOutcomeCounts();
    for (const outcome of record.outcomes) {
      counts[outcome.status] += 1;
      counts.total += 1;
    }
    runs.push({
      finished,
      run: {
        key,
        id: record.id,
        actor: record.actor,
        ...(record.repository !== undefined && { repository: record.repository }),
        ...(record.runUrl !== undefined && { runUrl: record.runUrl }),
        startedAt: record.startedAt,
        finishedAt: record.finishedAt,
        rule: record.rule,
        ...(record.control !== undefined && { control: record.control }),
        source: record.source,
        dryRun: record.dryRun,
        region: record.region,
        ...(record.accountId !== undefined && { accountId: record.accountId }),
        counts,
        problems: record.outcomes.filter(isProblem).map(problemOf),
        recent: finished > since,
      },
    });
  }
  const ordered: RemediationRun[] = runs
    .sort((a, b) => b.finished - a.finished || compareText(a.run.key, b.run.key))
    .map(({ run }) => run);
  const empty = input.collected.empty;
  if (empty !== undefined) {
    warnings.push(
      `remediation audit: nothing at ${input.collected.location} (${empty}): no remediation run has written there yet, or the remediation-audit location is not the one remediate writes to`,
    );
  }
  return {
    section: {
      location: input.collected.location,
      windowDays,
      windowStart: new Date(windowStart).toISOString(),
      since: new Date(since).toISOString(),
      recentWindow,
      runs: ordered,
      recent: totalsOf(ordered.filter((run) => run.recent)),
      week: totalsOf(ordered),
      ...(empty !== undefined && { empty }),
      ...(earlier.length > 0 && { earlier }),
    },
    warnings,
  };
}

/**
 * Decides the daily report and the next state. Pure.
 *
 * - Open: every collected finding (first of a key that repeats, with a warning), except those an
 *   unexpired policy exception covers (core/exceptions: own ids and scope, through the end of the
 *   expiry day in UTC); those are counted in `counts.excepted`, never open, fixed or remembered.
 *   Expired exceptions that would still cover findings are said in `warnings`.
 * - Age: whole days since the earlier of the source's firstSeen and the state's (now when neither
 *   is known); `dueInDays = report.sla-days[severity] - ageDays`, overdue below 0, so a finding
 *   exactly sla-days old is due today and not overdue.
 * - New: not open in the previous state (never on a first run). Fixed: open in the previous state,
 *   neither open nor excepted now; `fixedAt` is `now`, `daysToFix` whole days since firstSeen.
 * - MTTR: the mean `daysToFix` of the fixes of the last 30 days (the state's and today's), one
 *   decimal. Trend: the state's points of the last 30 UTC days, today's replacing one of the
 *   same date (a re-run), whose new and fixed it adds to its own. Images: open CVE findings on ECR images by repository and digest, running first
 *   (Inspector2's in-use count), then most CRITICAL, HIGH, …. Tags (with a tag policy): every
 *   asset checked with core/tag-policy `checkResource`.
 * - Order of `open`: severity, then running images, findings without in-use data (not images, or
 *   Inspector2 said nothing), idle images, then oldest first, then key.
 * - Remediation (when the audit records were collected): `evaluateRemediation`, recent since the
 *   previous state's time; its warnings join the report's.
 */
export function evaluateReport(input: EvaluateReportInput): EvaluatedReport {
  const { collected, previous, policy } = input;
  const now = input.now.getTime();
  const warnings = [...collected.warnings];

  const unique = new Map<string, ReportFinding>();
  let repeated = 0;
  for (const item of collected.findings) {
    if (unique.has(item.key)) repeated += 1;
    else unique.set(item.key, item);
  }
  if (repeated > 0) {
    warnings.push(
      `${repeated} finding(s) were collected twice under the same key and counted once`,
    );
  }
  const collectedFindings = [...unique.values()];
  const findings = collectedFindings.map((item) => item.finding);
  const exceptions = applyExceptions(findings, findings, policy.exceptions, input.now);
  const excepted = new Set(exceptions.excepted.map((entry) => entry.finding));
  const exceptedKeys = new Set(
    collectedFindings.filter((item) => excepted.has(item.finding)).map((item) => item.key),
  );
  warnings.push(
    ...exceptionWarnings(
      {
        expired: exceptions.report.expired.filter((entry) => entry.matched > 0),
        expiringSoon: [],
        stale: [],
      },
      'finding(s)',
      'finding',
    ),
  );

  const open = byUrgency(
    collectedFindings
      .filter((item) => !exceptedKeys.has(item.key))
      .map((item) => openItem(item, previous, policy.report.slaDays, now)),
  );
  const openKeys = new Set(open.map((item) => item.key));

  const fixed = Object.entries(previous?.open ?? {})
    .filter(([key]) => !openKeys.has(key) && !exceptedKeys.has(key))
    .map(([key, record]) => fixedItem(key, record, now))
    .sort(
      (a, b) => severityRank(a.severity) - severityRank(b.severity) || compareText(a.key, b.key),
    );

  const windowStart = now - STATE_WINDOW_DAYS * DAY_MS;
  const recentFixes = [
    ...(previous?.fixed ?? []).filter((item) => {
      const fixedAt = timeOf(item.fixedAt);
      return fixedAt !== undefined && fixedAt > windowStart && fixedAt <= now;
    }),
    ...fixed,
  ].sort((a, b) => compareText(a.fixedAt, b.fixedAt) || compareText(a.key, b.key));

  const overdue = open.filter((item) => item.overdue).length;
  const newCount = open.filter((item) => item.isNew).length;
  const openCounts = countsOf(open);
  const tags = policy.tags ? tagCoverage(policy.tags, collected) : undefined;
  const compliance = compliancePercent(collected.rules);
  const today: TrendPoint = {
    date: utcDate(now),
    open: Object.fromEntries(
      SEVERITIES.map((severity) => [severity, openCounts[severity]]),
    ) as Record<Severity, number>,
    new: newCount,
    fixed: fixed.length,
    overdue,
    ...(compliance !== undefined && { compliancePercent: compliance }),
    ...(tags !== undefined &&
      tags.total > 0 && { tagCoveragePercent: oneDecimal((tags.compliant / tags.total) * 100) }),
  };
  const trend = nextTrend(previous?.trend ?? [], today, now);
  const future = (previous?.trend ?? []).filter((point) => point.date > today.date);
  if (future.length > 0) {
    warnings.push(
      `the state's trend had ${future.length} point(s) dated after today (${future.map((point) => point.date).join(', ')}), dropped: a clock was wrong when they were written`,
    );
  }
  const images = imageRows(open, warnings);
  const generatedAt = new Date(now).toISOString();
  const remediation = collected.remediation
    ? evaluateRemediation({
        collected: collected.remediation,
        now: input.now,
        ...(previous !== undefined && { previousAt: previous.generatedAt }),
      })
    : undefined;
  if (remediation) warnings.push(...remediation.warnings);

  const report: DailyReport = {
    title: policy.report.title,
    generatedAt,
    ...(previous !== undefined && { previousAt: previous.generatedAt }),
    region: collected.region,
    ...(collected.accountId !== undefined && { accountId: collected.accountId }),
    cceSource: collected.cceSource,
    ...(collected.cveScanned !== undefined && { cveScanned: collected.cveScanned }),
    counts: {
      open: openCounts,
      cve: countsOf(open.filter((item) => item.kind === 'cve')),
      cce: countsOf(open.filter((item) => item.kind === 'cce')),
      new: newCount,
      fixed: fixed.length,
      overdue,
      excepted: exceptedKeys.size,
    },
    open,
    fixed,
    mttrDays: meanTimeToRemediate(recentFixes),
    trend,
    expiringExceptions: expiringExceptions(exceptions.report),
    images,
    rules: ruleRows(collected.rules),
    ...(tags !== undefined && { tags }),
    owners: ownerRows(open),
    ...(remediation !== undefined && { remediation: remediation.section }),
    warnings,
  };
  const state: ReportState = {
    schema: REPORT_STATE_SCHEMA,
    title: policy.report.title,
    generatedAt,
    region: collected.region,
    ...(collected.accountId !== undefined && { accountId: collected.accountId }),
    cceSource: collected.cceSource,
    open: Object.fromEntries(
      [...open]
        .sort((a, b) => compareText(a.key, b.key))
        .map((item) => [item.key, openRecord(item)]),
    ),
    fixed: recentFixes,
    trend,
  };
  return { report, state };
}
