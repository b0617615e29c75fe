import {
  BatchImportFindingsCommand,
  paginateGetFindings,
  type AwsSecurityFinding,
  type SecurityHubClient,
  type SeverityLabel,
} from '@aws-sdk/client-securityhub';
import { partitionOf } from '../core/arn';
import { chunks, countCall, type CallCounts } from '../core/collections';
import { awsFailure, UndecidedError } from '../core/errors';
import { clip } from '../core/escape';
import type { Log } from '../core/log';
import type { Severity } from '../core/model';
import {
  fleetFindingId,
  fleetFindingPrefix,
  type CheckedHost,
  type HostCheckResult,
} from '../sources/host-check';
import { readAllPages } from '../sources/paging';

/**
 * Imports fleet host check results into Security Hub as ASFF findings of the account's default
 * product (`product/<account>/default`): a FAIL line is an ACTIVE finding with Compliance FAILED.
 * On a host checked completely, a finding that is ACTIVE and whose check passes again is archived
 * (RecordState ARCHIVED, Compliance PASSED), and so is one whose check no longer applies (INFO)
 * or whose line the output no longer has (a RES-DISK mount point gone; Compliance NOT_AVAILABLE).
 * A host not checked completely archives nothing: what it did not print was not checked. Finding
 * ids are deterministic (`fleetFindingId`), so a run updates the previous run's findings in place
 * rather than adding new ones.
 *
 * BatchImportFindings with the default product must be called from the account the findings
 * are about (their AwsAccountId): a multi-account run imports into each member account with that
 * account's credentials, and Security Hub's own aggregation brings them to the administrator.
 */

/** ASFF's schema version. */
export const ASFF_SCHEMA_VERSION = '2018-10-08';
/** BatchImportFindings takes at most 100 findings per call. */
export const IMPORT_BATCH = 100;
/** Every fleet finding's GeneratorId starts with this, followed by the check id. */
export const FLEET_GENERATOR_PREFIX = 'assetguard/fleet-check/';

