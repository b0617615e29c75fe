import {
  applyExceptions,
  exceptionMatches,
  exceptionWarnings,
  isExpired,
  isHostCheckId,
} from '../core/exceptions';
import type { CallCounts } from '../core/collections';
import {
  countBySeverity,
  severityRank,
  type Finding,
  type FindingResource,
  type Severity,
  type SeverityCounts,
} from '../core/model';
import type { LoadedPolicy, PolicyException } from '../core/policy';
import { findingsVerdict, type BlockingEntry, type Verdict } from '../core/verdict';
import {
  fleetFinding,
  resultKey,
  type CheckStatus,
  type HostCheckResult,
} from '../sources/host-check';
import type { RefusedFinding } from '../sinks/securityhub-import';

/** One host as checked: every result line, and why it was not checked completely. */
export interface FleetHost {
  /** The instance ARN, or `host/<machine id>` (else `host/<host name>`) for this machine. */
  resource: FindingResource;
  instanceId?: string;
  /** The name the script reported. */
  hostname?: string;
  results: HostCheckResult[];
  /** Empty when the host was checked completely (its invocation, output and every line fine). */
  problems: string[];
  /** What the report should say about the host without stopping the run (how it is keyed). */
  warnings?: string[];
  /** Run Command's Status of its invocation, and where its output is. */
  invocation?: { status: string; details?: string; responseCode?: number };
  outputUrl?: string;
}

/** One account of the run. */
export interface FleetAccount {
  accountId: string;
  region: string;
  /** checked: the command ran (its hosts say how each went); unreachable: nothing could be read. */
  status: 'checked' | 'unreachable';
  commandId?: string;
  /** The running instances the targets select there. */
  instances: number;
  /** Why the account could not be checked, or why its check is incomplete. */
  problem?: string;
}

/** What the Security Hub import did, per account. */
export interface FleetImport {
  accountId: string;
  region: string;
  imported: number;
  archived: number;
  refused: RefusedFinding[];
  /** Why the import failed as a whole (access denied, throttled), when it did. */
  problem?: string;
}

/** A host as verdict.json records it: where, its counts by status, and its problems. */
export interface FleetHostSummary {
  resource: string;
  accountId?: string;
  region?: string;
  instanceId?: string;
  hostname?: string;
  statuses: Record<CheckStatus, number>;
  problems: string[];
}

/** What a fleet-check verdict is about. */
export interface FleetSubject {
  /** run-command: EC2 instances through SSM; local: this machine. */
  mode: 'run-command' | 'local';
  /** The targets input as written. */
  targets: string[];
  region?: string;
  /** The lowest severity that blocks, or none. */
  failOn: Severity | 'none';
  /** The script that ran: its sha256 and size in bytes. */
  script: { sha256: string; bytes: number };
  accounts: FleetAccount[];
  hosts: FleetHostSummary[];
  /** Present when import-to-securityhub was asked. */
  securityHub?: FleetImport[];
}

/** verdict.counts: failing checks per severity, and hosts checked and not. */
export type FleetCounts = SeverityCounts & {
  /** Hosts checked completely. */
  hosts: number;
  /** Hosts and accounts that could not be checked (completely). */
  unchecked: number;
};

export type FleetVerdict = Verdict<Partial<FleetSubject>, FleetCounts>;

/** What evidence.json keeps besides the findings: every host's every line, and calls made. */
export interface FleetContext {
  hosts: FleetHost[];
  calls: CallCounts;
}

export function emptyFleetCounts(): FleetCounts {
  return {
    CRITICAL: 0,
    HIGH: 0,
    MEDIUM: 0,
    LOW: 0,
    INFORMATIONAL: 0,
    UNTRIAGED: 0,
    total: 0,
    hosts: 0,
    unchecked: 0,
  };
}

