import type { Finding } from './model';
import type { ExceptionScope, PolicyException } from './policy';
import type { ExceptionReport } from './verdict';

const DAY_MS = 86_400_000;
/** Exceptions that expire within this many days are warned about. */
export const EXPIRY_WARNING_DAYS = 14;

/** An exception applies through the end of its expiry day, in UTC. */
export function expiresAt(exception: PolicyException): Date {
  return new Date(`${exception.expires}T23:59:59.999Z`);
}

export function isExpired(exception: PolicyException, now: Date): boolean {
  return now.getTime() > expiresAt(exception).getTime();
}

function matchesResource(resourceId: string, wanted: string): boolean {
  // A scope may name the bare id of a resource whose finding carries the full ARN.
  return (
    resourceId === wanted || resourceId.endsWith(`/${wanted}`) || resourceId.endsWith(`:${wanted}`)
  );
}

function inScope(finding: Finding, scope: ExceptionScope | undefined): boolean {
  if (!scope) return true;
  const { resource } = finding;
  if (scope.repository !== undefined && resource.repository !== scope.repository) return false;
  if (scope.resource !== undefined && !matchesResource(resource.id, scope.resource)) return false;
  if (scope.package !== undefined && !finding.packages.some((pkg) => pkg.name === scope.package)) {
    return false;
  }
  if (scope.tags) {
    const tags = resource.tags ?? {};
    if (!Object.entries(scope.tags).every(([key, value]) => tags[key] === value)) return false;
  }
  return true;
}

/**
 * The ids of the fleet host check script's checks: KISA Unix server items (`U-01`) and resource
 * checks (`RES-DISK`), in any case.
 */
export function isHostCheckId(id: string): boolean {
  return /^(U-\d{2,3}|RES-[A-Z]+)$/i.test(id);
}

/**
 * Tells compliance exception ids (a control id such as EC2.13, or a Config rule name such as
 * restricted-ssh) from vulnerability ids (CVE-…, GHSA-…) and host check ids (U-01, RES-DISK).
 */
export function isComplianceId(id: string): boolean {
  if (isHostCheckId(id)) return false;
  if (/^[A-Za-z0-9]+\.\d+$/.test(id)) return true;
  return /^[a-z][a-z0-9-]*$/.test(id) && !/^(cve|ghsa|pysec|go|rustsec)-/.test(id);
}

/**
 * Which command an exception id is for, so that each one applies its own and never reports
 * another's as stale: the scan gate takes vulnerability ids, the compliance gate and remediate
 * compliance ids, the fleet check host check ids (the daily report takes them all).
 */
export function exceptionKind(id: string): 'vulnerability' | 'compliance' | 'host-check' {
  if (isHostCheckId(id)) return 'host-check';
  return isComplianceId(id) ? 'compliance' : 'vulnerability';
}

/**
 * Sources whose `aliases` are other names of the finding itself: a Config rule's deployed name,
 * its canonical name and identifier, the Security Hub control's GeneratorId. An exception may
 * name a compliance result by any of them (the policy's "Config rule name or control id").
 */
const SAME_FINDING_ALIASES: ReadonlySet<Finding['source']> = new Set(['config', 'securityhub']);

/**
 * The ids an exception may name a finding by: its own id and, for compliance results, the other
 * names of the same rule or control. Never another vulnerability's id: Inspector2 records the
 * vulnerabilities *related* to a finding in its aliases (`relatedVulnerabilities`), and an
 * exception for a LOW CVE-2024-0001 must not except a CRITICAL CVE-2024-7777 that merely lists it.
 */
export function ownIds(finding: Finding): string[] {
  return SAME_FINDING_ALIASES.has(finding.source)
    ? [finding.id, ...(finding.aliases ?? [])]
    : [finding.id];
}

/** Whether an exception covers a finding: one of its own ids (`ownIds`), within the scope. */
export function exceptionMatches(exception: PolicyException, finding: Finding): boolean {
  const id = exception.id.toUpperCase();
  return (
    ownIds(finding).some((own) => own.toUpperCase() === id) && inScope(finding, exception.scope)
  );
}

export interface ExceptionResult {
  /** Findings no valid exception covers. */
  remaining: Finding[];
  excepted: { finding: Finding; exception: PolicyException }[];
  report: ExceptionReport;
}

