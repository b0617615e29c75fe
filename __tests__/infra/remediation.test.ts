import { readFileSync } from 'node:fs';
import path from 'node:path';

import { asRecord, single, TfDir, type Hcl } from '../support/hcl';

// infra/modules/remediation must give SSM Automation what the control table's runbooks need and
// no more, under the role name the remediate workflow may pass, and keep the audit records
// where the workflow writes them. These checks tie the Terraform to controls.json, the remediate
// role of modules/github-oidc/permissions.json and the workflow.

const REPO_ROOT = path.resolve(__dirname, '../..');
const MODULE_DIR = path.join(REPO_ROOT, 'infra/modules/remediation');
const STACK_DIR = path.join(REPO_ROOT, 'infra/modules/stack');

interface Control {
  securityHubControl?: string;
  remediation?: { document: string | null; parameters?: Record<string, string> };
}
const controls = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'actions/src/core/controls.json'), 'utf8'),
) as { controls: Control[]; otherRules?: Control[] };
const tableDocuments = [
  ...new Set(
    [...controls.controls, ...(controls.otherRules ?? [])].flatMap((c) =>
      c.remediation?.document ? [c.remediation.document] : [],
    ),
  ),
].sort();

const runbookPermissions = JSON.parse(
  readFileSync(path.join(MODULE_DIR, 'policies/runbook-permissions.json'), 'utf8'),
) as Record<string, string[]>;

interface RoleStatement {
  sid: string;
  actions: string[];
  resources: string[];
  conditions?: { test: string; variable: string; values: string[] }[];
}
/** The remediate workflow's role: ${name} placeholders are filled in by modules/github-oidc. */
const remediateRole = (
  JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'infra/modules/github-oidc/permissions.json'), 'utf8'),
  ) as { roles: Record<string, { statements: RoleStatement[] } | undefined> }
).roles.remediate;
const statementFor = (action: string): RoleStatement | undefined =>
  remediateRole?.statements.find((s) => s.actions.includes(action));

let mod: TfDir;
let stack: TfDir;

beforeAll(async () => {
  [mod, stack] = await Promise.all([TfDir.load(MODULE_DIR), TfDir.load(STACK_DIR)]);
});

