import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { SEVERITIES, type Severity } from '../../actions/src/core/model';
import { DEFAULT_TAG_PARAMETER } from '../../actions/src/core/tag-policy';
import { eventPatterns } from '../../actions/src/lambda/finding-alert/events';
import {
  OWNER_ATTRIBUTE,
  POLICY_PARAMETER_ENV,
  SLACK_PARAMETER_ENV,
  TABLE_ENV,
  TOPIC_ENV,
  TTL_ATTRIBUTE,
} from '../../actions/src/lambda/finding-alert/handler';
import { asRecord, single, TfDir } from '../support/hcl';

// infra/modules/finding-alert must deploy what the handler expects: these checks tie the
// Terraform to the bundle, the event patterns, the environment and the calls the code makes.

const REPO_ROOT = path.resolve(__dirname, '../..');
const MODULE_DIR = path.join(REPO_ROOT, 'infra/modules/finding-alert');
const STACK_DIR = path.join(REPO_ROOT, 'infra/modules/stack');
const LAMBDA_SRC = path.join(REPO_ROOT, 'actions/src/lambda/finding-alert');

let mod: TfDir;
let stack: TfDir;

beforeAll(async () => {
  [mod, stack] = await Promise.all([TfDir.load(MODULE_DIR), TfDir.load(STACK_DIR)]);
});

const variableDefault = (name: string): unknown => mod.variable(name).default;
const readModuleFile = (rel: string): string => readFileSync(path.join(MODULE_DIR, rel), 'utf8');

/** Terraform's templatefile() for plain ${name} placeholders (all the pattern templates use). */
function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`template variable ${name} is not passed`);
    return value;
  });
}

/** What Terraform computes for local.alert_severities, evaluated from the locals' own values. */
function terraformSeverities(threshold: Severity): string[] {
  const order = mod.locals().severity_order as string[];
  return order.slice(0, order.indexOf(threshold) + 1);
}

interface Statement {
  sid?: string;
  actions?: string[];
  resources?: string[] | string;
}

/** Every statement of the role's policy document, the dynamic (optional) ones included. */
function statements(): Statement[] {
  const document = mod.data('aws_iam_policy_document', 'finding_alert');
  const fixed = (document.statement as Statement[] | undefined) ?? [];
  const dynamic = asRecord(document.dynamic, 'dynamic');
  const optional = (dynamic.statement as { content: Statement[] }[]).map((block) =>
    single(block.content, 'dynamic statement content'),
  ) as Statement[];
  return [...fixed, ...optional];
}

// The bundle, runtime, log group, dead-letter queue and role trust are modules/lambda-function's,
// checked with every module that calls it in lambda-function.test.ts.
describe('finding-alert module: the Lambda function', () => {
  it('passes the table, topic and parameters in the variables the handler reads', () => {
    const text = String(mod.module('function').environment).replace(/\s+/g, ' ');
    expect(text).toContain(`${TABLE_ENV} = aws_dynamodb_table.alerts.name`);
    expect(text).toContain(`${TOPIC_ENV} = aws_sns_topic.alerts.arn`);
    expect(text).toContain(
      `var.policy_parameter == null ? {} : { ${POLICY_PARAMETER_ENV} = var.policy_parameter }`,
    );
    expect(text).toContain(
      `var.slack_webhook_parameter == null ? {} : { ${SLACK_PARAMETER_ENV} = var.slack_webhook_parameter }`,
    );
    // The policy is the one `tags publish` writes; the webhook is optional.
    expect(variableDefault('policy_parameter')).toBe(DEFAULT_TAG_PARAMETER);
    expect(variableDefault('slack_webhook_parameter')).toBeNull();
  });

  it('always has a dead-letter queue, encrypted with the alert key when one is given', () => {
    const call = mod.module('function');
    expect(call.create_dead_letter_queue).toBe(true);
    expect(call.kms_key_arn).toBe('${var.kms_key_arn}');
  });
});

