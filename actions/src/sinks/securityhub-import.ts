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
import { fleetFindingId, type CheckedHost, type HostCheckResult } from '../sources/host-check';
import { readAllPages } from '../sources/paging';

/**
 * Imports fleet host check results into Security Hub as ASFF findings of the account's default
 * product (`product/<account>/default`): a FAIL line is an ACTIVE finding with Compliance FAILED;
 * a check that passes again archives the finding it had (RecordState ARCHIVED, Compliance
 * PASSED). Finding ids are deterministic (`fleetFindingId`), so a run updates the previous run's
 * findings in place rather than adding new ones.
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

/** One host's results to import; passes archive only for hosts whose output was complete. */
export interface HostImport {
  host: CheckedHost;
  results: readonly HostCheckResult[];
  /** False when the host's output had a problem: its FAILs are imported, nothing is archived. */
  complete: boolean;
}

/** What a previous run imported and is still ACTIVE: kept so a finding keeps its first dates. */
export interface ActiveFleetFinding {
  createdAt?: string;
  firstObservedAt?: string;
  updatedAt?: string;
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
  /** Findings archived because their check passes again. */
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
 * One result as an ASFF finding (pure). FAIL: ACTIVE, Compliance FAILED; PASS: ARCHIVED,
 * Compliance PASSED. Severity and Types go in FindingProviderFields as well, where Security Hub
 * takes a provider's updates of them. `previous` keeps the first run's CreatedAt and
 * FirstObservedAt; UpdatedAt is made later than the previous one, or Security Hub ignores the
 * update.
 */
export function asffFinding(
  host: CheckedHost,
  result: HostCheckResult,
  context: { accountId: string; region: string; now: Date; previous?: ActiveFleetFinding },
): AwsSecurityFinding {
  const now = context.now.toISOString();
  const previousUpdate = context.previous?.updatedAt ? Date.parse(context.previous.updatedAt) : NaN;
  const updatedAt =
    Number.isFinite(previousUpdate) && previousUpdate >= context.now.getTime()
      ? new Date(previousUpdate + 1).toISOString()
      : now;
  const passed = result.status === 'PASS';
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
    Compliance: { Status: passed ? 'PASSED' : 'FAILED' },
    RecordState: passed ? 'ARCHIVED' : 'ACTIVE',
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
 * The findings one account's import sends (pure): every FAIL line, and every PASS line of a
 * complete host whose finding is ACTIVE now (it passes again: archive it). INFO and ERROR lines
 * decide nothing and are not sent; a PASS with no active finding has nothing to archive.
 */
export function planImport(
  hosts: readonly HostImport[],
  active: ReadonlyMap<string, ActiveFleetFinding>,
  context: { accountId: string; region: string; now: Date },
): AwsSecurityFinding[] {
  const findings: AwsSecurityFinding[] = [];
  for (const { host, results, complete } of hosts) {
    for (const result of results) {
      const id = fleetFindingId(host, result);
      const previous = active.get(id);
      if (result.status === 'FAIL' || (result.status === 'PASS' && complete && previous)) {
        findings.push(asffFinding(host, result, { ...context, ...(previous && { previous }) }));
      }
    }
  }
  return findings;
}

/**
 * The fleet findings of this account's default product that are ACTIVE now, by Id: GetFindings
 * filtered by ProductArn, GeneratorId prefix and RecordState, each re-checked here (moto ignores
 * filters).
 * @throws AwsError naming securityhub:GetFindings; UndecidedError for a page without Findings.
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
        active.set(finding.Id, {
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
