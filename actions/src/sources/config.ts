import type { Log } from '../core/log';
import {
  paginateDescribeComplianceByConfigRule,
  paginateDescribeConfigRules,
  paginateGetComplianceDetailsByConfigRule,
  BatchGetResourceConfigCommand,
  type ConfigRule,
  type ConfigServiceClient,
  type EvaluationResult,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  controlByConfigIdentifier,
  controlForConfigRuleName,
  type Control,
  namedIn,
  ruleNames,
} from '../core/controls';
import { awsFailure, ConfigurationError } from '../core/errors';
import type { Finding, Severity } from '../core/model';
import {
  emptyRuleStates,
  tagsMatch,
  type CollectedCompliance,
  type ComplianceScope,
} from './compliance';
import { chunks } from '../core/collections';
import { countCall } from '../core/collections';
import { tagsFromPairs } from '../core/tag-policy';

/** GetComplianceDetailsByConfigRule takes Limit 0-100 (default 10): always ask for the most. */
export const DETAILS_PAGE_SIZE = 100;
/** BatchGetResourceConfig and the Tagging API's ResourceARNList both take at most 100 keys. */
const BATCH = 100;

export interface ConfigClients {
  config: ConfigServiceClient;
  tagging: ResourceGroupsTaggingAPIClient;
}

function controlOf(rule: ConfigRule): Control | undefined {
  const identifier = rule.Source?.Owner === 'AWS' ? rule.Source.SourceIdentifier : undefined;
  return (
    (identifier ? controlByConfigIdentifier(identifier) : undefined) ??
    controlForConfigRuleName(rule.ConfigRuleName ?? '')
  );
}

/** True when the user's rule filter names this rule, by deployed name, canonical name or control id. */
export function ruleSelected(
  name: string,
  control: Control | undefined,
  wanted: readonly string[],
): boolean {
  return wanted.length === 0 || namedIn(ruleNames(name, control), wanted);
}

function toFinding(
  rule: ConfigRule,
  control: Control | undefined,
  result: EvaluationResult,
  defaultSeverity: Severity,
  region: string,
): Finding {
  const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
  const ruleName = rule.ConfigRuleName ?? qualifier?.ConfigRuleName ?? 'unknown-rule';
  const resourceId = qualifier?.ResourceId ?? 'unknown-resource';
  const aliases = [ruleName, control?.configRuleName, control?.configRuleIdentifier].filter(
    (value): value is string =>
      typeof value === 'string' && value !== (control?.securityHubControl ?? ruleName),
  );
  const remediation = control?.remediation;
  return {
    id: control?.securityHubControl ?? ruleName,
    ...(aliases.length > 0 && { aliases: [...new Set(aliases)] }),
    sourceId: `${ruleName}/${qualifier?.ResourceType ?? ''}/${resourceId}`,
    source: 'config',
    severity: control?.severity ?? defaultSeverity,
    status: 'ACTIVE',
    title: control?.title ?? rule.Description ?? ruleName,
    ...(result.Annotation !== undefined && { description: result.Annotation }),
    resource: { id: resourceId, type: qualifier?.ResourceType ?? 'unknown', region },
    packages: [],
    fixAvailable: remediation?.document ? 'yes' : 'no',
    ...(result.ResultRecordedTime !== undefined && {
      lastSeen: result.ResultRecordedTime.toISOString(),
    }),
    rule: {
      name: ruleName,
      ...(result.Annotation !== undefined && { annotation: result.Annotation }),
    },
    ...(remediation && {
      remediation:
        remediation.document === null
          ? { why: remediation.why }
          : { document: remediation.document },
    }),
  };
}

/**
 * Resolves ARNs (Config's BatchGetResourceConfig) and tags (the Tagging API) for the failing
 * resources, so the tag scope and tag-scoped exceptions can apply. Config's resource ids are not
 * always the tail of the ARN (RDS uses DbiResourceId), hence the ARN lookup instead of a guess.
 */
