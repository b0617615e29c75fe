import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { DEFAULT_TAG_PARAMETER } from '../../actions/src/core/tag-policy';
import { PARAMETER_ENV } from '../../actions/src/lambda/auto-tag/handler';
import { eventPattern } from '../../actions/src/lambda/auto-tag/events';
import { asRecord, single, TfDir } from '../support/hcl';

// infra/modules/auto-tag must deploy exactly what docs/auto-tag.md describes and the code
// expects: these checks tie the Terraform to the bundle, the event table and the docs.

const REPO_ROOT = path.resolve(__dirname, '../..');
const MODULE_DIR = path.join(REPO_ROOT, 'infra/modules/auto-tag');
const STACK_DIR = path.join(REPO_ROOT, 'infra/modules/stack');
const LAMBDA_SRC = path.join(REPO_ROOT, 'actions/src/lambda/auto-tag');
const DOC = readFileSync(path.join(REPO_ROOT, 'docs/auto-tag.md'), 'utf8');

interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
}
interface PolicyDocument {
  Version?: string;
  Statement: Statement[];
}

const actionsOf = (s: Statement): string[] =>
  Array.isArray(s.Action) ? s.Action : s.Action === undefined ? [] : [s.Action];

const jsonBlocks = (markdown: string): unknown[] =>
  [...markdown.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? '') as unknown);

/** The docs' IAM policy: the one JSON block that is a policy document. */
function documentedPolicy(): PolicyDocument {
  const policies = jsonBlocks(DOC).filter(
    (block): block is PolicyDocument =>
      typeof block === 'object' && block !== null && 'Statement' in block,
  );
  expect(policies).toHaveLength(1);
  return policies[0]!;
}

const readModuleFile = (rel: string): string => readFileSync(path.join(MODULE_DIR, rel), 'utf8');

/** Terraform's templatefile() for plain ${name} placeholders (all the policy template uses). */
function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`template variable ${name} is not passed`);
    return value;
  });
}

let mod: TfDir;
let stack: TfDir;

beforeAll(async () => {
  [mod, stack] = await Promise.all([TfDir.load(MODULE_DIR), TfDir.load(STACK_DIR)]);
});

const variableDefault = (name: string): unknown => mod.variable(name).default;

// The bundle, runtime, log group, dead-letter queue and role trust are modules/lambda-function's,
// checked with every module that calls it in lambda-function.test.ts.
describe('auto-tag module: the Lambda function', () => {
  it('passes the policy parameter in the variable the handler reads, defaulting to the one publish writes', () => {
    const call = mod.module('function');
    expect(call.environment).toEqual({ [PARAMETER_ENV]: '${var.tag_policy_parameter}' });
    expect(variableDefault('tag_policy_parameter')).toBe(DEFAULT_TAG_PARAMETER);
  });

  it('keeps the dead-letter queue optional', () => {
    expect(mod.module('function').create_dead_letter_queue).toBe('${var.create_dead_letter_queue}');
    expect(variableDefault('create_dead_letter_queue')).toBe(true);
  });
});

describe('auto-tag module: EventBridge', () => {
  it('uses policies/event-pattern.json as the rule pattern', () => {
    const rule = mod.resource('aws_cloudwatch_event_rule', 'this');
    expect(rule.event_pattern).toBe('${file("${path.module}/policies/event-pattern.json")}');
    // Only the default bus receives CloudTrail's events.
    expect(rule.event_bus_name).toBeUndefined();
  });

  it('keeps policies/event-pattern.json equal to eventPattern() of the Lambda', () => {
    // On failure, regenerate: npx tsx -e "import {eventPattern} from './actions/src/lambda/auto-tag/events';
    //   console.log(JSON.stringify(eventPattern(), null, 2))" > infra/modules/auto-tag/policies/event-pattern.json
    expect(JSON.parse(readModuleFile('policies/event-pattern.json'))).toEqual(eventPattern());
  });

  it('targets the function, and lets only this rule invoke it', () => {
    const target = mod.resource('aws_cloudwatch_event_target', 'this');
    expect(target.rule).toBe('${aws_cloudwatch_event_rule.this.name}');
    expect(target.arn).toBe('${module.function.function_arn}');

    const permission = mod.resource('aws_lambda_permission', 'events');
    expect(permission.action).toBe('lambda:InvokeFunction');
    expect(permission.principal).toBe('events.amazonaws.com');
    expect(permission.function_name).toBe('${module.function.function_name}');
    expect(permission.source_arn).toBe('${aws_cloudwatch_event_rule.this.arn}');
  });

  it('creates a trail only when asked (EventBridge gets CloudTrail events only from a trail)', () => {
    expect(variableDefault('create_trail')).toBe(false);
    const resources = mod.blocks('resource');
    const trailResources = Object.entries(resources).filter(([type]) =>
      ['aws_cloudtrail', 'aws_s3_bucket', 'aws_s3_bucket_policy'].includes(type),
    );
    expect(trailResources.map(([type]) => type).sort()).toEqual([
      'aws_cloudtrail',
      'aws_s3_bucket',
      'aws_s3_bucket_policy',
    ]);
    for (const [type, byName] of Object.entries(resources)) {
      if (!type.startsWith('aws_s3_') && type !== 'aws_cloudtrail') continue;
      for (const name of Object.keys(asRecord(byName, type))) {
        expect({ [`${type}.${name}`]: mod.resource(type, name).count }).toEqual({
          [`${type}.${name}`]: '${var.create_trail ? 1 : 0}',
        });
      }
    }
    const trail = mod.resource('aws_cloudtrail', 'this');
    const selector = single(trail.event_selector, 'event_selector');
    expect(selector.include_management_events).toBe(true);
  });
});

