import {
  BatchGetResourceConfigCommand,
  ComplianceType,
  paginateDescribeComplianceByConfigRule,
  paginateDescribeConfigRules,
  paginateGetComplianceDetailsByConfigRule,
  ResourceType,
  type ConfigRule,
  type ConfigServiceClient,
  type EvaluationResult,
} from '@aws-sdk/client-config-service';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { chunks, countCall, type CallCounts } from '../core/collections';
import {
  controlByConfigIdentifier,
  controlForConfigRuleName,
  type Control,
  findingRemediation,
} from '../core/controls';
import { awsFailure, ConfigurationError, UndecidedError } from '../core/errors';
import type { Log } from '../core/log';
import type { Finding, Severity } from '../core/model';
import {
  applyTagScope,
  CONFIG_ACCOUNT_LEVEL_TYPES,
  emptyRuleStates,
  requireList,
  requireScopeInEstate,
  ruleSelected,
  someOf,
  type CollectedCompliance,
  type RuleStates,
  type ComplianceScope,
  type ScopeCandidate,
} from './compliance';
import { mapConcurrent, READ_CONCURRENCY, readAllPages } from './paging';

/** GetComplianceDetailsByConfigRule takes Limit 0-100 (default 10): always ask for the most. */
export const DETAILS_PAGE_SIZE = 100;
/** BatchGetResourceConfig takes at most 100 resource keys. */
const BATCH = 100;
/** DescribeComplianceByConfigRule takes at most 25 rule names. */
const COMPLIANCE_BATCH = 25;
/** Pages of one Config listing after which a server still handing out tokens is refused. */
export const CONFIG_PAGE_CAP = 1_000;

/** Resource types Config records (and BatchGetResourceConfig accepts); others are never sent. */
const RECORDED_TYPES: ReadonlySet<string> = new Set(Object.values(ResourceType));
const COMPLIANCE_TYPES: ReadonlySet<string> = new Set(Object.values(ComplianceType));

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
  const remediation = findingRemediation(control);
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
    fixAvailable: remediation && 'document' in remediation ? 'yes' : 'no',
    ...(result.ResultRecordedTime !== undefined && {
      lastSeen: result.ResultRecordedTime.toISOString(),
    }),
    rule: {
      name: ruleName,
      ...(result.Annotation !== undefined && { annotation: result.Annotation }),
    },
    ...(remediation && { remediation }),
  };
}

/** A NON_COMPLIANT result must name its resource: without it the gate cannot say what fails. */
function requireResource(result: EvaluationResult, rule: string): void {
  const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
  if (!qualifier?.ResourceType || !qualifier.ResourceId) {
    throw new UndecidedError(
      `config:GetComplianceDetailsByConfigRule answered a NON_COMPLIANT result of rule ${rule} without its resource type and id; refusing to decide on a malformed answer`,
    );
  }
}

/**
 * Looks up the ARNs of failing resources in Config's inventory (BatchGetResourceConfig, ≤100
 * keys per call), keyed `type|id`. Config's resource ids are not always the tail of the ARN (RDS
 * uses DbiResourceId), hence a lookup instead of a guess. Only types Config records are sent:
 * BatchGetResourceConfig rejects the whole batch for any other (`AWS::::Account`, or whatever a
 * custom rule reports), which used to turn one account-level result into exit 2. A key Config
 * leaves unprocessed or does not know gets no ARN (its tags stay unknown).
 */
