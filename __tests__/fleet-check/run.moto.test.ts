import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  SSMClient,
  type SendCommandCommandInput,
  type SendCommandCommandOutput,
} from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { fleetCheck, type FleetCheckOptions } from '../../actions/src/fleet-check/run';
import { parseFleetCheckInputs } from '../../actions/src/fleet-check/inputs';
import { parseHostCheckOutput, runHostCheckLocally } from '../../actions/src/sources/host-check';
import { HOST_CHECK_SCRIPT } from '../../actions/src/sources/host-check-script';
import { isolatedAccount, type TestCredentials } from '../fixtures/moto-estate';
import { plantCleanHost, plantMisconfiguredHost, runScript } from './planted-host';

// The fleet check against moto: EC2 instances with tags in two member accounts, STS AssumeRole
// from a central account (moto maps the assumed credentials to the account in the role ARN),
// SSM SendCommand / ListCommands / GetCommandInvocation, S3 output and Security Hub
// BatchImportFindings read back with GetFindings.
//
// moto 5.2.1 resolves Run Command tag targets to its EC2 instances and answers every invocation
// Success, but it runs nothing and writes no output to S3. So this test plays the instances: right
// after SendCommand returns (a middleware on the member's SSM client), it writes each instance's
// stdout to S3 at the key layout Run Command uses,
//   <prefix>/<CommandId>/<InstanceId>/awsrunShellScript/0.awsrunShellScript/stdout,
// and that stdout is the output of the real script (scripts/fleet/host-check.sh), run here on
// throwaway trees with planted misconfigurations or a clean configuration.
//
// Unique accounts and a bucket of their own, so parallel suites on the shared moto never collide.

const REGION = 'ap-northeast-2';
const CENTRAL = '771000000001';
const M1 = '771000000011';
const M2 = '771000000012';
/** A member whose role cannot be assumed: moto accepts every AssumeRole, so the test refuses it. */
const M3 = '771000000013';
const LOCAL = '771000000021';
const BUCKET = 'ag-fleet-output-771000000001';
const TAG = { Key: 'Fleet', Value: 'kisa-moto' };
const NOW = new Date('2026-05-04T08:00:00Z');

let central: TestCredentials;
const members = new Map<string, TestCredentials>();
const roots: string[] = [];
let badRoot: string;
let badOutput: string;
let goodOutput: string;
/** Instance ids per member account, in the order: A, B, C (M1) and D (M2). */
let A: string;
let B: string;
let C: string;
let D: string;
/** What each instance "prints" in the current run; undefined: it writes no output. */
let outputs = new Map<string, string | undefined>();
const sent: SendCommandCommandInput[] = [];

async function launch(
  credentials: TestCredentials,
  tags: boolean,
  count: number,
): Promise<string[]> {
  const ec2 = new EC2Client({ region: REGION, credentials, maxAttempts: 1 });
  try {
    const answer = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-12c6146b',
        MinCount: count,
        MaxCount: count,
        ...(tags && { TagSpecifications: [{ ResourceType: 'instance', Tags: [TAG] }] }),
      }),
    );
    return (answer.Instances ?? []).map((instance) => instance.InstanceId ?? '');
  } finally {
    ec2.destroy();
  }
}

