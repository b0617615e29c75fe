import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { parse } from '@cdktf/hcl2json';

// There is no terraform binary here: hcl2json gives the parsed HCL as JSON, with
// blocks as arrays and expressions kept as "${...}" strings.

const REPO_ROOT = path.resolve(__dirname, '../..');
const INFRA = path.join(REPO_ROOT, 'infra');
const OIDC_HOST = 'token.actions.githubusercontent.com';

type Hcl = Record<string, unknown>;

interface TfFile {
  /** Path relative to infra/, e.g. modules/ecr-scanning/main.tf */
  rel: string;
  dir: string;
  json: Hcl;
}

function findTfFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name !== '.terraform')
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return findTfFiles(full);
      return name.endsWith('.tf') ? [full] : [];
    })
    .sort();
}

function asRecord(value: unknown, what: string): Hcl {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what}: expected an object, got ${JSON.stringify(value)}`);
  }
  return value as Hcl;
}

/** hcl2json wraps every block body in a one-element array. */
function single(value: unknown, what: string): Hcl {
  if (!Array.isArray(value) || value.length !== 1) {
    throw new Error(`${what}: expected exactly one block, got ${JSON.stringify(value)}`);
  }
  return asRecord(value[0], what);
}

/** Every block of `kind` (resource/data/module/variable/output), merged across files of one directory. */
function blocks(files: TfFile[], dir: string, kind: string): Hcl {
  const merged: Hcl = {};
  for (const file of files.filter((f) => f.dir === dir)) {
    Object.assign(merged, file.json[kind] ?? {});
  }
  return merged;
}

function resource(files: TfFile[], dir: string, type: string, name: string): Hcl {
  const byType = asRecord(blocks(files, dir, 'resource')[type], `${dir} resource ${type}`);
  return single(byType[name], `${dir} ${type}.${name}`);
}

function dataSource(files: TfFile[], dir: string, type: string, name: string): Hcl {
  const byType = asRecord(blocks(files, dir, 'data')[type], `${dir} data ${type}`);
  return single(byType[name], `${dir} data.${type}.${name}`);
}

function locals(files: TfFile[], dir: string): Hcl {
  const merged: Hcl = {};
  for (const file of files.filter((f) => f.dir === dir)) {
    const list = file.json.locals;
    if (Array.isArray(list))
      for (const block of list) Object.assign(merged, asRecord(block, 'locals'));
  }
  return merged;
}

const ECR = 'modules/ecr-scanning';
const OIDC = 'modules/github-oidc';
const AUTO_TAG = 'modules/auto-tag';
const FINDING_ALERT = 'modules/finding-alert';
const LAMBDA = 'modules/lambda-function';
const SSM_FIXER = 'modules/ssm-role-fixer';
const REMEDIATION = 'modules/remediation';
const FLEET_CHECK = 'modules/fleet-check';
const DEMO = 'envs/demo';

let files: TfFile[] = [];

beforeAll(async () => {
  const paths = findTfFiles(INFRA);
  files = await Promise.all(
    paths.map(async (full) => {
      const rel = path.relative(INFRA, full).split(path.sep).join('/');
      const json = await parse(rel, readFileSync(full, 'utf8'));
      return { rel, dir: path.posix.dirname(rel), json };
    }),
  );
});

describe('terraform layout', () => {
  it('parses every .tf file under infra/, including every module and the demo env', () => {
    const dirs = new Set(files.map((f) => f.dir));
    expect([...dirs].sort()).toEqual(
      [
        DEMO,
        AUTO_TAG,
        ECR,
        FINDING_ALERT,
        FLEET_CHECK,
        OIDC,
        LAMBDA,
        REMEDIATION,
        SSM_FIXER,
      ].sort(),
    );
    for (const dir of dirs) {
      expect(files.map((f) => f.rel)).toEqual(
        expect.arrayContaining([`${dir}/variables.tf`, `${dir}/outputs.tf`, `${dir}/versions.tf`]),
      );
    }
  });

  it('requires hashicorp/aws 5.x or later in every root and module', () => {
    for (const dir of [
      DEMO,
      AUTO_TAG,
      ECR,
      FINDING_ALERT,
      OIDC,
      LAMBDA,
      SSM_FIXER,
      REMEDIATION,
      FLEET_CHECK,
    ]) {
      const terraform = files.filter((f) => f.dir === dir).flatMap((f) => f.json.terraform ?? []);
      const block = single(terraform, `${dir} terraform`);
      const providers = single(block.required_providers, `${dir} required_providers`);
      const aws = asRecord(providers.aws, `${dir} aws provider`);
      expect(aws.source).toBe('hashicorp/aws');
      expect(aws.version).toMatch(/^>= ?5\./);
    }
  });

  it('gives every variable a description and a type', () => {
    const problems: string[] = [];
    let count = 0;
    for (const file of files) {
      for (const [name, body] of Object.entries(asRecord(file.json.variable ?? {}, file.rel))) {
        count += 1;
        const variable = single(body, `${file.rel} variable ${name}`);
        if (typeof variable.description !== 'string' || variable.description.trim() === '') {
          problems.push(`${file.rel}: variable "${name}" has no description`);
        }
        if (typeof variable.type !== 'string') {
          problems.push(`${file.rel}: variable "${name}" has no type`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(10);
  });

  it('gives every output a description', () => {
    const missing = files.flatMap((file) =>
      Object.entries(asRecord(file.json.output ?? {}, file.rel))
        .filter(([name, body]) => {
          const description = single(body, `${file.rel} output ${name}`).description;
          return typeof description !== 'string' || description === '';
        })
        .map(([name]) => `${file.rel}: output "${name}"`),
    );
    expect(missing).toEqual([]);
  });

  it('points every local module source at a directory that exists', () => {
    const sources = files.flatMap((file) =>
      Object.entries(asRecord(file.json.module ?? {}, file.rel)).map(([name, body]) => ({
        where: `${file.rel} module.${name}`,
        dir: file.dir,
        source: single(body, `${file.rel} module ${name}`).source,
      })),
    );
    expect(sources.map((s) => s.where).sort()).toEqual([
      `${DEMO}/main.tf module.auto_tag`,
      `${DEMO}/main.tf module.ecr_scanning`,
      `${DEMO}/main.tf module.finding_alert`,
      `${DEMO}/main.tf module.fleet_check`,
      `${DEMO}/main.tf module.github_oidc`,
      `${DEMO}/main.tf module.remediation`,
      `${DEMO}/main.tf module.ssm_role_fixer`,
      `${AUTO_TAG}/main.tf module.function`,
      `${FINDING_ALERT}/main.tf module.function`,
      `${SSM_FIXER}/main.tf module.function`,
    ]);
    for (const { where, dir, source } of sources) {
      expect(typeof source).toBe('string');
      const target = path.resolve(INFRA, dir, source as string);
      expect({ where, exists: existsSync(path.join(target, 'main.tf')) }).toEqual({
        where,
        exists: true,
      });
    }
  });

  it('passes every module call only variables the module declares, and all it requires', () => {
    // Terraform rejects an unknown argument and a missing required variable at plan time; no
    // terraform binary runs here, so the calls are checked against the modules' variables.
    const problems: string[] = [];
    let calls = 0;
    for (const file of files) {
      for (const [name, body] of Object.entries(asRecord(file.json.module ?? {}, file.rel))) {
        calls += 1;
        const call = single(body, `${file.rel} module ${name}`);
        const dir = path.posix.normalize(path.posix.join(file.dir, String(call.source)));
        const variables = Object.entries(blocks(files, dir, 'variable')).map(([variable, v]) => ({
          variable,
          required: !('default' in single(v, `${dir} variable ${variable}`)),
        }));
        const declared = new Set(variables.map((v) => v.variable));
        const meta = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on']);
        for (const argument of Object.keys(call).filter((key) => !meta.has(key))) {
          if (!declared.has(argument)) {
            problems.push(`${file.rel} module.${name}: ${dir} has no variable "${argument}"`);
          }
        }
        for (const { variable } of variables.filter((v) => v.required && !(v.variable in call))) {
          problems.push(`${file.rel} module.${name}: required variable "${variable}" not passed`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(calls).toBe(10);
  });

  it('keeps the demo backend an example only (commented out)', () => {
    const versions = files.find((f) => f.rel === `${DEMO}/versions.tf`)!;
    const terraform = single(versions.json.terraform, 'demo terraform');
    expect(terraform.backend).toBeUndefined();
    expect(readFileSync(path.join(INFRA, DEMO, 'versions.tf'), 'utf8')).toMatch(/#\s*backend "s3"/);
  });

  it('sets default_tags on the demo provider', () => {
    const provider = files.flatMap((f) =>
      f.dir === DEMO ? ((f.json.provider as Hcl | undefined)?.aws ?? []) : [],
    );
    const aws = single(provider, 'demo provider aws');
    const defaultTags = single(aws.default_tags, 'demo default_tags');
    expect(String(defaultTags.tags)).toMatch(/Project\s*=\s*"assetguard"/);
  });
});

describe('ecr-scanning module', () => {
  it('makes the repository tags immutable and encrypted', () => {
    const repo = resource(files, ECR, 'aws_ecr_repository', 'app');
    expect(repo.image_tag_mutability).toBe('IMMUTABLE');
    const encryption = single(repo.encryption_configuration, 'encryption_configuration');
    expect(encryption.encryption_type).toMatch(/AES256/);
    expect(encryption.encryption_type).toMatch(/KMS/);
  });

  it('turns on ENHANCED scanning with a CONTINUOUS_SCAN rule for the repository filter variable', () => {
    const config = resource(files, ECR, 'aws_ecr_registry_scanning_configuration', 'this');
    expect(config.scan_type).toBe('ENHANCED');
    const rule = single(config.rule, 'scanning rule');
    expect(rule.scan_frequency).toBe('CONTINUOUS_SCAN');
    const filter = single(rule.repository_filter, 'repository_filter');
    expect(filter.filter_type).toBe('WILDCARD');
    expect(filter.filter).toBe('${local.scan_filter}');
    expect(locals(files, ECR).scan_filter).toContain('var.scan_repository_filter');
  });

  it('enables Inspector2 for ECR', () => {
    const enabler = resource(files, ECR, 'aws_inspector2_enabler', 'ecr');
    expect(enabler.resource_types).toEqual(['ECR']);
  });
});

describe('github-oidc module', () => {
  const trustStatement = (): Hcl =>
    single(
      dataSource(files, OIDC, 'aws_iam_policy_document', 'trust').statement,
      'trust statement',
    );

  const condition = (variable: string): Hcl => {
    const conditions = trustStatement().condition as Hcl[];
    return single(
      conditions.filter((c) => c.variable === `\${local.oidc_host}:${variable}`),
      `condition on ${variable}`,
    );
  };

  it('trusts only web identity tokens from the GitHub OIDC provider', () => {
    const statement = trustStatement();
    expect(statement.effect).toBe('Allow');
    expect(statement.actions).toEqual(['sts:AssumeRoleWithWebIdentity']);
    expect(single(statement.principals, 'principals').type).toBe('Federated');
    expect(locals(files, OIDC).oidc_host).toBe(OIDC_HOST);
    expect(resource(files, OIDC, 'aws_iam_openid_connect_provider', 'github').url).toBe(
      'https://${local.oidc_host}',
    );
  });

  it('pins the audience to sts.amazonaws.com', () => {
    const aud = condition('aud');
    expect(aud.test).toBe('StringEquals');
    expect(aud.values).toEqual(['sts.amazonaws.com']);
  });

  it('pins the subject to this repository on main or a deployment environment', () => {
    const sub = condition('sub');
    expect(sub.test).toBe('StringLike');
    expect(sub.values).toBe('${local.allowed_subjects}');
    expect(locals(files, OIDC).allowed_subjects).toContain(
      'repo:${var.github_repository}:${claim}',
    );
    const claims = single(
      asRecord(blocks(files, OIDC, 'variable'), 'variables').subject_claims,
      'subject_claims',
    );
    expect(claims.default).toEqual(['ref:refs/heads/main', 'environment:*']);
    // A bare "*" claim would let every branch and pull request assume the role.
    const validation = single(claims.validation, 'subject_claims validation');
    expect(validation.condition).toContain('s != "*"');
  });

  it('can reuse an existing OIDC provider instead of creating one', () => {
    const provider = resource(files, OIDC, 'aws_iam_openid_connect_provider', 'github');
    expect(provider.count).toBe('${var.create_oidc_provider ? 1 : 0}');
    expect(locals(files, OIDC).oidc_provider_arn).toContain('var.existing_oidc_provider_arn');
  });

  it('attaches the scan gate policy from policies/scan-gate.json', () => {
    const policy = resource(files, OIDC, 'aws_iam_role_policy', 'scan_gate');
    expect(policy.policy).toBe('${file("${path.module}/policies/scan-gate.json")}');
    expect(policy.role).toBe('${aws_iam_role.scan_gate.id}');
  });
});

describe('scan gate IAM policy (policies/scan-gate.json)', () => {
  interface Statement {
    Sid?: string;
    Effect?: string;
    Action?: string | string[];
    Resource?: string | string[];
    Condition?: unknown;
  }

  const document = JSON.parse(
    readFileSync(path.join(INFRA, OIDC, 'policies/scan-gate.json'), 'utf8'),
  ) as { Version?: string; Statement?: Statement[] };
  const statements = document.Statement ?? [];
  const actionsOf = (s: Statement): string[] =>
    Array.isArray(s.Action) ? s.Action : s.Action === undefined ? [] : [s.Action];

  it('is a 2012-10-17 policy whose statements all Allow and carry unique Sids', () => {
    expect(document.Version).toBe('2012-10-17');
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Sid).toMatch(/^[A-Za-z0-9]+$/);
    }
    expect(new Set(statements.map((s) => s.Sid)).size).toBe(statements.length);
  });

  it('grants exactly the seven read actions the scan gate calls', () => {
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      'ecr:BatchGetImage',
      'ecr:DescribeImageScanFindings',
      'ecr:DescribeImages',
      'ecr:GetRegistryScanningConfiguration',
      'ecr:ListTagsForResource',
      'inspector2:ListCoverage',
      'inspector2:ListFindings',
    ]);
  });

  it('scopes repository actions to ECR repositories and uses "*" only for account-level calls', () => {
    const resourceFor = (action: string): Statement['Resource'] =>
      statements.find((s) => actionsOf(s).includes(action))?.Resource;
    expect(resourceFor('ecr:DescribeImages')).toBe('arn:aws:ecr:*:*:repository/*');
    expect(resourceFor('ecr:DescribeImageScanFindings')).toBe('arn:aws:ecr:*:*:repository/*');
    expect(resourceFor('ecr:BatchGetImage')).toBe('arn:aws:ecr:*:*:repository/*');
    // None of these calls supports resource-level permissions.
    expect(resourceFor('ecr:GetRegistryScanningConfiguration')).toBe('*');
    expect(resourceFor('inspector2:ListFindings')).toBe('*');
    expect(resourceFor('inspector2:ListCoverage')).toBe('*');
  });
});

describe('the other IAM policies are attached to the same role', () => {
  it.each([
    ['compliance_gate', 'compliance-gate.json'],
    ['tag_policy', 'tag-policy.json'],
    ['daily_report', 'daily-report.json'],
  ])('%s', (name, file) => {
    const policy = resource(files, OIDC, 'aws_iam_role_policy', name);
    expect(policy.policy).toBe(`\${file("\${path.module}/policies/${file}")}`);
    expect(policy.role).toBe('${aws_iam_role.scan_gate.id}');
  });
});

describe('remediation and the fleet check have roles of their own', () => {
  // Starting runbooks and reaching into member accounts are not for every workflow that may
  // assume the main role: each of these policies is on its own role, with its own trust.
  it.each([
    ['remediate', 'remediate.json'],
    ['fleet_check', 'fleet-check.json'],
  ])('%s', (name, file) => {
    const policy = resource(files, OIDC, 'aws_iam_role_policy', name);
    expect(policy.policy).toBe(`\${file("\${path.module}/policies/${file}")}`);
    expect(policy.role).toBe(`\${aws_iam_role.${name}.id}`);
    const role = resource(files, OIDC, 'aws_iam_role', name);
    expect(role.assume_role_policy).toBe(`\${data.aws_iam_policy_document.${name}_trust.json}`);
    const others = Object.entries(
      asRecord(blocks(files, OIDC, 'resource').aws_iam_role_policy, 'aws_iam_role_policy'),
    )
      .filter(([other]) => other !== name)
      .map(([other, body]) => single(body, other).policy);
    expect(others).not.toContain(policy.policy);
  });

  const trust = (name: string): Hcl =>
    single(dataSource(files, OIDC, 'aws_iam_policy_document', name).statement, `${name} statement`);
  const conditionOn = (statement: Hcl, claim: string): Hcl =>
    single(
      (statement.condition as Hcl[]).filter((c) => c.variable === `\${local.oidc_host}:${claim}`),
      `condition on ${claim}`,
    );

  it('lets only jobs of the remediation environment assume the remediate role (exact sub, no wildcard)', () => {
    const statement = trust('remediate_trust');
    expect(statement.actions).toEqual(['sts:AssumeRoleWithWebIdentity']);
    expect(conditionOn(statement, 'aud')).toMatchObject({
      test: 'StringEquals',
      values: ['sts.amazonaws.com'],
    });
    expect(conditionOn(statement, 'sub')).toMatchObject({
      test: 'StringEquals',
      values: ['${local.remediate_subject}'],
    });
    expect(locals(files, OIDC).remediate_subject).toBe(
      'repo:${var.github_repository}:environment:${var.remediation_environment}',
    );
    const variable = single(blocks(files, OIDC, 'variable').remediation_environment, 'variable');
    expect(variable.default).toBe('remediation');
    expect(String(single(variable.validation, 'validation').condition)).toContain('[^*?:/]');
  });

  it('lets only workflows of the default branch assume the fleet-check role', () => {
    const statement = trust('fleet_check_trust');
    expect(conditionOn(statement, 'sub')).toMatchObject({
      test: 'StringEquals',
      values: ['${local.fleet_check_subject}'],
    });
    expect(locals(files, OIDC).fleet_check_subject).toBe(
      'repo:${var.github_repository}:ref:refs/heads/${var.fleet_check_branch}',
    );
    expect(single(blocks(files, OIDC, 'variable').fleet_check_branch, 'variable').default).toBe(
      'main',
    );
  });
});

describe('the IAM policies grant exactly the calls the code makes', () => {
  // Every AWS call goes through awsFailure(what, 'service:Action', error), which names the
  // permission to grant; the policies must cover those and nothing more. An action's calls are
  // those named in every module its entry reaches (sources and sinks are shared between commands).
  function permissionsNamedIn(entry: string): string[] {
    const found = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      // An action name starts with a capital and a lower-case letter, so placeholders in ARN
      // examples (arn:aws:ecr:REGION:…) are not taken for permissions.
      const permissions =
        /\b(?:config|ec2|ecr|iam|inspector2|resource-groups|s3|securityhub|ses|ssm|sts|tag):[A-Z][a-z][A-Za-z]*/g;
      for (const match of source.matchAll(permissions)) found.add(match[0]);
      for (const [, spec] of source.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), spec ?? '');
        if (existsSync(`${target}.ts`)) visit(`${target}.ts`);
      }
    };
    visit(entry);
    return [...found].sort();
  }
  const actionsIn = (file: string): string[] => {
    const document = JSON.parse(readFileSync(path.join(INFRA, OIDC, 'policies', file), 'utf8')) as {
      Statement: { Action: string | string[] }[];
    };
    return document.Statement.flatMap((s) =>
      Array.isArray(s.Action) ? s.Action : [s.Action],
    ).sort();
  };
  const SRC = path.join(__dirname, '../../actions/src');

  // Permissions AWS checks besides the one a call is named after. SES v2 SendEmail with
  // Content.Raw (nodemailer's SES transport composes the MIME message) is authorized as
  // ses:SendRawEmail as well as ses:SendEmail: without it SES answers AccessDenied naming
  // ses:SendRawEmail. StartAutomationExecution with AutomationAssumeRole checks iam:PassRole on
  // that role.
  const ALSO_CHECKED: Record<string, string[]> = {
    'ses:SendEmail': ['ses:SendRawEmail'],
    'ssm:StartAutomationExecution': ['iam:PassRole'],
  };
  // Calls AWS answers whatever the policy says: named in the code, never granted.
  const NEEDS_NO_PERMISSION = new Set(['sts:GetCallerIdentity']);
  const grantsNeeded = (named: string[]): string[] =>
    [
      ...new Set(
        named
          .filter((permission) => !NEEDS_NO_PERMISSION.has(permission))
          .flatMap((permission) => [permission, ...(ALSO_CHECKED[permission] ?? [])]),
      ),
    ].sort();

  it.each([
    ['scan-gate', 'scan-gate/index.ts', 'scan-gate.json'],
    ['compliance-gate', 'compliance-gate/index.ts', 'compliance-gate.json'],
    ['tag-policy', 'tag-policy/index.ts', 'tag-policy.json'],
    // The daily-report action's sources live in report/ (the command is `assetguard report`).
    ['daily-report', 'report/index.ts', 'daily-report.json'],
    ['remediate', 'remediate/index.ts', 'remediate.json'],
    ['fleet-check', 'fleet-check/index.ts', 'fleet-check.json'],
  ])('%s', (_action, entry, policyFile) => {
    expect(actionsIn(policyFile)).toEqual(grantsNeeded(permissionsNamedIn(path.join(SRC, entry))));
  });

  it('scopes the daily report state object access to the key prefix its workflow writes', () => {
    const workflow = readFileSync(
      path.join(REPO_ROOT, '.github/workflows/daily-report.yml'),
      'utf8',
    );
    const key = /format\('s3:\/\/\{0\}\/([^']+)'/.exec(workflow)?.[1];
    expect(key).toBeDefined();
    const document = JSON.parse(
      readFileSync(path.join(INFRA, OIDC, 'policies/daily-report.json'), 'utf8'),
    ) as { Statement: { Action: string | string[]; Resource: string | string[] }[] };
    const resourceOf = (action: string): string | string[] | undefined =>
      document.Statement.find((s) => [s.Action].flat().includes(action))?.Resource;
    for (const action of ['s3:GetObject', 's3:PutObject']) {
      const resource = resourceOf(action);
      expect(typeof resource).toBe('string');
      const prefix = (resource as string).replace(/^arn:aws:s3:::\*\//, '').replace(/\*$/, '');
      // Scoped to objects under a prefix, never every object of every bucket.
      expect(prefix).not.toBe('');
      expect(resource).not.toMatch(/^arn:aws:s3:::\*$|^\*$/);
      expect(key!.startsWith(prefix)).toBe(true);
    }
  });
});