/** The account's default product ARN, which needs no product subscription. */
export function defaultProductArn(region: string, accountId: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** One host's results to import; archiving is only for hosts whose output was complete. */
export interface HostImport {
  host: CheckedHost;
  results: readonly HostCheckResult[];
  /** False when the host's output had a problem: its FAILs are imported, nothing is archived. */
  complete: boolean;
}

/**
 * What a previous run imported and is still ACTIVE: its first dates (kept when it is updated),
 * and the finding as Security Hub holds it, sent back ARCHIVED when its line is gone.
 */
export interface ActiveFleetFinding {
  createdAt?: string;
  firstObservedAt?: string;
  updatedAt?: string;
  finding: AwsSecurityFinding;
}

/** A finding Security Hub refused (BatchImportFindings FailedFindings). */
export interface RefusedFinding {
  id: string;
  code: string;
  message: string;
}

/** What one account's import did. */
export interface ImportOutcome {
  accountId: string;
  region: string;
  /** ACTIVE findings imported (FAIL lines). */
  imported: number;
  /** Findings archived: their check passes again, no longer applies, or is no longer reported. */
  archived: number;
  refused: RefusedFinding[];
  /** BatchImportFindings calls made. */
  calls: number;
}

function severityLabel(severity: Severity): SeverityLabel {
  return severity === 'UNTRIAGED' ? 'INFORMATIONAL' : severity;
}

/** The ASFF type of a check: KISA items are standards checks; resource checks their effects. */
export function findingTypeOf(check: string): string {
  if (check === 'RES-PROC') return 'Unusual Behaviors/Process';
  if (check.startsWith('RES-')) return 'Effects/Resource Consumption';
  return 'Software and Configuration Checks/Industry and Regulatory Standards/KISA Unix server';
}

/** The host as an ASFF resource: the EC2 instance, or `Other` for a machine checked locally. */
function asffResource(host: CheckedHost): NonNullable<AwsSecurityFinding['Resources']>[number] {
  const region = host.resource.region;
  const partition = region === undefined ? 'aws' : partitionOf(region);
  return {
    Type: host.instanceId === undefined ? 'Other' : 'AwsEc2Instance',
    Id: host.resource.id,
    Partition: partition as 'aws',
    ...(region !== undefined && { Region: region }),
  };
}

/**
 * UpdatedAt for an update of a finding: now, or just after its previous UpdatedAt when that is
 * not earlier (Security Hub ignores an update that is not later than what it holds).
 */
function laterThan(previous: string | undefined, now: Date): string {
  const previousUpdate = previous ? Date.parse(previous) : NaN;
  return Number.isFinite(previousUpdate) && previousUpdate >= now.getTime()
    ? new Date(previousUpdate + 1).toISOString()
    : now.toISOString();
}

/**
 * One result as an ASFF finding (pure). FAIL: ACTIVE, Compliance FAILED; PASS: ARCHIVED,
 * Compliance PASSED; INFO (the check no longer applies): ARCHIVED, Compliance NOT_AVAILABLE.
 * Severity and Types go in FindingProviderFields as well, where Security Hub takes a provider's
 * updates of them. `previous` keeps the first run's CreatedAt and FirstObservedAt; UpdatedAt is
 * made later than the previous one, or Security Hub ignores the update.
 */
export function asffFinding(
  host: CheckedHost,
  result: HostCheckResult,
  context: { accountId: string; region: string; now: Date; previous?: ActiveFleetFinding },
): AwsSecurityFinding {
  const now = context.now.toISOString();
  const updatedAt = laterThan(context.previous?.updatedAt, context.now);
  const failed = result.status === 'FAIL';
  const label = severityLabel(result.severity);
  const types = [findingTypeOf(result.check)];
  const item = result.item === undefined ? '' : ` (${result.item})`;
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: fleetFindingId(host, result),
    ProductArn: defaultProductArn(context.region, context.accountId),
    ProductName: 'assetguard fleet-check',
    CompanyName: 'assetguard',
    GeneratorId: `${FLEET_GENERATOR_PREFIX}${result.check}`,
    AwsAccountId: context.accountId,
    CreatedAt: context.previous?.createdAt ?? now,
    UpdatedAt: updatedAt,
    FirstObservedAt: context.previous?.firstObservedAt ?? context.previous?.createdAt ?? now,
    LastObservedAt: now,
    Title: clip(`${result.check} ${result.title}${item}`, 256),
    Description: clip(result.detail.trim() === '' ? result.title : result.detail, 1024),
    Types: types,
    Severity: { Label: label, Original: result.severity },
    FindingProviderFields: { Severity: { Label: label, Original: result.severity }, Types: types },
    Compliance: {
      Status: failed ? 'FAILED' : result.status === 'PASS' ? 'PASSED' : 'NOT_AVAILABLE',
    },
    RecordState: failed ? 'ACTIVE' : 'ARCHIVED',
    Resources: [asffResource(host)],
    ProductFields: {
      'assetguard/check': result.check,
      'assetguard/status': result.status,
      ...(result.item !== undefined && { 'assetguard/item': clip(result.item, 1000) }),
      ...(result.count !== undefined && { 'assetguard/count': String(result.count) }),
      ...(result.evidence !== undefined &&
        result.evidence.length > 0 && {
          'assetguard/evidence': clip(result.evidence.join('\n'), 1000),
        }),
    },
  };
}

/**
 * A finding of a previous run whose line the latest complete output no longer has, as sent back
 * to archive it (pure): what Security Hub holds of the fields this sink writes, with RecordState
 * ARCHIVED, Compliance NOT_AVAILABLE (nothing was checked), UpdatedAt later than before and
 * LastObservedAt kept (it was not seen now). Security Hub's own product fields (`aws/…`) are not
 * sent back.
 */
