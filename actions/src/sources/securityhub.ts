import {
  BatchGetSecurityControlsCommand,
  ComplianceStatus,
  paginateGetEnabledStandards,
  paginateGetFindings,
  RecordState,
  WorkflowStatus,
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { partitionOf } from '../core/arn';
import { chunks, countCall, type CallCounts } from '../core/collections';
import {
  controlBySecurityHubId,
  controlForConfigRuleName,
  controlNamed,
  namedIn,
  ruleNames,
  SECURITY_CONTROL_ID,
  type Control,
  findingRemediation,
} from '../core/controls';
import { AwsError, awsFailure, ConfigurationError, UndecidedError } from '../core/errors';
import type { Log } from '../core/log';
import { isSeverity, type Finding, type Severity } from '../core/model';
import {
  applyTagScope,
  ASFF_ACCOUNT_LEVEL_TYPES,
  emptyRuleStates,
  requireList,
  requireScopeInEstate,
  ruleSelected,
  someOf,
  type CollectedCompliance,
  type ComplianceScope,
  type ScopeCandidate,
} from './compliance';
import { readAllPages } from './paging';

export const PAGE_SIZE = 100;
export const DEFAULT_PAGE_CAP = 1_000;
/** BatchGetSecurityControls: ids per call. */
const CONTROLS_BATCH = 100;

export interface SecurityHubClients {
  securityhub: SecurityHubClient;
  /** The Tagging API of the same region: the tag scope reads resources' tags there. */
  tagging: ResourceGroupsTaggingAPIClient;
}

/**
 * Control results that count: FAILED blocks; WARNING and NOT_AVAILABLE (Security Hub could not
 * evaluate the resource, e.g. CONFIG_EVALUATIONS_EMPTY) are the INSUFFICIENT_DATA of controls.
 * PASSED is the only pass.
 */
export const COUNTED_STATUSES = ['FAILED', 'WARNING', 'NOT_AVAILABLE'] as const;
type CountedStatus = (typeof COUNTED_STATUSES)[number];

const STATUSES: ReadonlySet<string> = new Set(Object.values(ComplianceStatus));
const RECORD_STATES: ReadonlySet<string> = new Set(Object.values(RecordState));
const WORKFLOW_STATUSES: ReadonlySet<string> = new Set(Object.values(WorkflowStatus));

/**
 * Whose control results a run reads: the caller's own account (sources/identity
 * `readCallerAccount`) in the run's region. Required by every reader of control results, so none
 * can forget it.
 */
export interface ControlResultOrigin {
  /** The caller's 12-digit AWS account id. */
  accountId: string;
  /** The run's region. */
  region: string;
}

/**
 * The product of Security Hub's own control findings in `region`, consolidated
 * (`security-control/EC2.13`) and legacy per-standard alike
 * (`aws-foundational-security-best-practices/v/1.0.0/EC2.13`,
 * `arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.1`). Only AWS can
 * import into it: a finding anyone imports with BatchImportFindings lands in their own
 * `product/<account>/default` (as fleet-check's do), however Compliance-shaped it is.
 */
export function controlProductArn(region: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}::product/aws/securityhub`;
}

/**
 * The filter every reader of control results adds to its own: Security Hub's own product, the
 * caller's account and the run's region. In an administrator or aggregation-region account,
 * GetFindings also returns member accounts' and linked regions' findings, which are not this
 * run's to gate, report or remediate. Re-checked on the client by `isOwnControlResult`.
 */
export function originFilters(
  origin: ControlResultOrigin,
): Pick<AwsSecurityFindingFilters, 'ProductArn' | 'AwsAccountId' | 'Region'> {
  return {
    ProductArn: [{ Value: controlProductArn(origin.region), Comparison: 'EQUALS' }],
    AwsAccountId: [{ Value: origin.accountId, Comparison: 'EQUALS' }],
    Region: [{ Value: origin.region, Comparison: 'EQUALS' }],
  };
}

/**
 * The client-side re-check of `originFilters` (emulators ignore filters): true for a finding of
 * Security Hub's own product, in the caller's account and the run's region. The region is the
 * finding's `Region`, which Security Hub sets on every finding (so the server filter never
 * returns one without it); an emulator's finding without it falls back to `Resources[0].Region`,
 * and one with neither is taken as this region's (GetFindings answers for its own region).
 * Anything else is ignored before it is validated: another product's finding is no evidence
 * about controls, so even a malformed one must not stop a run.
 * @throws UndecidedError for a finding without ProductArn or AwsAccountId, which ASFF requires.
 */
export function isOwnControlResult(raw: AwsSecurityFinding, origin: ControlResultOrigin): boolean {
  if (!raw.ProductArn) throw malformed(raw, 'no ProductArn');
  if (raw.ProductArn !== controlProductArn(origin.region)) return false;
  if (!raw.AwsAccountId) throw malformed(raw, 'no AwsAccountId');
  if (raw.AwsAccountId !== origin.accountId) return false;
  const region = raw.Region ?? raw.Resources?.[0]?.Region;
  return region === undefined || region === origin.region;
}

/**
 * The server-side filter: Security Hub's own control results of the caller's account and the
 * run's region (`originFilters`), FAILED, WARNING or NOT_AVAILABLE (EQUALS values of one field are
 * ORed), ACTIVE, not SUPPRESSED. No ResourceTags filter: most control findings carry no
 * `Resources[].Tags`, so a tag filter would drop them; the tag scope is applied after reading the
 * resources' tags (sources/compliance). Every part is re-checked on the client (moto ignores
 * filters).
 */
export function findingFilters(origin: ControlResultOrigin): AwsSecurityFindingFilters {
  return {
    ...originFilters(origin),
    ComplianceStatus: COUNTED_STATUSES.map((Value) => ({ Value, Comparison: 'EQUALS' as const })),
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    WorkflowStatus: [{ Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' }],
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
  const remediation = findingRemediation(control);
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
    fixAvailable: remediation && 'document' in remediation ? 'yes' : 'no',
    ...(url !== undefined && { url }),
    ...(raw.FirstObservedAt !== undefined && { firstSeen: raw.FirstObservedAt }),
    ...(raw.LastObservedAt !== undefined && { lastSeen: raw.LastObservedAt }),
    ...(ruleName !== undefined && { rule: { name: ruleName } }),
    ...(remediation && { remediation }),
  };
}

function malformed(raw: AwsSecurityFinding, what: string): UndecidedError {
  return new UndecidedError(
    `securityhub:GetFindings answered finding ${raw.Id ?? '(no Id)'} with ${what}; refusing to decide on a malformed answer`,
  );
}

/**
 * The finding's control status when it is a control result that counts; undefined for anything
 * else the server was asked to leave out (PASSED, ARCHIVED, SUPPRESSED, not a control result).
 * Values outside their enums, and a control result without its resource, are malformed.
 */
function countedStatus(raw: AwsSecurityFinding): CountedStatus | undefined {
  if (raw.Compliance === undefined) return undefined;
  const status = raw.Compliance.Status;
  if (status === undefined || !STATUSES.has(status)) {
    throw malformed(
      raw,
      `Compliance.Status ${status === undefined ? 'missing' : `"${status}"`} (expected PASSED, WARNING, FAILED or NOT_AVAILABLE)`,
    );
  }
  if (raw.RecordState !== undefined && !RECORD_STATES.has(raw.RecordState)) {
    throw malformed(raw, `RecordState "${raw.RecordState}" (expected ACTIVE or ARCHIVED)`);
  }
  const workflow = raw.Workflow?.Status;
  if (workflow !== undefined && !WORKFLOW_STATUSES.has(workflow)) {
    throw malformed(
      raw,
      `Workflow.Status "${workflow}" (expected NEW, NOTIFIED, RESOLVED or SUPPRESSED)`,
    );
  }
  const resource = raw.Resources?.[0];
  if (!resource?.Id || !resource.Type) throw malformed(raw, 'no Resources[0].Id and Type');
  if (status === 'PASSED' || raw.RecordState === 'ARCHIVED' || workflow === 'SUPPRESSED') {
    return undefined;
  }
  return status;
}

/** How the tag scope sees one control result's resource (see sources/compliance). */
function candidateOf(raw: AwsSecurityFinding): ScopeCandidate {
  const resource = raw.Resources?.[0];
  const id = resource?.Id ?? '';
  const type = resource?.Type ?? '';
  const label = `${type} ${id}`;
  if (ASFF_ACCOUNT_LEVEL_TYPES.has(type) || id.startsWith('AWS::::Account')) {
    return { label, accountLevel: true };
  }
  return {
    label,
    accountLevel: false,
    ...(id.startsWith('arn:') ? { arn: id } : { unknown: 'its id is not an ARN' }),
    ...(resource?.Tags !== undefined && { ownTags: resource.Tags }),
  };
}

/**
 * One counted control result, reduced to what the run reads after the listing: the full ASFF
 * finding (tens of fields, resource details) is not kept, so a listing of 10,000s holds only
 * this much of each page once the page is read.
 */
interface ControlResult {
  /** How the tag scope sees its resource (`candidateOf`). */
  candidate: ScopeCandidate;
  /** Compliance.StatusReasons' reason codes of a WARNING or NOT_AVAILABLE result; else []. */
  reasons: string[];
  status: CountedStatus;
  control: Control | undefined;
  finding: Finding;
}

/**
 * Checks each `rules` entry that matched no control result with Security Hub itself
 * (BatchGetSecurityControls, ≤100 ids per call): an entry is resolved to a control id through
 * the control mapping table (id, identifier or rule name, any case) or taken as an id when it has
 * the shape of one. An enabled control with no failing result is compliant; a control that does
 * not exist, is disabled, or an entry that cannot be resolved to an id is a ConfigurationError
 * naming every such entry (README: an undeployed rule is exit 2).
 */
async function verifyNamedControls(
  securityhub: SecurityHubClient,
  unmatched: readonly string[],
  options: { region: string; calls: CallCounts },
): Promise<string[]> {
  const problems: string[] = [];
  const idOf = new Map<string, string>();
  for (const wanted of unmatched) {
    const id =
      controlNamed(wanted)?.securityHubControl ??
      (SECURITY_CONTROL_ID.test(wanted) ? wanted : undefined);
    if (id === undefined) {
      problems.push(
        `${wanted} matched no Security Hub control result and is neither a control id (e.g. S3.8) nor a rule name the control mapping table knows: name the control by its id`,
      );
    } else idOf.set(wanted, id);
  }
  const enabled = new Set<string>();
  const verdictOf = new Map<string, string>();
  for (const batch of chunks([...new Set(idOf.values())], CONTROLS_BATCH)) {
    let answer;
    try {
      countCall(options.calls, 'BatchGetSecurityControls');
      answer = await securityhub.send(
        new BatchGetSecurityControlsCommand({ SecurityControlIds: batch }),
      );
    } catch (error) {
      throw awsFailure(
        `check that the controls ${batch.join(', ')} exist`,
        'securityhub:BatchGetSecurityControls',
        error,
      );
    }
    const operation = 'securityhub:BatchGetSecurityControls';
    for (const control of requireList(answer.SecurityControls, operation, 'SecurityControls')) {
      const id = control.SecurityControlId ?? '';
      if (control.SecurityControlStatus === 'ENABLED') enabled.add(id);
      else if (control.SecurityControlStatus === 'DISABLED') {
        verdictOf.set(id, `is disabled in ${options.region}, so Security Hub does not evaluate it`);
      } else {
        throw new UndecidedError(
          `${operation} answered control ${id} with SecurityControlStatus "${String(control.SecurityControlStatus)}" (expected ENABLED or DISABLED)`,
        );
      }
    }
    for (const unprocessed of answer.UnprocessedIds ?? []) {
      const id = unprocessed.SecurityControlId ?? '';
      const code = unprocessed.ErrorCode;
      if (code === 'NOT_FOUND' || code === 'RESOURCE_NOT_FOUND') {
        verdictOf.set(
          id,
          `is not a Security Hub control in ${options.region} (control ids are case-sensitive)`,
        );
      } else if (code === 'INVALID_INPUT') {
        verdictOf.set(id, 'is not a valid Security Hub control id');
      } else if (code === 'ACCESS_DENIED') {
        throw new AwsError(
          `could not check that the control ${id} exists: ACCESS_DENIED — grant securityhub:BatchGetSecurityControls`,
          'AccessDeniedException',
        );
      } else {
        throw new UndecidedError(
          `${operation} could not answer for control ${id} (${String(code)}${unprocessed.ErrorReason ? `: ${unprocessed.ErrorReason}` : ''}); retry`,
        );
      }
    }
    const unanswered = batch.filter((id) => !enabled.has(id) && !verdictOf.has(id));
    if (unanswered.length > 0) {
      throw new UndecidedError(
        `${operation} answered neither a control nor an error for ${someOf(unanswered)}; refusing to decide on an inconsistent answer`,
      );
    }
  }
  for (const [wanted, id] of idOf) {
    const verdict = verdictOf.get(id);
    if (verdict !== undefined) {
      problems.push(
        `${wanted}${wanted === id ? '' : ` (${id})`} matched no control result: it ${verdict}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError(
      `rules: ${problems.join('; ')}. A named rule must be a control Security Hub evaluates here (an undeployed rule is exit 2)`,
    );
  }
  return [...enabled].sort();
}

