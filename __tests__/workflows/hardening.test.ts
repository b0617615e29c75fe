import { readFileSync } from 'node:fs';
import path from 'node:path';

import {
  environmentOf,
  loadWorkflow,
  parsedUses,
  readWorkflowText,
  REPO_ROOT,
  rolesOf,
  runBlocks,
  stepsOf,
  usesLines,
  workflowFiles,
  type Job,
} from './workflow-files';

// Rules every workflow of this repository follows, whoever writes the next one: pinned actions,
// no expression inside a shell script, least privilege, one IAM role per job kind with the exact
// variable names the Terraform roles and the docs use (docs/workflows.md).

const workflows = workflowFiles.map((file) => ({ file, doc: loadWorkflow(file) }));
const jobs = workflows.flatMap(({ file, doc }) =>
  Object.entries(doc.jobs).map(([id, job]) => ({ file, id, job, where: `${file}/${id}` })),
);

describe('third-party actions are pinned', () => {
  const all = workflowFiles.flatMap((file) => usesLines(file, readWorkflowText(file)));
  const remote = all.filter((u) => !u.value.startsWith('./'));

  it('sees every uses: of every workflow', () => {
    for (const { file, doc } of workflows) {
      expect(usesLines(file, readWorkflowText(file)).map((u) => u.value)).toEqual(parsedUses(doc));
    }
    expect(remote.length).toBeGreaterThan(10);
  });

  it('pins every non-local action to a full 40-hex commit SHA with its version as a comment', () => {
    const unpinned = remote
      .filter(
        (u) =>
          !/^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40}$/.test(u.value) ||
          !/^\s+#\s*v\d+(?:\.\d+){0,2}\s*$/.test(u.comment),
      )
      .map((u) => `${u.file}:${u.line}: ${u.value}${u.comment}`);
    expect(unpinned).toEqual([]);
  });

  it('pins each action repository to one commit across all workflows', () => {
    const shasByRepo = new Map<string, Set<string>>();
    for (const u of remote) {
      const [ref, sha] = u.value.split('@') as [string, string];
      const repo = ref.split('/').slice(0, 2).join('/');
      shasByRepo.set(repo, (shasByRepo.get(repo) ?? new Set()).add(sha));
    }
    const inconsistent = [...shasByRepo]
      .filter(([, shas]) => shas.size > 1)
      .map(([repo, shas]) => `${repo}: ${[...shas].join(', ')}`);
    expect(inconsistent).toEqual([]);
  });
});

