import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeImageScanFindingsCommand,
  ECRClient,
  GetRegistryScanningConfigurationCommand,
  ImageNotFoundException,
  RepositoryNotFoundException,
  ScanNotFoundException,
  type DescribeImageScanFindingsCommandOutput,
} from '@aws-sdk/client-ecr';
import {
  AccessDeniedException,
  Inspector2Client,
  ListCoverageCommand,
  type CoveredResource,
  type ListCoverageCommandOutput,
} from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import type { Clock } from '../../actions/src/core/clock';
import { AwsError, ConfigurationError, UndecidedError } from '../../actions/src/core/errors';
import {
  assertEnhancedScanning,
  platformManifests,
  resolveImageDigest,
  resolveImageTargets,
  waitForImageScan,
  type ScanWaitOptions,
} from '../../actions/src/sources/ecr';
import { parseImageRef, type ResolvedImage } from '../../actions/src/sources/image-ref';
import { coveredImage, type CoverageSeed } from '../fixtures/inspector-coverage';

const DIGEST = `sha256:${'e'.repeat(64)}`;
const OTHER_DIGEST = `sha256:${'f'.repeat(64)}`;
const IMAGE: ResolvedImage = {
  repository: 'web',
  digest: DIGEST,
  tag: '1.4.2',
  region: 'us-east-1',
};
const NAME = `web@${DIGEST} (1.4.2)`;
const START = Date.parse('2026-03-02T12:00:00Z');
const HOUR = 3_600_000;
const at = (offsetMs: number): Date => new Date(START + offsetMs);
const iso = (offsetMs: number): string => at(offsetMs).toISOString();

/** Virtual time: sleeping advances the clock at once and records how long it would have waited. */
class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private time = START;
  now(): Date {
    return new Date(this.time);
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
  get elapsed(): number {
    return this.time - START;
  }
}

/** An error as the SDK deserializes an unmodeled one: a plain Error whose name is the code. */
function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

interface ScanFindings {
  counts?: Record<string, number>;
  completedAt?: Date;
  sourceUpdatedAt?: Date;
  /** Basic scanning's list, which is all ECR sent in aws-sdk #289 ("findings": []). */
  findings?: [];
}

/** A DescribeImageScanFindings answer, shaped as the ecr service model's response. */
function scan(
  status: string,
  findings?: ScanFindings,
  description?: string,
): DescribeImageScanFindingsCommandOutput {
  return {
    $metadata: {},
    registryId: '123456789012',
    repositoryName: 'web',
    imageId: { imageDigest: DIGEST },
    imageScanStatus: { status: status as 'COMPLETE', ...(description && { description }) },
    ...(findings && {
      imageScanFindings: {
        ...(findings.findings && { findings: findings.findings }),
        ...(findings.counts && { findingSeverityCounts: findings.counts }),
        ...(findings.completedAt && { imageScanCompletedAt: findings.completedAt }),
        ...(findings.sourceUpdatedAt && { vulnerabilitySourceUpdatedAt: findings.sourceUpdatedAt }),
      },
    }),
  };
}

/** The SDK-typed CoveredResource for the fixture's wire JSON (epoch seconds become Dates). */
function covered(overrides: Partial<CoverageSeed> = {}): CoveredResource {
  return JSON.parse(
    JSON.stringify(coveredImage({ ...IMAGE, accountId: '123456789012', ...overrides })),
    (key, value: unknown) =>
      key === 'lastScannedAt' && typeof value === 'number' ? new Date(value * 1000) : value,
  ) as CoveredResource;
}

/** Inspector2 has scanned the image `offsetMs` from the test's start (negative: before). */
function scannedAt(offsetMs: number, overrides: Partial<CoverageSeed> = {}): CoveredResource {
  return covered({ lastScannedAt: (START + offsetMs) / 1000, ...overrides });
}

const pending = (): CoveredResource =>
  covered({ reason: 'PENDING_INITIAL_SCAN', lastScannedAt: null });

function coveragePage(records: CoveredResource[], nextToken?: string): ListCoverageCommandOutput {
  return { $metadata: {}, coveredResources: records, ...(nextToken && { nextToken }) };
}

const ecrMock = mockClient(ECRClient);
const inspectorMock = mockClient(Inspector2Client);
const ecr = new ECRClient({ region: 'us-east-1' });
const inspector = new Inspector2Client({ region: 'us-east-1' });
const clients = { ecr, inspector };

let clock: FakeClock;
let logged: string[];

function options(overrides: Partial<ScanWaitOptions> = {}): ScanWaitOptions {
  return {
    timeoutMs: 15 * 60_000,
    clock,
    log: (line) => logged.push(line),
    random: () => 0.5,
    ...overrides,
  };
}

beforeEach(() => {
  ecrMock.reset();
  inspectorMock.reset();
  clock = new FakeClock();
  logged = [];
});

afterAll(() => {
  ecrMock.restore();
  inspectorMock.restore();
});