/**
 * Zero control results at all can mean Security Hub evaluates nothing: GetEnabledStandards must
 * list a standard that is READY or INCOMPLETE. None enabled is a ConfigurationError; none ready
 * (PENDING, FAILED, DELETING) an UndecidedError.
 */
async function requireStandardsEnabled(
  securityhub: SecurityHubClient,
  options: { region: string; calls: CallCounts },
): Promise<void> {
  const statuses: string[] = [];
  try {
    for await (const page of paginateGetEnabledStandards({ client: securityhub }, {})) {
      countCall(options.calls, 'GetEnabledStandards');
      for (const subscription of requireList(
        page.StandardsSubscriptions,
        'securityhub:GetEnabledStandards',
        'StandardsSubscriptions',
      )) {
        statuses.push(
          `${subscription.StandardsArn ?? '?'}: ${subscription.StandardsStatus ?? '?'}`,
        );
        if (
          subscription.StandardsStatus === 'READY' ||
          subscription.StandardsStatus === 'INCOMPLETE'
        )
          return;
      }
    }
  } catch (error) {
    throw awsFailure(
      'list the enabled Security Hub standards',
      'securityhub:GetEnabledStandards',
      error,
    );
  }
  if (statuses.length === 0) {
    throw new ConfigurationError(
      `no Security Hub standard is enabled in ${options.region}, so no control evaluates anything and there is nothing to decide on; enable a standard (e.g. AWS Foundational Security Best Practices) or set the compliance source to config (AWS Config rules)`,
    );
  }
  throw new UndecidedError(
    `no enabled Security Hub standard in ${options.region} is ready to evaluate controls (${someOf(statuses)}); retry when it is READY`,
  );
}