describe('auto-tag module: IAM', () => {
  const templateText = (): string => readModuleFile('policies/auto-tag.json');

  it('attaches policies/auto-tag.json as a template whose only variable is the parameter ARN', () => {
    const policy = mod.resource('aws_iam_role_policy', 'auto_tag');
    expect(policy.role).toBe('${module.function.role_name}');
    expect(String(policy.policy).replace(/\s+/g, ' ')).toBe(
      '${templatefile("${path.module}/policies/auto-tag.json", { parameter_arn = local.parameter_arn })}',
    );
    const placeholders = [...templateText().matchAll(/[$%]\{[^}]*\}/g)].map((m) => m[0]);
    expect(new Set(placeholders)).toEqual(new Set(['${parameter_arn}']));
  });

  it('equals the policy in docs/auto-tag.md once the parameter ARN is filled in', () => {
    const documented = documentedPolicy();
    const documentedArn = documented.Statement.find((s) => s.Sid === 'ReadTagPolicy')?.Resource;
    expect(documentedArn).toBe(
      `arn:aws:ssm:*:*:parameter/${DEFAULT_TAG_PARAMETER.replace(/^\//, '')}`,
    );
    const rendered = JSON.parse(
      renderTemplate(templateText(), { parameter_arn: String(documentedArn) }),
    ) as unknown;
    expect(rendered).toEqual(documented);
  });

  it('scopes the SSM read to the one parameter, in this partition, region and account', () => {
    const local = String(mod.locals().parameter_arn);
    // What Terraform computes for the default parameter, with the docs' wildcards for the
    // region and account.
    const evaluated = local
      .replace('${local.partition}', 'aws')
      .replace('${local.region}', '*')
      .replace('${local.account}', '*')
      .replace(
        '${trimprefix(var.tag_policy_parameter, "/")}',
        DEFAULT_TAG_PARAMETER.replace(/^\//, ''),
      );
    expect(evaluated).toBe('arn:aws:ssm:*:*:parameter/assetguard/tag-policy');
    expect(mod.locals().partition).toBe('${data.aws_partition.current.partition}');
    expect(mod.locals().account).toBe('${data.aws_caller_identity.current.account_id}');
  });

  it('grants every permission the Lambda code names, in its folder and every module it imports', () => {
    // The Lambda reads and writes tags through the shared sources/tagging and sinks/tag-writer,
    // which name the permissions they need (awsFailure's `service:Action`, the `via` of a write).
    const named = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/\b(?:ec2|ecr|s3|ssm|tag):[A-Z][A-Za-z]+/g)) {
        named.add(match[0]);
      }
      for (const [, spec] of source.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), spec ?? '');
        if (existsSync(`${target}.ts`)) visit(`${target}.ts`);
      }
    };
    for (const file of readdirSync(LAMBDA_SRC).filter((name) => name.endsWith('.ts'))) {
      visit(path.join(LAMBDA_SRC, file));
    }
    expect(seen).toContain(path.join(REPO_ROOT, 'actions/src/sinks/tag-writer.ts'));
    expect(seen).toContain(path.join(REPO_ROOT, 'actions/src/sources/tagging.ts'));
    expect([...named].sort()).toEqual([
      'ec2:CreateTags',
      'ec2:DescribeTags',
      'ecr:ListTagsForResource',
      'ecr:TagResource',
      's3:GetBucketTagging',
      's3:PutBucketTagging',
      'ssm:GetParameter',
      'tag:GetResources',
      'tag:TagResources',
    ]);
    const granted = (JSON.parse(templateText()) as PolicyDocument).Statement.flatMap(actionsOf);
    expect(granted).toEqual(expect.arrayContaining([...named]));
  });

  it('does not create the SSM parameter (tags publish owns it)', () => {
    expect(mod.blocks('resource')).not.toHaveProperty('aws_ssm_parameter');
  });
});

describe('auto-tag module: interface', () => {
  it('outputs the function and rule ARNs', () => {
    expect(mod.output('function_arn').value).toBe('${module.function.function_arn}');
    expect(mod.output('rule_arn').value).toBe('${aws_cloudwatch_event_rule.this.arn}');
  });
});

describe('stack (modules/stack/lambdas.tf)', () => {
  it('wires the module in, once per account, reading the parameter the stack fills with the policy', () => {
    const autoTag = stack.module('auto_tag');
    expect(autoTag.source).toBe('../auto-tag');
    expect(autoTag.count).toBe('${var.account_baseline ? 1 : 0}');
    // The parameter the Lambda reads is the one modules/tag-policy-parameter writes, and the one
    // tags publish writes by default.
    expect(autoTag.tag_policy_parameter).toBe('${local.tag_policy_parameter_name}');
    expect(stack.module('tag_policy_parameter').name).toBe('${local.tag_policy_parameter_name}');
    expect(stack.locals().tag_policy_parameter_name).toBe('${var.tag_policy_parameter}');
    expect(stack.variable('tag_policy_parameter').default).toBe(DEFAULT_TAG_PARAMETER);
    expect(autoTag.create_trail).toBe('${var.create_trail}');
    expect(stack.variable('create_trail').default).toBe(false);
  });

  it('outputs the function and rule ARNs', () => {
    expect(stack.output('auto_tag_function_arn').value).toBe(
      '${var.account_baseline ? module.auto_tag[0].function_arn : null}',
    );
    expect(stack.output('auto_tag_rule_arn').value).toBe(
      '${var.account_baseline ? module.auto_tag[0].rule_arn : null}',
    );
  });
});
