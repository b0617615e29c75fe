import {
  AccessDeniedException,
  BatchGetAccountStatusCommand,
  Inspector2Client,
  ListFindingsCommand,
  type Finding as InspectorFinding,
} from '@aws-sdk/client-inspector2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsError, UndecidedError } from '../../actions/src/core/errors';
import { listActiveFindings, toFinding } from '../../actions/src/sources/inspector';
import { readInspectorScanStatus } from '../../actions/src/sources/inspector-status';
import { functionFinding, imageFindingInUse, instanceFinding } from '../fixtures/report-estate';
import type { SeedFinding } from '../fixtures/seed';

const REGION = 'us-east-1';
const IMAGE = { repository: 'web', digest: `sha256:${'1'.repeat(64)}`, region: REGION };
const VULN: SeedFinding = {
  cve: 'CVE-2024-0001',
  severity: 'HIGH',
  packageName: 'openssl',
  installed: '3.0.1',
  fixed: '3.0.2',
};

/** The SDK-typed finding for the wire JSON: restJson timestamps are epoch seconds on the wire. */
function sdk(wire: Record<string, unknown>): InspectorFinding {
  return JSON.parse(JSON.stringify(wire), (key, value: unknown) =>
    [
      'firstObservedAt',
      'lastObservedAt',
      'updatedAt',
      'pushedAt',
      'lastInUseAt',
      'launchedAt',
    ].includes(key) && typeof value === 'number'
      ? new Date(value * 1000)
      : value,
  ) as InspectorFinding;
}

const inspectorMock = mockClient(Inspector2Client);
const client = new Inspector2Client({ region: REGION });
const log = (): void => undefined;

beforeEach(() => {
  inspectorMock.reset();
});

