import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { asRecord, single, TfDir, type Hcl } from '../support/hcl';
import {
  actionEntries,
  callsOfScript,
  ECR_PUSH,
  environmentOf,
  inputOf,
  loadPermissions,
  loadWorkflows,
  NO_AWS_ACTIONS,
  OIDC_DIR,
  permissionsNamedIn,
  placeholdersIn,
  renderPolicy,
  REPO_ROOT,
  type Call,
  type Role,
  type Statement,
  type WorkflowJob,
  type WorkflowStep,
} from '../support/iam-permissions';

// One role per kind of GitHub Actions job, from one source (permissions.json). These checks tie
// that source to (a) the Terraform that renders it, (b) the GitHub environments a trust names,
// (c) the AWS calls of the code and of every workflow step, both ways, and (d) the README.

const OIDC_HOST = 'token.actions.githubusercontent.com';
const permissions = loadPermissions();
const kinds = Object.keys(permissions);
const role = (kind: string): Role => {
  const found = permissions[kind];
  if (!found) throw new Error(`permissions.json has no role kind "${kind}"`);
  return found;
};

// The contract the workflows are written to (issue 11): kinds, their exact subjects, and the
// GitHub variable each role's ARN is published as.
const CONTRACT: Record<string, { subjects: string[]; variable: string }> = {
  push: { subjects: ['ref:refs/heads/main', 'pull_request'], variable: 'AWS_PUSH_ROLE_ARN' },
  gate: { subjects: ['ref:refs/heads/main', 'pull_request'], variable: 'AWS_GATE_ROLE_ARN' },
  deploy: { subjects: ['environment:${deploy_environment}'], variable: 'AWS_DEPLOY_ROLE_ARN' },
  'tag-policy': { subjects: ['ref:refs/heads/main'], variable: 'AWS_TAG_POLICY_ROLE_ARN' },
  report: { subjects: ['ref:refs/heads/main'], variable: 'AWS_REPORT_ROLE_ARN' },
  remediate: {
    subjects: ['environment:${remediation_environment}'],
    variable: 'AWS_REMEDIATION_ROLE_ARN',
  },
  'fleet-check': { subjects: ['ref:refs/heads/main'], variable: 'AWS_FLEET_CHECK_ROLE_ARN' },
  'terraform-plan': {
    subjects: ['ref:refs/heads/main', 'pull_request'],
    variable: 'AWS_PLAN_ROLE_ARN',
  },
};

// Permissions AWS checks besides the one a call is named after. SES v2 SendEmail with raw
// content (nodemailer composes the MIME message) is also authorized as ses:SendRawEmail;
// StartAutomationExecution with AutomationAssumeRole checks iam:PassRole on that role, and
// RegisterTaskDefinition checks it on the task and execution roles the definition names.
const ALSO_CHECKED: Record<string, string[]> = {
  'ses:SendEmail': ['ses:SendRawEmail'],
  'ssm:StartAutomationExecution': ['iam:PassRole'],
  'ecs:RegisterTaskDefinition': ['iam:PassRole'],
};
// Calls AWS answers whatever the policy says: named in the code, never granted.
const NEEDS_NO_PERMISSION = new Set(['sts:GetCallerIdentity', 'sts:AssumeRoleWithWebIdentity']);

// Grants no job of the role is seen to use, each with the reason it stays. Empty: every grant
// is used. A stale entry (granted nowhere, or used after all) fails the test.
const DELIBERATE_EXTRAS: { kind: string; action: string; why: string }[] = [];

// Modules of an action that run only when a step gives an input: their calls are the step's
// only then. Each is checked to be imported by the command's run.ts alone, which reads the input.
interface InputGate {
  modules: string[];
  /** Whether a step (in its job) makes these calls. */
  runs: (step: WorkflowStep, job: WorkflowJob) => boolean;
  why: string;
  input: string;
}
const given = (step: WorkflowStep, input: string): boolean =>
  !['', 'false'].includes(inputOf(step, input).trim());
const INPUT_GATES: Record<string, InputGate[]> = {
  remediate: [
    {
      modules: ['sinks/automation.ts'],
      input: 'execute',
      runs: (step) => given(step, 'execute'),
      why: 'runbooks start only with execute: true (the plan job is a dry run)',
    },
    {
      modules: ['sinks/remediation-audit.ts'],
      input: 'audit',
      runs: (step) => given(step, 'audit'),
      why: 'the audit record goes to S3 only with an s3:// audit input (else to output-dir)',
    },
    {
      modules: ['sources/config.ts', 'sources/securityhub.ts'],
      input: 'resources',
      // The execute job runs exactly the plan's resources, and only when there are some: the
      // non-compliant resources are not looked up again.
      runs: (step, job) => {
        const from = /^\$\{\{\s*needs\.([\w-]+)\.outputs\.resources\s*\}\}$/.exec(
          inputOf(step, 'resources').trim(),
        );
        return !(
          from &&
          new RegExp(`needs\\.${from[1]}\\.outputs\\.resources\\s*!=\\s*''`).test(job.if ?? '')
        );
      },
      why: 'with resources given the command does not look the non-compliant resources up',
    },
  ],
};

const entries = actionEntries();

/** The calls of `uses: ./actions/<name>` in this step and job. */
function actionCalls(name: string, step: WorkflowStep, job: WorkflowJob, where: string): Call[] {
  const entry = entries[name];
  if (!entry) throw new Error(`${where}: ./actions/${name} is not an entry of scripts/build.mjs`);
  const skip = new Set(
    (INPUT_GATES[name] ?? []).filter((gate) => !gate.runs(step, job)).flatMap((g) => g.modules),
  );
  return [...permissionsNamedIn(entry, skip)].map(([action, modules]) => ({
    action,
    because: `${where}: ./actions/${name} (${modules.join(', ')})`,
  }));
}

