import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parse as parseYaml } from 'yaml';

// The GitHub Actions roles' one source (infra/modules/github-oidc/permissions.json), rendered as
// Terraform renders it, and the two things it must agree with: the AWS calls of the code each
// action runs, and the AWS calls of each workflow job's steps.

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const OIDC_DIR = path.join(REPO_ROOT, 'infra/modules/github-oidc');
export const PERMISSIONS_FILE = path.join(OIDC_DIR, 'permissions.json');
const SRC = path.join(REPO_ROOT, 'actions/src');
const WORKFLOWS = path.join(REPO_ROOT, '.github/workflows');

export interface Condition {
  test: string;
  variable: string;
  values: string[];
}

export interface Statement {
  sid: string;
  actions: string[];
  resources: string[];
  conditions?: Condition[];
}

export interface Role {
  description: string;
  github_variable: string;
  subjects: string[];
  managed_policies: string[];
  statements: Statement[];
}

export type Permissions = Record<string, Role>;

/** An IAM policy document as AWS takes it. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: {
    Sid: string;
    Effect: 'Allow';
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, string[]>>;
  }[];
}

function fail(message: string): never {
  throw new Error(`${path.relative(REPO_ROOT, PERMISSIONS_FILE)}: ${message}`);
}

/**
 * permissions.json's roles, with every field checked for its type so a malformed entry names
 * itself instead of breaking a comparison further down.
 * @throws Error naming the role and field that is missing or of the wrong type.
 */
export function loadPermissions(file = PERMISSIONS_FILE): Permissions {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { roles?: unknown };
  if (typeof raw.roles !== 'object' || raw.roles === null) fail('no "roles" object');
  const strings = (value: unknown, where: string): string[] => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      fail(`${where} must be a list of strings`);
    }
    return value;
  };
  const roles: Permissions = {};
  for (const [kind, value] of Object.entries(raw.roles as Record<string, unknown>)) {
    const role = value as Record<string, unknown>;
    for (const field of ['description', 'github_variable'] as const) {
      if (typeof role[field] !== 'string' || role[field] === '') fail(`${kind}.${field} missing`);
    }
    if (!Array.isArray(role.statements)) fail(`${kind}.statements must be a list`);
    roles[kind] = {
      description: role.description as string,
      github_variable: role.github_variable as string,
      subjects: strings(role.subjects, `${kind}.subjects`),
      managed_policies: strings(role.managed_policies, `${kind}.managed_policies`),
      statements: (role.statements as Record<string, unknown>[]).map((s, index) => {
        const where = `${kind}.statements[${index}]`;
        if (typeof s.sid !== 'string') fail(`${where}.sid missing`);
        return {
          sid: s.sid,
          actions: strings(s.actions, `${where}.actions`),
          resources: strings(s.resources, `${where}.resources`),
          ...(s.conditions !== undefined && { conditions: s.conditions as Condition[] }),
        };
      }),
    };
  }
  return roles;
}

/** The `${name}` placeholders of a template, in order. */
export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(/\$\{([a-z_]+)\}/g)].map((match) => match[1]!);
}

/**
 * A template rendered the way github-oidc's `local.rendered` does: the text split into
 * `${name}` parts and literal runs (regexall("\$\{[a-z_]+\}|[^$]+")), each part replaced by its
 * value; a value that is missing renders as `<unset>` (the role's precondition then fails).
 */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return [...template.matchAll(/\$\{[a-z_]+\}|[^$]+/g)]
    .map(([part]) => (part.startsWith('${') ? (values[part.slice(2, -1)] ?? '<unset>') : part))
    .join('');
}

/** One role's inline policy as Terraform's aws_iam_policy_document renders it (values filled in). */
export function renderPolicy(role: Role, values: Record<string, string>): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: role.statements.map((s) => ({
      Sid: s.sid,
      Effect: 'Allow',
      Action: s.actions,
      Resource: s.resources.map((r) => renderTemplate(r, values)),
      ...(s.conditions && {
        Condition: Object.fromEntries(
          s.conditions.map((c) => [c.test, { [c.variable]: c.values }] as const),
        ),
      }),
    })),
  };
}

/** Whether an IAM resource pattern (`*` any run of characters, `?` one) matches an ARN. */
export function resourceMatches(pattern: string, arn: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^$()[\]{}|\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(arn);
}

/** Whether a policy grants `action` on `arn`. */
export function grants(policy: PolicyDocument, action: string, arn: string): boolean {
  return policy.Statement.some(
    (s) => s.Action.includes(action) && s.Resource.some((r) => resourceMatches(r, arn)),
  );
}

// --- the code's calls -------------------------------------------------------------------------

