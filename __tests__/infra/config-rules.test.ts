import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse as parseYaml } from 'yaml';

import {
  AUTOMATION_ASSUME_ROLE_PLACEHOLDER,
  controlForConfigRuleName,
  otherRuleForConfigRuleName,
  RESOURCE_ID_PLACEHOLDER,
} from '../../actions/src/core/controls';
import { asRecord, single, TfDir, type Hcl } from '../support/hcl';

// infra/modules/config-rules deploys the AWS Config side of the control mapping table
// (actions/src/core/controls.json). These checks read the table itself, so a control added there
// without its rule, or a runbook mapped there without its remediation, fails here.

const REPO_ROOT = path.resolve(__dirname, '../..');
const MODULE_DIR = path.join(REPO_ROOT, 'infra/modules/config-rules');
const STACK_DIR = path.join(REPO_ROOT, 'infra/modules/stack');

interface TableRemediation {
  document: string | null;
  parameters?: Record<string, string>;
}
interface TableEntry {
  securityHubControl?: string;
  configRuleIdentifier: string | null;
  configRuleName: string;
  remediation: TableRemediation;
}
const table = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'actions/src/core/controls.json'), 'utf8'),
) as { controls: TableEntry[]; otherRules: TableEntry[] };
const entries = [...table.controls, ...table.otherRules];
/** Managed rule name => identifier, for every entry of the table that has a managed rule. */
const tableRules = new Map(
  entries.flatMap((e) =>
    e.configRuleIdentifier === null ? [] : [[e.configRuleName, e.configRuleIdentifier] as const],
  ),
);
const withRunbook = entries.filter((e) => e.remediation.document !== null);

interface HclRemediation {
  document: string;
  resource_parameter: string | null;
  static_parameters: Record<string, string>;
}

let mod: TfDir;
let stack: TfDir;

beforeAll(async () => {
  [mod, stack] = await Promise.all([TfDir.load(MODULE_DIR), TfDir.load(STACK_DIR)]);
});

const managedRules = (): Record<string, string> =>
  asRecord(mod.locals().managed_rules, 'local.managed_rules') as Record<string, string>;
const remediations = (): Record<string, HclRemediation> =>
  asRecord(mod.locals().remediations, 'local.remediations') as unknown as Record<
    string,
    HclRemediation
  >;
const ruleParameters = (): Hcl => asRecord(mod.locals().rule_parameters, 'local.rule_parameters');