/**
 * Whether the task definition a job registers carries tags: a run step of the job reads the
 * family with `describe-task-definition --include TAGS` and puts the top-level `.tags` into the
 * file (without --include TAGS describe returns none, and a file without `tags` registers none).
 */
function registersTags(job: WorkflowJob): boolean {
  return (job.steps ?? []).some(
    (step) =>
      step.run !== undefined &&
      /describe-task-definition[^\n]*(?:\\\n[^\n]*)*--include TAGS/.test(step.run) &&
      /\{\s*tags:\s*\.tags\s*\}/.test(step.run),
  );
}

/** The AWS calls one step makes. */
function stepCalls(step: WorkflowStep, job: WorkflowJob, where: string): Call[] {
  if (step.run !== undefined) return callsOfScript(step.run, where);
  const uses = step.uses ?? '';
  const local = /^\.\/actions\/([\w-]+)$/.exec(uses);
  if (local) return actionCalls(local[1]!, step, job, where);
  const action = uses.replace(/@.*$/, '');
  const because = `${where}: ${action}`;
  if (NO_AWS_ACTIONS.includes(action)) return [];
  switch (action) {
    case 'aws-actions/configure-aws-credentials':
      return [];
    case 'aws-actions/amazon-ecr-login':
      return [{ action: 'ecr:GetAuthorizationToken', because }];
    case 'aws-actions/amazon-ecs-render-task-definition':
      // From a file it only edits JSON; given a family or an ARN it downloads the definition.
      return inputOf(step, 'task-definition-family') || inputOf(step, 'task-definition-arn')
        ? [{ action: 'ecs:DescribeTaskDefinition', because }]
        : [];
    case 'aws-actions/amazon-ecs-deploy-task-definition': {
      const calls = ['ecs:DescribeServices', 'ecs:UpdateService'];
      // task-definition (a file) registers a revision; task-definition-arn deploys one as is.
      if (inputOf(step, 'task-definition')) {
        calls.push('ecs:RegisterTaskDefinition');
        // A file with tags (the job fetched them with --include TAGS) registers a tagged
        // revision, which ECS also authorizes as ecs:TagResource with ecs:CreateAction.
        if (registersTags(job)) calls.push('ecs:TagResource');
      }
      if (inputOf(step, 'codedeploy-appspec') || inputOf(step, 'run-task')) {
        throw new Error(`${because}: CodeDeploy and run-task calls are not mapped here`);
      }
      return calls.map((a) => ({ action: a, because }));
    }
    case 'docker/build-push-action':
      return String(step.with?.push) === 'true'
        ? ECR_PUSH.map((a) => ({ action: a, because }))
        : [];
    default:
      throw new Error(
        `${because}: an action this test does not know the AWS calls of; add it to NO_AWS_ACTIONS or map its calls`,
      );
  }
}

interface JobCalls {
  where: string;
  workflow: string;
  job: string;
  environment: string | undefined;
  kind: string;
  calls: Call[];
}

const variableKinds = new Map(kinds.map((kind) => [role(kind).github_variable, kind]));

/** Every workflow job with AWS calls: the role it assumes and what it calls with it. */
function jobCalls(): JobCalls[] {
  const result: JobCalls[] = [];
  for (const workflow of loadWorkflows()) {
    for (const [jobName, job] of Object.entries(workflow.jobs)) {
      let kind: string | undefined;
      const calls: Call[] = [];
      for (const [index, step] of (job.steps ?? []).entries()) {
        const where = `${workflow.file} ${jobName} step ${index + 1}${step.name ? ` (${step.name})` : ''}`;
        if (step.uses?.startsWith('aws-actions/configure-aws-credentials@')) {
          const assumed = /^\$\{\{\s*vars\.([A-Z0-9_]+)\s*\}\}$/.exec(
            inputOf(step, 'role-to-assume').trim(),
          );
          if (!assumed) throw new Error(`${where}: role-to-assume must be \${{ vars.NAME }}`);
          kind = variableKinds.get(assumed[1]!);
          if (!kind) throw new Error(`${where}: vars.${assumed[1]} is no role's github_variable`);
          if (calls.length > 0) throw new Error(`${where}: a second role in one job`);
          continue;
        }
        const made = stepCalls(step, job, where);
        if (made.length > 0 && kind === undefined) {
          throw new Error(`${where}: AWS calls (${made[0]!.action}) before any role is assumed`);
        }
        calls.push(...made);
      }
      if (kind !== undefined) {
        result.push({
          where: `${workflow.file} ${jobName}`,
          workflow: workflow.file,
          job: jobName,
          environment: environmentOf(job),
          kind,
          calls,
        });
      }
    }
  }
  return result;
}

const grantsNeeded = (calls: Call[]): Map<string, string[]> => {
  const needed = new Map<string, string[]>();
  for (const call of calls) {
    if (NEEDS_NO_PERMISSION.has(call.action)) continue;
    for (const action of [call.action, ...(ALSO_CHECKED[call.action] ?? [])]) {
      needed.set(action, [...(needed.get(action) ?? []), call.because]);
    }
  }
  return needed;
};

/** What a role grants: its actions and, as managed:<name>, its managed policies. */
function granted(kind: string): string[] {
  const r = role(kind);
  return [
    ...new Set([
      ...r.statements.flatMap((s) => s.actions),
      ...r.managed_policies.map((arn) => `managed:${arn.replace(/^.*:policy\//, '')}`),
    ]),
  ].sort();
}