/**
 * Collects Security Hub control results for the deploy target.
 *
 * Reads only Security Hub's own control findings (product `aws/securityhub`) of `accountId` in
 * `region`: another product's finding (anyone with BatchImportFindings can give one a
 * `Compliance` block), a member account's or another region's (administrator and aggregation
 * accounts see those) is ignored and counted with the results outside the filters.
 *
 * Calls: GetFindings (filters as `findingFilters`, MaxResults 100, every page, at most
 * `pageCap` pages); with a tag scope or `needTags`, the Tagging API's GetResources by ARN (≤100
 * per call) and, when no result is on a resource tagged with the scope, one GetResources with
 * TagFilters (GetTagKeys/GetTagValues when it finds nothing); with `rules` entries that matched no
 * control result, BatchGetSecurityControls; with no `rules` and no control result at all,
 * GetEnabledStandards.
 *
 * Returns FAILED results in scope as ACTIVE findings (id: the control id; resource: the first of
 * `Resources`, with the tags the scope read); rule states with FAILED controls in `nonCompliant`,
 * controls with a WARNING or NOT_AVAILABLE result in scope in `insufficientData` (so
 * `compliance.insufficient-data: block` blocks them, as it does Config's INSUFFICIENT_DATA), and
 * named controls Security Hub evaluates with no result in scope in `compliant`; warnings.
 * Tag scope: sources/compliance, the same as the Config source (account-level results, `AwsAccount`,
 * always stay in scope).
 *
 * Errors (all exit 2): UndecidedError for a page without `Findings`, a finding without ProductArn
 * or AwsAccountId, a status outside its enum,
 * a control result without its resource, an endless listing; ConfigurationError for a `rules`
 * entry that is no control Security Hub evaluates here, no enabled standard, or a scope no
 * resource carries; AwsError for a failed call, naming the IAM action.
 */
