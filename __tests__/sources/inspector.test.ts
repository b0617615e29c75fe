import {
  AccessDeniedException,
  Inspector2Client,
  ListFindingsCommand,
  type Finding as InspectorFinding,
  type ListFindingsCommandOutput,
} from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsError, UndecidedError } from '../../actions/src/core/errors';
import type { ResolvedImage } from '../../actions/src/sources/image-ref';
import { listImageFindings, toFinding } from '../../actions/src/sources/inspector';
import { ACCOUNT, inspectorFinding, type SeedFinding } from '../fixtures/seed';

const DIGEST = `sha256:${'1'.repeat(64)}`;
const OTHER_DIGEST = `sha256:${'2'.repeat(64)}`;
const IMAGE: ResolvedImage = {
  repository: 'web',
  digest: DIGEST,
  tag: '1.4.2',
  region: 'us-east-1',
};
const NAME = `web@${DIGEST} (1.4.2)`;

const FILTER = {
  ecrImageHash: [{ comparison: 'EQUALS', value: DIGEST }],
  ecrImageRepositoryName: [{ comparison: 'EQUALS', value: 'web' }],
  findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
};

/**
 * The SDK-typed finding the client hands back for the wire JSON of the seed builder: restJson
 * timestamps are epoch seconds on the wire and Dates once deserialized.
 */
function sdkFinding(wire: Record<string, unknown>): InspectorFinding {
  return JSON.parse(JSON.stringify(wire), (key, value: unknown) =>
    ['firstObservedAt', 'lastObservedAt', 'updatedAt', 'pushedAt', 'lastInUseAt'].includes(key) &&
    typeof value === 'number'
      ? new Date(value * 1000)
      : value,
  ) as InspectorFinding;
}

function seeded(
  finding: Partial<SeedFinding> = {},
  image: { repository: string; digest: string } = IMAGE,
  index = 0,
): InspectorFinding {
  return sdkFinding(
    inspectorFinding(
      { ...image, region: 'us-east-1', tag: '1.4.2' },
      {
        cve: 'CVE-2024-0001',
        severity: 'HIGH',
        packageName: 'openssl',
        installed: '3.0.1',
        fixed: '3.0.2',
        ...finding,
      },
      index,
    ),
  );
}

function page(findings: InspectorFinding[], nextToken?: string): ListFindingsCommandOutput {
  return { $metadata: {}, findings, ...(nextToken !== undefined && { nextToken }) };
}

const inspectorMock = mockClient(Inspector2Client);
const inspector = new Inspector2Client({ region: 'us-east-1' });
let logged: string[];
const log = (line: string): void => {
  logged.push(line);
};

beforeEach(() => {
  inspectorMock.reset();
  logged = [];
});

afterAll(() => {
  inspectorMock.restore();
});