/**
 * Splits the findings that would block into those still blocking and those excepted, and reports
 * on the exceptions themselves. `all` is every finding of the subject, used to tell stale
 * exceptions (matching nothing at all) from ones that merely matched non-blocking findings.
 * `relevant` lets a gate ignore exceptions aimed at other subjects (another repository).
 *
 * Cost: one pass over `wouldBlock` and one over `all`, each finding looked up by its own ids
 * (upper-cased) among the exceptions' ids; `exceptionMatches` (the scope) is tried only on the
 * findings whose id an exception names. Trying every exception on every finding was 240 ms of
 * the scan gate's evaluation at 100,000 findings and 20 exceptions; the result is the same: a
 * blocking finding is excepted by the first valid exception (in policy order) that matches it.
 */
export function applyExceptions(
  wouldBlock: readonly Finding[],
  all: readonly Finding[],
  exceptions: readonly PolicyException[],
  now: Date,
  relevant: (exception: PolicyException) => boolean = () => true,
): ExceptionResult {
  const inPlay = exceptions.filter(relevant);
  const valid = inPlay.filter((exception) => !isExpired(exception, now));
  const named = exceptionsById(inPlay);
  const remaining: Finding[] = [];
  const excepted: ExceptionResult['excepted'] = [];
  for (const finding of wouldBlock) {
    const exception = namedBy(named, finding)
      ? valid.find((candidate) => exceptionMatches(candidate, finding))
      : undefined;
    if (exception) excepted.push({ finding, exception });
    else remaining.push(finding);
  }
  // How many findings of `all` each exception in play matches (a finding counts once).
  const matched = new Map<PolicyException, number>();
  for (const finding of all) {
    const candidates = namedBy(named, finding);
    if (candidates === undefined) continue;
    for (const exception of candidates) {
      if (exceptionMatches(exception, finding)) {
        matched.set(exception, (matched.get(exception) ?? 0) + 1);
      }
    }
  }
  const report: ExceptionReport = {
    expired: inPlay
      .filter((exception) => isExpired(exception, now))
      .map((exception) => ({ ...exception, matched: matched.get(exception) ?? 0 })),
    expiringSoon: valid
      .map((exception) => ({
        ...exception,
        daysLeft: Math.floor((expiresAt(exception).getTime() - now.getTime()) / DAY_MS),
      }))
      .filter((exception) => exception.daysLeft < EXPIRY_WARNING_DAYS),
    stale: valid.filter((exception) => !matched.has(exception)),
  };
  return { remaining, excepted, report };
}

/** The exceptions by their id upper-cased (as `exceptionMatches` compares), in policy order. */
function exceptionsById(
  exceptions: readonly PolicyException[],
): Map<string, readonly PolicyException[]> {
  const byId = new Map<string, PolicyException[]>();
  for (const exception of exceptions) {
    const id = exception.id.toUpperCase();
    const list = byId.get(id);
    // The same exception given twice is one exception (its matches are counted once).
    if (list) {
      if (!list.includes(exception)) list.push(exception);
    } else byId.set(id, [exception]);
  }
  return byId;
}

/**
 * The exceptions of `byId` that name one of `finding`'s own ids (each once, whatever the number
 * of ids it matches by), or undefined when none does: the only ones that can match it.
 */
function namedBy(
  byId: ReadonlyMap<string, readonly PolicyException[]>,
  finding: Finding,
): readonly PolicyException[] | undefined {
  if (byId.size === 0) return undefined;
  if (!SAME_FINDING_ALIASES.has(finding.source)) return byId.get(finding.id.toUpperCase());
  let found: PolicyException[] | undefined;
  for (const own of ownIds(finding)) {
    for (const exception of byId.get(own.toUpperCase()) ?? []) {
      found ??= [];
      if (!found.includes(exception)) found.push(exception);
    }
  }
  return found;
}

/**
 * The warnings every gate gives about its exceptions. `what` names what they match in the
 * gate's words ("finding(s)", "result(s)"), `where` where stale ones found nothing.
 */
export function exceptionWarnings(report: ExceptionReport, what: string, where: string): string[] {
  return [
    ...report.expired.map(
      (exception) =>
        `exception ${exception.id} (owner ${exception.owner}) expired on ${exception.expires} and no longer applies${exception.matched > 0 ? ` — it would cover ${exception.matched} ${what} here` : ''}`,
    ),
    ...report.expiringSoon.map(
      (exception) =>
        `exception ${exception.id} (owner ${exception.owner}) expires on ${exception.expires}, in ${exception.daysLeft} day(s)`,
    ),
    ...report.stale.map(
      (exception) =>
        `exception ${exception.id} matched no ${where}: remove it if it is no longer needed`,
    ),
  ];
}
