import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  BatchImportFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type SecurityHubClientResolvedConfig,
  type ServiceInputTypes as HubServiceInput,
  type ServiceOutputTypes as HubServiceOutput,
} from '@aws-sdk/client-securityhub';
import {
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
  type SSMClientResolvedConfig,
  type ServiceInputTypes as SSMServiceInput,
  type ServiceOutputTypes as SSMServiceOutput,
} from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { parseFleetCheckInputs } from '../../actions/src/fleet-check/inputs';
import { fleetCheck } from '../../actions/src/fleet-check/run';
import { readInstanceCheck, sendHostCheck, waitForCommand } from '../../actions/src/sources/fleet';
import { importFleetFindings } from '../../actions/src/sinks/securityhub-import';
import { fleetFindingId } from '../../actions/src/sources/host-check';
import { isolatedAccount, type TestCredentials } from '../fixtures/moto-estate';
import { plantMisconfiguredHost, runScript } from './planted-host';

// What moto 5.2.1 cannot express, on aws-sdk-client-mock with answers in the shapes of botocore's
// SSM and Security Hub models: invocations that failed, timed out, never existed or are still
// running; a command that never finishes; Security Hub refusing findings (FailedCount > 0).

const REGION = 'eu-south-2';
const ACCOUNT = '772000000001';
const COMMAND = '8f0c3a52-7d1e-4c4e-9a59-4f0d3c1b2a10';
const calls = {};

function invocation(status: string, extra: Record<string, unknown> = {}) {
  return {
    CommandId: COMMAND,
    InstanceId: 'i-0aaaaaaaaaaaaaaa1',
    DocumentName: 'AWS-RunShellScript',
    PluginName: 'aws:runShellScript',
    ResponseCode: -1,
    Status: status,
    StatusDetails: status,
    StandardOutputContent: '',
    StandardOutputUrl: '',
    StandardErrorContent: '',
    ...extra,
  } as never;
}

function read(ssm: SSMClient, s3 = new S3Client({ region: REGION })) {
  return readInstanceCheck(
    { ssm, s3 },
    {
      accountId: ACCOUNT,
      region: REGION,
      commandId: COMMAND,
      instanceId: 'i-0aaaaaaaaaaaaaaa1',
      bucket: 'fleet-out',
      prefix: 'runs',
      calls,
    },
  );
}

/** A class mock of SSMClient for each test, restored after it (mocks of one class replace each other). */
type SsmStub = AwsStub<SSMServiceInput, SSMServiceOutput, SSMClientResolvedConfig>;

function mockSsm(): { current: SsmStub } {
  const holder = {} as { current: SsmStub };
  beforeEach(() => {
    holder.current = mockClient(SSMClient);
  });
  afterEach(() => {
    holder.current.restore();
  });
  return holder;
}