describe('listActiveFindings', () => {
  it('asks the server for ACTIVE findings of the three resource types, 100 per page, and follows empty pages that carry a token', async () => {
    const running = sdk(
      imageFindingInUse(IMAGE, VULN, { inUseCount: 2, lastInUseAt: 1_767_225_600 }),
    );
    const host = sdk(
      instanceFinding({ id: 'i-0abc', region: REGION }, { ...VULN, cve: 'CVE-2024-0002' }),
    );
    const fn = sdk(
      functionFinding(
        {
          arn: `arn:aws:lambda:${REGION}:123456789012:function:thumbs`,
          name: 'thumbs',
          region: REGION,
          roleArn: 'arn:aws:iam::123456789012:role/r',
        },
        { ...VULN, cve: 'CVE-2024-0003' },
      ),
    );
    inspectorMock
      .on(ListFindingsCommand)
      .resolvesOnce({ findings: [running], nextToken: 't1' })
      .resolvesOnce({ findings: [], nextToken: 't2' })
      .resolvesOnce({ findings: [host, fn] });
    const listed = await listActiveFindings(client, { log });
    expect(listed.calls).toBe(3);
    expect(listed.dropped).toBe(0);
    expect(listed.findings.map(({ finding }) => finding.resource.type)).toEqual([
      'AWS_ECR_CONTAINER_IMAGE',
      'AWS_EC2_INSTANCE',
      'AWS_LAMBDA_FUNCTION',
    ]);
    expect(listed.findings[0]?.use).toEqual({
      inUseCount: 2,
      lastInUse: '2026-01-01T00:00:00.000Z',
    });
    expect(listed.findings[1]?.use).toBeUndefined();
    // The paginator reuses one input object, so only the filter and the page size are compared.
    const first = inspectorMock.commandCalls(ListFindingsCommand)[0]?.args[0].input;
    expect(first).toMatchObject({
      maxResults: 100,
      filterCriteria: {
        findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
        resourceType: [
          { comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' },
          { comparison: 'EQUALS', value: 'AWS_EC2_INSTANCE' },
          { comparison: 'EQUALS', value: 'AWS_LAMBDA_FUNCTION' },
        ],
      },
    });
  });

  it('re-checks what the server was asked to filter: other statuses and resource types are dropped', async () => {
    inspectorMock.on(ListFindingsCommand).resolves({
      findings: [
        sdk(imageFindingInUse(IMAGE, { ...VULN, status: 'CLOSED' }, { inUseCount: 1 })),
        sdk(imageFindingInUse(IMAGE, VULN, { inUseCount: 1 }, 1)),
      ],
    });
    const listed = await listActiveFindings(client, {
      log,
      resourceTypes: ['AWS_EC2_INSTANCE'],
    });
    expect(listed).toMatchObject({ findings: [], dropped: 2, calls: 1 });
  });

  it('keeps toFinding as the scan gate uses it: the same Finding, without the in-use data', async () => {
    const raw = sdk(imageFindingInUse(IMAGE, VULN, { inUseCount: 5 }));
    inspectorMock.on(ListFindingsCommand).resolves({ findings: [raw] });
    const listed = await listActiveFindings(client, { log });
    expect(listed.findings[0]).toEqual({ finding: toFinding(raw), use: { inUseCount: 5 } });
  });

  it.each([
    [
      'a finding without severity',
      (raw: Record<string, unknown>) => delete raw.severity,
      /has no severity/,
    ],
    [
      'a lower-case severity',
      (raw: Record<string, unknown>) => (raw.severity = 'critical'),
      /has severity "critical", which is not one of/,
    ],
    [
      'a negative inUseCount',
      (raw: Record<string, unknown>) => {
        const [resource] = raw.resources as {
          details: { awsEcrContainerImage: { inUseCount: number } };
        }[];
        resource!.details.awsEcrContainerImage.inUseCount = -1;
      },
      /inUseCount -1, which is not a whole number ≥ 0/,
    ],
  ])('fails closed on %s, naming inspector2:ListFindings', async (_, spoil, message) => {
    const raw = sdk(imageFindingInUse(IMAGE, VULN, { inUseCount: 1 })) as unknown as Record<
      string,
      unknown
    >;
    spoil(raw);
    inspectorMock
      .on(ListFindingsCommand)
      .resolves({ findings: [raw as unknown as InspectorFinding] });
    const failure = listActiveFindings(client, { log });
    await expect(failure).rejects.toBeInstanceOf(UndecidedError);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.toThrow(/inspector2:ListFindings/);
  });

  it('refuses a page without its findings list (an empty body)', async () => {
    inspectorMock.on(ListFindingsCommand).resolves({});
    await expect(listActiveFindings(client, { log })).rejects.toThrow(
      /^inspector2:ListFindings answered page 1 without its list of items/,
    );
  });

  it('names the permission when access is denied', async () => {
    inspectorMock
      .on(ListFindingsCommand)
      .rejects(new AccessDeniedException({ message: 'no', $metadata: {} }));
    const failure = listActiveFindings(client, { log });
    await expect(failure).rejects.toBeInstanceOf(AwsError);
    await expect(failure).rejects.toThrow(
      'could not list active Inspector2 findings: AccessDeniedException: no — grant inspector2:ListFindings',
    );
  });

  it('refuses a listing that never ends', async () => {
    inspectorMock.on(ListFindingsCommand).resolves({ findings: [], nextToken: 'again' });
    await expect(listActiveFindings(client, { log, pageCap: 3 })).rejects.toThrow(
      'Inspector2 kept returning pages of active findings after 3 calls (0 findings so far); refusing to decide on a partial list',
    );
  });
});

describe('readInspectorScanStatus', () => {
  const ACCOUNT = '123456789012';
  const stsMock = mockClient(STSClient);
  const clients = { inspector: client, sts: new STSClient({ region: REGION }) };
  type Answer = Record<string, unknown>;

  /** A BatchGetAccountStatus answer shaped after the inspector2 model (AccountState, State). */
  function answer(resourceState: Record<string, unknown>, status = 'ENABLED'): Answer {
    return {
      accounts: [{ accountId: ACCOUNT, state: { status }, resourceState }],
      failedAccounts: [],
    };
  }
  const on = (status: string) => ({ status });

  function answers(wire: Answer): void {
    inspectorMock.on(BatchGetAccountStatusCommand).resolves(wire);
  }

  beforeEach(() => {
    stsMock.reset();
    stsMock.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  });

  it("asks for the caller's own account and lists the ENABLED types as scanned", async () => {
    answers(
      answer({
        ecr: on('ENABLED'),
        ec2: on('DISABLED'),
        lambda: on('ENABLING'),
        lambdaCode: on('ENABLED'),
      }),
    );
    const status = await readInspectorScanStatus(clients);
    expect(status).toEqual({
      accountId: ACCOUNT,
      accountStatus: 'ENABLED',
      resources: { ECR: 'ENABLED', EC2: 'DISABLED', LAMBDA: 'ENABLING' },
      scanned: ['ECR'],
      calls: { GetCallerIdentity: 1, BatchGetAccountStatus: 1 },
    });
    expect(inspectorMock.commandCalls(BatchGetAccountStatusCommand)[0]?.args[0].input).toEqual({
      accountIds: [ACCOUNT],
    });
  });

  it('reads a lambda state the answer leaves out (optional in the model) as not scanned', async () => {
    answers(answer({ ecr: on('ENABLED'), ec2: on('ENABLED') }));
    const status = await readInspectorScanStatus(clients);
    expect(status.scanned).toEqual(['ECR', 'EC2']);
    expect(status.resources.LAMBDA).toBe('NOT_LISTED');
  });

  it('reads an account the answer does not list (never enabled, as moto answers) as scanning nothing', async () => {
    answers({ accounts: [], failedAccounts: [] });
    const status = await readInspectorScanStatus(clients);
    expect(status).toMatchObject({ accountId: ACCOUNT, scanned: [] });
    expect(status.accountStatus).toBeUndefined();
  });

  it.each<[string, Answer, RegExp]>([
    ['an empty body', {}, /answered without its accounts list \(an empty or malformed body\)/],
    [
      'an entry without accountId',
      { accounts: [{ state: { status: 'ENABLED' } }] },
      /answered an entry without its accountId/,
    ],
    [
      'the account listed twice',
      {
        accounts: [
          ...(answer({ ecr: on('ENABLED'), ec2: on('ENABLED') }).accounts as unknown[]),
          ...(answer({ ecr: on('DISABLED'), ec2: on('DISABLED') }).accounts as unknown[]),
        ],
      },
      /answered 2 states for account/,
    ],
    [
      'a state without status',
      { accounts: [{ accountId: ACCOUNT, state: {}, resourceState: {} }] },
      /answered state without its status/,
    ],
    [
      'no resourceState',
      { accounts: [{ accountId: ACCOUNT, state: { status: 'ENABLED' } }] },
      /answered no resourceState for account/,
    ],
    [
      'no ec2 state (required)',
      answer({ ecr: on('ENABLED') }),
      /answered no resourceState\.ec2 for account/,
    ],
    [
      'a lower-case status',
      answer({ ecr: on('enabled'), ec2: on('ENABLED') }),
      /answered resourceState\.ecr\.status "enabled", which is not one of ENABLING, ENABLED/,
    ],
    [
      'a lambda status outside the enum',
      answer({ ecr: on('ENABLED'), ec2: on('ENABLED'), lambda: on('ON') }),
      /answered resourceState\.lambda\.status "ON"/,
    ],
  ])('fails closed on %s, naming inspector2:BatchGetAccountStatus', async (_, wire, message) => {
    answers(wire);
    const failure = readInspectorScanStatus(clients);
    await expect(failure).rejects.toBeInstanceOf(UndecidedError);
    await expect(failure).rejects.toThrow(/^inspector2:BatchGetAccountStatus /);
    await expect(failure).rejects.toThrow(message);
  });

  it("fails closed when the account's status could not be read (failedAccounts), with Inspector2's reason", async () => {
    answers({
      accounts: [],
      failedAccounts: [
        { accountId: ACCOUNT, errorCode: 'ACCESS_DENIED', errorMessage: 'not a member' },
      ],
    });
    const failure = readInspectorScanStatus(clients);
    await expect(failure).rejects.toBeInstanceOf(UndecidedError);
    await expect(failure).rejects.toThrow(
      `inspector2:BatchGetAccountStatus could not read what Inspector2 scans in account ${ACCOUNT} (ACCESS_DENIED: not a member)`,
    );
  });

  it('names the permission when access is denied', async () => {
    inspectorMock
      .on(BatchGetAccountStatusCommand)
      .rejects(new AccessDeniedException({ message: 'no', $metadata: {} }));
    const failure = readInspectorScanStatus(clients);
    await expect(failure).rejects.toBeInstanceOf(AwsError);
    await expect(failure).rejects.toThrow(
      `could not read what Inspector2 scans in account ${ACCOUNT}: AccessDeniedException: no — grant inspector2:BatchGetAccountStatus`,
    );
  });

  it('refuses a caller identity without a 12-digit account, naming sts:GetCallerIdentity', async () => {
    stsMock.on(GetCallerIdentityCommand).resolves({});
    await expect(readInspectorScanStatus(clients)).rejects.toThrow(
      /^sts:GetCallerIdentity answered without a 12-digit Account/,
    );
    expect(inspectorMock.commandCalls(BatchGetAccountStatusCommand)).toHaveLength(0);
  });
});