describe('shell scripts get data through env, never through expressions', () => {
  const blocks = workflowFiles.flatMap(runBlocks);

  // The runner pastes an expression's value into the script before bash reads it: a branch name,
  // a PR title or a dispatch input would be code. Through env: it is only ever a value.
  it('has no untrusted context (github.event, inputs, github.head_ref) inside any run:', () => {
    const untrusted = /\$\{\{[^}]*\b(?:github\.event|inputs\.|github\.head_ref)/;
    const found = blocks
      .filter((block) => untrusted.test(block.script))
      .map((block) => `${block.file}:${block.line} (job ${block.job}, step "${block.step}")`);
    expect(found).toEqual([]);
  });

  it('has no expression at all inside any run: (step outputs and variables go through env too)', () => {
    const found = blocks
      .filter((block) => block.script.includes('${{'))
      .map((block) => `${block.file}:${block.line} (job ${block.job}, step "${block.step}")`);
    expect(found).toEqual([]);
  });

  it('sees the scripts these rules are about', () => {
    expect(blocks.length).toBeGreaterThan(10);
  });
});

describe('least privilege', () => {
  /** `{}`, `read-all`, or a mapping of scopes that only read. */
  const readOnly = (permissions: unknown): boolean =>
    permissions === 'read-all' ||
    (typeof permissions === 'object' &&
      permissions !== null &&
      Object.values(permissions).every((level) => level === 'read' || level === 'none'));

  it("gives every job its own permissions:, or makes the workflow's default read-only", () => {
    const open = jobs
      .filter(({ file, job }) => {
        const workflow = workflows.find((w) => w.file === file)!.doc;
        return job.permissions === undefined && !readOnly(workflow.permissions);
      })
      .map(({ where }) => where);
    expect(open).toEqual([]);
  });

  it('declares a workflow-level default that is read-only in every workflow', () => {
    const open = workflows.filter(({ doc }) => !readOnly(doc.permissions)).map(({ file }) => file);
    expect(open).toEqual([]);
  });

  const idTokenWrite = (job: Job): boolean =>
    typeof job.permissions === 'object' && job.permissions['id-token'] === 'write';

  it('asks for an OIDC token (id-token: write) in every job that assumes an AWS role', () => {
    const missing = jobs
      .filter(({ job }) => rolesOf(job).length > 0 && !idTokenWrite(job))
      .map(({ where }) => where);
    expect(missing).toEqual([]);
  });

  it('asks for an OIDC token only in jobs that assume an AWS role', () => {
    const needless = jobs
      .filter(({ job }) => idTokenWrite(job) && rolesOf(job).length === 0)
      .map(({ where }) => where);
    expect(needless).toEqual([]);
    expect(jobs.filter(({ job }) => idTokenWrite(job)).length).toBeGreaterThan(5);
  });

  it('never stores AWS keys: roles come from variables, through OIDC', () => {
    const credentialSteps = jobs.flatMap(({ where, job }) =>
      stepsOf(job)
        .filter((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'))
        .map((step) => ({ where, with: step.with ?? {} })),
    );
    expect(credentialSteps.length).toBeGreaterThan(5);
    const wrong = credentialSteps
      .filter(
        (step) =>
          'aws-access-key-id' in step.with ||
          !/^\$\{\{ vars\.AWS_[A-Z_]+_ROLE_ARN \}\}$/.test(String(step.with['role-to-assume'])),
      )
      .map((step) => `${step.where}: ${JSON.stringify(step.with)}`);
    expect(wrong).toEqual([]);
  });

  it('checks out without leaving the token in .git/config', () => {
    const persisting = jobs.flatMap(({ where, job }) =>
      stepsOf(job)
        .filter(
          (step) =>
            step.uses?.startsWith('actions/checkout@') === true &&
            step.with?.['persist-credentials'] !== false,
        )
        .map(() => where),
    );
    expect(persisting).toEqual([]);
  });
});

describe('roles and environments', () => {
  // The one IAM role each job kind assumes (infra/modules/stack/github.tf trusts exactly these
  // subs). Environment-scoped variables (deploy, remediation) belong to jobs of that environment.
  const expectedRoles: Record<string, string[]> = {
    'deploy.yml/build': ['AWS_PUSH_ROLE_ARN'],
    'deploy.yml/gate': ['AWS_GATE_ROLE_ARN'],
    'deploy.yml/deploy-dev': ['AWS_DEPLOY_ROLE_ARN'],
    'deploy.yml/gate-prod': ['AWS_GATE_ROLE_ARN'],
    'deploy.yml/deploy-prod': ['AWS_DEPLOY_ROLE_ARN'],
    'pr-checks.yml/build': ['AWS_PUSH_ROLE_ARN'],
    'pr-checks.yml/gates': ['AWS_GATE_ROLE_ARN'],
    'terraform.yml/plan': ['AWS_PLAN_ROLE_ARN'],
    'tag-policy.yml/tag-policy': ['AWS_TAG_POLICY_ROLE_ARN'],
    'daily-report.yml/report': ['AWS_REPORT_ROLE_ARN'],
    'remediate.yml/plan': ['AWS_GATE_ROLE_ARN'],
    'remediate.yml/execute': ['AWS_REMEDIATION_ROLE_ARN'],
    'fleet-check.yml/fleet-check': ['AWS_FLEET_CHECK_ROLE_ARN'],
  };

  it('assumes exactly the role of each job kind, by its variable name', () => {
    const actual = Object.fromEntries(
      jobs
        .filter(({ job }) => rolesOf(job).length > 0)
        .map(({ where, job }) => [
          where,
          rolesOf(job).map((role) => /vars\.([A-Z_]+)/.exec(role)?.[1] ?? role),
        ]),
    );
    expect(actual).toEqual(expectedRoles);
  });

  it('runs exactly the deploy and remediate jobs in a GitHub environment (their role trusts environment:NAME)', () => {
    const inEnvironment = Object.fromEntries(
      jobs
        .filter(({ job }) => environmentOf(job) !== undefined)
        .map(({ where, job }) => [where, environmentOf(job)]),
    );
    expect(inEnvironment).toEqual({
      'deploy.yml/deploy-dev': 'dev',
      'deploy.yml/deploy-prod': 'prod',
      'remediate.yml/execute': 'remediation',
    });
  });

  it('reads environment-scoped variables only in jobs of an environment', () => {
    const environmentVariables =
      /vars\.(AWS_DEPLOY_ROLE_ARN|AWS_REMEDIATION_ROLE_ARN|ECS_CLUSTER|ECS_SERVICE|ECS_TASK_FAMILY|ECS_CONTAINER_NAME)\b/;
    const outside = jobs
      .filter(
        ({ job }) =>
          environmentOf(job) === undefined && environmentVariables.test(JSON.stringify(job)),
      )
      .map(({ where }) => where);
    expect(outside).toEqual([]);
  });

  it('uses none of the retired variable names', () => {
    const retired = /vars\.(AWS_ROLE_ARN|REMEDIATION_ROLE_ARN)\b/;
    expect(workflowFiles.filter((file) => retired.test(readWorkflowText(file)))).toEqual([]);
  });

  // infra/modules/github-oidc/permissions.json names each role's variable and the OIDC subs it
  // trusts. A job presents `environment:NAME` when it runs in an environment; otherwise
  // `pull_request` on pull requests and `ref:refs/heads/main` on pushes to main, schedules and
  // dispatches (which run from main).
  it('assumes only roles that trust the sub the job presents', () => {
    const { roles } = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'infra/modules/github-oidc/permissions.json'), 'utf8'),
    ) as { roles: Record<string, { github_variable: string; subjects: string[] }> };
    const byVariable = new Map(Object.values(roles).map((role) => [role.github_variable, role]));
    const environmentNames: Record<string, string> = {
      '${deploy_environment}': '(?:dev|prod)',
      '${remediation_environment}': 'remediation',
    };
    const trusts = (subjects: string[], sub: string): boolean =>
      subjects.some((subject) =>
        new RegExp(
          `^${subject
            .replace(/[.*+?^()|[\]\\]/g, '\\$&')
            .replace(/\$\{\w+\}/g, (name) => environmentNames[name] ?? '(?!)')}$`,
        ).test(sub),
      );
    const problems: string[] = [];
    for (const { file, where, job } of jobs) {
      const workflow = workflows.find((w) => w.file === file)!.doc;
      const environment = environmentOf(job);
      const subs =
        environment !== undefined
          ? [`environment:${environment}`]
          : Object.keys(workflow.on).map((event) =>
              event === 'pull_request' ? 'pull_request' : 'ref:refs/heads/main',
            );
      for (const variable of rolesOf(job).map((role) => /vars\.(\w+)/.exec(role)?.[1] ?? role)) {
        const role = byVariable.get(variable);
        if (!role) {
          problems.push(`${where}: no role in permissions.json has github_variable ${variable}`);
          continue;
        }
        for (const sub of new Set(subs)) {
          if (!trusts(role.subjects, sub)) {
            problems.push(`${where}: ${variable} trusts ${role.subjects.join(', ')}, not ${sub}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('are all in docs/workflows.md: every workflow, and the role variables and environments of its jobs', () => {
    const docs = readFileSync(path.join(REPO_ROOT, 'docs/workflows.md'), 'utf8');
    const missing: string[] = [];
    for (const file of workflowFiles) {
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${file}\``));
      if (row === undefined) {
        missing.push(`${file}: no row`);
        continue;
      }
      for (const { job } of jobs.filter((j) => j.file === file)) {
        for (const role of rolesOf(job)) {
          const variable = /vars\.(\w+)/.exec(role)?.[1] ?? role;
          if (!row.includes(`\`${variable}\``)) missing.push(`${file}: ${variable}`);
        }
        const environment = environmentOf(job);
        if (environment !== undefined && !row.includes(`\`${environment}\``)) {
          missing.push(`${file}: environment ${environment}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