describe('waitForImageScan: settling on evidence', () => {
  it('settles at once, without sleeping, on a scan that completed an hour ago', async () => {
    ecrMock.on(DescribeImageScanFindingsCommand).resolves(
      scan('COMPLETE', {
        counts: { CRITICAL: 1, HIGH: 2 },
        completedAt: at(-HOUR),
        sourceUpdatedAt: at(-2 * HOUR),
      }),
    );
    inspectorMock.on(ListCoverageCommand).resolves(coveragePage([scannedAt(-HOUR + 5_000)]));

    const evidence = await waitForImageScan(clients, IMAGE, options());

    expect(evidence).toEqual({
      status: 'COMPLETE',
      counts: { CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNTRIAGED: 0, total: 3 },
      completedAt: iso(-HOUR),
      vulnerabilitySourceUpdatedAt: iso(-2 * HOUR),
      coverage: {
        resourceId: `arn:aws:ecr:us-east-1:123456789012:repository/web/${DIGEST}`,
        accountId: '123456789012',
        statusCode: 'ACTIVE',
        reason: 'SUCCESSFUL',
        lastScannedAt: iso(-HOUR + 5_000),
      },
      quietSince: iso(-HOUR + 5_000),
      quietWindowMs: 60_000,
      settledAt: iso(0),
      waitedMs: 0,
      polls: 1,
      coverageCalls: 1,
    });
    expect(clock.sleeps).toEqual([]);
    expect(logged).toEqual([
      `scan COMPLETE (counts CRITICAL 1, HIGH 2); Inspector2 scanned ${NAME} at ${iso(-HOUR + 5_000)}, 59m55s ago: settled after 0s`,
    ]);
    expect(ecrMock.commandCalls(DescribeImageScanFindingsCommand)[0]!.args[0].input).toEqual({
      repositoryName: 'web',
      registryId: undefined,
      imageId: { imageDigest: DIGEST },
      maxResults: 1,
    });
    expect(inspectorMock.commandCalls(ListCoverageCommand)[0]!.args[0].input).toEqual({
      filterCriteria: {
        resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }],
        ecrRepositoryName: [{ comparison: 'EQUALS', value: 'web' }],
      },
      maxResults: 200,
      nextToken: undefined,
    });
  });

  it('does not settle on two equal empty reads: COMPLETE without counts while Inspector2 has not scanned (aws-sdk #289)', async () => {
    // ECR flips to COMPLETE with `findings: []` and no counts or time; Inspector2 scans the image
    // 20 s later, and the CRITICAL shows in ECR's counts at 40 s.
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .callsFake(() =>
        clock.elapsed < 40_000
          ? scan('COMPLETE', { findings: [] }, 'The scan was completed successfully.')
          : scan('COMPLETE', { counts: { CRITICAL: 1 }, completedAt: at(19_000) }),
      );
    inspectorMock
      .on(ListCoverageCommand)
      .callsFake(() => coveragePage([clock.elapsed < 20_000 ? pending() : scannedAt(20_000)]));

    const evidence = await waitForImageScan(clients, IMAGE, options());

    // The old poller returned after the second read, 5 s in, with every count at zero.
    expect(evidence.polls).toBe(6);
    expect(evidence.counts).toMatchObject({ CRITICAL: 1, total: 1 });
    expect(evidence.quietSince).toBe(iso(20_000));
    expect(evidence.settledAt).toBe(iso(80_000));
    expect(clock.sleeps).toEqual([5000, 5000, 5000, 5000, 60_000]);
    expect(logged.slice(0, 2)).toEqual([
      'scan COMPLETE in ECR after 0s, but Inspector2 has not scanned it yet (PENDING_INITIAL_SCAN); waiting for Inspector2',
      'scan COMPLETE in ECR after 5s, but Inspector2 has not scanned it yet (PENDING_INITIAL_SCAN); waiting for Inspector2',
    ]);
    expect(logged[4]).toBe(
      `scan COMPLETE (no severity counts); Inspector2 scanned ${NAME} at ${iso(20_000)}: waiting 1m more so findings have 1m to arrive`,
    );
  });

  it('waits exactly to the end of the quiet window, measured from the later of ECR completion and Inspector2 scan', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolves(scan('COMPLETE', { counts: { HIGH: 1 }, completedAt: at(-20_000) }));
    inspectorMock.on(ListCoverageCommand).resolves(coveragePage([scannedAt(-10_000)]));

    const evidence = await waitForImageScan(clients, IMAGE, options());

    expect(clock.sleeps).toEqual([50_000]);
    expect(evidence).toMatchObject({
      quietSince: iso(-10_000),
      settledAt: iso(50_000),
      waitedMs: 50_000,
      polls: 2,
      coverageCalls: 2,
    });
  });

  it('honours a shorter quiet window when one is given', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolves(scan('COMPLETE', { counts: {}, completedAt: at(-1_000) }));
    inspectorMock.on(ListCoverageCommand).resolves(coveragePage([scannedAt(-1_000)]));
    await waitForImageScan(clients, IMAGE, options({ quietWindowMs: 10_000 }));
    expect(clock.sleeps).toEqual([9_000]);
  });

  it('returns ECR counts as given: undefined when ECR sends none (not zero), zero when it sends an empty map', async () => {
    inspectorMock.on(ListCoverageCommand).resolves(coveragePage([scannedAt(-HOUR)]));
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(scan('COMPLETE', { findings: [], completedAt: at(-HOUR) }))
      .resolvesOnce(scan('COMPLETE', { counts: {}, completedAt: at(-HOUR) }))
      .resolvesOnce(scan('COMPLETE', { counts: { UNDEFINED: 2, LOW: 1 }, completedAt: at(-HOUR) }));

    const absent = await waitForImageScan(clients, IMAGE, options());
    const empty = await waitForImageScan(clients, IMAGE, options());
    const basic = await waitForImageScan(clients, IMAGE, options());

    expect(absent).not.toHaveProperty('counts');
    expect(empty.counts).toEqual({
      CRITICAL: 0,
      HIGH: 0,
      MEDIUM: 0,
      LOW: 0,
      INFORMATIONAL: 0,
      UNTRIAGED: 0,
      total: 0,
    });
    // Basic scanning's UNDEFINED is the model's UNTRIAGED.
    expect(basic.counts).toMatchObject({ UNTRIAGED: 2, LOW: 1, total: 3 });
  });

  it('accepts ACTIVE (continuous scanning), which the SDK waiter never does, in another registry', async () => {
    const foreign = { ...IMAGE, registryId: '210987654321' };
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolves(scan('ACTIVE', { counts: { MEDIUM: 4 }, completedAt: at(-HOUR) }));
    inspectorMock
      .on(ListCoverageCommand)
      .resolves(coveragePage([scannedAt(-HOUR, { accountId: '210987654321' })]));
    const evidence = await waitForImageScan(clients, foreign, options());
    expect(evidence.status).toBe('ACTIVE');
    expect(evidence.counts?.MEDIUM).toBe(4);
    expect(
      ecrMock.commandCalls(DescribeImageScanFindingsCommand)[0]!.args[0].input.registryId,
    ).toBe('210987654321');
    expect(
      inspectorMock.commandCalls(ListCoverageCommand)[0]!.args[0].input.filterCriteria?.accountId,
    ).toEqual([{ comparison: 'EQUALS', value: '210987654321' }]);
  });

  it('accepts a scan-on-push image that Inspector2 scanned once (INACTIVE/SCAN_FREQUENCY_SCAN_ON_PUSH)', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolves(scan('COMPLETE', { counts: { LOW: 1 }, completedAt: at(-HOUR) }));
    inspectorMock
      .on(ListCoverageCommand)
      .resolves(
        coveragePage([
          scannedAt(-HOUR, { statusCode: 'INACTIVE', reason: 'SCAN_FREQUENCY_SCAN_ON_PUSH' }),
        ]),
      );
    const evidence = await waitForImageScan(clients, IMAGE, options());
    expect(evidence.coverage.reason).toBe('SCAN_FREQUENCY_SCAN_ON_PUSH');
  });

  it('waits through no record and IN_PROGRESS with backoff, then through the quiet window', async () => {
    ecrMock.on(DescribeImageScanFindingsCommand).callsFake(() => {
      if (clock.elapsed < 10_000)
        throw new ScanNotFoundException({ message: 'no scan', $metadata: {} });
      if (clock.elapsed < 20_000) return scan('IN_PROGRESS');
      return scan('COMPLETE', { counts: { HIGH: 1 }, completedAt: at(15_000) });
    });
    inspectorMock
      .on(ListCoverageCommand)
      .callsFake(() => coveragePage(clock.elapsed < 15_000 ? [pending()] : [scannedAt(14_000)]));

    const evidence = await waitForImageScan(clients, IMAGE, options());

    // Backoff 5 s then 10 s then 20 s, each x0.75 (random 0.5); then to 60 s after completion.
    expect(clock.sleeps).toEqual([3750, 7500, 15_000, 48_750]);
    expect(evidence).toMatchObject({ quietSince: iso(15_000), polls: 5, coverageCalls: 5 });
    expect(logged.slice(0, 2)).toEqual([
      `waiting for the scan of ${NAME}: no scan record yet (normal right after a push); Inspector2: ACTIVE/PENDING_INITIAL_SCAN, 0s elapsed`,
      `waiting for the scan of ${NAME}: no scan record yet (normal right after a push); Inspector2: ACTIVE/PENDING_INITIAL_SCAN, 4s elapsed`,
    ]);
  });

  it('ignores coverage records of other images that the server returned', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolves(scan('COMPLETE', { counts: {}, completedAt: at(-HOUR) }));
    inspectorMock
      .on(ListCoverageCommand)
      .resolvesOnce(coveragePage([covered({ digest: OTHER_DIGEST })], 'page-2'))
      .resolvesOnce(
        coveragePage([covered({ repository: 'api', digest: DIGEST }), scannedAt(-HOUR)]),
      );
    const evidence = await waitForImageScan(clients, IMAGE, options());
    expect(evidence.coverage.resourceId).toBe(
      `arn:aws:ecr:us-east-1:123456789012:repository/web/${DIGEST}`,
    );
    expect(evidence.coverageCalls).toBe(2);
  });
});