export async function collectSecurityHubCompliance(
  clients: SecurityHubClients,
  scope: ComplianceScope,
  options: {
    log: Log;
    region: string;
    /** The caller's account (sources/identity `readCallerAccount`): only its results are read. */
    accountId: string;
    defaultSeverity: Severity;
    needTags?: boolean;
    pageCap?: number;
  },
): Promise<CollectedCompliance> {
  const { log, region, accountId } = options;
  const origin = { accountId, region };
  const calls: CallCounts = {};
  const results: ControlResult[] = [];
  const named = new Set<string>();
  let controlResults = 0;
  let ignored = 0;
  let pages: number;
  try {
    const paginator = paginateGetFindings(
      { client: clients.securityhub, pageSize: PAGE_SIZE },
      { Filters: findingFilters(origin), MaxResults: PAGE_SIZE },
    );
    pages = await readAllPages(
      paginator,
      {
        operation: 'securityhub:GetFindings',
        items: (page) => page.Findings,
        nextToken: (page) => page.NextToken,
        pageCap: options.pageCap ?? DEFAULT_PAGE_CAP,
        log,
        onPage: () => {
          countCall(calls, 'GetFindings');
        },
        progress: (pageCount) => `read ${pageCount} pages of Security Hub findings so far`,
        endless: (pageCount) => `Security Hub kept returning pages after ${pageCount} calls`,
      },
      (raw) => {
        // Another product's, account's or region's finding is no result of this run's controls:
        // not counted, not named, not validated.
        if (!isOwnControlResult(raw, origin)) {
          ignored += 1;
          return false;
        }
        const status = countedStatus(raw);
        if (raw.Compliance !== undefined) controlResults += 1;
        const controlId = controlIdOf(raw);
        const ruleName = ruleNameOf(raw);
        const control =
          (controlId ? controlBySecurityHubId(controlId) : undefined) ??
          (ruleName ? controlForConfigRuleName(ruleName) : undefined);
        const finding = toFinding(raw, control, options.defaultSeverity);
        // Any control result, even a PASSED one, shows that a named control is evaluated here.
        for (const wanted of scope.rules) {
          const names = ruleNames(finding.rule?.name, control, finding.id);
          if (raw.Compliance !== undefined && namedIn(names, [wanted])) named.add(wanted);
        }
        // Match the control id as well as the rule name: for a control the table does not know,
        // the rule name alone would drop every finding of `rules: Lambda.1` and pass the gate.
        const selected = [finding.id, finding.rule?.name].some(
          (name) => name !== undefined && ruleSelected(name, control, scope.rules),
        );
        if (status === undefined || !selected) {
          ignored += 1;
          return false;
        }
        const reasons =
          status === 'FAILED'
            ? []
            : (raw.Compliance?.StatusReasons ?? [])
                .map((reason) => reason.ReasonCode)
                .filter((code): code is string => code !== undefined);
        results.push({ candidate: candidateOf(raw), reasons, status, control, finding });
        return true;
      },
    );
  } catch (error) {
    throw awsFailure('list Security Hub findings', 'securityhub:GetFindings', error);
  }
  const failedRead = results.filter(({ status }) => status === 'FAILED').length;
  log(
    `${failedRead} FAILED and ${results.length - failedRead} WARNING or NOT_AVAILABLE control result(s) from ${pages} GetFindings call(s)` +
      (ignored > 0 ? `; ${ignored} outside the filters or rules were ignored` : ''),
  );

  const { kept, warnings, matched } = await applyTagScope(
    clients.tagging,
    results,
    ({ candidate }) => candidate,
    scope.tags,
    {
      region,
      calls,
      log,
      needTags: options.needTags ?? false,
      attach: ({ finding }, known) => {
        if (known.tags !== undefined) finding.resource = { ...finding.resource, tags: known.tags };
      },
    },
  );

  const findings = kept.filter(({ status }) => status === 'FAILED').map(({ finding }) => finding);
  const unsure = kept.filter(({ status }) => status !== 'FAILED');
  const rules = emptyRuleStates();
  rules.nonCompliant = [...new Set(findings.map(({ id }) => id))].sort();
  rules.insufficientData = [...new Set(unsure.map(({ finding }) => finding.id))].sort();
  if (unsure.length > 0) {
    warnings.push(
      `${unsure.length} control result(s) in scope are WARNING or NOT_AVAILABLE (Security Hub could not evaluate them), counted like INSUFFICIENT_DATA: ${someOf(
        unsure.map(
          ({ reasons, finding, status }) =>
            `${finding.id} on ${finding.resource.id} (${status}${reasons.length > 0 ? `: ${reasons.join(', ')}` : ''})`,
        ),
      )}`,
    );
  }

  const unmatched = scope.rules.filter((wanted) => !named.has(wanted));
  if (unmatched.length > 0) {
    rules.compliant = await verifyNamedControls(clients.securityhub, unmatched, { region, calls });
  }
  if (scope.rules.length === 0 && controlResults === 0) {
    await requireStandardsEnabled(clients.securityhub, { region, calls });
  }
  await requireScopeInEstate(clients.tagging, scope.tags, { region, calls, log, matched });
  rules.evaluated = new Set([
    ...rules.nonCompliant,
    ...rules.insufficientData,
    ...rules.compliant,
  ]).size;
  return { findings, rules, calls, warnings };
}
