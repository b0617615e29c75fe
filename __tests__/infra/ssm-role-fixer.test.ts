import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import {
  CREATE_DEFAULT_ENV,
  DEFAULT_PROFILE_ENV,
  DEFAULT_ROLE_ENV,
  DEFAULT_ROLE_NAME,
  EXCEPTIONS_ENV,
  SLACK_PARAMETER_ENV,
  TOPIC_ENV,
} from '../../actions/src/lambda/ssm-role-fixer/config';
import { eventPatterns } from '../../actions/src/lambda/ssm-role-fixer/events';
import { ssmPolicyArn } from '../../actions/src/lambda/ssm-role-fixer/fixer';
import { asRecord, single, TfDir, type Hcl } from '../support/hcl';

// infra/modules/ssm-role-fixer must deploy what the handler expects: these checks tie the
// Terraform to the bundle, the event patterns, the environment and the calls the code makes.

const REPO_ROOT = path.resolve(__dirname, '../..');
const MODULE_DIR = path.join(REPO_ROOT, 'infra/modules/ssm-role-fixer');
const LAMBDA_MODULE_DIR = path.join(REPO_ROOT, 'infra/modules/lambda-function');
const STACK_DIR = path.join(REPO_ROOT, 'infra/modules/stack');
const LAMBDA_SRC = path.join(REPO_ROOT, 'actions/src/lambda/ssm-role-fixer');

let mod: TfDir;
let lambda: TfDir;
let stack: TfDir;

beforeAll(async () => {
  [mod, lambda, stack] = await Promise.all([
    TfDir.load(MODULE_DIR),
    TfDir.load(LAMBDA_MODULE_DIR),
    TfDir.load(STACK_DIR),
  ]);
});

const variableDefault = (name: string): unknown => mod.variable(name).default;
const readModuleFile = (rel: string): unknown =>
  JSON.parse(readFileSync(path.join(MODULE_DIR, rel), 'utf8'));

interface Statement {
  sid?: string;
  effect?: string;
  actions?: string[];
  resources?: string[] | string;
  condition?: Hcl[];
  for_each?: string;
}

/** Every statement of the role's policy document, the dynamic (optional) ones included. */
function statements(): Statement[] {
  const document = mod.data('aws_iam_policy_document', 'ssm_role_fixer');
  const fixed = (document.statement as Statement[] | undefined) ?? [];
  const dynamic = asRecord(document.dynamic, 'dynamic');
  const optional = (dynamic.statement as { for_each: string; content: Statement[] }[]).map(
    (block) => ({
      ...single(block.content, 'dynamic statement content'),
      for_each: block.for_each,
    }),
  ) as Statement[];
  return [...fixed, ...optional];
}

const bySid = (): Record<string, Statement> =>
  Object.fromEntries(statements().map((s) => [s.sid ?? '', s]));

/** The permissions named in the Lambda's code and every module it imports, as awsFailure names them. */
function permissionsNamed(): { named: string[]; seen: Set<string> } {
  const named = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // No sts: the Lambda has no STS client; the default role's trust policy names sts:AssumeRole
    // for EC2, which is not a call it makes.
    for (const match of source.matchAll(/\b(?:ec2|iam|kms|s3|sns|ssm|tag):[A-Z][a-z][A-Za-z]*/g)) {
      named.add(match[0]);
    }
    for (const [, spec] of source.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), spec ?? '');
      if (existsSync(`${target}.ts`)) visit(`${target}.ts`);
    }
  };
  visit(path.join(LAMBDA_SRC, 'index.ts'));
  return { named: [...named].sort(), seen };
}

