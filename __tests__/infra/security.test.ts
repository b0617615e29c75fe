import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { DESCRIPTION_PREFIX } from '../../actions/src/sinks/parameter-store';
import { sha256 as policySha256 } from '../../actions/src/core/policy';
import { DEFAULT_TAG_PARAMETER } from '../../actions/src/core/tag-policy';
import { asRecord, single, TfDir, type Hcl } from '../support/hcl';

// The account's security services in modules/stack/security.tf and their modules: Inspector2,
// Security Hub with the standards and consolidated control findings the gates read, the
// encrypted alerts topic, the budget that notifies it, and the tag policy parameter that holds
// the repository's own policy file under the name the auto-tag Lambda reads.

const REPO_ROOT = path.resolve(__dirname, '../..');
const MODULES = path.join(REPO_ROOT, 'infra/modules');

const dirs = {
  stack: path.join(MODULES, 'stack'),
  inspector2: path.join(MODULES, 'inspector2'),
  securityhub: path.join(MODULES, 'securityhub'),
  alertsTopic: path.join(MODULES, 'alerts-topic'),
  budget: path.join(MODULES, 'budget'),
  parameter: path.join(MODULES, 'tag-policy-parameter'),
  autoTag: path.join(MODULES, 'auto-tag'),
};
const loaded = new Map<keyof typeof dirs, TfDir>();
const tf = (name: keyof typeof dirs): TfDir => loaded.get(name)!;

beforeAll(async () => {
  for (const [name, dir] of Object.entries(dirs)) {
    loaded.set(name as keyof typeof dirs, await TfDir.load(dir));
  }
});

/** Evaluates the few Terraform path expressions the stack uses for the repository's files. */
function resolveStackPath(expression: string): string {
  const match = /^\$\{path\.module\}\/(.+)$/.exec(expression);
  if (!match?.[1]) throw new Error(`not a path.module path: ${expression}`);
  return path.resolve(dirs.stack, match[1]);
}

describe('stack: account singletons', () => {
  it.each([
    'alerts_topic',
    'budget',
    'tag_policy_parameter',
    'inspector2',
    'securityhub',
    'config_rules',
  ])('module.%s exists once per account (account_baseline)', (name) => {
    const call = tf('stack').module(name);
    expect(call.count).toBe('${var.account_baseline ? 1 : 0}');
    expect(existsSync(path.resolve(dirs.stack, String(call.source), 'main.tf'))).toBe(true);
  });
});

describe('inspector2', () => {
  it('enables ECR, EC2 and Lambda scans for the calling account', () => {
    const enabler = tf('inspector2').resource('aws_inspector2_enabler', 'this');
    expect(enabler.account_ids).toEqual(['${data.aws_caller_identity.current.account_id}']);
    expect(enabler.resource_types).toBe('${var.resource_types}');
    expect(tf('inspector2').variable('resource_types').default).toEqual(['ECR', 'EC2', 'LAMBDA']);
    expect(tf('stack').module('inspector2').resource_types).toEqual(['ECR', 'EC2', 'LAMBDA']);
  });

  it('is the only enabler in the stack (a second one would undo its resource types)', () => {
    expect(tf('stack').module('ecr').enable_inspector).toBe(false);
  });
});

describe('securityhub', () => {
  it('generates consolidated control findings and subscribes only the chosen standards', () => {
    const account = tf('securityhub').resource('aws_securityhub_account', 'this');
    expect(account.control_finding_generator).toBe('SECURITY_CONTROL');
    // The defaults include CIS v1.2.0, whose controls the table is not written against.
    expect(account.enable_default_standards).toBe(false);
    const subscription = tf('securityhub').resource(
      'aws_securityhub_standards_subscription',
      'this',
    );
    expect(subscription.for_each).toBe('${local.standards_arns}');
    expect(subscription.standards_arn).toBe('${each.value}');
    expect(subscription.depends_on).toEqual(['${aws_securityhub_account.this}']);
  });

  it('builds the regional ARNs of FSBP v1.0.0 and CIS v3.0.0', () => {
    const arns = asRecord(tf('securityhub').locals().standards_arns, 'standards_arns');
    const prefix = 'arn:${local.partition}:securityhub:${local.region}::standards/';
    expect(arns).toEqual({
      'aws-foundational-security-best-practices': `${prefix}aws-foundational-security-best-practices/v/1.0.0`,
      'cis-aws-foundations-benchmark': `${prefix}cis-aws-foundations-benchmark/v/3.0.0`,
    });
    expect(tf('securityhub').locals().region).toBe('${data.aws_region.current.id}');
  });
});

