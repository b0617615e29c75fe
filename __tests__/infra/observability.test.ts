import path from 'node:path';

import { asRecord, single, TfDir, type Hcl } from '../support/hcl';

// infra/modules/observability and modules/stack/observability.tf: the AMP workspace the tasks
// remote-write to, the AMG workspace that reads AMP and X-Ray, the X-Ray group and sampling rule
// of the service, and the app's dashboard provisioned through the grafana provider.

const REPO_ROOT = path.resolve(__dirname, '../..');
const MODULE_DIR = path.join(REPO_ROOT, 'infra/modules/observability');
const STACK_DIR = path.join(REPO_ROOT, 'infra/modules/stack');

let mod: TfDir;
let stack: TfDir;

beforeAll(async () => {
  [mod, stack] = await Promise.all([TfDir.load(MODULE_DIR), TfDir.load(STACK_DIR)]);
});

const call = (): Hcl => stack.module('observability');

describe('observability module: metrics (AMP)', () => {
  it('creates the workspace and derives the remote-write URL from its endpoint', () => {
    const workspace = mod.resource('aws_prometheus_workspace', 'this');
    expect(workspace.alias).toBe('${var.name}');
    expect(mod.locals().remote_write_url).toBe(
      '${aws_prometheus_workspace.this.prometheus_endpoint}api/v1/remote_write',
    );
    expect(mod.output('amp_remote_write_url').value).toBe('${local.remote_write_url}');
    expect(mod.output('amp_workspace_arn').value).toBe('${aws_prometheus_workspace.this.arn}');
  });

  it('sends alerts to the alerts topic only when one is given', () => {
    const manager = mod.resource('aws_prometheus_alert_manager_definition', 'this');
    expect(manager.count).toBe('${var.alerts_topic_arn == null ? 0 : 1}');
    expect(String(manager.definition)).toContain('topic_arn: ${var.alerts_topic_arn}');
    expect(call().alerts_topic_arn).toBe('${module.alerts_topic[0].topic_arn}');
    // The topic lets the alert manager publish.
    expect(stack.module('alerts_topic').publisher_services).toContain('aps.amazonaws.com');
  });
});

describe('observability module: dashboards (AMG)', () => {
  it('signs in with IAM Identity Center and reads AMP and X-Ray through its own role', () => {
    const workspace = mod.resource('aws_grafana_workspace', 'this');
    expect(workspace).toMatchObject({
      account_access_type: 'CURRENT_ACCOUNT',
      authentication_providers: ['AWS_SSO'],
      permission_type: 'SERVICE_MANAGED',
      role_arn: '${aws_iam_role.grafana.arn}',
    });
    expect([...(workspace.data_sources as string[])].sort()).toEqual(['PROMETHEUS', 'XRAY']);
    const trust = single(mod.data('aws_iam_policy_document', 'grafana_trust').statement, 'trust');
    expect(single(trust.principals, 'principals').identifiers).toEqual(['grafana.amazonaws.com']);
    const policy = String(mod.resource('aws_iam_role_policy', 'grafana').policy);
    expect(policy).toContain('"aps:QueryMetrics"');
    expect(policy).toContain('Resource = aws_prometheus_workspace.this.arn');
    expect(policy).toContain('"xray:GetTraceSummaries"');
  });

  it('gives Terraform an ADMIN service account token, renewed before its 30 days run out', () => {
    const account = mod.resource('aws_grafana_workspace_service_account', 'terraform');
    expect(account.grafana_role).toBe('ADMIN');
    const token = mod.resource('aws_grafana_workspace_service_account_token', 'terraform');
    expect(token.service_account_id).toBe(
      '${aws_grafana_workspace_service_account.terraform.service_account_id}',
    );
    expect(token.seconds_to_live).toBe('${30 * 24 * 60 * 60}');
    expect(token.name).toBe('terraform-${time_rotating.grafana_token.unix}');
    expect(mod.variable('token_rotation_days').default).toBeLessThan(30);
    const output = mod.output('grafana_token');
    expect(output.value).toBe('${aws_grafana_workspace_service_account_token.terraform.key}');
    expect(output.sensitive).toBe(true);
    expect(mod.output('grafana_url').value).toBe('https://${aws_grafana_workspace.this.endpoint}');
  });

  it('provisions the AMP data source with SigV4 as the workspace role', () => {
    const source = mod.resource('grafana_data_source', 'amp');
    expect(source.type).toBe('prometheus');
    expect(source.url).toBe('${aws_prometheus_workspace.this.prometheus_endpoint}');
    expect(source.uid).toBe('${var.prometheus_data_source_uid}');
    const json = String(source.json_data_encoded);
    expect(json).toContain('sigV4Auth     = true');
    expect(json).toContain('sigV4AuthType = "ec2_iam_role"');
    expect(json).toContain('sigV4Region   = local.region');
  });

  it("provisions the app's dashboard JSON", () => {
    const dashboard = mod.resource('grafana_dashboard', 'portal');
    expect(dashboard.config_json).toBe('${file(var.dashboard_file)}');
    expect(dashboard.depends_on).toEqual(['${grafana_data_source.amp}']);
    const file = /^\$\{path\.module\}\/(.+)$/.exec(String(call().dashboard_file))?.[1];
    expect(file).toBeDefined();
    expect(path.relative(REPO_ROOT, path.resolve(STACK_DIR, file!))).toBe(
      'app/grafana/portal-dashboard.json',
    );
  });

  it('requires the grafana provider the root configures from the stack outputs', () => {
    const terraform = single(
      mod.files.flatMap((f) => (f.json.terraform as unknown[] | undefined) ?? []),
      'terraform',
    );
    const providers = single(terraform.required_providers, 'required_providers');
    expect(asRecord(providers.grafana, 'grafana').source).toBe('grafana/grafana');
    expect(asRecord(providers.aws, 'aws').version).toBe('~> 6.66');
    expect(stack.output('grafana_url').value).toBe(
      '${var.account_baseline ? module.observability[0].grafana_url : null}',
    );
    const token = stack.output('grafana_token');
    expect(token.value).toBe(
      '${var.account_baseline ? module.observability[0].grafana_token : null}',
    );
    expect(token.sensitive).toBe(true);
  });
});

