/**
 * `npm run bench`: how fast the scan gate decides and how many AWS calls it makes.
 *
 * 1. evaluateImage throughput (10k and 100k synthetic findings, in process), peak memory per size
 *    (a fresh child process each), toFinding normalization and summary + SARIF rendering.
 * 2. ListFindings calls per image against aws-sdk-client-mock pages, and one full scanGate run
 *    end to end against a local moto server that this script starts and stops.
 * 3. tags apply batching; 4. the daily report after collection.
 * 5. The scan gate vs the DIY gates (boto3, AWS CLI): the built CLI and action bundle as processes
 *    against the bench endpoint (scripts/bench/). `npm run bench -- --scan-gate` runs only this
 *    part; `--help` lists its flags.
 *
 * Prints tables and writes out/bench/results.json. Figures, not assertions: nothing here fails
 * because something is slow.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, arch, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import {
  Inspector2Client,
  ListFindingsCommand,
  type Finding as InspectorFinding,
  type ListFindingsCommandInput,
} from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import { createClient } from '../actions/src/core/aws';
import { systemClock } from '../actions/src/core/clock';
import type { Finding } from '../actions/src/core/model';
import { toSarif } from '../actions/src/core/sarif';
import { evaluateImage } from '../actions/src/scan-gate/evaluate';
import { scanGate } from '../actions/src/scan-gate/run';
import { listImageFindings, PAGE_SIZE, toFinding } from '../actions/src/sources/inspector';
import { imageSarifEntries, renderImageSummary } from '../actions/src/scan-gate/render';
import {
  BENCH_IMAGE,
  BENCH_NOW,
  BENCH_SEED,
  BENCH_SUBJECT,
  benchPolicy,
  benchPolicyText,
  syntheticFindings,
  toInspectorShape,
} from './lib/bench-data';
import type { MemoryResult } from './lib/bench-memory-worker';
import {
  integer,
  median,
  mib,
  ms,
  perSecond,
  section,
  table,
  timeSync,
  type Timing,
} from './lib/bench-report';
import { MOTO_INSTALL_HINT, motoAvailable, startMoto } from './lib/moto';
import {
  countsOf,
  enableEnhancedScanning,
  inspectorFinding,
  pushImage,
  seedInspectorFindings,
  seedScanStatus,
  type PushedImage,
  type SeedFinding,
} from '../__tests__/fixtures/seed';
import { startCoverageServer } from '../__tests__/fixtures/inspector-coverage';
import { benchTagApply } from './lib/bench-tags';
import { REPORT_PHASES, type ReportPhase, type ReportRunResult } from './lib/bench-report-data';
import { benchScanGateVsDiy, type ScanGateBenchOptions } from './bench/scan-gate';
import { benchEstateSections } from './bench/estate-sections';

const root = resolve(__dirname, '..');
const outDir = join(root, 'out/bench');
const EVAL_SIZES = [10_000, 100_000];
const LIST_SIZES = [0, 1, 100, 101, 250, 1_000, 10_000];
const GATE_SIZES = [100, 1_000];
const SARIF_SCALING_SIZES = [2_500, 5_000, 10_000, 20_000];
const REGION = 'us-east-1';

function machine(): Record<string, string | number> {
  const cpu = cpus();
  return {
    node: process.version,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    platform: `${platform()} ${arch()}`,
    memoryGiB: Math.round(totalmem() / 1_073_741_824),
  };
}

/* ---------------------------------------------------------------- 1. evaluation */

interface EvaluationRow {
  findings: number;
  blocking: number;
  excepted: number;
  warnings: number;
  evaluate: Timing;
  evaluatePerSecond: number;
  normalize: Timing;
  normalizePerSecond: number;
}

