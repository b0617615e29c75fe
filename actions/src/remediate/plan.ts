/**
 * The pure part of `assetguard remediate`: which runbook a rule gets (the control mapping table,
 * or the policy's remediation.documents), the plan for each resource (its id in the form the
 * runbook takes, the parameters with the placeholders filled in, the traps), the outcome of
 * each resource, the verdict and the audit record. No I/O and no clock: the same inputs give
 * the same plan and verdict.
 */
import { arnName, parseArn, resourceTypeOfArn, type Arn } from '../core/arn';
import {
  allOtherRules,
  AUTOMATION_ASSUME_ROLE_PLACEHOLDER,
  controlNamed,
  namedIn,
  otherRuleForConfigRuleName,
  RESOURCE_ID_PLACEHOLDER,
  ruleNames,
  type Control,
  type OtherRule,
} from '../core/controls';
import type { Finding } from '../core/model';
import type { LoadedPolicy, RemediationDocument } from '../core/policy';
import {
  REMEDIATION_AUDIT_FORMAT,
  type RemediationAuditRecord,
  type RemediationOutcome,
  type RemediationOutcomeStatus,
} from '../core/remediation-audit';
import { emptyExceptionReport, type BlockingBase, type Verdict } from '../core/verdict';

/**
 * Parameters a runbook must always get, whatever the table or the policy gives it, because the
 * runbook's own default does damage. Checked on the final parameters of every plan.
 */
export const PINNED_PARAMETERS: Readonly<
  Record<string, readonly { name: string; value: string; why: string }[]>
> = {
  'AWS-AttachIAMToInstance': [
    {
      name: 'ForceReplace',
      value: 'false',
      why: 'its default (true) disassociates the instance profile the instance already has, taking away the workload its own permissions',
    },
  ],
};

/** What a dry run without automation-assume-role shows where the role's ARN goes. */
export const ROLE_PLACEHOLDER_TEXT = '<automation-assume-role>';

/** SSM Automation takes parameter values of 1 to 512 characters. */
const MAX_PARAMETER_VALUE = 512;

/** The runbook a rule gets, and where that choice came from. */
export interface Runbook {
  document: string;
  /** Parameter templates: values may hold the two placeholders (core/controls). */
  parameters: Record<string, string>;
  /** `control mapping table`, or the policy file's name. */
  origin: string;
}

/** What the control mapping table and the policy say about remediating one rule. */
export interface Remedy {
  /** The rule as the user named it. */
  rule: string;
  /** The Security Hub control id, when the table knows the rule as a control. */
  control?: string;
  /** The rule's base name in the table (`restricted-ssh`). */
  configRuleName?: string;
  title?: string;
  /** The resource types the rule evaluates (from the table); empty when unknown. */
  resourceTypes: string[];
  /** The runbook to run; absent when refused. */
  runbook?: Runbook;
  traps: string[];
  /** Facts worth showing with the plan (e.g. that the policy's runbook replaces the table's). */
  notes: string[];
  /** Why nothing runs for this rule. */
  refused?: string;
}

/** `EC2.13 (restricted-ssh)`, or the rule as given when the table does not know it. */
export function ruleLabel(remedy: Pick<Remedy, 'rule' | 'control' | 'configRuleName'>): string {
  if (remedy.control !== undefined) {
    return remedy.rule.toLowerCase() === remedy.control.toLowerCase()
      ? `${remedy.control} (${remedy.configRuleName ?? remedy.rule})`
      : `${remedy.rule} (${remedy.control})`;
  }
  return remedy.rule;
}

function otherRuleNamed(rule: string): OtherRule | undefined {
  const wanted = rule.trim().toLowerCase();
  return (
    allOtherRules().find((other) => other.configRuleIdentifier.toLowerCase() === wanted) ??
    otherRuleForConfigRuleName(wanted)
  );
}