describe('ssm-role-fixer module: the Lambda function (through modules/lambda-function)', () => {
  it('names its committed bundle, and passes its own settings through', () => {
    const call = mod.module('function');
    expect(call.source).toBe('../lambda-function');
    expect(call.name).toBe('ssm-role-fixer');
    expect(existsSync(path.join(REPO_ROOT, 'actions/dist/lambda/ssm-role-fixer/index.js'))).toBe(
      true,
    );
    for (const variable of [
      'function_name',
      'bundle_dir',
      'runtime',
      'timeout',
      'memory_size',
      'reserved_concurrent_executions',
      'log_retention_days',
      'maximum_retry_attempts',
      'kms_key_arn',
      'tags',
    ]) {
      expect({ variable, passed: call[variable] }).toEqual({
        variable,
        passed: `\${var.${variable}}`,
      });
    }
    // Always a dead-letter queue: what failed after the retries is kept.
    expect(call.create_dead_letter_queue).toBe(true);
    expect(variableDefault('bundle_dir')).toBeNull();
  });

  it('defaults to a Node.js 20+ runtime, 30 s (the 15 s association wait fits), 256 MB and 2 retries', () => {
    expect(['nodejs20.x', 'nodejs22.x']).toContain(variableDefault('runtime'));
    expect(variableDefault('timeout')).toBe(30);
    expect(variableDefault('memory_size')).toBe(256);
    expect(variableDefault('reserved_concurrent_executions')).toBeNull();
    expect(variableDefault('maximum_retry_attempts')).toBe(2);
  });

  it('creates no Lambda plumbing of its own, and attaches its policy to the shared role', () => {
    const resources = mod.blocks('resource');
    for (const type of Object.keys(lambda.blocks('resource'))) {
      if (type === 'aws_iam_role_policy') continue;
      expect({ type, declared: type in resources }).toEqual({ type, declared: false });
    }
    const attached = mod.resource('aws_iam_role_policy', 'ssm_role_fixer');
    expect(attached.role).toBe('${module.function.role_name}');
    expect(attached.policy).toBe('${data.aws_iam_policy_document.ssm_role_fixer.json}');
  });

  it('passes every setting in the variable the handler reads', () => {
    const text = String(mod.module('function').environment).replace(/\s+/g, ' ');
    expect(text).toContain(`${TOPIC_ENV} = local.topic_arn`);
    expect(text).toContain(`${EXCEPTIONS_ENV} = join(",", var.exception_role_names)`);
    expect(text).toContain(`${CREATE_DEFAULT_ENV} = var.create_default_profile ? "true" : "false"`);
    expect(text).toContain(`${DEFAULT_ROLE_ENV} = var.default_role_name`);
    expect(text).toContain(`${DEFAULT_PROFILE_ENV} = local.default_profile_name`);
    expect(text).toContain(
      `var.slack_webhook_parameter == null ? {} : { ${SLACK_PARAMETER_ENV} = var.slack_webhook_parameter }`,
    );
    expect(mod.locals().default_profile_name).toBe(
      '${coalesce(var.default_profile_name, var.default_role_name)}',
    );
  });

  it('defaults like the handler: no default profile, the same default role name, no exceptions', () => {
    expect(variableDefault('create_default_profile')).toBe(false);
    expect(variableDefault('default_role_name')).toBe(DEFAULT_ROLE_NAME);
    expect(variableDefault('default_profile_name')).toBeNull();
    expect(variableDefault('exception_role_names')).toEqual([]);
  });

  it('reports to its own encrypted topic unless given one', () => {
    const topic = mod.resource('aws_sns_topic', 'reports');
    expect(topic.count).toBe('${var.topic_arn == null ? 1 : 0}');
    expect(topic.kms_master_key_id).toBe('${coalesce(var.kms_key_arn, "alias/aws/sns")}');
    expect(mod.locals().topic_arn).toBe(
      '${var.topic_arn != null ? var.topic_arn : aws_sns_topic.reports[0].arn}',
    );
    const subscription = mod.resource('aws_sns_topic_subscription', 'email');
    expect(subscription.for_each).toBe('${toset(var.report_emails)}');
    expect(subscription.protocol).toBe('email');
  });
});