function benchEvaluation(): EvaluationRow[] {
  section('1. Evaluation throughput (in process; median of the timed runs after warm-up)');
  const rows: EvaluationRow[] = [];
  for (const size of EVAL_SIZES) {
    const findings = syntheticFindings(size);
    const policy = benchPolicy(findings);
    const run = () => evaluateImage({ findings, policy, subject: BENCH_SUBJECT, now: BENCH_NOW });
    const verdict = run();
    const large = size >= 100_000;
    const evaluate = timeSync(run, large ? 2 : 5, large ? 5 : 11);
    const raw = findings.map(toInspectorShape);
    const normalize = timeSync(() => raw.map(toFinding), large ? 2 : 5, large ? 5 : 11);
    rows.push({
      findings: size,
      blocking: verdict.blocking.length,
      excepted: verdict.excepted.length,
      warnings: verdict.warnings.length,
      evaluate,
      evaluatePerSecond: perSecond(size, evaluate.medianMs),
      normalize,
      normalizePerSecond: perSecond(size, normalize.medianMs),
    });
  }
  console.log(
    `policy: fail-on CRITICAL+HIGH, also-block epss>=0.5 and exploit-available, 20 exceptions; seed ${BENCH_SEED}`,
  );
  console.log(
    table(
      [
        'findings',
        'blocking',
        'excepted',
        'warnings',
        'evaluateImage ms (min-max)',
        'evaluated/s',
        'toFinding ms (min-max)',
        'normalized/s',
      ],
      rows.map((row) => [
        integer(row.findings),
        integer(row.blocking),
        integer(row.excepted),
        integer(row.warnings),
        `${ms(row.evaluate.medianMs)} (${ms(row.evaluate.minMs)}-${ms(row.evaluate.maxMs)})`,
        integer(row.evaluatePerSecond),
        `${ms(row.normalize.medianMs)} (${ms(row.normalize.minMs)}-${ms(row.normalize.maxMs)})`,
        integer(row.normalizePerSecond),
      ]),
    ),
  );
  return rows;
}

interface RenderResult {
  findings: number;
  summary: Timing;
  summaryBytes: number;
  sarif: Timing;
  sarifBytes: number;
  sarifResults: number;
  sarifScaling?: { findings: number; rules: number; timing: Timing }[];
}

function benchRendering(size: number): RenderResult {
  section(`1b. Rendering for ${integer(size)} findings (summary.md and results.sarif)`);
  const findings = syntheticFindings(size);
  const policy = benchPolicy(findings);
  const verdict = evaluateImage({ findings, policy, subject: BENCH_SUBJECT, now: BENCH_NOW });
  const renderSarif = (): string =>
    toSarif(imageSarifEntries(verdict, findings), 'assetguard/scan-gate');
  const summaryText = renderImageSummary(verdict, 'out/bench');
  const sarifText = renderSarif();
  const summary = timeSync(() => renderImageSummary(verdict, 'out/bench'), 5, 11);
  const sarif = timeSync(renderSarif, 2, 7);
  const result: RenderResult = {
    findings: size,
    summary,
    summaryBytes: Buffer.byteLength(summaryText),
    sarif,
    sarifBytes: Buffer.byteLength(sarifText),
    sarifResults: findings.length,
  };
  console.log(
    table(
      ['output', 'median ms (min-max)', 'findings/s', 'size'],
      [
        [
          'summary.md (first 100 blocking rows)',
          `${ms(summary.medianMs)} (${ms(summary.minMs)}-${ms(summary.maxMs)})`,
          integer(perSecond(size, summary.medianMs)),
          `${integer(result.summaryBytes / 1024)} KiB`,
        ],
        [
          `results.sarif (${integer(size)} results)`,
          `${ms(sarif.medianMs)} (${ms(sarif.minMs)}-${ms(sarif.maxMs)})`,
          integer(perSecond(size, sarif.medianMs)),
          `${mib(result.sarifBytes)} MiB`,
        ],
      ],
    ),
  );
  const scaling = SARIF_SCALING_SIZES.map((n) => {
    const scaled = syntheticFindings(n);
    const scaledVerdict = evaluateImage({
      findings: scaled,
      policy: benchPolicy(scaled),
      subject: BENCH_SUBJECT,
      now: BENCH_NOW,
    });
    const timing = timeSync(
      () => toSarif(imageSarifEntries(scaledVerdict, scaled), 'assetguard/scan-gate'),
      1,
      3,
    );
    return { findings: n, rules: new Set(scaled.map((f) => f.id)).size, timing };
  });
  console.log('\nresults.sarif scaling (median of 3 after 1 warm-up):');
  console.log(
    table(
      ['findings', 'distinct rules', 'median ms', 'findings/s', 'ms per 1k findings'],
      scaling.map(({ findings: n, rules, timing }) => [
        integer(n),
        integer(rules),
        ms(timing.medianMs),
        integer(perSecond(n, timing.medianMs)),
        ms(timing.medianMs / (n / 1000)),
      ]),
    ),
  );
  console.log(
    'ms per 1k findings should stay flat: toSarif indexes rules in a Map, so it is linear.',
  );
  return { ...result, sarifScaling: scaling };
}