/** True when a policy entry names this rule: by any of its names, or as the same control. */
function entryNames(
  entry: RemediationDocument,
  names: readonly string[],
  control: Control | undefined,
): boolean {
  if (namedIn(names, [entry.rule])) return true;
  return control !== undefined && controlNamed(entry.rule) === control;
}

/**
 * Chooses the runbook for a rule (compared without case, in any form `controlNamed` knows): the
 * policy's `remediation.documents` entry for it when there is exactly one, else the control
 * mapping table's document. Refused (with why) when the table maps no document and the policy
 * names none, when the table does not know the rule and the policy names none, when the policy
 * names two, or when the runbook would run without a pinned parameter (PINNED_PARAMETERS).
 */
export function chooseRemedy(rule: string, policy: LoadedPolicy): Remedy {
  const control = controlNamed(rule);
  const other = control === undefined ? otherRuleNamed(rule) : undefined;
  const known = control ?? other;
  const names = ruleNames(rule, control, other?.configRuleName, other?.configRuleIdentifier);
  const base: Remedy = {
    rule,
    ...(control !== undefined && { control: control.securityHubControl }),
    ...(known !== undefined && { configRuleName: known.configRuleName, title: known.title }),
    resourceTypes: [...(known?.resourceTypes ?? [])],
    traps: [],
    notes: [],
  };
  const label = ruleLabel(base);
  const entries = (policy.policy.remediation?.documents ?? []).filter((entry) =>
    entryNames(entry, names, control),
  );
  const table = known?.remediation;
  if (entries.length > 1) {
    return {
      ...base,
      refused: `${policy.origin}: remediation.documents names ${entries.length} runbooks for ${label} (${entries.map((entry) => entry.document).join(', ')}); keep one`,
    };
  }
  let remedy: Remedy;
  const [entry] = entries;
  if (entry !== undefined) {
    const sameAsTable = table?.document === entry.document;
    remedy = {
      ...base,
      runbook: { document: entry.document, parameters: entry.parameters, origin: policy.origin },
      traps: [...entry.traps, ...(sameAsTable ? (table.traps ?? []) : [])],
      notes:
        table === undefined
          ? [`the control mapping table does not know ${label}; the runbook is the policy's`]
          : table.document === null
            ? [`the control mapping table maps no AWS runbook to ${label} (${table.why})`]
            : sameAsTable
              ? []
              : [`the policy's runbook runs instead of the table's ${table.document}`],
    };
  } else if (table === undefined) {
    return {
      ...base,
      refused: `the control mapping table does not know ${label}, and the policy names no runbook for it: add one to remediation.documents in ${policy.origin} (rule, document, parameters), or name the rule by its control id or managed rule identifier`,
    };
  } else if (table.document === null) {
    return {
      ...base,
      traps: [...(table.traps ?? [])],
      refused: `no safe AWS-owned runbook is mapped to ${label}: ${table.why} To run your own, name it in remediation.documents in ${policy.origin}.`,
    };
  } else {
    remedy = {
      ...base,
      runbook: {
        document: table.document,
        parameters: { ...table.parameters },
        origin: 'control mapping table',
      },
      traps: [...(table.traps ?? [])],
    };
  }
  const runbook = remedy.runbook;
  const unpinned = runbook
    ? (PINNED_PARAMETERS[runbook.document] ?? []).filter(
        (pin) => runbook.parameters[pin.name] !== pin.value,
      )
    : [];
  const [first] = unpinned;
  if (runbook && first) {
    return {
      ...remedy,
      refused: `${runbook.document} must run with ${first.name}=${first.value} (${runbook.origin} gives ${runbook.parameters[first.name] ?? 'nothing'}): ${first.why}`,
    };
  }
  return remedy;
}

