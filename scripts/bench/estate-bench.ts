/**
 * `npm run bench -- --tags-apply` and `-- --daily-report`: the BUILT CLI
 * (`node actions/dist/cli/index.js`, copied under the build lock so a rebuild mid-bench cannot
 * mix builds) run as a process against the estate endpoint (scripts/bench/estate-endpoint: the
 * bench's synthetic 10,000-resource estate, 44 ms per request by default), which this module
 * starts and stops.
 *
 * Per run: wall (spawn to exit), client CPU (user + sys of the CLI process, getrusage of the
 * child through scripts/bench/rusage.py), peak RSS of the CLI process, and the endpoint's calls
 * per `service:Operation`. Figures are medians of >= 5 runs with min-max; nothing is asserted
 * on time.
 *
 * tags apply: each round restores the seeded tags, runs `tags apply --execute`, diffs the tags
 * before and after to compute the minimum TagResources calls for exactly what was written
 * (sum over distinct written tag sets of ceil(n / 20)), then runs it again: its writes must be 0.
 * report: `assetguard report --state <yesterday's state>` over the estate and its 50,000 findings
 * (Inspector2 + Config or Security Hub after de-duplication: the counts are printed), whole run
 * including collection, against the targets <= 10 s and <= 400 MiB; once per compliance source
 * (`--compliance-source config`, the default, reads Config rules; `securityhub` reads the same
 * failures as Security Hub control findings, FAILED and PASSED).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, section, table } from '../lib/bench-report';
import { benchEstate, type Estate } from './estate';
import {
  MAX_ARNS_PER_TAG_CALL,
  SECURITY_HUB_THROTTLE,
  startEstateEndpoint,
  type EstateEndpoint,
} from './estate-endpoint';

const ROOT = resolve(__dirname, '..', '..');
const RUSAGE = join(__dirname, 'rusage.py');

export interface EstateBenchOptions {
  /** Runs per measured program (>= 5 for the figures). */
  rounds?: number;
  /** The endpoint's delay per request, ms (default 44). */
  latencyMs?: number;
  /** Write a CPU profile (node --cpu-prof) of one extra run into this directory. */
  profileDir?: string;
  /**
   * Throttle Security Hub as AWS documents it (GetFindings 3 per second, burst 6;
   * estate-endpoint SECURITY_HUB_THROTTLE). Off by default: the figures are comparable with the
   * Config run's, which has no throttle modelled either.
   */
  securityHubThrottle?: boolean;
}

export interface RunFigures {
  exitCode: number;
  wallMs: number;
  cpuMs: number;
  maxRssMiB: number;
  calls: Record<string, number>;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
}

const summary = (values: readonly number[]): Summary => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

const show = (value: Summary, digits = 0, unit = ''): string =>
  `${value.median.toFixed(digits)}${unit} (${value.min.toFixed(digits)}-${value.max.toFixed(digits)})`;

const loadText = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/**
 * The CLI bundle copied while holding the build lock, so every run measures one build; or, with
 * ASSETGUARD_BENCH_CLI_DIR set, that directory's copy taken earlier (when builds queue on the lock).
 */
function snapshotCli(workdir: string): string {
  const given = process.env.ASSETGUARD_BENCH_CLI_DIR;
  if (given !== undefined && given !== '') return join(resolve(given), 'index.js');
  const target = join(workdir, 'dist');
  const copy = spawnSync(
    'flock',
    ['/tmp/assetguard-build.lock', 'cp', '-r', join(ROOT, 'actions', 'dist', 'cli'), target],
    { encoding: 'utf8' },
  );
  if (copy.status !== 0) {
    throw new Error(`could not copy actions/dist/cli under the build lock: ${copy.stderr}`);
  }
  return join(target, 'index.js');
}

