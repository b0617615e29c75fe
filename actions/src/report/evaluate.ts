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
import { fullyTagged, type TagPolicy } from '../core/tag-policy';
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

/**
 * An open item with what the report derives from its finding, worked out in the one pass that
 * reads the finding. What collect returns is spread over a heap of a few hundred MB: at 50,000
 * findings each further pass over it (a count, a filter, a sort reading the findings) cost 50 to
 * 500 ms, most of it waiting for memory, where a pass over these entries costs a few ms.
 */
interface Placed {
  item: OpenItem;
  /** What the state keeps of it. */
  record: OpenRecord;
  severity: Severity;
  /** severityRank of `severity`. */
  severityRank: number;
  /** useRank. */
  use: number;
  /** ms since the epoch of item.firstSeen. */
  firstSeen: number;
  /** Its place in the code-unit order of the keys (`keyOrder`), the last tie-break. */
  keyRank: number;
  /** Its image row, for an ECR image finding that names repository and digest. */
  image: ImageRow | undefined;
}

/** ECR image findings by repository and digest, as `place` meets them. */
interface ImageGroups {
  byRepository: Map<string, Map<string, ImageRow>>;
  rows: ImageRow[];
  /** ECR image findings that name no repository or digest. */
  ungrouped: number;
}

/** The image row of an open finding (made on first sight), or undefined when it is no ECR image. */
function imageRowOf(item: ReportFinding, images: ImageGroups): ImageRow | undefined {
  const { resource } = item.finding;
  if (item.kind !== 'cve' || resource.type !== ECR_IMAGE_TYPE) return undefined;
  const { repository, imageDigest } = resource;
  if (!repository || !imageDigest) {
    images.ungrouped += 1;
    return undefined;
  }
  let digests = images.byRepository.get(repository);
  if (digests === undefined) {
    digests = new Map();
    images.byRepository.set(repository, digests);
  }
  let row = digests.get(imageDigest);
  if (row === undefined) {
    row = { repository, digest: imageDigest, counts: emptyCounts() };
    digests.set(imageDigest, row);
    images.rows.push(row);
  }
  return row;
}

/**
 * The open item of a collected finding, age and SLA from the earlier of two first sightings,
 * with its state record, its ranks and its image row (see Placed). `previousOpen` is the
 * previous state's open findings by key (undefined on a first run); only its own keys count, so
 * a key such as `constructor` is never read from Object.prototype.
 */
function place(
  item: ReportFinding,
  previousOpen: ReportState['open'] | undefined,
  slaDays: Record<Severity, number>,
  now: number,
  images: ImageGroups,
): Placed {
  const { finding } = item;
  const known = previousOpen !== undefined && Object.hasOwn(previousOpen, item.key);
  const own = timeOf(finding.firstSeen);
  const kept = known ? timeOf(previousOpen[item.key]?.firstSeen) : undefined;
  const firstSeen =
    own === undefined ? (kept ?? now) : kept === undefined ? own : Math.min(own, kept);
  const ageDays = wholeDays(firstSeen, now);
  const sla = slaDays[finding.severity];
  const dueInDays = sla - ageDays;
  // Every field in one literal rather than `...item`: a spread copy keeps the fields it adds in a
  // second, separate block, and each later pass over 50,000 items (counts, tables, CSV, JSON)
  // reads both. Fields the finding lacks are undefined, which JSON leaves out as if absent;
  // `satisfies` fails to compile when a field of OpenItem (or ReportFinding) is not copied.
  const open = {
    key: item.key,
    kind: item.kind,
    finding,
    owner: item.owner,
    classification: item.classification,
    use: item.use,
    firstSeen: new Date(firstSeen).toISOString(),
    ageDays,
    slaDays: sla,
    dueInDays,
    overdue: dueInDays < 0,
    isNew: previousOpen !== undefined && !known,
  } satisfies { [Field in keyof Required<OpenItem>]: OpenItem[Field] };
  return {
    item: open,
    record: openRecord(open),
    severity: finding.severity,
    severityRank: severityRank(finding.severity),
    use: useRank(item),
    firstSeen,
    keyRank: 0,
    image: imageRowOf(item, images),
  };
}

