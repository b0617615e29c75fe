import type { Log } from '../core/log';
import {
  paginateGetFindings,
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { controlBySecurityHubId, controlForConfigRuleName, type Control } from '../core/controls';
import { awsFailure } from '../core/errors';
import { readAllPages } from './paging';
import { isSeverity, type Finding, type Severity } from '../core/model';
import { ruleSelected } from './config';
import {
  emptyRuleStates,
  tagsMatch,
  type CollectedCompliance,
  type ComplianceScope,
} from './compliance';
import { countCall } from '../core/collections';

export const PAGE_SIZE = 100;
export const DEFAULT_PAGE_CAP = 1_000;

/** The server-side filter; every part is re-checked on the client (moto ignores filters). */
export function findingFilters(scope: ComplianceScope): AwsSecurityFindingFilters {
  return {
    ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    WorkflowStatus: [{ Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' }],
    ...(Object.keys(scope.tags).length > 0 && {
      ResourceTags: Object.entries(scope.tags).map(([Key, Value]) => ({
        Key,
        Value,
        Comparison: 'EQUALS' as const,
      })),
    }),
  };
}

function controlIdOf(raw: AwsSecurityFinding): string | undefined {
  return raw.Compliance?.SecurityControlId ?? raw.ProductFields?.ControlId;
}

/**
 * Config-backed controls name their deployed rule in ProductFields as a pair
 * `RelatedAWSResources:N/type` = AWS::Config::ConfigRule and `RelatedAWSResources:N/name`.
 */
function ruleNameOf(raw: AwsSecurityFinding): string | undefined {
  const fields = raw.ProductFields ?? {};
  for (const [key, value] of Object.entries(fields)) {
    const match = /^RelatedAWSResources:(\d+)\/type$/.exec(key);
    if (match && value === 'AWS::Config::ConfigRule')
      return fields[`RelatedAWSResources:${match[1] ?? ''}/name`];
  }
  return undefined;
}

function severityOf(
  raw: AwsSecurityFinding,
  control: Control | undefined,
  fallback: Severity,
): Severity {
  const label = raw.Severity?.Label;
  if (label && isSeverity(label)) return label;
  return control?.severity ?? fallback;
}

/** Keeps only findings that really are FAILED, ACTIVE, not SUPPRESSED, and in the tag scope. */
function passesFilters(raw: AwsSecurityFinding, scope: ComplianceScope): boolean {
  if (raw.Compliance?.Status !== 'FAILED') return false;
  if (raw.RecordState !== 'ACTIVE') return false;
  if (raw.Workflow?.Status === 'SUPPRESSED') return false;
  if (Object.keys(scope.tags).length === 0) return true;
  return (raw.Resources ?? []).some((resource) => tagsMatch(resource.Tags, scope.tags));
}

function toFinding(
  raw: AwsSecurityFinding,
  control: Control | undefined,
  fallback: Severity,
): Finding {
  const resource = raw.Resources?.[0];
  const controlId = controlIdOf(raw);
  const ruleName = ruleNameOf(raw) ?? control?.configRuleName;
  const aliases = [ruleName, control?.configRuleIdentifier, raw.GeneratorId].filter(
    (value): value is string => typeof value === 'string' && value !== controlId,
  );
  const remediation = control?.remediation;
  const url = raw.Remediation?.Recommendation?.Url;
  return {
    id: controlId ?? raw.GeneratorId ?? raw.Id ?? 'unknown-control',
    ...(aliases.length > 0 && { aliases: [...new Set(aliases)] }),
    sourceId: raw.Id ?? '',
    source: 'securityhub',
    severity: severityOf(raw, control, fallback),
    status: 'ACTIVE',
    title: raw.Title ?? control?.title ?? controlId ?? 'untitled finding',
    ...(raw.Description !== undefined && { description: raw.Description }),
    resource: {
      id: resource?.Id ?? 'unknown-resource',
      type: resource?.Type ?? 'unknown',
      ...(resource?.Region !== undefined && { region: resource.Region }),
      ...(raw.AwsAccountId !== undefined && { accountId: raw.AwsAccountId }),
      ...(resource?.Tags !== undefined && { tags: resource.Tags }),
    },
    packages: [],
    fixAvailable: remediation?.document ? 'yes' : 'no',
    ...(url !== undefined && { url }),
    ...(raw.FirstObservedAt !== undefined && { firstSeen: raw.FirstObservedAt }),
    ...(raw.LastObservedAt !== undefined && { lastSeen: raw.LastObservedAt }),
    ...(ruleName !== undefined && { rule: { name: ruleName } }),
    ...(remediation && {
      remediation:
        remediation.document === null
          ? { why: remediation.why }
          : { document: remediation.document },
    }),
  };
}

/** Collects FAILED Security Hub control findings (every page, 100 at a time, with a page cap). */
export async function collectSecurityHubCompliance(
  securityhub: SecurityHubClient,
  scope: ComplianceScope,
  options: { log: Log; defaultSeverity: Severity; pageCap?: number },
): Promise<CollectedCompliance> {
  const calls: Record<string, number> = {};
  const findings: Finding[] = [];
  const failedControls = new Set<string>();
  let dropped = 0;
  let pages: number;
  try {
    const paginator = paginateGetFindings(
      { client: securityhub, pageSize: PAGE_SIZE },
      { Filters: findingFilters(scope), MaxResults: PAGE_SIZE },
    );
    pages = await readAllPages(
      paginator,
      {
        items: (page) => page.Findings,
        nextToken: (page) => page.NextToken,
        pageCap: options.pageCap ?? DEFAULT_PAGE_CAP,
        log: options.log,
        onPage: () => {
          countCall(calls, 'GetFindings');
        },
        progress: (pageCount) => `read ${pageCount} pages of Security Hub findings so far`,
        endless: (pageCount) => `Security Hub kept returning pages after ${pageCount} calls`,
      },
      (raw) => {
        const controlId = controlIdOf(raw);
        const ruleName = ruleNameOf(raw);
        const control =
          (controlId ? controlBySecurityHubId(controlId) : undefined) ??
          (ruleName ? controlForConfigRuleName(ruleName) : undefined);
        const finding = toFinding(raw, control, options.defaultSeverity);
        // Match the control id as well as the rule name: for a control the table does not know,
        // the rule name alone would drop every finding of `rules: Lambda.1` and pass the gate.
        const selected = [finding.id, finding.rule?.name].some(
          (name) => name !== undefined && ruleSelected(name, control, scope.rules),
        );
        if (!passesFilters(raw, scope) || !selected) {
          dropped += 1;
          return false;
        }
        findings.push(finding);
        failedControls.add(finding.id);
        return true;
      },
    );
  } catch (error) {
    throw awsFailure('list Security Hub findings', 'securityhub:GetFindings', error);
  }
  options.log(
    `${findings.length} FAILED control finding(s) in scope from ${pages} GetFindings call(s)` +
      (dropped > 0 ? `; ${dropped} outside the filters or scope were ignored` : ''),
  );
  const rules = emptyRuleStates();
  rules.nonCompliant = [...failedControls].sort();
  rules.evaluated = failedControls.size;
  // Security Hub only returns failures, so a mistyped rule cannot be told from a passing one.
  const unseen = scope.rules.filter(
    (wanted) =>
      !findings.some(
        (finding) =>
          ruleSelected(finding.id, undefined, [wanted]) ||
          (finding.rule && ruleSelected(finding.rule.name, undefined, [wanted])),
      ) && controlBySecurityHubId(wanted) === undefined,
  );
  const warnings = unseen.map(
    (wanted) =>
      `rules: ${wanted} matched no FAILED finding and is not a known control id; check the name`,
  );
  return { findings, rules, calls, warnings };
}
