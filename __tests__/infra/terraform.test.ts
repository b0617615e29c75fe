import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from '@cdktf/hcl2json';

import {
  findTfDirs,
  moduleCallProblems,
  openAdminPortProblems,
  outputProblems,
  s3BucketProblems,
  TfDir,
  variableProblems,
} from '../support/hcl';
import {
  ProviderSchema,
  providerOf,
  satisfiesConstraint,
  schemaCheck,
} from '../support/provider-schema';

// Static checks of every Terraform directory under infra/ (discovered, not listed), standing in
// for `terraform validate` and a policy scan where no terraform binary runs: each check lists
// every failure as "<dir>/<file>: <block>: <what>", and each checker is also run on small inline
// fixtures, so a check that can no longer fail is noticed. Module-specific assertions live in
// the modules' own test files.

const INFRA = path.resolve(__dirname, '../../infra');

/** Provider local name -> the @cdktn package whose .jsii carries that provider's schema. */
const SCHEMA_PACKAGES: Record<string, string> = {
  aws: '@cdktn/provider-aws',
  archive: '@cdktn/provider-archive',
};

/**
 * Providers whose constraint must also exclude older minor releases ("~> 6.66", the issue-11
 * contract), since an argument added in 6.x is not in 6.0. Others need only admit the packaged
 * release and exclude the next major (archive's one data source has been stable through 2.x).
 */
const PINNED_MINOR = new Set(['aws']);

/**
 * Providers whose blocks are not checked against a schema, and why. A block of any other
 * provider fails the test until a schema package is added here or a reason is given.
 */
const UNCHECKED_PROVIDERS: Record<string, string> = {
  github: 'no @cdktn/provider-github package on npm',
  grafana: 'no @cdktn/provider-grafana package on npm',
  time: 'no @cdktn/provider-time package on npm',
  terraform: 'terraform_data is built into terraform; no package carries its schema',
};

const rel = (dir: string): string => path.relative(INFRA, dir).split(path.sep).join('/');

/** Every parsed directory under infra/, by absolute path. */
const dirs = new Map<string, TfDir>();
const parseErrors: string[] = [];
const schemas = new Map<string, ProviderSchema>();

/** Runs a per-directory check over every directory, prefixing each problem with the directory. */
const everyDir = (check: (dir: TfDir) => string[]): string[] =>
  [...dirs.values()].flatMap((dir) => check(dir).map((problem) => `${rel(dir.dir)}/${problem}`));

/** Parses fixture files as one directory at path `dir` (module sources resolve against it). */
const fixture = (sources: Record<string, string>, dir = '/fixture'): Promise<TfDir> =>
  TfDir.fromSources(dir, sources);

// Building the AWS schema index parses a 153 MB assembly: seconds alone, longer beside other
// suites (later runs read the cached index).
beforeAll(async () => {
  for (const dir of findTfDirs(INFRA)) {
    try {
      dirs.set(dir, await TfDir.load(dir));
    } catch {
      // Parse file by file, so every invalid file is named, not only the first.
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.tf'))) {
        await parse(name, readFileSync(path.join(dir, name), 'utf8')).catch((error: unknown) => {
          parseErrors.push(`${rel(dir)}/${name}: ${(error as Error).message}`);
        });
      }
    }
  }
  for (const [local, packageName] of Object.entries(SCHEMA_PACKAGES)) {
    const schema = ProviderSchema.load(packageName);
    schemas.set(local, schema);
    console.log(
      `${packageName}@${schema.packageVersion}: ${schema.source} ${schema.providerVersion}, ` +
        `${schema.resourceTypes.length} resources, ${schema.dataSourceTypes.length} data sources, ` +
        `index ${schema.loaded.from} in ${Math.round(schema.loaded.ms)} ms`,
    );
  }
}, 120_000);

/**
 * Problems with one required_providers entry of a provider whose schema is checked: the
 * source must be the package's, and the constraint must admit the packaged release and no
 * later major (which may drop an argument) nor, for PINNED_MINOR providers, an older minor
 * (which may lack one: "~> 6.66", not ">= 5.0").
 */