describe('readInstanceCheck: an instance Run Command did not check is that instance’s problem', () => {
  const mocked = mockSsm();

  it.each([
    [
      'no invocation at all (no SSM agent, or no Systems Manager permission)',
      () =>
        mocked.current
          .on(GetCommandInvocationCommand)
          .rejects(new InvocationDoesNotExist({ message: 'no', $metadata: {} })),
      /^Run Command did not reach it: no invocation \(is the SSM agent running and registered, and may its instance profile use Systems Manager\? Security Hub control SSM\.1\)$/,
    ],
    [
      'a failed script, with its exit code and stderr',
      () =>
        mocked.current.on(GetCommandInvocationCommand).resolves(
          invocation('Failed', {
            ResponseCode: 2,
            StandardErrorContent: 'sh: 1: awk: not found\n',
          }),
        ),
      /^the check script failed on it: Failed, exit code 2; stderr: sh: 1: awk: not found$/,
    ],
    [
      'a delivery that timed out',
      () =>
        mocked.current
          .on(GetCommandInvocationCommand)
          .resolves(invocation('TimedOut', { StatusDetails: 'DeliveryTimedOut' })),
      /^Run Command timed out on it: TimedOut \(DeliveryTimedOut\)/,
    ],
    [
      'an undeliverable command',
      () =>
        mocked.current
          .on(GetCommandInvocationCommand)
          .resolves(invocation('Failed', { StatusDetails: 'Undeliverable' })),
      /^the check script failed on it: Failed \(Undeliverable\), exit code -1$/,
    ],
    [
      'an invocation still running when the wait ended',
      () =>
        mocked.current
          .on(GetCommandInvocationCommand)
          .resolves(invocation('InProgress', { StatusDetails: 'In Progress' })),
      /^the check had not finished on it when the wait ended: InProgress \(In Progress\)$/,
    ],
    [
      'a status outside the API’s enum',
      () => mocked.current.on(GetCommandInvocationCommand).resolves(invocation('Exploded')),
      /^GetCommandInvocation answered with an unknown Status \(Exploded\): not read as checked$/,
    ],
  ])('%s', async (_name, answer, problem) => {
    answer();
    const check = await read(new SSMClient({ region: REGION }));
    expect(check.output).toBeUndefined();
    expect(check.problems).toEqual([expect.stringMatching(problem)]);
    expect(check.resource.id).toBe(`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0aaaaaaaaaaaaaaa1`);
  });

  it('access denied is the account’s failure, naming the permission', async () => {
    mocked.current.on(GetCommandInvocationCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: {},
      }),
    );
    await expect(read(new SSMClient({ region: REGION }))).rejects.toThrow(
      /could not read the Run Command invocation of i-0aaaaaaaaaaaaaaa1: AccessDeniedException: not authorized — grant ssm:GetCommandInvocation/,
    );
  });

  it('an output S3 will not give is the account’s failure, naming s3:GetObject', async () => {
    mocked.current
      .on(GetCommandInvocationCommand)
      .resolves(invocation('Success', { ResponseCode: 0 }));
    const s3 = mockClient(S3Client);
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('Access Denied'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    try {
      await expect(read(new SSMClient({ region: REGION }))).rejects.toThrow(
        /could not read the host check output s3:\/\/fleet-out\/runs\/8f0c3a52-7d1e-4c4e-9a59-4f0d3c1b2a10\/i-0aaaaaaaaaaaaaaa1\/awsrunShellScript\/0\.awsrunShellScript\/stdout: AccessDenied: Access Denied — grant s3:GetObject/,
      );
    } finally {
      s3.restore();
    }
  });
});

describe('waitForCommand', () => {
  const mocked = mockSsm();

  function clock() {
    let now = Date.parse('2026-05-04T08:00:00Z');
    return {
      now: () => new Date(now),
      sleep: (ms: number) => {
        now += ms;
        return Promise.resolve();
      },
    };
  }

  it('polls until the deadline with progress lines on the injected clock, then says it did not finish', async () => {
    mocked.current.on(ListCommandsCommand).resolves({
      Commands: [
        {
          CommandId: COMMAND,
          Status: 'InProgress',
          TargetCount: 4,
          CompletedCount: 1,
          ErrorCount: 0,
        },
      ],
    });
    const log: string[] = [];
    const time = clock();
    const wait = await waitForCommand(new SSMClient({ region: REGION }), COMMAND, {
      deadline: time.now().getTime() + 60_000,
      clock: time,
      log: (line) => log.push(line),
      label: `account ${ACCOUNT}`,
      calls: {},
      pollMs: 5_000,
    });
    expect(wait).toEqual({ status: 'InProgress', unfinished: true });
    // 13 polls in a minute; a line when something changes and every 30 s meanwhile.
    expect(mocked.current.commandCalls(ListCommandsCommand)).toHaveLength(13);
    expect(log).toEqual(
      Array.from(
        { length: 3 },
        () =>
          `account ${ACCOUNT}: Run Command ${COMMAND} InProgress, 1 of 4 instance(s) done, 0 failed`,
      ),
    );
  });

  it('stops at a terminal status', async () => {
    mocked.current
      .on(ListCommandsCommand)
      .resolvesOnce({ Commands: [{ CommandId: COMMAND, Status: 'Pending' }] })
      .resolves({
        Commands: [
          {
            CommandId: COMMAND,
            Status: 'Failed',
            TargetCount: 2,
            CompletedCount: 2,
            ErrorCount: 1,
          },
        ],
      });
    const time = clock();
    const wait = await waitForCommand(new SSMClient({ region: REGION }), COMMAND, {
      deadline: time.now().getTime() + 600_000,
      clock: time,
      log: () => {},
      label: 'x',
      calls: {},
    });
    expect(wait).toEqual({ status: 'Failed', unfinished: false });
  });

  it('refuses an answer without the command', async () => {
    mocked.current.on(ListCommandsCommand).resolves({ Commands: [] });
    const time = clock();
    await expect(
      waitForCommand(new SSMClient({ region: REGION }), COMMAND, {
        deadline: time.now().getTime() + 60_000,
        clock: time,
        log: () => {},
        label: 'x',
        calls: {},
      }),
    ).rejects.toThrow(
      /ListCommands answered for 8f0c3a52-7d1e-4c4e-9a59-4f0d3c1b2a10 without the command/,
    );
  });

  it('sendHostCheck refuses an answer without a CommandId', async () => {
    mocked.current.on(SendCommandCommand).resolves({});
    await expect(
      sendHostCheck(new SSMClient({ region: REGION }), {
        targets: { kind: 'instances', ids: ['i-0aaaaaaaaaaaaaaa1'] },
        script: 'true',
        bucket: 'b0b',
        prefix: '',
        timeoutSeconds: 60,
        calls: {},
      }),
    ).rejects.toThrow('SendCommand answered without a CommandId (an empty or malformed body)');
  });
});

