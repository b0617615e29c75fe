import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { asRecord, single, TfDir, type Hcl } from '../support/hcl';

// infra/modules/lambda-function is the plumbing every assetguard Lambda shares (bundle, log
// group, function, retries, dead-letter queue, execution role). These checks hold it to what
// the Lambdas need, and hold the modules that call it (auto-tag, finding-alert) to passing their
// own settings through and keeping applied states in place.

const REPO_ROOT = path.resolve(__dirname, '../..');
const MODULE_DIR = path.join(REPO_ROOT, 'infra/modules/lambda-function');
/** The modules that deploy a Lambda, by their folder under actions/dist/lambda. */
const CALLERS = ['auto-tag', 'finding-alert'] as const;

/** The settings every caller declares as its own variables and passes through unchanged. */
const PASSED_THROUGH = [
  'function_name',
  'bundle_dir',
  'runtime',
  'timeout',
  'memory_size',
  'reserved_concurrent_executions',
  'log_retention_days',
  'maximum_retry_attempts',
  'tags',
];

let mod: TfDir;
const callers = new Map<string, TfDir>();

beforeAll(async () => {
  mod = await TfDir.load(MODULE_DIR);
  for (const name of CALLERS) {
    callers.set(name, await TfDir.load(path.join(REPO_ROOT, 'infra/modules', name)));
  }
});

const caller = (name: string): TfDir => callers.get(name)!;
const fn = (): Hcl => mod.resource('aws_lambda_function', 'this');
const validationOf = (variable: string): string =>
  String(single(mod.variable(variable).validation, `${variable} validation`).condition);