describe('waitForImageScan: a scan the gate cannot see is exit 2', () => {
  it('exits 2 at once when ECR completed long ago and Inspector2 lists no coverage (basic scanning, another account)', async () => {
    const foreign = { ...IMAGE, registryId: '210987654321' };
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolves(scan('COMPLETE', { counts: { CRITICAL: 2, HIGH: 3 }, completedAt: at(-HOUR) }));
    inspectorMock.on(ListCoverageCommand).resolves(coveragePage([]));

    const wait = waitForImageScan(clients, foreign, options());

    await expect(wait).rejects.toBeInstanceOf(UndecidedError);
    await expect(wait).rejects.toThrow(
      `ECR reports the scan of ${NAME} COMPLETE at ${iso(-HOUR)}, but Inspector2 lists no coverage for it ` +
        '(counts CRITICAL 2, HIGH 3 in ECR): its findings are invisible to this account. ' +
        'The registry or repository uses BASIC scanning, or the image belongs to an account whose Inspector2 this role cannot read',
    );
    expect(clock.sleeps).toEqual([]);
  });

  it('gives a freshly completed scan the quiet window for its coverage to appear, then exits 2', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolves(scan('COMPLETE', { counts: { HIGH: 1 }, completedAt: at(-10_000) }));
    inspectorMock.on(ListCoverageCommand).resolves(coveragePage([]));
    await expect(waitForImageScan(clients, IMAGE, options())).rejects.toThrow(
      'but Inspector2 lists no coverage for it (counts HIGH 1 in ECR)',
    );
    expect(clock.elapsed).toBe(50_000);
    expect(clock.sleeps.every((slept) => slept <= 5_000)).toBe(true);
    expect(logged[0]).toBe(
      `scan COMPLETE after 0s, but Inspector2 lists no coverage for ${NAME} yet; waiting up to 50s for it`,
    );
  });

  it('measures that grace from its own first sight of COMPLETE when ECR gives no completion time', async () => {
    ecrMock.on(DescribeImageScanFindingsCommand).resolves(scan('COMPLETE', { findings: [] }));
    inspectorMock.on(ListCoverageCommand).resolves(coveragePage([]));
    await expect(waitForImageScan(clients, IMAGE, options())).rejects.toThrow(
      `ECR reports the scan of ${NAME} COMPLETE, but Inspector2 lists no coverage for it (no severity counts in ECR)`,
    );
    expect(clock.elapsed).toBe(60_000);
  });

  it.each<[string, string, string]>([
    [
      'INACTIVE',
      'UNSUPPORTED_OS',
      'Inspector2 does not support its OS, architecture or manifest type',
    ],
    ['INACTIVE', 'SCAN_FREQUENCY_MANUAL', 'add the repository to a registry scanning rule'],
    ['INACTIVE', 'EXCLUDED_BY_TAG', 'it is excluded from scanning by a tag'],
    ['INACTIVE', 'ACCESS_DENIED', 'a resource policy keeps Inspector2 from reading the image'],
    ['INACTIVE', 'UNSUPPORTED_MEDIA_TYPE', 'push a single-platform image manifest'],
    ['INACTIVE', 'IMAGE_ARCHIVED', 'restore it from the archive first'],
    [
      'ACTIVE',
      'SOMETHING_NEW',
      'Inspector2 reports ACTIVE/SOMETHING_NEW for it, which assetguard does not know as scanned or pending; refusing to guess',
    ],
  ])(
    'exits 2 at once when Inspector2 will not scan the image (%s/%s), even while ECR has no scan record',
    async (statusCode, reason, advice) => {
      ecrMock
        .on(DescribeImageScanFindingsCommand)
        .rejects(new ScanNotFoundException({ message: 'no scan', $metadata: {} }));
      inspectorMock
        .on(ListCoverageCommand)
        .resolves(coveragePage([covered({ statusCode, reason, lastScannedAt: null })]));
      const wait = waitForImageScan(clients, IMAGE, options());
      await expect(wait).rejects.toBeInstanceOf(UndecidedError);
      await expect(wait).rejects.toThrow(`Inspector2 will not scan ${NAME}: `);
      await expect(wait).rejects.toThrow(advice);
      await expect(wait).rejects.toThrow(
        `(ECR has no scan record; Inspector2 ${statusCode}/${reason})`,
      );
      expect(clock.sleeps).toEqual([]);
    },
  );

  it.each<[string, string]>([
    ['FAILED', 'the scan failed'],
    ['UNSUPPORTED_IMAGE', 'change the base image'],
    ['SCAN_ELIGIBILITY_EXPIRED', 'push it again or raise the scan duration'],
    ['FINDINGS_UNAVAILABLE', 'push the image again to rescan it'],
    ['LIMIT_EXCEEDED', 'the account exceeded its scan quota: retry later'],
    ['IMAGE_ARCHIVED', 'restore it from the archive first'],
  ])('%s is undecidable: the message names the status and what to do', async (status, advice) => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(scan('IN_PROGRESS'))
      .resolvesOnce(scan(status, undefined, 'detail from ECR'));
    inspectorMock.on(ListCoverageCommand).resolves(coveragePage([pending()]));
    const wait = waitForImageScan(clients, IMAGE, options());
    await expect(wait).rejects.toBeInstanceOf(UndecidedError);
    await expect(wait).rejects.toThrow(`scan of ${NAME} ended with status ${status}: `);
    await expect(wait).rejects.toThrow(advice);
    await expect(wait).rejects.toThrow('(ECR: detail from ECR)');
  });

  it('refuses to guess on a status it does not know, naming the operation', async () => {
    ecrMock.on(DescribeImageScanFindingsCommand).resolves(scan('REVIEW_PENDING'));
    await expect(waitForImageScan(clients, IMAGE, options())).rejects.toThrow(
      new UndecidedError(
        `ecr:DescribeImageScanFindings answered status REVIEW_PENDING for ${NAME}, which assetguard does not know; refusing to guess`,
      ),
    );
  });

  it.each<[string, DescribeImageScanFindingsCommandOutput, string]>([
    ['an empty body', { $metadata: {} }, 'without imageScanStatus (an empty or malformed body)'],
    [
      'a lower-case severity count',
      scan('COMPLETE', { counts: { critical: 1 }, completedAt: at(-HOUR) }),
      'with a count for severity "critical", which is not one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED, UNTRIAGED',
    ],
    [
      'a negative count',
      scan('COMPLETE', { counts: { HIGH: -1 }, completedAt: at(-HOUR) }),
      'with -1 HIGH findings',
    ],
    [
      'an answer about another image',
      { ...scan('COMPLETE', { counts: {} }), imageId: { imageDigest: OTHER_DIGEST } },
      `about another image (${OTHER_DIGEST})`,
    ],
    [
      'an unreadable completion time',
      scan('COMPLETE', { counts: {}, completedAt: new Date(Number.NaN) }),
      'with an unreadable imageScanCompletedAt',
    ],
  ])(
    'treats %s from DescribeImageScanFindings as an error (exit 2), never as done',
    async (_name, answer, what) => {
      ecrMock.on(DescribeImageScanFindingsCommand).resolves(answer);
      inspectorMock.on(ListCoverageCommand).resolves(coveragePage([scannedAt(-HOUR)]));
      const wait = waitForImageScan(clients, IMAGE, options());
      await expect(wait).rejects.toBeInstanceOf(UndecidedError);
      await expect(wait).rejects.toThrow(
        `ecr:DescribeImageScanFindings answered for ${NAME} ${what}; refusing to read a malformed answer`,
      );
    },
  );

  it.each<[string, ListCoverageCommandOutput, string]>([
    [
      'an empty body',
      { $metadata: {} },
      'inspector2:ListCoverage answered page 1 without its list of items (an empty or malformed body)',
    ],
    [
      'a record without its scan status',
      coveragePage([{ ...covered(), scanStatus: undefined }]),
      `inspector2:ListCoverage answered a covered resource for ${NAME} without scanStatus`,
    ],
    [
      'a lower-case status code',
      coveragePage([covered({ statusCode: 'active' })]),
      'with scanStatus.statusCode "active", which is not ACTIVE or INACTIVE',
    ],
    [
      'a record without its resource id',
      coveragePage([{ ...covered(), resourceId: undefined }]),
      'without resourceId',
    ],
    [
      'two records for the image',
      coveragePage([scannedAt(-HOUR), scannedAt(-HOUR)]),
      `inspector2:ListCoverage answered 2 records for ${NAME}`,
    ],
  ])('treats %s from ListCoverage as an error (exit 2)', async (_name, answer, what) => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolves(scan('COMPLETE', { counts: {}, completedAt: at(-HOUR) }));
    inspectorMock.on(ListCoverageCommand).resolves(answer);
    const wait = waitForImageScan(clients, IMAGE, options());
    await expect(wait).rejects.toBeInstanceOf(UndecidedError);
    await expect(wait).rejects.toThrow(what);
  });

  it('times out at the deadline, never sleeping past it, and says what it last saw', async () => {
    ecrMock.on(DescribeImageScanFindingsCommand).resolves(scan('IN_PROGRESS'));
    inspectorMock.on(ListCoverageCommand).resolves(coveragePage([pending()]));
    const wait = waitForImageScan(clients, IMAGE, options({ random: () => 1 }));
    await expect(wait).rejects.toThrow(
      new UndecidedError(
        `timed out after 15m waiting for the scan of ${NAME} (last seen: ECR IN_PROGRESS; Inspector2 ACTIVE/PENDING_INITIAL_SCAN); ` +
          'raise the timeout input, or check that Inspector covers the repository (aws inspector2 list-coverage)',
      ),
    );
    expect(clock.sleeps.slice(0, 5)).toEqual([5000, 10_000, 20_000, 30_000, 30_000]);
    expect(Math.max(...clock.sleeps)).toBe(30_000);
    // 5 + 10 + 20 + 28 x 30 = 875s; the last sleep is cut to the 25s left.
    expect(clock.sleeps.at(-1)).toBe(25_000);
    expect(clock.elapsed).toBe(15 * 60_000);
    expect(ecrMock.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(
      clock.sleeps.length + 1,
    );
  });

  it('cuts the quiet-window wait at the deadline too', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolves(scan('COMPLETE', { counts: { HIGH: 1 }, completedAt: at(0) }));
    inspectorMock.on(ListCoverageCommand).resolves(coveragePage([scannedAt(0)]));
    await expect(waitForImageScan(clients, IMAGE, options({ timeoutMs: 30_000 }))).rejects.toThrow(
      'timed out after 30s waiting for the scan',
    );
    expect(clock.sleeps).toEqual([30_000]);
  });

  it('jitters each backoff within [0.5, 1] of the doubling ceiling, capped by maxDelayMs', async () => {
    const draws = [0, 0.25, 0.5, 0.75, 0.999_999];
    let index = 0;
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(scan('PENDING'))
      .resolvesOnce(scan('IN_PROGRESS'))
      .resolvesOnce(scan('IN_PROGRESS'))
      .resolvesOnce(scan('IN_PROGRESS'))
      .resolvesOnce(scan('IN_PROGRESS'))
      .resolves(scan('COMPLETE', { counts: {}, completedAt: at(-HOUR) }));
    inspectorMock.on(ListCoverageCommand).resolves(coveragePage([scannedAt(-HOUR)]));
    await waitForImageScan(
      clients,
      IMAGE,
      options({
        initialDelayMs: 1000,
        maxDelayMs: 8000,
        random: () => draws[index++ % draws.length]!,
      }),
    );
    // Ceilings 1s, 2s, 4s, 8s, 8s (capped); the scan completed long ago, so no quiet wait.
    expect(clock.sleeps).toEqual([500, 1250, 3000, 7000, 8000]);
  });

  it('keeps every backoff sleep within [0.5, 1] x min(maxDelayMs, initial x 2^n)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 100, max: 10_000 }),
        fc.integer({ min: 1, max: 8 }),
        async (draws, initialDelayMs, factor) => {
          ecrMock.reset();
          inspectorMock.reset();
          clock = new FakeClock();
          inspectorMock.on(ListCoverageCommand).resolves(coveragePage([scannedAt(-HOUR)]));
          const maxDelayMs = initialDelayMs * factor;
          const calls = draws.reduce(
            (mock) => mock.resolvesOnce(scan('IN_PROGRESS')),
            ecrMock.on(DescribeImageScanFindingsCommand),
          );
          calls.resolves(scan('COMPLETE', { counts: {}, completedAt: at(-HOUR) }));
          let index = 0;
          await waitForImageScan(
            clients,
            IMAGE,
            options({
              timeoutMs: 24 * 3_600_000,
              initialDelayMs,
              maxDelayMs,
              random: () => draws[index++]!,
            }),
          );
          const backoff = clock.sleeps.slice(0, draws.length);
          backoff.forEach((slept, attempt) => {
            const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
            expect(slept).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
            expect(slept).toBeLessThanOrEqual(ceiling);
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('an AccessDeniedException on DescribeImageScanFindings names the permission to grant', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .rejects(
        awsError('AccessDeniedException', 'User: arn:aws:sts::1:assumed-role/ci is not authorized'),
      );
    const wait = waitForImageScan(clients, IMAGE, options());
    await expect(wait).rejects.toBeInstanceOf(AwsError);
    await expect(wait).rejects.toThrow(
      `could not read the scan status of ${NAME}: AccessDeniedException: User: arn:aws:sts::1:assumed-role/ci is not authorized — grant ecr:DescribeImageScanFindings`,
    );
    expect(ecrMock.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(1);
  });

  it('an AccessDeniedException on ListCoverage names inspector2:ListCoverage', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolves(scan('COMPLETE', { counts: {}, completedAt: at(-HOUR) }));
    inspectorMock
      .on(ListCoverageCommand)
      .rejects(new AccessDeniedException({ message: 'denied', $metadata: {} }));
    const wait = waitForImageScan(clients, IMAGE, options());
    await expect(wait).rejects.toBeInstanceOf(AwsError);
    await expect(wait).rejects.toThrow(
      `could not read the Inspector2 coverage of ${NAME}: AccessDeniedException: denied — grant inspector2:ListCoverage`,
    );
  });
});

describe('resolveImageDigest', () => {
  it('resolves a tag to its digest with one DescribeImages call', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { repositoryName: 'web', imageDigest: DIGEST, imageTags: ['1.4.2', 'latest'] },
      ],
    });
    const resolved = await resolveImageDigest(ecr, parseImageRef('web:1.4.2'), 'us-east-1');
    expect(resolved).toEqual({
      repository: 'web',
      region: 'us-east-1',
      digest: DIGEST,
      tag: '1.4.2',
    });
    const calls = ecrMock.commandCalls(DescribeImagesCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      repositoryName: 'web',
      registryId: undefined,
      imageIds: [{ imageTag: '1.4.2' }],
    });
  });

  it('looks a digest up by digest, in the registry of a full URI, and reports its tag', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({
      imageDetails: [{ imageDigest: DIGEST, imageTags: ['main'] }],
    });
    const ref = parseImageRef(`210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/web@${DIGEST}`);
    const resolved = await resolveImageDigest(ecr, ref, 'eu-west-1');
    expect(resolved).toEqual({
      repository: 'team/web',
      region: 'eu-west-1',
      registryId: '210987654321',
      digest: DIGEST,
      tag: 'main',
    });
    expect(ecrMock.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toEqual({
      repositoryName: 'team/web',
      registryId: '210987654321',
      imageIds: [{ imageDigest: DIGEST }],
    });
  });

  it('refuses to gate a different image than the digest asked for', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({
      imageDetails: [{ imageDigest: `sha256:${'f'.repeat(64)}` }],
    });
    const wait = resolveImageDigest(ecr, parseImageRef(`web@${DIGEST}`), 'us-east-1');
    await expect(wait).rejects.toBeInstanceOf(UndecidedError);
    await expect(wait).rejects.toThrow('refusing to gate a different image');
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'no image',
      { imageDetails: [] },
      'ecr:DescribeImages answered no image for web:1; cannot gate an image it cannot name',
    ],
    [
      'an empty body',
      {},
      'ecr:DescribeImages answered for web:1 without imageDetails (an empty or malformed body); cannot gate an image it cannot name',
    ],
    [
      'an image without its digest',
      { imageDetails: [{ repositoryName: 'web', imageTags: ['1'] }] },
      'ecr:DescribeImages answered for web:1 without a sha256 digest (null); cannot gate an image it cannot name',
    ],
    [
      'a digest that is not sha256',
      { imageDetails: [{ imageDigest: 'md5:abc' }] },
      'ecr:DescribeImages answered for web:1 without a sha256 digest ("md5:abc")',
    ],
    [
      'two images',
      { imageDetails: [{ imageDigest: DIGEST }, { imageDigest: OTHER_DIGEST }] },
      'ecr:DescribeImages answered 2 images for web:1; refusing to pick one',
    ],
  ])('fails closed (exit 2) when DescribeImages answers %s', async (_name, answer, message) => {
    ecrMock.on(DescribeImagesCommand).resolves(answer);
    const wait = resolveImageDigest(ecr, parseImageRef('web:1'), 'us-east-1');
    await expect(wait).rejects.toBeInstanceOf(UndecidedError);
    await expect(wait).rejects.toThrow(message);
  });

  it.each([
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
  ])(
    'refuses an image index (%s) at once, saying what to push instead, without waiting for a scan that never comes',
    async (mediaType) => {
      ecrMock.on(DescribeImagesCommand).resolves({
        imageDetails: [
          { imageDigest: DIGEST, imageTags: ['1.4.2'], imageManifestMediaType: mediaType },
        ],
      });
      const wait = resolveImageDigest(ecr, parseImageRef('web:1.4.2'), 'us-east-1');
      await expect(wait).rejects.toBeInstanceOf(UndecidedError);
      await expect(wait).rejects.toThrow(
        `web:1.4.2 is an image index (${mediaType}, ${DIGEST}), which ECR and Inspector2 never scan: ` +
          'only the platform manifests it lists are scanned. Push a single-platform image ' +
          '(docker buildx build --platform linux/amd64 --provenance=false --sbom=false), ' +
          'or gate each platform manifest by its digest (repo@sha256:…)',
      );
      expect(ecrMock.commandCalls(DescribeImagesCommand)).toHaveLength(1);
      expect(ecrMock.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(0);
    },
  );

  it.each<[string, Record<string, unknown>, string]>([
    [
      'an archived image',
      {
        imageStatus: 'ARCHIVED',
        imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      },
      `web:1 (${DIGEST}) is archived in ECR (imageStatus ARCHIVED): Inspector2 does not scan archived images`,
    ],
    [
      'a Helm chart',
      {
        imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactMediaType: 'application/vnd.cncf.helm.config.v1+json',
      },
      `web:1 (${DIGEST}) is an artifact of type application/vnd.cncf.helm.config.v1+json, not a container image`,
    ],
    [
      'an unknown manifest type',
      { imageManifestMediaType: 'application/vnd.oci.artifact.manifest.v1+json' },
      'has manifest media type application/vnd.oci.artifact.manifest.v1+json, which is neither an image manifest nor an image index',
    ],
  ])('refuses %s at once (exit 2)', async (_name, detail, message) => {
    ecrMock
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ imageDigest: DIGEST, ...detail }] });
    const wait = resolveImageDigest(ecr, parseImageRef('web:1'), 'us-east-1');
    await expect(wait).rejects.toBeInstanceOf(UndecidedError);
    await expect(wait).rejects.toThrow(message);
  });

  it('accepts a single-platform image manifest of either family with an image config', async () => {
    for (const [mediaType, artifactMediaType] of [
      ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.config.v1+json'],
      [
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.container.image.v1+json',
      ],
    ]) {
      ecrMock.reset();
      ecrMock.on(DescribeImagesCommand).resolves({
        imageDetails: [
          { imageDigest: DIGEST, imageManifestMediaType: mediaType, artifactMediaType },
        ],
      });
      await expect(
        resolveImageDigest(ecr, parseImageRef('web:1'), 'us-east-1'),
      ).resolves.toMatchObject({ digest: DIGEST });
    }
  });

  it('an unknown tag is the user’s mistake (ConfigurationError), not an outage', async () => {
    ecrMock.on(DescribeImagesCommand).rejects(
      new ImageNotFoundException({
        message: 'The image requested does not exist',
        $metadata: {},
      }),
    );
    const wait = resolveImageDigest(ecr, parseImageRef('web:1.4.3'), 'us-east-1');
    await expect(wait).rejects.toBeInstanceOf(ConfigurationError);
    await expect(wait).rejects.toThrow(
      'image: web:1.4.3 was not found in ECR repository web (us-east-1): push it first, or check the tag and the region',
    );
  });

  it('an unknown repository is a ConfigurationError naming the repository, region and registry', async () => {
    ecrMock
      .on(DescribeImagesCommand)
      .rejects(new RepositoryNotFoundException({ message: 'does not exist', $metadata: {} }));
    const ref = parseImageRef('210987654321.dkr.ecr.us-east-1.amazonaws.com/wbe:1');
    const wait = resolveImageDigest(ecr, ref, 'us-east-1');
    await expect(wait).rejects.toBeInstanceOf(ConfigurationError);
    await expect(wait).rejects.toThrow(
      'image: ECR repository wbe does not exist in us-east-1 (registry 210987654321): check the image reference and the region',
    );
  });

  it('an AccessDeniedException names ecr:DescribeImages', async () => {
    ecrMock.on(DescribeImagesCommand).rejects(awsError('AccessDeniedException', 'denied'));
    const wait = resolveImageDigest(ecr, parseImageRef('web:1'), 'us-east-1');
    await expect(wait).rejects.toBeInstanceOf(AwsError);
    await expect(wait).rejects.toThrow(
      'could not resolve web:1 to a digest: AccessDeniedException: denied — grant ecr:DescribeImages',
    );
  });
});