/** 0 running, 1 use unknown, 2 idle: running images are fixed first, as they are exposed now. */
function useRank(item: ReportFinding): number {
  if (item.use === undefined) return 1;
  return item.use.inUseCount > 0 ? 0 : 2;
}

/**
 * The order of `open`: most severe first, running before unknown before idle, then oldest first,
 * then by key. Numbers only: the ranks, times and key order are worked out once per item, not
 * in each of the n·log n comparisons (Date.parse in the comparator cost a third of a second
 * over 50,000 findings, comparing the keys where collect left them as much again).
 */
function byUrgency(a: Placed, b: Placed): number {
  return (
    a.severityRank - b.severityRank ||
    a.use - b.use ||
    a.firstSeen - b.firstSeen ||
    a.keyRank - b.keyRank
  );
}

/**
 * The indices of `keys` in the code-unit order of the keys (`compareText`), and the copies
 * (equal to the keys, in the same order) they were compared as. They are compared as
 * fresh copies made side by side (a JSON round trip, exact for any string): the keys as
 * collected lie all over the heap, several hundred MB of it, and the n·log n comparisons of a
 * sort reading them there cost ~0.5 s at 50,000 findings, against tens of ms on the copies.
 */
function keyOrder(keys: readonly string[]): { order: number[]; copies: string[] } {
  const copies = JSON.parse(JSON.stringify(keys)) as string[];
  const order = Array.from(copies, (_, index) => index).sort((a, b) =>
    compareText(copies[a] ?? '', copies[b] ?? ''),
  );
  return { order, copies };
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Counts one finding of `severity` in `counts` (its severity and the total). */
function count(counts: SeverityCounts, severity: Severity): void {
  counts[severity] += 1;
  counts.total += 1;
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
  // Assigned rather than spread in: one object per finding, not three (50,000 of them).
  const record: OpenRecord = {
    kind: item.kind,
    id: finding.id,
    severity: finding.severity,
    resource: finding.resource.id,
    firstSeen: item.firstSeen,
  };
  if (finding.title !== '') record.title = finding.title;
  if (item.owner !== undefined) record.owner = item.owner;
  return record;
}

/**
 * The state's open findings by key, from `[key, record]` pairs in key order, so that the state
 * is the same whatever order the findings were collected in. Keys are set as own data
 * properties (a key `__proto__` stays a key), on one object filled in a loop.
 */
function openRecords(byKey: readonly (readonly [string, OpenRecord])[]): ReportState['open'] {
  const records: ReportState['open'] = {};
  for (const [key, record] of byKey) {
    if (key === '__proto__') {
      Object.defineProperty(records, key, {
        value: record,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      records[key] = record;
    }
  }
  return records;
}

/**
 * A finding of the previous state that is no longer open, fixed at this run's time: `now`, and
 * `fixedAt` its ISO 8601 text (made once for every fix of the run).
 */
function fixedItem(key: string, record: OpenRecord, now: number, fixedAt: string): FixedItem {
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
    fixedAt,
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

/**
 * The image rows (counted by `summarise`), running images first, then most CRITICAL, HIGH, …,
 * then by repository and digest; a warning when image findings named no repository or digest.
 */
function imageRows(images: ImageGroups, warnings: string[]): ImageRow[] {
  if (images.ungrouped > 0) {
    warnings.push(
      `${images.ungrouped} ECR image finding(s) name no repository or digest: they are listed as open but in no image row`,
    );
  }
  const running = (row: ImageRow): number => ((row.use?.inUseCount ?? 0) > 0 ? 0 : 1);
  return images.rows.sort(
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
 * Tag coverage of the estate, per resource type: a resource is compliant when none of its
 * required keys is missing or invalid (core/tag-policy `fullyTagged`, as `tags audit`). Types with the lowest
 * coverage first.
 */
function tagCoverage(
  policy: TagPolicy,
  collected: CollectedReport,
): NonNullable<DailyReport['tags']> {
  const byType = new Map<string, TypeCoverage>();
  const neverTagged: string[] = [];
  let compliant = 0;
  for (const asset of collected.assets) {
    const row = byType.get(asset.type) ?? { type: asset.type, total: 0, compliant: 0, untagged: 0 };
    row.total += 1;
    if (fullyTagged(policy, asset)) {
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

/** The day's counts of the open items, and the owner rows. */
interface Summary {
  open: SeverityCounts;
  cve: SeverityCounts;
  cce: SeverityCounts;
  overdue: number;
  new: number;
  owners: OwnerRow[];
}

/**
 * One pass over the open entries, in the order of `open`: the counts (open, CVE, CCE, overdue,
 * new), each owner's row, and each image row's counts and in-use data (every finding of an image
 * carries the same; if not, the widest view, the first in that order on a tie).
 */
function summarise(open: readonly Placed[]): Summary {
  const summary: Summary = {
    open: emptyCounts(),
    cve: emptyCounts(),
    cce: emptyCounts(),
    overdue: 0,
    new: 0,
    owners: [],
  };
  const owners = new Map<string, OwnerRow>();
  for (const { item, severity, image } of open) {
    count(summary.open, severity);
    if (item.kind === 'cve') count(summary.cve, severity);
    else count(summary.cce, severity);
    if (item.overdue) summary.overdue += 1;
    if (item.isNew) summary.new += 1;
    const name = item.owner ?? NO_OWNER;
    let owner = owners.get(name);
    if (owner === undefined) {
      owner = { owner: name, open: 0, overdue: 0, counts: emptyCounts() };
      owners.set(name, owner);
    }
    owner.open += 1;
    if (item.overdue) owner.overdue += 1;
    count(owner.counts, severity);
    if (image !== undefined) {
      count(image.counts, severity);
      if (item.use && (!image.use || item.use.inUseCount > image.use.inUseCount)) {
        image.use = item.use;
      }
    }
  }
  // The most overdue first, then the most severe, then by name.
  summary.owners = [...owners.values()].sort(
    (a, b) =>
      b.overdue - a.overdue ||
      bySeverityCounts(a.counts, b.counts) ||
      compareText(a.owner, b.owner),
  );
  return summary;
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

  // One pass over the findings (see Placed), then only over what it made.
  const exceptedKeys = new Set<string>();
  const images: ImageGroups = { byRepository: new Map(), rows: [], ungrouped: 0 };
  const placed: Placed[] = [];
  for (const item of collectedFindings) {
    if (excepted.size > 0 && excepted.has(item.finding)) exceptedKeys.add(item.key);
    else placed.push(place(item, previous?.open, policy.report.slaDays, now, images));
  }
  const keys = keyOrder(placed.map((entry) => entry.item.key));
  // The state's keys are the copies: set as its properties, they are read where they were made.
  const byKey = keys.order.map((index, rank) => {
    const entry = placed[index] as Placed;
    entry.keyRank = rank;
    return [keys.copies[index] ?? entry.item.key, entry.record] as const;
  });
  placed.sort(byUrgency);
  const open = placed.map((entry) => entry.item);
  const summary = summarise(placed);

  // Open or excepted now: every collected key (`unique`); any other key of the state is fixed.
  const fixed: FixedItem[] = [];
  const fixedAt = new Date(now).toISOString();
  if (previous !== undefined) {
    for (const key of Object.keys(previous.open)) {
      const record = previous.open[key];
      if (record !== undefined && !unique.has(key))
        fixed.push(fixedItem(key, record, now, fixedAt));
    }
  }
  fixed.sort(
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

  const { open: openCounts, overdue, new: newCount } = summary;
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
  const imageList = imageRows(images, warnings);
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
      cve: summary.cve,
      cce: summary.cce,
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
    images: imageList,
    rules: ruleRows(collected.rules),
    ...(tags !== undefined && { tags }),
    owners: summary.owners,
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
    open: openRecords(byKey),
    fixed: recentFixes,
    trend,
  };
  return { report, state };
}
