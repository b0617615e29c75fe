/**
 * The bench endpoint (scripts/bench/endpoint.ts) must really filter and page, or the bench's
 * figures compare nothing: these drive it with the real SDK clients (wire shapes) and with raw
 * requests (refusals). No timing assertions; latency 0.
 */
import {
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import {
  Inspector2Client,
  ListCoverageCommand,
  paginateListFindings,
  type FilterCriteria,
} from '@aws-sdk/client-inspector2';
import {
  startBenchEndpoint,
  type BenchEndpoint,
  type EndpointFinding,
  type EndpointImage,
} from '../../scripts/bench/endpoint';

const image: EndpointImage = {
  registryId: '123456789012',
  region: 'us-east-1',
  repository: 'bench/app',
  digest: `sha256:${'ab'.repeat(32)}`,
  tag: '1.0.0',
};
const other = `sha256:${'cd'.repeat(32)}`;
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];

function finding(index: number, digest: string, status: string): EndpointFinding {
  return {
    findingArn: `arn:aws:inspector2:us-east-1:123456789012:finding/${digest.slice(7, 11)}-${index}`,
    awsAccountId: image.registryId,
    type: 'PACKAGE_VULNERABILITY',
    severity: SEVERITIES[index % SEVERITIES.length],
    status,
    firstObservedAt: new Date('2026-01-01T00:00:00Z'),
    lastObservedAt: new Date('2026-01-02T00:00:00Z'),
    resources: [
      {
        type: 'AWS_ECR_CONTAINER_IMAGE',
        id: `arn:aws:ecr:us-east-1:123456789012:repository/bench/app/${digest}`,
        details: { awsEcrContainerImage: { repositoryName: image.repository, imageHash: digest } },
      },
    ],
  };
}

// 250 ACTIVE of the image, interleaved with 40 CLOSED of it and 60 ACTIVE of another digest.
const findings: EndpointFinding[] = [];
for (let index = 0; index < 250; index += 1) {
  findings.push(finding(index, image.digest, 'ACTIVE'));
  if (index % 6 === 0 && index < 240) findings.push(finding(1000 + index, image.digest, 'CLOSED'));
  if (index % 4 === 0 && index < 240) findings.push(finding(2000 + index, other, 'ACTIVE'));
}

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let endpoint: BenchEndpoint;
let inspector: Inspector2Client;
let ecr: ECRClient;

beforeAll(async () => {
  endpoint = await startBenchEndpoint({ image, findings, latencyMs: 0 });
  const config = { endpoint: endpoint.url, region: 'us-east-1', credentials, maxAttempts: 1 };
  inspector = new Inspector2Client(config);
  ecr = new ECRClient(config);
});

afterAll(async () => {
  inspector.destroy();
  ecr.destroy();
  await endpoint.stop();
});

beforeEach(() => {
  endpoint.resetCalls();
});

const imageFilter: FilterCriteria = {
  ecrImageHash: [{ comparison: 'EQUALS', value: image.digest }],
  findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
};

async function listAll(
  filterCriteria: FilterCriteria,
): Promise<{ arns: string[]; pages: number[] }> {
  const arns: string[] = [];
  const pages: number[] = [];
  for await (const page of paginateListFindings(
    { client: inspector, pageSize: 100 },
    { filterCriteria, maxResults: 100 },
  )) {
    pages.push(page.findings?.length ?? 0);
    for (const item of page.findings ?? []) arns.push(item.findingArn ?? '');
  }
  return { arns, pages };
}