describe('ssm-role-fixer module: EventBridge', () => {
  it('the pattern files are exactly eventPatterns() of the Lambda', () => {
    const { stateChange, apiCalls } = eventPatterns();
    expect(readModuleFile('policies/state-change-pattern.json')).toEqual(stateChange);
    expect(readModuleFile('policies/api-call-pattern.json')).toEqual(apiCalls);
  });

  it.each([
    ['state_change', 'state-change-pattern.json'],
    ['api_calls', 'api-call-pattern.json'],
  ])('the %s rule uses its pattern on the default bus and invokes the function', (name, file) => {
    const rule = mod.resource('aws_cloudwatch_event_rule', name);
    expect(rule.event_pattern).toBe(`\${file("\${path.module}/policies/${file}")}`);
    expect(rule.event_bus_name).toBeUndefined();
    const target = mod.resource('aws_cloudwatch_event_target', name);
    expect(target.rule).toBe(`\${aws_cloudwatch_event_rule.${name}.name}`);
    expect(target.arn).toBe('${module.function.function_arn}');
    const permission = mod.resource('aws_lambda_permission', name);
    expect(permission.principal).toBe('events.amazonaws.com');
    expect(permission.action).toBe('lambda:InvokeFunction');
    expect(permission.function_name).toBe('${module.function.function_name}');
    expect(permission.source_arn).toBe(`\${aws_cloudwatch_event_rule.${name}.arn}`);
  });
});