describe('importFleetFindings: every answer is checked', () => {
  let hub: AwsStub<HubServiceInput, HubServiceOutput, SecurityHubClientResolvedConfig>;
  beforeEach(() => {
    hub = mockClient(SecurityHubClient);
  });
  afterEach(() => {
    hub.restore();
  });
  const host = {
    resource: {
      id: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0aaaaaaaaaaaaaaa1`,
      type: 'AWS::EC2::Instance',
      region: REGION,
      accountId: ACCOUNT,
    },
    instanceId: 'i-0aaaaaaaaaaaaaaa1',
  };
  const results = Array.from({ length: 150 }, (_, index) => ({
    check: `U-${100 + index}`,
    title: 'a check',
    severity: 'HIGH' as const,
    status: 'FAIL' as const,
    detail: 'fails',
  }));
  const request = () => ({
    accountId: ACCOUNT,
    region: REGION,
    hosts: [{ host, results, complete: true }],
    now: new Date('2026-05-04T08:00:00Z'),
    log: () => {},
    calls: {},
  });

  it('sends at most 100 findings per call and returns those Security Hub refused, with why', async () => {
    hub.on(GetFindingsCommand).resolves({ Findings: [] });
    hub
      .on(BatchImportFindingsCommand)
      .resolvesOnce({
        FailedCount: 1,
        SuccessCount: 99,
        FailedFindings: [
          {
            Id: fleetFindingId(host, { check: 'U-100' }),
            ErrorCode: 'InvalidInput',
            ErrorMessage: 'Finding exceeds 240 KB',
          },
        ],
      })
      .resolves({ FailedCount: 0, SuccessCount: 50, FailedFindings: [] });
    const outcome = await importFleetFindings(new SecurityHubClient({ region: REGION }), request());
    const sentSizes = hub
      .commandCalls(BatchImportFindingsCommand)
      .map((call) => call.args[0].input.Findings?.length);
    expect(sentSizes).toEqual([100, 50]);
    expect(outcome).toMatchObject({
      imported: 149,
      archived: 0,
      refused: [
        {
          id: `assetguard/fleet-check/${ACCOUNT}/${REGION}/i-0aaaaaaaaaaaaaaa1/U-100`,
          code: 'InvalidInput',
          message: 'Finding exceeds 240 KB',
        },
      ],
      calls: 2,
    });
  });

  it('refuses an answer whose counts do not add up', async () => {
    hub.on(GetFindingsCommand).resolves({ Findings: [] });
    hub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 7 });
    await expect(
      importFleetFindings(new SecurityHubClient({ region: REGION }), request()),
    ).rejects.toThrow(
      /BatchImportFindings answered counts that do not add up for 100 finding\(s\) \(SuccessCount 7, FailedCount 0/,
    );
  });
});

describe('a run where one instance failed: the others are still reported and imported', () => {
  const mocked = mockSsm();
  let credentials: TestCredentials;
  let good: string;
  let failed: string;
  let root: string;
  const BUCKET = 'ag-fleet-mock-772000000001';

  beforeAll(async () => {
    // EC2, S3 and Security Hub are moto (an account of this file's own); only SSM is mocked.
    credentials = await isolatedAccount(ACCOUNT);
    const ec2 = new EC2Client({ region: REGION, credentials, maxAttempts: 1 });
    const launched = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-12c6146b',
        MinCount: 2,
        MaxCount: 2,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Fleet', Value: 'mock' }] }],
      }),
    );
    ec2.destroy();
    [good, failed] = (launched.Instances ?? [])
      .map((instance) => instance.InstanceId ?? '')
      .sort() as [string, string];
    root = plantMisconfiguredHost();
    const s3 = new S3Client({ region: REGION, credentials, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(
      new CreateBucketCommand({
        Bucket: BUCKET,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `assetguard/fleet-check/${COMMAND}/${good}/awsrunShellScript/0.awsrunShellScript/stdout`,
        Body: runScript(root).stdout,
      }),
    );
    s3.destroy();
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('exits 2 naming the failed instance, with the good one’s findings blocking and imported', async () => {
    mocked.current
      .on(SendCommandCommand)
      .resolves({ Command: { CommandId: COMMAND, Status: 'Pending' } });
    mocked.current.on(ListCommandsCommand).resolves({
      Commands: [
        { CommandId: COMMAND, Status: 'Failed', TargetCount: 2, CompletedCount: 2, ErrorCount: 1 },
      ],
    });
    mocked.current
      .on(GetCommandInvocationCommand, { InstanceId: good })
      .resolves(invocation('Success', { InstanceId: good, ResponseCode: 0 }))
      .on(GetCommandInvocationCommand, { InstanceId: failed })
      .resolves(
        invocation('Failed', {
          InstanceId: failed,
          ResponseCode: 137,
          StandardErrorContent: 'Killed',
        }),
      );
    const dir = mkdtempSync(join(tmpdir(), 'ag-fleet-mock-'));
    writeFileSync(join(dir, 'policy.yml'), 'version: 1\n');
    const inputs = parseFleetCheckInputs(
      (name) =>
        ({
          targets: 'Fleet=mock',
          'output-bucket': BUCKET,
          region: REGION,
          'import-to-securityhub': 'true',
          policy: join(dir, 'policy.yml'),
          'output-dir': dir,
        })[name],
    );
    const config = { region: REGION, credentials, maxAttempts: 1 };
    const run = await fleetCheck(inputs, {
      clock: { now: () => new Date('2026-05-04T08:00:00Z'), sleep: async () => {} },
      log: () => {},
      clients: () => ({
        ssm: () => Promise.resolve(new SSMClient(config)),
        ec2: () => Promise.resolve(new EC2Client(config)),
        securityhub: () => Promise.resolve(new SecurityHubClient(config)),
      }),
      central: () => ({
        sts: new STSClient(config),
        s3: () => Promise.resolve(new S3Client({ ...config, forcePathStyle: true })),
      }),
    });
    rmSync(dir, { recursive: true, force: true });
    expect(run.outcome.exitCode).toBe(2);
    expect(run.verdict.error?.split('\n').slice(1)).toEqual([
      `${failed} in ${ACCOUNT}: the check script failed on it: Failed, exit code 137; stderr: Killed`,
    ]);
    expect(run.verdict.blocking.map((entry) => entry.resource)).toContain(
      `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${good}`,
    );
    expect(run.verdict.counts).toMatchObject({ hosts: 1, unchecked: 1 });
    const hub = new SecurityHubClient(config);
    const findings = (await hub.send(new GetFindingsCommand({}))).Findings ?? [];
    hub.destroy();
    expect(findings.length).toBe(run.verdict.counts.total);
    expect(new Set(findings.map((finding) => finding.Resources?.[0]?.Id))).toEqual(
      new Set([`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${good}`]),
    );
  });
});