/** One resource to remediate, as the user named it or a compliance source reported it. */
export interface RemediationTarget {
  /** An id or an ARN (Security Hub names accounts `AWS::::Account:<id>`). */
  resource: string;
  /** Its CloudFormation type, when known. */
  resourceType?: string;
  /**
   * AWS Config's resource id for it, when a source knew it: the id AWS's Config remediation
   * runbooks take (an IAM user's AIDA… id, an RDS instance's db-… id), which an ARN may not hold.
   */
  configId?: string;
}

/** The form of a plain id that says its type; anything else (a bucket name) says nothing. */
const ID_TYPES: readonly [RegExp, string][] = [
  [/^i-[0-9a-f]{8,17}$/, 'AWS::EC2::Instance'],
  [/^sg-[0-9a-f]{8,17}$/, 'AWS::EC2::SecurityGroup'],
  [/^vol-[0-9a-f]{8,17}$/, 'AWS::EC2::Volume'],
  [/^vpc-[0-9a-f]{8,17}$/, 'AWS::EC2::VPC'],
  [/^\d{12}$/, 'AWS::::Account'],
];

/** How Security Hub names an account as a resource. */
const ASFF_ACCOUNT_PREFIX = 'AWS::::Account:';

/**
 * The id AWS Config reports for a resource, read from its ARN, per type: what the runbooks'
 * resource parameters take. Types whose Config id is not in the ARN say why instead.
 */
const ID_FROM_ARN: Readonly<Record<string, ((arn: Arn, text: string) => string) | string>> = {
  'AWS::EC2::Instance': (_arn, text) => arnName(text),
  'AWS::EC2::SecurityGroup': (_arn, text) => arnName(text),
  'AWS::EC2::Volume': (_arn, text) => arnName(text),
  'AWS::EC2::VPC': (_arn, text) => arnName(text),
  'AWS::S3::Bucket': (arn) => arn.resource,
  'AWS::KMS::Key': (_arn, text) => arnName(text),
  'AWS::IAM::User':
    "AWS Config's id for an IAM user is its unique id (AIDA…), which its ARN does not hold: give that id (aws iam get-user --user-name NAME --query User.UserId), or use source config",
  'AWS::RDS::DBInstance':
    "AWS Config's id for a DB instance is its DbiResourceId (db-…), which its ARN does not hold: give that id (aws rds describe-db-instances --query 'DBInstances[].DbiResourceId'), or use source config",
};

/** The resource's type as far as it can be told: given, from its ARN, or from its id's form. */
export function targetType(target: RemediationTarget): string | undefined {
  if (target.resourceType !== undefined) return target.resourceType;
  if (target.resource.startsWith(ASFF_ACCOUNT_PREFIX)) return 'AWS::::Account';
  if (target.resource.startsWith('arn:')) return resourceTypeOfArn(target.resource);
  return ID_TYPES.find(([form]) => form.test(target.resource))?.[1];
}

/** The runbook's resource id for a target, or why it cannot be told. */
function resourceIdOf(
  target: RemediationTarget,
  type: string | undefined,
): string | { why: string } {
  if (target.configId !== undefined) return target.configId;
  const { resource } = target;
  if (resource.startsWith(ASFF_ACCOUNT_PREFIX)) return resource.slice(ASFF_ACCOUNT_PREFIX.length);
  const arn = parseArn(resource);
  if (arn === undefined) return resource;
  const read = type === undefined ? undefined : ID_FROM_ARN[type];
  if (typeof read === 'function') return read(arn, resource);
  return {
    why:
      read ??
      `the id the runbook takes cannot be told from an ARN of ${type ?? 'this type'}: give the resource id AWS Config reports for it`,
  };
}

/** What the plan says about one resource. */
export interface PlannedResource {
  /** As given or reported: an id or an ARN. */
  resource: string;
  resourceType?: string;
  /** The id put in for {{resourceId}}. */
  resourceId?: string;
  /** The runbook's parameters, placeholders filled in. */
  parameters?: Record<string, string>;
  /** planned: would run; refused: the runbook cannot take it; skipped: over max-resources. */
  status: 'planned' | 'refused' | 'skipped';
  message?: string;
  /** The resource as a later run's resources input takes it (the plan's resources output). */
  input: string;
}

