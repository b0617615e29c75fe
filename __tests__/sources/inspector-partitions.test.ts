/**
 * The listing of one image's findings by severity partition (sources/inspector.ts
 * listImageFindings, plan `severity`). moto's ListFindings neither filters nor pages, so the
 * partitions are listed against the bench endpoint started here (scripts/bench/endpoint.ts: real
 * filters, 100-per-page nextToken paging, per-operation call counts) through the real SDK client
 * with the factory's retry configuration; the quirks no honest server produces (a finding outside
 * its partition, a findingArn twice, one partition hanging while another fails) come from a fake
 * `send`. No timing assertions.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import {
  AccessDeniedException,
  Inspector2Client,
  type Finding as InspectorFinding,
  type ListFindingsCommandInput,
  type ListFindingsCommandOutput,
} from '@aws-sdk/client-inspector2';
import { clientConfig } from '../../actions/src/core/aws';
import { systemClock } from '../../actions/src/core/clock';
import { AwsError, UndecidedError } from '../../actions/src/core/errors';
import { emptyCounts, SEVERITIES, type Severity } from '../../actions/src/core/model';
import type { ResolvedImage } from '../../actions/src/sources/image-ref';
import { listImageFindings, listingPlan } from '../../actions/src/sources/inspector';
import { scanGate } from '../../actions/src/scan-gate/run';
import { startBenchEndpoint, type BenchEndpoint } from '../../scripts/bench/endpoint';
import { ACCOUNT, inspectorFinding } from '../fixtures/seed';

const REGION = 'us-east-1';
const DIGEST = `sha256:${'4'.repeat(64)}`;
const OTHER_DIGEST = `sha256:${'5'.repeat(64)}`;
const IMAGE: ResolvedImage = {
  repository: 'shop/web',
  digest: DIGEST,
  tag: '2.0.0',
  region: REGION,
  registryId: ACCOUNT,
};
const NAME = `shop/web@${DIGEST} (2.0.0)`;

/** 1,050 ACTIVE findings of the image: ListFindings calls by severity 1+2+5+4+1+1 = 14, single 11. */
const MIX: Record<Severity, number> = {
  CRITICAL: 30,
  HIGH: 170,
  MEDIUM: 420,
  LOW: 310,
  INFORMATIONAL: 60,
  UNTRIAGED: 60,
};
const BY_SEVERITY_CALLS = 14;
const SINGLE_CALLS = 11;

function wireFinding(
  severity: Severity,
  index: number,
  digest = DIGEST,
  status = 'ACTIVE',
): Record<string, unknown> {
  return inspectorFinding(
    { repository: IMAGE.repository, digest, region: REGION, tag: IMAGE.tag },
    {
      cve: `CVE-2025-${String(index).padStart(5, '0')}`,
      severity,
      packageName: 'openssl',
      installed: '3.0.1',
      ...(status !== 'ACTIVE' && { status: status as never }),
    },
    index,
  );
}

/** The image's findings interleaved across severities, with CLOSED ones and another digest's. */
function estate(): Record<string, unknown>[] {
  const findings: Record<string, unknown>[] = [];
  const left = { ...MIX };
  let index = 0;
  while (SEVERITIES.some((severity) => left[severity] > 0)) {
    for (const severity of SEVERITIES) {
      if (left[severity] === 0) continue;
      left[severity] -= 1;
      findings.push(wireFinding(severity, index));
      if (index % 7 === 0) findings.push(wireFinding(severity, 100_000 + index, OTHER_DIGEST));
      if (index % 11 === 0) findings.push(wireFinding(severity, 200_000 + index, DIGEST, 'CLOSED'));
      index += 1;
    }
  }
  return findings;
}

const FINDINGS = estate();
const ECR_COUNTS = (() => {
  const counts = emptyCounts();
  for (const severity of SEVERITIES) {
    counts[severity] = MIX[severity];
    counts.total += MIX[severity];
  }
  return counts;
})();
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

function inspectorAt(url: string): Inspector2Client {
  // The factory's configuration (standard retries, 5 attempts), the endpoint overridden; an empty
  // environment so AWS_MAX_ATTEMPTS on the machine cannot change it.
  return new Inspector2Client({
    ...clientConfig({ region: REGION }, {}),
    endpoint: url,
    credentials,
  });
}

let logged: string[];
const log = (line: string): void => {
  logged.push(line);
};
beforeEach(() => {
  logged = [];
});

