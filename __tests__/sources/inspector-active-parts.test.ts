/**
 * The daily report's Inspector2 listing in parts (sources/inspector.ts `listActiveFindings`):
 * against the estate endpoint (a local HTTP server that filters and pages ListFindings as
 * Inspector2 documents, through the real SDK client), the parts together must be exactly the
 * single listing; against answers the endpoint would never give (aws-sdk-client-mock), a part
 * that is not what it was asked for must stop the listing, never be read.
 */
import { createHash } from 'node:crypto';
import {
  Inspector2Client,
  ListFindingsCommand,
  ValidationException,
  type Finding as InspectorFinding,
  type ListFindingsCommandInput,
} from '@aws-sdk/client-inspector2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { UndecidedError } from '../../actions/src/core/errors';
import {
  activePartitions,
  listActiveFindings,
  partitionFilter,
  PROBE_PAGES,
} from '../../actions/src/sources/inspector';
import { SEVERITIES } from '../../actions/src/core/model';
import { startEstateEndpoint, type EstateEndpoint } from '../../scripts/bench/estate-endpoint';
import type { Estate } from '../../scripts/bench/estate';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const TYPES = ['AWS_ECR_CONTAINER_IMAGE', 'AWS_EC2_INSTANCE', 'AWS_LAMBDA_FUNCTION'] as const;