describe('remediation module: the automation role', () => {
  it('knows the calls of exactly the runbooks the control table names', () => {
    expect(tableDocuments.length).toBeGreaterThan(5);
    expect(Object.keys(runbookPermissions).sort()).toEqual(tableDocuments);
    expect([...(mod.variable('runbooks').default as string[])].sort()).toEqual(tableDocuments);
    for (const [document, actions] of Object.entries(runbookPermissions)) {
      expect({ document, count: actions.length > 0 }).toEqual({ document, count: true });
      for (const action of actions) {
        // service:Action, never a wildcard.
        expect({ document, action }).toEqual({
          document,
          action: expect.stringMatching(/^[a-z0-9-]+:[A-Z][A-Za-z]+$/),
        });
      }
    }
  });

  it('cannot take an instance profile away: no Disassociate or Replace for AWS-AttachIAMToInstance (ForceReplace)', () => {
    const all = Object.values(runbookPermissions).flat();
    expect(
      all.filter((a) =>
        /Disassociate|ReplaceIamInstanceProfile|Detach|Delete(Role|InstanceProfile)/.test(a),
      ),
    ).toEqual([]);
    // The table passes ForceReplace=false; IAM refuses the replacement whatever is passed.
    const ssm1 = controls.controls.find((c) => c.securityHubControl === 'SSM.1');
    expect(ssm1?.remediation?.parameters?.ForceReplace).toBe('false');
  });

  it('is assumable by SSM Automation of this account only', () => {
    const trust = single(mod.data('aws_iam_policy_document', 'trust').statement, 'trust');
    expect(trust.actions).toEqual(['sts:AssumeRole']);
    expect(single(trust.principals, 'principals')).toEqual({
      type: 'Service',
      identifiers: ['ssm.amazonaws.com'],
    });
    expect(trust.condition).toEqual([
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['${local.account}'] },
      {
        test: 'ArnLike',
        variable: 'aws:SourceArn',
        values: ['arn:${local.partition}:ssm:*:${local.account}:automation-execution/*'],
      },
    ]);
    expect(mod.resource('aws_iam_role', 'automation').assume_role_policy).toBe(
      '${data.aws_iam_policy_document.trust.json}',
    );
  });

  it('is the one role the remediate role may pass, and only to SSM', () => {
    expect(mod.resource('aws_iam_role', 'automation').name).toBe('${var.automation_role_name}');
    const passRole = statementFor('iam:PassRole');
    expect(passRole?.resources).toEqual(['${remediation_automation_role_arn}']);
    expect(passRole?.conditions).toEqual([
      { test: 'StringEquals', variable: 'iam:PassedToService', values: ['ssm.amazonaws.com'] },
    ]);
    // The stack fills that placeholder with this module's role (lambdas.tf).
    expect(stack.module('github_oidc').remediation_automation_role_arn).toBe(
      '${local.remediation_automation_role_arn}',
    );
  });

  it('grants each selected runbook its own statement, and refuses runbooks it does not know', () => {
    const document = mod.data('aws_iam_policy_document', 'runbooks');
    const dynamic = asRecord(document.dynamic, 'dynamic').statement as {
      for_each: string;
      content: Hcl[];
    }[];
    const [perRunbook, passRole] = dynamic;
    expect(perRunbook?.for_each).toBe('${local.runbooks}');
    expect(single(perRunbook?.content, 'content')).toMatchObject({
      sid: '${replace(statement.key, "/[^A-Za-z0-9]/", "")}',
      actions: '${statement.value}',
      resources: ['*'],
    });
    expect(String(mod.locals().runbook_permissions)).toContain(
      'file("${path.module}/policies/runbook-permissions.json")',
    );
    const precondition = single(
      single(mod.resource('aws_iam_role', 'automation').lifecycle, 'lifecycle').precondition,
      'precondition',
    );
    expect(precondition.condition).toBe(
      '${length(setsubtract(var.runbooks, keys(local.runbook_permissions))) == 0}',
    );
    // Sids must be alphanumeric: the same replacement Terraform applies.
    for (const name of tableDocuments) {
      expect(name.replace(/[^A-Za-z0-9]/g, '')).toMatch(/^[A-Za-z0-9]+$/);
    }
    expect(passRole?.for_each).toBe('${local.attaches_roles ? [1] : []}');
    expect(single(passRole?.content, 'content')).toMatchObject({
      actions: ['iam:PassRole'],
      resources: '${[for name in var.instance_role_names : "${local.iam_prefix}:role/${name}"]}',
    });
    expect(mod.resource('aws_iam_role_policy', 'runbooks').role).toBe(
      '${aws_iam_role.automation.id}',
    );
  });

  it('lets AWS-AttachIAMToInstance pass the role the control table names, and no other by default', () => {
    const ssm1 = controls.controls.find((c) => c.securityHubControl === 'SSM.1');
    expect(mod.variable('instance_role_names').default).toEqual([
      ssm1?.remediation?.parameters?.RoleName,
    ]);
  });
});