beforeAll(async () => {
  central = await isolatedAccount(CENTRAL);
  for (const account of [M1, M2, LOCAL]) members.set(account, await isolatedAccount(account));
  const s3 = new S3Client({
    region: REGION,
    credentials: central,
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
  [A, B, C] = (await launch(members.get(M1)!, true, 3)) as [string, string, string];
  await launch(members.get(M1)!, false, 1);
  [D] = (await launch(members.get(M2)!, true, 1)) as [string];
  badRoot = plantMisconfiguredHost();
  const goodRoot = plantCleanHost();
  roots.push(badRoot, goodRoot);
  badOutput = runScript(badRoot).stdout;
  goodOutput = runScript(goodRoot, { ASSETGUARD_DISK_MAX_PCT: '100' }).stdout;
}, 120_000);

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/**
 * The instances' side of Run Command: each instance the command reached (moto lists them in the
 * answer, resolved from the tag targets) writes its stdout where the agent would.
 */
async function writeOutputs(
  input: SendCommandCommandInput,
  output: SendCommandCommandOutput,
): Promise<void> {
  const s3 = new S3Client({
    region: REGION,
    credentials: central,
    forcePathStyle: true,
    maxAttempts: 1,
  });
  try {
    const commandId = output.Command?.CommandId ?? '';
    for (const id of output.Command?.InstanceIds ?? []) {
      const text = outputs.get(id);
      if (text === undefined) continue;
      await s3.send(
        new PutObjectCommand({
          Bucket: input.OutputS3BucketName,
          Key: `${input.OutputS3KeyPrefix}/${commandId}/${id}/awsrunShellScript/0.awsrunShellScript/stdout`,
          Body: text,
        }),
      );
    }
  } finally {
    s3.destroy();
  }
}

const options: FleetCheckOptions = {
  clients: (region, credentials) => {
    const config = { region, maxAttempts: 1, credentials: credentials ?? central };
    const ssm = new SSMClient(config);
    ssm.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'SendCommandCommand') {
          const input = args.input as SendCommandCommandInput;
          sent.push(input);
          await writeOutputs(input, result.output);
        }
        return result;
      },
      { step: 'initialize', name: 'instancesWriteTheirOutput' },
    );
    return {
      ssm: () => Promise.resolve(ssm),
      ec2: () => Promise.resolve(new EC2Client(config)),
      securityhub: () => Promise.resolve(new SecurityHubClient(config)),
    };
  },
  central: (region) => {
    const sts = new STSClient({ region, credentials: central, maxAttempts: 1 });
    sts.middlewareStack.add(
      (next) => async (args) => {
        const { RoleArn } = args.input as { RoleArn?: string };
        if (RoleArn?.includes(`::${M3}:`)) {
          // What STS answers when the member role's trust policy does not name the caller.
          throw Object.assign(
            new Error(
              `User: arn:aws:sts::${CENTRAL}:assumed-role/x is not authorized to perform: sts:AssumeRole on resource: ${RoleArn}`,
            ),
            { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } },
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'memberRoleRefusesTheCaller' },
    );
    return {
      sts,
      s3: () =>
        Promise.resolve(
          new S3Client({ region, credentials: central, forcePathStyle: true, maxAttempts: 1 }),
        ),
    };
  },
  pollMs: 10,
  runId: '4242',
};

function deps(log: string[]) {
  return {
    clock: { now: () => NOW, sleep: async () => {} },
    log: (line: string) => {
      log.push(line);
    },
    ...options,
  };
}

function policyFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ag-fleet-policy-'));
  roots.push(dir);
  const file = join(dir, 'assetguard.yml');
  writeFileSync(file, 'version: 1\nexceptions: []\n');
  return file;
}

async function activeAndArchived(
  account: string,
): Promise<
  Map<string, { state?: string; compliance?: string; createdAt?: string; resource?: string }>
> {
  const client = new SecurityHubClient({
    region: REGION,
    credentials: members.get(account)!,
    maxAttempts: 1,
  });
  try {
    const answer = await client.send(new GetFindingsCommand({ MaxResults: 100 }));
    return new Map(
      (answer.Findings ?? [])
        .filter((finding) => finding.GeneratorId?.startsWith('assetguard/fleet-check/'))
        .map((finding) => [
          finding.Id ?? '',
          {
            state: finding.RecordState,
            compliance: finding.Compliance?.Status,
            createdAt: finding.CreatedAt,
            resource: finding.Resources?.[0]?.Id,
          },
        ]),
    );
  } finally {
    client.destroy();
  }
}

const failing = (text: string): string[] =>
  parseHostCheckOutput(text)
    .results.filter((result) => result.status === 'FAIL')
    .map((result) =>
      result.item === undefined
        ? result.check
        : `${result.check}/${encodeURIComponent(result.item)}`,
    );