async function arnsOf(
  config: ConfigServiceClient,
  findings: readonly Finding[],
  calls: CallCounts,
): Promise<Map<string, string>> {
  const keys = new Map<string, { resourceType: ResourceType; resourceId: string }>();
  for (const { resource } of findings) {
    if (CONFIG_ACCOUNT_LEVEL_TYPES.has(resource.type) || !RECORDED_TYPES.has(resource.type)) {
      continue;
    }
    keys.set(`${resource.type}|${resource.id}`, {
      resourceType: resource.type as ResourceType,
      resourceId: resource.id,
    });
  }
  const arnOf = new Map<string, string>();
  await mapConcurrent(chunks([...keys.values()], BATCH), READ_CONCURRENCY, async (batch) => {
    try {
      countCall(calls, 'BatchGetResourceConfig');
      const response = await config.send(
        new BatchGetResourceConfigCommand({ resourceKeys: batch }),
      );
      const items = requireList(
        response.baseConfigurationItems,
        'config:BatchGetResourceConfig',
        'baseConfigurationItems',
      );
      for (const item of items) {
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
  });
  return arnOf;
}

/** How the tag scope sees one Config result (see sources/compliance for the rules). */
function candidateOf(finding: Finding, arnOf: ReadonlyMap<string, string>): ScopeCandidate {
  const { type, id } = finding.resource;
  const label = `${type} ${id}`;
  if (CONFIG_ACCOUNT_LEVEL_TYPES.has(type)) return { label, accountLevel: true };
  if (!RECORDED_TYPES.has(type)) {
    return { label, accountLevel: false, unknown: 'not a resource type AWS Config records' };
  }
  const arn = arnOf.get(`${type}|${id}`);
  if (arn === undefined) {
    return { label, accountLevel: false, unknown: "not in AWS Config's inventory" };
  }
  return { label, accountLevel: false, arn };
}

/** The rules DescribeConfigRules lists, every page; a page without ConfigRules is malformed. */
async function listRules(
  config: ConfigServiceClient,
  calls: CallCounts,
  log: Log,
): Promise<Map<string, { rule: ConfigRule; control: Control | undefined }>> {
  const rules = new Map<string, { rule: ConfigRule; control: Control | undefined }>();
  try {
    await readAllPages(
      paginateDescribeConfigRules({ client: config }, {}),
      {
        operation: 'config:DescribeConfigRules',
        items: (page) => page.ConfigRules,
        nextToken: (page) => page.NextToken,
        pageCap: CONFIG_PAGE_CAP,
        log,
        onPage: () => {
          countCall(calls, 'DescribeConfigRules');
        },
        progress: (pages) => `read ${pages} pages of AWS Config rules so far`,
        endless: (pages) => `AWS Config kept returning pages of rules after ${pages} calls`,
      },
      (rule) => {
        if (!rule.ConfigRuleName) {
          throw new UndecidedError(
            'config:DescribeConfigRules answered a rule without ConfigRuleName; refusing to decide on a malformed answer',
          );
        }
        rules.set(rule.ConfigRuleName, { rule, control: controlOf(rule) });
        return true;
      },
    );
  } catch (error) {
    throw awsFailure('list the AWS Config rules', 'config:DescribeConfigRules', error);
  }
  return rules;
}

/**
 * Sorts each rule into its compliance state (DescribeComplianceByConfigRule, ≤25 names per call,
 * every page). Config documents an answer for every rule asked (INSUFFICIENT_DATA when it has no
 * results), so a rule asked and not answered, an answer about a rule not asked, or a compliance
 * type outside COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, INSUFFICIENT_DATA is an UndecidedError.
 * An entry without Compliance (created, never evaluated) is INSUFFICIENT_DATA: not a pass.
 */
async function ruleStates(
  config: ConfigServiceClient,
  names: readonly string[],
  calls: CallCounts,
  log: Log,
): Promise<RuleStates> {
  const states = emptyRuleStates();
  const answered = new Set<string>();
  const operation = 'config:DescribeComplianceByConfigRule';
  try {
    for (const batch of chunks(names, COMPLIANCE_BATCH)) {
      const asked = new Set(batch);
      await readAllPages(
        paginateDescribeComplianceByConfigRule({ client: config }, { ConfigRuleNames: batch }),
        {
          operation,
          items: (page) => page.ComplianceByConfigRules,
          nextToken: (page) => page.NextToken,
          pageCap: CONFIG_PAGE_CAP,
          log,
          onPage: () => {
            countCall(calls, 'DescribeComplianceByConfigRule');
          },
          progress: (pages) => `read ${pages} pages of AWS Config rule compliance so far`,
          endless: (pages) =>
            `AWS Config kept returning pages of rule compliance after ${pages} calls`,
        },
        (entry) => {
          const name = entry.ConfigRuleName ?? '';
          if (!asked.has(name) || answered.has(name)) {
            throw new UndecidedError(
              `${operation} answered about rule "${name}", which was not asked or was answered twice; refusing to decide on an inconsistent answer`,
            );
          }
          answered.add(name);
          const type = entry.Compliance?.ComplianceType;
          if (type !== undefined && !COMPLIANCE_TYPES.has(type)) {
            throw new UndecidedError(
              `${operation} answered compliance type "${type}" for rule ${name}, which is not COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE or INSUFFICIENT_DATA`,
            );
          }
          states.evaluated += 1;
          if (type === 'COMPLIANT') states.compliant.push(name);
          else if (type === 'NON_COMPLIANT') states.nonCompliant.push(name);
          else if (type === 'NOT_APPLICABLE') states.notApplicable.push(name);
          // INSUFFICIENT_DATA, or no evaluation yet: not a pass.
          else states.insufficientData.push(name);
          return true;
        },
      );
    }
  } catch (error) {
    throw awsFailure('read AWS Config rule compliance', operation, error);
  }
  const unanswered = names.filter((name) => !answered.has(name));
  if (unanswered.length > 0) {
    throw new UndecidedError(
      `${operation} answered for ${answered.size} of the ${names.length} deployed rule(s) asked about; no answer for ${someOf(unanswered)}. Config answers every rule (INSUFFICIENT_DATA when it has no results), so the gate cannot decide; retry, and check the rules in the AWS Config console`,
    );
  }
  return states;
}

/**
 * Every NON_COMPLIANT result of one rule (GetComplianceDetailsByConfigRule, Limit 100, every
 * page, NON_COMPLIANT asked for and re-checked on the client). A rule the summary calls
 * NON_COMPLIANT must have at least one: none is an UndecidedError (the two answers disagree).
 */
async function nonCompliantResults(
  config: ConfigServiceClient,
  name: string,
  calls: CallCounts,
  log: Log,
): Promise<EvaluationResult[]> {
  const operation = 'config:GetComplianceDetailsByConfigRule';
  const results: EvaluationResult[] = [];
  try {
    await readAllPages(
      paginateGetComplianceDetailsByConfigRule(
        { client: config, pageSize: DETAILS_PAGE_SIZE },
        { ConfigRuleName: name, ComplianceTypes: ['NON_COMPLIANT'], Limit: DETAILS_PAGE_SIZE },
      ),
      {
        operation,
        items: (page) => page.EvaluationResults,
        nextToken: (page) => page.NextToken,
        pageCap: CONFIG_PAGE_CAP,
        log,
        onPage: () => {
          countCall(calls, 'GetComplianceDetailsByConfigRule');
        },
        progress: (pages, kept) =>
          `read ${pages} pages (${kept} non-compliant results) of Config rule ${name} so far`,
        endless: (pages) =>
          `AWS Config kept returning pages of rule ${name}'s results after ${pages} calls`,
      },
      (result) => {
        const type = result.ComplianceType;
        if (type !== undefined && !COMPLIANCE_TYPES.has(type)) {
          throw new UndecidedError(
            `${operation} answered compliance type "${type}" for a result of rule ${name}, which is not COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE`,
          );
        }
        // Re-check on the client what the server was asked to filter.
        if (type !== 'NON_COMPLIANT') return false;
        requireResource(result, name);
        results.push(result);
        return true;
      },
    );
  } catch (error) {
    throw awsFailure(
      `read the non-compliant resources of Config rule ${name}`,
      'config:GetComplianceDetailsByConfigRule',
      error,
    );
  }
  if (results.length === 0) {
    throw new UndecidedError(
      `config:DescribeComplianceByConfigRule reports rule ${name} NON_COMPLIANT, but ${operation} returned no NON_COMPLIANT result for it; the two answers disagree, so the gate cannot decide (Config may be re-evaluating: retry)`,
    );
  }
  return results;
}

/**
 * Collects AWS Config rule compliance for the deploy target.
 *
 * Calls: DescribeConfigRules (every page); DescribeComplianceByConfigRule (≤25 rules per call);
 * GetComplianceDetailsByConfigRule (Limit 100, every page) for each NON_COMPLIANT rule; with a
 * tag scope or `needTags`, BatchGetResourceConfig (≤100 keys, ARNs of the failing resources) and
 * the Tagging API's GetResources (≤100 ARNs). Rules' listings, lookups and tag reads are
 * independent, so each runs READ_CONCURRENCY (sources/paging) at a time; with a scope that no failing resource is tagged
 * with, one GetResources with TagFilters (and, when it finds nothing, GetTagKeys/GetTagValues).
 *
 * Returns the NON_COMPLIANT results in scope as ACTIVE findings (id: control id when the control
 * mapping table knows the rule, else the rule name; resource.id: the ARN once looked up, else
 * Config's resource id; resource.tags when read), the rule states, the calls and the warnings.
 * The tag scope follows sources/compliance: account-level results (`AWS::::Account`,
 * `AWS::S3::AccountPublicAccessBlock`) always stay in scope and are never sent to
 * BatchGetResourceConfig; results on resources that cannot be placed stay in scope, with a warning.
 *
 * Errors (all exit 2): ConfigurationError when a `rules` entry names no deployed rule, when no
 * rule is deployed, or when no resource in the region carries the scope; UndecidedError for an
 * answer that is malformed (a page without its list, a rule without a name, a compliance type
 * outside the enum, a NON_COMPLIANT result without its resource) or inconsistent (a rule asked
 * and not answered; NON_COMPLIANT with no NON_COMPLIANT result); AwsError for a failed call,
 * naming the IAM action.
 */
export async function collectConfigCompliance(
  clients: ConfigClients,
  scope: ComplianceScope,
  options: {
    log: Log;
    region: string;
    defaultSeverity: Severity;
    needTags: boolean;
    /**
     * Called once with the selected rules' states as soon as DescribeComplianceByConfigRule has
     * answered, before their results are read, so that a caller can start reads that need only the
     * states (the report's COMPLIANT results) alongside the rest. Not called when the collection
     * fails before that point.
     */
    onRuleStates?: (states: RuleStates) => void;
  },
): Promise<CollectedCompliance> {
  const { log, region } = options;
  const calls: CallCounts = {};
  const rules = await listRules(clients.config, calls, log);
  const selected = [...rules.entries()].filter(([name, { control }]) =>
    ruleSelected(name, control, scope.rules),
  );
  const missing = scope.rules.filter(
    (wanted) => !selected.some(([name, { control }]) => ruleSelected(name, control, [wanted])),
  );
  if (missing.length > 0) {
    throw new ConfigurationError(
      `rules: ${missing.join(', ')} ${missing.length === 1 ? 'is not a deployed AWS Config rule' : 'are not deployed AWS Config rules'} in ${region}; check the names (deployed names, managed identifiers and control ids all work)`,
    );
  }
  if (selected.length === 0) {
    throw new ConfigurationError(
      `no AWS Config rules are deployed in ${region}: there is nothing to decide on; enable AWS Config rules, or set the compliance source to securityhub (Security Hub controls)`,
    );
  }
  log(`evaluating ${selected.length} AWS Config rule(s)`);

  const states = await ruleStates(
    clients.config,
    selected.map(([name]) => name),
    calls,
    log,
  );
  options.onRuleStates?.(states);

  // Each rule's results page on their own: READ_CONCURRENCY rules at a time, kept in rule order.
  const perRule = await mapConcurrent(states.nonCompliant, READ_CONCURRENCY, async (name) => {
    const entry = rules.get(name);
    if (!entry) return [];
    return (await nonCompliantResults(clients.config, name, calls, log)).map((result) =>
      toFinding(entry.rule, entry.control, result, options.defaultSeverity, region),
    );
  });
  const findings: Finding[] = perRule.flat();
  log(
    `${findings.length} non-compliant resource result(s) across ${states.nonCompliant.length} rule(s)`,
  );

  const scoped = Object.keys(scope.tags).length > 0;
  const arnOf =
    (scoped || options.needTags) && findings.length > 0
      ? await arnsOf(clients.config, findings, calls)
      : new Map<string, string>();
  const { kept, warnings, matched } = await applyTagScope(
    clients.tagging,
    findings,
    (finding) => candidateOf(finding, arnOf),
    scope.tags,
    {
      region,
      calls,
      log,
      needTags: options.needTags,
      attach: (finding, known) => {
        const arn = arnOf.get(`${finding.resource.type}|${finding.resource.id}`);
        finding.resource = {
          ...finding.resource,
          ...(arn !== undefined && { id: arn }),
          ...(known.tags !== undefined && { tags: known.tags }),
        };
      },
    },
  );
  await requireScopeInEstate(clients.tagging, scope.tags, { region, calls, log, matched });

  for (const [name, { control }] of selected) {
    if (!control && states.nonCompliant.includes(name)) {
      warnings.push(
        `rule ${name} is not in the control mapping table: its results get compliance.default-severity (${options.defaultSeverity})`,
      );
    }
  }
  return { findings: kept, rules: states, calls, warnings };
}
