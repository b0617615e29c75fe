import {
  AccessDeniedException,
  Inspector2Client,
  ListFindingsCommand,
  type Finding as InspectorFinding,
} from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsError, UndecidedError } from '../../actions/src/core/errors';
import { listActiveFindings, toFinding } from '../../actions/src/sources/inspector';
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