describe('config-rules module: the managed rules', () => {
  it('are exactly the managed rule identifiers of the control mapping table', () => {
    expect(tableRules.size).toBeGreaterThan(20);
    expect(Object.values(managedRules()).sort()).toEqual([...tableRules.values()].sort());
    // The table says nothing twice, so name => identifier must match entry by entry too.
    expect(managedRules()).toEqual(Object.fromEntries(tableRules));
  });

  it('leaves out only the controls evaluated by Security Hub rules of its own', () => {
    const without = table.controls.filter((c) => c.configRuleIdentifier === null);
    for (const control of without) {
      expect(Object.keys(managedRules())).not.toContain(control.configRuleName);
    }
  });

  it('are named so the compliance gate resolves each deployed rule to its table entry', () => {
    for (const [name, identifier] of Object.entries(managedRules())) {
      const entry = controlForConfigRuleName(name) ?? otherRuleForConfigRuleName(name);
      expect({ name, identifier: entry?.configRuleIdentifier }).toEqual({ name, identifier });
    }
  });

  it('creates one AWS-owned rule per entry, named by its key, after the recorder', () => {
    const rule = mod.resource('aws_config_config_rule', 'managed');
    expect(rule.for_each).toBe('${local.managed_rules}');
    expect(rule.name).toBe('${each.key}');
    expect(single(rule.source, 'source')).toEqual({
      owner: 'AWS',
      source_identifier: '${each.value}',
    });
    expect(rule.input_parameters).toBe(
      '${try(length(local.rule_parameters[each.key]) > 0, false) ? jsonencode(local.rule_parameters[each.key]) : null}',
    );
    expect(rule.depends_on).toEqual(['${aws_config_configuration_recorder.this}']);
  });

  it('gives parameters only to rules it deploys, with the values the remediations rely on', () => {
    for (const name of Object.keys(ruleParameters())) {
      expect(Object.keys(managedRules())).toContain(name);
    }
    const runbookParameters = (name: string): Record<string, string> =>
      entries.find((e) => e.configRuleName === name)?.remediation.parameters ?? {};
    // A smaller age in the runbook would revoke credentials the rule still accepts.
    expect(ruleParameters()['iam-user-unused-credentials-check']).toEqual({
      maxCredentialUsageAge: runbookParameters('iam-user-unused-credentials-check')
        .MaxCredentialUsageAge,
    });
    // A remediated account must pass the rule.
    const password = asRecord(ruleParameters()['iam-password-policy'], 'iam-password-policy');
    const runbook = runbookParameters('iam-password-policy');
    for (const key of ['MinimumPasswordLength', 'PasswordReusePrevention', 'MaxPasswordAge']) {
      expect({ key, value: password[key] }).toEqual({ key, value: runbook[key] });
    }
    expect(ruleParameters()['required-tags']).toBe('${local.required_tags_parameters}');
  });

  it('checks the tag policy required keys with required-tags (1-6 keys, allowed values joined)', () => {
    const call = stack.module('config_rules');
    expect(call.required_tags).toBe('${local.config_required_tags}');
    const locals = stack.locals();
    expect(locals.tag_policy_required).toBe(
      '${yamldecode(file(local.tag_policy_file)).tags.required}',
    );
    const policy = parseYaml(
      readFileSync(path.join(REPO_ROOT, '.github/assetguard.yml'), 'utf8'),
    ) as { tags: { required: Record<string, { allowed?: string[] }> } };
    const keys = Object.keys(policy.tags.required);
    // REQUIRED_TAGS takes tag1Key..tag6Key: the module's validation refuses more at plan time.
    expect(keys.length).toBeGreaterThanOrEqual(1);
    expect(keys.length).toBeLessThanOrEqual(6);
    expect(String(mod.locals().required_tags_parameters)).toContain('"tag${index + 1}Key" = key');
  });
});

describe('config-rules module: the remediations', () => {
  it('exist for exactly the rules whose table entry maps a runbook', () => {
    expect(Object.keys(remediations()).sort()).toEqual(
      withRunbook.map((e) => e.configRuleName).sort(),
    );
    for (const name of Object.keys(remediations())) {
      expect(Object.keys(managedRules())).toContain(name);
    }
  });

  it("pass the table's runbook and parameters: the resource id, the fixed values", () => {
    for (const entry of withRunbook) {
      const parameters = entry.remediation.parameters ?? {};
      expect(parameters.AutomationAssumeRole).toBe(AUTOMATION_ASSUME_ROLE_PLACEHOLDER);
      const resourceParameter =
        Object.entries(parameters).find(([, v]) => v === RESOURCE_ID_PLACEHOLDER)?.[0] ?? null;
      const fixed = Object.fromEntries(
        Object.entries(parameters).filter(
          ([k, v]) => k !== 'AutomationAssumeRole' && v !== RESOURCE_ID_PLACEHOLDER,
        ),
      );
      expect({ rule: entry.configRuleName, ...remediations()[entry.configRuleName] }).toEqual({
        rule: entry.configRuleName,
        document: entry.remediation.document,
        resource_parameter: resourceParameter,
        static_parameters: fixed,
      });
    }
  });

  it('never run AWS-AttachIAMToInstance (or anything) with ForceReplace=true', () => {
    const attach = Object.values(remediations()).filter(
      (r) => r.document === 'AWS-AttachIAMToInstance',
    );
    expect(attach).toHaveLength(1);
    expect(attach[0]?.static_parameters.ForceReplace).toBe('false');
    for (const remediation of Object.values(remediations())) {
      expect(remediation.static_parameters.ForceReplace ?? 'false').toBe('false');
    }
    const precondition = single(
      single(mod.resource('aws_config_remediation_configuration', 'this').lifecycle, 'lifecycle')
        .precondition,
      'precondition',
    );
    expect(precondition.condition).toBe(
      '${lookup(each.value.static_parameters, "ForceReplace", "false") == "false"}',
    );
  });

  it('run as the automation role, by hand only, with the resource id from Config', () => {
    const remediation = mod.resource('aws_config_remediation_configuration', 'this');
    expect(remediation.for_each).toBe('${local.remediations}');
    expect(remediation.config_rule_name).toBe('${aws_config_config_rule.managed[each.key].name}');
    expect(remediation.target_type).toBe('SSM_DOCUMENT');
    expect(remediation.target_id).toBe('${each.value.document}');
    // The table marks no runbook safe to run without a person asking.
    expect(remediation.automatic).toBe(false);
    expect(single(remediation.parameter, 'parameter')).toEqual({
      name: 'AutomationAssumeRole',
      static_value: '${var.automation_role_arn}',
    });
    expect(mod.variable('automation_role_arn').default).toBeUndefined();
    const [byResource, fixed] = asRecord(remediation.dynamic, 'dynamic').parameter as Hcl[];
    expect(byResource?.for_each).toBe(
      '${each.value.resource_parameter == null ? [] : [each.value.resource_parameter]}',
    );
    expect(single(byResource?.content, 'content')).toEqual({
      name: '${parameter.value}',
      resource_value: 'RESOURCE_ID',
    });
    expect(fixed?.for_each).toBe('${each.value.static_parameters}');
    expect(single(fixed?.content, 'content')).toEqual({
      name: '${parameter.key}',
      static_value: '${parameter.value}',
    });
  });
});