async function attachTags(
  clients: ConfigClients,
  findings: Finding[],
  calls: Record<string, number>,
): Promise<string[]> {
  const keys = new Map<string, { resourceType: string; resourceId: string }>();
  for (const finding of findings) {
    keys.set(`${finding.resource.type}|${finding.resource.id}`, {
      resourceType: finding.resource.type,
      resourceId: finding.resource.id,
    });
  }
  const arnOf = new Map<string, string>();
  for (const batch of chunks([...keys.values()], BATCH)) {
    try {
      countCall(calls, 'BatchGetResourceConfig');
      const response = await clients.config.send(
        new BatchGetResourceConfigCommand({
          resourceKeys: batch.map((key) => ({
            ...key,
            resourceType: key.resourceType as ResourceType,
          })),
        }),
      );
      for (const item of response.baseConfigurationItems ?? []) {
        if (item.arn && item.resourceId)
          arnOf.set(`${item.resourceType ?? ''}|${item.resourceId}`, item.arn);
      }
    } catch (error) {
      throw awsFailure(
        'look up the ARNs of non-compliant resources',
        'config:BatchGetResourceConfig',
        error,
      );
    }
  }
  const tagsOf = new Map<string, Record<string, string>>();
  for (const batch of chunks([...new Set(arnOf.values())], BATCH)) {
    try {
      countCall(calls, 'GetResources');
      const response = await clients.tagging.send(
        new GetResourcesCommand({ ResourceARNList: batch }),
      );
      for (const mapping of response.ResourceTagMappingList ?? []) {
        if (!mapping.ResourceARN) continue;
        tagsOf.set(mapping.ResourceARN, tagsFromPairs(mapping.Tags));
      }
    } catch (error) {
      throw awsFailure('read the tags of non-compliant resources', 'tag:GetResources', error);
    }
  }
  const unknown: string[] = [];
  for (const finding of findings) {
    const arn = arnOf.get(`${finding.resource.type}|${finding.resource.id}`);
    if (arn === undefined) {
      unknown.push(`${finding.resource.type} ${finding.resource.id}`);
      continue;
    }
    finding.resource = { ...finding.resource, id: arn, tags: tagsOf.get(arn) ?? {} };
  }
  return [...new Set(unknown)];
}

/**
 * Collects Config rule compliance: DescribeConfigRules, DescribeComplianceByConfigRule, then
 * GetComplianceDetailsByConfigRule (Limit 100, every page) for each NON_COMPLIANT rule.
 */
