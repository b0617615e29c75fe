/**
 * The scan gate beside the gates users write today (issue 12, "The bench"): for each N findings
 * (default 100, 1,000 and 10,000) one bench endpoint (./endpoint.ts, 127.0.0.1, 44 ms per
 * request) is seeded with N ACTIVE findings of one image whose scan completed long ago, and four
 * programs run against it as processes, each `ROUNDS` times, in a rotating order per round so no
 * program always runs first (A B C D, B C D A, …):
 *
 * - `cli`: `node actions/dist/cli/index.js scan-gate --image repo@sha256:… --policy P --output-dir D`
 * - `action`: `node actions/dist/scan-gate/index.js` with the INPUT_* variables (hyphens kept,
 *   defaults from action.yml) and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files as the runner sets them
 * - `boto3`: `python3 scripts/bench/diy/gate.py REPO sha256:…`
 * - `awscli`: `sh scripts/bench/diy/gate.sh REPO sha256:…` (AWS CLI v1)
 *
 * All get AWS_ENDPOINT_URL, dummy credentials and us-east-1. The policy blocks ACTIVE CRITICAL
 * and HIGH only (fixable-only false, no also-block), the DIY gates' rule, so the decisions must
 * agree (same exit code). Wall is spawn to exit (performance.now in this process, the endpoint
 * runs here too, on the event loop the waits leave free). Calls are the endpoint's count per run.
 * One unmeasured warm-up round first (page cache, Python bytecode); a warm-up run that does not
 * block with the expected count stops the bench. The two bundles are copied (under the build
 * lock) to a temporary directory first and run from there, so a rebuild of the tree during the
 * bench does not mix builds; their size and hash are printed.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { BENCH_ACCOUNT, BENCH_IMAGE, syntheticFindings, toInspectorShape } from '../lib/bench-data';
import { integer, median, section, table } from '../lib/bench-report';
import { startBenchEndpoint, type EndpointFinding, type EndpointImage } from './endpoint';

const root = resolve(__dirname, '../..');

export const PROGRAMS = ['cli', 'action', 'boto3', 'awscli'] as const;
export type Program = (typeof PROGRAMS)[number];

export interface ScanGateBenchOptions {
  sizes?: readonly number[];
  /** Measured rounds per size (each program once per round); at least 5 for the figures. */
  rounds?: number;
  latencyMs?: number;
  /** Write a CPU profile of one extra `cli` run at the largest size into this directory. */
  profileDir?: string;
}

export interface Run {
  program: Program;
  round: number;
  wallMs: number;
  exitCode: number | null;
  /** verdict.json's verdict / the DIY exit read as block, pass or error; blocking findings. */
  decision: { verdict: string; blocking?: number };
  calls: Record<string, number>;
}

export interface SizeResult {
  findings: number;
  blockingExpected: number;
  runs: Run[];
  summary: Record<
    Program,
    {
      medianMs: number;
      minMs: number;
      maxMs: number;
      calls: number;
      exitCodes: (number | null)[];
    }
  >;
  /** Per round: cli wall / boto3 wall, cli / awscli, action / boto3, action / awscli. */
  ratios: Record<'cliVsBoto3' | 'cliVsAwsCli' | 'actionVsBoto3' | 'actionVsAwsCli', number[]>;
  decisionsAgree: boolean;
}