/** One CLI run through rusage.py, without blocking the event loop the endpoint answers on. */
function runCli(
  cli: string,
  args: readonly string[],
  endpoint: EstateEndpoint,
  estate: Estate,
  cwd: string,
  nodeFlags: readonly string[] = [],
): Promise<RunFigures & { stdout: string; stderr: string }> {
  const usageFile = join(cwd, `rusage-${process.hrtime.bigint()}.json`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: cwd,
    AWS_ENDPOINT_URL: endpoint.url,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: estate.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  endpoint.resetCalls();
  return new Promise((resolveRun, reject) => {
    const child = spawn(
      'python3',
      [RUSAGE, usageFile, process.execPath, ...nodeFlags, cli, ...args],
      {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', () => {
      try {
        const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as {
          exitCode: number;
          wallMs: number;
          userMs: number;
          sysMs: number;
          maxRssKiB: number;
        };
        resolveRun({
          exitCode: usage.exitCode,
          wallMs: usage.wallMs,
          cpuMs: usage.userMs + usage.sysMs,
          maxRssMiB: usage.maxRssKiB / 1024,
          calls: endpoint.calls(),
          stdout,
          stderr,
        });
      } catch (error) {
        reject(
          new Error(
            `no resource usage from the CLI run (${String(error)}): ${stderr.slice(-2000)}`,
          ),
        );
      }
    });
  });
}

function callsText(calls: Record<string, number>): string {
  return Object.entries(calls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, count]) => `${operation} ${count}`)
    .join(', ');
}

/** The tags-apply bench's policy: the report's required tags, with Team and Owner derivable. */
function tagsPolicyText(estate: Estate): string {
  const teams = new Set<string>();
  for (const resource of estate.resources) {
    const team = resource.tags.Team;
    if (team !== undefined) teams.add(team);
  }
  const map = [...teams]
    .sort()
    .map((team) => `${team}: ${team}-team@example.com`)
    .join(', ');
  return `version: 1
tags:
  required:
    Environment: { allowed: [prod, staging, dev], default: dev }
    Team: {}
    Owner: { pattern: '^[^@]+@example\\.com$' }
    DataClassification: { allowed: [public, internal, confidential, restricted], default: internal }
  derive:
    - { tag: Team, from: name, pattern: '^([a-z]+)-' }
    - { tag: Owner, from: tag, source-tag: Team, map: { ${map} } }
`;
}