describe('assertEnhancedScanning', () => {
  it('accepts a registry with enhanced scanning', async () => {
    ecrMock.on(GetRegistryScanningConfigurationCommand).resolves({
      registryId: '123456789012',
      scanningConfiguration: { scanType: 'ENHANCED', rules: [] },
    });
    await expect(assertEnhancedScanning(ecr)).resolves.toBeUndefined();
  });

  it('fails closed on basic scanning: Inspector2 would have no findings to block on', async () => {
    ecrMock.on(GetRegistryScanningConfigurationCommand).resolves({
      registryId: '123456789012',
      scanningConfiguration: { scanType: 'BASIC', rules: [] },
    });
    const check = assertEnhancedScanning(ecr, '123456789012');
    await expect(check).rejects.toBeInstanceOf(ConfigurationError);
    await expect(check).rejects.toThrow(
      'the ECR registry uses BASIC scanning; the gate needs Amazon Inspector enhanced scanning ' +
        '(aws inspector2 enable --resource-types ECR, or infra/modules/ecr-scanning)',
    );
  });

  it('fails closed when the registry reports no scanning configuration', async () => {
    ecrMock.on(GetRegistryScanningConfigurationCommand).resolves({});
    await expect(assertEnhancedScanning(ecr)).rejects.toThrow(
      'the ECR registry uses no scanning; the gate needs Amazon Inspector enhanced scanning',
    );
  });

  it('does not judge another account’s registry by this account’s configuration', async () => {
    ecrMock.on(GetRegistryScanningConfigurationCommand).resolves({
      registryId: '123456789012',
      scanningConfiguration: { scanType: 'BASIC' },
    });
    await expect(assertEnhancedScanning(ecr, '210987654321')).resolves.toBeUndefined();
  });

  it('an AccessDeniedException names ecr:GetRegistryScanningConfiguration', async () => {
    ecrMock
      .on(GetRegistryScanningConfigurationCommand)
      .rejects(awsError('AccessDeniedException', 'denied'));
    await expect(assertEnhancedScanning(ecr)).rejects.toThrow(
      'could not read the registry scanning configuration: AccessDeniedException: denied — grant ecr:GetRegistryScanningConfiguration',
    );
  });
});

