import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { parse as parseYaml } from 'yaml';

import {
  loadWorkflow,
  needsOf,
  readWorkflowText,
  REPO_ROOT,
  stepsOf,
  type Job,
  type Step,
} from './workflow-files';

// What deploy.yml, pr-checks.yml and terraform.yml do, step by step, as docs/workflows.md says.

interface ActionMetadata {
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}
const actionMetadata = (name: string): ActionMetadata => {
  const file = path.join(REPO_ROOT, 'actions', name, 'action.yml');
  if (!existsSync(file)) throw new Error(`actions/${name}/action.yml does not exist`);
  return parseYaml(readFileSync(file, 'utf8')) as ActionMetadata;
};

const stepUsing = (job: Job, prefix: string): Step => {
  const step = stepsOf(job).find((s) => s.uses?.startsWith(prefix) === true);
  if (!step) throw new Error(`no step uses ${prefix}`);
  return step;
};
const runOf = (job: Job, pattern: RegExp): string => {
  const script = stepsOf(job).find((s) => s.run !== undefined && pattern.test(s.run))?.run;
  if (script === undefined) throw new Error(`no run: script matches ${String(pattern)}`);
  return script;
};
/**
 * Runs a deploy job's describe-task-definition script as the runner does (bash -eo pipefail),
 * with an `aws` on PATH that prints `described` (the DescribeTaskDefinition response) and real
 * jq. Gives the exit status, stderr and the task-definition.json the script wrote (or undefined).
 */