function constraintProblems(
  where: string,
  local: string,
  entry: unknown,
  schema: ProviderSchema,
): string[] {
  const problems: string[] = [];
  const { source, version } = (entry ?? {}) as { source?: unknown; version?: unknown };
  if (source !== schema.source) {
    problems.push(`${where}: ${local} source is ${String(source)}, not ${schema.source}`);
  }
  if (typeof version !== 'string')
    return [...problems, `${where}: ${local} has no version constraint`];
  const what = `${where} required_providers.${local}`;
  const [major = 0, minor = 0] = schema.providerVersion.split('.').map(Number);
  const outside = [
    `${major + 1}.0.0`,
    ...(major > 0 ? [`${major - 1}.999.0`] : []),
    ...(minor > 0 && PINNED_MINOR.has(local) ? [`${major}.0.0`, `${major}.${minor - 1}.999`] : []),
  ];
  if (!satisfiesConstraint(schema.providerVersion, version, what)) {
    problems.push(`${what}: "${version}" does not admit ${schema.providerVersion}`);
  }
  for (const other of outside.filter((v) => satisfiesConstraint(v, version, what))) {
    problems.push(
      `${what}: "${version}" admits ${other}; the schema checked is ${schema.providerVersion} ` +
        `(use "~> ${major}.${minor}")`,
    );
  }
  return problems;
}

describe('terraform sources', () => {
  it('parses every .tf file of every directory under infra/ (envs and modules)', () => {
    expect(parseErrors).toEqual([]);
    const found = [...dirs.keys()].map(rel);
    expect(found.filter((d) => d.startsWith('modules/')).length).toBeGreaterThan(0);
    expect(found.filter((d) => d.startsWith('envs/')).length).toBeGreaterThan(0);
  });

  it('rejects a file that is not valid HCL, naming it', async () => {
    await expect(fixture({ 'broken.tf': 'resource "aws_s3_bucket" "x" {\n' })).rejects.toThrow(
      /broken\.tf:1/,
    );
  });
});