let jobs: JobCalls[] = [];
let oidc: TfDir;
let environmentModule: TfDir;
let stack: TfDir;

beforeAll(async () => {
  jobs = jobCalls();
  [oidc, environmentModule, stack] = await Promise.all([
    TfDir.load(OIDC_DIR),
    TfDir.load(path.join(REPO_ROOT, 'infra/modules/github-environment')),
    TfDir.load(path.join(REPO_ROOT, 'infra/modules/stack')),
  ]);
});

describe('permissions.json: one role per kind of job', () => {
  it('defines exactly the contract kinds, with their exact subjects and GitHub variables', () => {
    expect([...kinds].sort()).toEqual(Object.keys(CONTRACT).sort());
    for (const [kind, { subjects, variable }] of Object.entries(CONTRACT)) {
      expect({ kind, subjects: [...role(kind).subjects].sort() }).toEqual({
        kind,
        subjects: [...subjects].sort(),
      });
      expect({ kind, variable: role(kind).github_variable }).toEqual({ kind, variable });
    }
  });

  it('never trusts a pattern: every subject is a branch ref, pull_request or one environment', () => {
    for (const [kind, r] of Object.entries(permissions)) {
      expect(r.subjects.length).toBeGreaterThan(0);
      for (const subject of r.subjects) {
        expect({ kind, subject }).toEqual({
          kind,
          subject: expect.stringMatching(
            /^(ref:refs\/heads\/[A-Za-z0-9._/-]+|pull_request|environment:\$\{[a-z_]+\})$/,
          ),
        });
        expect(subject).not.toMatch(/[*?]/);
      }
    }
  });

  it('gives every statement a unique alphanumeric Sid, distinct exact actions and a resource', () => {
    for (const [kind, r] of Object.entries(permissions)) {
      const sids = r.statements.map((s) => s.sid);
      expect({ kind, unique: new Set(sids).size }).toEqual({ kind, unique: sids.length });
      for (const s of r.statements) {
        expect({ kind, sid: s.sid, unique: new Set(s.actions).size }).toEqual({
          kind,
          sid: s.sid,
          unique: s.actions.length,
        });
        expect(s.sid).toMatch(/^[A-Za-z0-9]+$/);
        expect(s.resources.length).toBeGreaterThan(0);
        for (const action of s.actions) {
          expect({ kind, action }).toEqual({
            kind,
            action: expect.stringMatching(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/),
          });
        }
        // A literal $ outside ${name} would be dropped by the renderer.
        for (const resource of s.resources) {
          expect(resource.replace(/\$\{[a-z_]+\}/g, '')).not.toContain('$');
        }
      }
    }
  });

  it('is the only copy of the action lists: no policy JSON beside it, no action in the .tf files', () => {
    const jsonFiles = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? jsonFiles(path.join(dir, entry.name)).map((f) => `${entry.name}/${f}`)
          : entry.name.endsWith('.json')
            ? [entry.name]
            : [],
      );
    expect(jsonFiles(OIDC_DIR)).toEqual(['permissions.json']);
    const all = new Set(kinds.flatMap((kind) => role(kind).statements.flatMap((s) => s.actions)));
    for (const file of oidc.files) {
      const text = readFileSync(path.join(OIDC_DIR, file.name), 'utf8');
      const named = [...text.matchAll(/"([a-z0-9-]+:[A-Z][A-Za-z0-9]+)"/g)].map((m) => m[1]!);
      expect({ file: file.name, named: named.filter((a) => all.has(a)) }).toEqual({
        file: file.name,
        named: [],
      });
    }
  });
});

