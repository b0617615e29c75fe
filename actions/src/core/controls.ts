/**
 * The control mapping table: AWS Config rule ↔ Security Hub control ↔ severity ↔ AWS-owned SSM
 * Automation runbook ↔ KISA ISMS-P item. The facts live in controls.json, checked against
 * controls.schema.json and the cross-entry rules when the bundles are built
 * (`validateControlsData`, core/controls-check); this module only types and looks them up.
 */
import data from './controls.json';

export type ControlSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';

/** The two placeholders the remediation code substitutes in runbook parameter values. */
export const RESOURCE_ID_PLACEHOLDER = '{{resourceId}}';
export const AUTOMATION_ASSUME_ROLE_PLACEHOLDER = '{{automationAssumeRole}}';

/** An AWS-owned Automation runbook that fixes the resource, with the parameters to pass. */
export interface DocumentRemediation {
  document: string;
  /** Always contains AutomationAssumeRole; values may use the two placeholders above. */
  parameters: Record<string, string> & { AutomationAssumeRole: string };
  traps?: string[];
}

/** No runbook is mapped; `why` says what to do instead. */
export interface NoRemediation {
  document: null;
  why: string;
  traps?: string[];
}

export type Remediation = DocumentRemediation | NoRemediation;

export interface IsmsPItem {
  /** KISA ISMS-P (2023) certification criterion number, e.g. `2.6.1`. */
  item: string;
  title: string;
}

export interface Control {
  /** Security Hub security control id, e.g. `EC2.13`. */
  securityHubControl: string;
  /** Managed rule identifier (`INCOMING_SSH_DISABLED`); null for Security Hub's own custom rules. */
  configRuleIdentifier: string | null;
  /** The rule's base name (`restricted-ssh`), before Security Hub or a conformance pack decorates it. */
  configRuleName: string;
  title: string;
  /** The Security Hub control's severity. */
  severity: ControlSeverity;
  resourceTypes: string[];
  remediation: Remediation;
  ismsP?: IsmsPItem[];
  notes?: string[];
}

/** A Config managed rule the product cares about that is not joined to a Security Hub control. */
export interface OtherRule {
  configRuleIdentifier: string;
  configRuleName: string;
  title: string;
  resourceTypes?: string[];
  remediation: Remediation;
  ismsP?: IsmsPItem[];
  notes?: string[];
}

export interface ControlsData {
  version: 1;
  controls: Control[];
  otherRules: OtherRule[];
}

/**
 * Our own data, shipped inside the bundles: checked when they are built (scripts/validators.ts
 * fails the build on an invalid table) and by __tests__/core/controls.test.ts, so no run
 * carries the schema's validator or checks a table that cannot change under it.
 */
const table = data as ControlsData;

const bySecurityHubId = new Map(
  table.controls.map((control) => [control.securityHubControl, control]),
);
const byIdentifier = new Map(
  table.controls.flatMap((control) =>
    control.configRuleIdentifier === null ? [] : [[control.configRuleIdentifier, control] as const],
  ),
);

export function allControls(): readonly Control[] {
  return table.controls;
}

export function allOtherRules(): readonly OtherRule[] {
  return table.otherRules;
}

export function controlBySecurityHubId(id: string): Control | undefined {
  return bySecurityHubId.get(id.trim());
}

/**
 * The shape of a Security Hub security control id: a service prefix, a dot and a number
 * (`S3.8`, `EC2.13`, `APIGateway.1`, `CloudTrail.2`). Security Hub compares ids exactly.
 */
export const SECURITY_CONTROL_ID = /^[A-Za-z][A-Za-z0-9]*\.\d+$/;

export function controlByConfigIdentifier(identifier: string): Control | undefined {
  return byIdentifier.get(identifier.trim());
}

const SECURITY_HUB_PREFIX = 'securityhub-';
const CONFORMANCE_PACK_MARKER = '-conformance-pack-';

