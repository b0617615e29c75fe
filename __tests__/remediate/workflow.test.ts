import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REMEDIATE_INPUTS } from '../../actions/src/remediate/inputs';

const ROOT = path.resolve(__dirname, '../..');
const WORKFLOW = readFileSync(path.join(ROOT, '.github/workflows/remediate.yml'), 'utf8');

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | boolean>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  environment?: string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  steps: Step[];
}
const doc = parse(WORKFLOW) as {
  on: {
    workflow_dispatch: {
      inputs: Record<string, { type: string; required?: boolean; options?: string[] }>;
    };
  };
  permissions: Record<string, string>;
  concurrency?: unknown;
  jobs: Record<string, Job>;
};
const remediateStep = (job: Job): Step =>
  job.steps.find((step) => step.uses === './actions/remediate')!;

describe('.github/workflows/remediate.yml', () => {
  it('is dispatched by hand with the rule, resources or scope, source, max-resources and region', () => {
    const inputs = doc.on.workflow_dispatch.inputs;
    expect(Object.keys(inputs)).toEqual([
      'rule',
      'resources',
      'scope',
      'source',
      'max-resources',
      'region',
    ]);
    expect(inputs.rule?.required).toBe(true);
    expect(inputs.source?.options).toEqual(['config', 'securityhub']);
  });

  it('serializes executions only: a dry run never waits behind a run awaiting approval', () => {
    // A workflow-wide group would make every dispatch (its plan included) wait while one run's
    // execute job waits for approval, and GitHub keeps one pending run per group, cancelling
    // older pending ones.
    expect(doc.concurrency).toBeUndefined();
    expect(doc.jobs.plan?.concurrency).toBeUndefined();
    expect(doc.jobs.execute?.concurrency).toEqual({
      group: 'remediate-execute',
      'cancel-in-progress': false,
    });
  });

  it('asks only for what the jobs need: contents read, and an OIDC token', () => {
    expect(doc.permissions).toEqual({ contents: 'read' });
    for (const job of Object.values(doc.jobs)) {
      expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    }
  });

  it('plans first (a dry run), and runs only after approval, exactly the resources the plan listed', () => {
    const { plan, execute } = doc.jobs;
    expect(plan).toBeDefined();
    expect(execute).toBeDefined();
    expect(remediateStep(plan!).with?.execute).toBeUndefined();
    expect(plan!.outputs?.resources).toBe(
      `\${{ steps.${remediateStep(plan!).id ?? ''}.outputs.resources }}`,
    );
    expect(execute!.needs).toBe('plan');
    expect(execute!.environment).toBe('remediation');
    expect(execute!.if).toContain("needs.plan.outputs.resources != ''");
    expect(execute!.if).toContain("github.ref == 'refs/heads/main'");
    const step = remediateStep(execute!);
    expect(step.with?.execute).toBe(true);
    expect(step.with?.audit).toContain('vars.REMEDIATION_AUDIT_BUCKET');
    expect(step.with?.resources).toBe('${{ needs.plan.outputs.resources }}');
    expect(step.with).not.toHaveProperty('scope');
  });

  it('reads with the read-only gate role, and writes only with the role of the approval environment', () => {
    const roleOf = (job: Job): unknown =>
      job.steps.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'))
        ?.with?.['role-to-assume'];
    expect(roleOf(doc.jobs.plan!)).toBe('${{ vars.AWS_GATE_ROLE_ARN }}');
    expect(doc.jobs.plan!.environment).toBeUndefined();
    // An environment variable: only jobs of `remediation` see it, and the role trusts only them.
    expect(roleOf(doc.jobs.execute!)).toBe('${{ vars.AWS_REMEDIATION_ROLE_ARN }}');
    // The read-only role cannot write the audit bucket: the plan's record goes to its artifact.
    expect(remediateStep(doc.jobs.plan!).with).not.toHaveProperty('audit');
  });

  it('passes only inputs the action declares', () => {
    for (const job of Object.values(doc.jobs)) {
      for (const name of Object.keys(remediateStep(job).with ?? {})) {
        expect(Object.keys(REMEDIATE_INPUTS)).toContain(name);
      }
    }
  });

  it('interpolates no event payload or input into a shell script', () => {
    for (const job of Object.values(doc.jobs)) {
      for (const step of job.steps) {
        if (step.run !== undefined)
          expect(step.run).not.toMatch(/\$\{\{\s*(github\.event|inputs)\./);
      }
    }
  });
});

describe('the remediate role (infra/modules/github-oidc/permissions.json)', () => {
  // The one source of every GitHub Actions role: who may assume it and what it may do.
  const permissions = JSON.parse(
    readFileSync(path.join(ROOT, 'infra/modules/github-oidc/permissions.json'), 'utf8'),
  ) as {
    roles: Record<
      string,
      {
        github_variable: string;
        subjects: string[];
        statements: {
          actions: string[];
          resources: string[];
          conditions?: { test: string; variable: string; values: string[] }[];
        }[];
      }
    >;
  };
  const role = permissions.roles.remediate!;
  const actions = role.statements.flatMap((statement) => statement.actions).sort();
  const statementOf = (action: string) =>
    role.statements.find((statement) => statement.actions.includes(action));

  it('is the role the execute job assumes, and only jobs of the remediation environment may', () => {
    expect(`\${{ vars.${role.github_variable} }}`).toBe(
      doc.jobs.execute!.steps.find((step) =>
        step.uses?.startsWith('aws-actions/configure-aws-credentials@'),
      )?.with?.['role-to-assume'],
    );
    expect(role.subjects).toEqual(['environment:${remediation_environment}']);
  });

  /** Every `service:Action` named in the modules the action's entry reaches (as the IAM test reads them). */
  function permissionsNamedIn(entry: string): string[] {
    const found = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      const permissions =
        /\b(?:config|ec2|ecr|inspector2|resource-groups|s3|securityhub|ses|ssm|tag):[A-Z][a-z][A-Za-z]*/g;
      for (const match of source.matchAll(permissions)) found.add(match[0]);
      for (const [, spec] of source.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), spec ?? '');
        if (existsSync(`${target}.ts`)) visit(`${target}.ts`);
      }
    };
    visit(entry);
    return [...found].sort();
  }

  it('grants only calls the code makes (and passing the automation role); the gate role grants the reads of the plan', () => {
    const named = permissionsNamedIn(path.join(ROOT, 'actions/src/remediate/index.ts'));
    expect(named).toEqual(
      expect.arrayContaining([
        'ssm:StartAutomationExecution',
        'ssm:GetAutomationExecution',
        'ssm:DescribeAutomationStepExecutions',
        's3:PutObject',
      ]),
    );
    // StartAutomationExecution with AutomationAssumeRole is also authorized as iam:PassRole.
    expect([...named, 'iam:PassRole']).toEqual(expect.arrayContaining(actions));
    expect(actions).toEqual(
      expect.arrayContaining([
        'ssm:StartAutomationExecution',
        'ssm:GetAutomationExecution',
        'ssm:DescribeAutomationStepExecutions',
        's3:PutObject',
        'iam:PassRole',
      ]),
    );
    // What the execute job's role does not grant, the plan job's (the gate role) must.
    const gate = permissions.roles.gate!.statements.flatMap((statement) => statement.actions);
    expect(named.filter((action) => !actions.includes(action) && !gate.includes(action))).toEqual(
      [],
    );
  });

  it('lets the role be passed only to SSM, and only the automation role', () => {
    const passRole = statementOf('iam:PassRole');
    expect(passRole?.resources).toEqual(['${remediation_automation_role_arn}']);
    expect(passRole?.conditions).toEqual([
      { test: 'StringEquals', variable: 'iam:PassedToService', values: ['ssm.amazonaws.com'] },
    ]);
  });

  it('writes audit records only under the prefix the workflow writes them to', () => {
    const prefix = /format\('s3:\/\/\{0\}\/([^']+)'/.exec(WORKFLOW)?.[1];
    expect(prefix).toBe('assetguard/remediation-audit/');
    expect(statementOf('s3:PutObject')?.resources).toEqual([
      `\${remediation_audit_bucket_arn}/${prefix ?? ''}*`,
    ]);
  });
});