describe('listImageFindings', () => {
  it('lists 250 findings in 3 calls of 100, each filtered to the digest, repository and ACTIVE', async () => {
    const all = Array.from({ length: 250 }, (_, index) =>
      seeded({ cve: `CVE-2024-${String(index).padStart(4, '0')}` }, IMAGE, index),
    );
    const pages = [
      page(all.slice(0, 100), 'token-1'),
      page(all.slice(100, 200), 'token-2'),
      page(all.slice(200)),
    ];
    // The paginator reuses one input object across pages: copy what each request carried.
    const requests: unknown[] = [];
    inspectorMock.on(ListFindingsCommand).callsFake((input: unknown) => {
      requests.push(structuredClone(input));
      return pages.shift();
    });

    const listed = await listImageFindings(inspector, IMAGE, { log });

    expect(listed.calls).toBe(3);
    expect(listed.dropped).toBe(0);
    expect(listed.findings).toHaveLength(250);
    expect(new Set(listed.findings.map(({ id }) => id)).size).toBe(250);
    expect(inspectorMock.commandCalls(ListFindingsCommand)).toHaveLength(3);
    expect(requests).toEqual([
      { filterCriteria: FILTER, maxResults: 100, nextToken: undefined },
      { filterCriteria: FILTER, maxResults: 100, nextToken: 'token-1' },
      { filterCriteria: FILTER, maxResults: 100, nextToken: 'token-2' },
    ]);
  });

  it('adds the registry account to the filter for an image of another registry', async () => {
    inspectorMock.on(ListFindingsCommand).resolves(page([]));
    await listImageFindings(inspector, { ...IMAGE, registryId: '210987654321' }, { log });
    expect(
      inspectorMock.commandCalls(ListFindingsCommand)[0]!.args[0].input.filterCriteria,
    ).toEqual({
      ...FILTER,
      awsAccountId: [{ comparison: 'EQUALS', value: '210987654321' }],
    });
  });

  it('follows empty pages that still carry a nextToken', async () => {
    inspectorMock
      .on(ListFindingsCommand)
      .resolvesOnce(page([], 'token-1'))
      .resolvesOnce(page([], 'token-2'))
      .resolvesOnce(page([seeded(), seeded({ cve: 'CVE-2024-0002' }, IMAGE, 1)]));
    const listed = await listImageFindings(inspector, IMAGE, { log });
    expect(listed.calls).toBe(3);
    expect(listed.findings.map(({ id }) => id)).toEqual(['CVE-2024-0001', 'CVE-2024-0002']);
  });

  it('reports progress every 10 pages', async () => {
    const stub = inspectorMock.on(ListFindingsCommand);
    for (let index = 0; index < 11; index += 1)
      stub.resolvesOnce(page([seeded({}, IMAGE, index)], `t${index}`));
    stub.resolvesOnce(page([]));
    const listed = await listImageFindings(inspector, IMAGE, { log });
    expect(listed.calls).toBe(12);
    expect(logged).toEqual(['listed 10 findings in 10 pages so far']);
  });

  it('refuses to decide on a partial list when the server keeps handing out tokens', async () => {
    let token = 0;
    inspectorMock
      .on(ListFindingsCommand)
      .callsFake(() => page([seeded({}, IMAGE, token)], `t${(token += 1)}`));
    const listing = listImageFindings(inspector, IMAGE, { log, pageCap: 5 });
    await expect(listing).rejects.toBeInstanceOf(UndecidedError);
    await expect(listing).rejects.toThrow(
      `Inspector2 kept returning pages for ${NAME} after 5 calls (5 findings so far); refusing to decide on a partial list`,
    );
  });

  it('stops at the cap only when there is more to read', async () => {
    const stub = inspectorMock.on(ListFindingsCommand);
    for (let index = 0; index < 4; index += 1) stub.resolvesOnce(page([], `t${index}`));
    stub.resolvesOnce(page([seeded()]));
    const listed = await listImageFindings(inspector, IMAGE, { log, pageCap: 5 });
    expect(listed.calls).toBe(5);
    expect(listed.findings).toHaveLength(1);
  });

  it('drops and counts findings the server returned for other digests, repositories or statuses', async () => {
    inspectorMock
      .on(ListFindingsCommand)
      .resolves(
        page([
          seeded({ cve: 'CVE-KEEP' }),
          seeded({ cve: 'CVE-OTHER-DIGEST' }, { repository: 'web', digest: OTHER_DIGEST }),
          seeded({ cve: 'CVE-OTHER-REPO' }, { repository: 'api', digest: DIGEST }),
          seeded({ cve: 'CVE-SUPPRESSED', status: 'SUPPRESSED' }),
          seeded({ cve: 'CVE-CLOSED', status: 'CLOSED' }),
        ]),
      );
    const listed = await listImageFindings(inspector, IMAGE, { log });
    expect(listed.findings.map(({ id }) => id)).toEqual(['CVE-KEEP']);
    expect(listed.dropped).toBe(4);
  });

  it.each<[string, ListFindingsCommandOutput, string]>([
    [
      'an empty body',
      { $metadata: {} },
      'inspector2:ListFindings answered page 1 without its list of items (an empty or malformed body); refusing to read a malformed answer as "nothing"',
    ],
    [
      'findings that are not a list',
      { $metadata: {}, findings: 'none' as never },
      'inspector2:ListFindings answered page 1 without its list of items (string instead of a list)',
    ],
  ])(
    'fails closed (exit 2) on a page with %s, never reading it as no findings',
    async (_name, answer, message) => {
      inspectorMock.on(ListFindingsCommand).resolves(answer);
      const listing = listImageFindings(inspector, IMAGE, { log });
      await expect(listing).rejects.toBeInstanceOf(UndecidedError);
      await expect(listing).rejects.toThrow(message);
    },
  );

  it('fails closed on a page without findings even after a good page', async () => {
    inspectorMock
      .on(ListFindingsCommand)
      .resolvesOnce(page([seeded()], 'token-1'))
      .resolvesOnce({ $metadata: {} });
    await expect(listImageFindings(inspector, IMAGE, { log })).rejects.toThrow(
      'inspector2:ListFindings answered page 2 without its list of items',
    );
  });

  it.each<[string, (raw: InspectorFinding) => void, string]>([
    [
      'no findingStatus',
      (raw) => {
        delete raw.status;
      },
      'has no status',
    ],
    [
      'a status outside the enum',
      (raw) => {
        raw.status = 'active' as never;
      },
      'has status "active", which is not ACTIVE, SUPPRESSED, CLOSED',
    ],
    [
      'a lower-case severity',
      (raw) => {
        raw.severity = 'critical' as never;
      },
      'has severity "critical", which is not one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNTRIAGED',
    ],
    [
      'no severity',
      (raw) => {
        delete raw.severity;
      },
      'has no severity',
    ],
    [
      'no resources',
      (raw) => {
        delete raw.resources;
      },
      'names no resource',
    ],
    [
      'no ECR image details',
      (raw) => {
        delete raw.resources![0]!.details;
      },
      'names no ECR image (resources[].details.awsEcrContainerImage)',
    ],
    [
      'no findingArn',
      (raw) => {
        delete raw.findingArn;
      },
      'has no findingArn',
    ],
  ])(
    'fails closed (exit 2) on a finding with %s, naming ListFindings',
    async (_name, spoil, problem) => {
      const bad = seeded({ cve: 'CVE-2024-9999', severity: 'CRITICAL' }, IMAGE, 1);
      spoil(bad);
      inspectorMock.on(ListFindingsCommand).resolves(page([seeded(), bad]));
      const listing = listImageFindings(inspector, IMAGE, { log });
      await expect(listing).rejects.toBeInstanceOf(UndecidedError);
      await expect(listing).rejects.toThrow(
        `inspector2:ListFindings answered a finding for ${NAME} that ${problem}`,
      );
      await expect(listing).rejects.toThrow('refusing to read a malformed answer as "nothing"');
    },
  );

  it('checks findings of other images too: a malformed answer is a reason to stop, not to filter', async () => {
    const other = seeded({ severity: 'HIGH' }, { repository: 'web', digest: OTHER_DIGEST });
    other.severity = 'high' as never;
    inspectorMock.on(ListFindingsCommand).resolves(page([seeded(), other]));
    await expect(listImageFindings(inspector, IMAGE, { log })).rejects.toThrow(
      'has severity "high"',
    );
  });

  it('passes the abort signal to every ListFindings call', async () => {
    const requests: unknown[] = [];
    inspectorMock.on(ListFindingsCommand).callsFake(() => page([]));
    const controller = new AbortController();
    const send = jest.spyOn(inspector, 'send');
    try {
      await listImageFindings(inspector, IMAGE, { log, signal: controller.signal });
      for (const call of send.mock.calls) requests.push(call[1]);
    } finally {
      send.mockRestore();
    }
    expect(requests).toEqual([{ abortSignal: controller.signal }]);
  });

  it('an AccessDeniedException names inspector2:ListFindings', async () => {
    inspectorMock.on(ListFindingsCommand).rejects(
      new AccessDeniedException({
        message:
          'User: arn:aws:sts::123456789012:assumed-role/ci is not authorized to perform: inspector2:ListFindings',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const listing = listImageFindings(inspector, IMAGE, { log });
    await expect(listing).rejects.toBeInstanceOf(AwsError);
    await expect(listing).rejects.toThrow(
      `could not list Inspector findings for ${NAME}: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ci is not authorized to perform: inspector2:ListFindings — grant inspector2:ListFindings`,
    );
  });
});

describe('toFinding', () => {
  it('normalizes a package vulnerability of an image into the shared model', () => {
    const raw = seeded({ cve: 'CVE-2024-0001', fixed: undefined, epss: 0.42, exploit: true });
    expect(toFinding(raw)).toEqual({
      id: 'CVE-2024-0001',
      sourceId: raw.findingArn,
      source: 'inspector2',
      severity: 'HIGH',
      status: 'ACTIVE',
      title: 'CVE-2024-0001 - openssl',
      description: 'openssl 3.0.1 is affected by CVE-2024-0001.',
      resource: {
        id: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/web/${DIGEST}`,
        type: 'AWS_ECR_CONTAINER_IMAGE',
        region: 'us-east-1',
        accountId: ACCOUNT,
        repository: 'web',
        imageDigest: DIGEST,
      },
      // "NotAvailable" means no fix: no fixedVersion at all.
      packages: [{ name: 'openssl', installedVersion: '3.0.1', manager: 'OS' }],
      fixAvailable: 'no',
      exploitAvailable: true,
      epss: 0.42,
      score: 7.5,
      url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-01T01:00:00.000Z',
    });
  });

  it('keeps a real fixed version and reports no exploit as false', () => {
    const finding = toFinding(seeded({ fixed: '3.0.2' }));
    expect(finding.packages).toEqual([
      { name: 'openssl', installedVersion: '3.0.1', fixedVersion: '3.0.2', manager: 'OS' },
    ]);
    expect(finding.fixAvailable).toBe('yes');
    expect(finding.exploitAvailable).toBe(false);
    expect(finding).not.toHaveProperty('epss');
  });

  it.each<[string, { epoch?: number; release?: string }, string]>([
    ['epoch and release', { epoch: 1, release: '27.amzn2023.0.1' }, '1:3.0.7-27.amzn2023.0.1'],
    ['epoch 0 (not written)', { epoch: 0, release: '1.el9' }, '3.0.7-1.el9'],
    ['release only', { release: '1ubuntu2' }, '3.0.7-1ubuntu2'],
    ['neither', {}, '3.0.7'],
  ])('writes the installed version with %s', (_name, parts, installed) => {
    const raw = seeded();
    raw.packageVulnerabilityDetails!.vulnerablePackages = [
      { name: 'openssl', version: '3.0.7', fixedInVersion: '1:3.0.8-1', ...parts },
    ];
    expect(toFinding(raw).packages[0]).toEqual({
      name: 'openssl',
      installedVersion: installed,
      fixedVersion: '1:3.0.8-1',
    });
  });

  it.each<[InspectorFinding['fixAvailable'], 'yes' | 'partial' | 'no']>([
    ['YES', 'yes'],
    ['PARTIAL', 'partial'],
    ['NO', 'no'],
  ])('maps fixAvailable %s to %s', (wire, model) => {
    expect(toFinding({ ...seeded(), fixAvailable: wire }).fixAvailable).toBe(model);
  });

  it.each<[string[], 'yes' | 'partial' | 'no']>([
    [['1.1', '2.1'], 'yes'],
    [['1.1', 'NotAvailable'], 'partial'],
    [['NotAvailable', 'NotAvailable'], 'no'],
  ])('derives fixAvailable from the packages when Inspector omits it (%j → %s)', (fixed, model) => {
    const raw = seeded();
    delete raw.fixAvailable;
    raw.packageVulnerabilityDetails!.vulnerablePackages = fixed.map((version, index) => ({
      name: `pkg-${index}`,
      version: '1.0',
      fixedInVersion: version,
    }));
    expect(toFinding(raw).fixAvailable).toBe(model);
  });

  it('takes related vulnerabilities as aliases, without the finding’s own id', () => {
    const raw = seeded({ cve: 'CVE-2024-0001' });
    raw.packageVulnerabilityDetails!.relatedVulnerabilities = [
      'GHSA-abcd-efgh-ijkl',
      'CVE-2024-0001',
      'CVE-2023-9999',
    ];
    expect(toFinding(raw).aliases).toEqual(['GHSA-abcd-efgh-ijkl', 'CVE-2023-9999']);
    expect(toFinding(seeded())).not.toHaveProperty('aliases');
  });

  it.each<[string, (raw: InspectorFinding) => void, string]>([
    [
      'a lower-case severity',
      (raw) => {
        raw.severity = 'critical' as never;
      },
      'has severity "critical"',
    ],
    [
      'no status',
      (raw) => {
        delete raw.status;
      },
      'has no status',
    ],
  ])(
    'refuses to normalize a finding with %s (never UNTRIAGED or ACTIVE by default)',
    (_name, spoil, problem) => {
      const raw = seeded();
      spoil(raw);
      expect(() => toFinding(raw)).toThrow(UndecidedError);
      expect(() => toFinding(raw)).toThrow(`Inspector2 finding ${raw.findingArn} ${problem}`);
    },
  );

  it('keeps SUPPRESSED and CLOSED statuses', () => {
    expect(toFinding(seeded({ status: 'SUPPRESSED' })).status).toBe('SUPPRESSED');
    expect(toFinding(seeded({ status: 'CLOSED' })).status).toBe('CLOSED');
  });

  it('falls back to a reference URL, then the remediation URL', () => {
    const raw = seeded();
    delete raw.packageVulnerabilityDetails!.sourceUrl;
    raw.packageVulnerabilityDetails!.referenceUrls = ['https://example.com/advisory'];
    expect(toFinding(raw).url).toBe('https://example.com/advisory');
    raw.packageVulnerabilityDetails!.referenceUrls = [];
    raw.remediation = { recommendation: { Url: 'https://example.com/fix', text: 'upgrade' } };
    expect(toFinding(raw).url).toBe('https://example.com/fix');
  });
});