describe('github-oidc renders permissions.json', () => {
  const locals = (): Hcl => oidc.locals();
  const trust = (): Hcl => single(oidc.data('aws_iam_policy_document', 'trust').statement, 'trust');
  const condition = (claim: string): Hcl =>
    single(
      (trust().condition as Hcl[]).filter((c) => c.variable === `\${local.oidc_host}:${claim}`),
      `condition on ${claim}`,
    );

  it('reads the roles from permissions.json', () => {
    expect(locals().permissions).toBe(
      '${jsondecode(file("${path.module}/permissions.json")).roles}',
    );
  });

  it('trusts only web identity tokens of the GitHub OIDC provider, for sts.amazonaws.com', () => {
    const statement = trust();
    expect(oidc.data('aws_iam_policy_document', 'trust').for_each).toBe('${local.known}');
    expect(statement.effect).toBe('Allow');
    expect(statement.actions).toEqual(['sts:AssumeRoleWithWebIdentity']);
    expect(single(statement.principals, 'principals')).toEqual({
      type: 'Federated',
      identifiers: ['${local.oidc_provider_arn}'],
    });
    expect(locals().oidc_host).toBe(OIDC_HOST);
    expect(condition('aud')).toMatchObject({ test: 'StringEquals', values: ['sts.amazonaws.com'] });
  });

  it('pins the subject with StringEquals to this repository and the listed claims', () => {
    expect(condition('sub')).toMatchObject({
      test: 'StringEquals',
      values: '${local.subjects[each.key]}',
    });
    expect(String(locals().subjects)).toContain(
      '"repo:${var.github_repository}:${local.rendered[subject]}"',
    );
    expect(String(locals().subjects)).toContain('for subject in role.subjects');
    const validation = single(oidc.variable('github_repository').validation, 'validation');
    expect(String(validation.condition)).toContain('[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$');
  });

  it('creates the OIDC provider only when asked, and otherwise looks the existing one up', () => {
    const provider = oidc.resource('aws_iam_openid_connect_provider', 'github');
    expect(provider.count).toBe('${var.create_oidc_provider ? 1 : 0}');
    expect(provider.url).toBe('https://${local.oidc_host}');
    expect(provider.client_id_list).toEqual(['sts.amazonaws.com']);
    const lookup = oidc.data('aws_iam_openid_connect_provider', 'github');
    expect(lookup.count).toBe('${var.create_oidc_provider ? 0 : 1}');
    expect(lookup.url).toBe('https://${local.oidc_host}');
    expect(String(locals().oidc_provider_arn)).toContain(
      'data.aws_iam_openid_connect_provider.github[0].arn',
    );
  });

  it('renders ${name} with the pattern the tests render with, from values it declares', () => {
    expect(String(locals().rendered)).toContain(
      'regexall("\\\\$\\\\{[a-z_]+\\\\}|[^$]+", template)',
    );
    const values = Object.keys(asRecord(locals().template_values, 'template_values')).sort();
    const used = new Set(
      kinds.flatMap((kind) => {
        const r = role(kind);
        return [
          ...r.subjects,
          ...r.managed_policies,
          ...r.statements.flatMap((s) => s.resources),
        ].flatMap(placeholdersIn);
      }),
    );
    expect([...used].sort()).toEqual(values);
  });

  it('gives each kind one role with its trust, its inline policy and its managed policies', () => {
    const roleBlock = oidc.resource('aws_iam_role', 'github');
    expect(roleBlock.for_each).toBe('${toset(var.role_kinds)}');
    expect(roleBlock.assume_role_policy).toBe(
      '${try(data.aws_iam_policy_document.trust[each.key].json, null)}',
    );
    const preconditions = single(roleBlock.lifecycle, 'lifecycle').precondition as Hcl[];
    expect(preconditions.map((p) => p.condition)).toEqual([
      '${contains(keys(local.known), each.key)}',
      '${try(length(local.unset[each.key]) == 0, true)}',
    ]);
    const policy = oidc.resource('aws_iam_role_policy', 'github');
    expect(policy).toMatchObject({
      for_each: '${data.aws_iam_policy_document.permissions}',
      role: '${aws_iam_role.github[each.key].id}',
      policy: '${each.value.json}',
    });
    const document = oidc.data('aws_iam_policy_document', 'permissions');
    const statement = single(asRecord(document.dynamic, 'dynamic').statement, 'statement');
    expect(statement.for_each).toBe('${each.value.statements}');
    const content = single(statement.content, 'content');
    expect(content).toMatchObject({
      sid: '${statement.value.sid}',
      effect: 'Allow',
      actions: '${statement.value.actions}',
      resources: '${[for resource in statement.value.resources : local.rendered[resource]]}',
    });
    const conditionBlock = single(asRecord(content.dynamic, 'dynamic').condition, 'condition');
    expect(conditionBlock.for_each).toBe('${try(statement.value.conditions, [])}');
    const attachment = oidc.resource('aws_iam_role_policy_attachment', 'managed');
    expect(attachment).toMatchObject({
      for_each: '${local.managed_policies}',
      role: '${aws_iam_role.github[each.value.kind].name}',
      policy_arn: '${each.value.arn}',
    });
  });

  it('takes environment names without wildcards, colons or slashes', () => {
    for (const name of ['deploy_environment', 'remediation_environment']) {
      expect(String(single(oidc.variable(name).validation, name).condition)).toContain('[^*?:/');
    }
  });
});

