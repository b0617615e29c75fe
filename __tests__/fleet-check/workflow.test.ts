import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

// .github/workflows/fleet-check.yml: scheduled and on demand, least privilege, the action fed
// only through its inputs. (actionlint and the SHA pinning of every workflow are checked in
// __tests__/workflows/actionlint.test.ts.)

const ROOT = resolve(__dirname, '../..');
const text = readFileSync(join(ROOT, '.github/workflows/fleet-check.yml'), 'utf8');

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
}

const workflow = parse(text) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { permissions?: Record<string, string>; steps?: Step[] }>;
};
const jobs = Object.values(workflow.jobs);
const steps = jobs.flatMap((job) => job.steps ?? []);
const action = parse(readFileSync(join(ROOT, 'actions/fleet-check/action.yml'), 'utf8')) as {
  inputs: Record<string, unknown>;
};

describe('.github/workflows/fleet-check.yml', () => {
  it('runs on a schedule and on demand', () => {
    expect(workflow.on).toHaveProperty('schedule');
    expect(workflow.on).toHaveProperty('workflow_dispatch');
  });

  it('asks only for reading the repository and an OIDC token', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(jobs.map((job) => job.permissions)).toEqual([{ contents: 'read', 'id-token': 'write' }]);
  });

  it('assumes the AWS role through OIDC with no stored keys, pinned by SHA', () => {
    const creds = steps.find((step) =>
      step.uses?.startsWith('aws-actions/configure-aws-credentials@'),
    );
    expect(creds?.with?.['role-to-assume']).toBe('${{ vars.AWS_FLEET_CHECK_ROLE_ARN }}');
    expect(Object.keys(creds?.with ?? {})).not.toContain('aws-access-key-id');
    expect(text).toMatch(/configure-aws-credentials@[0-9a-f]{40} # v\d/);
  });

  it('passes only inputs the action declares, and no expression reaches a shell', () => {
    const fleet = steps.find((step) => step.uses === './actions/fleet-check');
    expect(Object.keys(action.inputs)).toEqual(
      expect.arrayContaining(Object.keys(fleet?.with ?? {})),
    );
    for (const step of steps) expect(step.run ?? '').not.toContain('${{');
  });

  it('keeps the reports, also after a failed check', () => {
    const upload = steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe('always()');
    expect(upload?.with?.path).toBe(
      steps.find((step) => step.id === 'fleet')?.with?.['output-dir'],
    );
  });
});