export interface ScanGateBenchResult {
  latencyMs: number;
  rounds: number;
  command: string;
  versions: Record<string, string>;
  sizes: SizeResult[];
  /** os.loadavg() at the end, 1/5/15 min (the start is in `versions`). */
  loadAtEnd: string;
  profile?: string;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Runs a program to its end without blocking this event loop (the endpoint lives on it). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Exit> {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      resolveRun({ code, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

const POLICY = `version: 1
image:
  fail-on: [CRITICAL, HIGH]
  fixable-only: false
`;

function versionOf(command: string, args: string[]): string {
  // Synchronous is fine here: it runs before the endpoint starts.
  const out = spawnSync(command, args, { encoding: 'utf8' });
  return `${out.stdout}${out.stderr}`.trim().split('\n')[0] ?? '?';
}

const loadText = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** Size and sha256 prefix of the two bundles measured, so a rebuild during a run shows. */
function bundleIds(distDir: string): Record<string, string> {
  return Object.fromEntries(
    ['cli', 'scan-gate'].map((name) => {
      // A bundle is index.js and chunk files beside it: all of its .js files count.
      const dir = join(distDir, name);
      const files = readdirSync(dir)
        .filter((file) => file.endsWith('.js'))
        .sort();
      const hash = createHash('sha256');
      let bytes = 0;
      for (const file of files) {
        hash.update(file).update(readFileSync(join(dir, file)));
        bytes += statSync(join(dir, file)).size;
      }
      return [
        `bundle ${name}`,
        `${(bytes / 1_048_576).toFixed(2)} MiB in ${files.length} .js file(s), sha256 ${hash.digest('hex').slice(0, 12)}`,
      ];
    }),
  );
}

/**
 * Copies actions/dist/cli and actions/dist/scan-gate (with their chunks) into WORKDIR/dist while
 * holding the build lock (/tmp/assetguard-build.lock, the lock `npm run build` is run under
 * here), so every run of one bench measures the same complete build even when the tree is being
 * rebuilt meanwhile. Returns WORKDIR/dist. Throws naming the bundle when one is missing.
 */
function snapshotBundles(workdir: string): string {
  const dist = join(workdir, 'dist');
  mkdirSync(dist);
  const copy = spawnSync(
    'flock',
    [
      '/tmp/assetguard-build.lock',
      'cp',
      '-R',
      join(root, 'actions/dist/cli'),
      join(root, 'actions/dist/scan-gate'),
      `${dist}/`,
    ],
    { encoding: 'utf8' },
  );
  if (copy.status !== 0) {
    throw new Error(
      `could not copy the built bundles (actions/dist/cli, actions/dist/scan-gate; run npm run build first): ${copy.error?.message ?? copy.stderr}`,
    );
  }
  return dist;
}

/**
 * What a run decided, read from what it wrote rather than from its exit code alone (a crash also
 * exits 1): the assetguard programs' verdict.json (`verdict`, `blocking` entries), the DIY gates'
 * printed count. `undefined` blocking: not said.
 */
function decisionOf(
  program: Program,
  exit: Exit,
  dir: string,
): { verdict: string; blocking?: number } {
  if (program === 'cli' || program === 'action') {
    try {
      const verdict = JSON.parse(readFileSync(join(dir, 'reports', 'verdict.json'), 'utf8')) as {
        verdict?: unknown;
        blocking?: unknown;
      };
      return {
        verdict: String(verdict.verdict),
        ...(Array.isArray(verdict.blocking) && { blocking: verdict.blocking.length }),
      };
    } catch {
      return { verdict: 'no verdict.json' };
    }
  }
  const count = /^(\d+) (?:ACTIVE findings, (\d+) )?CRITICAL\/HIGH/m.exec(exit.stdout);
  const blocking = count ? Number(count[2] ?? count[1]) : undefined;
  const verdict = exit.code === 1 ? 'block' : exit.code === 0 ? 'pass' : 'error';
  return { verdict, ...(blocking !== undefined && { blocking }) };
}

/** The scan gate vs the DIY gates at each size; prints the tables and returns every sample. */
export async function benchScanGateVsDiy(
  options: ScanGateBenchOptions = {},
): Promise<ScanGateBenchResult> {
  const sizes = options.sizes ?? [100, 1_000, 10_000];
  const rounds = options.rounds ?? 5;
  const latencyMs = options.latencyMs ?? 44;
  section(
    `scan gate vs DIY: built CLI, action bundle, boto3 and AWS CLI gates as processes against the bench endpoint (${latencyMs} ms per request), ${rounds} rotating rounds per size`,
  );
  const workdir = mkdtempSync(join(tmpdir(), 'assetguard-bench-gate-'));
  let dist: string;
  try {
    dist = snapshotBundles(workdir);
  } catch (error) {
    rmSync(workdir, { recursive: true, force: true });
    throw error;
  }
  const versions = {
    node: process.version,
    python: versionOf('python3', ['--version']),
    boto3: versionOf('python3', [
      '-c',
      'import boto3,botocore;print(boto3.__version__, "botocore", botocore.__version__)',
    ]),
    awscli: versionOf('aws', ['--version']),
    ...bundleIds(dist),
    'load average at start (1/5/15 min)': loadText(),
  };
  console.log(
    Object.entries(versions)
      .map(([key, value]) => `${key}: ${value}`)
      .join('; '),
  );
  const image: EndpointImage = {
    registryId: BENCH_ACCOUNT,
    region: BENCH_IMAGE.region,
    repository: BENCH_IMAGE.repository,
    digest: BENCH_IMAGE.digest,
    tag: BENCH_IMAGE.tag,
  };
  const results: SizeResult[] = [];
  let profile: string | undefined;
  try {
    writeFileSync(join(workdir, 'policy.yml'), POLICY);
    for (const size of sizes) {
      const synthetic = syntheticFindings(size);
      const blockingExpected = synthetic.filter(
        (finding) => finding.severity === 'CRITICAL' || finding.severity === 'HIGH',
      ).length;
      const findings = synthetic.map(
        (finding) => toInspectorShape(finding) as unknown as EndpointFinding,
      );
      const endpoint = await startBenchEndpoint({ image, findings, latencyMs });
      try {
        const baseEnv: NodeJS.ProcessEnv = {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          LANG: process.env.LANG ?? 'C.UTF-8',
          AWS_ENDPOINT_URL: endpoint.url,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_REGION: image.region,
          AWS_DEFAULT_REGION: image.region,
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_CONFIG_FILE: join(workdir, 'no-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(workdir, 'no-credentials'),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        };
        const ref = `${image.repository}@${image.digest}`;
        const dirOf = (program: Program, round: number): string =>
          join(workdir, `${size}-${program}-${round}`);
        const invoke = async (program: Program, round: number): Promise<Exit> => {
          const dir = dirOf(program, round);
          mkdirSync(dir, { recursive: true });
          switch (program) {
            case 'cli':
              return run(
                process.execPath,
                [
                  join(dist, 'cli/index.js'),
                  'scan-gate',
                  '--image',
                  ref,
                  '--policy',
                  join(workdir, 'policy.yml'),
                  '--output-dir',
                  join(dir, 'reports'),
                ],
                baseEnv,
                dir,
              );
            case 'action': {
              const output = join(dir, 'github-output');
              const summary = join(dir, 'step-summary');
              writeFileSync(output, '');
              writeFileSync(summary, '');
              return run(
                process.execPath,
                [join(dist, 'scan-gate/index.js')],
                {
                  ...baseEnv,
                  GITHUB_ACTIONS: 'true',
                  GITHUB_WORKSPACE: dir,
                  GITHUB_OUTPUT: output,
                  GITHUB_STEP_SUMMARY: summary,
                  GITHUB_EVENT_NAME: 'push',
                  GITHUB_REPOSITORY: 'octo/bench',
                  INPUT_IMAGE: ref,
                  INPUT_POLICY: join(workdir, 'policy.yml'),
                  INPUT_TIMEOUT: '15m',
                  'INPUT_OUTPUT-DIR': join(dir, 'reports'),
                  INPUT_REGION: '',
                  'INPUT_GITHUB-TOKEN': '',
                  'INPUT_PR-COMMENT': 'true',
                },
                dir,
              );
            }
            case 'boto3':
              return run(
                'python3',
                [join(root, 'scripts/bench/diy/gate.py'), image.repository, image.digest],
                baseEnv,
                dir,
              );
            case 'awscli':
              return run(
                'sh',
                [join(root, 'scripts/bench/diy/gate.sh'), image.repository, image.digest],
                baseEnv,
                dir,
              );
          }
        };
        // Warm-up round, not measured; a run that cannot decide here stops the bench.
        for (const program of PROGRAMS) {
          const exit = await invoke(program, -1);
          const decision = decisionOf(program, exit, dirOf(program, -1));
          if (
            exit.code !== 1 ||
            decision.verdict !== 'block' ||
            decision.blocking !== blockingExpected
          ) {
            throw new Error(
              `${program} at N=${size} exited ${String(exit.code)} in the warm-up with ${JSON.stringify(decision)} (expected exit 1, block, ${blockingExpected} blocking): ${exit.stderr.slice(-800)}${exit.stdout.slice(-800)}`,
            );
          }
        }
        const runs: Run[] = [];
        for (let round = 0; round < rounds; round += 1) {
          for (let slot = 0; slot < PROGRAMS.length; slot += 1) {
            const program = PROGRAMS[(round + slot) % PROGRAMS.length] as Program;
            endpoint.resetCalls();
            const exit = await invoke(program, round);
            runs.push({
              program,
              round,
              wallMs: exit.wallMs,
              exitCode: exit.code,
              decision: decisionOf(program, exit, dirOf(program, round)),
              calls: endpoint.calls(),
            });
          }
        }
        if (options.profileDir && size === Math.max(...sizes)) {
          mkdirSync(options.profileDir, { recursive: true });
          const exit = await run(
            process.execPath,
            [
              '--cpu-prof',
              `--cpu-prof-dir=${options.profileDir}`,
              join(dist, 'cli/index.js'),
              'scan-gate',
              '--image',
              ref,
              '--policy',
              join(workdir, 'policy.yml'),
              '--output-dir',
              join(workdir, 'profile-reports'),
            ],
            baseEnv,
            workdir,
          );
          profile = `${options.profileDir} (cli at N=${size}, exit ${String(exit.code)}, ${exit.wallMs.toFixed(0)} ms with the profiler on)`;
        }
        results.push(summarise(size, blockingExpected, runs, rounds));
        console.log(`N=${integer(size)}: ${runs.length} runs done`);
      } finally {
        await endpoint.stop();
      }
    }
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
  printTables(results);
  // Other work on the machine moves every program's wall; the ratios are per round for that reason.
  const loadAtEnd = loadText();
  console.log(
    `load average at start ${versions['load average at start (1/5/15 min)']}, at end ${loadAtEnd}`,
  );
  return {
    latencyMs,
    rounds,
    command: 'npm run bench -- --scan-gate',
    versions,
    sizes: results,
    loadAtEnd,
    ...(profile && { profile }),
  };
}

function summarise(
  size: number,
  blockingExpected: number,
  runs: Run[],
  rounds: number,
): SizeResult {
  const of = (program: Program): Run[] => runs.filter((entry) => entry.program === program);
  const summary = Object.fromEntries(
    PROGRAMS.map((program) => {
      const walls = of(program).map((entry) => entry.wallMs);
      const calls = of(program).map((entry) =>
        Object.values(entry.calls).reduce((sum, count) => sum + count, 0),
      );
      return [
        program,
        {
          medianMs: median(walls),
          minMs: Math.min(...walls),
          maxMs: Math.max(...walls),
          calls: median(calls),
          exitCodes: of(program).map((entry) => entry.exitCode),
        },
      ];
    }),
  ) as SizeResult['summary'];
  const wall = (program: Program, round: number): number =>
    runs.find((entry) => entry.program === program && entry.round === round)?.wallMs ?? NaN;
  const ratio = (a: Program, b: Program): number[] =>
    Array.from({ length: rounds }, (_, round) => wall(a, round) / wall(b, round));
  const codes = runs.map((entry) => entry.exitCode);
  return {
    findings: size,
    blockingExpected,
    runs,
    summary,
    ratios: {
      cliVsBoto3: ratio('cli', 'boto3'),
      cliVsAwsCli: ratio('cli', 'awscli'),
      actionVsBoto3: ratio('action', 'boto3'),
      actionVsAwsCli: ratio('action', 'awscli'),
    },
    decisionsAgree:
      codes.every((code) => code === 1) &&
      runs.every(
        (entry) =>
          entry.decision.verdict === 'block' && entry.decision.blocking === blockingExpected,
      ),
  };
}

const seconds = (value: number): string => (value / 1000).toFixed(2);
const range = (entry: { medianMs: number; minMs: number; maxMs: number }): string =>
  `${seconds(entry.medianMs)} (${seconds(entry.minMs)}-${seconds(entry.maxMs)})`;
const ratioText = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${median(values).toFixed(2)} (${(sorted[0] ?? NaN).toFixed(2)}-${(sorted[sorted.length - 1] ?? NaN).toFixed(2)})`;
};

function printTables(results: SizeResult[]): void {
  console.log(
    table(
      ['N', 'program', 'wall s median (min-max)', 'AWS calls/run', 'exit codes'],
      results.flatMap((result) =>
        PROGRAMS.map((program) => {
          const entry = result.summary[program];
          return [
            integer(result.findings),
            program,
            range(entry),
            integer(entry.calls),
            entry.exitCodes.join(' '),
          ];
        }),
      ),
    ),
  );
  console.log('');
  console.log(
    table(
      [
        'N',
        'cli/boto3 (goal <= 1.0)',
        'cli/awscli (goal <= 0.5)',
        'action/boto3',
        'action/awscli',
        'same decision',
      ],
      results.map((result) => [
        integer(result.findings),
        ratioText(result.ratios.cliVsBoto3),
        ratioText(result.ratios.cliVsAwsCli),
        ratioText(result.ratios.actionVsBoto3),
        ratioText(result.ratios.actionVsAwsCli),
        result.decisionsAgree
          ? `yes: every run exit 1, block, ${integer(result.blockingExpected)} blocking`
          : 'NO',
      ]),
    ),
  );
  console.log('\nratios: median of the per-round ratios (min-max); each round runs all four once.');
}