describe('listing by severity against the bench endpoint', () => {
  let endpoint: BenchEndpoint;
  let inspector: Inspector2Client;
  /** The findings the endpoint holds that are the image's and ACTIVE, by arn. */
  const expected = new Set(
    FINDINGS.filter(
      (raw) =>
        raw.status === 'ACTIVE' &&
        JSON.stringify(raw.resources).includes(DIGEST) &&
        !JSON.stringify(raw.resources).includes(OTHER_DIGEST),
    ).map((raw) => raw.findingArn as string),
  );

  beforeAll(async () => {
    endpoint = await startBenchEndpoint({
      image: { ...IMAGE, registryId: ACCOUNT, tag: '2.0.0' },
      findings: FINDINGS,
      latencyMs: 0,
    });
    inspector = inspectorAt(endpoint.url);
  });
  afterAll(async () => {
    inspector.destroy();
    await endpoint.stop();
  });
  beforeEach(() => {
    endpoint.resetCalls();
  });

  it('chooses the plan from ECR’s counts: by severity only past one page', () => {
    expect(listingPlan(undefined)).toBe('single');
    expect(listingPlan({ ...emptyCounts(), HIGH: 100, total: 100 })).toBe('single');
    expect(listingPlan({ ...emptyCounts(), HIGH: 101, total: 101 })).toBe('severity');
  });

  it('lists every finding once, in severity order, in sum over severities of max(1, ceil(n/100)) calls', async () => {
    const listed = await listImageFindings(inspector, IMAGE, { log, ecrCounts: ECR_COUNTS });
    expect(listed.plan).toBe('severity');
    expect(expected.size).toBe(1_050);
    expect(listed.findings.map((finding) => finding.sourceId).sort()).toEqual([...expected].sort());
    expect(listed.callsBySeverity).toEqual({
      CRITICAL: 1,
      HIGH: 2,
      MEDIUM: 5,
      LOW: 4,
      INFORMATIONAL: 1,
      UNTRIAGED: 1,
    });
    expect(listed.calls).toBe(BY_SEVERITY_CALLS);
    expect(endpoint.calls()).toEqual({ 'Inspector2:ListFindings': BY_SEVERITY_CALLS });
    // Merged CRITICAL first whichever partition finished first, each in the server's order.
    const ranks = listed.findings.map((finding) => SEVERITIES.indexOf(finding.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const again = await listImageFindings(inspector, IMAGE, { log, ecrCounts: ECR_COUNTS });
    expect(again.findings.map((finding) => finding.sourceId)).toEqual(
      listed.findings.map((finding) => finding.sourceId),
    );
  });

  it('lists with one paginated listing when ECR gave no counts (the same findings)', async () => {
    const listed = await listImageFindings(inspector, IMAGE, { log });
    expect(listed.plan).toBe('single');
    expect(listed.callsBySeverity).toBeUndefined();
    expect(listed.calls).toBe(SINGLE_CALLS);
    expect(endpoint.calls()).toEqual({ 'Inspector2:ListFindings': SINGLE_CALLS });
    expect(new Set(listed.findings.map((finding) => finding.sourceId))).toEqual(expected);
  });

  it('a partition throttled once is retried by the SDK and the listing completes', async () => {
    let mediumCalls = 0;
    const throttling = await startBenchEndpoint({
      image: { ...IMAGE, registryId: ACCOUNT, tag: '2.0.0' },
      findings: FINDINGS,
      latencyMs: 0,
      fault: ({ operation, body }) => {
        if (operation !== 'Inspector2:ListFindings' || !JSON.stringify(body).includes('"MEDIUM"'))
          return undefined;
        mediumCalls += 1;
        return mediumCalls === 2
          ? { status: 429, code: 'ThrottlingException', message: 'Rate exceeded' }
          : undefined;
      },
    });
    const client = inspectorAt(throttling.url);
    try {
      const listed = await listImageFindings(client, IMAGE, { log, ecrCounts: ECR_COUNTS });
      expect(new Set(listed.findings.map((finding) => finding.sourceId))).toEqual(expected);
      expect(listed.findings).toHaveLength(1_050);
      expect(listed.calls).toBe(BY_SEVERITY_CALLS);
      // The endpoint saw the throttled request and its retry: one more than the pages.
      expect(throttling.calls()).toEqual({ 'Inspector2:ListFindings': BY_SEVERITY_CALLS + 1 });
      expect(mediumCalls).toBe(Math.ceil(MIX.MEDIUM / 100) + 1);
    } finally {
      client.destroy();
      await throttling.stop();
    }
  });

  it('a partition that keeps failing fails the whole listing, naming ListFindings (exit 2)', async () => {
    const denying = await startBenchEndpoint({
      image: { ...IMAGE, registryId: ACCOUNT, tag: '2.0.0' },
      findings: FINDINGS,
      latencyMs: 0,
      fault: ({ operation, body }) =>
        operation === 'Inspector2:ListFindings' && JSON.stringify(body).includes('"LOW"')
          ? {
              status: 403,
              code: 'AccessDeniedException',
              message: 'not authorized to perform: inspector2:ListFindings',
            }
          : undefined,
    });
    const client = inspectorAt(denying.url);
    try {
      const listing = listImageFindings(client, IMAGE, { log, ecrCounts: ECR_COUNTS });
      await expect(listing).rejects.toBeInstanceOf(AwsError);
      await expect(listing).rejects.toThrow(
        `could not list LOW Inspector findings for ${NAME}: AccessDeniedException: not authorized to perform: inspector2:ListFindings — grant inspector2:ListFindings`,
      );
    } finally {
      client.destroy();
      await denying.stop();
    }
  });
});

describe('scan gate against the bench endpoint', () => {
  function policyFile(): string {
    const file = join(mkdtempSync(join(tmpdir(), 'ag-policy-')), 'assetguard.yml');
    writeFileSync(file, 'version: 1\n');
    return file;
  }

  async function gateAgainst(endpoint: BenchEndpoint) {
    const config = { ...clientConfig({ region: REGION }, {}), endpoint: endpoint.url, credentials };
    const clients = { ecr: new ECRClient(config), inspector: new Inspector2Client(config) };
    try {
      return await scanGate(
        {
          image: `${IMAGE.repository}:${IMAGE.tag}`,
          policy: policyFile(),
          timeoutMs: 60_000,
          outputDir: mkdtempSync(join(tmpdir(), 'ag-gate-')),
          region: REGION,
        },
        { clock: systemClock, log, clients: () => clients },
      );
    } finally {
      clients.ecr.destroy();
      clients.inspector.destroy();
    }
  }

  it('blocks on the partitioned listing, reporting its calls, with the checks beside DescribeImages', async () => {
    const endpoint = await startBenchEndpoint({
      image: { ...IMAGE, registryId: ACCOUNT, tag: '2.0.0' },
      findings: FINDINGS,
      latencyMs: 0,
    });
    try {
      const run = await gateAgainst(endpoint);
      expect(run.verdict.verdict).toBe('block');
      expect(run.verdict.counts).toMatchObject({ ...MIX, total: 1_050 });
      const evidence = JSON.parse(readFileSync(run.files['evidence.json'] ?? '', 'utf8')) as {
        context: { listFindingsCalls: number };
      };
      expect(evidence.context.listFindingsCalls).toBe(BY_SEVERITY_CALLS);
      expect(logged).toContain(
        `listed 1050 ACTIVE findings in ${BY_SEVERITY_CALLS} ListFindings call(s), by severity in concurrent partitions ` +
          '(sum over severities of max(1, ceil(n/100)): CRITICAL 1, HIGH 2, MEDIUM 5, LOW 4, INFORMATIONAL 1, UNTRIAGED 1)',
      );
      expect(endpoint.calls()).toEqual({
        'ECR:DescribeImages': 1,
        'ECR:GetRegistryScanningConfiguration': 1,
        'ECR:DescribeImageScanFindings': 1,
        'Inspector2:ListCoverage': 1,
        'Inspector2:ListFindings': BY_SEVERITY_CALLS,
      });
    } finally {
      await endpoint.stop();
    }
  });

  it('exits 2 when ECR counts blocking findings the partitions did not list, saying both counts and what to do', async () => {
    const endpoint = await startBenchEndpoint({
      image: { ...IMAGE, registryId: ACCOUNT, tag: '2.0.0' },
      findings: FINDINGS,
      latencyMs: 0,
      severityCounts: { ...MIX, UNDEFINED: MIX.UNTRIAGED, UNTRIAGED: 0, CRITICAL: 31 },
    });
    try {
      const run = await gateAgainst(endpoint);
      expect(run.verdict.verdict).toBe('error');
      expect(run.verdict.error).toContain(
        'at severities that block (CRITICAL, HIGH): ECR counts CRITICAL 31; Inspector2 listed CRITICAL 30.',
      );
      expect(run.verdict.error).toContain('retry in a few minutes');
    } finally {
      await endpoint.stop();
    }
  });
});

describe('listing by severity: answers no honest server gives (fake send)', () => {
  const inspector = new Inspector2Client({ region: REGION, credentials });
  afterAll(() => {
    inspector.destroy();
  });

  /** The SDK-typed finding for a wire finding (timestamps as Dates). */
  function sdk(wire: Record<string, unknown>): InspectorFinding {
    return JSON.parse(JSON.stringify(wire), (key, value: unknown) =>
      ['firstObservedAt', 'lastObservedAt', 'updatedAt', 'pushedAt', 'lastInUseAt'].includes(key) &&
      typeof value === 'number'
        ? new Date(value * 1000)
        : value,
    ) as InspectorFinding;
  }

  type Answer = (
    severity: string,
    nextToken: string | undefined,
    signal: AbortSignal | undefined,
  ) => Promise<ListFindingsCommandOutput> | ListFindingsCommandOutput;

  /** Replaces `send`: each ListFindings request is answered by `answer` for its severity. */
  function fake(answer: Answer): jest.SpyInstance {
    return jest
      .spyOn(inspector, 'send')
      .mockImplementation(((
        command: { input: ListFindingsCommandInput },
        options?: { abortSignal?: AbortSignal },
      ) =>
        Promise.resolve(
          answer(
            command.input.filterCriteria?.severity?.[0]?.value ?? 'ANY',
            command.input.nextToken,
            options?.abortSignal,
          ),
        )) as never);
  }
  const page = (findings: InspectorFinding[], nextToken?: string): ListFindingsCommandOutput => ({
    $metadata: {},
    findings,
    ...(nextToken !== undefined && { nextToken }),
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('follows empty pages that carry a nextToken within a partition', async () => {
    fake((severity, token) =>
      severity !== 'HIGH'
        ? page([])
        : token === undefined
          ? page([], 'empty-1')
          : page([sdk(wireFinding('HIGH', 1))]),
    );
    const listed = await listImageFindings(inspector, IMAGE, { log, plan: 'severity' });
    expect(listed.findings).toHaveLength(1);
    expect(listed.callsBySeverity?.HIGH).toBe(2);
    expect(listed.calls).toBe(7);
  });

  it('refuses a finding outside its partition: the severity filter was not applied', async () => {
    const medium = sdk(wireFinding('MEDIUM', 3));
    fake((severity) => (severity === 'HIGH' ? page([medium]) : page([])));
    const listing = listImageFindings(inspector, IMAGE, { log, plan: 'severity' });
    await expect(listing).rejects.toBeInstanceOf(UndecidedError);
    await expect(listing).rejects.toThrow(
      `inspector2:ListFindings answered a MEDIUM finding (${String(medium.findingArn)}) for ${NAME} when asked for HIGH findings only: the severity filter was not applied`,
    );
  });

  it('refuses a findingArn listed in two partitions (a severity that changed mid-listing)', async () => {
    const high = sdk(wireFinding('HIGH', 4));
    const rescored = { ...high, severity: 'MEDIUM' as const };
    fake((severity) =>
      severity === 'HIGH' ? page([high]) : severity === 'MEDIUM' ? page([rescored]) : page([]),
    );
    const listing = listImageFindings(inspector, IMAGE, { log, plan: 'severity' });
    await expect(listing).rejects.toBeInstanceOf(UndecidedError);
    await expect(listing).rejects.toThrow(
      new RegExp(
        `listed finding ${String(high.findingArn)} for .* twice \\(in the (HIGH and MEDIUM|MEDIUM and HIGH) partitions\\).*refusing to decide`,
      ),
    );
  });

  it('refuses a findingArn listed twice within one partition', async () => {
    const low = sdk(wireFinding('LOW', 5));
    fake((severity, token) =>
      severity !== 'LOW' ? page([]) : token === undefined ? page([low], 't1') : page([low]),
    );
    await expect(listImageFindings(inspector, IMAGE, { log, plan: 'severity' })).rejects.toThrow(
      `listed finding ${String(low.findingArn)} for ${NAME} twice (in the LOW partition again)`,
    );
  });

  it('one partition failing aborts the others, awaits them, and fails the listing with its error', async () => {
    const hanging: { signal: AbortSignal | undefined; settled: boolean }[] = [];
    let release: () => void = () => undefined;
    const othersStarted = new Promise<void>((resolve) => {
      release = resolve;
    });
    fake(async (severity, _token, signal) => {
      if (severity === 'HIGH') {
        await othersStarted; // fail only once the others are in flight
        throw new AccessDeniedException({
          message: 'not authorized to perform: inspector2:ListFindings',
          $metadata: { httpStatusCode: 403 },
        });
      }
      const entry = { signal, settled: false };
      hanging.push(entry);
      if (hanging.length === 5) release();
      // Hang until aborted, as an HTTP request does.
      return new Promise<ListFindingsCommandOutput>((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          entry.settled = true;
          reject(signal.reason as Error);
        });
      });
    });
    const listing = listImageFindings(inspector, IMAGE, { log, plan: 'severity' });
    await expect(listing).rejects.toBeInstanceOf(AwsError);
    await expect(listing).rejects.toThrow(
      `could not list HIGH Inspector findings for ${NAME}: AccessDeniedException`,
    );
    expect(hanging).toHaveLength(5);
    expect(hanging.every((entry) => entry.signal?.aborted === true && entry.settled)).toBe(true);
  });

  it('keeps at most the given number of requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    fake(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return page([]);
    });
    const { concurrencyLimit } = await import('../../actions/src/sources/paging');
    await listImageFindings(inspector, IMAGE, {
      log,
      plan: 'severity',
      limit: concurrencyLimit(2),
    });
    expect(most).toBe(2);
  });
});