function statusCounts(results: readonly HostCheckResult[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { PASS: 0, FAIL: 0, INFO: 0, ERROR: 0 };
  for (const result of results) counts[result.status] += 1;
  return counts;
}

/** How a host is named in messages: its name and where it is. */
export function hostLabel(host: Pick<FleetHost, 'resource' | 'instanceId' | 'hostname'>): string {
  const id = host.instanceId ?? host.resource.id;
  const name = host.hostname !== undefined && host.hostname !== id ? ` (${host.hostname})` : '';
  const account = host.resource.accountId !== undefined ? ` in ${host.resource.accountId}` : '';
  return `${id}${name}${account}`;
}

function atOrAbove(severity: Severity, failOn: Severity | undefined): boolean {
  return failOn !== undefined && severityRank(severity) <= severityRank(failOn);
}

/**
 * The fleet check's decision. Pure: the same hosts, accounts, import outcome, policy and `now`
 * always give the same verdict.
 *
 * - Counted: every FAIL line, as a Finding (source `fleet`).
 * - Blocking: those at or above `failOn` that no valid exception covers (an exception names a
 *   check id, e.g. U-01, optionally scoped to a resource: an instance id or ARN).
 * - Could not decide (verdict error, exit 2, the findings still reported): an account that could
 *   not be reached or whose command failed, a host that was not checked completely (no
 *   invocation, a failed or unfinished one, output missing, malformed or without a line of every
 *   check), an ERROR line that no exception covers at or above `failOn` (with `failOn` none:
 *   every one, since report-only relaxes what fails, never what could not be checked), a finding
 *   Security Hub refused or an import that failed. A fleet check that could not check a host has
 *   not decided about it.
 * - Warnings: ERROR lines below `failOn`, `failOn` none, the hosts' own warnings (a machine keyed
 *   by its host name), and the exceptions' own warnings.
 */
export function evaluateFleet(input: {
  hosts: readonly FleetHost[];
  accounts: readonly FleetAccount[];
  securityHub?: readonly FleetImport[];
  subject: Omit<FleetSubject, 'hosts' | 'accounts' | 'securityHub' | 'failOn'>;
  failOn: Severity | undefined;
  policy: LoadedPolicy;
  now: Date;
}): Verdict<FleetSubject, FleetCounts> {
  const { hosts, failOn, policy, now } = input;
  const findings: Finding[] = hosts.flatMap((host) =>
    host.results
      .filter((result) => result.status === 'FAIL')
      .map((result) => fleetFinding(host, result)),
  );
  const wouldBlock = findings.filter((finding) => atOrAbove(finding.severity, failOn));
  const relevant = (exception: PolicyException): boolean => isHostCheckId(exception.id);
  const exceptions = applyExceptions(wouldBlock, findings, policy.policy.exceptions, now, relevant);
  const validExceptions = policy.policy.exceptions.filter(
    (exception) => relevant(exception) && !isExpired(exception, now),
  );

  const undecided: string[] = [];
  const warnings: string[] = [];
  for (const account of input.accounts) {
    if (account.problem !== undefined)
      undecided.push(`account ${account.accountId}: ${account.problem}`);
  }
  for (const host of hosts) {
    for (const problem of host.problems) undecided.push(`${hostLabel(host)}: ${problem}`);
    for (const warning of host.warnings ?? []) warnings.push(`${hostLabel(host)}: ${warning}`);
    for (const result of host.results) {
      if (result.status !== 'ERROR') continue;
      const asFinding = fleetFinding(host, result);
      if (validExceptions.some((exception) => exceptionMatches(exception, asFinding))) continue;
      const line = `${hostLabel(host)}: ${resultKey(result)} could not be checked: ${result.detail}`;
      if (failOn === undefined || atOrAbove(result.severity, failOn)) undecided.push(line);
      else warnings.push(`${line} (${result.severity}, below fail-on)`);
    }
  }
  for (const outcome of input.securityHub ?? []) {
    if (outcome.problem !== undefined) {
      undecided.push(`Security Hub import in ${outcome.accountId}: ${outcome.problem}`);
    }
    if (outcome.refused.length > 0) {
      const shown = outcome.refused
        .slice(0, 5)
        .map((refused) => `${refused.id}: ${refused.code} ${refused.message}`)
        .join('; ');
      undecided.push(
        `Security Hub in ${outcome.accountId} refused ${outcome.refused.length} finding(s): ${shown}`,
      );
    }
  }
  if (failOn === undefined) {
    warnings.unshift(
      'fail-on is none: failing checks are reported and never block (a check that could not run still stops the run)',
    );
  }
  warnings.push(...exceptionWarnings(exceptions.report, 'failing check(s)', 'failing check'));

  const complete = hosts.filter((host) => host.problems.length === 0);
  // An account with a problem and no host of its own listed (unreachable, or targets selecting
  // nothing there) is one more thing not checked.
  const unreachable = input.accounts.filter(
    (account) =>
      account.problem !== undefined &&
      !hosts.some((host) => host.resource.accountId === account.accountId),
  );
  const subject: FleetSubject = {
    ...input.subject,
    failOn: failOn ?? 'none',
    accounts: [...input.accounts],
    hosts: hosts.map((host) => ({
      resource: host.resource.id,
      ...(host.resource.accountId !== undefined && { accountId: host.resource.accountId }),
      ...(host.resource.region !== undefined && { region: host.resource.region }),
      ...(host.instanceId !== undefined && { instanceId: host.instanceId }),
      ...(host.hostname !== undefined && { hostname: host.hostname }),
      statuses: statusCounts(host.results),
      problems: [...host.problems],
    })),
    ...(input.securityHub !== undefined && { securityHub: [...input.securityHub] }),
  };
  const decided = findingsVerdict({
    command: 'fleet-check',
    subject,
    policy,
    now,
    counted: findings,
    exceptions,
    reasonOf: (finding) => finding.description ?? finding.title,
    resourceOf: (finding) => finding.resource.id,
    warnings,
  });
  const counts: FleetCounts = {
    ...countBySeverity(findings),
    hosts: complete.length,
    unchecked: hosts.length - complete.length + unreachable.length,
  };
  if (undecided.length === 0) return { ...decided, counts };
  // One problem per line of the message: a host name or an output line may hold line breaks.
  const lines = undecided.map((problem) => problem.replace(/\s*[\r\n]+\s*/g, ' '));
  return {
    ...decided,
    counts,
    verdict: 'error',
    error: [
      `${undecided.length} problem(s) kept the fleet check from deciding, so it fails closed (the findings it did read are reported):`,
      ...lines,
    ].join('\n'),
  };
}

/** The blocking entries of a verdict, for render and outputs. */
export type FleetBlocking = BlockingEntry;