describe('alerts topic', () => {
  it('is encrypted with its own rotating key, which the publishing services may use', () => {
    const topic = tf('alertsTopic').resource('aws_sns_topic', 'this');
    expect(topic.kms_master_key_id).toBe('${aws_kms_key.this.arn}');
    const key = tf('alertsTopic').resource('aws_kms_key', 'this');
    expect(key.enable_key_rotation).toBe(true);
    const statements = tf('alertsTopic').data('aws_iam_policy_document', 'key').statement as Hcl[];
    const publishers = statements.find((s) => s.sid === 'PublishersEncrypt');
    expect(publishers?.actions).toEqual(['kms:GenerateDataKey*', 'kms:Decrypt']);
    expect(single(publishers?.principals, 'principals').identifiers).toBe(
      '${var.publisher_services}',
    );
  });

  it('lets budgets and EventBridge of this account publish, over TLS only', () => {
    expect(tf('alertsTopic').variable('publisher_services').default).toEqual([
      'budgets.amazonaws.com',
      'events.amazonaws.com',
    ]);
    const passed = tf('stack').module('alerts_topic').publisher_services as string[];
    expect(passed).toEqual(
      expect.arrayContaining(['budgets.amazonaws.com', 'events.amazonaws.com']),
    );
    const statements = tf('alertsTopic').data('aws_iam_policy_document', 'topic')
      .statement as Hcl[];
    const publish = statements.find((s) => s.sid === 'ServicesOfThisAccountPublish');
    expect(publish?.actions).toEqual(['sns:Publish']);
    expect(single(publish?.principals, 'principals').identifiers).toBe('${var.publisher_services}');
    expect(single(publish?.condition, 'condition').variable).toBe('aws:SourceAccount');
    expect(statements.find((s) => s.sid === 'DenyInsecureTransport')?.effect).toBe('Deny');
    expect(tf('alertsTopic').resource('aws_sns_topic_policy', 'this').policy).toBe(
      '${data.aws_iam_policy_document.topic.json}',
    );
  });

  it('subscribes the email addresses it is given, and the stack names its ARN for others', () => {
    const subscription = tf('alertsTopic').resource('aws_sns_topic_subscription', 'email');
    expect(subscription.for_each).toBe('${toset(var.email_addresses)}');
    expect(subscription.protocol).toBe('email');
    expect(tf('stack').module('alerts_topic').email_addresses).toBe('${var.alert_emails}');
    expect(tf('stack').locals().alerts_topic_arn).toBe(
      'arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.alerts_topic_name}',
    );
    expect(tf('stack').module('alerts_topic').name).toBe('${local.alerts_topic_name}');
  });
});

describe('budget', () => {
  it('is a monthly cost budget whose actual and forecasted notifications go to the topic', () => {
    const budget = tf('budget').resource('aws_budgets_budget', 'monthly');
    expect(budget).toMatchObject({ budget_type: 'COST', time_unit: 'MONTHLY', limit_unit: 'USD' });
    const notifications = asRecord(budget.dynamic, 'dynamic').notification as Hcl[];
    const types = notifications.map((n) => single(n.content, 'content').notification_type);
    expect(types.sort()).toEqual(['ACTUAL', 'FORECASTED']);
    for (const notification of notifications) {
      const content = single(notification.content, 'content');
      expect(content.subscriber_sns_topic_arns).toEqual(['${var.topic_arn}']);
      expect(content.subscriber_email_addresses).toBe('${var.email_addresses}');
      expect(content.threshold_type).toBe('PERCENTAGE');
    }
    const call = tf('stack').module('budget');
    expect(call.topic_arn).toBe('${module.alerts_topic[0].topic_arn}');
    expect(call.email_addresses).toBe('${var.budget_emails}');
    expect(call.limit_amount).toBe('${var.budget_limit_usd}');
  });
});

describe('tag policy parameter', () => {
  it("holds the repository's policy file", () => {
    const parameter = tf('parameter').resource('aws_ssm_parameter', 'this');
    expect(parameter.insecure_value).toBe('${local.text}');
    expect(tf('parameter').locals().text).toBe('${file(var.policy_file)}');
    const call = tf('stack').module('tag_policy_parameter');
    expect(call.policy_file).toBe('${local.tag_policy_file}');
    const file = resolveStackPath(String(tf('stack').locals().tag_policy_file));
    expect(path.relative(REPO_ROOT, file)).toBe('.github/assetguard.yml');
    expect(existsSync(file)).toBe(true);
  });

  it('is written as tags publish writes it, so a publish and an apply agree', () => {
    const parameter = tf('parameter').resource('aws_ssm_parameter', 'this');
    expect(parameter.type).toBe('String');
    expect(parameter.description).toBe(`${DESCRIPTION_PREFIX}\${sha256(local.text)}`);
    // Terraform's sha256() is the hex digest of the UTF-8 text of the file; publish must hash
    // the same text the same way, or the two would rewrite each other's description.
    const text = readFileSync(path.join(REPO_ROOT, '.github/assetguard.yml'), 'utf8');
    expect(policySha256(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(8192);
  });

  it('is named what the auto-tag Lambda reads', () => {
    const parameter = tf('parameter').resource('aws_ssm_parameter', 'this');
    expect(parameter.name).toBe('${var.name}');
    expect(tf('parameter').variable('name').default).toBe(DEFAULT_TAG_PARAMETER);
    expect(tf('autoTag').variable('tag_policy_parameter').default).toBe(DEFAULT_TAG_PARAMETER);
    const stack = tf('stack');
    expect(stack.module('tag_policy_parameter').name).toBe('${local.tag_policy_parameter_name}');
    expect(stack.module('auto_tag').tag_policy_parameter).toBe(
      '${local.tag_policy_parameter_name}',
    );
    expect(stack.module('finding_alert').policy_parameter).toBe(
      '${local.tag_policy_parameter_name}',
    );
    expect(stack.locals().tag_policy_parameter_name).toBe('${var.tag_policy_parameter}');
    expect(stack.variable('tag_policy_parameter').default).toBe(DEFAULT_TAG_PARAMETER);
  });
});