export interface RemediationPlan {
  remedy: Remedy;
  resources: PlannedResource[];
  /** Why nothing in this plan may run; undefined when it can. */
  refusal?: string;
  maxResources: number;
  automationAssumeRole?: string;
  warnings: string[];
}

function fillIn(template: string, resourceId: string, role: string): string {
  return template
    .split(RESOURCE_ID_PLACEHOLDER)
    .join(resourceId)
    .split(AUTOMATION_ASSUME_ROLE_PLACEHOLDER)
    .join(role);
}

/** The plan for one target under a runnable remedy: its parameters, or why it is refused. */
function planResource(
  target: RemediationTarget,
  runbook: Runbook,
  remedy: Remedy,
  context: { region: string; accountId: string; role: string },
): PlannedResource {
  const type = targetType(target);
  const id = resourceIdOf(target, type);
  const base = {
    resource: target.resource,
    ...(type !== undefined && { resourceType: type }),
    ...(typeof id === 'string' && { resourceId: id }),
    input: target.configId ?? target.resource,
  };
  const refuse = (message: string): PlannedResource => ({ ...base, status: 'refused', message });
  if (
    type !== undefined &&
    remedy.resourceTypes.length > 0 &&
    !remedy.resourceTypes.includes(type)
  ) {
    return refuse(
      `it is ${type}, and ${ruleLabel(remedy)} evaluates ${remedy.resourceTypes.join(', ')}${target.resource.startsWith('arn:') ? '' : ' (give an ARN if the id only looks like another type)'}`,
    );
  }
  const arn = parseArn(target.resource);
  if (arn !== undefined && arn.region !== '' && arn.region !== context.region) {
    return refuse(
      `it is in ${arn.region}; the runbook runs in ${context.region}: run again with region ${arn.region}`,
    );
  }
  const account =
    type === 'AWS::::Account' && typeof id === 'string' ? id : arn?.accountId || undefined;
  if (account !== undefined && account !== context.accountId) {
    return refuse(
      `it is in account ${account}; these credentials are for account ${context.accountId}`,
    );
  }
  const usesId = Object.values(runbook.parameters).some((value) =>
    value.includes(RESOURCE_ID_PLACEHOLDER),
  );
  if (usesId && typeof id !== 'string') return refuse(id.why);
  const parameters = Object.fromEntries(
    Object.entries(runbook.parameters).map(([name, value]) => [
      name,
      fillIn(value, typeof id === 'string' ? id : '', context.role),
    ]),
  );
  const tooLong = Object.entries(parameters).find(
    ([, value]) => value.length < 1 || value.length > MAX_PARAMETER_VALUE,
  );
  if (tooLong) {
    return refuse(
      `its parameter ${tooLong[0]} would be ${tooLong[1].length} characters; SSM Automation takes 1 to ${MAX_PARAMETER_VALUE}`,
    );
  }
  return { ...base, parameters, status: 'planned' };
}

/** `sg-1: why; sg-2: why; … (N in all)`, for refusals. */
function someReasons(resources: readonly PlannedResource[]): string {
  const shown = resources
    .slice(0, 3)
    .map((resource) => `${resource.resource}: ${resource.message ?? 'refused'}`);
  return `${shown.join('; ')}${resources.length > 3 ? `; … (${resources.length} in all)` : ''}`;
}

/**
 * The plan: one entry per target (the same runbook resource id once), in order. Refused as a
 * whole (`refusal`, nothing runs) when the rule has no runbook (every resource `refused`), when
 * more targets than `maxResources` match (every one `skipped`, as Cloud Custodian's
 * max-resources does), or when any resource cannot be taken by the runbook (another type, another
 * region or account, no id in the form the runbook needs): a partial remediation of what the user
 * approved is never started. Without `automationAssumeRole` the parameters show
 * ROLE_PLACEHOLDER_TEXT and the plan warns.
 */
