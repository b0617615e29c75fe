import { csv, markdownCode, markdownText } from '../core/escape';
import {
  countsTable,
  errorBlock,
  escapedList,
  finishSummary,
  fullDataIn,
  headline,
  MAX_SUMMARY_ROWS,
  plural,
  policyLine,
  table,
} from '../core/markdown';
import { jsonFile } from '../core/report-files';
import { severityRank } from '../core/model';
import type { FleetHost, FleetHostSummary, FleetVerdict } from './evaluate';

/** The report files the fleet check writes besides verdict.json, summary.md and evidence.json. */
export const FLEET_REPORT_FILES = ['checks.json', 'checks.csv'] as const;

const REPORT_NAMES = ['verdict.json', ...FLEET_REPORT_FILES, 'evidence.json'];

function subjectName(verdict: FleetVerdict): string {
  const { subject } = verdict;
  if (subject.mode === 'local') return 'this machine';
  const targets = (subject.targets ?? []).map((target) => markdownCode(target)).join(', ');
  const accounts = subject.accounts ?? [];
  const where = accounts.length > 1 ? ` in ${plural(accounts.length, 'account')}` : '';
  const region = subject.region !== undefined ? `, ${markdownText(subject.region)}` : '';
  return `${targets || 'no targets'}${where}${region}`;
}

/** The host's name for a table: its host name (when known) and its instance id or resource. */
function hostCell(host: FleetHostSummary | undefined, resource: string): string {
  if (!host) return markdownCode(resource);
  // This machine (targets local) is known by its name alone.
  if (host.instanceId === undefined && host.hostname !== undefined) {
    return markdownCode(host.hostname);
  }
  const id = host.instanceId ?? host.resource;
  return host.hostname !== undefined && host.hostname !== id
    ? `${markdownCode(id)} ${markdownText(host.hostname)}`
    : markdownCode(id);
}

/**
 * The FAIL lines that neither block nor are excepted (below fail-on, or every one with fail-on
 * none), most severe first: a report-only run still shows what it found.
 */
function otherFailures(
  verdict: FleetVerdict,
  hostResults: readonly FleetHost[],
  byResource: ReadonlyMap<string, FleetHostSummary>,
): string[] {
  const shown = new Set(
    [...verdict.blocking, ...verdict.excepted].map((entry) => `${entry.resource}\n${entry.id}`),
  );
  const rows = hostResults
    .flatMap((host) =>
      host.results
        .filter((result) => result.status === 'FAIL')
        .filter((result) => !shown.has(`${host.resource.id}\n${result.check}`))
        .map((result) => ({ host, result })),
    )
    .sort((a, b) => severityRank(a.result.severity) - severityRank(b.result.severity));
  if (rows.length === 0) return [];
  return [
    verdict.blocking.length > 0 || verdict.subject.failOn !== 'none'
      ? '### Other failing checks (below fail-on)'
      : '### Failing checks',
    table(
      ['Severity', 'Check', 'Host', 'Title', 'Detail'],
      rows
        .slice(0, MAX_SUMMARY_ROWS)
        .map(({ host, result }) => [
          markdownText(result.severity),
          markdownCode(result.item === undefined ? result.check : `${result.check} ${result.item}`),
          hostCell(byResource.get(host.resource.id), host.resource.id),
          markdownText(result.title),
          markdownText(result.detail),
        ]),
    ),
    ...capped(rows.length, 'checks.json'),
  ];
}

function capped(total: number, where: string): string[] {
  return total > MAX_SUMMARY_ROWS ? [`…and ${total - MAX_SUMMARY_ROWS} more in ${where}.`] : [];
}

/**
 * summary.md and the job summary (Markdown): the verdict and why (a run that could not check
 * every host lists each problem, and still shows what it found), the failing checks per severity,
 * what blocks, each host (line counts by status and its problem), each account and the Security
 * Hub import, then exceptions, warnings and where the reports are. Every value from a host, AWS
 * or the user is escaped (core/escape); tables are capped at MAX_SUMMARY_ROWS rows and the whole
 * at the job-summary bound.
 */