describe('fleet-check through Run Command on moto, across member accounts', () => {
  const reports = mkdtempSync(join(tmpdir(), 'ag-fleet-reports-'));
  roots.push(reports);
  let firstRunImported: Map<
    string,
    { state?: string; compliance?: string; createdAt?: string; resource?: string }
  >;

  it('reports every host it could check and each one it could not, imports the FAILs, and exits 2', async () => {
    // A: misconfigured; B: clean; C: writes no output (its instance profile may not write to S3);
    // D: an output with a line that is not JSON.
    outputs = new Map([
      [A, badOutput],
      [B, goodOutput],
      [C, undefined],
      [D, goodOutput.replace(/\n/, '\nsh: 12: syntax error\n')],
    ]);
    const log: string[] = [];
    const inputs = parseFleetCheckInputs(
      (name) =>
        ({
          targets: `${TAG.Key}=${TAG.Value}`,
          accounts: `${M1},${M2},${M3}`,
          'output-bucket': BUCKET,
          region: REGION,
          timeout: '2m',
          'import-to-securityhub': 'true',
          'check-settings': 'ASSETGUARD_ZOMBIE_MAX=5',
          policy: policyFile(),
          'output-dir': join(reports, 'first'),
        })[name],
    );
    const run = await fleetCheck(inputs, deps(log));

    expect(run.outcome.exitCode).toBe(2);
    expect(run.verdict.verdict).toBe('error');
    const problems = run.verdict.error?.split('\n').slice(1) ?? [];
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^account ${M3}: could not assume arn:aws:iam::${M3}:role/assetguard-fleet-check: AccessDenied: .* — grant sts:AssumeRole$`,
          ),
        ),
        expect.stringMatching(
          new RegExp(
            `^${C} in ${M1}: Run Command says Success but s3://${BUCKET}/assetguard/fleet-check/[0-9a-f-]{36}/${C}/awsrunShellScript/0\\.awsrunShellScript/stdout does not exist`,
          ),
        ),
        expect.stringMatching(
          new RegExp(
            `^${D} \\(db-1\\) in ${M2}: output: line 2 is not JSON: "sh: 12: syntax error"$`,
          ),
        ),
      ]),
    );
    expect(problems).toHaveLength(3);

    // What could be checked is still reported: the misconfigured host's failing checks block.
    const expectedFailing = failing(badOutput);
    expect(run.verdict.counts).toMatchObject({
      hosts: 2,
      unchecked: 3,
      total: expectedFailing.length,
    });
    expect(run.verdict.blocking.map((entry) => entry.id)).toEqual(
      expect.arrayContaining(['U-01', 'U-44', 'U-13', 'U-15']),
    );
    expect(new Set(run.verdict.blocking.map((entry) => entry.resource))).toEqual(
      new Set([`arn:aws:ec2:${REGION}:${M1}:instance/${A}`]),
    );
    expect(run.verdict.subject.accounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ accountId: M1, status: 'checked', instances: 3 }),
        expect.objectContaining({ accountId: M2, status: 'checked', instances: 1 }),
        expect.objectContaining({ accountId: M3, status: 'unreachable' }),
      ]),
    );
    expect(log).toContain(`account ${M1}: assumed assetguard-fleet-check`);
    expect(
      log.some((line) =>
        new RegExp(
          `^account ${M1}: Run Command [0-9a-f-]{36} Success, 3 of 3 instance\\(s\\) done`,
        ).test(line),
      ),
    ).toBe(true);

    // What was sent: the script (with its settings) as the commands of AWS-RunShellScript, by tag.
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      Targets: [{ Key: 'tag:Fleet', Values: ['kisa-moto'] }],
      OutputS3BucketName: BUCKET,
      OutputS3KeyPrefix: 'assetguard/fleet-check',
      MaxErrors: '100%',
      TimeoutSeconds: 120,
      Parameters: { executionTimeout: ['120'] },
    });
    expect(sent[0]?.Parameters?.commands).toEqual([
      HOST_CHECK_SCRIPT.replace('#!/bin/sh\n', "#!/bin/sh\nexport ASSETGUARD_ZOMBIE_MAX='5'\n"),
    ]);

    // Security Hub of M1 holds A's failing checks, ACTIVE and FAILED, under deterministic ids.
    firstRunImported = await activeAndArchived(M1);
    const ids = expectedFailing.map(
      (check) => `assetguard/fleet-check/${M1}/${REGION}/${A}/${check}`,
    );
    expect([...firstRunImported.keys()].sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(firstRunImported.get(id)).toMatchObject({
        state: 'ACTIVE',
        compliance: 'FAILED',
        resource: `arn:aws:ec2:${REGION}:${M1}:instance/${A}`,
      });
    }
    expect(run.outputs).toMatchObject({
      verdict: 'error',
      imported: expectedFailing.length,
      hosts: 2,
      unchecked: 3,
    });
    expect(run.verdict.subject.securityHub).toEqual([
      { accountId: M1, region: REGION, imported: expectedFailing.length, archived: 0, refused: [] },
      { accountId: M2, region: REGION, imported: 0, archived: 0, refused: [] },
    ]);

    // The reports: every line of every host, and a row per problem.
    const checks = JSON.parse(readFileSync(join(reports, 'first/checks.json'), 'utf8')) as {
      hosts: { instanceId: string; problems: string[]; results: unknown[] }[];
    };
    expect(checks.hosts.map((host) => host.instanceId).sort()).toEqual([A, B, C, D].sort());
    expect(checks.hosts.find((host) => host.instanceId === A)?.results).toHaveLength(
      parseHostCheckOutput(badOutput).results.length,
    );
    const csv = readFileSync(join(reports, 'first/checks.csv'), 'utf8');
    expect(csv).toContain(
      `${M1},${REGION},arn:aws:ec2:${REGION}:${M1}:instance/${C},,,,,UNCHECKED`,
    );
    expect(readFileSync(join(reports, 'first/summary.md'), 'utf8')).toMatch(
      /^## assetguard fleet-check: ⚠️ COULD NOT DECIDE — `Fleet=kisa-moto` in 3 accounts, ap-northeast-2/,
    );
  });

  it('a second run where the checks pass again archives their findings under the same ids', async () => {
    outputs = new Map([
      [A, goodOutput],
      [B, goodOutput],
      [C, goodOutput],
      [D, goodOutput],
    ]);
    const inputs = parseFleetCheckInputs(
      (name) =>
        ({
          targets: `${TAG.Key}=${TAG.Value}`,
          accounts: `${M1},${M2}`,
          'output-bucket': BUCKET,
          region: REGION,
          'import-to-securityhub': 'true',
          policy: policyFile(),
          'output-dir': join(reports, 'second'),
        })[name],
    );
    const later = new Date(NOW.getTime() + 86_400_000);
    const run = await fleetCheck(inputs, {
      ...deps([]),
      clock: { now: () => later, sleep: async () => {} },
    });

    const stillFailing = new Set(failing(goodOutput));
    const passAgain = failing(badOutput).filter((check) => !stillFailing.has(check));
    expect(passAgain.length).toBeGreaterThan(5);
    const after = await activeAndArchived(M1);
    for (const check of passAgain) {
      const id = `assetguard/fleet-check/${M1}/${REGION}/${A}/${check}`;
      expect(after.get(id)).toMatchObject({
        state: 'ARCHIVED',
        compliance: 'PASSED',
        // Same finding, updated in place: it keeps the date it was first created.
        createdAt: firstRunImported.get(id)?.createdAt,
      });
    }
    expect(run.verdict.subject.securityHub?.[0]).toMatchObject({
      accountId: M1,
      archived: passAgain.length,
    });
    expect(run.verdict.counts).toMatchObject({ hosts: 4, unchecked: 0 });
    // The clean host fails only what depends on who owns the planted files (not root in CI).
    expect(run.outcome.exitCode).toBe(stillFailing.size === 0 ? 0 : 1);
  });
});