describe('config-rules module: recorder, delivery, status', () => {
  it('records every supported resource type, the global ones in one region only', () => {
    const recorder = mod.resource('aws_config_configuration_recorder', 'this');
    expect(recorder.role_arn).toBe('${aws_iam_role.config.arn}');
    expect(single(recorder.recording_group, 'recording_group')).toEqual({
      all_supported: true,
      include_global_resource_types: '${local.records_global_types}',
    });
    expect(mod.locals().records_global_types).toBe(
      '${var.global_resource_types_region == null || var.global_resource_types_region == local.region}',
    );
    expect(mod.variable('global_resource_types_region').default).toBeNull();
  });

  it('stops a plan when the written-out rules or remediations drift from the table', () => {
    const recorder = mod.resource('aws_config_configuration_recorder', 'this');
    const preconditions = single(recorder.lifecycle, 'lifecycle').precondition as Hcl[];
    expect(preconditions.map((p) => String(p.condition)).join('\n')).toContain(
      'sort(values(local.managed_rules)) == local.table_identifiers',
    );
    expect(String(mod.locals().controls_file)).toContain('actions/src/core/controls.json');
    expect(
      path.relative(REPO_ROOT, path.resolve(MODULE_DIR, '../../../actions/src/core/controls.json')),
    ).toBe('actions/src/core/controls.json');
  });

  it('delivers to its own bucket and turns the recorder on after the channel exists', () => {
    const channel = mod.resource('aws_config_delivery_channel', 'this');
    expect(channel.s3_bucket_name).toBe('${module.bucket.bucket}');
    expect(channel.depends_on).toContain('${aws_config_configuration_recorder.this}');
    const status = mod.resource('aws_config_configuration_recorder_status', 'this');
    expect(status.name).toBe('${aws_config_configuration_recorder.this.name}');
    expect(status.is_enabled).toBe(true);
    expect(status.depends_on).toEqual(['${aws_config_delivery_channel.this}']);
  });

  it('keeps the delivery bucket in the secure bucket module, expiring after the retention', () => {
    // modules/s3-bucket holds the public access block, encryption, TLS-only policy and lifecycle;
    // the generic checks in terraform.test.ts hold that module to them.
    const bucket = mod.module('bucket');
    expect(bucket.source).toBe('../s3-bucket');
    expect(bucket.expiration_days).toBe('${var.snapshot_retention_days}');
    expect(bucket.kms_key_arn).toBe('${var.kms_key_arn}');
    expect(mod.blocks('resource').aws_s3_bucket).toBeUndefined();
  });

  it('is created once per account by the stack, with the remediation role', () => {
    const call = stack.module('config_rules');
    expect(call.source).toBe('../config-rules');
    expect(call.count).toBe('${var.account_baseline ? 1 : 0}');
    expect(call.automation_role_arn).toBe('${module.remediation[0].automation_role_arn}');
  });
});
