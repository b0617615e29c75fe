/**
 * The passing side of compliance, which the gates never need and the daily report does: the
 * resources each Security Hub control or AWS Config rule passes on, so the report can say "3 of
 * 40 buckets fail S3.8" and chart compliance over time. The failing side comes from
 * sources/securityhub and sources/config (the compliance gate's own reads). Reads only, no
 * policy decisions; every answer is checked like theirs.
 */
import {
  paginateGetComplianceDetailsByConfigRule,
  type ConfigServiceClient,
} from '@aws-sdk/client-config-service';
import {
  paginateGetFindings,
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { countCall, type CallCounts } from '../core/collections';
import { awsFailure, UndecidedError } from '../core/errors';
import type { Log } from '../core/log';
import { isSeverity, type Severity } from '../core/model';
import { CONFIG_PAGE_CAP, DETAILS_PAGE_SIZE } from './config';
import { readAllPages } from './paging';
import {
  DEFAULT_PAGE_CAP,
  isOwnControlResult,
  originFilters,
  PAGE_SIZE,
  type ControlResultOrigin,
} from './securityhub';

/** One resource a rule or control passes on. */
export interface PassingResult {
  /** The Security Hub control id (S3.8), or the Config rule name as deployed. */
  rule: string;
  /** The resource: its ARN (Security Hub `Resources[0].Id`, or Config's id when it is one) or Config's resource id. */
  resourceId: string;
  /** CloudFormation type (Config) or ASFF type (Security Hub). */
  resourceType: string;
  /** The control's severity label, when Security Hub gave one. */
  severity?: Severity;
  title?: string;
}

export interface PassingResults {
  /** One entry per rule and resource (duplicates removed). */
  results: PassingResult[];
  /** API calls made, by operation. */
  calls: CallCounts;
}

/**
 * Security Hub's filter for passing control results: Security Hub's own control results of the
 * caller's account and the run's region (sources/securityhub `originFilters`, the failing side's
 * too), PASSED, ACTIVE, not SUPPRESSED.
 */
export function passedFilters(origin: ControlResultOrigin): AwsSecurityFindingFilters {
  return {
    ...originFilters(origin),
    ComplianceStatus: [{ Value: 'PASSED', Comparison: 'EQUALS' }],
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    WorkflowStatus: [{ Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' }],
  };
}

function malformed(raw: AwsSecurityFinding, what: string): UndecidedError {
  return new UndecidedError(
    `securityhub:GetFindings answered finding ${raw.Id ?? '(no Id)'} with ${what}; refusing to read a malformed answer`,
  );
}

/**
 * Every PASSED control result of the caller's account (`accountId`, from sources/identity
 * `readCallerAccount`) in `region`: Security Hub GetFindings filtered by `passedFilters`
 * (MaxResults 100, every page, at most `pageCap` pages), re-checked on the client (emulators
 * ignore filters): findings of another product (anyone can import a Compliance-shaped finding
 * into their own), account or region (an administrator or aggregation account sees those), and
 * findings that are not control results, not PASSED, ARCHIVED or SUPPRESSED are skipped. A PASSED control result without its control id (`Compliance.SecurityControlId` or
 * `ProductFields.ControlId`) or its resource (`Resources[0].Id` and `Type`) is malformed.
 *
 * Cost: ceil(P/100) calls for P passing results, usually the largest part of a Security Hub
 * estate; the daily report runs it once a day.
 * @throws UndecidedError for a page without `Findings`, a malformed result (or a finding without
 *   ProductArn or AwsAccountId) or an endless listing;
 *   AwsError naming securityhub:GetFindings for a failed call.
 */
export async function listPassedControls(
  securityhub: SecurityHubClient,
  options: { log: Log; region: string; accountId: string; pageCap?: number },
): Promise<PassingResults> {
  const origin = { accountId: options.accountId, region: options.region };
  const calls: CallCounts = {};
  const seen = new Set<string>();
  const results: PassingResult[] = [];
  try {
    await readAllPages(
      paginateGetFindings(
        { client: securityhub, pageSize: PAGE_SIZE },
        { Filters: passedFilters(origin), MaxResults: PAGE_SIZE },
      ),
      {
        operation: 'securityhub:GetFindings',
        items: (page) => page.Findings,
        nextToken: (page) => page.NextToken,
        pageCap: options.pageCap ?? DEFAULT_PAGE_CAP,
        log: options.log,
        onPage: () => {
          countCall(calls, 'GetFindings');
        },
        progress: (pages, kept) =>
          `read ${pages} pages (${kept} passed control results) of Security Hub findings so far`,
        endless: (pages) =>
          `Security Hub kept returning pages of passed control results after ${pages} calls`,
      },
      (raw) => {
        if (!isOwnControlResult(raw, origin)) return false;
        if (raw.Compliance?.Status !== 'PASSED') return false;
        if (raw.RecordState === 'ARCHIVED' || raw.Workflow?.Status === 'SUPPRESSED') return false;
        const rule = raw.Compliance.SecurityControlId ?? raw.ProductFields?.ControlId;
        if (!rule) throw malformed(raw, 'no control id (Compliance.SecurityControlId)');
        const resource = raw.Resources?.[0];
        if (!resource?.Id || !resource.Type) throw malformed(raw, 'no Resources[0].Id and Type');
        const key = `${rule}\n${resource.Id}`;
        if (seen.has(key)) return false;
        seen.add(key);
        const label = raw.Severity?.Label;
        results.push({
          rule,
          resourceId: resource.Id,
          resourceType: resource.Type,
          ...(label !== undefined && isSeverity(label) && { severity: label }),
          ...(raw.Title !== undefined && { title: raw.Title }),
        });
        return true;
      },
    );
  } catch (error) {
    throw awsFailure(
      'list the passed Security Hub control results',
      'securityhub:GetFindings',
      error,
    );
  }
  return { results, calls };
}

/**
 * Every COMPLIANT result of the given AWS Config rules: GetComplianceDetailsByConfigRule with
 * ComplianceTypes COMPLIANT and Limit 100, every page of each rule, re-checked on the client.
 * A COMPLIANT result without its resource type and id, or a compliance type outside the enum, is
 * malformed. Cost: one call per rule and 100 compliant resources.
 * @throws UndecidedError for a malformed answer or an endless listing; AwsError naming
 *   config:GetComplianceDetailsByConfigRule for a failed call.
 */
export async function listCompliantResults(
  config: ConfigServiceClient,
  rules: readonly string[],
  options: { log: Log },
): Promise<PassingResults> {
  const operation = 'config:GetComplianceDetailsByConfigRule';
  const calls: CallCounts = {};
  const results: PassingResult[] = [];
  for (const rule of rules) {
    const seen = new Set<string>();
    try {
      await readAllPages(
        paginateGetComplianceDetailsByConfigRule(
          { client: config, pageSize: DETAILS_PAGE_SIZE },
          { ConfigRuleName: rule, ComplianceTypes: ['COMPLIANT'], Limit: DETAILS_PAGE_SIZE },
        ),
        {
          operation,
          items: (page) => page.EvaluationResults,
          nextToken: (page) => page.NextToken,
          pageCap: CONFIG_PAGE_CAP,
          log: options.log,
          onPage: () => {
            countCall(calls, 'GetComplianceDetailsByConfigRule');
          },
          progress: (pages, kept) =>
            `read ${pages} pages (${kept} compliant results) of Config rule ${rule} so far`,
          endless: (pages) =>
            `AWS Config kept returning pages of rule ${rule}'s compliant results after ${pages} calls`,
        },
        (result) => {
          const type = result.ComplianceType;
          if (
            type !== undefined &&
            !['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA'].includes(type)
          ) {
            throw new UndecidedError(
              `${operation} answered compliance type "${type}" for a result of rule ${rule}, which is not COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE`,
            );
          }
          if (type !== 'COMPLIANT') return false;
          const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
          if (!qualifier?.ResourceType || !qualifier.ResourceId) {
            throw new UndecidedError(
              `${operation} answered a COMPLIANT result of rule ${rule} without its resource type and id; refusing to read a malformed answer`,
            );
          }
          const key = `${qualifier.ResourceType}\n${qualifier.ResourceId}`;
          if (seen.has(key)) return false;
          seen.add(key);
          results.push({
            rule,
            resourceId: qualifier.ResourceId,
            resourceType: qualifier.ResourceType,
          });
          return true;
        },
      );
    } catch (error) {
      throw awsFailure(`read the compliant resources of Config rule ${rule}`, operation, error);
    }
  }
  return { results, calls };
}