describe('finding-alert module: dedupe table and topic', () => {
  it('keys the table on pk, expires claims by the TTL attribute the handler writes, with PITR and encryption', () => {
    const table = mod.resource('aws_dynamodb_table', 'alerts');
    expect(table.hash_key).toBe('pk');
    expect(table.attribute).toEqual([{ name: 'pk', type: 'S' }]);
    expect(table.billing_mode).toBe('PAY_PER_REQUEST');
    expect(single(table.ttl, 'ttl')).toEqual({ attribute_name: TTL_ATTRIBUTE, enabled: true });
    expect(single(table.point_in_time_recovery, 'pitr')).toEqual({ enabled: true });
    expect(single(table.server_side_encryption, 'sse')).toEqual({
      enabled: true,
      kms_key_arn: '${var.kms_key_arn}',
    });
  });

  it('encrypts the topic, and subscribes each owner address with a filter on the owner attribute', () => {
    const topic = mod.resource('aws_sns_topic', 'alerts');
    expect(topic.kms_master_key_id).toBe('${coalesce(var.kms_key_arn, "alias/aws/sns")}');
    const subscription = mod.resource('aws_sns_topic_subscription', 'email');
    expect(subscription.for_each).toBe('${local.email_subscriptions}');
    expect(subscription.protocol).toBe('email');
    expect(subscription.endpoint).toBe('${each.value.email}');
    expect(subscription.filter_policy_scope).toBe('MessageAttributes');
    expect(subscription.filter_policy).toBe(
      `\${jsonencode({ ${OWNER_ATTRIBUTE} = [each.value.owner] })}`,
    );
    expect(mod.variable('owner_emails').type).toBe('${map(list(string))}');
  });
});

describe('finding-alert module: EventBridge', () => {
  it.each(['securityhub', 'inspector2'])(
    'the %s rule uses its pattern template with the severities from alert_severity',
    (name) => {
      const rule = mod.resource('aws_cloudwatch_event_rule', name);
      expect(String(rule.event_pattern)).toBe(
        `\${templatefile("\${path.module}/policies/${name}-pattern.json.tftpl", { severities = jsonencode(local.alert_severities) })}`,
      );
      expect(rule.event_bus_name).toBeUndefined();
      expect(mod.locals().alert_severities).toBe(
        '${slice(local.severity_order, 0, index(local.severity_order, var.alert_severity) + 1)}',
      );

      const target = mod.resource('aws_cloudwatch_event_target', name);
      expect(target.rule).toBe(`\${aws_cloudwatch_event_rule.${name}.name}`);
      expect(target.arn).toBe('${module.function.function_arn}');
      const permission = mod.resource('aws_lambda_permission', name);
      expect(permission.principal).toBe('events.amazonaws.com');
      expect(permission.action).toBe('lambda:InvokeFunction');
      expect(permission.source_arn).toBe(`\${aws_cloudwatch_event_rule.${name}.arn}`);
    },
  );

  it('renders, for every threshold, exactly eventPatterns() of the Lambda', () => {
    expect(mod.locals().severity_order).toEqual([...SEVERITIES]);
    expect(variableDefault('alert_severity')).toBe('HIGH');
    for (const threshold of SEVERITIES) {
      const severities = JSON.stringify(terraformSeverities(threshold));
      const expected = eventPatterns(threshold);
      const rendered = {
        securityHub: JSON.parse(
          renderTemplate(readModuleFile('policies/securityhub-pattern.json.tftpl'), { severities }),
        ) as unknown,
        inspector: JSON.parse(
          renderTemplate(readModuleFile('policies/inspector2-pattern.json.tftpl'), { severities }),
        ) as unknown,
      };
      expect({ threshold, ...rendered }).toEqual({ threshold, ...expected });
    }
  });
});