describe('lambda-function module: the function', () => {
  it('runs the bundle as index.handler on arm64 with a Node.js 20+ runtime', () => {
    expect(fn().handler).toBe('index.handler');
    expect(fn().architectures).toEqual(['arm64']);
    expect(fn().runtime).toBe('${var.runtime}');
    expect(validationOf('runtime')).toBe('${contains(["nodejs20.x", "nodejs22.x"], var.runtime)}');
    expect(fn().timeout).toBe('${var.timeout}');
    expect(fn().memory_size).toBe('${var.memory_size}');
    // Reserved concurrency is optional: null leaves the function in the account's pool.
    expect(fn().reserved_concurrent_executions).toBe('${var.reserved_concurrent_executions}');
    expect(mod.variable('reserved_concurrent_executions').default).toBeNull();
    expect(single(fn().environment, 'environment').variables).toBe('${var.environment}');
  });

  it('deploys the zip of the committed bundle of its name, redeploying when its hash changes', () => {
    const archive = mod.data('archive_file', 'bundle');
    expect(archive.type).toBe('zip');
    expect(archive.source_dir).toBe('${local.bundle_dir}');
    expect(mod.locals().bundle_dir).toBe(
      '${coalesce(var.bundle_dir, "${path.module}/../../../actions/dist/lambda/${var.name}")}',
    );
    expect(mod.variable('bundle_dir').default).toBeNull();
    const resolved = path.resolve(MODULE_DIR, '../../../actions/dist/lambda');
    expect(path.relative(REPO_ROOT, resolved)).toBe('actions/dist/lambda');
    // The zip is written under .terraform/ (gitignored), never into the repository tree.
    expect(archive.output_path).toMatch(/^\$\{path\.root\}\/\.terraform\//);
    expect(fn().filename).toBe('${data.archive_file.bundle.output_path}');
    expect(fn().source_code_hash).toBe('${data.archive_file.bundle.output_base64sha256}');
  });

  it('logs to its own log group with a retention, created before the function', () => {
    const group = mod.resource('aws_cloudwatch_log_group', 'this');
    expect(group.name).toBe('${local.log_group_name}');
    expect(mod.locals().log_group_name).toBe('/aws/lambda/${var.function_name}');
    expect(group.retention_in_days).toBe('${var.log_retention_days}');
    expect(fn().depends_on).toContain('${aws_cloudwatch_log_group.this}');
  });

  it('retries failed invocations, then sends the event to an encrypted dead-letter queue', () => {
    const dynamic = asRecord(fn().dynamic, 'dynamic');
    const deadLetter = single(dynamic.dead_letter_config, 'dead_letter_config');
    expect(deadLetter.for_each).toBe('${var.create_dead_letter_queue ? [1] : []}');
    expect(single(deadLetter.content, 'content').target_arn).toBe(
      '${aws_sqs_queue.dead_letter[0].arn}',
    );
    const queue = mod.resource('aws_sqs_queue', 'dead_letter');
    expect(queue.count).toBe('${var.create_dead_letter_queue ? 1 : 0}');
    expect(queue.name).toBe('${var.function_name}-dlq');
    expect(queue.sqs_managed_sse_enabled).toBe('${var.kms_key_arn == null ? true : null}');
    expect(queue.kms_master_key_id).toBe('${var.kms_key_arn}');
    const invoke = mod.resource('aws_lambda_function_event_invoke_config', 'this');
    expect(invoke.maximum_retry_attempts).toBe('${var.maximum_retry_attempts}');
    expect(validationOf('maximum_retry_attempts')).toBe(
      '${var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 2}',
    );
  });
});

describe('lambda-function module: IAM', () => {
  it('lets only Lambda, in this account, assume the role named after the function', () => {
    const trust = single(mod.data('aws_iam_policy_document', 'trust').statement, 'trust');
    expect(trust.actions).toEqual(['sts:AssumeRole']);
    expect(single(trust.principals, 'principals')).toEqual({
      type: 'Service',
      identifiers: ['lambda.amazonaws.com'],
    });
    expect(single(trust.condition, 'condition').variable).toBe('aws:SourceAccount');
    const role = mod.resource('aws_iam_role', 'this');
    expect(role.name).toBe('${var.function_name}');
    expect(role.assume_role_policy).toBe('${data.aws_iam_policy_document.trust.json}');
    expect(fn().role).toBe('${aws_iam_role.this.arn}');
  });

  it('grants the basic execution permissions on its own log group only', () => {
    const logs = mod.resource('aws_iam_role_policy', 'logs');
    expect(logs.name).toBe('assetguard-${var.name}-logs');
    expect(logs.role).toBe('${aws_iam_role.this.id}');
    const text = String(logs.policy);
    expect(text).toContain('["logs:CreateLogStream", "logs:PutLogEvents"]');
    expect(text).toContain('Resource = "${aws_cloudwatch_log_group.this.arn}:*"');
  });

  it('lets the role send to its own dead-letter queue only', () => {
    const deadLetter = mod.resource('aws_iam_role_policy', 'dead_letter');
    expect(deadLetter.name).toBe('assetguard-${var.name}-dead-letter');
    expect(deadLetter.count).toBe('${var.create_dead_letter_queue ? 1 : 0}');
    const text = String(deadLetter.policy);
    expect(text).toContain('Action   = "sqs:SendMessage"');
    expect(text).toContain('Resource = aws_sqs_queue.dead_letter[0].arn');
  });
});

describe('lambda-function module: interface', () => {
  it('outputs what a caller wires triggers and policies to', () => {
    expect(mod.output('function_name').value).toBe('${aws_lambda_function.this.function_name}');
    expect(mod.output('function_arn').value).toBe('${aws_lambda_function.this.arn}');
    expect(mod.output('role_name').value).toBe('${aws_iam_role.this.name}');
    expect(mod.output('role_arn').value).toBe('${aws_iam_role.this.arn}');
    expect(mod.output('log_group_name').value).toBe('${aws_cloudwatch_log_group.this.name}');
  });

  it('requires the aws and archive providers', () => {
    const terraform = single(
      mod.files.flatMap((f) => (f.json.terraform as unknown[] | undefined) ?? []),
      'terraform',
    );
    const providers = single(terraform.required_providers, 'required_providers');
    expect(asRecord(providers.aws, 'aws').source).toBe('hashicorp/aws');
    expect(asRecord(providers.archive, 'archive').source).toBe('hashicorp/archive');
  });
});

describe.each(CALLERS)('modules/%s deploys its Lambda through it', (name) => {
  it('names its committed bundle, and passes its own settings through', () => {
    const call = caller(name).module('function');
    expect(call.source).toBe('../lambda-function');
    expect(call.name).toBe(name);
    expect(existsSync(path.join(REPO_ROOT, 'actions/dist/lambda', name, 'index.js'))).toBe(true);
    for (const variable of PASSED_THROUGH) {
      expect({ variable, passed: call[variable] }).toEqual({
        variable,
        passed: `\${var.${variable}}`,
      });
    }
    expect(caller(name).variable('bundle_dir').default).toBeNull();
  });

  it('defaults to a Node.js 20+ runtime, 30 s, 256 MB, unreserved concurrency and a log retention', () => {
    const defaultOf = (variable: string): unknown => caller(name).variable(variable).default;
    expect(['nodejs20.x', 'nodejs22.x']).toContain(defaultOf('runtime'));
    expect(defaultOf('timeout')).toBe(30);
    expect(defaultOf('memory_size')).toBe(256);
    expect(defaultOf('reserved_concurrent_executions')).toBeNull();
    expect(typeof defaultOf('log_retention_days')).toBe('number');
    expect(defaultOf('maximum_retry_attempts')).toBe(2);
  });

  it('creates no Lambda plumbing of its own, and attaches its policies to the shared role', () => {
    const resources = caller(name).blocks('resource');
    for (const type of Object.keys(mod.blocks('resource'))) {
      if (type === 'aws_iam_role_policy') continue;
      expect({ type, declared: type in resources }).toEqual({ type, declared: false });
    }
    const policies = Object.keys(asRecord(resources.aws_iam_role_policy, 'aws_iam_role_policy'));
    expect(policies.length).toBeGreaterThan(0);
    for (const policy of policies) {
      const { role } = caller(name).resource('aws_iam_role_policy', policy);
      expect({ policy, role }).toEqual({ policy, role: '${module.function.role_name}' });
    }
  });

  it('moves every resource of the plumbing from where states applied before the move hold it', () => {
    // Without a moved block, Terraform would destroy the function, its role and its log group
    // (with the logs) and create them again under module.function.
    const moved = caller(name).files.flatMap(
      (f) => (f.json.moved as { from: string; to: string }[] | undefined) ?? [],
    );
    const targets = Object.entries(mod.blocks('resource')).flatMap(([type, byName]) =>
      Object.keys(asRecord(byName, type)).map((resource) => `${type}.${resource}`),
    );
    expect(moved.map((m) => m.from.replace(/^\$\{|\}$/g, '')).sort()).toEqual([...targets].sort());
    for (const { from, to } of moved) {
      const address = from.replace(/^\$\{|\}$/g, '');
      expect(to).toMatch(
        new RegExp(`^\\$\\{module\\.function\\.${address.replace('.', '\\.')}(\\[0\\])?\\}$`),
      );
    }
  });
});

describe('modules/stack deploys every committed Lambda bundle', () => {
  // A handler bundled into actions/dist/lambda but deployed by no module of the stack would be
  // built, reviewed and never run.
  const STACK_DIR = path.join(REPO_ROOT, 'infra/modules/stack');
  let stack: TfDir;

  beforeAll(async () => {
    stack = await TfDir.load(STACK_DIR);
  });

  it('calls, once per account, a module that packages each bundle through lambda-function', async () => {
    const bundles = readdirSync(path.join(REPO_ROOT, 'actions/dist/lambda')).sort();
    expect(bundles.length).toBeGreaterThan(0);
    const deployed: string[] = [];
    for (const [name, body] of Object.entries(stack.blocks('module'))) {
      const call = single(body, `module.${name}`);
      const dir = path.resolve(STACK_DIR, String(call.source));
      const called = await TfDir.load(dir);
      const fnCall = called.blocks('module').function;
      if (fnCall === undefined) continue;
      const inner = single(fnCall, `${name} module.function`);
      if (inner.source !== '../lambda-function') continue;
      expect({ name, count: call.count }).toEqual({
        name,
        count: '${var.account_baseline ? 1 : 0}',
      });
      deployed.push(String(inner.name));
    }
    expect(deployed.sort()).toEqual(bundles);
  });
});