function benchMemory(): MemoryResult[] {
  section('1c. Peak memory (one fresh `node --expose-gc --import tsx` process per size)');
  const worker = join(__dirname, 'lib/bench-memory-worker.ts');
  const results: MemoryResult[] = [];
  for (const size of [0, ...EVAL_SIZES]) {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', worker, String(size)],
      { cwd: root, encoding: 'utf8', env: process.env },
    );
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      throw new Error(
        `memory worker for ${size} failed (${String(child.status)}): ${child.stderr}`,
      );
    }
    results.push(JSON.parse(line) as MemoryResult);
  }
  console.log(
    table(
      [
        'findings',
        'max RSS MiB',
        'heap baseline MiB',
        'heap after build MiB',
        'heap after evaluate MiB',
        'retained after GC MiB',
        'build ms',
        'evaluate ms (cold)',
      ],
      results.map((result) => [
        integer(result.findings),
        mib(result.maxRssBytes),
        mib(result.heapBaselineBytes),
        mib(result.heapAfterBuildBytes),
        mib(result.heapAfterEvaluateBytes),
        mib(result.retainedBytes),
        ms(result.buildMs),
        ms(result.evaluateMs),
      ]),
    ),
  );
  console.log(
    'max RSS is getrusage ru_maxrss of the whole process (node + tsx + modules); the 0 row is that baseline.\n' +
      'Heap is sampled at phase boundaries: evaluateImage is synchronous, so no timer can sample inside it.',
  );
  return results;
}

/* ---------------------------------------------------------------- 2. AWS calls */

interface ListRow {
  findings: number;
  mode: 'pages' | 'empty-page quirk' | 'endless nextToken';
  sends: number;
  reportedCalls: number;
  expected: number;
  listed: number;
  ms: number;
  error?: string;
}

function pageServer(
  all: readonly InspectorFinding[],
  mode: ListRow['mode'],
): (input: ListFindingsCommandInput) => { findings: InspectorFinding[]; nextToken?: string } {
  let call = 0;
  return (input) => {
    call += 1;
    const size = Math.min(input.maxResults ?? PAGE_SIZE, PAGE_SIZE);
    const offset = input.nextToken === undefined ? 0 : Number(input.nextToken.split(':')[1]);
    if (mode === 'endless nextToken') return { findings: [], nextToken: `t${call}:0` };
    // The quirk: every other page (starting with the first) is empty but carries a nextToken.
    if (mode === 'empty-page quirk' && call % 2 === 1) {
      return { findings: [], nextToken: `t${call}:${offset}` };
    }
    const next = offset + size;
    return {
      findings: all.slice(offset, next),
      ...(next < all.length && { nextToken: `t${call}:${next}` }),
    };
  };
}