export function archivedGoneFinding(previous: ActiveFleetFinding, now: Date): AwsSecurityFinding {
  const held = previous.finding;
  const productFields = Object.fromEntries(
    Object.entries(held.ProductFields ?? {}).filter(([key]) => key.startsWith('assetguard/')),
  );
  return {
    SchemaVersion: held.SchemaVersion ?? ASFF_SCHEMA_VERSION,
    Id: held.Id,
    ProductArn: held.ProductArn,
    ...(held.ProductName !== undefined && { ProductName: held.ProductName }),
    ...(held.CompanyName !== undefined && { CompanyName: held.CompanyName }),
    GeneratorId: held.GeneratorId,
    AwsAccountId: held.AwsAccountId,
    CreatedAt: held.CreatedAt,
    UpdatedAt: laterThan(held.UpdatedAt, now),
    ...(held.FirstObservedAt !== undefined && { FirstObservedAt: held.FirstObservedAt }),
    ...(held.LastObservedAt !== undefined && { LastObservedAt: held.LastObservedAt }),
    Title: held.Title,
    Description: held.Description,
    ...(held.Types !== undefined && { Types: held.Types }),
    ...(held.Severity !== undefined && {
      Severity: {
        ...(held.Severity.Label !== undefined && { Label: held.Severity.Label }),
        ...(held.Severity.Original !== undefined && { Original: held.Severity.Original }),
      },
    }),
    ...(held.FindingProviderFields !== undefined && {
      FindingProviderFields: held.FindingProviderFields,
    }),
    Compliance: { Status: 'NOT_AVAILABLE' },
    RecordState: 'ARCHIVED',
    Resources: held.Resources,
    ProductFields: { ...productFields, 'assetguard/status': 'NOT_REPORTED' },
  };
}

/**
 * The findings one account's import sends (pure): every FAIL line; and for a complete host, each
 * of its ACTIVE findings whose line is now PASS (passes again) or INFO (no longer applies), or
 * whose line is not in the output at all (that check or item no longer reported): all archived.
 * ERROR lines decide nothing: their findings stay as they are. A host that was not checked
 * completely archives nothing. A PASS with no active finding has nothing to archive.
 */
export function planImport(
  hosts: readonly HostImport[],
  active: ReadonlyMap<string, ActiveFleetFinding>,
  context: { accountId: string; region: string; now: Date },
): AwsSecurityFinding[] {
  const findings: AwsSecurityFinding[] = [];
  for (const { host, results, complete } of hosts) {
    const reported = new Set<string>();
    for (const result of results) {
      const id = fleetFindingId(host, result);
      reported.add(id);
      const previous = active.get(id);
      const settled = result.status === 'PASS' || result.status === 'INFO';
      if (result.status === 'FAIL' || (settled && complete && previous)) {
        findings.push(asffFinding(host, result, { ...context, ...(previous && { previous }) }));
      }
    }
    if (!complete) continue;
    const prefix = fleetFindingPrefix(host);
    for (const [id, previous] of active) {
      if (id.startsWith(prefix) && !reported.has(id)) {
        findings.push(archivedGoneFinding(previous, context.now));
      }
    }
  }
  return findings;
}

/**
 * The fleet findings of this account's default product that are ACTIVE now, by Id: GetFindings
 * filtered by ProductArn, GeneratorId prefix and RecordState, each re-checked here (moto ignores
 * filters), with what archiving one needs sent back.
 * @throws AwsError naming securityhub:GetFindings; UndecidedError for a page without Findings, or
 *   a fleet finding without the fields BatchImportFindings requires (it could not be archived).
 */
