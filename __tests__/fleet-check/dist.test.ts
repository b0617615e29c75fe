import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { FLEET_CHECK_INPUTS } from '../../actions/src/fleet-check/inputs';
import { parseHostCheckOutput } from '../../actions/src/sources/host-check';
import { runAction, parseOutputFile } from '../support/runner';
import { shownText } from '../fixtures/markdown-shown';
import {
  credentialEnv,
  isolatedAccount,
  motoEnv,
  type TestCredentials,
} from '../fixtures/moto-estate';
import { plantMisconfiguredHost, runScript } from './planted-host';

// The committed bundles, run as the Actions runner runs them (and as a user runs the CLI): the
// host check script travels inside them, so a copy of the bundle alone checks a host.

const ROOT = resolve(__dirname, '../..');
const REGION = 'eu-central-2';
const LOCAL_ACCOUNT = '773000000001';
const FLEET_ACCOUNT = '773000000002';
const BUCKET = 'ag-fleet-dist-773000000002';

let badRoot: string;
let failingChecks: number;
let local: TestCredentials;
let fleet: TestCredentials;
const dirs: string[] = [];

beforeAll(async () => {
  badRoot = plantMisconfiguredHost();
  dirs.push(badRoot);
  failingChecks = parseHostCheckOutput(runScript(badRoot).stdout).results.filter(
    (result) => result.status === 'FAIL',
  ).length;
  local = await isolatedAccount(LOCAL_ACCOUNT);
  fleet = await isolatedAccount(FLEET_ACCOUNT);
  const ec2 = new EC2Client({ region: REGION, credentials: fleet, maxAttempts: 1 });
  await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      MinCount: 2,
      MaxCount: 2,
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Fleet', Value: 'dist' }] }],
    }),
  );
  ec2.destroy();
  const s3 = new S3Client({
    region: REGION,
    credentials: fleet,
    forcePathStyle: true,
    maxAttempts: 1,
  });
  await s3.send(
    new CreateBucketCommand({
      Bucket: BUCKET,
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
  s3.destroy();
}, 60_000);

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const env = (credentials: TestCredentials): Record<string, string> => ({
  ...motoEnv(REGION),
  ...credentialEnv(credentials),
});

describe('actions/dist/fleet-check run as the runner runs it', () => {
  it('checks this machine (targets local) with the embedded script: blocks (exit 1) with outputs and a job summary', async () => {
    // check-settings refuses ASSETGUARD_ROOT; set in the environment, it points the script at the
    // planted tree (and the run says so).
    const result = await runAction(
      'fleet-check',
      { targets: 'local' },
      { ASSETGUARD_ROOT: badRoot },
    );
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({
      verdict: 'block',
      total: String(failingChecks),
      hosts: '1',
      unchecked: '0',
      imported: '0',
      'report-dir': 'assetguard-reports/fleet-check',
    });
    expect(result.stdout).toContain('running the host check on this machine');
    expect(result.stdout).toMatch(
      /::error::fleet-check: blocked: \d+ failing checks at or above HIGH/,
    );
    expect(shownText(result.summary)).toMatch(
      /^## assetguard fleet-check: ❌ BLOCKED — this machine/,
    );
    expect(shownText(result.summary)).toContain('| HIGH | U-01 | web-1 |');
    // The planted tree has no /etc/machine-id, and the environment chose the tree: both said.
    expect(shownText(result.summary)).toContain(
      `host/web-1 (web-1): ASSETGUARD_ROOT=${badRoot} in the environment: the script checked that, not this machine's own /`,
    );
  });

  it('a copy of the bundle alone, outside the repository, still carries the script', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ag-fleet-bundle-'));
    dirs.push(dir);
    // The bundle is its directory: index.js, the chunks it loads, the OIDC stub (scripts/build.mjs).
    const bundle = join(ROOT, 'actions/dist/fleet-check');
    for (const file of readdirSync(bundle)) copyFileSync(join(bundle, file), join(dir, file));
    writeFileSync(join(dir, 'out'), '');
    const inputs = Object.fromEntries(
      Object.entries(FLEET_CHECK_INPUTS).map(([name, spec]) => [
        `INPUT_${name.toUpperCase()}`,
        'default' in spec ? spec.default : '',
      ]),
    );
    const run = spawnSync(process.execPath, [join(dir, 'index.js')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        ...inputs,
        INPUT_TARGETS: 'local',
        'INPUT_FAIL-ON': 'none',
        ASSETGUARD_ROOT: badRoot,
        GITHUB_OUTPUT: join(dir, 'out'),
      },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(parseOutputFile(readFileSync(join(dir, 'out'), 'utf8'))).toMatchObject({
      verdict: 'pass',
      total: String(failingChecks),
      hosts: '1',
    });
    const checks = JSON.parse(
      readFileSync(join(dir, 'assetguard-reports/fleet-check/checks.json'), 'utf8'),
    ) as {
      hosts: { hostname: string; problems: string[]; results: unknown[] }[];
    };
    expect(checks.hosts[0]).toMatchObject({ hostname: 'web-1', problems: [] });
  });

  it('imports the local check into Security Hub (the demo: this machine into moto)', async () => {
    const result = await runAction(
      'fleet-check',
      {
        targets: 'local',
        'import-to-securityhub': 'true',
        'fail-on': 'none',
      },
      { ...env(local), ASSETGUARD_ROOT: badRoot },
    );
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ verdict: 'pass', imported: String(failingChecks) });
    expect(result.stdout).toContain(
      `Security Hub ${LOCAL_ACCOUNT} ${REGION}: ${failingChecks} finding(s) imported, 0 archived`,
    );
    const hub = new SecurityHubClient({ region: REGION, credentials: local, maxAttempts: 1 });
    const findings = (await hub.send(new GetFindingsCommand({ MaxResults: 100 }))).Findings ?? [];
    hub.destroy();
    expect(findings.map((finding) => finding.Id)).toContain(
      `assetguard/fleet-check/${LOCAL_ACCOUNT}/${REGION}/host/web-1/U-01`,
    );
    expect(findings).toHaveLength(failingChecks);
  });

  it('fails closed (exit 2) when Run Command reaches the instances but no output arrives in S3', async () => {
    const result = await runAction(
      'fleet-check',
      { targets: 'Fleet=dist', 'output-bucket': BUCKET, timeout: '1m' },
      env(fleet),
    );
    expect(result.exitCode).toBe(2);
    expect(result.outputs).toMatchObject({
      verdict: 'error',
      hosts: '0',
      unchecked: '2',
      total: '0',
    });
    expect(result.stdout).toMatch(
      new RegExp(
        `::error::fleet-check: could not decide: 2 problem\\(s\\) kept the fleet check from deciding`,
      ),
    );
    expect(result.stdout).toMatch(
      new RegExp(
        `Run Command says Success but s3://${BUCKET}/assetguard/fleet-check/[0-9a-f-]{36}/i-[0-9a-f]+/awsrunShellScript/0\\.awsrunShellScript/stdout does not exist`,
      ),
    );
    expect(shownText(result.summary)).toMatch(
      /^## assetguard fleet-check: ⚠️ COULD NOT DECIDE — Fleet=dist, eu-central-2/,
    );
  });

  it('refuses ASSETGUARD_ROOT through check-settings (exit 2): a run checks the host it runs on', async () => {
    const result = await runAction('fleet-check', {
      targets: 'local',
      'check-settings': `ASSETGUARD_ROOT=${badRoot}`,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(
      '::error::fleet-check: check-settings: ASSETGUARD_ROOT cannot be set here',
    );
  });

  it('exits 2 naming the input when Run Command targets come without an output bucket', async () => {
    const result = await runAction('fleet-check', { targets: 'Fleet=dist' }, env(fleet));
    expect(result.exitCode).toBe(2);
    expect(result.outputs.verdict).toBe('error');
    expect(result.stdout).toContain(
      '::error::fleet-check: output-bucket: required to check instances',
    );
  });

  it('exits 2 when AWS cannot be reached', async () => {
    const result = await runAction(
      'fleet-check',
      { targets: 'Fleet=dist', 'output-bucket': BUCKET },
      { ...env(fleet), AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' },
    );
    expect(result.exitCode).toBe(2);
    expect(result.outputs.verdict).toBe('error');
    expect(result.stdout).toContain('could not decide: could not identify the AWS account');
  });
});

describe('assetguard fleet-check (the CLI bundle)', () => {
  const CLI = join(ROOT, 'actions/dist/cli/index.js');

  it('declares a flag per input', () => {
    const help = spawnSync(process.execPath, [CLI, 'fleet-check', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const [name, spec] of Object.entries(FLEET_CHECK_INPUTS)) {
      expect(help.stdout).toContain('flag' in spec ? `--${name} ` : `--${name} <value>`);
    }
  });

  it('checks this machine and prints the summary on stdout, the outcome on stderr', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ag-fleet-cli-'));
    dirs.push(cwd);
    const run = spawnSync(
      process.execPath,
      [CLI, 'fleet-check', '--targets', 'local', '--output-dir', 'reports'],
      { cwd, env: { PATH: process.env.PATH, ASSETGUARD_ROOT: badRoot }, encoding: 'utf8' },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^## assetguard fleet-check: ❌ BLOCKED — this machine/);
    expect(run.stderr).toMatch(/fleet-check: blocked: \d+ failing checks at or above HIGH/);
    expect(readFileSync(join(cwd, 'reports/checks.csv'), 'utf8')).toContain(',U-01,,HIGH,FAIL,');
  });
});
