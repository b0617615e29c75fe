/**
 * The scan wait over the real protocols: ECR on moto, Inspector2 ListCoverage from the loopback
 * coverage endpoint (moto 5.2.1 does not implement it), both through the SDK's deserializers.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { clientConfig } from '../../actions/src/core/aws';
import { systemClock } from '../../actions/src/core/clock';
import { UndecidedError } from '../../actions/src/core/errors';
import { waitForImageScan, type ScanClients } from '../../actions/src/sources/ecr';
import type { ResolvedImage } from '../../actions/src/sources/image-ref';
import { listImageFindings } from '../../actions/src/sources/inspector';
import {
  coveredImage,
  SEEDED_SCAN_EPOCH,
  startCoverageServer,
  type CoverageServer,
} from '../fixtures/inspector-coverage';
import { motoEndpoint, seedEstate, seedingEcr, VULNERABLE } from '../fixtures/moto-estate';
import { ACCOUNT, pushImage, seedScanStatus, type PushedImage } from '../fixtures/seed';

// This file's own moto region.
const REGION = 'ap-northeast-3';
const SEEDED_AT = new Date(SEEDED_SCAN_EPOCH * 1000).toISOString();

let coverage: CoverageServer;
let clients: ScanClients;
let logged: string[];

function resolved(image: PushedImage): ResolvedImage {
  return { ...image, region: REGION, registryId: ACCOUNT };
}

function wait(image: PushedImage): ReturnType<typeof waitForImageScan> {
  return waitForImageScan(clients, resolved(image), {
    timeoutMs: 60_000,
    clock: systemClock,
    log: (line) => logged.push(line),
    initialDelayMs: 10,
    settleDelayMs: 10,
  });
}

beforeAll(async () => {
  coverage = await startCoverageServer(motoEndpoint());
  const base = {
    ...clientConfig({ region: REGION, maxAttempts: 1 }, {}),
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  clients = {
    ecr: new ECRClient({ ...base, endpoint: motoEndpoint() }),
    inspector: new Inspector2Client({ ...base, endpoint: coverage.endpoint }),
  };
});

afterAll(async () => {
  clients.ecr.destroy();
  clients.inspector.destroy();
  await coverage.close();
});

beforeEach(() => {
  coverage.reset();
  logged = [];
});

describe('waitForImageScan over the wire', () => {
  it('settles at once on a scan that completed long ago, with the evidence of both services, then lists the findings', async () => {
    const [image] = await seedEstate(REGION, [
      { repository: 'web', tag: '1.0.0', findings: VULNERABLE },
    ]);
    const started = Date.now();

    const evidence = await wait(image!);

    expect(Date.now() - started).toBeLessThan(3_000);
    expect(evidence).toMatchObject({
      status: 'COMPLETE',
      description: 'seeded',
      counts: { CRITICAL: 1, HIGH: 2, MEDIUM: 1, LOW: 1, total: 5 },
      completedAt: SEEDED_AT,
      coverage: {
        resourceId: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/web/${image!.digest}`,
        accountId: ACCOUNT,
        statusCode: 'ACTIVE',
        reason: 'SUCCESSFUL',
        lastScannedAt: SEEDED_AT,
      },
      quietSince: SEEDED_AT,
      polls: 1,
      coverageCalls: 1,
    });
    // What went over the wire to ListCoverage (restJson1 body), as the service model names it.
    expect(coverage.requests).toEqual([
      {
        filterCriteria: {
          resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }],
          ecrRepositoryName: [{ comparison: 'EQUALS', value: 'web' }],
          accountId: [{ comparison: 'EQUALS', value: ACCOUNT }],
        },
        maxResults: 200,
      },
    ]);
    // Every other Inspector2 call reaches moto through the same endpoint.
    const listed = await listImageFindings(clients.inspector, resolved(image!), {
      log: () => undefined,
    });
    expect(listed.findings).toHaveLength(5);
  });

  it('exits 2 on an image ECR scanned (CRITICAL 2, HIGH 3) that Inspector2 does not cover: basic scanning or another account', async () => {
    const ecr = seedingEcr(REGION);
    let image: PushedImage;
    try {
      image = await pushImage(ecr, 'legacy', 'basic');
      await seedScanStatus(motoEndpoint(), ecr, image, REGION, {
        status: 'COMPLETE',
        counts: { CRITICAL: 2, HIGH: 3 },
      });
    } finally {
      ecr.destroy();
    }
    coverage.coverMotoImages = false;

    const waiting = wait(image);

    await expect(waiting).rejects.toBeInstanceOf(UndecidedError);
    await expect(waiting).rejects.toThrow(
      `ECR reports the scan of legacy@${image.digest} (basic) COMPLETE at ${SEEDED_AT}, but Inspector2 lists no coverage for it (counts CRITICAL 2, HIGH 3 in ECR)`,
    );
  });

  it('exits 2 at once when Inspector2 reports the image unsupported', async () => {
    const [image] = await seedEstate(REGION, [
      { repository: 'distroless', tag: '1', findings: [] },
    ]);
    coverage.seed([
      coveredImage({
        ...image!,
        region: REGION,
        statusCode: 'INACTIVE',
        reason: 'UNSUPPORTED_OS',
        lastScannedAt: null,
      }),
    ]);
    await expect(wait(image!)).rejects.toThrow(
      `Inspector2 will not scan distroless@${image!.digest} (1): Inspector2 does not support its OS`,
    );
  });

  it('exits 2 on an HTTP 200 ListCoverage answer with an empty body', async () => {
    const [image] = await seedEstate(REGION, [{ repository: 'api', tag: '2', findings: [] }]);
    coverage.answerOnce(200, '');
    await expect(wait(image!)).rejects.toThrow(
      'inspector2:ListCoverage answered page 1 without its list of items (an empty or malformed body)',
    );
  });
});