/**
 * Finds which known base rule name a deployed Config rule name stands for:
 * the name itself; `securityhub-<name>-<suffix>` (Security Hub's service-linked rules); or
 * `<name>-conformance-pack-<suffix>` (conformance packs). Longest match wins, since base names
 * can be prefixes of one another.
 */
function baseRuleName(deployedName: string, known: readonly string[]): string | undefined {
  const name = deployedName.trim();
  if (known.includes(name)) return name;
  const candidates = known.filter((base) => {
    if (name.startsWith(SECURITY_HUB_PREFIX)) {
      const rest = name.slice(SECURITY_HUB_PREFIX.length);
      if (rest === base || rest.startsWith(`${base}-`)) return true;
    }
    const marker = `${base}${CONFORMANCE_PACK_MARKER}`;
    return name.startsWith(marker) && name.length > marker.length;
  });
  return candidates.sort((a, b) => b.length - a.length)[0];
}

const controlRuleNames = table.controls.map((control) => control.configRuleName);
const otherRuleNames = table.otherRules.map((rule) => rule.configRuleName);

/** The control for a Config rule name as deployed (plain, Security Hub or conformance-pack form). */
export function controlForConfigRuleName(deployedName: string): Control | undefined {
  const base = baseRuleName(deployedName, controlRuleNames);
  return base === undefined ? undefined : table.controls.find((c) => c.configRuleName === base);
}

/**
 * The control a user's list entry (`--rules`, `compliance.rules`) names, compared without case:
 * a control id (`s3.8`), a managed rule identifier (`incoming_ssh_disabled`), or a Config rule
 * name in any deployed form (`restricted-ssh`, `securityhub-restricted-ssh-1a2b`). Undefined for a
 * name the table does not know.
 */
export function controlNamed(name: string): Control | undefined {
  const wanted = name.trim().toLowerCase();
  if (wanted === '') return undefined;
  return (
    table.controls.find(
      (control) =>
        control.securityHubControl.toLowerCase() === wanted ||
        control.configRuleIdentifier?.toLowerCase() === wanted,
    ) ?? controlForConfigRuleName(wanted)
  );
}

/** The unjoined rule (e.g. required-tags) for a Config rule name as deployed. */
export function otherRuleForConfigRuleName(deployedName: string): OtherRule | undefined {
  const base = baseRuleName(deployedName, otherRuleNames);
  return base === undefined ? undefined : table.otherRules.find((r) => r.configRuleName === base);
}

export function hasDocument(remediation: Remediation): remediation is DocumentRemediation {
  return remediation.document !== null;
}

/**
 * Every name a rule answers to in a user's list (`--rules`, `compliance.rules`): its deployed
 * Config rule name and, when the control mapping table knows it, the canonical rule name, the
 * Security Hub control id and the managed rule identifier.
 */
export function ruleNames(
  deployedName: string | undefined,
  control: Control | undefined,
  ...more: (string | undefined)[]
): string[] {
  return [
    deployedName,
    control?.configRuleName,
    control?.securityHubControl,
    control?.configRuleIdentifier,
    ...more,
  ].filter((value): value is string => typeof value === 'string' && value !== '');
}

/** True when `list` names any of `names`; rule names and control ids compare case-insensitively. */
export function namedIn(names: readonly string[], list: readonly string[]): boolean {
  const own = new Set(names.map((name) => name.toLowerCase()));
  return list.some((entry) => own.has(entry.toLowerCase()));
}

/**
 * A finding's fix, from the control mapping table: the SSM Automation document, or why there is
 * none; undefined when the table does not know the control. Shared by every compliance source.
 */
export function findingRemediation(
  control: Control | undefined,
): { document: string } | { why: string } | undefined {
  const remediation = control?.remediation;
  if (remediation === undefined) return undefined;
  return remediation.document === null
    ? { why: remediation.why }
    : { document: remediation.document };
}