const AMD = `sha256:${'a'.repeat(64)}`;
const ARM = `sha256:${'b'.repeat(64)}`;
const ATTESTATION = `sha256:${'c'.repeat(64)}`;
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** An image index as buildx pushes it (OCI image-index spec): two platforms and a provenance attestation. */
function buildxIndex(mediaType = OCI_INDEX, entryType = OCI_MANIFEST): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType,
    manifests: [
      {
        mediaType: entryType,
        digest: AMD,
        size: 1_234,
        platform: { architecture: 'amd64', os: 'linux' },
      },
      {
        mediaType: entryType,
        digest: ARM,
        size: 1_234,
        platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
      },
      {
        mediaType: OCI_MANIFEST,
        digest: ATTESTATION,
        size: 566,
        annotations: {
          'vnd.docker.reference.digest': AMD,
          'vnd.docker.reference.type': 'attestation-manifest',
        },
        platform: { architecture: 'unknown', os: 'unknown' },
      },
    ],
  });
}

function indexDetail(mediaType = OCI_INDEX): void {
  ecrMock.on(DescribeImagesCommand).resolves({
    imageDetails: [
      {
        registryId: '123456789012',
        imageDigest: DIGEST,
        imageTags: ['1.4.2'],
        imageManifestMediaType: mediaType,
      },
    ],
  });
}

