import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { FLEET_CHECK_INPUTS } from '../../actions/src/fleet-check/inputs';
import { RUN_SHELL_SCRIPT } from '../../actions/src/sources/fleet';
import { asRecord, single, TfDir, type Hcl } from '../support/hcl';

// infra/modules/fleet-check must deploy what the fleet check expects: the output bucket its
// output-bucket input names, the member role its role-name input assumes (trusting only the
// central role), and the instances' right to write their output. These checks tie the Terraform
// to the calls actions/src/fleet-check makes and to its input defaults.

const REPO_ROOT = path.resolve(__dirname, '../..');
const MODULE_DIR = path.join(REPO_ROOT, 'infra/modules/fleet-check');
const STACK_DIR = path.join(REPO_ROOT, 'infra/modules/stack');

let mod: TfDir;
let stack: TfDir;

beforeAll(async () => {
  [mod, stack] = await Promise.all([TfDir.load(MODULE_DIR), TfDir.load(STACK_DIR)]);
});

interface Statement {
  sid?: string;
  effect?: string;
  actions?: string[];
  resources?: string[] | string;
  principals?: Hcl[];
  condition?: Hcl[];
  for_each?: string;
}

function statementsOf(name: string): Statement[] {
  const document = mod.data('aws_iam_policy_document', name);
  const fixed = (document.statement as Statement[] | undefined) ?? [];
  const dynamic =
    document.dynamic === undefined ? [] : asRecord(document.dynamic, 'dynamic').statement;
  const optional = (
    (dynamic as { for_each: string; content: Statement[] }[] | undefined) ?? []
  ).map((block) => ({ ...single(block.content, 'content'), for_each: block.for_each }));
  return [...fixed, ...optional];
}

/** The permissions named in the fleet check's code and every module it imports. */
function permissionsNamed(entry: string): string[] {
  const named = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(
      /\b(?:ec2|iam|s3|securityhub|ssm|sts):[A-Z][a-z][A-Za-z]*/g,
    )) {
      named.add(match[0]);
    }
    for (const [, spec] of source.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), spec ?? '');
      if (existsSync(`${target}.ts`)) visit(`${target}.ts`);
    }
  };
  visit(entry);
  return [...named].sort();
}

describe('fleet-check module: the member role', () => {
  it('grants the member-account calls the fleet check makes, and nothing else', () => {
    // The central role assumes the member role (sts) and reads the outputs from its own bucket
    // (s3); every other call is made with the member account's credentials.
    const named = permissionsNamed(path.join(REPO_ROOT, 'actions/src/fleet-check/run.ts'));
    const memberCalls = named.filter((permission) => !/^(?:sts|s3):/.test(permission));
    expect(memberCalls).toEqual(
      expect.arrayContaining([
        'ec2:DescribeInstances',
        'ssm:SendCommand',
        'securityhub:BatchImportFindings',
      ]),
    );
    const granted = statementsOf('member').flatMap((s) => s.actions ?? []);
    expect([...new Set(granted)].sort()).toEqual(memberCalls);
  });

  it('is assumable by the central fleet-check role only, under the name the action assumes', () => {
    const trust = single(statementsOf('member_trust'), 'trust');
    expect(trust.actions).toEqual(['sts:AssumeRole']);
    expect(single(trust.principals, 'principals')).toEqual({
      type: 'AWS',
      identifiers: ['${var.central_role_arn}'],
    });
    expect(trust.condition).toBeUndefined();
    expect(mod.variable('member_role_name').default).toBe(FLEET_CHECK_INPUTS['role-name'].default);
    expect(mod.resource('aws_iam_role', 'member').name).toBe('${var.member_role_name}');
    const precondition = single(
      single(mod.resource('aws_iam_role', 'member').lifecycle, 'lifecycle').precondition,
      'precondition',
    );
    expect(precondition.condition).toBe(
      '${var.central_role_arn != null && local.bucket_name != null}',
    );
  });

  it('runs only the AWS-RunShellScript document, on this account’s instances', () => {
    const send = statementsOf('member').find((s) => s.actions?.includes('ssm:SendCommand'));
    expect(send?.actions).toEqual(['ssm:SendCommand']);
    expect(send?.resources).toEqual([
      `arn:\${local.partition}:ssm:*::document/${RUN_SHELL_SCRIPT}`,
      'arn:${local.partition}:ec2:*:${local.account}:instance/*',
    ]);
    const importing = statementsOf('member').find((s) =>
      s.actions?.includes('securityhub:BatchImportFindings'),
    );
    expect(importing?.resources).toEqual([
      'arn:${local.partition}:securityhub:*:${local.account}:product/${local.account}/default',
    ]);
    expect(importing?.for_each).toBe('${var.import_to_security_hub ? [1] : []}');
  });

  it('gives instances the right to write their output under the prefix, and to read the bucket encryption', () => {
    const [write, encryption] = statementsOf('instance_output');
    expect(write).toMatchObject({
      actions: ['s3:PutObject'],
      resources: ['${local.bucket_arn}/${local.output_prefix}/*'],
    });
    expect(encryption).toMatchObject({
      actions: ['s3:GetEncryptionConfiguration'],
      resources: ['${local.bucket_arn}'],
    });
    const attachment = mod.resource('aws_iam_role_policy_attachment', 'instance_output');
    expect(attachment.for_each).toBe(
      '${var.create_member_role ? toset(var.instance_role_names) : toset([])}',
    );
    expect(attachment.policy_arn).toBe('${aws_iam_policy.instance_output[0].arn}');
  });
});