describe('ssm-role-fixer module: IAM', () => {
  it('grants exactly the calls the Lambda code names, in its folder and every module it imports', () => {
    const { named, seen } = permissionsNamed();
    expect(seen).toContain(path.join(REPO_ROOT, 'actions/src/sinks/slack.ts'));
    for (const file of seen) {
      expect({ file, sts: readFileSync(file, 'utf8').includes('@aws-sdk/client-sts') }).toEqual({
        file,
        sts: false,
      });
    }
    expect(named).toEqual([
      'ec2:AssociateIamInstanceProfile',
      'ec2:DescribeIamInstanceProfileAssociations',
      // The instance must exist before anything else is read or written.
      'ec2:DescribeInstances',
      'iam:AddRoleToInstanceProfile',
      'iam:AttachRolePolicy',
      'iam:CreateInstanceProfile',
      'iam:CreateRole',
      'iam:GetInstanceProfile',
      'iam:ListAttachedRolePolicies',
      'iam:PassRole',
      // Named by the SecureString read (ssm:GetParameter decrypts through KMS).
      'kms:Decrypt',
      'sns:Publish',
      'ssm:GetParameter',
    ]);
    const granted = statements()
      .filter((s) => s.effect === 'Allow')
      .flatMap((s) => s.actions ?? [])
      .filter((action) => action !== 'kms:GenerateDataKey');
    expect([...new Set(granted)].sort()).toEqual(named);
  });

  it('never replaces or disassociates a profile, nor detaches anything: the code cannot, the role may not', () => {
    const forbidden =
      /DisassociateIamInstanceProfile|ReplaceIamInstanceProfileAssociation|DetachRolePolicy|RemoveRoleFromInstanceProfile|DeleteRole|DeleteInstanceProfile|PutRolePolicy/;
    for (const file of readdirSync(LAMBDA_SRC)) {
      const source = readFileSync(path.join(LAMBDA_SRC, file), 'utf8');
      // events.ts names ReplaceIamInstanceProfileAssociation as an event it reads, not a call.
      const commands = [...source.matchAll(/\b([A-Z][A-Za-z]+)Command\b/g)].map((m) => m[1] ?? '');
      expect({ file, commands: commands.filter((c) => forbidden.test(c)) }).toEqual({
        file,
        commands: [],
      });
    }
    const allowed = statements()
      .filter((s) => s.effect === 'Allow')
      .flatMap((s) => s.actions ?? []);
    expect(allowed.filter((action) => forbidden.test(action))).toEqual([]);
  });

  it('may attach only AmazonSSMManagedInstanceCore, of this partition, to any role', () => {
    const attach = bySid().AttachTheSsmPolicyOnly;
    expect(attach?.actions).toEqual(['iam:AttachRolePolicy']);
    expect(attach?.resources).toEqual(['${local.iam_prefix}:role/*']);
    expect(single(attach?.condition, 'condition')).toEqual({
      test: 'ArnEquals',
      variable: 'iam:PolicyARN',
      values: ['${local.ssm_policy_arn}'],
    });
    expect(mod.locals().ssm_policy_arn).toBe(ssmPolicyArn('${local.partition}'));
    expect(mod.locals().iam_prefix).toBe('arn:${local.partition}:iam::${local.account}');
  });

  it('denies attaching to excepted roles, with or without a path', () => {
    const deny = bySid().NeverTouchExceptedRoles;
    expect(deny).toMatchObject({
      effect: 'Deny',
      actions: ['iam:AttachRolePolicy'],
      resources: '${local.excepted_role_arns}',
      for_each: '${length(var.exception_role_names) > 0 ? [1] : []}',
    });
    expect(String(mod.locals().excepted_role_arns)).toContain(
      '["${local.iam_prefix}:role/${name}", "${local.iam_prefix}:role/*/${name}"]',
    );
  });

  it('may create, pass and associate only the default role and profile, and only when allowed', () => {
    const sids = bySid();
    const creation = [
      'CreateTheDefaultRole',
      'CreateTheDefaultProfile',
      'PassTheDefaultRoleOnly',
      'AssociateTheDefaultProfile',
    ];
    for (const sid of creation) {
      expect({ sid, for_each: sids[sid]?.for_each }).toEqual({
        sid,
        for_each: '${var.create_default_profile ? [1] : []}',
      });
    }
    expect(sids.CreateTheDefaultRole?.resources).toEqual(['${local.default_role_arn}']);
    expect(sids.CreateTheDefaultProfile?.resources).toEqual(['${local.default_profile_arn}']);
    expect(sids.PassTheDefaultRoleOnly?.resources).toEqual(['${local.default_role_arn}']);
    expect(sids.AssociateTheDefaultProfile?.resources).toEqual([
      'arn:${local.partition}:ec2:${local.region}:${local.account}:instance/*',
    ]);
    // Every other grant holds whatever create_default_profile says: none of these is among them.
    const always = statements().filter((s) => s.for_each === undefined);
    const alwaysActions = always.flatMap((s) => s.actions ?? []);
    for (const action of [
      'iam:CreateRole',
      'iam:CreateInstanceProfile',
      'iam:AddRoleToInstanceProfile',
      'iam:PassRole',
      'ec2:AssociateIamInstanceProfile',
    ]) {
      expect(alwaysActions).not.toContain(action);
    }
  });

  it('scopes the reads, the topic and the webhook to their resources ("*" only where IAM has no resource)', () => {
    const sids = bySid();
    expect(sids.ReadInstances?.actions).toEqual(['ec2:DescribeInstances']);
    expect(sids.ReadInstances?.resources).toEqual(['*']);
    expect(sids.ReadInstanceProfileAssociations?.resources).toEqual(['*']);
    expect(sids.ReadInstanceProfiles?.resources).toEqual([
      '${local.iam_prefix}:instance-profile/*',
    ]);
    expect(sids.ReadRolePolicies?.resources).toEqual(['${local.iam_prefix}:role/*']);
    expect(sids.PublishReports?.resources).toEqual(['${local.topic_arn}']);
    expect(sids.ReadSlackWebhook?.resources).toEqual(['${local.slack_parameter_arn}']);
    expect(sids.DecryptSlackWebhook?.resources).toEqual(['${var.slack_webhook_kms_key_arn}']);
  });
});

describe('stack (modules/stack/lambdas.tf)', () => {
  it('wires the module in once per account, with the shared Slack webhook and its own settings', () => {
    const call = stack.module('ssm_role_fixer');
    expect(call.source).toBe('../ssm-role-fixer');
    expect(call.count).toBe('${var.account_baseline ? 1 : 0}');
    expect(call.slack_webhook_parameter).toBe('${var.slack_webhook_parameter}');
    expect(call.exception_role_names).toBe('${var.ssm_fixer_exception_role_names}');
    expect(call.create_default_profile).toBe('${var.ssm_fixer_create_default_profile}');
    expect(stack.variable('ssm_fixer_create_default_profile').default).toBe(false);
    expect(stack.output('ssm_role_fixer_topic_arn').value).toBe(
      '${var.account_baseline ? module.ssm_role_fixer[0].topic_arn : null}',
    );
  });
});