/** A finding as ListFindings returns it (SDK shape), deterministic by index. */
function finding(index: number, status = 'ACTIVE'): InspectorFinding {
  // Two of three on images, as in a container-heavy account; severities cycle.
  const type = TYPES[index % 3 === 2 ? 1 + (index % 2) : 0] as string;
  const severity = SEVERITIES[index % SEVERITIES.length] as string;
  const hash = `sha256:${createHash('sha256').update(String(index)).digest('hex')}`;
  return {
    findingArn: `arn:aws:inspector2:${REGION}:${ACCOUNT}:finding/${createHash('md5').update(String(index)).digest('hex')}`,
    awsAccountId: ACCOUNT,
    severity,
    status,
    type: 'PACKAGE_VULNERABILITY',
    title: `CVE-2026-${index}`,
    resources: [
      type === 'AWS_ECR_CONTAINER_IMAGE'
        ? {
            type,
            id: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/web/${hash}`,
            details: {
              awsEcrContainerImage: { imageHash: hash, repositoryName: 'web', registry: ACCOUNT },
            },
          }
        : { type, id: type === 'AWS_EC2_INSTANCE' ? `i-${index}` : `fn-${index}` },
    ],
    firstObservedAt: new Date('2026-01-01T00:00:00Z'),
  } as InspectorFinding;
}

function estateOf(findings: InspectorFinding[]): Estate {
  return {
    accountId: ACCOUNT,
    region: REGION,
    resources: [],
    findings: findings as unknown as Record<string, unknown>[],
    rules: [],
    previous: {} as Estate['previous'],
    policyText: 'version: 1\n',
  };
}

const log = (): void => undefined;

describe('listActiveFindings against a server that filters and pages as Inspector2 does', () => {
  let endpoint: EstateEndpoint | undefined;
  afterEach(async () => {
    await endpoint?.stop();
    endpoint = undefined;
  });
  const clientFor = (url: string) =>
    new Inspector2Client({
      endpoint: url,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });

  it('lists over two full pages in parts: exactly the ACTIVE findings of the single listing, each once, in the fewest calls per part', async () => {
    const all = [
      ...Array.from({ length: 2_400 }, (_, index) => finding(index)),
      ...Array.from({ length: 30 }, (_, index) => finding(10_000 + index, 'CLOSED')),
    ];
    endpoint = await startEstateEndpoint({ estate: estateOf(all), latencyMs: 0 });
    const client = clientFor(endpoint.url);
    const lines: string[] = [];
    const listed = await listActiveFindings(client, { log: (line) => lines.push(line) });

    const active = all.filter((raw) => raw.status === 'ACTIVE');
    expect(listed.plan).toBe('partitioned');
    expect(listed.partitions).toBe(28);
    const arns = listed.findings.map(({ finding }) => finding.sourceId);
    expect(new Set(arns).size).toBe(arns.length);
    expect([...arns].sort()).toEqual(active.map((raw) => raw.findingArn).sort());
    // The server filters status, so nothing came back to drop.
    expect(listed.dropped).toBe(0);

    // Calls: the probe's pages, then max(1, ceil(n/100)) per part, n counted from the estate.
    const expected =
      PROBE_PAGES +
      activePartitions(TYPES).reduce((sum, part) => {
        const n = active.filter((raw) => {
          const resource = raw.resources?.[0];
          if (resource?.type !== part.resourceType) return false;
          return part.field === 'ecrImageHash'
            ? resource.details?.awsEcrContainerImage?.imageHash?.startsWith(part.prefix)
            : raw.severity === part.severity;
        }).length;
        return sum + Math.max(1, Math.ceil(n / 100));
      }, 0);
    expect(listed.calls).toBe(expected);
    expect(endpoint.calls()['inspector2:ListFindings']).toBe(expected);
  });

  it('keeps one listing at two pages or fewer (200 findings): two calls, no parts', async () => {
    endpoint = await startEstateEndpoint({
      estate: estateOf(Array.from({ length: 200 }, (_, index) => finding(index))),
      latencyMs: 0,
    });
    const listed = await listActiveFindings(clientFor(endpoint.url), { log });
    expect(listed).toMatchObject({ plan: 'single', calls: 2 });
    expect(listed.findings).toHaveLength(200);
  });
});

describe('listActiveFindings in parts refuses what a part should never hold', () => {
  // Mocked here only: mockClient patches every Inspector2Client, the endpoint tests' too.
  let inspectorMock: AwsClientStub<Inspector2Client>;
  const client = new Inspector2Client({ region: REGION });
  beforeAll(() => {
    inspectorMock = mockClient(Inspector2Client);
  });
  afterAll(() => {
    inspectorMock.restore();
  });
  beforeEach(() => inspectorMock.reset());

  /**
   * Answers like a paging server over `findings`, filtering only when `filters` says so; with
   * `prefixAsEquals`, an image hash PREFIX filter matches whole hashes only. `closedAfterProbe`
   * findings are no longer in any part nor ACTIVE when asked for by findingArn; `missedByParts`
   * are in no part but still ACTIVE.
   */
  function server(
    findings: InspectorFinding[],
    filters: boolean,
    options: {
      prefixAsEquals?: boolean;
      closedAfterProbe?: ReadonlySet<string>;
      missedByParts?: ReadonlySet<string>;
    } = {},
  ) {
    const { prefixAsEquals = false } = options;
    inspectorMock.on(ListFindingsCommand).callsFake((input: ListFindingsCommandInput) => {
      const criteria = input.filterCriteria ?? {};
      const inPart = criteria.ecrImageHash !== undefined || criteria.severity !== undefined;
      const arns = criteria.findingArn?.map(({ value }) => value);
      const matching = filters
        ? findings.filter((raw) => {
            const resource = raw.resources?.[0];
            const hash = criteria.ecrImageHash?.[0]?.value;
            const severity = criteria.severity?.[0]?.value;
            const arn = raw.findingArn ?? '';
            if (inPart && (options.closedAfterProbe?.has(arn) || options.missedByParts?.has(arn))) {
              return false;
            }
            if (arns !== undefined && (!arns.includes(arn) || options.closedAfterProbe?.has(arn))) {
              return false;
            }
            return (
              (criteria.resourceType ?? []).some(({ value }) => value === resource?.type) &&
              (hash === undefined ||
                (prefixAsEquals
                  ? resource?.details?.awsEcrContainerImage?.imageHash === hash
                  : resource?.details?.awsEcrContainerImage?.imageHash?.startsWith(hash))) &&
              (severity === undefined || raw.severity === severity)
            );
          })
        : findings;
      const offset = Number(input.nextToken ?? 0);
      const end = offset + 100;
      return {
        findings: matching.slice(offset, end),
        ...(end < matching.length && { nextToken: String(end) }),
      };
    });
  }

  it('a server that ignores the parts’ filters: UndecidedError naming the part, never a merged list', async () => {
    server(
      Array.from({ length: 300 }, (_, index) => finding(index)),
      false,
    );
    const failure = listActiveFindings(client, { log });
    await expect(failure).rejects.toBeInstanceOf(UndecidedError);
    await expect(failure).rejects.toThrow(
      /inspector2:ListFindings answered finding .* when asked for AWS_ECR_CONTAINER_IMAGE sha256:[0-9a-f]… findings only: the filter was not applied/,
    );
  });

  it('a finding listed in two parts: UndecidedError naming both', async () => {
    const all = Array.from({ length: 300 }, (_, index) => finding(index));
    // A copy of an instance finding under another severity: the same findingArn in two parts.
    const instance = all.find((raw) => raw.resources?.[0]?.type === 'AWS_EC2_INSTANCE')!;
    const other = SEVERITIES.find((severity) => severity !== instance.severity)!;
    server([...all, { ...instance, severity: other }], true);
    const failure = listActiveFindings(client, { log });
    await expect(failure).rejects.toBeInstanceOf(UndecidedError);
    await expect(failure).rejects.toThrow(
      new RegExp(
        `listed finding ${instance.findingArn} twice \\(AWS_EC2_INSTANCE [A-Z]+ and AWS_EC2_INSTANCE [A-Z]+\\)`,
      ),
    );
  });

  it('a part’s filter refused (ValidationException): lists again as one, and says so', async () => {
    const all = Array.from({ length: 300 }, (_, index) => finding(index));
    server(all, true);
    inspectorMock
      .on(ListFindingsCommand, { filterCriteria: partitionFilter(activePartitions(TYPES)[0]!) })
      .rejects(
        new ValidationException({
          message: 'bad filter',
          reason: 'FIELD_VALIDATION_FAILED',
          $metadata: {},
        }),
      );
    const lines: string[] = [];
    const listed = await listActiveFindings(client, { log: (line) => lines.push(line) });
    expect(listed.plan).toBe('single');
    expect(listed.findings).toHaveLength(300);
    expect(lines.join('\n')).toMatch(
      /Inspector2 refused the filter of a part of the listing .*ValidationException: bad filter.*; listing the active findings as one instead/,
    );
  });

  it('parts that lack a finding the first pages held (a PREFIX read as EQUALS): lists again as one, and says so', async () => {
    const all = Array.from({ length: 300 }, (_, index) => finding(index));
    server(all, true, { prefixAsEquals: true });
    const lines: string[] = [];
    const listed = await listActiveFindings(client, { log: (line) => lines.push(line) });
    expect(listed.plan).toBe('single');
    expect(listed.findings.map(({ finding }) => finding.sourceId).sort()).toEqual(
      all.map((raw) => raw.findingArn).sort(),
    );
    expect(lines.join('\n')).toMatch(
      /the listing in parts lacks finding arn:aws:inspector2:\S+ that its first pages held .*; listing the active findings as one instead/,
    );
  });

  it('a finding of the first pages closed since: asked for by its ARN, and the parts stand', async () => {
    const all = Array.from({ length: 300 }, (_, index) => finding(index));
    const closed = all[5]!.findingArn!;
    server(all, true, { closedAfterProbe: new Set([closed]) });
    const lines: string[] = [];
    const listed = await listActiveFindings(client, { log: (line) => lines.push(line) });
    expect(listed.plan).toBe('partitioned');
    expect(listed.findings.map(({ finding }) => finding.sourceId)).not.toContain(closed);
    expect(listed.findings).toHaveLength(299);
    const byArn = inspectorMock
      .commandCalls(ListFindingsCommand)
      .filter((call) => call.args[0].input.filterCriteria?.findingArn !== undefined);
    expect(byArn.map((call) => call.args[0].input.filterCriteria?.findingArn)).toEqual([
      [{ comparison: 'EQUALS', value: closed }],
    ]);
    expect(lines.join('\n')).toContain(
      '1 finding(s) of the first pages are no longer ACTIVE; the listing in parts stands',
    );
  });

  it('a finding of the first pages no part listed but still ACTIVE: lists again as one, and says so', async () => {
    const all = Array.from({ length: 300 }, (_, index) => finding(index));
    const missed = all[7]!.findingArn!;
    server(all, true, { missedByParts: new Set([missed]) });
    const lines: string[] = [];
    const listed = await listActiveFindings(client, { log: (line) => lines.push(line) });
    expect(listed.plan).toBe('single');
    expect(listed.findings.map(({ finding }) => finding.sourceId)).toContain(missed);
    expect(listed.findings).toHaveLength(300);
    expect(lines.join('\n')).toContain(
      `the listing in parts lacks finding ${missed} that its first pages held and that is still ACTIVE`,
    );
  });

  it('an image hash the parts do not cover on a probe page: one listing', async () => {
    const all = Array.from({ length: 300 }, (_, index) => finding(index));
    const image = all[0]!;
    image.resources![0]!.details!.awsEcrContainerImage!.imageHash = 'sha512:abc';
    server(all, true);
    const listed = await listActiveFindings(client, { log });
    expect(listed).toMatchObject({ plan: 'single', calls: 3 });
    expect(listed.findings).toHaveLength(300);
  });
});
