import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { isScalar, LineCounter, parseDocument } from 'yaml';

/** The repository's own workflows, read as the runner reads them, for the workflow tests. */

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const WORKFLOWS_DIR = path.join(REPO_ROOT, '.github/workflows');

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  with?: Record<string, string | boolean | number>;
  env?: Record<string, string>;
}

export interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string> | string;
  concurrency?: string | { group: string; 'cancel-in-progress'?: boolean | string };
  outputs?: Record<string, string>;
  defaults?: { run?: { shell?: string } };
  strategy?: { matrix?: Record<string, unknown> };
  uses?: string;
  steps?: Step[];
}

export interface Workflow {
  name?: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  defaults?: { run?: { shell?: string } };
  concurrency?: unknown;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/** Every workflow file name (`*.yml` / `*.yaml`), sorted. */
export const workflowFiles: string[] = readdirSync(WORKFLOWS_DIR)
  .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
  .sort();

/** The text of `.github/workflows/<name>`. */
export const readWorkflowText = (name: string): string =>
  readFileSync(path.join(WORKFLOWS_DIR, name), 'utf8');

/**
 * `.github/workflows/<name>` parsed. Throws, naming the file and line, on a YAML error or on a
 * document that is not a workflow (no `jobs` mapping), so no test reads an empty object.
 */
export function loadWorkflow(name: string): Workflow {
  const lines = new LineCounter();
  const doc = parseDocument(readWorkflowText(name), { lineCounter: lines });
  const first = doc.errors[0];
  if (first) {
    const { line } = lines.linePos(first.pos[0]);
    throw new Error(`.github/workflows/${name}:${line}: ${first.message}`);
  }
  const value = doc.toJS() as Partial<Workflow> | null;
  if (value === null || typeof value.jobs !== 'object') {
    throw new Error(`.github/workflows/${name}: no jobs: mapping, not a workflow`);
  }
  return value as Workflow;
}

/** The steps of a job (none for a job that calls a reusable workflow). */
export const stepsOf = (job: Job): Step[] => job.steps ?? [];

/** `needs` as a list. */
export const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : [job.needs].flat());

/** The environment a job runs in, by name, or undefined. */
export const environmentOf = (job: Job): string | undefined =>
  typeof job.environment === 'object' ? job.environment.name : job.environment;

const CREDENTIALS_ACTION = 'aws-actions/configure-aws-credentials@';

/** The `role-to-assume` of each configure-aws-credentials step of the job, in order. */
export const rolesOf = (job: Job): string[] =>
  stepsOf(job)
    .filter((step) => step.uses?.startsWith(CREDENTIALS_ACTION) === true)
    .map((step) => String(step.with?.['role-to-assume'] ?? ''));

/** One `run:` script of a workflow, located for error messages. */
export interface RunBlock {
  file: string;
  job: string;
  step: string;
  /** 1-based line of the `run:` value in the workflow file. */
  line: number;
  script: string;
  /** The shell it runs in: the step's, else the job's default, else the workflow's, else 'bash'. */
  shell: string;
}

/**
 * Every `run:` script of `.github/workflows/<name>`, with the shell the runner starts it in. An
 * ubuntu runner with no shell set runs `bash -e {0}`, hence the 'bash' fallback.
 */
export function runBlocks(name: string): RunBlock[] {
  const lines = new LineCounter();
  const doc = parseDocument(readWorkflowText(name), { lineCounter: lines });
  const workflow = loadWorkflow(name);
  const blocks: RunBlock[] = [];
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    stepsOf(job).forEach((step, index) => {
      if (step.run === undefined) return;
      const node = doc.getIn(['jobs', jobId, 'steps', index, 'run'], true);
      const offset = isScalar(node) && node.range ? node.range[0] : 0;
      blocks.push({
        file: name,
        job: jobId,
        step: step.name ?? step.id ?? `#${index + 1}`,
        line: lines.linePos(offset).line,
        script: step.run,
        shell: step.shell ?? job.defaults?.run?.shell ?? workflow.defaults?.run?.shell ?? 'bash',
      });
    });
  }
  return blocks;
}

/** One `uses:` of a workflow, from the raw text (YAML parsers drop the `# vX.Y.Z` comments). */
export interface UsesLine {
  file: string;
  line: number;
  value: string;
  comment: string;
}

/** Every `uses:` line of a workflow text, with what follows the value on that line. */
export function usesLines(file: string, text: string): UsesLine[] {
  return text.split('\n').flatMap((line, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*(['"]?)([^'"\s#]+)\1(.*)$/.exec(line);
    if (!match) return [];
    return [{ file, line: index + 1, value: match[2]!, comment: match[3]! }];
  });
}

/** Every `uses` value of a parsed workflow (job-level reusable workflows and steps). */
export function parsedUses(workflow: Workflow): string[] {
  return Object.values(workflow.jobs).flatMap((job) => [
    ...(job.uses === undefined ? [] : [job.uses]),
    ...stepsOf(job).flatMap((step) => (step.uses === undefined ? [] : [step.uses])),
  ]);
}