export async function collectConfigCompliance(
  clients: ConfigClients,
  scope: ComplianceScope,
  options: { log: Log; region: string; defaultSeverity: Severity; needTags: boolean },
): Promise<CollectedCompliance> {
  const calls: Record<string, number> = {};
  const rules = new Map<string, { rule: ConfigRule; control: Control | undefined }>();
  try {
    for await (const page of paginateDescribeConfigRules({ client: clients.config }, {})) {
      countCall(calls, 'DescribeConfigRules');
      for (const rule of page.ConfigRules ?? []) {
        if (rule.ConfigRuleName) rules.set(rule.ConfigRuleName, { rule, control: controlOf(rule) });
      }
    }
  } catch (error) {
    throw awsFailure('list the AWS Config rules', 'config:DescribeConfigRules', error);
  }
  const selected = [...rules.entries()].filter(([name, { control }]) =>
    ruleSelected(name, control, scope.rules),
  );
  const missing = scope.rules.filter(
    (wanted) => !selected.some(([name, { control }]) => ruleSelected(name, control, [wanted])),
  );
  if (missing.length > 0) {
    throw new ConfigurationError(
      `rules: ${missing.join(', ')} ${missing.length === 1 ? 'is not a deployed AWS Config rule' : 'are not deployed AWS Config rules'} in ${options.region}; check the names (deployed names, managed identifiers and control ids all work)`,
    );
  }
  if (selected.length === 0) {
    throw new ConfigurationError(
      `no AWS Config rules are deployed in ${options.region}: there is nothing to decide on; enable AWS Config rules or Security Hub (source: securityhub)`,
    );
  }
  options.log(`evaluating ${selected.length} AWS Config rule(s)`);

  const states = emptyRuleStates();
  const names = selected.map(([name]) => name);
  try {
    for (const batch of chunks(names, 25)) {
      for await (const page of paginateDescribeComplianceByConfigRule(
        { client: clients.config },
        { ConfigRuleNames: batch },
      )) {
        countCall(calls, 'DescribeComplianceByConfigRule');
        for (const entry of page.ComplianceByConfigRules ?? []) {
          const name = entry.ConfigRuleName ?? '';
          states.evaluated += 1;
          switch (entry.Compliance?.ComplianceType) {
            case 'COMPLIANT':
              states.compliant.push(name);
              break;
            case 'NON_COMPLIANT':
              states.nonCompliant.push(name);
              break;
            case 'NOT_APPLICABLE':
              states.notApplicable.push(name);
              break;
            default:
              // INSUFFICIENT_DATA, or no evaluation yet: not a pass.
              states.insufficientData.push(name);
          }
        }
      }
    }
  } catch (error) {
    throw awsFailure(
      'read AWS Config rule compliance',
      'config:DescribeComplianceByConfigRule',
      error,
    );
  }

  const findings: Finding[] = [];
  for (const name of states.nonCompliant) {
    const entry = rules.get(name);
    if (!entry) continue;
    try {
      const pages = paginateGetComplianceDetailsByConfigRule(
        { client: clients.config, pageSize: DETAILS_PAGE_SIZE },
        { ConfigRuleName: name, ComplianceTypes: ['NON_COMPLIANT'], Limit: DETAILS_PAGE_SIZE },
      );
      for await (const page of pages) {
        countCall(calls, 'GetComplianceDetailsByConfigRule');
        for (const result of page.EvaluationResults ?? []) {
          // Re-check on the client what the server was asked to filter.
          if (result.ComplianceType !== 'NON_COMPLIANT') continue;
          findings.push(
            toFinding(entry.rule, entry.control, result, options.defaultSeverity, options.region),
          );
        }
      }
    } catch (error) {
      throw awsFailure(
        `read the non-compliant resources of Config rule ${name}`,
        'config:GetComplianceDetailsByConfigRule',
        error,
      );
    }
  }
  options.log(
    `${findings.length} non-compliant resource result(s) across ${states.nonCompliant.length} rule(s)`,
  );

  const warnings: string[] = [];
  const needTags = options.needTags || Object.keys(scope.tags).length > 0;
  let inScope = findings;
  if (needTags && findings.length > 0) {
    const unknown = await attachTags(clients, findings, calls);
    if (unknown.length > 0) {
      warnings.push(
        `${unknown.length} non-compliant resource(s) are not in AWS Config's inventory, so their tags are unknown; they are kept in scope: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`,
      );
    }
    if (Object.keys(scope.tags).length > 0) {
      // Fail closed: a resource whose tags could not be read stays in scope.
      inScope = findings.filter(
        (finding) =>
          finding.resource.tags === undefined || tagsMatch(finding.resource.tags, scope.tags),
      );
      options.log(
        `${inScope.length} of ${findings.length} result(s) are on resources tagged ${Object.entries(
          scope.tags,
        )
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`,
      );
    }
  }
  for (const [name, { control }] of selected) {
    if (!control && states.nonCompliant.includes(name)) {
      warnings.push(
        `rule ${name} is not in the control mapping table: its results get compliance.default-severity (${options.defaultSeverity})`,
      );
    }
  }
  return { findings: inScope, rules: states, calls, warnings };
}