describe('fleet-check of this machine (targets local) on moto', () => {
  it('checks the planted tree with no Run Command and imports its FAILs into the local Security Hub', async () => {
    const local = members.get(LOCAL)!;
    const dir = mkdtempSync(join(tmpdir(), 'ag-fleet-local-'));
    roots.push(dir);
    const inputs = parseFleetCheckInputs(
      (name) =>
        ({
          targets: 'local',
          region: REGION,
          'import-to-securityhub': 'true',
          policy: policyFile(),
          'output-dir': dir,
        })[name],
    );
    const run = await fleetCheck(inputs, {
      ...deps([]),
      // check-settings refuses ASSETGUARD_ROOT: the test points the script at the planted tree.
      runLocal: (local) =>
        runHostCheckLocally({
          ...local,
          settings: { ...local.settings, ASSETGUARD_ROOT: badRoot },
        }),
      clients: (region) => {
        const config = { region, maxAttempts: 1, credentials: local };
        return {
          ssm: () => Promise.resolve(new SSMClient(config)),
          ec2: () => Promise.resolve(new EC2Client(config)),
          securityhub: () => Promise.resolve(new SecurityHubClient(config)),
        };
      },
      central: (region) => ({
        sts: new STSClient({ region, credentials: local, maxAttempts: 1 }),
        s3: () => Promise.resolve(new S3Client({ region, credentials: local, maxAttempts: 1 })),
      }),
    });
    expect(run.verdict.verdict).toBe('block');
    expect(run.outcome.exitCode).toBe(1);
    expect(run.verdict.subject.hosts).toEqual([
      expect.objectContaining({
        resource: 'host/web-1',
        hostname: 'web-1',
        accountId: LOCAL,
        region: REGION,
        problems: [],
      }),
    ]);
    const imported = await activeAndArchived(LOCAL);
    expect(imported.get(`assetguard/fleet-check/${LOCAL}/${REGION}/host/web-1/U-01`)).toMatchObject(
      {
        state: 'ACTIVE',
        compliance: 'FAILED',
        resource: 'host/web-1',
      },
    );
    expect(imported.size).toBe(failing(badOutput).length);
  });
});