describe('fleet-check module: the output bucket', () => {
  it('has the prefix the action writes under by default', () => {
    expect(mod.variable('output_prefix').default).toBe(FLEET_CHECK_INPUTS['output-prefix'].default);
    expect(mod.output('output_bucket_name').value).toBe('${local.bucket_name}');
  });

  it('blocks public access, owns every object, encrypts, and expires outputs', () => {
    expect(mod.resource('aws_s3_bucket_public_access_block', 'output')).toMatchObject({
      count: '${var.create_output_bucket ? 1 : 0}',
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(
      single(mod.resource('aws_s3_bucket_ownership_controls', 'output').rule, 'rule')
        .object_ownership,
    ).toBe('BucketOwnerEnforced');
    const sse = single(
      single(
        mod.resource('aws_s3_bucket_server_side_encryption_configuration', 'output').rule,
        'rule',
      ).apply_server_side_encryption_by_default,
      'default',
    );
    expect(sse.sse_algorithm).toBe('${var.kms_key_arn == null ? "AES256" : "aws:kms"}');
    const rule = single(
      mod.resource('aws_s3_bucket_lifecycle_configuration', 'output').rule,
      'rule',
    );
    expect(single(rule.expiration, 'expiration').days).toBe('${var.output_retention_days}');
    expect(single(rule.abort_incomplete_multipart_upload, 'abort').days_after_initiation).toBe(1);
  });

  it('refuses plain HTTP, and lets member accounts write under the prefix only', () => {
    const statements = statementsOf('output_bucket');
    expect(statements[0]).toMatchObject({ sid: 'DenyInsecureTransport', effect: 'Deny' });
    const write = statements.find((s) => s.sid === 'MemberInstancesWriteOutput');
    expect(write).toMatchObject({
      effect: 'Allow',
      actions: ['s3:PutObject'],
      resources: ['${aws_s3_bucket.output[0].arn}/${local.output_prefix}/*'],
      for_each: '${length(var.member_account_ids) > 0 ? [1] : []}',
    });
    expect(single(write?.principals, 'principals')).toEqual({
      type: 'AWS',
      identifiers:
        '${[for id in var.member_account_ids : "arn:${local.partition}:iam::${id}:root"]}',
    });
    // No member may read or list the bucket: only the central role reads the outputs.
    const granted = statements.filter((s) => s.effect === 'Allow').flatMap((s) => s.actions ?? []);
    expect(granted.sort()).toEqual(['s3:GetEncryptionConfiguration', 's3:PutObject']);
  });
});

describe('stack (modules/stack/lambdas.tf)', () => {
  it('uses one account as central and member, trusting the fleet-check role of github.tf', () => {
    const call = stack.module('fleet_check');
    expect(call.source).toBe('../fleet-check');
    expect(call.count).toBe('${var.account_baseline ? 1 : 0}');
    expect(call.central_role_arn).toBe('${local.fleet_check_role_arn}');
    // The role the scheduled fleet check assumes (github.tf) is what the member role trusts.
    expect(Object.keys(stack.locals())).toContain('fleet_check_role_arn');
    expect(call.create_output_bucket).toBeUndefined();
    expect(call.create_member_role).toBeUndefined();
    expect(mod.variable('create_output_bucket').default).toBe(true);
    expect(mod.variable('create_member_role').default).toBe(true);
    expect(stack.output('fleet_check_output_bucket').value).toBe(
      '${var.account_baseline ? module.fleet_check[0].output_bucket_name : null}',
    );
  });
});
