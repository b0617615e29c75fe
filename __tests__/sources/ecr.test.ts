import {
  DescribeImagesCommand,
  DescribeImageScanFindingsCommand,
  ECRClient,
  GetRegistryScanningConfigurationCommand,
  ImageNotFoundException,
  RepositoryNotFoundException,
  ScanNotFoundException,
  type DescribeImageScanFindingsCommandOutput,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import type { Clock } from '../../actions/src/core/clock';
import { AwsError, ConfigurationError, UndecidedError } from '../../actions/src/core/errors';
import {
  assertEnhancedScanning,
  resolveImageDigest,
  waitForImageScan,
  type ScanWaitOptions,
} from '../../actions/src/sources/ecr';
import { parseImageRef, type ResolvedImage } from '../../actions/src/sources/image-ref';

const DIGEST = `sha256:${'e'.repeat(64)}`;
const IMAGE: ResolvedImage = {
  repository: 'web',
  digest: DIGEST,
  tag: '1.4.2',
  region: 'us-east-1',
};
const NAME = `web@${DIGEST} (1.4.2)`;
const START = Date.parse('2026-03-02T12:00:00Z');

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

function scan(
  status: string,
  counts?: Record<string, number>,
  description?: string,
): DescribeImageScanFindingsCommandOutput {
  return {
    $metadata: {},
    registryId: '123456789012',
    repositoryName: 'web',
    imageId: { imageDigest: DIGEST },
    imageScanStatus: { status: status as 'COMPLETE', ...(description && { description }) },
    ...(counts && {
      imageScanFindings: {
        findingSeverityCounts: counts,
        imageScanCompletedAt: new Date('2026-03-02T11:59:00Z'),
      },
    }),
  };
}

const ecrMock = mockClient(ECRClient);
const ecr = new ECRClient({ region: 'us-east-1' });

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
  clock = new FakeClock();
  logged = [];
});

afterAll(() => {
  ecrMock.restore();
});

