/**
 * Report files at 100,000 findings: what the scan gate does once its findings are listed
 * (evaluate, render summary.md and results.sarif, write the whole report set: verdict.json,
 * summary.md, results.sarif, evidence.json) measured as whole processes.
 *
 *   npx tsx scripts/bench-report-files.ts [--runs N] [--findings N]
 *
 * This file is both the driver and the worker. The driver bundles it with esbuild (as the action
 * and the CLI ship: one file, no TypeScript loader), then runs `node bundle.js --worker COUNT DIR`
 * N times (default 7), each in a fresh process writing into its own temporary directory, and
 * prints the median and min–max of each figure as a Markdown table, then one JSON line.
 *
 * The worker builds `COUNT` synthetic findings and the bench policy (scripts/lib/bench-data.ts:
 * deterministic, 20 exceptions), then, timed, does what core/runner.ts's `publish` does for the
 * scan gate: evaluateImage, renderImageSummary, sarifReport(imageSarifSource), buildEvidence and
 * writeReportFiles with the same four files (results.sarif's gzip size check runs in the thread
 * pool while verdict.json is written, as in the scan gate). It prints one JSON line: ms per phase, peak RSS of
 * the whole process (getrusage ru_maxrss, bytes), the RSS peak before the timed part (the
 * findings themselves, which a real run holds after listing) and each file's size in bytes.
 * Errors: a worker that exits non-zero or prints no JSON line stops the driver with its stderr.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildEvidence, EVIDENCE_FILE, evidenceChunks } from '../actions/src/core/evidence';
import { jsonChunks, writeReportFiles } from '../actions/src/core/report-files';
import { sarifReport } from '../actions/src/core/sarif';
import { evaluateImage } from '../actions/src/scan-gate/evaluate';
import { imageSarifSource, renderImageSummary } from '../actions/src/scan-gate/render';
import { BENCH_NOW, BENCH_SUBJECT, benchPolicy, syntheticFindings } from './lib/bench-data';

interface WorkerResult {
  findings: number;
  verdict: string;
  blocking: number;
  /** Building the synthetic findings and the policy: not part of the goal. */
  buildMs: number;
  evaluateMs: number;
  /**
   * summary.md and results.sarif as the scan gate's `render` makes them (results.sarif rendered
   * and encoded; its gzip size check ends during write).
   */
  renderMs: number;
  /** buildEvidence and writeReportFiles (verdict.json, summary.md, results.sarif, evidence.json). */
  writeMs: number;
  /** evaluate + render + write. */
  totalMs: number;
  /** CPU time (user + system, all threads) of evaluate + render + write, ms. */
  cpuMs: number;
  /** ru_maxrss once the findings exist, before the timed part, bytes. */
  rssBeforeBytes: number;
  /** ru_maxrss at exit: the peak of the whole process, bytes. */
  maxRssBytes: number;
  /** Size in bytes of each file written, by name. */
  files: Record<string, number>;
}

async function worker(count: number, dir: string): Promise<void> {
  let started = performance.now();
  const findings = syntheticFindings(count);
  const policy = benchPolicy(findings);
  const buildMs = performance.now() - started;
  const rssBeforeBytes = process.resourceUsage().maxRSS * 1024;

  const cpuBefore = process.cpuUsage();
  const begin = performance.now();
  started = begin;
  const verdict = evaluateImage({ findings, policy, subject: BENCH_SUBJECT, now: BENCH_NOW });
  const evaluateMs = performance.now() - started;

  started = performance.now();
  const summary = renderImageSummary(verdict, dir);
  const sarif = sarifReport(imageSarifSource(verdict, findings), 'assetguard/scan-gate');
  const renderMs = performance.now() - started;

  started = performance.now();
  const evidence = buildEvidence({
    command: verdict.command,
    inputs: { image: BENCH_SUBJECT.image, 'output-dir': dir },
    context: {},
    policy,
    findings,
    verdict,
  });
  await writeReportFiles(dir, {
    'verdict.json': jsonChunks(verdict, { spread: ['blocking', 'excepted'], pretty: true }),
    'summary.md': summary,
    'results.sarif': sarif,
    [EVIDENCE_FILE]: evidenceChunks(evidence),
  });
  const end = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  const files = Object.fromEntries(
    readdirSync(dir).map((name) => [name, statSync(join(dir, name)).size]),
  );
  const result: WorkerResult = {
    findings: findings.length,
    verdict: verdict.verdict,
    blocking: verdict.blocking.length,
    buildMs,
    evaluateMs,
    renderMs,
    writeMs: end - started,
    totalMs: end - begin,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssBeforeBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    files,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`${name} takes a positive whole number, got ${process.argv[at + 1]}\n`);
    process.exit(2);
  }
  return value;
}

