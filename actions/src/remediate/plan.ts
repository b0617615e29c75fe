/**
 * The pure part of `assetguard remediate`: which runbook a rule gets (the control mapping table,
 * or the policy's remediation.documents), the plan for each resource (its id in the form the
 * runbook takes, the parameters with the placeholders filled in, the traps), the outcome of
 * each resource, the verdict and the audit record. No I/O and no clock: the same inputs give
 * the same plan and verdict.
 */
import { arnName, parseArn, resourceTypeOfArn, type Arn } from '../core/arn';
import {
  allControls,
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
import { ConfigurationError } from '../core/errors';
import type { Finding } from '../core/model';
import type { LoadedPolicy, RemediationDocument } from '../core/policy';
import {
  REMEDIATION_AUDIT_FORMAT,
  type RemediationAuditRecord,
  type RemediationOutcome,
  type RemediationOutcomeStatus,
} from '../core/remediation-audit';
import { nearMatches } from '../core/scope';
import { emptyExceptionReport, type BlockingBase, type Verdict } from '../core/verdict';

/**
 * Parameters a runbook must always get, whatever the table or the policy gives it, because the
 * runbook's own default does damage. Keyed by the runbook's name; a policy that names it by ARN
 * or with a version is matched all the same (`documentName`). Checked on the final parameters of
 * every plan.
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

/** `arn:<partition>:ssm:<region>:<account>:document/`: the account is empty for AWS's own. */
const DOCUMENT_ARN_PREFIX = /^arn:aws(?:-[a-z]+)*:ssm:[^:/]*:[^:/]*:document\//i;

/**
 * The name a runbook reference stands for: StartAutomationExecution takes a document by name or
 * by ARN (`arn:aws:ssm:us-east-1::document/AWS-AttachIAMToInstance`, a shared one
 * `arn:aws:ssm:REGION:ACCOUNT:document/NAME`), and a reference may carry a version
 * (`NAME:3`, `NAME:$DEFAULT`); document names cannot hold `:`, so what follows one is a version.
 */
export function documentName(document: string): string {
  const name = document.trim().replace(DOCUMENT_ARN_PREFIX, '');
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}

/**
 * True when two runbook references name the same document (`documentName`), compared without
 * case: AWS keeps document names as written, but reserves the `AWS`, `Amazon` and `amzn` prefixes
 * in every case, so no one else can own a case variant of an AWS-owned runbook's name; a variant
 * names that runbook or none.
 */
export function sameDocument(a: string, b: string): boolean {
  return documentName(a).toLowerCase() === documentName(b).toLowerCase();
}

/** The pinned parameters of a runbook, however the reference names it. */
function pinsOf(document: string): readonly { name: string; value: string; why: string }[] {
  return (
    Object.entries(PINNED_PARAMETERS).find(([name]) => sameDocument(name, document))?.[1] ?? []
  );
}

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

/** Every name the control mapping table and the policy know rules by: near matches of a misspelt one. */
function knownRuleNames(policy: LoadedPolicy): string[] {
  return [
    ...allControls().flatMap((control) => [
      control.securityHubControl,
      control.configRuleName,
      control.configRuleIdentifier,
    ]),
    ...allOtherRules().flatMap((other) => [other.configRuleName, other.configRuleIdentifier]),
    ...(policy.policy.remediation?.documents ?? []).map((entry) => entry.rule),
  ].filter((name): name is string => typeof name === 'string' && name !== '');
}

/** True when every resource type the rule evaluates is the account itself. */
function accountLevel(resourceTypes: readonly string[]): boolean {
  return resourceTypes.length > 0 && resourceTypes.every((type) => type === ACCOUNT_TYPE);
}

/** True when some parameter of the runbook takes the resource's id. */
function usesResourceId(parameters: Readonly<Record<string, string>>): boolean {
  return Object.values(parameters).some((value) => value.includes(RESOURCE_ID_PLACEHOLDER));
}

/**
 * Chooses the runbook for a rule (compared without case, in any form `controlNamed` knows): the
 * policy's `remediation.documents` entry for it when there is exactly one, else the control
 * mapping table's document. Refused (with why) when the table maps no document and the policy
 * names none, when the policy names two, when the runbook would run without a pinned parameter
 * (PINNED_PARAMETERS, the runbook named by name or ARN), or when its parameters never take
 * `{{resourceId}}` although the rule evaluates resources other than the account (each run would
 * be the same run).
 * @throws ConfigurationError naming `rule` when neither the control mapping table nor the
 *   policy's remediation.documents knows the rule (a misspelling is bad input, whatever the
 *   source), with the names it is close to.
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
  const documents = policy.policy.remediation?.documents ?? [];
  const entries = documents.filter((entry) => entryNames(entry, names, control));
  const table = known?.remediation;
  if (entries.length > 1) {
    return {
      ...base,
      refused: `${policy.origin}: remediation.documents names ${entries.length} runbooks for ${label} (${entries.map((entry) => entry.document).join(', ')}); keep one`,
    };
  }
  let remedy: Remedy;
  /** Where the runbook was named, as a refusal says it. */
  let namedAt: string;
  const [entry] = entries;
  if (entry !== undefined) {
    const tableDocument = table?.document;
    const sameAsTable =
      typeof tableDocument === 'string' && sameDocument(tableDocument, entry.document);
    remedy = {
      ...base,
      runbook: { document: entry.document, parameters: entry.parameters, origin: policy.origin },
      traps: [...entry.traps, ...(sameAsTable ? (table?.traps ?? []) : [])],
      notes:
        table === undefined
          ? [`the control mapping table does not know ${label}; the runbook is the policy's`]
          : table.document === null
            ? [`the control mapping table maps no AWS runbook to ${label} (${table.why})`]
            : sameAsTable
              ? []
              : [`the policy's runbook runs instead of the table's ${table.document}`],
    };
    namedAt = `${policy.origin}: remediation.documents[${documents.indexOf(entry)}] (rule ${entry.rule}, document ${entry.document})`;
  } else if (table === undefined) {
    const near = nearMatches(rule.trim(), knownRuleNames(policy)).slice(0, 3);
    throw new ConfigurationError(
      `rule: "${rule}" is neither a rule the control mapping table knows nor one the policy (${policy.origin}) names in remediation.documents${near.length > 0 ? `; did you mean ${near.join(', ')}?` : '.'} Name it by its control id (EC2.13), Config rule name (restricted-ssh) or managed rule identifier (INCOMING_SSH_DISABLED), or add a runbook for it to remediation.documents`,
    );
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
    namedAt = `the control mapping table's entry for ${label} (document ${table.document})`;
  }
  const runbook = remedy.runbook;
  if (!runbook) return remedy;
  const [unpinned] = pinsOf(runbook.document).filter(
    (pin) => runbook.parameters[pin.name] !== pin.value,
  );
  if (unpinned) {
    return {
      ...remedy,
      refused: `${runbook.document} must run with ${unpinned.name}=${unpinned.value} (${runbook.origin} gives ${runbook.parameters[unpinned.name] ?? 'nothing'}): ${unpinned.why}`,
    };
  }
  if (
    !usesResourceId(runbook.parameters) &&
    remedy.resourceTypes.length > 0 &&
    !accountLevel(remedy.resourceTypes)
  ) {
    return {
      ...remedy,
      refused: `${namedAt} never uses ${RESOURCE_ID_PLACEHOLDER} in its parameters, but ${label} evaluates ${remedy.resourceTypes.join(', ')}: every resource would get the same run. Put ${RESOURCE_ID_PLACEHOLDER} in the parameter that names the resource`,
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

/** How an account is named as a resource type. */
const ACCOUNT_TYPE = 'AWS::::Account';

/** The form of the id AWS Config reports for resources of one type (the id runbooks take). */
interface IdForm {
  form: RegExp;
  /** The form in words, for a refusal. */
  shape: string;
  /** True when no id of another type here has this form, so the form alone tells the type. */
  tellsType: boolean;
}

/**
 * Id forms by resource type: the one table both for telling a bare id's type (`tellsType`) and
 * for refusing a bare id that cannot be a resource of the rule (`sg-…` for a bucket rule, a bucket
 * name for a security group rule). A type not in it is not checked: its ids pass as given, with
 * a warning. Bucket names and key ids say nothing of their type: a bucket may be named like
 * anything else here.
 */
const ID_FORMS: Readonly<Record<string, IdForm>> = {
  'AWS::EC2::Instance': {
    form: /^i-[0-9a-f]{8,17}$/,
    shape: 'an instance id (i- and 8 or 17 hex digits)',
    tellsType: true,
  },
  'AWS::EC2::SecurityGroup': {
    form: /^sg-[0-9a-f]{8,17}$/,
    shape: 'a security group id (sg- and 8 or 17 hex digits)',
    tellsType: true,
  },
  'AWS::EC2::Volume': {
    form: /^vol-[0-9a-f]{8,17}$/,
    shape: 'a volume id (vol- and 8 or 17 hex digits)',
    tellsType: true,
  },
  'AWS::EC2::VPC': {
    form: /^vpc-[0-9a-f]{8,17}$/,
    shape: 'a VPC id (vpc- and 8 or 17 hex digits)',
    tellsType: true,
  },
  [ACCOUNT_TYPE]: { form: /^\d{12}$/, shape: 'an account id (12 digits)', tellsType: true },
  'AWS::IAM::User': {
    form: /^AIDA[A-Z0-9]{12,124}$/,
    shape: "the user's unique id (AIDA…, not its name)",
    tellsType: true,
  },
  'AWS::RDS::DBInstance': {
    form: /^db-[A-Z0-9]{10,60}$/,
    shape: 'its DbiResourceId (db- and upper-case letters and digits, not its name)',
    tellsType: true,
  },
  'AWS::S3::Bucket': {
    // 3-63 lower-case letters, digits, dots and hyphens, a letter or digit at each end, not an
    // IP address (the S3 bucket naming rules).
    form: /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    shape: 'a bucket name (3-63 lower-case letters, digits, dots and hyphens)',
    tellsType: false,
  },
  'AWS::KMS::Key': {
    form: /^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
    shape: 'a key id (a UUID, or mrk- and 32 hex digits for a multi-Region key)',
    tellsType: false,
  },
};

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

/** A target named by a bare id (not an ARN) of no known type: its form is all there is to check. */
function isBareId(target: RemediationTarget): boolean {
  return (
    target.resourceType === undefined &&
    target.configId === undefined &&
    !target.resource.startsWith(ASFF_ACCOUNT_PREFIX) &&
    !target.resource.startsWith('arn:')
  );
}

/**
 * The resource's type as far as it can be told: given, from its ARN, from an id whose form tells
 * its type (ID_FORMS), or else the first of the rule's types whose id form the id has.
 */
export function targetType(
  target: RemediationTarget,
  ruleTypes: readonly string[] = [],
): string | undefined {
  if (target.resourceType !== undefined) return target.resourceType;
  if (target.resource.startsWith(ASFF_ACCOUNT_PREFIX)) return ACCOUNT_TYPE;
  if (target.resource.startsWith('arn:')) return resourceTypeOfArn(target.resource);
  const { resource } = target;
  const told = Object.entries(ID_FORMS).find(([, id]) => id.tellsType && id.form.test(resource));
  return told?.[0] ?? ruleTypes.find((type) => ID_FORMS[type]?.form.test(resource) === true);
}

/**
 * Why a bare id given for a rule cannot be one of its resources: every type the rule evaluates
 * has a known id form (ID_FORMS), and the id has none of them. Undefined when it has one, or
 * when the form cannot be checked (the rule's types are unknown, or one has no known form).
 */
function idFormMismatch(
  target: RemediationTarget,
  ruleTypes: readonly string[],
): string | undefined {
  if (!isBareId(target) || ruleTypes.length === 0) return undefined;
  const forms = ruleTypes.map((type) => ID_FORMS[type]);
  if (forms.some((form) => form === undefined || form.form.test(target.resource))) {
    return undefined;
  }
  const shapes = forms.map((form) => form?.shape ?? '').join(' or ');
  return `${JSON.stringify(target.resource)} is not ${shapes}, the id AWS Config reports for ${ruleTypes.join(', ')}: give that id, or the resource's ARN`;
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
  const type = targetType(target, remedy.resourceTypes);
  const id = resourceIdOf(target, type);
  const base = {
    resource: target.resource,
    ...(type !== undefined && { resourceType: type }),
    ...(typeof id === 'string' && { resourceId: id }),
    input: target.configId ?? target.resource,
  };
  const refuse = (message: string): PlannedResource => ({ ...base, status: 'refused', message });
  const mismatch = type === undefined ? idFormMismatch(target, remedy.resourceTypes) : undefined;
  if (mismatch !== undefined) return refuse(mismatch);
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
  if (usesResourceId(runbook.parameters) && typeof id !== 'string') return refuse(id.why);
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
    const type = targetType(target, remedy.resourceTypes);
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
    const type = targetType(target, remedy.resourceTypes);
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
  const unchecked = targets.filter((target, index) => {
    const planned = resources[index];
    return isBareId(target) && planned?.status === 'planned' && planned.resourceType === undefined;
  });
  if (unchecked.length > 0) {
    warnings.push(
      `resources: ${unchecked.length === 1 ? 'the form of' : `the forms of ${unchecked.length} ids, e.g.`} ${unchecked[0]?.resource ?? ''} could not be checked against ${remedy.resourceTypes.length > 0 ? `the id form of ${remedy.resourceTypes.join(', ')}` : `${label}, whose resource types are unknown`}: passed to ${runbook.document} as given`,
    );
  }
  if (refused.length > 0) {
    return {
      ...plan,
      resources,
      refusal: `${refused.length} of ${resources.length} resource(s) cannot be remediated with ${runbook.document}, so nothing runs: ${someReasons(refused)}. Leave them out of resources and run again`,
    };
  }
  const runs = new Set(resources.map((resource) => JSON.stringify(resource.parameters ?? {})));
  if (runs.size < resources.length) {
    return {
      ...plan,
      resources,
      refusal: `${resources.length} resources would run ${runbook.document} (${runbook.origin}) with the same parameters${usesResourceId(runbook.parameters) ? ' (two of them are one resource)' : `: its parameters never use ${RESOURCE_ID_PLACEHOLDER}`}, so nothing runs: ${usesResourceId(runbook.parameters) ? 'name each resource once' : `put ${RESOURCE_ID_PLACEHOLDER} in the parameter that names the resource, or run it for one resource`}`,
    };
  }
  return { ...plan, resources };
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