describe('finding-alert module: IAM', () => {
  it('grants exactly the calls the Lambda code names, in its folder and every module it imports', () => {
    const named = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(
        /\b(?:dynamodb|sns|ssm|tag|kms|s3|ec2|ecr):[A-Z][A-Za-z]+/g,
      )) {
        named.add(match[0]);
      }
      for (const [, spec] of source.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), spec ?? '');
        if (existsSync(`${target}.ts`)) visit(`${target}.ts`);
      }
    };
    visit(path.join(LAMBDA_SRC, 'index.ts'));
    expect(seen).toContain(path.join(REPO_ROOT, 'actions/src/sources/tagging.ts'));
    // sources/tagging also names the EC2, S3 and ECR reads, which the Lambda never makes: it
    // passes only the Tagging API client to readTags.
    const called = [...named].filter((name) => !/^(?:ec2|s3|ecr):/.test(name)).sort();
    expect(called).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'kms:Decrypt',
      'sns:Publish',
      'ssm:GetParameter',
      'tag:GetResources',
    ]);
    // kms:Decrypt is named by the SecureString read (ssm:GetParameter decrypts through KMS).
    const granted = statements()
      .flatMap((s) => s.actions ?? [])
      .filter((action) => action !== 'kms:GenerateDataKey');
    expect([...new Set(granted)].sort()).toEqual(called);
    for (const file of readdirSync(LAMBDA_SRC)) {
      expect({ file, source: readFileSync(path.join(LAMBDA_SRC, file), 'utf8') }).not.toEqual({
        file,
        source: expect.stringMatching(/@aws-sdk\/client-(?:ec2|s3|ecr)'/),
      });
    }
  });

  it('scopes every grant to its one resource (only tag:GetResources, which has none, on *)', () => {
    const bySid = Object.fromEntries(statements().map((s) => [s.sid, s]));
    expect(bySid.ClaimAlerts?.resources).toEqual(['${aws_dynamodb_table.alerts.arn}']);
    expect(bySid.PublishAlerts?.resources).toEqual(['${aws_sns_topic.alerts.arn}']);
    expect(bySid.ReadOwnerTags?.resources).toEqual(['*']);
    expect(bySid.ReadParameters?.resources).toBe('${local.parameter_arns}');
    expect(bySid.DecryptSlackWebhook?.resources).toEqual(['${var.slack_webhook_kms_key_arn}']);
    expect(bySid.UseAlertKey?.resources).toEqual(['${var.kms_key_arn}']);
    expect(String(mod.locals().parameter_arns)).toContain(
      'compact([var.policy_parameter, var.slack_webhook_parameter])',
    );
    const attached = mod.resource('aws_iam_role_policy', 'finding_alert');
    expect(attached.policy).toBe('${data.aws_iam_policy_document.finding_alert.json}');
    expect(attached.role).toBe('${module.function.role_name}');
  });

  it('does not create the SSM parameters (tags publish owns the policy; the webhook stays out of the state)', () => {
    expect(mod.blocks('resource')).not.toHaveProperty('aws_ssm_parameter');
  });
});

describe('stack (modules/stack/lambdas.tf)', () => {
  // terraform.test.ts checks that every module call passes only variables the module declares.
  it('wires the module in, once per account, with the policy parameter, the webhook and the owner addresses', () => {
    const call = stack.module('finding_alert');
    expect(call.source).toBe('../finding-alert');
    expect(call.count).toBe('${var.account_baseline ? 1 : 0}');
    expect(call.policy_parameter).toBe('${local.tag_policy_parameter_name}');
    expect(call.slack_webhook_parameter).toBe('${var.slack_webhook_parameter}');
    expect(call.owner_emails).toBe('${var.alert_owner_emails}');
    for (const name of ['slack_webhook_parameter', 'alert_owner_emails']) {
      const variable = stack.variable(name);
      expect(typeof variable.type).toBe('string');
      expect(typeof variable.description).toBe('string');
    }
    expect(stack.variable('alert_owner_emails').type).toBe(mod.variable('owner_emails').type);
    // The table of sent alerts survives a destroy in prod only.
    expect(call.table_deletion_protection).toBe('${local.lambdas_keep_data}');
    expect(stack.locals().lambdas_keep_data).toBe('${var.environment == "prod"}');
  });

  it('outputs the topic', () => {
    expect(stack.output('finding_alert_topic_arn').value).toBe(
      '${var.account_baseline ? module.finding_alert[0].topic_arn : null}',
    );
  });
});