export function planRemediation(input: {
  remedy: Remedy;
  targets: readonly RemediationTarget[];
  maxResources: number;
  automationAssumeRole?: string;
  region: string;
  accountId: string;
}): RemediationPlan {
  const { remedy, maxResources } = input;
  const seen = new Set<string>();
  const targets = input.targets.filter((target) => {
    const type = targetType(target);
    const id = resourceIdOf(target, type);
    const key = typeof id === 'string' ? `${type ?? ''}|${id}` : target.resource;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const warnings =
    input.automationAssumeRole === undefined
      ? [
          `no automation-assume-role: the plan shows ${ROLE_PLACEHOLDER_TEXT} where its ARN goes; execute needs the ARN of the IAM role SSM Automation runs the runbook as`,
        ]
      : [];
  const plan = {
    remedy,
    maxResources,
    ...(input.automationAssumeRole !== undefined && {
      automationAssumeRole: input.automationAssumeRole,
    }),
    warnings,
  };
  const label = ruleLabel(remedy);
  const bare = (target: RemediationTarget): Omit<PlannedResource, 'status'> => {
    const type = targetType(target);
    return {
      resource: target.resource,
      ...(type !== undefined && { resourceType: type }),
      input: target.configId ?? target.resource,
    };
  };
  if (remedy.refused !== undefined || remedy.runbook === undefined) {
    const why = remedy.refused ?? 'no runbook';
    return {
      ...plan,
      resources: targets.map((target) => ({ ...bare(target), status: 'refused', message: why })),
      refusal: `${label}: ${why}`,
    };
  }
  if (targets.length > maxResources) {
    const refusal = `${targets.length} resources match ${label}, more than max-resources (${maxResources}), so nothing runs: narrow the run with resources (ids or ARNs) or scope (tags), or raise max-resources (at most 100)`;
    return {
      ...plan,
      resources: targets.map((target) => ({
        ...bare(target),
        status: 'skipped',
        message: `over max-resources (${targets.length} > ${maxResources})`,
      })),
      refusal,
    };
  }
  const { runbook } = remedy;
  const context = {
    region: input.region,
    accountId: input.accountId,
    role: input.automationAssumeRole ?? ROLE_PLACEHOLDER_TEXT,
  };
  const resources = targets.map((target) => planResource(target, runbook, remedy, context));
  const refused = resources.filter((resource) => resource.status === 'refused');
  return {
    ...plan,
    resources,
    ...(refused.length > 0 && {
      refusal: `${refused.length} of ${resources.length} resource(s) cannot be remediated with ${runbook.document}, so nothing runs: ${someReasons(refused)}. Leave them out of resources and run again`,
    }),
  };
}

/** What the runbook did for one planned resource (sinks/automation's result, as the plan sees it). */
export interface ExecutionResult {
  resource: string;
  status: 'success' | 'failed' | 'timed-out' | 'skipped';
  executionId?: string;
  executionStatus?: string;
  failedStep?: string;
  message?: string;
}

/**
 * The outcome of every resource of the plan: on a dry run, the plan's status (`planned`,
 * `refused`, `skipped`); when executed, the execution's result for each planned resource (one
 * without a result is `skipped`: it was never started); on a refused plan with execute, the
 * planned ones are `skipped` (nothing ran).
 */
export function outcomesOf(
  plan: RemediationPlan,
  executions: readonly ExecutionResult[] | undefined,
  execute: boolean,
): RemediationOutcome[] {
  const document = plan.remedy.runbook?.document;
  const byResource = new Map((executions ?? []).map((result) => [result.resource, result]));
  return plan.resources.map((resource): RemediationOutcome => {
    const base = {
      resource: resource.resource,
      ...(resource.resourceType !== undefined && { resourceType: resource.resourceType }),
      ...(document !== undefined && resource.status !== 'refused' && { document }),
    };
    if (resource.status !== 'planned' || !execute) {
      return {
        ...base,
        status: resource.status,
        ...(resource.message !== undefined && { message: resource.message }),
      };
    }
    if (plan.refusal !== undefined) {
      return { ...base, status: 'skipped', message: 'not run: the plan was refused' };
    }
    const result = byResource.get(resource.resource);
    if (result === undefined) {
      return { ...base, status: 'skipped', message: 'not started' };
    }
    return {
      ...base,
      status: result.status,
      ...(result.executionId !== undefined && { executionId: result.executionId }),
      ...(result.executionStatus !== undefined && { executionStatus: result.executionStatus }),
      ...(result.failedStep !== undefined && { failedStep: result.failedStep }),
      ...(result.message !== undefined && { message: result.message }),
    };
  });
}

/** What a remediate verdict is about. */
export interface RemediateSubject {
  /** The rule as the user named it. */
  rule: string;
  control?: string;
  configRuleName?: string;
  /** The runbook, when the rule has one. */
  document?: string;
  /** Where the resources came from: a compliance source, or the resources input. */
  source: 'config' | 'securityhub' | 'resources';
  /** The tag scope of a sourced run; `{}` for none. */
  scope: Record<string, string>;
  region: string;
  accountId: string;
  execute: boolean;
}

/** verdict.counts: resources in the plan by outcome. */
export interface RemediateCounts {
  resources: number;
  planned: number;
  refused: number;
  skipped: number;
  succeeded: number;
  failed: number;
  timedOut: number;
}

export type RemediateVerdict = Verdict<RemediateSubject, RemediateCounts, BlockingBase>;

export function emptyRemediateCounts(): RemediateCounts {
  return { resources: 0, planned: 0, refused: 0, skipped: 0, succeeded: 0, failed: 0, timedOut: 0 };
}

function countOutcomes(
  plan: RemediationPlan,
  outcomes: readonly RemediationOutcome[],
): RemediateCounts {
  const count = (status: RemediationOutcomeStatus): number =>
    outcomes.filter((outcome) => outcome.status === status).length;
  return {
    resources: plan.resources.length,
    planned: plan.refusal === undefined ? plan.resources.length : 0,
    refused: count('refused'),
    skipped: count('skipped'),
    succeeded: count('success'),
    failed: count('failed'),
    timedOut: count('timed-out'),
  };
}

/** `sg-1 (step X: message)`, as the error of a failed execution names it. */
export function describeFailure(outcome: RemediationOutcome): string {
  const what =
    outcome.status === 'timed-out'
      ? 'timed out'
      : outcome.status === 'skipped'
        ? 'not started'
        : outcome.executionStatus !== undefined
          ? outcome.executionStatus
          : 'failed';
  const step = outcome.failedStep !== undefined ? ` at step ${outcome.failedStep}` : '';
  const message = outcome.message !== undefined ? `: ${outcome.message}` : '';
  return `${outcome.resource} ${what}${step}${message}`;
}

/**
 * The verdict of a remediate run. `block` (exit 1) when the plan is refused: the rule has no
 * runbook, too many resources match, or a resource cannot be taken, each refused resource (or
 * the rule) a blocking entry. Otherwise a dry run passes; an executed run passes only when every
 * execution succeeded, and is `error` (exit 2, fail closed) naming every resource that failed,
 * timed out or was not started, with its step.
 */
export function remediationVerdict(input: {
  plan: RemediationPlan;
  outcomes: readonly RemediationOutcome[];
  subject: RemediateSubject;
  policy: LoadedPolicy;
  now: Date;
  warnings: readonly string[];
}): RemediateVerdict {
  const { plan, outcomes, subject } = input;
  const label = ruleLabel(plan.remedy);
  const counts = countOutcomes(plan, outcomes);
  const refused = plan.resources.filter((resource) => resource.status === 'refused');
  const blocking: BlockingBase[] =
    plan.refusal === undefined
      ? []
      : refused.length > 0 && plan.remedy.refused === undefined
        ? refused.map((resource) => ({
            id: label,
            resource: resource.resource,
            reason: resource.message ?? 'refused',
          }))
        : [
            {
              id: label,
              resource:
                plan.resources.length === 1
                  ? (plan.resources[0]?.resource ?? '')
                  : `${plan.resources.length} resources`,
              reason: plan.refusal,
            },
          ];
  const notSucceeded = subject.execute
    ? outcomes.filter((outcome) => outcome.status !== 'success')
    : [];
  const failed = plan.refusal === undefined && notSucceeded.length > 0;
  return {
    verdict: plan.refusal !== undefined ? 'block' : failed ? 'error' : 'pass',
    command: 'remediate',
    subject,
    evaluatedAt: input.now.toISOString(),
    policy: { origin: input.policy.origin, sha256: input.policy.sha256 },
    counts,
    blocking,
    excepted: [],
    exceptions: emptyExceptionReport(),
    warnings: [...plan.warnings, ...input.warnings],
    ...(failed && {
      error: `${notSucceeded.length} of ${outcomes.length} remediation(s) of ${label} with ${subject.document ?? 'the runbook'} did not succeed: ${notSucceeded.map(describeFailure).join('; ')}`,
    }),
  };
}

/** Who and where a run is, for its audit record (read from the environment by the caller). */
export interface AuditIdentity {
  id: string;
  actor: string;
  repository?: string;
  runUrl?: string;
}

/** The run's audit record (core/remediation-audit): who, what, when, and each resource's outcome. */
export function auditRecordOf(input: {
  identity: AuditIdentity;
  startedAt: Date;
  finishedAt: Date;
  subject: RemediateSubject;
  outcomes: readonly RemediationOutcome[];
}): RemediationAuditRecord {
  const { identity, subject } = input;
  return {
    format: REMEDIATION_AUDIT_FORMAT,
    id: identity.id,
    actor: identity.actor,
    ...(identity.repository !== undefined && { repository: identity.repository }),
    ...(identity.runUrl !== undefined && { runUrl: identity.runUrl }),
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    rule: subject.rule,
    ...(subject.control !== undefined && { control: subject.control }),
    source: subject.source,
    dryRun: !subject.execute,
    region: subject.region,
    accountId: subject.accountId,
    outcomes: [...input.outcomes],
  };
}

/** Resource types as ASFF names accounts; every other type is read from the resource's ARN. */
const ASFF_ACCOUNT_TYPES: ReadonlySet<string> = new Set(['AwsAccount']);

/**
 * The targets a compliance source reported, as the plan takes them. AWS Config: the resource as
 * the finding names it (its ARN once the tag scope looked it up, else Config's id), its type,
 * and Config's own id, kept in the finding's sourceId (`rule/type/id`, sources/config) because
 * the scope replaces the finding's resource id with the ARN. Security Hub: the resource id (an
 * ARN, or `AWS::::Account:<id>`), its type read from the ARN.
 */
export function targetsFromFindings(findings: readonly Finding[]): RemediationTarget[] {
  return findings.map((finding): RemediationTarget => {
    const { id, type } = finding.resource;
    if (finding.source === 'config') {
      const [, sourceType, ...rest] = finding.sourceId.split('/');
      const configId = sourceType === type && rest.length > 0 ? rest.join('/') : undefined;
      return {
        resource: id,
        resourceType: type,
        ...(configId !== undefined && configId !== id && { configId }),
      };
    }
    const resourceType = ASFF_ACCOUNT_TYPES.has(type) ? 'AWS::::Account' : resourceTypeOfArn(id);
    return { resource: id, ...(resourceType !== undefined && { resourceType }) };
  });
}