describe('provider schemas (AWS provider from @cdktn/provider-aws)', () => {
  it('indexes resources, data sources and nested blocks by their Terraform names', () => {
    const aws = schemas.get('aws')!;
    expect(aws.source).toBe('hashicorp/aws');
    expect(aws.resourceTypes.length).toBeGreaterThan(1000);
    const bucket = aws.resource('aws_s3_bucket')!;
    expect([...bucket.attributes]).toEqual(expect.arrayContaining(['bucket', 'bucket_prefix']));
    // cdktn calls this property selfAttribute; the HCL name is `self`.
    const ingress = aws.resource('aws_security_group')!.block('ingress')!;
    expect(ingress.attributes.has('self')).toBe(true);
    expect(ingress.attributes.has('selfAttribute')).toBe(false);
    expect(aws.dataSource('aws_iam_policy_document')!.block('statement')!.blockNames).toEqual(
      expect.arrayContaining(['condition', 'principals']),
    );
  });

  it.each([
    ['6.66.0', '~> 6.66', true],
    ['6.99.1', '~> 6.66', true],
    ['7.0.0', '~> 6.66', false],
    ['6.65.9', '~> 6.66', false],
    ['6.67.0', '~> 6.66.0', false],
    ['6.66.3', '~> 6.66.0', true],
    ['6.66.0', '>= 5.0, < 7.0', true],
    ['7.1.0', '>= 5.0, < 7.0', false],
    ['2.8.1', '>= 2.4, < 3.0', true],
    ['6.66.0', '6.66.0', true],
    ['6.66.0', '!= 6.66.0', false],
  ])('version %s against constraint "%s" is %s', (version, constraint, expected) => {
    expect(satisfiesConstraint(version, constraint, 'fixture')).toBe(expected);
  });

  it('refuses a constraint it cannot read', () => {
    expect(() => satisfiesConstraint('6.66.0', '~> 6.66-beta1', 'fixture')).toThrow(
      /fixture constraint: "6.66-beta1" is not a version/,
    );
  });

  it("declares in each directory every provider it uses, each checked one at the packaged schema's major version", () => {
    const problems: string[] = [];
    for (const dir of dirs.values()) {
      const where = rel(dir.dir);
      const required = dir.requiredProviders();
      const used = new Set(
        [...dir.each('resource'), ...dir.each('data')]
          .map((block) => providerOf(block.type))
          .filter((local) => local !== 'terraform'),
      );
      for (const local of used) {
        if (!(local in required)) problems.push(`${where}: required_providers has no "${local}"`);
      }
      for (const [local, entry] of Object.entries(required)) {
        const schema = schemas.get(local);
        if (schema !== undefined) problems.push(...constraintProblems(where, local, entry, schema));
      }
    }
    expect(problems).toEqual([]);
  });

  it('catches a constraint that admits 5.x or 7.x, or a wrong source, in a fixture', () => {
    const aws = schemas.get('aws')!;
    const check = (entry: unknown): string[] => constraintProblems('fixture', 'aws', entry, aws);
    expect(check({ source: 'hashicorp/aws', version: '~> 6.66' })).toEqual([]);
    expect(check({ source: 'hashicorp/aws', version: '>= 5.0, < 7.0' })).toEqual([
      'fixture required_providers.aws: ">= 5.0, < 7.0" admits 5.999.0; the schema checked is 6.66.0 (use "~> 6.66")',
      'fixture required_providers.aws: ">= 5.0, < 7.0" admits 6.0.0; the schema checked is 6.66.0 (use "~> 6.66")',
      'fixture required_providers.aws: ">= 5.0, < 7.0" admits 6.65.999; the schema checked is 6.66.0 (use "~> 6.66")',
    ]);
    expect(check({ source: 'hashicorp/aws', version: '>= 6.66' })).toEqual([
      'fixture required_providers.aws: ">= 6.66" admits 7.0.0; the schema checked is 6.66.0 (use "~> 6.66")',
    ]);
    expect(check({ source: 'opentofu/aws', version: '~> 6.70' })).toEqual([
      'fixture: aws source is opentofu/aws, not hashicorp/aws',
      'fixture required_providers.aws: "~> 6.70" does not admit 6.66.0',
    ]);
  });

  it('uses only resource types, data sources, arguments and blocks the provider schemas declare', () => {
    const problems: string[] = [];
    const notChecked: string[] = [];
    let checked = 0;
    for (const dir of dirs.values()) {
      const result = schemaCheck(dir, schemas);
      problems.push(...result.problems.map((p) => `${rel(dir.dir)}/${p}`));
      notChecked.push(...result.notChecked.map((p) => `${rel(dir.dir)}/${p}`));
      checked += result.checked;
    }
    console.log(`${checked} resource/data/provider blocks checked against a provider schema`);
    if (notChecked.length > 0) {
      console.log(`not checked against a provider schema:\n  ${notChecked.join('\n  ')}`);
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(20);
    const unexplained = notChecked.filter((where) => {
      const type = /: (?:data\.)?(\w+)\./.exec(where)?.[1] ?? '';
      return !(providerOf(type) in UNCHECKED_PROVIDERS);
    });
    expect(unexplained).toEqual([]);
  });

  it('catches a misspelled argument, nested block, dynamic label and type in a fixture', async () => {
    const dir = await fixture({
      'main.tf': `
        resource "aws_s3_bucket" "ok" {
          bucket_prefix = "dev-portal-"
          count         = 1
          lifecycle { prevent_destroy = true }
        }
        resource "aws_s3_bucket" "typo" {
          bucket_prefx = "dev-portal-"
        }
        resource "aws_s3_bucket_versioning" "v" {
          bucket = aws_s3_bucket.ok[0].id
          versioning_configuration { stauts = "Enabled" }
        }
        resource "aws_security_group" "sg" {
          name = "x"
          dynamic "ingres" {
            for_each = [443]
            content { from_port = ingres.value }
          }
          dynamic "egress" {
            for_each = [443]
            content { from_prot = egress.value }
          }
        }
        resource "aws_s3_bukket" "b" {}
        data "aws_iam_policy_document" "d" {
          statement {
            actions = ["s3:GetObject"]
            principal { type = "AWS" }
          }
        }
        data "archive_file" "zip" {
          type        = "zip"
          source_dir  = "x"
          output_path = "x.zip"
        }
        provider "aws" {
          region = "eu-west-1"
          default_tags { tags = { Service = "portal" } }
          default_tag { tags = {} }
        }
        resource "terraform_data" "t" {}
      `,
    });
    const result = schemaCheck(dir, schemas);
    // hcl2json orders blocks by type and name, so the order is not the file's.
    expect(result.problems.sort()).toEqual(
      [
        'main.tf: aws_s3_bucket.typo: unknown argument or block "bucket_prefx"',
        'main.tf: aws_s3_bucket_versioning.v.versioning_configuration: unknown argument or block "stauts"',
        'main.tf: aws_security_group.sg: dynamic "ingres": no block "ingres" here',
        'main.tf: aws_security_group.sg.egress: unknown argument or block "from_prot"',
        'main.tf: aws_s3_bukket.b: hashicorp/aws 6.66.0 has no resource type "aws_s3_bukket"',
        'main.tf: data.aws_iam_policy_document.d.statement: unknown argument or block "principal"',
        'main.tf: provider "aws": unknown argument or block "default_tag"',
      ].sort(),
    );
    expect(result.notChecked).toEqual(['main.tf: terraform_data.t']);
    expect(result.checked).toBe(8);
  });
});

describe('module calls, variables and outputs', () => {
  it('points every module call at a local module, passing only its variables and all it requires', () => {
    expect(everyDir((dir) => moduleCallProblems(dir, dirs))).toEqual([]);
  });

  it('catches a missing source, an unknown argument and a missing required variable in a fixture', async () => {
    const child = await fixture(
      {
        'variables.tf': `
          variable "name" {
            type        = string
            description = "Required."
          }
          variable "size" {
            type        = number
            description = "Optional."
            default     = null
          }
        `,
      },
      '/fixture/modules/child',
    );
    const root = await fixture(
      {
        'main.tf': `
          module "good" {
            source = "../modules/child"
            name   = "a"
            count  = 1
          }
          module "bad" {
            source  = "../modules/child"
            sise    = 1
          }
          module "gone" { source = "../modules/missing" }
          module "remote" { source = "terraform-aws-modules/vpc/aws" }
        `,
      },
      '/fixture/root',
    );
    expect(moduleCallProblems(root, new Map([[child.dir, child]]))).toEqual([
      'main.tf: module.bad: "../modules/child" declares no variable "sise"',
      'main.tf: module.bad: required variable "name" of "../modules/child" is not passed',
      'main.tf: module.gone: source "../modules/missing" does not exist',
      'main.tf: module.remote: source "terraform-aws-modules/vpc/aws" is not a local path; cannot check it',
    ]);
  });

  it('gives every variable a type and a description, and every output a description', () => {
    expect([...everyDir(variableProblems), ...everyDir(outputProblems)]).toEqual([]);
  });

  it('catches an untyped or undescribed variable and an undescribed output in a fixture', async () => {
    const dir = await fixture({
      'variables.tf': `
        variable "ok" {
          type        = string
          description = "Fine."
        }
        variable "untyped" { description = "No type." }
        variable "blank" {
          type        = string
          description = " "
        }
        output "bare" { value = 1 }
      `,
    });
    expect([...variableProblems(dir), ...outputProblems(dir)]).toEqual([
      'variables.tf: variable "blank" has no description',
      'variables.tf: variable "untyped" has no type',
      'variables.tf: output "bare" has no description',
    ]);
  });
});

describe('security groups', () => {
  const INGRESS_TYPES = [
    'aws_security_group',
    'aws_default_security_group',
    'aws_security_group_rule',
    'aws_vpc_security_group_ingress_rule',
  ];

  it('open neither 22 nor 3389 to 0.0.0.0/0 or ::/0 anywhere', () => {
    expect(everyDir(openAdminPortProblems)).toEqual([]);
    // The check saw rules to judge: a renamed resource type would otherwise pass unseen.
    const ingress = [...dirs.values()].flatMap((dir) =>
      dir.each('resource').filter((r) => INGRESS_TYPES.includes(r.type)),
    );
    expect(ingress.length).toBeGreaterThan(0);
  });

  it('catches world-open SSH/RDP in every rule form of a fixture, and passes HTTPS', async () => {
    const dir = await fixture({
      'sg.tf': `
        resource "aws_security_group" "web" {
          ingress {
            from_port   = 443
            to_port     = 443
            protocol    = "tcp"
            cidr_blocks = ["0.0.0.0/0"]
          }
          ingress {
            from_port   = 22
            to_port     = 22
            protocol    = "tcp"
            cidr_blocks = ["0.0.0.0/0"]
          }
          dynamic "ingress" {
            for_each = [1]
            content {
              from_port        = 0
              to_port          = 0
              protocol         = "-1"
              ipv6_cidr_blocks = ["::/0"]
            }
          }
          egress {
            from_port   = 0
            to_port     = 0
            protocol    = "-1"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
        resource "aws_security_group_rule" "rdp" {
          type              = "ingress"
          from_port         = 3000
          to_port           = 4000
          protocol          = "tcp"
          cidr_blocks       = ["10.0.0.0/8", "0.0.0.0/0"]
          security_group_id = aws_security_group.web.id
        }
        resource "aws_security_group_rule" "out" {
          type              = "egress"
          from_port         = 22
          to_port           = 22
          protocol          = "tcp"
          cidr_blocks       = ["0.0.0.0/0"]
          security_group_id = aws_security_group.web.id
        }
        resource "aws_vpc_security_group_ingress_rule" "ssh6" {
          security_group_id = aws_security_group.web.id
          ip_protocol       = "tcp"
          from_port         = 22
          to_port           = 22
          cidr_ipv6         = "::/0"
        }
        resource "aws_vpc_security_group_ingress_rule" "https" {
          security_group_id = aws_security_group.web.id
          ip_protocol       = "tcp"
          from_port         = 443
          to_port           = 443
          cidr_ipv4         = "0.0.0.0/0"
        }
        resource "aws_vpc_security_group_ingress_rule" "all" {
          security_group_id = aws_security_group.web.id
          ip_protocol       = "-1"
          cidr_ipv4         = "0.0.0.0/0"
        }
        resource "aws_vpc_security_group_ingress_rule" "ping" {
          security_group_id = aws_security_group.web.id
          ip_protocol       = "icmp"
          from_port         = -1
          to_port           = -1
          cidr_ipv4         = "0.0.0.0/0"
        }
        resource "aws_vpc_security_group_ingress_rule" "from_alb" {
          security_group_id            = aws_security_group.web.id
          ip_protocol                  = "tcp"
          from_port                    = 22
          to_port                      = 22
          referenced_security_group_id = aws_security_group.web.id
        }
        resource "aws_vpc_security_group_ingress_rule" "computed" {
          security_group_id = aws_security_group.web.id
          ip_protocol       = "tcp"
          from_port         = 22
          to_port           = 22
          cidr_ipv4         = var.admin_cidr
        }
      `,
    });
    expect(openAdminPortProblems(dir).sort()).toEqual(
      [
        'sg.tf: aws_security_group.web ingress[1]: opens port 22 to 0.0.0.0/0 or ::/0',
        'sg.tf: aws_security_group.web ingress[2]: opens port 22 and 3389 to 0.0.0.0/0 or ::/0',
        'sg.tf: aws_security_group_rule.rdp: opens port 3389 to 0.0.0.0/0 or ::/0',
        'sg.tf: aws_vpc_security_group_ingress_rule.ssh6: opens port 22 to 0.0.0.0/0 or ::/0',
        'sg.tf: aws_vpc_security_group_ingress_rule.all: opens port 22 and 3389 to 0.0.0.0/0 or ::/0',
        'sg.tf: aws_vpc_security_group_ingress_rule.computed: cannot decide whether it opens 22/3389 ' +
          'to the internet (CIDR computed): write the ports as literals, or use a referenced security group',
      ].sort(),
    );
  });
});

describe('S3 buckets', () => {
  it('each have a full public access block, encryption and a lifecycle in their module', () => {
    expect(everyDir(s3BucketProblems)).toEqual([]);
    const buckets = [...dirs.values()].flatMap((dir) =>
      dir.each('resource').filter((r) => r.type === 'aws_s3_bucket'),
    );
    expect(buckets.length).toBeGreaterThan(0);
  });

  it('catches a bucket missing each of them, or a public access block left partly open, in a fixture', async () => {
    const complete = (name: string, flag = 'true'): string => `
      resource "aws_s3_bucket" "${name}" { bucket_prefix = "dev-${name}-" }
      resource "aws_s3_bucket_public_access_block" "${name}" {
        bucket                  = aws_s3_bucket.${name}.id
        block_public_acls       = true
        block_public_policy     = true
        ignore_public_acls      = ${flag}
        restrict_public_buckets = true
      }
      resource "aws_s3_bucket_server_side_encryption_configuration" "${name}" {
        bucket = aws_s3_bucket.${name}.bucket
        rule {
          apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" }
        }
      }
      resource "aws_s3_bucket_lifecycle_configuration" "${name}" {
        bucket = aws_s3_bucket.${name}.id
        rule {
          id     = "expire"
          status = "Enabled"
          filter {}
          expiration { days = 30 }
        }
      }
    `;
    const dir = await fixture({
      'good.tf': complete('report'),
      'leaky.tf': complete('leaky', 'var.ignore_acls'),
      'bare.tf': `
        resource "aws_s3_bucket" "bare" { bucket_prefix = "dev-bare-" }
        # Refers to another bucket's id: does not count for "bare".
        resource "aws_s3_bucket_lifecycle_configuration" "bare" {
          bucket = aws_s3_bucket.bare_logs.id
        }
        resource "aws_s3_bucket_server_side_encryption_configuration" "bare" {
          bucket = data.aws_s3_bucket.bare.id
        }
      `,
    });
    expect(s3BucketProblems(dir).sort()).toEqual(
      [
        'bare.tf: aws_s3_bucket.bare: no aws_s3_bucket_public_access_block refers to it',
        'bare.tf: aws_s3_bucket.bare: no aws_s3_bucket_server_side_encryption_configuration refers to it',
        'bare.tf: aws_s3_bucket.bare: no aws_s3_bucket_lifecycle_configuration refers to it',
        'leaky.tf: aws_s3_bucket_public_access_block.leaky: ignore_public_acls not the literal true',
      ].sort(),
    );
    // The same fixture passes the schema check: the checker's fixtures are valid Terraform.
    expect(schemaCheck(dir, schemas).problems).toEqual([]);
  });
});