/** What one run wrote: per ARN the tags added or changed, grouped by that tag set. */
function writtenSets(
  before: Map<string, Record<string, string>>,
  after: Map<string, Record<string, string>>,
): { resources: number; sets: number; minimumCalls: number } {
  const groups = new Map<string, number>();
  let resources = 0;
  for (const [arn, now] of after) {
    const was = before.get(arn) ?? {};
    const changed = Object.entries(now)
      .filter(([key, value]) => was[key] !== value)
      .sort(([a], [b]) => a.localeCompare(b));
    if (changed.length === 0) continue;
    resources += 1;
    const key = JSON.stringify(changed);
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  let minimumCalls = 0;
  for (const count of groups.values()) minimumCalls += Math.ceil(count / MAX_ARNS_PER_TAG_CALL);
  return { resources, sets: groups.size, minimumCalls };
}

export interface TagsApplyBenchResult {
  command: string;
  latencyMs: number;
  rounds: number;
  resources: number;
  written: { resources: number; sets: number };
  tagResourcesCalls: number[];
  minimumCalls: number;
  secondRunWrites: number[];
  first: { wallMs: Summary; cpuMs: Summary; maxRssMiB: Summary; calls: Record<string, number> };
  second: { wallMs: Summary; cpuMs: Summary; maxRssMiB: Summary; calls: Record<string, number> };
  load: { start: string; end: string };
}

const WRITE_OPERATIONS = [
  'tagging:TagResources',
  'ec2:CreateTags',
  's3:PutBucketTagging',
  'ecr:TagResource',
];
const writes = (calls: Record<string, number>): number =>
  WRITE_OPERATIONS.reduce((sum, operation) => sum + (calls[operation] ?? 0), 0);

/** `tags apply --execute` twice per round over the estate; see the module comment. */
export async function benchTagsApplyCli(
  options: EstateBenchOptions = {},
): Promise<TagsApplyBenchResult> {
  const rounds = options.rounds ?? 5;
  const latencyMs = options.latencyMs ?? 44;
  section(
    `tags apply over the estate: the built CLI against the estate endpoint (${latencyMs} ms per request)`,
  );
  const estate = benchEstate();
  const workdir = mkdtempSync(join(tmpdir(), 'assetguard-bench-tags-'));
  const loadStart = loadText();
  const endpoint = await startEstateEndpoint({ estate, latencyMs });
  try {
    const cli = snapshotCli(workdir);
    writeFileSync(join(workdir, 'policy.yml'), tagsPolicyText(estate));
    const args = ['tags', 'apply', '--execute', '--policy', 'policy.yml', '--output-dir', 'out'];
    const command = `node actions/dist/cli/index.js ${args.join(' ')}`;
    console.log(`command: AWS_ENDPOINT_URL=<endpoint> ${command}`);
    const first: RunFigures[] = [];
    const second: RunFigures[] = [];
    let written = { resources: 0, sets: 0, minimumCalls: 0 };
    for (let round = 0; round < rounds; round += 1) {
      endpoint.resetTags();
      const before = endpoint.tags();
      const one = await runCli(cli, args, endpoint, estate, workdir);
      if (one.exitCode !== 0) {
        throw new Error(`tags apply exited ${one.exitCode}: ${one.stderr.slice(-3000)}`);
      }
      written = writtenSets(before, endpoint.tags());
      first.push(one);
      const two = await runCli(cli, args, endpoint, estate, workdir);
      if (two.exitCode !== 0) {
        throw new Error(`the second tags apply exited ${two.exitCode}: ${two.stderr.slice(-3000)}`);
      }
      second.push(two);
      console.log(
        `round ${round + 1}: ${one.calls['tagging:TagResources'] ?? 0} TagResources (minimum ${written.minimumCalls}), ${(one.wallMs / 1000).toFixed(2)} s, CPU ${(one.cpuMs / 1000).toFixed(2)} s, ${one.maxRssMiB.toFixed(0)} MiB; second run ${writes(two.calls)} writes`,
      );
    }
    if (options.profileDir) {
      mkdirSync(options.profileDir, { recursive: true });
      endpoint.resetTags();
      await runCli(cli, args, endpoint, estate, workdir, [
        '--cpu-prof',
        `--cpu-prof-dir=${options.profileDir}`,
      ]);
      console.log(`CPU profile of one first run: ${options.profileDir}`);
    }
    const figures = (runs: RunFigures[]) => ({
      wallMs: summary(runs.map((run) => run.wallMs)),
      cpuMs: summary(runs.map((run) => run.cpuMs)),
      maxRssMiB: summary(runs.map((run) => run.maxRssMiB)),
      calls: runs[runs.length - 1]?.calls ?? {},
    });
    const result: TagsApplyBenchResult = {
      command,
      latencyMs,
      rounds,
      resources: estate.resources.length,
      written: { resources: written.resources, sets: written.sets },
      tagResourcesCalls: first.map((run) => run.calls['tagging:TagResources'] ?? 0),
      minimumCalls: written.minimumCalls,
      secondRunWrites: second.map((run) => writes(run.calls)),
      first: figures(first),
      second: figures(second),
      load: { start: loadStart, end: loadText() },
    };
    console.log(
      table(
        ['run', 'wall s', 'client CPU s', 'peak RSS MiB', 'TagResources', 'minimum', 'writes'],
        [
          [
            'first (writes)',
            show(summary(first.map((run) => run.wallMs / 1000)), 2),
            show(summary(first.map((run) => run.cpuMs / 1000)), 2),
            show(result.first.maxRssMiB),
            result.tagResourcesCalls.join('/'),
            String(result.minimumCalls),
            first.map((run) => writes(run.calls)).join('/'),
          ],
          [
            'second (nothing to do)',
            show(summary(second.map((run) => run.wallMs / 1000)), 2),
            show(summary(second.map((run) => run.cpuMs / 1000)), 2),
            show(result.second.maxRssMiB),
            second.map((run) => run.calls['tagging:TagResources'] ?? 0).join('/'),
            '0',
            result.secondRunWrites.join('/'),
          ],
        ],
      ),
    );
    console.log(
      `written: ${written.resources} resources in ${written.sets} distinct tag sets; minimum = sum over tag sets of ceil(n/${MAX_ARNS_PER_TAG_CALL}) = ${written.minimumCalls}`,
    );
    console.log(`calls, first run: ${callsText(result.first.calls)}`);
    console.log(`calls, second run: ${callsText(result.second.calls)}`);
    console.log(`load average start ${result.load.start}, end ${result.load.end}`);
    return result;
  } finally {
    await endpoint.stop();
    rmSync(workdir, { recursive: true, force: true });
  }
}

/** Where the report reads compliance from (its `--compliance-source`). */
export type ComplianceSource = 'config' | 'securityhub';

export interface DailyReportBenchResult {
  command: string;
  complianceSource: ComplianceSource;
  latencyMs: number;
  rounds: number;
  resources: number;
  inspectorFindings: number;
  /** Failing compliance results: NON_COMPLIANT Config results, or FAILED control findings. */
  configFailing: number;
  /** True when Security Hub was throttled as documented (the `--securityhub-throttle` run). */
  securityHubThrottle?: boolean;
  /** Security Hub only: control findings held (FAILED + PASSED), and the controls. */
  controlFindings?: number;
  controls?: number;
  wallMs: Summary;
  cpuMs: Summary;
  maxRssMiB: Summary;
  calls: Record<string, number>;
  targets: { wallS: number; rssMiB: number; wallMet: boolean; rssMet: boolean };
  load: { start: string; end: string };
}

/** `assetguard report` over the estate, whole run; see the module comment. */
export async function benchDailyReportCli(
  options: EstateBenchOptions & { complianceSource?: ComplianceSource } = {},
): Promise<DailyReportBenchResult> {
  const rounds = options.rounds ?? 5;
  const latencyMs = options.latencyMs ?? 44;
  const source = options.complianceSource ?? 'config';
  section(
    `daily report over the estate, compliance from ${source === 'config' ? 'AWS Config' : 'Security Hub'}: the built CLI against the estate endpoint (${latencyMs} ms per request)`,
  );
  const estate = benchEstate();
  let configFailing = estate.rules.reduce((sum, rule) => sum + rule.failing.size, 0);
  if (source === 'config') {
    console.log(
      `estate: ${estate.resources.length} resources, ${estate.findings.length} ACTIVE Inspector2 findings + ${configFailing} NON_COMPLIANT Config results = ${estate.findings.length + configFailing} findings, ${estate.rules.length} Config rules`,
    );
  } else {
    const controlFindings = estate.controlFindings ?? [];
    configFailing = controlFindings.filter(
      (finding) => (finding.Compliance as { Status?: string } | undefined)?.Status === 'FAILED',
    ).length;
    console.log(
      `estate: ${estate.resources.length} resources, ${estate.findings.length} ACTIVE Inspector2 findings + ${configFailing} FAILED Security Hub control findings = ${estate.findings.length + configFailing} findings; ${controlFindings.length - configFailing} PASSED control findings, ${estate.controls?.length ?? 0} controls`,
    );
  }
  const workdir = mkdtempSync(join(tmpdir(), 'assetguard-bench-report-'));
  const loadStart = loadText();
  const throttle = source === 'securityhub' && options.securityHubThrottle === true;
  if (throttle) {
    console.log(
      'Security Hub throttled as documented: GetFindings 3 requests per second, burst 6 (429 LimitExceededException beyond)',
    );
  }
  const endpoint = await startEstateEndpoint({
    estate,
    latencyMs,
    ...(throttle && { rateLimits: SECURITY_HUB_THROTTLE }),
  });
  try {
    const cli = snapshotCli(workdir);
    writeFileSync(join(workdir, 'policy.yml'), estate.policyText);
    writeFileSync(join(workdir, 'yesterday.json'), JSON.stringify(estate.previous));
    const args = [
      'report',
      '--policy',
      'policy.yml',
      '--state',
      'state.json',
      '--output-dir',
      'out',
      // The Config run's command line stays as it was (config is the report's default).
      ...(source === 'securityhub' ? ['--compliance-source', 'securityhub'] : []),
    ];
    const command = `node actions/dist/cli/index.js ${args.join(' ')}`;
    console.log(
      `command: AWS_ENDPOINT_URL=<endpoint> ${command}   (state.json: yesterday's state, fresh each run)`,
    );
    const runs: RunFigures[] = [];
    const once = async (nodeFlags: readonly string[] = []) => {
      copyFileSync(join(workdir, 'yesterday.json'), join(workdir, 'state.json'));
      const run = await runCli(cli, args, endpoint, estate, workdir, nodeFlags);
      if (run.exitCode !== 0) {
        throw new Error(`report exited ${run.exitCode}: ${run.stderr.slice(-3000)}`);
      }
      return run;
    };
    for (let round = 0; round < rounds; round += 1) {
      const run = await once();
      runs.push(run);
      console.log(
        `round ${round + 1}: ${(run.wallMs / 1000).toFixed(2)} s, CPU ${(run.cpuMs / 1000).toFixed(2)} s, ${run.maxRssMiB.toFixed(0)} MiB, ${Object.values(run.calls).reduce((a, b) => a + b, 0)} calls`,
      );
    }
    if (options.profileDir) {
      mkdirSync(options.profileDir, { recursive: true });
      await once(['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`]);
      console.log(`CPU profile of one run: ${options.profileDir}`);
    }
    const wallMs = summary(runs.map((run) => run.wallMs));
    const maxRssMiB = summary(runs.map((run) => run.maxRssMiB));
    const result: DailyReportBenchResult = {
      command,
      complianceSource: source,
      latencyMs,
      rounds,
      resources: estate.resources.length,
      inspectorFindings: estate.findings.length,
      configFailing,
      ...(throttle && { securityHubThrottle: true }),
      ...(source === 'securityhub' && {
        controlFindings: estate.controlFindings?.length ?? 0,
        controls: estate.controls?.length ?? 0,
      }),
      wallMs,
      cpuMs: summary(runs.map((run) => run.cpuMs)),
      maxRssMiB,
      calls: runs[runs.length - 1]?.calls ?? {},
      targets: {
        wallS: 10,
        rssMiB: 400,
        wallMet: wallMs.median <= 10_000,
        rssMet: maxRssMiB.max <= 400,
      },
      load: { start: loadStart, end: loadText() },
    };
    console.log(
      table(
        ['wall s', 'client CPU s', 'peak RSS MiB', 'calls', '<= 10 s', '<= 400 MiB'],
        [
          [
            show(summary(runs.map((run) => run.wallMs / 1000)), 2),
            show(summary(runs.map((run) => run.cpuMs / 1000)), 2),
            show(maxRssMiB),
            String(Object.values(result.calls).reduce((a, b) => a + b, 0)),
            result.targets.wallMet ? 'met' : 'MISSED',
            result.targets.rssMet ? 'met' : 'MISSED',
          ],
        ],
      ),
    );
    console.log(`calls per operation: ${callsText(result.calls)}`);
    console.log(`load average start ${result.load.start}, end ${result.load.end}`);
    return result;
  } finally {
    await endpoint.stop();
    rmSync(workdir, { recursive: true, force: true });
  }
}