describe('bench endpoint ListFindings', () => {
  it('returns only the image’s ACTIVE findings, 100 per page, each once', async () => {
    const { arns, pages } = await listAll(imageFilter);
    expect(pages).toEqual([100, 100, 50]);
    expect(new Set(arns).size).toBe(250);
    expect(arns.every((arn) => arn.includes('/abab-') && !/-(1|2)\d{3}$/.test(arn))).toBe(true);
    expect(endpoint.calls()).toEqual({ 'Inspector2:ListFindings': 3 });
  });

  it('filters by severity on the server (values of one key OR-ed)', async () => {
    const { arns } = await listAll({
      ...imageFilter,
      severity: [
        { comparison: 'EQUALS', value: 'CRITICAL' },
        { comparison: 'EQUALS', value: 'HIGH' },
      ],
    });
    expect(arns).toHaveLength(126);
  });

  it('pages each severity partition on its own (EQUALS on the enum); their union is the whole listing', async () => {
    const whole = await listAll(imageFilter);
    endpoint.resetCalls();
    const union: string[] = [];
    let calls = 0;
    for (const severity of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED']) {
      const part = await listAll({
        ...imageFilter,
        severity: [{ comparison: 'EQUALS', value: severity }],
      });
      // 63/63/62/62 of the image's 250 ACTIVE findings; none INFORMATIONAL or UNTRIAGED.
      calls += Math.max(1, Math.ceil(part.arns.length / 100));
      expect(part.pages.every((size) => size <= 100)).toBe(true);
      union.push(...part.arns);
    }
    expect(union.sort()).toEqual([...whole.arns].sort());
    expect(new Set(union).size).toBe(250);
    // Counted per Service:Operation: one call per partition here, six in all.
    expect(calls).toBe(6);
    expect(endpoint.calls()).toEqual({ 'Inspector2:ListFindings': 6 });
  });

  it('sends timestamps the SDK parses as dates', async () => {
    const { value } = (await paginateListFindings(
      { client: inspector, pageSize: 1 },
      { filterCriteria: imageFilter, maxResults: 1 },
    ).next()) as { value: { findings: { firstObservedAt?: Date }[] } };
    expect(value.findings[0]?.firstObservedAt?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('refuses maxResults over 100, a filter key it does not implement, and a foreign token', async () => {
    const post = (body: unknown): Promise<Response> =>
      fetch(`${endpoint.url}/findings/list`, { method: 'POST', body: JSON.stringify(body) });
    const tooMany = await post({ maxResults: 101 });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.text()).toContain('maxResults must be an integer from 1 to 100');
    const unknownKey = await post({
      filterCriteria: { vulnerabilityId: [{ comparison: 'EQUALS', value: 'x' }] },
    });
    expect(unknownKey.status).toBe(400);
    expect(await unknownKey.text()).toContain('filter key vulnerabilityId is not implemented');
    const first = (await (await post({ filterCriteria: imageFilter })).json()) as {
      nextToken: string;
    };
    const reused = await post({
      filterCriteria: { findingStatus: imageFilter.findingStatus },
      nextToken: first.nextToken,
    });
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain('nextToken is not one this listing handed out');
  });
});

describe('bench endpoint ECR and coverage', () => {
  it('reports a COMPLETE scan long ago with counts of the image’s ACTIVE findings', async () => {
    const described = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: image.repository,
        imageIds: [{ imageDigest: image.digest }],
      }),
    );
    const detail = described.imageDetails?.[0];
    expect(detail?.imageScanStatus?.status).toBe('COMPLETE');
    expect(detail?.imageScanFindingsSummary?.findingSeverityCounts).toEqual({
      CRITICAL: 63,
      HIGH: 63,
      MEDIUM: 62,
      LOW: 62,
    });
    expect(detail?.imageScanFindingsSummary?.imageScanCompletedAt?.getUTCFullYear()).toBe(2026);
    const scan = await ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: image.repository,
        imageId: { imageDigest: image.digest },
        maxResults: 1,
      }),
    );
    expect(scan.imageScanStatus?.status).toBe('COMPLETE');
    expect(scan.imageScanFindings?.enhancedFindings).toHaveLength(1);
    expect(scan.nextToken).toBeDefined();
  });

  it('answers an unknown image or repository as ECR does', async () => {
    await expect(
      ecr.send(
        new DescribeImagesCommand({
          repositoryName: image.repository,
          imageIds: [{ imageDigest: other }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ImageNotFoundException' });
    await expect(
      ecr.send(
        new DescribeImagesCommand({ repositoryName: 'nope', imageIds: [{ imageTag: 'x' }] }),
      ),
    ).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
  });

  it('covers the image in ListCoverage only when the filter matches', async () => {
    const hit = await inspector.send(
      new ListCoverageCommand({
        filterCriteria: { ecrRepositoryName: [{ comparison: 'EQUALS', value: image.repository }] },
      }),
    );
    expect(hit.coveredResources?.[0]?.scanStatus?.statusCode).toBe('ACTIVE');
    const miss = await inspector.send(
      new ListCoverageCommand({
        filterCriteria: { ecrRepositoryName: [{ comparison: 'EQUALS', value: 'other' }] },
      }),
    );
    expect(miss.coveredResources).toEqual([]);
  });

  it('refuses an operation it does not implement with a 400 naming it', async () => {
    await expect(
      ecr.send(new PutImageCommand({ repositoryName: image.repository, imageManifest: '{}' })),
    ).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: 'The bench endpoint does not implement ECR PutImage',
      $metadata: { httpStatusCode: 400 },
    });
    const unknownPath = await fetch(`${endpoint.url}/status/batch/get`, {
      method: 'POST',
      body: '{}',
    });
    expect(unknownPath.status).toBe(400);
    expect(await unknownPath.text()).toContain('does not implement POST /status/batch/get');
    expect(endpoint.calls()).toMatchObject({ 'ECR:PutImage': 1 });
  });
});

describe('bench endpoint test hooks', () => {
  it('answers an injected fault in place of the answer, counted, and ECR counts as given', async () => {
    const faulty = await startBenchEndpoint({
      image,
      findings,
      latencyMs: 0,
      severityCounts: { CRITICAL: 99 },
      fault: ({ operation, body, call }) =>
        operation === 'Inspector2:ListFindings' &&
        call === 1 &&
        JSON.stringify(body).includes('"HIGH"')
          ? { status: 429, code: 'ThrottlingException', message: 'Rate exceeded' }
          : undefined,
    });
    const client = new Inspector2Client({
      endpoint: faulty.url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    const ecrClient = new ECRClient({
      endpoint: faulty.url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    try {
      const filterCriteria: FilterCriteria = {
        ...imageFilter,
        severity: [{ comparison: 'EQUALS', value: 'HIGH' }],
      };
      await expect(
        paginateListFindings({ client, pageSize: 100 }, { filterCriteria, maxResults: 100 }).next(),
      ).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
      const again = await paginateListFindings(
        { client, pageSize: 100 },
        { filterCriteria, maxResults: 100 },
      ).next();
      expect((again.value as { findings: unknown[] }).findings).toHaveLength(63);
      expect(faulty.calls()).toEqual({ 'Inspector2:ListFindings': 2 });
      const scan = await ecrClient.send(
        new DescribeImageScanFindingsCommand({
          repositoryName: image.repository,
          imageId: { imageDigest: image.digest },
          maxResults: 1,
        }),
      );
      expect(scan.imageScanFindings?.findingSeverityCounts).toEqual({ CRITICAL: 99 });
    } finally {
      client.destroy();
      ecrClient.destroy();
      await faulty.stop();
    }
  });
});
