import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { parseFleetCheckInputs } from '../../actions/src/fleet-check/inputs';
import { fleetCheck } from '../../actions/src/fleet-check/run';
import { HOST_CHECK_IDS, type LocalRun } from '../../actions/src/sources/host-check';
import { isolatedAccount, type TestCredentials } from '../fixtures/moto-estate';

// Findings that stop appearing are archived, against moto's Security Hub: a fleet check of this
// machine (targets local, the script's output given by the test) imports a RES-DISK finding of a
// mount point, and the next complete run, where that mount point is gone, archives it. A run
// whose output is not complete archives nothing. Two machines of one host name keep their own.
//
// An account and region of this file's own, so parallel suites on the shared moto never collide.

const REGION = 'ap-northeast-3';
const ACCOUNT = '774000000001';
const MACHINE_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const MACHINE_B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

let credentials: TestCredentials;
const dirs: string[] = [];

beforeAll(async () => {
  credentials = await isolatedAccount(ACCOUNT);
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const line = (fields: Record<string, unknown>): string => JSON.stringify(fields);

/** What the script prints on a machine: every check PASS but the FAILs named, per disk `disks`. */
function output(options: {
  machine: string;
  failing: string[];
  disks: Record<string, 'PASS' | 'FAIL'>;
  omit?: string;
}): string {
  const lines = HOST_CHECK_IDS.filter((id) => id !== options.omit).flatMap((id) =>
    id === 'RES-DISK'
      ? Object.entries(options.disks).map(([item, status]) =>
          line({
            check: id,
            title: `disk use of ${item}`,
            severity: 'MEDIUM',
            status,
            detail: status,
            item,
          }),
        )
      : [
          line({
            check: id,
            title: `${id} title`,
            severity: 'HIGH',
            status: options.failing.includes(id) ? 'FAIL' : 'PASS',
            detail: 'd',
          }),
        ],
  );
  const host = line({
    check: 'HOST',
    title: 'assetguard host check',
    severity: 'INFORMATIONAL',
    status: 'INFO',
    detail: 'script 2',
    item: 'localhost',
    machine: options.machine,
  });
  const end = line({
    check: 'END',
    title: 'assetguard host check finished',
    severity: 'INFORMATIONAL',
    status: 'INFO',
    detail: 'end',
    count: lines.length,
  });
  return [host, ...lines, end].join('\n');
}

async function checkAndImport(stdout: string, day: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ag-fleet-archive-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'policy.yml'), 'version: 1\n');
  const inputs = parseFleetCheckInputs(
    (name) =>
      ({
        targets: 'local',
        region: REGION,
        'import-to-securityhub': 'true',
        'fail-on': 'none',
        policy: join(dir, 'policy.yml'),
        'output-dir': dir,
      })[name],
  );
  const config = { region: REGION, maxAttempts: 1, credentials };
  return fleetCheck(inputs, {
    clock: {
      now: () => new Date(Date.parse('2026-05-04T08:00:00Z') + day * 86_400_000),
      sleep: async () => {},
    },
    log: () => {},
    runLocal: (): Promise<LocalRun> =>
      Promise.resolve({ stdout, stderr: '', exitCode: 0, timedOut: false }),
    clients: () => ({
      ssm: () => Promise.resolve(new SSMClient(config)),
      ec2: () => Promise.resolve(new EC2Client(config)),
      securityhub: () => Promise.resolve(new SecurityHubClient(config)),
    }),
    central: () => ({
      sts: new STSClient(config),
      s3: () => Promise.resolve(new S3Client(config)),
    }),
  });
}

async function states(): Promise<Record<string, string>> {
  const hub = new SecurityHubClient({ region: REGION, credentials, maxAttempts: 1 });
  try {
    const findings = (await hub.send(new GetFindingsCommand({ MaxResults: 100 }))).Findings ?? [];
    return Object.fromEntries(
      findings
        .filter((finding) => finding.GeneratorId?.startsWith('assetguard/fleet-check/'))
        .map((finding) => [
          (finding.Id ?? '').replace(`assetguard/fleet-check/${ACCOUNT}/${REGION}/`, ''),
          `${finding.RecordState ?? ''} ${finding.Compliance?.Status ?? ''}`,
        ]),
    );
  } finally {
    hub.destroy();
  }
}

describe('findings that stop appearing', () => {
  it('are archived by the next complete run of their host, and only by it', async () => {
    // Day 0: machine A fails U-01 and the disk /a/b; machine B, of the same host name, fails U-01.
    const first = await checkAndImport(
      output({ machine: MACHINE_A, failing: ['U-01'], disks: { '/': 'PASS', '/a/b': 'FAIL' } }),
      0,
    );
    expect(first.outcome.exitCode).toBe(0);
    await checkAndImport(
      output({ machine: MACHINE_B, failing: ['U-01'], disks: { '/': 'PASS' } }),
      0,
    );
    expect(await states()).toEqual({
      [`host/${MACHINE_A}/U-01`]: 'ACTIVE FAILED',
      [`host/${MACHINE_A}/RES-DISK/%2Fa%2Fb`]: 'ACTIVE FAILED',
      [`host/${MACHINE_B}/U-01`]: 'ACTIVE FAILED',
    });

    // Day 1: A's output lacks a check (not complete): nothing of A is archived.
    const incomplete = await checkAndImport(
      output({ machine: MACHINE_A, failing: [], disks: { '/': 'PASS' }, omit: 'U-02' }),
      1,
    );
    expect(incomplete.outcome.exitCode).toBe(2);
    expect(await states()).toMatchObject({
      [`host/${MACHINE_A}/U-01`]: 'ACTIVE FAILED',
      [`host/${MACHINE_A}/RES-DISK/%2Fa%2Fb`]: 'ACTIVE FAILED',
    });

    // Day 2: A checked completely, /a/b no longer mounted, U-01 passes: both archived; B's kept.
    const complete = await checkAndImport(
      output({ machine: MACHINE_A, failing: [], disks: { '/': 'PASS' } }),
      2,
    );
    expect(complete.outcome.exitCode).toBe(0);
    expect(complete.verdict.subject.securityHub?.[0]).toMatchObject({ imported: 0, archived: 2 });
    expect(await states()).toEqual({
      [`host/${MACHINE_A}/U-01`]: 'ARCHIVED PASSED',
      [`host/${MACHINE_A}/RES-DISK/%2Fa%2Fb`]: 'ARCHIVED NOT_AVAILABLE',
      [`host/${MACHINE_B}/U-01`]: 'ACTIVE FAILED',
    });
  });
});