// The IAM service prefixes the code may name. Every AWS call goes through awsFailure(what,
// 'service:Action', error), which names the permission to grant; a list (not any `word:Word`)
// keeps CSS (font-family:Arial) and placeholders (service:Action) out.
const SERVICES = [
  'config',
  'ec2',
  'ecr',
  'ecs',
  'iam',
  'inspector2',
  'kms',
  'resource-groups',
  's3',
  'securityhub',
  'ses',
  'sns',
  'ssm',
  'sts',
  'tag',
];
const PERMISSION = new RegExp(`\\b(?:${SERVICES.join('|')}):[A-Z][a-z][A-Za-z]*`, 'g');

/** The action entries of scripts/build.mjs: the bundle name (actions/<name>) -> its entry file. */
export function actionEntries(): Record<string, string> {
  const build = readFileSync(path.join(REPO_ROOT, 'scripts/build.mjs'), 'utf8');
  const entries: Record<string, string> = {};
  for (const [, name, entry] of build.matchAll(/'?([a-z][\w/-]*)'?: '(actions\/src\/[^']+)'/g)) {
    entries[name!] = path.join(REPO_ROOT, entry!);
  }
  return entries;
}

/**
 * The relative modules a source file imports at run time, as [statement, specifier] pairs,
 * statically or through `import()`: `import type …` and imports of types only (`import { type A, type B }`) are erased by the
 * compiler, so the calls of what they name are not made (pr-summary reads the gates' evidence
 * types, not their sources).
 */
function runtimeImports(source: string): [string, string][] {
  const found: [string, string][] = [];
  for (const [statement, clause, spec] of source.matchAll(
    /\b(?:import|export)\s+([^;]*?)\s*from\s+'(\.{1,2}\/[^']+)'/g,
  )) {
    const typeOnly =
      /^type\b/.test(clause!) ||
      (/^\{[^}]*\}$/.test(clause!.trim()) &&
        clause!
          .trim()
          .slice(1, -1)
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== '')
          .every((part) => part.startsWith('type ')));
    if (!typeOnly) found.push([statement, spec!]);
  }
  // A module loaded on first use (`await import('../sinks/…')`, a chunk of its own) still runs
  // in that command: its calls are the command's.
  for (const [statement, spec] of source.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)) {
    found.push([statement, spec!]);
  }
  return found;
}

/**
 * Every `service:Action` named in the modules an entry file reaches through relative imports
 * (sources and sinks are shared between commands), with the modules that name each. Modules in
 * `skip` (paths relative to actions/src) are not read, nor what only they import.
 */
export function permissionsNamedIn(
  entry: string,
  skip: ReadonlySet<string> = new Set(),
): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    const rel = path.relative(SRC, file).split(path.sep).join('/');
    if (seen.has(file) || skip.has(rel)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [permission] of source.matchAll(PERMISSION)) {
      found.set(permission, [...new Set([...(found.get(permission) ?? []), rel])]);
    }
    for (const [, spec] of runtimeImports(source)) {
      const target = path.resolve(path.dirname(file), spec);
      if (existsSync(`${target}.ts`)) visit(`${target}.ts`);
    }
  };
  visit(entry);
  return found;
}

// --- the workflows' calls ---------------------------------------------------------------------

export interface WorkflowStep {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

export interface WorkflowJob {
  if?: string;
  environment?: string | { name?: string };
  steps?: WorkflowStep[];
}

export interface Workflow {
  file: string;
  on: Record<string, unknown>;
  jobs: Record<string, WorkflowJob>;
}

/** Every workflow of .github/workflows, parsed. */
export function loadWorkflows(): Workflow[] {
  return readdirSync(WORKFLOWS)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => {
      const doc = parseYaml(readFileSync(path.join(WORKFLOWS, name), 'utf8')) as {
        on?: unknown;
        jobs?: Record<string, WorkflowJob>;
      };
      const on =
        typeof doc.on === 'string'
          ? { [doc.on]: null }
          : Array.isArray(doc.on)
            ? Object.fromEntries((doc.on as string[]).map((e) => [e, null]))
            : ((doc.on ?? {}) as Record<string, unknown>);
      return { file: name, on, jobs: doc.jobs ?? {} };
    });
}

/** The environment a job runs in, or undefined. */
export function environmentOf(job: WorkflowJob): string | undefined {
  return typeof job.environment === 'string' ? job.environment : job.environment?.name;
}

/** A call a step makes, and why the test thinks so. */
export interface Call {
  /** `service:Action`, or `managed:<policy name>` for a call covered only by a managed policy. */
  action: string;
  because: string;
}

/** ECR calls of a `docker push` (and a buildx --push), per the ECR docs' push permissions. */
export const ECR_PUSH = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
  'ecr:BatchGetImage',
];
const ECR_PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/** Third-party actions that make no AWS call of their own. */
export const NO_AWS_ACTIONS = [
  'actions/checkout',
  'actions/setup-node',
  'actions/upload-artifact',
  'actions/download-artifact',
  'actions/cache',
  'github/codeql-action/upload-sarif',
  'hashicorp/setup-terraform',
  'docker/setup-buildx-action',
  'docker/setup-qemu-action',
];