describe('remediation module: the audit bucket', () => {
  it('keeps records where the workflow writes them and the remediate role may write', () => {
    const prefix = mod.variable('audit_prefix').default as string;
    expect(statementFor('s3:PutObject')?.resources).toEqual([
      `\${remediation_audit_bucket_arn}/${prefix}/*`,
    ]);
    const workflow = readFileSync(path.join(REPO_ROOT, '.github/workflows/remediate.yml'), 'utf8');
    expect(workflow).toContain(`format('s3://{0}/${prefix}/', vars.REMEDIATION_AUDIT_BUCKET)`);
    expect(mod.output('audit_location').value).toBe(
      's3://${aws_s3_bucket.audit.id}/${local.audit_prefix}/',
    );
  });

  it('blocks public access, owns every object, and encrypts (SSE-S3, or the given key)', () => {
    expect(mod.resource('aws_s3_bucket_public_access_block', 'audit')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const ownership = single(
      mod.resource('aws_s3_bucket_ownership_controls', 'audit').rule,
      'rule',
    );
    expect(ownership.object_ownership).toBe('BucketOwnerEnforced');
    const sse = single(
      single(
        mod.resource('aws_s3_bucket_server_side_encryption_configuration', 'audit').rule,
        'rule',
      ).apply_server_side_encryption_by_default,
      'default',
    );
    expect(sse.sse_algorithm).toBe('${var.kms_key_arn == null ? "AES256" : "aws:kms"}');
  });

  it('versions the records, expires them after the retention, and aborts stale uploads', () => {
    const versioning = mod.resource('aws_s3_bucket_versioning', 'audit');
    expect(single(versioning.versioning_configuration, 'configuration').status).toBe('Enabled');
    const lifecycle = mod.resource('aws_s3_bucket_lifecycle_configuration', 'audit');
    expect(lifecycle.depends_on).toEqual(['${aws_s3_bucket_versioning.audit}']);
    const [records] = lifecycle.rule as Hcl[];
    expect(records).toMatchObject({ status: 'Enabled' });
    expect(single(records?.filter, 'filter').prefix).toBe('${local.audit_prefix}/');
    expect(single(records?.expiration, 'expiration').days).toBe('${var.audit_retention_days}');
    expect(single(records?.noncurrent_version_expiration, 'noncurrent').noncurrent_days).toBe(
      '${var.noncurrent_version_retention_days}',
    );
    expect(single(records?.abort_incomplete_multipart_upload, 'abort').days_after_initiation).toBe(
      7,
    );
    expect(mod.variable('audit_retention_days').default).toBe(400);
  });

  it('refuses plain HTTP, and denies deleting records unless told otherwise', () => {
    const policy = mod.data('aws_iam_policy_document', 'audit_bucket');
    const insecure = single(policy.statement, 'statement');
    expect(insecure).toMatchObject({
      sid: 'DenyInsecureTransport',
      effect: 'Deny',
      actions: ['s3:*'],
    });
    expect(single(insecure.condition, 'condition')).toEqual({
      test: 'Bool',
      variable: 'aws:SecureTransport',
      values: ['false'],
    });
    const protect = single(asRecord(policy.dynamic, 'dynamic').statement, 'protect');
    expect(protect.for_each).toBe('${var.protect_audit_records ? [1] : []}');
    expect(single(protect.content, 'content')).toMatchObject({
      effect: 'Deny',
      actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
    });
    expect(mod.variable('protect_audit_records').default).toBe(true);
    expect(mod.variable('audit_bucket_force_destroy').default).toBe(false);
  });
});

describe('stack (modules/stack/lambdas.tf)', () => {
  it('wires the module in once per account, protecting the records in prod only', () => {
    const call = stack.module('remediation');
    expect(call.source).toBe('../remediation');
    expect(call.count).toBe('${var.account_baseline ? 1 : 0}');
    expect(call.protect_audit_records).toBe('${local.lambdas_keep_data}');
    expect(stack.locals().lambdas_keep_data).toBe('${var.environment == "prod"}');
    expect(call.audit_bucket_force_destroy).toBe('${var.force_destroy}');
    // The default role name, which the stack also names where another root holds the baseline.
    expect(call.automation_role_name).toBeUndefined();
    expect(stack.output('remediation_audit_bucket').value).toBe(
      '${var.account_baseline ? module.remediation[0].audit_bucket_name : null}',
    );
  });

  it('names the same automation role where another root holds the baseline', () => {
    const role = String(stack.locals().remediation_automation_role_arn);
    expect(role).toContain('module.remediation[0].automation_role_arn');
    expect(role).toContain(`:role/${String(mod.variable('automation_role_name').default)}`);
    expect(stack.output('remediation_automation_role_arn').value).toBe(
      '${local.remediation_automation_role_arn}',
    );
  });

  it('gives the Config remediations the same automation role', () => {
    expect(stack.module('config_rules').automation_role_arn).toBe(
      '${module.remediation[0].automation_role_arn}',
    );
  });
});