async function countListCalls(
  raw: readonly InspectorFinding[],
  mode: ListRow['mode'],
  expected: number,
): Promise<ListRow> {
  const client = new Inspector2Client({
    region: REGION,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const mock = mockClient(client);
  mock.on(ListFindingsCommand).callsFake(pageServer(raw, mode));
  const image = { repository: BENCH_IMAGE.repository, digest: BENCH_IMAGE.digest, region: REGION };
  const started = performance.now();
  let reportedCalls = 0;
  let listed = 0;
  let error: string | undefined;
  try {
    const result = await listImageFindings(client, image, { log: () => undefined });
    reportedCalls = result.calls;
    listed = result.findings.length;
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  const elapsed = performance.now() - started;
  const sends = mock.calls().length;
  mock.restore();
  return {
    findings: raw.length,
    mode,
    sends,
    reportedCalls,
    expected,
    listed,
    ms: elapsed,
    ...(error !== undefined && { error }),
  };
}

async function benchListCalls(): Promise<ListRow[]> {
  section('2. ListFindings calls per image (aws-sdk-client-mock pages of <= maxResults = 100)');
  const largest = Math.max(...LIST_SIZES);
  const raw = syntheticFindings(largest).map(toInspectorShape);
  const rows: ListRow[] = [];
  const pages = (n: number): number => Math.max(1, Math.ceil(n / PAGE_SIZE));
  for (const size of LIST_SIZES) {
    rows.push(await countListCalls(raw.slice(0, size), 'pages', pages(size)));
  }
  for (const size of LIST_SIZES) {
    rows.push(await countListCalls(raw.slice(0, size), 'empty-page quirk', 2 * pages(size)));
  }
  rows.push(await countListCalls([], 'endless nextToken', 2_000));
  console.log(
    table(
      ['findings', 'server', 'send calls', 'expected', 'match', 'listed', 'ms', 'outcome'],
      rows.map((row) => [
        integer(row.findings),
        row.mode,
        integer(row.sends),
        row.mode === 'pages'
          ? `ceil(N/100)=${integer(row.expected)}`
          : row.mode === 'empty-page quirk'
            ? `2*ceil(N/100)=${integer(row.expected)}`
            : `page cap=${integer(row.expected)}`,
        row.sends === row.expected ? 'yes' : 'NO',
        integer(row.listed),
        ms(row.ms),
        row.error === undefined ? 'listed all' : `error: ${row.error.slice(0, 60)}…`,
      ]),
    ),
  );
  console.log(
    'ceil(N/100) with a minimum of 1 (N=0 still costs one call). Quirk server: every other page, starting\n' +
      'with the first, is empty but carries a nextToken; the paginator follows it, so calls double.',
  );
  return rows;
}

interface GateRow {
  findings: number;
  verdict: string;
  blocking: number;
  coldMs: number;
  warm: Timing;
  awsCalls: number;
  callsByCommand: Record<string, number>;
}

function toSeed(finding: Finding): SeedFinding {
  const pkg = finding.packages[0];
  return {
    cve: finding.id,
    severity: finding.severity,
    packageName: pkg?.name ?? 'unknown',
    installed: pkg?.installedVersion ?? '0',
    ...(pkg?.fixedVersion !== undefined && { fixed: pkg.fixedVersion }),
    ...(finding.epss !== undefined && { epss: finding.epss }),
    ...(finding.exploitAvailable !== undefined && { exploit: finding.exploitAvailable }),
  };
}

async function benchGate(): Promise<GateRow[] | { skipped: string }> {
  section('2b. scanGate end to end against moto (settleDelayMs 0, initialDelayMs 0)');
  if (!motoAvailable()) {
    console.log(`skipped: ${MOTO_INSTALL_HINT}`);
    return { skipped: MOTO_INSTALL_HINT };
  }
  const saved = { ...process.env };
  const moto = await startMoto();
  // moto 5.2.1 has no Inspector2 ListCoverage, which the scan wait settles on: a loopback server
  // answers it (every image pushed to moto counts as scanned) and forwards the rest to moto.
  const coverage = await startCoverageServer(moto.endpoint);
  const workdir = mkdtempSync(join(tmpdir(), 'assetguard-bench-'));
  try {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ENDPOINT_URL_INSPECTOR2: coverage.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const ecr = new ECRClient({
      region: REGION,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await enableEnhancedScanning(ecr);
    const answers: Record<string, unknown>[][] = [];
    const images: { size: number; pushed: PushedImage }[] = [];
    for (const size of GATE_SIZES) {
      const seeds = syntheticFindings(size).map(toSeed);
      const pushed = await pushImage(ecr, 'bench/gate', `n${size}`);
      await seedScanStatus(moto.endpoint, ecr, pushed, REGION, {
        status: 'COMPLETE',
        counts: countsOf(seeds),
      });
      answers.push(
        seeds.map((seed, index) => inspectorFinding({ ...pushed, region: REGION }, seed, index)),
      );
      images.push({ size, pushed });
    }
    // One queued answer per distinct ListFindings request, in the order the images run below.
    await seedInspectorFindings(moto.endpoint, REGION, answers);
    const policyPath = join(workdir, 'assetguard.yml');
    writeFileSync(policyPath, benchPolicyText(syntheticFindings(GATE_SIZES[0] ?? 100)));

    const rows: GateRow[] = [];
    for (const { size, pushed } of images) {
      let calls: Record<string, number> = {};
      const count = (name: string | undefined): void => {
        const key = name ?? 'unknown';
        calls[key] = (calls[key] ?? 0) + 1;
      };
      const run = async (): Promise<{ ms: number; verdict: string; blocking: number }> => {
        calls = {};
        const started = performance.now();
        const result = await scanGate(
          {
            image: `${pushed.repository}:${pushed.tag}`,
            policy: policyPath,
            timeoutMs: 60_000,
            outputDir: join(workdir, `reports-${size}`),
            region: REGION,
          },
          {
            clock: systemClock,
            log: () => undefined,
            wait: { settleDelayMs: 0, initialDelayMs: 0 },
            clients: (region) => {
              const ecrClient = createClient(ECRClient, { region });
              const inspector = createClient(Inspector2Client, { region });
              ecrClient.middlewareStack.add(
                (next, context) => (args) => {
                  count(context.commandName);
                  return next(args);
                },
                { step: 'initialize', name: 'benchCallCounter' },
              );
              inspector.middlewareStack.add(
                (next, context) => (args) => {
                  count(context.commandName);
                  return next(args);
                },
                { step: 'initialize', name: 'benchCallCounter' },
              );
              return { ecr: ecrClient, inspector };
            },
          },
        );
        const elapsed = performance.now() - started;
        if (result.verdict.verdict === 'error') {
          throw new Error(
            `scanGate on moto returned an error verdict: ${result.verdict.error ?? ''}`,
          );
        }
        return {
          ms: elapsed,
          verdict: result.verdict.verdict,
          blocking: result.verdict.blocking.length,
        };
      };
      const cold = await run();
      const samples: number[] = [];
      for (let i = 0; i < 5; i += 1) samples.push((await run()).ms);
      rows.push({
        findings: size,
        verdict: cold.verdict,
        blocking: cold.blocking,
        coldMs: cold.ms,
        warm: {
          warmup: 1,
          runs: samples.length,
          samplesMs: samples,
          medianMs: median(samples),
          minMs: Math.min(...samples),
          maxMs: Math.max(...samples),
        },
        awsCalls: Object.values(calls).reduce((sum, n) => sum + n, 0),
        callsByCommand: calls,
      });
    }
    console.log(
      table(
        [
          'findings',
          'verdict',
          'blocking',
          'first run ms',
          'next 5 median ms (min-max)',
          'AWS calls',
          'by command',
        ],
        rows.map((row) => [
          integer(row.findings),
          row.verdict,
          integer(row.blocking),
          ms(row.coldMs),
          `${ms(row.warm.medianMs)} (${ms(row.warm.minMs)}-${ms(row.warm.maxMs)})`,
          integer(row.awsCalls),
          Object.entries(row.callsByCommand)
            .map(([name, n]) => `${name.replace(/Command$/, '')} ${n}`)
            .join(', '),
        ]),
      ),
    );
    console.log(
      'Note: moto ignores ListFindings paging (maxResults/nextToken) and returns every queued finding in\n' +
        'one page, so ListFindings is 1 call here at any size; real Inspector2 needs ceil(N/100) (section 2).\n' +
        'ListCoverage (the settle evidence) is answered by a loopback server: moto 5.2.1 has none.\n' +
        'Times include policy load, ECR and Inspector2 HTTP round trips to moto, evaluation and writing\n' +
        'the four report files; the first run also pays module warm-up and client creation.',
    );
    return rows;
  } finally {
    await coverage.close();
    await moto.stop();
    rmSync(workdir, { recursive: true, force: true });
    for (const key of Object.keys(process.env)) {
      if (!(key in saved)) Reflect.deleteProperty(process.env, key);
    }
    Object.assign(process.env, saved);
  }
}

/* ---------------------------------------------------------------- 4. daily report */

/** Fresh processes the daily report section runs; the figures are their medians. */
const REPORT_RUNS = 5;
/** The issue's targets for a report over 10,000 resources and 50,000 findings. */
const REPORT_TARGET = { ms: 10_000, rssBytes: 400 * 1_048_576 };

interface ReportBench {
  runs: ReportRunResult[];
  phases: Record<ReportPhase, Timing>;
  report: Timing;
  wall: Timing;
  maxRssMiB: Timing;
  targets: { timeMet: boolean; memoryMet: boolean };
}

function timingOf(samples: number[]): Timing {
  return {
    warmup: 0,
    runs: samples.length,
    samplesMs: samples,
    medianMs: median(samples),
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
  };
}

/** Runs `node ARGS` to the end; its stdout, or an error naming `what` with its stderr. */
function runNode(args: string[], what: string): string {
  return runProgram(process.execPath, args, what);
}

/** Runs a program to the end; its stdout, or an error naming `what` with its stderr. */
function runProgram(program: string, args: string[], what: string): string {
  const child = spawnSync(program, args, {
    cwd: root,
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 16 * 1_048_576,
  });
  if (child.status !== 0) {
    throw new Error(`${what} failed (${String(child.status)}): ${child.stderr}`);
  }
  return child.stdout;
}

/**
 * The daily report after collection (issue 9's target: a report over 10,000 resources and
 * 50,000 findings in under 10 s and 400 MiB), measured as users run it: the worker
 * (scripts/lib/bench-report-worker.ts) bundled by esbuild into one file in a temporary
 * directory, like the bundles the action and the CLI ship, and run with plain `node` (no
 * tsx loader, whose ~77 MiB users never have). One `--yesterday` process writes yesterday's
 * state; then REPORT_RUNS fresh processes each build the same synthetic estate and run load
 * state, evaluate, every renderer, the report set and the state write. Collection (the AWS
 * reads) is not in these figures.
 */
function benchDailyReport(): ReportBench {
  section(
    `4. Daily report after collection: 10,000 resources, 50,000 findings (${REPORT_RUNS} fresh \`node\` processes of the esbuild-bundled worker)`,
  );
  const workdir = mkdtempSync(join(tmpdir(), 'assetguard-bench-report-'));
  const runs: ReportRunResult[] = [];
  try {
    const bundle = join(workdir, 'bench-report-worker.js');
    // esbuild comes with tsx; its bin is a native executable.
    runProgram(
      join(root, 'node_modules/.bin/esbuild'),
      [
        join(__dirname, 'lib/bench-report-worker.ts'),
        '--bundle',
        '--platform=node',
        '--target=node20',
        '--log-level=warning',
        `--outfile=${bundle}`,
      ],
      'bundling the report worker with esbuild',
    );
    const yesterday = join(workdir, 'yesterday-state.json');
    runNode([bundle, '--yesterday', yesterday], "writing yesterday's state");
    for (let run = 0; run < REPORT_RUNS; run += 1) {
      const line = runNode([bundle, yesterday], `report worker run ${run + 1}`)
        .trim()
        .split('\n')
        .pop();
      if (!line?.startsWith('{')) throw new Error(`report worker run ${run + 1} printed no result`);
      runs.push(JSON.parse(line) as ReportRunResult);
    }
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
  const first = runs[0];
  if (!first) throw new Error('no report worker run');
  const phases = Object.fromEntries(
    REPORT_PHASES.map((phase) => [phase, timingOf(runs.map((run) => run.phasesMs[phase]))]),
  ) as Record<ReportPhase, Timing>;
  const report = timingOf(runs.map((run) => run.reportMs));
  const wall = timingOf(runs.map((run) => run.wallMs));
  const maxRssMiB = timingOf(runs.map((run) => run.maxRssBytes / 1_048_576));
  const range = (timing: Timing, format: (value: number) => string = ms): string =>
    `${format(timing.medianMs)} (${format(timing.minMs)}-${format(timing.maxMs)})`;
  console.log(
    `input: ${integer(first.resources)} resources, ${integer(first.findings)} ACTIVE findings; ${integer(first.open)} open, ${integer(first.new)} new, ${integer(first.fixed)} fixed, ${integer(first.overdue)} overdue, ${integer(first.excepted)} excepted; ${first.emails} emails`,
  );
  console.log(
    table(
      ['phase', 'median ms (min-max)', 'heap after MiB', 'peak RSS so far MiB'],
      REPORT_PHASES.map((phase) => [
        phase,
        range(phases[phase]),
        mib(first.memoryAfter[phase].heapUsed),
        mib(first.memoryAfter[phase].maxRss),
      ]),
    ),
  );
  const timeMet = report.medianMs <= REPORT_TARGET.ms;
  const memoryMet = maxRssMiB.medianMs * 1_048_576 <= REPORT_TARGET.rssBytes;
  console.log(
    `\nreport after collection: ${range(report)} ms (target <= 10 s: ${timeMet ? 'met' : 'NOT met'})\n` +
      `whole process (node + the bundle + building the input + report): ${range(wall)} ms\n` +
      `peak RSS: ${range(maxRssMiB, (value) => value.toFixed(1))} MiB (target <= 400 MiB: ${memoryMet ? 'met' : 'NOT met'}); ` +
      `RSS once the modules are loaded: ${mib(first.rssBaselineBytes)} MiB; input built: ${mib(first.memoryAfter.build.rss)} MiB\n` +
      `heap and peak-RSS columns are from the first run; building the input: ${ms(first.buildMs)} ms (not counted)`,
  );
  console.log(
    `\nfiles: ${Object.entries(first.fileBytes)
      .map(
        ([name, bytes]) =>
          `${name} ${bytes >= 1_048_576 ? `${mib(bytes)} MiB` : `${integer(bytes / 1024)} KiB`}`,
      )
      .join(', ')}`,
  );
  return { runs, phases, report, wall, maxRssMiB, targets: { timeMet, memoryMet } };
}

const USAGE = `usage: npm run bench [-- --scan-gate | --tags-apply | --daily-report [--compliance-source config|securityhub] [--securityhub-throttle]] [--sizes 100,1000,10000] [--rounds 5] [--latency-ms 44] [--profile DIR]

  (no flags)   sections 1-4, then the scan gate vs the DIY gates (section 5)
  --scan-gate  only the scan gate vs the DIY gates (scripts/bench/scan-gate.ts); writes out/bench/scan-gate.json
  --tags-apply only \`tags apply --execute\` (built CLI) twice per round over the 10,000-resource estate
               endpoint (scripts/bench/estate-bench.ts); writes out/bench/estate.json
  --daily-report only \`report\` (built CLI, collection included) over the estate and its 50,000 findings;
               with --tags-apply both run; writes out/bench/estate.json
  --compliance-source config|securityhub
               the daily report's compliance source (default: both, one after the other)
  --securityhub-throttle
               throttle the estate endpoint's Security Hub as AWS documents it (GetFindings 3/s, burst 6)
  --sizes      findings per image, comma-separated (scan-gate section)
  --rounds     measured rounds per size, each program once per round (>= 1; the figures use >= 5)
  --latency-ms the bench endpoint's delay per request (default 44)
  --profile    also write a CPU profile (node --cpu-prof) of one CLI run at the largest size into DIR`;

/** Parses the bench's flags; an unknown flag or a bad value is an error naming it (exit 2). */
function parseArgs(argv: readonly string[]): {
  scanGateOnly: boolean;
  gate: ScanGateBenchOptions;
  estate: {
    tagsApply: boolean;
    dailyReport: boolean;
    complianceSources?: ('config' | 'securityhub')[];
    securityHubThrottle?: boolean;
  };
} {
  const gate: ScanGateBenchOptions = {};
  let scanGateOnly = false;
  const estate: {
    tagsApply: boolean;
    dailyReport: boolean;
    complianceSources?: ('config' | 'securityhub')[];
    securityHubThrottle?: boolean;
  } = { tagsApply: false, dailyReport: false };
  const value = (flag: string, index: number): string => {
    const text = argv[index + 1];
    if (text === undefined || text.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return text;
  };
  const positive = (flag: string, text: string, min: number): number => {
    const number = Number(text);
    if (!Number.isInteger(number) || number < min) {
      throw new UsageError(`${flag} ${JSON.stringify(text)}: expected an integer >= ${min}`);
    }
    return number;
  };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index] as string;
    switch (flag) {
      case '--scan-gate':
        scanGateOnly = true;
        break;
      case '--tags-apply':
        estate.tagsApply = true;
        break;
      case '--daily-report':
        estate.dailyReport = true;
        break;
      case '--compliance-source': {
        const source = value(flag, index);
        if (source !== 'config' && source !== 'securityhub') {
          throw new UsageError(`${flag} ${JSON.stringify(source)}: expected config or securityhub`);
        }
        estate.complianceSources = [source];
        estate.dailyReport = true;
        index += 1;
        break;
      }
      case '--securityhub-throttle':
        estate.securityHubThrottle = true;
        estate.dailyReport = true;
        break;
      case '--sizes':
        gate.sizes = value(flag, index)
          .split(',')
          .map((part) => positive(flag, part.trim(), 1));
        index += 1;
        break;
      case '--rounds':
        gate.rounds = positive(flag, value(flag, index), 1);
        index += 1;
        break;
      case '--latency-ms':
        gate.latencyMs = positive(flag, value(flag, index), 0);
        index += 1;
        break;
      case '--profile':
        gate.profileDir = resolve(value(flag, index));
        index += 1;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  return { scanGateOnly, gate, estate };
}

class UsageError extends Error {}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  // Every SDK client here (mocked or against moto) would otherwise print the node 20 notice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const host = machine();
  console.log('# assetguard benchmarks\n');
  console.log(
    `machine: node ${String(host.node)}, ${String(host.cpu)}, ${String(host.cores)} cores, ${String(host.platform)}, ${String(host.memoryGiB)} GiB RAM`,
  );
  console.log(`started: ${new Date().toISOString()}`);
  if (args.estate.tagsApply || args.estate.dailyReport) {
    await benchEstateSections(
      args.estate,
      {
        ...args.gate,
        ...(args.estate.securityHubThrottle === true && { securityHubThrottle: true }),
      },
      host,
      started,
    );
    return;
  }
  if (args.scanGateOnly) {
    const scanGateVsDiy = await benchScanGateVsDiy(args.gate);
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, 'scan-gate.json');
    writeFileSync(
      file,
      `${JSON.stringify({ generatedAt: new Date().toISOString(), machine: host, scanGateVsDiy }, null, 2)}\n`,
    );
    console.log(`\ntotal bench time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log(`results: ${file}`);
    return;
  }
  const evaluation = benchEvaluation();
  const rendering = benchRendering(10_000);
  const memory = benchMemory();
  const listCalls = await benchListCalls();
  const gate = await benchGate();
  const tagApply = await benchTagApply();
  const dailyReport = benchDailyReport();
  const scanGateVsDiy = await benchScanGateVsDiy(args.gate);
  const totalSeconds = (performance.now() - started) / 1000;
  console.log(`\ntotal bench time: ${totalSeconds.toFixed(1)} s`);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'results.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        machine: host,
        seed: BENCH_SEED,
        evaluation,
        rendering,
        memory,
        listFindingsCalls: listCalls,
        scanGateOnMoto: gate,
        tagApply,
        dailyReport,
        scanGateVsDiy,
        totalSeconds,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`results: ${file}`);
}

main().catch((error: unknown) => {
  console.error(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
});