describe('waitForImageScan', () => {
  it('waits through no record and IN_PROGRESS, then until the counts read the same twice', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .rejectsOnce(new ScanNotFoundException({ message: 'no scan yet', $metadata: {} }))
      .resolvesOnce(scan('IN_PROGRESS'))
      .resolvesOnce(scan('COMPLETE', { HIGH: 1 }))
      .resolvesOnce(scan('COMPLETE', { HIGH: 2, CRITICAL: 1 }))
      .resolvesOnce(scan('COMPLETE', { CRITICAL: 1, HIGH: 2 }));

    const status = await waitForImageScan(ecr, IMAGE, options());

    expect(status).toEqual({
      status: 'COMPLETE',
      counts: { CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNTRIAGED: 0, total: 3 },
      completedAt: '2026-03-02T11:59:00.000Z',
      polls: 5,
    });
    expect(logged).toEqual([
      `waiting for the scan of ${NAME}: no scan record yet (normal right after a push), 0s elapsed`,
      `waiting for the scan of ${NAME}: IN_PROGRESS, 4s elapsed`,
      'scan COMPLETE after 11s: 1 findings; confirming the count has settled',
      'scan COMPLETE after 16s: 3 findings (changed since the last read); confirming the count has settled',
      'scan COMPLETE after 21s: 3 findings, stable across two reads',
    ]);
    // Backoff of 5s then 10s with random 0.5 (x0.75), then the 5s settle delay twice.
    expect(clock.sleeps).toEqual([3750, 7500, 5000, 5000]);
    const calls = ecrMock.commandCalls(DescribeImageScanFindingsCommand);
    expect(calls).toHaveLength(5);
    expect(calls[0]!.args[0].input).toEqual({
      repositoryName: 'web',
      registryId: undefined,
      imageId: { imageDigest: DIGEST },
      maxResults: 1,
    });
  });

  it('accepts ACTIVE (continuous scanning) as done, which the SDK waiter never does', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(scan('ACTIVE', { MEDIUM: 4 }))
      .resolvesOnce(scan('ACTIVE', { MEDIUM: 4 }));
    const status = await waitForImageScan(ecr, { ...IMAGE, registryId: '210987654321' }, options());
    expect(status.status).toBe('ACTIVE');
    expect(status.counts.total).toBe(4);
    expect(status.polls).toBe(2);
    expect(clock.sleeps).toEqual([5000]);
    expect(
      ecrMock.commandCalls(DescribeImageScanFindingsCommand)[0]!.args[0].input.registryId,
    ).toBe('210987654321');
  });

  it('starts the settle check over when a done scan goes back to IN_PROGRESS', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(scan('COMPLETE', { HIGH: 1 }))
      .resolvesOnce(scan('IN_PROGRESS'))
      .resolvesOnce(scan('COMPLETE', { HIGH: 1 }))
      .resolvesOnce(scan('COMPLETE', { HIGH: 1 }));
    const status = await waitForImageScan(ecr, IMAGE, options());
    expect(status.polls).toBe(4);
  });

  it.each<[string, string]>([
    ['FAILED', 'the scan failed'],
    ['UNSUPPORTED_IMAGE', 'change the base image'],
    ['SCAN_ELIGIBILITY_EXPIRED', 'push it again or raise the scan duration'],
    ['FINDINGS_UNAVAILABLE', 'push the image again to rescan it'],
    ['LIMIT_EXCEEDED', 'the account exceeded its scan quota: retry later'],
  ])('%s is undecidable: the message names the status and what to do', async (status, advice) => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(scan('IN_PROGRESS'))
      .resolvesOnce(scan(status, undefined, 'detail from ECR'));
    const wait = waitForImageScan(ecr, IMAGE, options());
    await expect(wait).rejects.toBeInstanceOf(UndecidedError);
    await expect(wait).rejects.toThrow(`scan of ${NAME} ended with status ${status}: `);
    await expect(wait).rejects.toThrow(advice);
    await expect(wait).rejects.toThrow('(ECR: detail from ECR)');
  });

  it('refuses to guess on a status it does not know', async () => {
    ecrMock.on(DescribeImageScanFindingsCommand).resolves(scan('REVIEW_PENDING'));
    await expect(waitForImageScan(ecr, IMAGE, options())).rejects.toThrow(
      new UndecidedError(
        `scan of ${NAME} has status REVIEW_PENDING, which assetguard does not know; refusing to guess`,
      ),
    );
  });

  it('treats a response without a scan status as unknown, not as done', async () => {
    ecrMock.on(DescribeImageScanFindingsCommand).resolves({ $metadata: {} });
    await expect(waitForImageScan(ecr, IMAGE, options())).rejects.toThrow(
      'has status UNKNOWN, which assetguard does not know',
    );
  });

  it('times out at the deadline, never sleeping past it, and says what to check', async () => {
    ecrMock.on(DescribeImageScanFindingsCommand).resolves(scan('IN_PROGRESS'));
    const wait = waitForImageScan(ecr, IMAGE, options({ random: () => 1 }));
    await expect(wait).rejects.toThrow(
      new UndecidedError(
        `timed out after 15m waiting for the scan of ${NAME} (last status: IN_PROGRESS); ` +
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

  it('caps the settle delay by the time left too', async () => {
    // Findings keep arriving: the count never reads the same twice.
    let high = 0;
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .callsFake(() => scan('COMPLETE', { HIGH: (high += 1) }));
    await expect(
      waitForImageScan(ecr, IMAGE, options({ timeoutMs: 12_000, settleDelayMs: 5_000 })),
    ).rejects.toThrow('timed out after 12s waiting for the scan');
    expect(clock.sleeps).toEqual([5000, 5000, 2000]);
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
      .resolvesOnce(scan('COMPLETE', {}))
      .resolvesOnce(scan('COMPLETE', {}));
    await waitForImageScan(
      ecr,
      IMAGE,
      options({
        initialDelayMs: 1000,
        maxDelayMs: 8000,
        settleDelayMs: 100,
        random: () => draws[index++ % draws.length]!,
      }),
    );
    // Ceilings 1s, 2s, 4s, 8s, 8s (capped), then the settle delay.
    expect(clock.sleeps).toEqual([500, 1250, 3000, 7000, 8000, 100]);
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
          clock = new FakeClock();
          const maxDelayMs = initialDelayMs * factor;
          const calls = draws.reduce(
            (mock) => mock.resolvesOnce(scan('IN_PROGRESS')),
            ecrMock.on(DescribeImageScanFindingsCommand),
          );
          calls.resolvesOnce(scan('COMPLETE', {})).resolvesOnce(scan('COMPLETE', {}));
          let index = 0;
          await waitForImageScan(
            ecr,
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

  it('an AccessDeniedException names the permission to grant', async () => {
    ecrMock
      .on(DescribeImageScanFindingsCommand)
      .rejects(
        awsError('AccessDeniedException', 'User: arn:aws:sts::1:assumed-role/ci is not authorized'),
      );
    const wait = waitForImageScan(ecr, IMAGE, options());
    await expect(wait).rejects.toBeInstanceOf(AwsError);
    await expect(wait).rejects.toThrow(
      `could not read the scan status of ${NAME}: AccessDeniedException: User: arn:aws:sts::1:assumed-role/ci is not authorized — grant ecr:DescribeImageScanFindings`,
    );
    expect(ecrMock.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(1);
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

  it('fails closed when ECR names no digest', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [] });
    await expect(resolveImageDigest(ecr, parseImageRef('web:1'), 'us-east-1')).rejects.toThrow(
      new UndecidedError('ECR returned no digest for web:1; cannot gate an image it cannot name'),
    );
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
