/**
 * The passing side of compliance, which the gates never need and the daily report does: the
 * resources each Security Hub control or AWS Config rule passes on, so the report can say "3 of
 * 40 buckets fail S3.8" and chart compliance over time. The failing side comes from
 * sources/securityhub and sources/config (the compliance gate's own reads). Reads only, no
 * policy decisions; every answer is checked like theirs. Security Hub's side is here, Config's in
 * sources/rule-results-config: each file imports one SDK package, so a run that reads one source
 * loads (and a bundle's chunk holds) only that source's package.
 */
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
