/**
 * The passing side of AWS Config rules (sources/rule-results has the types and Security Hub's
 * side): apart so that a run reading Security Hub never loads @aws-sdk/client-config-service for it.
 */
import {
  paginateGetComplianceDetailsByConfigRule,
  type ConfigServiceClient,
} from '@aws-sdk/client-config-service';
import { countCall, type CallCounts } from '../core/collections';
import { awsFailure, UndecidedError } from '../core/errors';
import type { Log } from '../core/log';
import { CONFIG_PAGE_CAP, DETAILS_PAGE_SIZE } from './config';
import { readAllPages } from './paging';
import type { PassingResult, PassingResults } from './rule-results';

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