/** CLI service names whose IAM prefix differs. */
const CLI_SERVICE_PREFIX: Record<string, string> = {
  s3api: 's3',
  resourcegroupstaggingapi: 'tag',
  'resource-groups': 'resource-groups',
  sesv2: 'ses',
};

function pascal(kebab: string): string {
  return kebab
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/**
 * The AWS calls of one `run:` script: `aws <service> <operation>` (kebab to Pascal; `aws s3 cp`
 * and `sync` by direction; `aws ecs wait services-stable` polls DescribeServices), `docker push`
 * / `docker buildx … --push` / `docker pull` against ECR, and terraform init/plan (reads through
 * the managed ReadOnlyAccess policy; a plan without -lock=false also writes the S3 lock file).
 * @throws Error for an `aws` or `terraform` command it cannot map: the test must not guess.
 */
export function callsOfScript(script: string, where: string): Call[] {
  const calls: Call[] = [];
  // Continuation lines joined, comments dropped: one command per line.
  const lines = script
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '');
  for (const line of lines) {
    // What a script says is not what it runs.
    if (/^(?:echo|printf)\b/.test(line)) continue;
    for (const match of line.matchAll(
      /(?:^|[\s;|&($`"])aws((?:\s+--[a-z-]+(?:[= ][^\s-]\S*)?)*)\s+([a-z0-9-]+)\s+([a-z0-9-]+)/g,
    )) {
      const service = match[2]!;
      const operation = match[3]!;
      const because = `${where}: aws ${service} ${operation}`;
      if (service === 'sts' && operation === 'get-caller-identity') continue;
      if (service === 's3') {
        const args = line.slice(match.index + match[0].length);
        const targets = [...args.matchAll(/(?:^|\s)["']?(s3:\/\/\S+|[^\s-]\S*)/g)].map(
          (m) => m[1]!,
        );
        const fromS3 = targets[0]?.startsWith('s3://') === true;
        const toS3 = targets[1]?.startsWith('s3://') === true;
        if (operation === 'cp' || operation === 'sync' || operation === 'mv') {
          if (fromS3) calls.push({ action: 's3:GetObject', because });
          if (toS3) calls.push({ action: 's3:PutObject', because });
          if (operation === 'sync') calls.push({ action: 's3:ListBucket', because });
          if (operation === 'mv' && fromS3) calls.push({ action: 's3:DeleteObject', because });
          continue;
        }
        if (operation === 'ls') {
          calls.push({ action: 's3:ListBucket', because });
          continue;
        }
        throw new Error(`${because}: no mapping of this aws s3 command to IAM actions`);
      }
      if (service === 'ecs' && operation === 'wait') {
        calls.push({ action: 'ecs:DescribeServices', because });
        continue;
      }
      if (service === 'ecr' && operation === 'get-login-password') {
        calls.push({ action: 'ecr:GetAuthorizationToken', because });
        continue;
      }
      calls.push({
        action: `${CLI_SERVICE_PREFIX[service] ?? service}:${pascal(operation)}`,
        because,
      });
    }
    if (
      /\bdocker\s+push\b/.test(line) ||
      (/\bdocker\s+buildx\b/.test(line) && /\s--push\b/.test(line))
    ) {
      for (const action of ECR_PUSH) calls.push({ action, because: `${where}: docker push` });
    }
    if (/\bdocker\s+(?:image\s+)?pull\b/.test(line)) {
      for (const action of ECR_PULL) calls.push({ action, because: `${where}: docker pull` });
    }
    const terraform = /\bterraform\b(?:\s+-chdir=\S+)?\s+([a-z]+)/.exec(line);
    if (terraform) {
      const command = terraform[1]!;
      const because = `${where}: terraform ${command}`;
      if (command === 'fmt' || command === 'validate' || command === 'version') continue;
      if (command === 'init') {
        if (!/-backend=false/.test(line)) calls.push({ action: 'managed:ReadOnlyAccess', because });
        continue;
      }
      if (command === 'plan') {
        calls.push({ action: 'managed:ReadOnlyAccess', because });
        if (!/-lock=false/.test(line)) {
          calls.push({ action: 's3:PutObject', because: `${because} (state lock file)` });
          calls.push({ action: 's3:DeleteObject', because: `${because} (state lock file)` });
        }
        continue;
      }
      throw new Error(`${because}: a terraform command this test does not know the calls of`);
    }
    if (/\bassetguard\s+[a-z]/.test(line) && !/^echo\b/.test(line)) {
      throw new Error(`${where}: runs the assetguard CLI; map its command to the code's calls`);
    }
  }
  return calls;
}

/** A step's `with:` input as text ('' when not given). */
export function inputOf(step: WorkflowStep, name: string): string {
  const value = step.with?.[name];
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  // YAML gives true or 15 for an unquoted input; GitHub passes its text.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`input ${name} is not a scalar: ${JSON.stringify(value)}`);
}