export async function readActiveFleetFindings(
  securityhub: SecurityHubClient,
  context: { accountId: string; region: string; log: Log; calls: CallCounts },
): Promise<Map<string, ActiveFleetFinding>> {
  const productArn = defaultProductArn(context.region, context.accountId);
  const active = new Map<string, ActiveFleetFinding>();
  try {
    await readAllPages(
      paginateGetFindings(
        { client: securityhub, pageSize: 100 },
        {
          Filters: {
            ProductArn: [{ Value: productArn, Comparison: 'EQUALS' }],
            GeneratorId: [{ Value: FLEET_GENERATOR_PREFIX, Comparison: 'PREFIX' }],
            RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
          },
          MaxResults: 100,
        },
      ),
      {
        operation: 'GetFindings',
        items: (page) => page.Findings,
        nextToken: (page) => page.NextToken,
        pageCap: 1_000,
        log: context.log,
        onPage: () => {
          countCall(context.calls, 'GetFindings');
        },
        progress: (pages, kept) => `read ${kept} active fleet finding(s) in ${pages} page(s)`,
        endless: (pages) => `GetFindings kept returning pages after ${pages} calls`,
      },
      (finding) => {
        if (
          typeof finding.Id !== 'string' ||
          finding.ProductArn !== productArn ||
          finding.GeneratorId?.startsWith(FLEET_GENERATOR_PREFIX) !== true ||
          finding.RecordState !== 'ACTIVE'
        ) {
          return false;
        }
        const missing = (
          ['AwsAccountId', 'CreatedAt', 'UpdatedAt', 'Title', 'Description', 'Resources'] as const
        ).filter((field) => finding[field] === undefined);
        if (missing.length > 0) {
          throw new UndecidedError(
            `GetFindings answered the fleet finding ${finding.Id} without ${missing.join(', ')}`,
          );
        }
        active.set(finding.Id, {
          finding,
          ...(finding.CreatedAt !== undefined && { createdAt: finding.CreatedAt }),
          ...(finding.FirstObservedAt !== undefined && {
            firstObservedAt: finding.FirstObservedAt,
          }),
          ...(finding.UpdatedAt !== undefined && { updatedAt: finding.UpdatedAt }),
        });
        return true;
      },
    );
  } catch (error) {
    throw awsFailure(
      `read the fleet findings already in Security Hub (${context.accountId}, ${context.region})`,
      'securityhub:GetFindings',
      error,
    );
  }
  return active;
}

/**
 * Imports one account's results: reads its ACTIVE fleet findings, plans (`planImport`), and sends
 * them in batches of at most 100. Every answer is checked: FailedCount and SuccessCount must add
 * up to the batch; refused findings are returned with Security Hub's reason (the caller fails the
 * run on any), never dropped.
 * @throws AwsError naming securityhub:BatchImportFindings or securityhub:GetFindings;
 *   UndecidedError for an answer whose counts do not add up.
 */
export async function importFleetFindings(
  securityhub: SecurityHubClient,
  request: {
    accountId: string;
    region: string;
    hosts: readonly HostImport[];
    now: Date;
    log: Log;
    calls: CallCounts;
  },
): Promise<ImportOutcome> {
  const { accountId, region } = request;
  const active = await readActiveFleetFindings(securityhub, request);
  const planned = planImport(request.hosts, active, { accountId, region, now: request.now });
  const outcome: ImportOutcome = {
    accountId,
    region,
    imported: 0,
    archived: 0,
    refused: [],
    calls: 0,
  };
  for (const batch of chunks(planned, IMPORT_BATCH)) {
    let answer;
    try {
      answer = await securityhub.send(new BatchImportFindingsCommand({ Findings: batch }));
    } catch (error) {
      throw awsFailure(
        `import ${batch.length} fleet finding(s) into Security Hub (${accountId}, ${region})`,
        'securityhub:BatchImportFindings',
        error,
      );
    }
    countCall(request.calls, 'BatchImportFindings');
    outcome.calls += 1;
    const { FailedCount, SuccessCount, FailedFindings = [] } = answer;
    if (
      typeof FailedCount !== 'number' ||
      typeof SuccessCount !== 'number' ||
      FailedCount + SuccessCount !== batch.length ||
      FailedFindings.length !== FailedCount
    ) {
      throw new UndecidedError(
        `BatchImportFindings answered counts that do not add up for ${batch.length} finding(s) (SuccessCount ${String(SuccessCount)}, FailedCount ${String(FailedCount)}, ${FailedFindings.length} listed as failed)`,
      );
    }
    const refused = new Set<string>();
    for (const failed of FailedFindings) {
      refused.add(failed.Id ?? '');
      outcome.refused.push({
        id: failed.Id ?? '(no id)',
        code: failed.ErrorCode ?? '(no code)',
        message: failed.ErrorMessage ?? '',
      });
    }
    for (const finding of batch) {
      if (refused.has(finding.Id ?? '')) continue;
      if (finding.RecordState === 'ARCHIVED') outcome.archived += 1;
      else outcome.imported += 1;
    }
  }
  request.log(
    `Security Hub ${accountId} ${region}: ${outcome.imported} finding(s) imported, ${outcome.archived} archived${outcome.refused.length > 0 ? `, ${outcome.refused.length} refused` : ''}`,
  );
  return outcome;
}