describe('observability module: traces (X-Ray)', () => {
  it('groups and samples the traces of the service the app names', () => {
    const group = mod.resource('aws_xray_group', 'this');
    expect(group.filter_expression).toBe('service("${var.xray_service_name}")');
    const rule = mod.resource('aws_xray_sampling_rule', 'this');
    expect(rule.service_name).toBe('${var.xray_service_name}');
    expect(rule.rule_name).toBe('${substr(var.name, 0, 32)}');
    expect(rule.version).toBe(1);
    // The app's OTEL_SERVICE_NAME, set by workload.tf, is what its spans carry.
    expect(call().xray_service_name).toBe('${var.service}');
    const ecs = stack.module('ecs');
    expect(asRecord(ecs.environment_variables, 'environment_variables').OTEL_SERVICE_NAME).toBe(
      '${var.service}',
    );
  });
});

describe('stack: observability.tf', () => {
  it('creates the workspaces once per account and exposes the AMP workspace to the workload', () => {
    expect(call().count).toBe('${var.account_baseline ? 1 : 0}');
    expect(call().source).toBe('../observability');
    const locals = stack.locals();
    expect(locals.amp_workspace_arn).toBe(
      '${var.account_baseline ? module.observability[0].amp_workspace_arn : local.shared_amp_workspace_arn}',
    );
    expect(locals.amp_remote_write_url).toBe(
      '${var.account_baseline ? module.observability[0].amp_remote_write_url : local.shared_amp_remote_write_url}',
    );
    const ecs = stack.module('ecs');
    expect(ecs.amp_workspace_arn).toBe('${local.amp_workspace_arn}');
    expect(ecs.amp_remote_write_url).toBe('${local.amp_remote_write_url}');
  });

  it("finds the baseline's workspace by its alias where another root holds the baseline", () => {
    const lookup = stack.data('aws_prometheus_workspaces', 'baseline');
    expect(lookup.count).toBe('${var.account_baseline ? 0 : 1}');
    expect(lookup.alias_prefix).toBe('${local.baseline_name}');
    const postcondition = single(
      single(lookup.lifecycle, 'lifecycle').postcondition,
      'postcondition',
    );
    expect(postcondition.condition).toBe('${contains(self.aliases, local.baseline_name)}');
    expect(call().name).toBe('${local.baseline_name}');
  });
});