export function renderFleetSummary(
  verdict: FleetVerdict,
  reportDir?: string,
  hostResults: readonly FleetHost[] = [],
): string {
  const { subject, counts } = verdict;
  const parts = [headline(verdict, subjectName(verdict))];
  const failOn = subject.failOn ?? 'none';
  const hosts = subject.hosts ?? [];
  if (verdict.verdict === 'error') {
    parts.push(
      '**The fleet check could not check everything, so it fails closed (exit 2).**',
      errorBlock(verdict.error),
    );
  } else if (verdict.verdict === 'block') {
    const n = verdict.blocking.length;
    parts.push(
      `**${plural(n, 'failing check')} at or above ${markdownText(failOn)} block${n === 1 ? 's' : ''}.**`,
    );
  } else if (failOn === 'none') {
    parts.push(`**Reported only (fail-on none):** ${plural(counts.total, 'failing check')}.`);
  } else {
    parts.push(
      `**No failing check at or above ${markdownText(failOn)}** (${plural(counts.total, 'failing check')} in all).`,
    );
  }
  if (hosts.length > 0 || verdict.verdict !== 'error') {
    parts.push(
      countsTable(counts),
      `Hosts: ${counts.hosts} checked completely · ${counts.unchecked} not (completely) checked · fail-on ${markdownText(failOn)}`,
    );
  }
  const byResource = new Map(hosts.map((host) => [host.resource, host]));
  if (verdict.blocking.length > 0) {
    parts.push(
      '### Blocking',
      table(
        ['Severity', 'Check', 'Host', 'Title', 'Detail'],
        verdict.blocking
          .slice(0, MAX_SUMMARY_ROWS)
          .map((entry) => [
            markdownText(entry.severity),
            markdownCode(entry.id),
            hostCell(byResource.get(entry.resource), entry.resource),
            markdownText(entry.title),
            markdownText(entry.reason),
          ]),
      ),
      ...capped(verdict.blocking.length, 'verdict.json'),
    );
  }
  parts.push(...otherFailures(verdict, hostResults, byResource));
  if (hosts.length > 0) {
    parts.push(
      '### Hosts',
      table(
        ['Host', 'Account', 'FAIL', 'PASS', 'ERROR', 'INFO', 'Problem'],
        hosts
          .slice(0, MAX_SUMMARY_ROWS)
          .map((host) => [
            hostCell(host, host.resource),
            markdownText(host.accountId),
            String(host.statuses.FAIL),
            String(host.statuses.PASS),
            String(host.statuses.ERROR),
            String(host.statuses.INFO),
            host.problems.length === 0
              ? '–'
              : markdownText(
                  `${host.problems[0] ?? ''}${host.problems.length > 1 ? ` (+${host.problems.length - 1} more)` : ''}`,
                ),
          ]),
      ),
      ...capped(hosts.length, 'checks.json'),
    );
  }
  const accounts = subject.accounts ?? [];
  if (accounts.length > 1 || accounts.some((account) => account.problem !== undefined)) {
    parts.push(
      '### Accounts',
      table(
        ['Account', 'Status', 'Run Command', 'Instances', 'Problem'],
        accounts.map((account) => [
          markdownText(account.accountId),
          markdownText(account.status),
          account.commandId ? markdownCode(account.commandId) : '–',
          String(account.instances),
          markdownText(account.problem),
        ]),
      ),
    );
  }
  if (subject.securityHub !== undefined) {
    parts.push(
      '### Security Hub',
      table(
        [
          'Account',
          'Imported (FAIL)',
          'Archived (passes again, or no longer reported)',
          'Refused',
          'Problem',
        ],
        subject.securityHub.map((entry) => [
          markdownText(entry.accountId),
          String(entry.imported),
          String(entry.archived),
          String(entry.refused.length),
          markdownText(entry.problem ?? entry.refused[0]?.message),
        ]),
      ),
    );
  }
  if (verdict.excepted.length > 0) {
    parts.push(
      `### Excepted (${verdict.excepted.length})`,
      table(
        ['Severity', 'Check', 'Host', 'Reason', 'Owner', 'Expires'],
        verdict.excepted
          .slice(0, MAX_SUMMARY_ROWS)
          .map((entry) => [
            markdownText(entry.severity),
            markdownCode(entry.id),
            hostCell(byResource.get(entry.resource), entry.resource),
            markdownText(entry.exception.reason),
            markdownText(entry.exception.owner),
            markdownText(entry.exception.expires),
          ]),
      ),
      ...capped(verdict.excepted.length, 'verdict.json'),
    );
  }
  if (verdict.warnings.length > 0) {
    parts.push('### Warnings', escapedList(verdict.warnings, 'verdict.json'));
  }
  const policy = policyLine(verdict.policy, verdict.evaluatedAt);
  parts.push(
    reportDir
      ? `${policy} · reports in ${markdownCode(reportDir)} (${REPORT_NAMES.join(', ')}; checks.csv has every line of every host)`
      : policy,
  );
  return finishSummary(parts, fullDataIn(reportDir));
}

/** checks.json: every host with every line the script printed, and why a host was not checked. */
export function fleetChecksJson(hosts: readonly FleetHost[]): string {
  return jsonFile({
    format: 'assetguard-fleet-checks/1',
    hosts: hosts.map((host) => ({
      resource: host.resource.id,
      ...(host.resource.accountId !== undefined && { accountId: host.resource.accountId }),
      ...(host.resource.region !== undefined && { region: host.resource.region }),
      ...(host.instanceId !== undefined && { instanceId: host.instanceId }),
      ...(host.hostname !== undefined && { hostname: host.hostname }),
      ...(host.invocation !== undefined && { invocation: host.invocation }),
      ...(host.outputUrl !== undefined && { output: host.outputUrl }),
      problems: host.problems,
      results: host.results,
    })),
  });
}

/**
 * checks.csv: one row per line of every host, and one row (status UNCHECKED) per problem of a
 * host, for a spreadsheet. Cells are CSV-escaped, formula starts neutralized (core/escape `csv`).
 */
export function fleetChecksCsv(hosts: readonly FleetHost[]): string {
  const rows: (string | number)[][] = [
    [
      'account',
      'region',
      'resource',
      'hostname',
      'check',
      'item',
      'severity',
      'status',
      'title',
      'detail',
      'count',
      'evidence',
    ],
  ];
  for (const host of hosts) {
    const where = [
      host.resource.accountId ?? '',
      host.resource.region ?? '',
      host.resource.id,
      host.hostname ?? '',
    ];
    for (const problem of host.problems) {
      rows.push([
        ...where,
        '',
        '',
        '',
        'UNCHECKED',
        'the host was not checked completely',
        problem,
        '',
        '',
      ]);
    }
    for (const result of host.results) {
      rows.push([
        ...where,
        result.check,
        result.item ?? '',
        result.severity,
        result.status,
        result.title,
        result.detail,
        result.count ?? '',
        (result.evidence ?? []).join('; '),
      ]);
    }
  }
  return csv(rows);
}