const runDescribe = (
  script: string,
  described: unknown,
): { status: number | null; stderr: string; taskDefinition: unknown } => {
  const dir = mkdtempSync(path.join(tmpdir(), 'describe-'));
  try {
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(dir, 'described-fixture.json'), JSON.stringify(described));
    // Answers only the call the step should make, so another command fails the test.
    writeFileSync(
      path.join(bin, 'aws'),
      [
        '#!/bin/bash',
        'case "$*" in',
        '  "ecs describe-task-definition --task-definition dev-portal-app --include TAGS --output json")',
        `    cat '${path.join(dir, 'described-fixture.json')}' ;;`,
        '  *) echo "unexpected aws call: $*" >&2; exit 64 ;;',
        'esac',
      ].join('\n'),
      { mode: 0o755 },
    );
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      encoding: 'utf8',
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        RUNNER_TEMP: dir,
        ECS_TASK_FAMILY: 'dev-portal-app',
      },
    });
    const out = path.join(dir, 'task-definition.json');
    const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
    return {
      status: result.status,
      stderr: result.stderr,
      taskDefinition: text.trim() === '' ? undefined : (JSON.parse(text) as unknown),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** The tag pairs of a multi-line `scope:` input. */
const scopeOf = (step: Step): string[] =>
  String(step.with?.scope ?? '')
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Every local action used by a workflow passes only inputs its action.yml declares. */
function expectDeclaredInputs(jobs: Record<string, Job>): void {
  for (const [id, job] of Object.entries(jobs)) {
    for (const step of stepsOf(job).filter((s) => s.uses?.startsWith('./actions/') === true)) {
      const declared = Object.keys(
        actionMetadata(step.uses!.slice('./actions/'.length)).inputs ?? {},
      );
      const passed = Object.keys(step.with ?? {});
      expect([id, step.uses, passed.filter((input) => !declared.includes(input))]).toEqual([
        id,
        step.uses,
        [],
      ]);
    }
  }
}

/** The image build: one platform, no attestations, pushed, and its digest read back from ECR. */
function expectSingleManifestBuild(script: string): void {
  expect(script).toMatch(
    /docker buildx build --platform linux\/amd64 --provenance=false --sbom=false\b[^\n]*\\\n[\s\S]*--push app\//,
  );
  // A re-run finds the immutable tag and skips the build; any other lookup error stops the job.
  expect(script).toContain('ImageNotFoundException');
  expect(script).toContain('imageManifestMediaType');
  expect(script).toMatch(/echo "digest=\$\{digest\}"/);
  expect(script).toMatch(/echo "image=\$\{image\}@\$\{digest\}"/);
}

describe('deploy.yml', () => {
  const doc = loadWorkflow('deploy.yml');
  const {
    build,
    gate,
    'deploy-dev': deployDev,
    'gate-prod': gateProd,
    'deploy-prod': deployProd,
  } = doc.jobs;

  it('runs on pushes to main and on manual dispatch', () => {
    expect(doc.on.push).toEqual({ branches: ['main'] });
    expect(doc.on).toHaveProperty('workflow_dispatch');
    expect(Object.keys(doc.on).sort()).toEqual(['push', 'workflow_dispatch']);
  });

  it('has the jobs build -> gate -> deploy-dev -> gate-prod -> deploy-prod', () => {
    expect(Object.keys(doc.jobs)).toEqual([
      'build',
      'gate',
      'deploy-dev',
      'gate-prod',
      'deploy-prod',
    ]);
    expect(needsOf(gate!)).toEqual(['build']);
    expect(needsOf(deployDev!)).toEqual(expect.arrayContaining(['build', 'gate']));
    expect(needsOf(gateProd!)).toEqual(['deploy-dev']);
    expect(needsOf(deployProd!)).toEqual(expect.arrayContaining(['build', 'gate', 'gate-prod']));
  });

  it('builds one image manifest tagged with the commit and outputs it by digest', () => {
    const script = runOf(build!, /docker buildx build/);
    expectSingleManifestBuild(script);
    const push = stepsOf(build!).find((s) => s.run === script)!;
    expect(push.env?.TAG).toBe('${{ github.sha }}');
    expect(build!.outputs).toEqual({
      image: `\${{ steps.${push.id!}.outputs.image }}`,
      digest: `\${{ steps.${push.id!}.outputs.digest }}`,
    });
  });

  it('gates that digest with the scan gate and dev with the compliance gate', () => {
    const scan = stepUsing(gate!, './actions/scan-gate');
    expect(scan.with?.image).toBe('${{ needs.build.outputs.image }}');
    const compliance = stepUsing(gate!, './actions/compliance-gate');
    expect(scopeOf(compliance)).toEqual(['Environment=dev', 'Service=portal']);
    expect(compliance.if).toBe('${{ !cancelled() }}');
    expect(gate!.outputs).toEqual({
      scan: `\${{ steps.${scan.id!}.outputs.verdict }}`,
      compliance: `\${{ steps.${compliance.id!}.outputs.verdict }}`,
    });
  });

  it("uploads the gates' SARIF and always keeps their evidence", () => {
    const sarif = stepsOf(gate!).filter((s) =>
      s.uses?.startsWith('github/codeql-action/upload-sarif@'),
    );
    expect(sarif.map((s) => s.with?.sarif_file)).toEqual([
      '${{ steps.scan.outputs.sarif-file }}',
      '${{ steps.compliance.outputs.sarif-file }}',
    ]);
    const evidence = stepUsing(gate!, 'actions/upload-artifact@');
    expect(evidence.if).toBe('always()');
    expect(evidence.with?.path).toContain('steps.scan.outputs.report-dir');
    expect(evidence.with?.path).toContain('steps.compliance.outputs.report-dir');
  });

  it('deploys dev only on two passing verdicts', () => {
    expect(deployDev!.if).toContain("needs.gate.outputs.scan == 'pass'");
    expect(deployDev!.if).toContain("needs.gate.outputs.compliance == 'pass'");
  });

  it('gates prod only for a commit that dev got', () => {
    expect(deployDev!.outputs).toEqual({ deployed: '${{ steps.newest.outputs.newest }}' });
    expect(gateProd!.if).toBe("needs.deploy-dev.outputs.deployed == 'true'");
  });

  it('deploys prod only after the prod compliance gate passed', () => {
    const compliance = stepUsing(gateProd!, './actions/compliance-gate');
    expect(scopeOf(compliance)).toEqual(['Environment=prod', 'Service=portal']);
    expect(gateProd!.outputs?.compliance).toBe(`\${{ steps.${compliance.id!}.outputs.verdict }}`);
    expect(deployProd!.if).toContain("needs.gate-prod.outputs.compliance == 'pass'");
    expect(deployProd!.if).toContain("needs.gate.outputs.scan == 'pass'");
  });

  it.each([
    ['deploy-dev', 'dev'],
    ['deploy-prod', 'prod'],
  ])('%s rolls out the gated digest into environment %s, one run at a time', (id, environment) => {
    const job = doc.jobs[id]!;
    expect(job.environment).toBe(environment);
    expect(job.concurrency).toEqual({
      group: `deploy-${environment}`,
      'cancel-in-progress': false,
    });

    // Only the newest commit of main deploys: every AWS step waits on that check.
    const newest = stepsOf(job)[0]!;
    expect(newest.run).toContain('gh api "repos/${REPOSITORY}/commits/${BRANCH}" --jq .sha');
    expect(newest.run).toContain('"$head" == "$GITHUB_SHA"');
    for (const step of stepsOf(job).slice(1)) {
      expect([step.name, step.if]).toEqual([
        step.name,
        `steps.${newest.id!}.outputs.newest == 'true'`,
      ]);
    }

    const describe = runOf(job, /aws ecs describe-task-definition/);
    expect(describe).toContain('--task-definition "$ECS_TASK_FAMILY"');
    // Tags come only with --include TAGS, beside taskDefinition (see the run below).
    expect(describe).toContain('--include TAGS');
    const describeStep = stepsOf(job).find((s) => s.run === describe)!;
    expect(describeStep.env?.ECS_TASK_FAMILY).toBe('${{ vars.ECS_TASK_FAMILY }}');
    const tagged = runDescribe(describe, {
      taskDefinition: { family: 'dev-portal-app', revision: 7, containerDefinitions: [] },
      tags: [{ key: 'Environment', value: environment }],
    });
    expect(tagged.status).toBe(0);
    expect(tagged.taskDefinition).toEqual({
      family: 'dev-portal-app',
      revision: 7,
      containerDefinitions: [],
      tags: [{ key: 'Environment', value: environment }],
    });
    // An untagged template stops the deploy instead of registering an untagged revision.
    const untagged = runDescribe(describe, { taskDefinition: { family: 'dev-portal-app' } });
    expect(untagged.status).not.toBe(0);
    expect(untagged.stderr).toContain('task definition family dev-portal-app');
    expect(untagged.stderr).toContain('has no tags');

    const render = stepUsing(job, 'aws-actions/amazon-ecs-render-task-definition@');
    expect(render.with).toEqual({
      'task-definition': '${{ runner.temp }}/task-definition.json',
      'container-name': '${{ vars.ECS_CONTAINER_NAME }}',
      image: '${{ needs.build.outputs.image }}',
    });
    expect(describe).toContain('"${RUNNER_TEMP}/task-definition.json"');

    const deploy = stepUsing(job, 'aws-actions/amazon-ecs-deploy-task-definition@');
    expect(deploy.with).toEqual({
      'task-definition': `\${{ steps.${render.id!}.outputs.task-definition }}`,
      cluster: '${{ vars.ECS_CLUSTER }}',
      service: '${{ vars.ECS_SERVICE }}',
      'wait-for-service-stability': true,
    });
  });

  it('passes only inputs the local actions declare, and reads only outputs they declare', () => {
    expectDeclaredInputs(doc.jobs);
    const text = readWorkflowText('deploy.yml');
    const declared = [
      ...Object.keys(actionMetadata('scan-gate').outputs ?? {}),
      ...Object.keys(actionMetadata('compliance-gate').outputs ?? {}),
    ];
    const read = [...text.matchAll(/steps\.(?:scan|compliance)\.outputs\.([\w-]+)/g)].map(
      (m) => m[1]!,
    );
    expect(declared).toEqual(expect.arrayContaining([...new Set(read)]));
  });
});

describe('pr-checks.yml', () => {
  const doc = loadWorkflow('pr-checks.yml');
  const { 'no-aws': noAws, build, gates, comment } = doc.jobs;

  it('runs on every push to a pull request, cancelling the checks of the previous push', () => {
    expect(Object.keys(doc.on)).toEqual(['pull_request']);
    expect(doc.on.pull_request).toBeNull();
    expect(doc.concurrency).toEqual({
      group: 'pr-checks-${{ github.event.pull_request.number }}',
      'cancel-in-progress': true,
    });
  });

  it('builds only where GitHub gives an OIDC token, and says so where it does not', () => {
    const sameRepository = 'github.event.pull_request.head.repo.full_name == github.repository';
    expect(build!.if).toContain(sameRepository);
    expect(build!.if).toContain("github.actor != 'dependabot[bot]'");
    expect(noAws!.if).toContain(sameRepository.replace('==', '!='));
    expect(noAws!.if).toContain("github.actor == 'dependabot[bot]'");
    expect(runOf(noAws!, /::notice/)).toMatch(/^echo "::notice title=[^:]+::\$\{message\}"$/m);
    expect(noAws!.permissions).toEqual({});
  });

  it('pushes the image as pr-<number>-<short sha> and outputs it by digest', () => {
    const script = runOf(build!, /docker buildx build/);
    expectSingleManifestBuild(script);
    expect(script).toContain('tag="pr-${PR_NUMBER}-${GITHUB_SHA:0:7}"');
    const push = stepsOf(build!).find((s) => s.run === script)!;
    expect(push.env?.PR_NUMBER).toBe('${{ github.event.pull_request.number }}');
  });

  it('gates the digest without a comment of their own, and keeps the reports for the comment job', () => {
    expect(needsOf(gates!)).toEqual(['build']);
    const scan = stepUsing(gates!, './actions/scan-gate');
    const compliance = stepUsing(gates!, './actions/compliance-gate');
    expect(scan.with?.image).toBe('${{ needs.build.outputs.image }}');
    expect(scan.with?.['pr-comment']).toBe(false);
    expect(compliance.with?.['pr-comment']).toBe(false);
    const upload = stepUsing(gates!, 'actions/upload-artifact@');
    expect(upload.if).toBe('always()');
    expect(String(upload.with?.path).trim().split('\n')).toEqual([
      String(scan.with?.['output-dir']),
      String(compliance.with?.['output-dir']),
    ]);
    const download = stepUsing(comment!, 'actions/download-artifact@');
    expect(download.with?.name).toBe(upload.with?.name);
  });

  it('comments once through ./actions/pr-summary, with no AWS role and only pull-requests: write', () => {
    expect(comment!.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(comment!.if).toContain("needs.gates.result != 'skipped'");
    expect(comment!.if).toContain('!cancelled()');
    const summary = stepUsing(comment!, './actions/pr-summary');
    expect(Object.keys(summary.with ?? {}).sort()).toEqual([
      'base-policy',
      'github-token',
      'policy',
      'report-dirs',
    ]);
    expect(String(summary.with?.['report-dirs']).trim().split('\n')).toEqual([
      'reports/scan-gate',
      'reports/compliance-gate',
    ]);
    expect(summary.with?.policy).toBe('.github/assetguard.yml');
  });

  it("previews the policy change against the base branch's policy, read through env", () => {
    const script = runOf(comment!, /git show/);
    const step = stepsOf(comment!).find((s) => s.run === script)!;
    expect(step.env?.BASE_REF).toBe('${{ github.base_ref }}');
    expect(script).toContain(
      'fetch --no-tags --depth=1 origin "+refs/heads/${BASE_REF}:refs/remotes/origin/${BASE_REF}"',
    );
    expect(script).toContain('git show "origin/${BASE_REF}:.github/assetguard.yml"');
    expect(stepUsing(comment!, './actions/pr-summary').with?.['base-policy']).toBe(
      `\${{ steps.${step.id!}.outputs.path }}`,
    );
  });

  it('passes only inputs the local actions declare (actions/pr-summary included)', () => {
    expectDeclaredInputs(doc.jobs);
  });
});

describe('terraform.yml', () => {
  const doc = loadWorkflow('terraform.yml');
  const { fmt, validate, plan } = doc.jobs;
  const paths = ['infra/**', '.github/workflows/terraform.yml'];

  it('runs on pull requests and pushes to main that change infra/', () => {
    expect(doc.on).toEqual({
      pull_request: { paths },
      push: { branches: ['main'], paths },
    });
  });

  it('checks the formatting of all of infra/', () => {
    expect(runOf(fmt!, /terraform fmt/)).toMatch(/terraform fmt -check -recursive\b.* infra$/m);
  });

  it('validates each environment root without a backend', () => {
    expect(validate!.strategy?.matrix).toEqual({ environment: ['dev', 'prod'] });
    const script = runOf(validate!, /validate/);
    expect(script).toContain('init -backend=false');
    expect(script).toMatch(/-chdir="infra\/envs\/\$\{ENVIRONMENT\}" validate/);
  });

  it('validates roots that exist', () => {
    for (const environment of ['dev', 'prod']) {
      expect([environment, existsSync(path.join(REPO_ROOT, 'infra/envs', environment))]).toEqual([
        environment,
        true,
      ]);
    }
  });

  it('plans each environment with the plan role, after fmt and validate, failing closed on missing settings', () => {
    expect(needsOf(plan!)).toEqual(['fmt', 'validate']);
    expect(plan!.strategy?.matrix).toEqual({
      include: [
        { environment: 'dev', tfvars: 'TF_VARS_DEV' },
        { environment: 'prod', tfvars: 'TF_VARS_PROD' },
      ],
    });
    const script = runOf(plan!, /terraform -chdir="\$dir" plan/);
    expect(script).toContain('-backend-config="bucket=${TF_STATE_BUCKET}"');
    expect(script).toContain('-backend-config="key=assetguard/${ENVIRONMENT}/terraform.tfstate"');
    expect(script).toContain('plan -lock=false');
    const step = stepsOf(plan!).find((s) => s.run === script)!;
    expect(step.env).toMatchObject({
      TF_STATE_BUCKET: '${{ vars.TF_STATE_BUCKET }}',
      TFVARS: '${{ vars[matrix.tfvars] }}',
      GITHUB_TOKEN: '${{ secrets.TF_GITHUB_TOKEN }}',
    });
    for (const setting of ['TF_STATE_BUCKET', '${TFVARS_NAME}', 'secret TF_GITHUB_TOKEN']) {
      expect(script).toContain(setting);
    }
    expect(script.indexOf('exit 1')).toBeLessThan(script.indexOf('terraform -chdir'));
  });

  it('plans against the same state key the environment roots document', () => {
    for (const environment of ['dev', 'prod']) {
      const example = readFileSync(
        path.join(REPO_ROOT, 'infra/envs', environment, 'backend.hcl.example'),
        'utf8',
      );
      expect(/^key\s*=\s*"([^"]+)"/m.exec(example)?.[1]).toBe(
        `assetguard/${environment}/terraform.tfstate`,
      );
    }
  });

  it('installs Terraform with hashicorp/setup-terraform in every job', () => {
    for (const job of [fmt!, validate!, plan!]) {
      expect(stepUsing(job, 'hashicorp/setup-terraform@').with?.terraform_wrapper).toBe(false);
    }
  });
});