describe('every environment a trust names is created by Terraform, with protection', () => {
  const environmentPlaceholders = kinds.flatMap((kind) =>
    role(kind)
      .subjects.filter((s) => s.startsWith('environment:'))
      .flatMap(placeholdersIn),
  );
  const call = (): Hcl => stack.module('github_oidc');

  it('passes the trusts the names of environments read back from github-environment', () => {
    expect(environmentPlaceholders.sort()).toEqual([
      'deploy_environment',
      'remediation_environment',
    ]);
    expect(call().deploy_environment).toBe(
      '${module.github_environment.environments[var.environment]}',
    );
    expect(call().remediation_environment).toBe(
      '${try(module.github_environment.environments["remediation"], null)}',
    );
    expect(stack.module('github_environment').environments).toBe('${local.github_environments}');
    const environments = String(stack.locals().github_environments);
    expect(environments).toMatch(
      /\(var\.environment\) = \{\s*required_reviewers = var\.environment == "prod"/,
    );
    expect(environments).toMatch(/remediation = \{\s*required_reviewers = true/);
    expect(environments).toContain('if name == var.environment || var.account_baseline');
  });

  it('creates each environment deployable from main only, with its reviewers', () => {
    const environment = environmentModule.resource('github_repository_environment', 'this');
    expect(environment.for_each).toBe('${var.environments}');
    expect(environment.environment).toBe('${each.key}');
    expect(environment.can_admins_bypass).toBe(false);
    // protected_branches alone is no protection: in a repository without branch protection
    // rules GitHub lets every branch deploy. Custom policies name the branch whatever the rules.
    expect(single(environment.deployment_branch_policy, 'deployment_branch_policy')).toEqual({
      protected_branches: false,
      custom_branch_policies: true,
    });
    const policies = asRecord(
      environmentModule.blocks('resource').github_repository_environment_deployment_policy,
      'github_repository_environment_deployment_policy',
    );
    expect(Object.keys(policies)).toEqual(['main']);
    const policy = single(policies.main, 'deployment policy main');
    expect(policy.for_each).toBe('${github_repository_environment.this}');
    expect(policy.environment).toBe('${each.value.environment}');
    expect(policy.branch_pattern).toBe('${var.deployment_branch}');
    expect(policy).not.toHaveProperty('tag_pattern');
    const branch = environmentModule.variable('deployment_branch');
    expect(branch.default).toBe('main');
    expect(String(single(branch.validation, 'deployment_branch').condition)).toContain('[^*?');
    // The stack keeps the default: the deploy workflow runs on pushes to main.
    expect(stack.module('github_environment')).not.toHaveProperty('deployment_branch');
    const reviewers = single(asRecord(environment.dynamic, 'dynamic').reviewers, 'reviewers');
    expect(single(reviewers.content, 'content')).toEqual({
      users: '${each.value.reviewer_user_ids}',
      teams: '${each.value.reviewer_team_ids}',
    });
    const preconditions = single(environment.lifecycle, 'lifecycle').precondition as Hcl[];
    expect(preconditions.map((p) => p.condition)).toContain(
      '${!each.value.required_reviewers || length(each.value.reviewer_user_ids) + length(each.value.reviewer_team_ids) > 0}',
    );
    // Read from the policies, so a trust that names an environment waits for its policy.
    expect(environmentModule.output('environments').value).toBe(
      '${{ for name, policy in github_repository_environment_deployment_policy.main : name => policy.environment }}',
    );
  });

  it('sets each role ARN where its jobs read it, and the ECS names in the deploy environment', () => {
    const variables = environmentModule.resource('github_actions_environment_variable', 'this');
    expect(variables.environment).toBe(
      '${github_repository_environment.this[each.value.environment].environment}',
    );
    const gh = stack.module('github_environment');
    expect(String(gh.environment_variables)).toContain(
      'variable.name => variable.value if variable.environment == name',
    );
    expect(String(gh.repository_variables)).toContain(
      'variable.name => variable.value if variable.environment == null',
    );
    expect(
      Object.keys(asRecord(stack.locals().github_deploy_variables, 'deploy variables')).sort(),
    ).toEqual(['ECS_CLUSTER', 'ECS_CONTAINER_NAME', 'ECS_SERVICE', 'ECS_TASK_FAMILY']);
    for (const name of ['AWS_REGION', 'ECR_REPOSITORY']) {
      expect(String(gh.repository_variables)).toMatch(new RegExp(`\\b${name}\\s*=`));
    }
    // A role's ARN is an environment variable exactly when the role trusts only that environment.
    expect(String(oidc.output('github_variables').value)).toContain(
      'length(role.subjects) == 1 && startswith(role.subjects[0], "environment:")',
    );
  });

  it('creates the deploy role in every root and the shared kinds in the baseline root', () => {
    const locals = stack.locals();
    expect(locals.github_role_kinds).toBe(
      '${concat(["deploy"], var.account_baseline ? local.github_shared_role_kinds : [])}',
    );
    expect([...(locals.github_shared_role_kinds as string[]), 'deploy'].sort()).toEqual(
      [...kinds].sort(),
    );
    expect(call().role_kinds).toBe('${local.github_role_kinds}');
    expect(call().create_oidc_provider).toBe('${var.account_baseline}');
  });

  it('passes github-oidc every value the roles it creates need', () => {
    const values = asRecord(oidc.locals().template_values, 'template_values');
    const needed = new Set(
      kinds.flatMap((kind) => {
        const r = role(kind);
        return [
          ...r.subjects,
          ...r.managed_policies,
          ...r.statements.flatMap((s) => s.resources),
        ].flatMap(placeholdersIn);
      }),
    );
    const missing: string[] = [];
    for (const name of needed) {
      for (const [, variable] of String(values[name]).matchAll(/var\.([a-z_]+)/g)) {
        if (!(variable! in call())) missing.push(`${name} (var.${variable})`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('each role grants exactly the calls of the jobs that assume it', () => {
  const kindsUsed = (): Map<string, JobCalls[]> => {
    const byKind = new Map<string, JobCalls[]>();
    for (const job of jobs) byKind.set(job.kind, [...(byKind.get(job.kind) ?? []), job]);
    return byKind;
  };

  it('finds a job for every role kind', () => {
    expect([...kindsUsed().keys()].sort()).toEqual([...kinds].sort());
  });

  it('runs each action under the role meant for it', () => {
    const rolesOf = new Map<string, Set<string>>();
    for (const workflow of loadWorkflows()) {
      for (const [name, job] of Object.entries(workflow.jobs)) {
        const kind = jobs.find((j) => j.workflow === workflow.file && j.job === name)?.kind;
        for (const step of job.steps ?? []) {
          const local = /^\.\/actions\/([\w-]+)$/.exec(step.uses ?? '')?.[1];
          if (local) rolesOf.set(local, new Set([...(rolesOf.get(local) ?? []), kind ?? 'none']));
        }
      }
    }
    expect(Object.fromEntries([...rolesOf].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      'scan-gate': ['gate'],
      'compliance-gate': ['gate'],
      remediate: ['gate', 'remediate'],
      'tag-policy': ['tag-policy'],
      'daily-report': ['report'],
      'fleet-check': ['fleet-check'],
      'pr-summary': ['none'],
    });
  });

  it('gives every job a sub its role trusts (an environment job: one whose role reads from it)', () => {
    const problems: string[] = [];
    const workflows = new Map(loadWorkflows().map((w) => [w.file, w]));
    for (const job of jobs) {
      const r = role(job.kind);
      const trusted = r.subjects.map((s) =>
        s
          .replace('${deploy_environment}', 'dev|prod')
          .replace('${remediation_environment}', 'remediation'),
      );
      const triggers = Object.keys(workflows.get(job.workflow)!.on);
      // The sub a job's token carries: its environment, else what triggered the run (a schedule
      // runs on the default branch, main; a dispatch may name any branch, and only main works).
      const subs = job.environment
        ? [`environment:${job.environment}`]
        : triggers.map((t) => (t === 'pull_request' ? 'pull_request' : 'ref:refs/heads/main'));
      const accepted = (sub: string): boolean =>
        trusted.some((t) =>
          t.startsWith('environment:')
            ? t
                .slice('environment:'.length)
                .split('|')
                .some((e) => sub === `environment:${e}`)
            : t === sub,
        );
      for (const sub of new Set(subs)) {
        if (!accepted(sub)) problems.push(`${job.where}: sub ${sub} is not trusted by ${job.kind}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('grants every call of every job to the role that job assumes, and nothing unused', () => {
    const report: Record<string, { missing: string[]; unused: string[] }> = {};
    for (const [kind, kindJobs] of kindsUsed()) {
      const needed = grantsNeeded(kindJobs.flatMap((job) => job.calls));
      const has = granted(kind);
      const extras = DELIBERATE_EXTRAS.filter((e) => e.kind === kind).map((e) => e.action);
      report[kind] = {
        missing: [...needed.keys()]
          .filter((action) => !has.includes(action))
          .map((action) => `${action} <- ${needed.get(action)!.join('; ')}`)
          .sort(),
        unused: has.filter((action) => !needed.has(action) && !extras.includes(action)),
      };
    }
    expect(report).toEqual(
      Object.fromEntries(
        [...kindsUsed().keys()].map((kind) => [kind, { missing: [], unused: [] }]),
      ),
    );
  });

  it('lists no stale deliberate extra', () => {
    for (const extra of DELIBERATE_EXTRAS) {
      const needed = grantsNeeded(
        jobs.filter((j) => j.kind === extra.kind).flatMap((j) => j.calls),
      );
      expect({ ...extra, granted: granted(extra.kind).includes(extra.action) }).toEqual({
        ...extra,
        granted: true,
      });
      expect({ ...extra, used: needed.has(extra.action) }).toEqual({ ...extra, used: false });
    }
  });

  it('sees the gate role run the scan gate: the seven reads it makes', () => {
    // The calls the scan gate's code names (sources/ecr, inspector, coverage), as before the split.
    const scan = jobs
      .filter((j) => j.kind === 'gate')
      .flatMap((j) => j.calls)
      .filter((c) => c.because.includes('./actions/scan-gate'))
      .map((c) => c.action);
    expect([...new Set(scan)].sort()).toEqual([
      'ecr:BatchGetImage',
      'ecr:DescribeImageScanFindings',
      'ecr:DescribeImages',
      'ecr:GetRegistryScanningConfiguration',
      'ecr:ListTagsForResource',
      'inspector2:ListCoverage',
      'inspector2:ListFindings',
    ]);
  });

  it('keeps runbooks, audit writes and PassRole out of the plan job, on the remediate role only', () => {
    const plan = jobs.find((j) => j.workflow === 'remediate.yml' && j.kind === 'gate');
    const execute = jobs.find((j) => j.workflow === 'remediate.yml' && j.kind === 'remediate');
    expect(plan?.environment).toBeUndefined();
    expect(execute?.environment).toBe('remediation');
    const planCalls = new Set(plan?.calls.map((c) => c.action));
    for (const action of ['ssm:StartAutomationExecution', 's3:PutObject', 's3:ListBucket']) {
      expect({ action, plan: planCalls.has(action) }).toEqual({ action, plan: false });
    }
    expect([...grantsNeeded(execute?.calls ?? []).keys()].sort()).toEqual([
      'iam:PassRole',
      's3:ListBucket',
      's3:PutObject',
      'ssm:DescribeAutomationStepExecutions',
      'ssm:GetAutomationExecution',
      'ssm:StartAutomationExecution',
    ]);
  });

  it('gates modules on inputs only where the command reads that input', () => {
    for (const [name, gates] of Object.entries(INPUT_GATES)) {
      const run = readFileSync(path.join(path.dirname(entries[name]!), 'run.ts'), 'utf8');
      for (const gate of gates) {
        const field =
          gate.input === 'resources' ? 'inputs.resources.length' : `inputs.${gate.input}`;
        expect({ name, gate: gate.why, reads: run.includes(field) }).toEqual({
          name,
          gate: gate.why,
          reads: true,
        });
        for (const module of gate.modules) {
          const base = module.replace(/\.ts$/, '').split('/').pop()!;
          expect(run).toMatch(new RegExp(`(from |import\\()'\\.\\./[a-z]+/${base}'`));
        }
      }
    }
  });
});

describe('resources are scoped to the named resources', () => {
  const all = (): { kind: string; statement: Statement }[] =>
    kinds.flatMap((kind) => role(kind).statements.map((statement) => ({ kind, statement })));
  const withAction = (action: string) =>
    all().filter(({ statement }) => statement.actions.includes(action));

  // Actions granted on every resource, each for a reason: the action has no resource-level
  // permission, or (tags) it applies to the whole estate by design.
  const ON_EVERY_RESOURCE: Record<string, string> = {
    'ecr:GetAuthorizationToken': 'no resource-level permission',
    'ecr:GetRegistryScanningConfiguration': 'no resource-level permission (registry-wide)',
    'inspector2:ListFindings': 'no resource-level permission',
    'inspector2:ListCoverage': 'no resource-level permission',
    'inspector2:BatchGetAccountStatus': 'no resource-level permission',
    'config:DescribeConfigRules': 'reads the rules of the whole account',
    'config:DescribeComplianceByConfigRule': 'reads the rules of the whole account',
    'config:GetComplianceDetailsByConfigRule': 'reads the rules of the whole account',
    'config:BatchGetResourceConfig': 'no resource-level permission',
    'config:ListDiscoveredResources': 'no resource-level permission',
    'tag:GetResources': 'no resource-level permission',
    'tag:GetTagKeys': 'no resource-level permission',
    'tag:GetTagValues': 'no resource-level permission',
    'tag:TagResources': 'the tag policy tags the whole estate',
    'ec2:DescribeTags': 'no resource-level permission',
    'ec2:CreateTags': 'the tag policy tags the whole estate',
    'ec2:DescribeInstances': 'no resource-level permission',
    'securityhub:GetFindings': 'reads the findings of the whole account',
    'securityhub:BatchGetSecurityControls': 'reads the controls of the whole account',
    'securityhub:GetEnabledStandards': 'reads the standards of the whole account',
    'securityhub:BatchImportFindings':
      'imports into this account only (the product of the account)',
    'ssm:DescribeParameters': 'no resource-level permission',
    'ssm:ListCommands': 'no resource-level permission',
    'ssm:GetCommandInvocation': 'no resource-level permission',
    'ecs:RegisterTaskDefinition': 'no resource-level permission',
    'ecs:DescribeTaskDefinition': 'no resource-level permission',
  };

  it('uses "*" only for the actions listed with a reason', () => {
    const onEvery = all()
      .filter(({ statement }) => statement.resources.includes('*'))
      .flatMap(({ kind, statement }) => statement.actions.map((a) => `${kind} ${a}`))
      .filter((entry) => !(entry.split(' ')[1]! in ON_EVERY_RESOURCE));
    expect(onEvery).toEqual([]);
    for (const { statement } of all()) {
      if (statement.resources.includes('*')) expect(statement.resources).toEqual(['*']);
    }
  });

  it('keeps ECR calls on the app repository (tags of every repository only for tag work)', () => {
    for (const { kind, statement } of all()) {
      for (const action of statement.actions.filter((a) => a.startsWith('ecr:'))) {
        const expected =
          action === 'ecr:GetAuthorizationToken' ||
          action === 'ecr:GetRegistryScanningConfiguration'
            ? ['*']
            : (kind === 'tag-policy' || kind === 'report') &&
                (action === 'ecr:ListTagsForResource' || action === 'ecr:TagResource')
              ? ['arn:${partition}:ecr:${region}:${account_id}:repository/*']
              : ['${ecr_repository_arn}'];
        expect({ kind, action, resources: statement.resources }).toEqual({
          kind,
          action,
          resources: expected,
        });
      }
    }
  });

  it('lets a role pass only the named roles, each to its one service', () => {
    const passes = withAction('iam:PassRole');
    expect(passes.map(({ kind }) => kind).sort()).toEqual(['deploy', 'remediate']);
    const service: Record<string, string> = {
      deploy: 'ecs-tasks.amazonaws.com',
      remediate: 'ssm.amazonaws.com',
    };
    for (const { kind, statement } of passes) {
      expect(statement.actions).toEqual(['iam:PassRole']);
      for (const resource of statement.resources)
        expect(resource).toMatch(/^\$\{[a-z_]+_role_arn\}$/);
      expect(statement.conditions).toEqual([
        { test: 'StringEquals', variable: 'iam:PassedToService', values: [service[kind]] },
      ]);
    }
    expect(
      withAction('iam:PassRole').find((p) => p.kind === 'deploy')?.statement.resources,
    ).toEqual(['${ecs_task_role_arn}', '${ecs_execution_role_arn}']);
  });

  it('keeps S3 objects under a prefix of a named bucket (or one exact key), and listing to named buckets', () => {
    for (const { kind, statement } of all()) {
      for (const action of statement.actions.filter((a) => a.startsWith('s3:'))) {
        for (const resource of statement.resources) {
          const where = { kind, action, resource };
          if (/^s3:(Get|Put|Delete)Object$/.test(action)) {
            expect(where).toEqual({
              ...where,
              resource: expect.stringMatching(
                // Under a prefix (…/*), or one exact key with no wildcard (portal/report.json).
                /^\$\{[a-z_]+_bucket_arn\}\/[a-z0-9-]+(\/[^*]+)*\/\*$|^\$\{[a-z_]+_bucket_arn\}\/\$\{[a-z_]+\}\/\*$|^\$\{[a-z_]+_bucket_arn\}(\/[a-z0-9-]+)+\/[a-z0-9-]+\.[a-z]+$/,
              ),
            });
          } else if (action === 's3:ListBucket') {
            expect(where).toEqual({
              ...where,
              resource: expect.stringMatching(/^\$\{[a-z_]+_bucket_arn\}$/),
            });
          } else {
            // Bucket tags: the tag policy and the report read (and tag) every bucket.
            expect(where).toEqual({ ...where, resource: 'arn:${partition}:s3:::*' });
            expect(['s3:GetBucketTagging', 's3:PutBucketTagging']).toContain(action);
          }
        }
      }
    }
  });

  it('scopes the daily report state and the audit records to the keys the workflows use', () => {
    const keyOf = (file: string, input: string): string => {
      const text = readFileSync(path.join(REPO_ROOT, '.github/workflows', file), 'utf8');
      const line = text.split('\n').find((l) => new RegExp(`^\\s+${input}:`).test(l)) ?? '';
      const key = /format\('s3:\/\/\{0\}\/([^']+)'/.exec(line)?.[1];
      expect({ file, input, key }).toEqual({ file, input, key: expect.any(String) });
      return key!;
    };
    const covers = (kind: string, action: string, bucket: string, key: string): boolean =>
      withAction(action)
        .filter((s) => s.kind === kind)
        .some(({ statement }) =>
          statement.resources.some(
            (r) =>
              r.startsWith(`\${${bucket}}/`) &&
              key.startsWith(r.slice(`\${${bucket}}/`.length).replace(/\*$/, '')),
          ),
        );
    const state = keyOf('daily-report.yml', 'state');
    expect(covers('report', 's3:GetObject', 'state_bucket_arn', state)).toBe(true);
    expect(covers('report', 's3:PutObject', 'state_bucket_arn', state)).toBe(true);
    const audit = keyOf('remediate.yml', 'audit');
    expect(keyOf('daily-report.yml', 'remediation-audit')).toBe(audit);
    expect(
      covers('remediate', 's3:PutObject', 'remediation_audit_bucket_arn', `${audit}x.json`),
    ).toBe(true);
    expect(covers('report', 's3:GetObject', 'remediation_audit_bucket_arn', `${audit}x.json`)).toBe(
      true,
    );
    expect(covers('report', 's3:PutObject', 'remediation_audit_bucket_arn', `${audit}x.json`)).toBe(
      false,
    );
  });

  it('reads the fleet check outputs under the prefix the action and the module use', () => {
    const action = readFileSync(path.join(REPO_ROOT, 'actions/fleet-check/action.yml'), 'utf8');
    const actionDefault = /output-prefix:[\s\S]*?default: '?([^'\n]+)'?/.exec(action)?.[1];
    expect(actionDefault).toBeDefined();
    expect(stack.module('github_oidc').fleet_check_output_prefix).toBe(
      '${one(module.fleet_check[*].output_prefix)}',
    );
    const fleetVariables = readFileSync(
      path.join(REPO_ROOT, 'infra/modules/fleet-check/variables.tf'),
      'utf8',
    );
    const prefix = /variable "output_prefix"[\s\S]*?default\s*=\s*"([^"]+)"/.exec(
      fleetVariables,
    )?.[1];
    expect(prefix?.replace(/\/$/, '')).toBe(actionDefault?.replace(/\/$/, ''));
    expect(
      withAction('s3:GetObject').find((s) => s.kind === 'fleet-check')?.statement.resources,
    ).toEqual(['${fleet_check_bucket_arn}/${fleet_check_output_prefix}/*']);
  });

  it("rolls only the environment's service", () => {
    expect(withAction('ecs:UpdateService').map((s) => s.statement.resources)).toEqual([
      [
        'arn:${partition}:ecs:${region}:${account_id}:service/${ecs_cluster_name}/${ecs_service_name}',
      ],
    ]);
  });

  it('tags only the task definition revisions the deploy registers', async () => {
    const tagging = withAction('ecs:TagResource');
    expect(tagging.map(({ kind, statement }) => [kind, statement.actions])).toEqual([
      ['deploy', ['ecs:TagResource']],
    ]);
    const { statement } = tagging[0]!;
    // No ecs_task_family template value: the family is named like the service (both
    // <environment>-<service>-app in modules/ecs-service), checked here so a rename fails.
    expect(statement.resources).toEqual([
      'arn:${partition}:ecs:${region}:${account_id}:task-definition/${ecs_service_name}:*',
    ]);
    expect(statement.conditions).toEqual([
      { test: 'StringEquals', variable: 'ecs:CreateAction', values: ['RegisterTaskDefinition'] },
    ]);
    const ecs = await TfDir.load(path.join(REPO_ROOT, 'infra/modules/ecs-service'));
    const locals = ecs.locals();
    expect(locals.task_family).toBe(locals.service_name);
    expect(ecs.resource('aws_ecs_service', 'this').name).toBe('${local.service_name}');
    expect(ecs.resource('aws_ecs_task_definition', 'this').family).toBe('${local.task_family}');
    expect(stack.module('github_oidc').ecs_service_name).toBe('${module.ecs.service_name}');
  });
});

describe('README: the IAM permissions section shows permissions.json', () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## IAM permissions\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));

  it('has one policy block per role with statements, in order, as the source has it', () => {
    expect(start).toBeGreaterThan(0);
    const blocks = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map(
      (match) => JSON.parse(match[1]!) as unknown,
    );
    // ${name} left as it is: the README shows the templates, not one account's ARNs.
    const asTemplates = (r: Role) =>
      renderPolicy(
        r,
        Object.fromEntries(
          r.statements
            .flatMap((s) => s.resources.flatMap(placeholdersIn))
            .map((n) => [n, `\${${n}}`]),
        ),
      );
    expect(blocks).toEqual(
      kinds
        .filter((kind) => role(kind).statements.length > 0)
        .map((kind) => asTemplates(role(kind))),
    );
  });

  it('names each role with its variable, its exact subjects and its managed policies', () => {
    const prose = section.replace(/```json\n[\s\S]*?```/g, '').replace(/\s+/g, ' ');
    for (const kind of kinds) {
      const r = role(kind);
      const line = new RegExp(
        `\\*\\*${kind}\\*\\* \\((?:repository|environment) variable \`${r.github_variable}\`; trusts ([^)]*)\\)`,
      ).exec(prose);
      expect({ kind, found: line !== null }).toEqual({ kind, found: true });
      for (const claim of [...r.subjects, ...r.managed_policies])
        expect(line?.[1]).toContain(`\`${claim}\``);
    }
  });
});