type Run = WorkerResult & { wallMs: number };

/** Bundles the worker `source` (a copy of this file, possibly in another tree) into `outfile`. */
function bundle(root: string, source: string, outfile: string): void {
  // esbuild comes with tsx; its bin is a native executable.
  const built = spawnSync(
    join(root, 'node_modules/.bin/esbuild'),
    [
      source,
      '--bundle',
      '--platform=node',
      '--target=node20',
      '--log-level=warning',
      `--outfile=${outfile}`,
    ],
    { encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`esbuild ${source} failed: ${built.stderr}`);
}

/** One fresh `node` process of the bundled worker, writing into a new directory under `workdir`. */
function runWorker(bundled: string, count: number, workdir: string, label: string): Run {
  const dir = mkdtempSync(join(workdir, 'reports-'));
  try {
    const started = performance.now();
    const child = spawnSync(process.execPath, [bundled, '--worker', String(count), dir], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const wallMs = performance.now() - started;
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      throw new Error(`${label} failed (exit ${String(child.status)}): ${child.stderr}`);
    }
    return { ...(JSON.parse(line) as WorkerResult), wallMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const ms = (value: number): string => `${value.toFixed(0)} ms`;
const mb = (value: number): string => `${mib(value)} MiB`;

/** The figures of a set of runs, one table row each: median, then min–max. */
const FIGURES: readonly [string, (run: Run) => number, (value: number) => string][] = [
  ['evaluate + render + write, wall', (run) => run.totalMs, ms],
  ['evaluate + render + write, CPU (user + sys)', (run) => run.cpuMs, ms],
  ['of which evaluate', (run) => run.evaluateMs, ms],
  ['of which render (summary.md, results.sarif)', (run) => run.renderMs, ms],
  ['of which write (4 files + set file)', (run) => run.writeMs, ms],
  ['peak RSS, whole process', (run) => run.maxRssBytes, mb],
  ['peak RSS before evaluate (findings built)', (run) => run.rssBeforeBytes, mb],
  ['process wall (incl. start and building findings)', (run) => run.wallMs, ms],
];

function cell(runs: readonly Run[], figure: (run: Run) => number, format: (v: number) => string) {
  const values = runs.map(figure);
  return `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

function filesLine(run: Run): string {
  return Object.entries(run.files)
    .map(([name, size]) => `${name} ${mib(size)} MiB`)
    .join(', ');
}

/**
 * Runs the bench: `--runs N` fresh processes per variant (default 7), `--findings N` (default
 * 100,000), and with `--baseline FILE` (this script in another tree, e.g. a checkout of the
 * previous commit) that tree's worker too, alternating baseline and current run by run.
 */
function driver(): void {
  const runs = option('--runs', 7);
  const count = option('--findings', 100_000);
  const baselineAt = process.argv.indexOf('--baseline');
  const baseline = baselineAt < 0 ? undefined : resolve(String(process.argv[baselineAt + 1]));
  const root = resolve(__dirname, '..');
  const workdir = mkdtempSync(join(tmpdir(), 'assetguard-bench-files-'));
  try {
    const current = join(workdir, 'current.js');
    bundle(root, __filename, current);
    const before = join(workdir, 'baseline.js');
    if (baseline) bundle(root, baseline, before);
    const results: Run[] = [];
    const baseResults: Run[] = [];
    for (let run = 0; run < runs; run += 1) {
      if (baseline) baseResults.push(runWorker(before, count, workdir, `baseline run ${run + 1}`));
      results.push(runWorker(current, count, workdir, `run ${run + 1}`));
    }
    const first = results[0] as Run;
    const lines = [
      `${count} findings, ${first.blocking} blocking (verdict ${first.verdict}), ${runs} fresh processes${baseline ? ' per variant, alternating' : ''}; median (min–max)`,
      '',
      baseline ? '| figure | baseline | current |' : '| figure | current |',
      baseline ? '| --- | --- | --- |' : '| --- | --- |',
      ...FIGURES.map(([label, figure, format]) =>
        baseline
          ? `| ${label} | ${cell(baseResults, figure, format)} | ${cell(results, figure, format)} |`
          : `| ${label} | ${cell(results, figure, format)} |`,
      ),
      '',
      ...(baseline ? [`baseline files: ${filesLine(baseResults[0] as Run)}`] : []),
      `files: ${filesLine(first)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    process.stdout.write(`${JSON.stringify({ baseline: baseResults, current: results })}\n`);
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--worker') {
  worker(Number(process.argv[3]), String(process.argv[4])).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
} else {
  driver();
}