describe('resolveImageTargets and platformManifests (image index)', () => {
  it('gates every platform manifest of a buildx index and skips its attestation', async () => {
    indexDetail();
    ecrMock.on(BatchGetImageCommand).resolves({
      images: [
        {
          imageId: { imageDigest: DIGEST },
          imageManifest: buildxIndex(),
          imageManifestMediaType: OCI_INDEX,
        },
      ],
      failures: [],
    });

    const targets = await resolveImageTargets(ecr, parseImageRef('web:1.4.2'), 'us-east-1');

    const index = { digest: DIGEST, tag: '1.4.2' };
    expect(targets).toEqual({
      requested: {
        repository: 'web',
        region: 'us-east-1',
        digest: DIGEST,
        tag: '1.4.2',
        registryId: '123456789012',
      },
      mediaType: OCI_INDEX,
      images: [
        {
          repository: 'web',
          region: 'us-east-1',
          digest: AMD,
          registryId: '123456789012',
          platform: 'linux/amd64',
          index,
        },
        {
          repository: 'web',
          region: 'us-east-1',
          digest: ARM,
          registryId: '123456789012',
          platform: 'linux/arm64/v8',
          index,
        },
      ],
      skipped: [
        {
          digest: ATTESTATION,
          platform: 'unknown/unknown',
          reason: 'attestation manifest (provenance or SBOM), not a runnable image',
        },
      ],
    });
    expect(ecrMock.commandCalls(BatchGetImageCommand)[0]!.args[0].input).toEqual({
      repositoryName: 'web',
      registryId: '123456789012',
      imageIds: [{ imageDigest: DIGEST }],
      acceptedMediaTypes: [
        OCI_INDEX,
        'application/vnd.docker.distribution.manifest.list.v2+json',
        OCI_MANIFEST,
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v1+prettyjws',
      ],
    });
  });

  it('reads a Docker manifest list the same way', async () => {
    const list = 'application/vnd.docker.distribution.manifest.list.v2+json';
    indexDetail(list);
    ecrMock.on(BatchGetImageCommand).resolves({
      images: [
        {
          imageManifest: buildxIndex(list, 'application/vnd.docker.distribution.manifest.v2+json'),
        },
      ],
    });
    const targets = await resolveImageTargets(ecr, parseImageRef('web:1.4.2'), 'us-east-1');
    expect(targets.images.map((image) => image.platform)).toEqual([
      'linux/amd64',
      'linux/arm64/v8',
    ]);
  });

  it('resolves a single image manifest to itself, without BatchGetImage', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageDigest: DIGEST, imageTags: ['1.4.2'], imageManifestMediaType: OCI_MANIFEST },
      ],
    });
    const targets = await resolveImageTargets(ecr, parseImageRef('web:1.4.2'), 'us-east-1');
    expect(targets.images).toEqual([targets.requested]);
    expect(targets.skipped).toEqual([]);
    expect(ecrMock.commandCalls(BatchGetImageCommand)).toHaveLength(0);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'a failure for the index',
      {
        images: [],
        failures: [
          {
            imageId: { imageDigest: DIGEST },
            failureCode: 'ImageNotFound',
            failureReason: 'Requested image not found',
          },
        ],
      },
      `ecr:BatchGetImage could not read the image index web@${DIGEST} (1.4.2): ImageNotFound (Requested image not found)`,
    ],
    ['an empty body', {}, 'answered for the image index web@'],
    [
      'a manifest that is not JSON',
      { images: [{ imageManifest: '{not json' }] },
      'a manifest that is not JSON; refusing to guess its platforms',
    ],
    [
      'a manifest that is not an index',
      {
        images: [{ imageManifest: JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST }) }],
      },
      `a manifest of media type "${OCI_MANIFEST}", not an image index`,
    ],
    [
      'an index that lists nothing',
      {
        images: [
          {
            imageManifest: JSON.stringify({
              schemaVersion: 2,
              mediaType: OCI_INDEX,
              manifests: [],
            }),
          },
        ],
      },
      'an index that lists no manifests',
    ],
    [
      'an entry without a digest',
      {
        images: [
          {
            imageManifest: JSON.stringify({
              schemaVersion: 2,
              mediaType: OCI_INDEX,
              manifests: [
                { mediaType: OCI_MANIFEST, platform: { os: 'linux', architecture: 'amd64' } },
              ],
            }),
          },
        ],
      },
      'an entry 1 without a sha256 digest',
    ],
    [
      'a nested index',
      { images: [{ imageManifest: buildxIndex(OCI_INDEX, OCI_INDEX) }] },
      'lists another index',
    ],
  ])('refuses %s (exit 2)', async (_name, answer, message) => {
    indexDetail();
    ecrMock.on(BatchGetImageCommand).resolves(answer);
    const wait = resolveImageTargets(ecr, parseImageRef('web:1.4.2'), 'us-east-1');
    await expect(wait).rejects.toBeInstanceOf(UndecidedError);
    await expect(wait).rejects.toThrow(message);
  });

  it('refuses an index that holds only attestations', async () => {
    indexDetail();
    ecrMock.on(BatchGetImageCommand).resolves({
      images: [
        {
          imageManifest: JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_INDEX,
            manifests: [
              {
                mediaType: OCI_MANIFEST,
                digest: ATTESTATION,
                platform: { os: 'unknown', architecture: 'unknown' },
              },
            ],
          }),
        },
      ],
    });
    await expect(resolveImageTargets(ecr, parseImageRef('web:1.4.2'), 'us-east-1')).rejects.toThrow(
      'lists only attestation manifests, no image to gate',
    );
  });

  it('an AccessDeniedException on BatchGetImage names ecr:BatchGetImage', async () => {
    ecrMock.on(BatchGetImageCommand).rejects(awsError('AccessDeniedException', 'denied'));
    await expect(platformManifests(ecr, { ...IMAGE, registryId: '123456789012' })).rejects.toThrow(
      `could not read the image index ${NAME}: AccessDeniedException: denied — grant ecr:BatchGetImage`,
    );
  });
});
