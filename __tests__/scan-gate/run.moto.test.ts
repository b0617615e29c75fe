import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-ecr';
import { systemClock } from '../../actions/src/core/clock';
import { ACCOUNT } from '../fixtures/seed';
import type { Evidence } from '../../actions/src/core/evidence';
import type { ImageVerdict } from '../../actions/src/scan-gate/evaluate';
import { replay } from '../../actions/src/replay/replay';
import { scanGate, type ScanGateRun } from '../../actions/src/scan-gate/run';
import type { ScanGateInputs } from '../../actions/src/scan-gate/inputs';
import { sarifErrors, type SarifLog } from '../support/sarif';
import {
  coveredImage,
  startCoverageServer,
  type CoverageServer,
} from '../fixtures/inspector-coverage';
import { shownText } from '../fixtures/markdown-shown';
import { pushImage, seedScanStatus, type PushedImage } from '../fixtures/seed';
import {
  CLEAN,
  motoEndpoint,
  seedEstate,
  seedingEcr,
  VULNERABLE,
  type SeededImage,
} from '../fixtures/moto-estate';

// This file's own moto region: state in other regions belongs to other test files.
const REGION = 'eu-west-1';

let vulnerable: SeededImage;
let clean: SeededImage;
let lines: string[] = [];
// moto 5.2.1 has no Inspector2 ListCoverage: a loopback server answers it and forwards the rest.
let coverage: CoverageServer;
const savedInspectorEndpoint = process.env.AWS_ENDPOINT_URL_INSPECTOR2;

function gate(overrides: Partial<ScanGateInputs>): Promise<ScanGateRun> {
  return scanGate(
    {
      image: 'web:1.0.0',
      policy: writePolicy('version: 1\n'),
      timeoutMs: 60_000,
      outputDir: mkdtempSync(join(tmpdir(), 'ag-gate-')),
      region: REGION,
      ...overrides,
    },
    {
      clock: systemClock,
      log: (line) => lines.push(line),
      wait: { initialDelayMs: 1, settleDelayMs: 1 },
    },
  );
}

/** A loopback endpoint that accepts connections and never answers; it closes them when told. */
async function startHangingServer(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = createServer(() => {
    // Never answer.
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function writePolicy(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ag-policy-')), 'assetguard.yml');
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  coverage = await startCoverageServer(motoEndpoint());
  process.env.AWS_ENDPOINT_URL_INSPECTOR2 = coverage.endpoint;
  [vulnerable, clean] = (await seedEstate(
    REGION,
    [
      { repository: 'web', tag: '1.0.0', findings: VULNERABLE },
      { repository: 'web', tag: '1.0.1', status: 'ACTIVE', findings: CLEAN },
    ],
    { answers: 4 },
  )) as [SeededImage, SeededImage];
});

afterAll(async () => {
  if (savedInspectorEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_INSPECTOR2;
  else process.env.AWS_ENDPOINT_URL_INSPECTOR2 = savedInspectorEndpoint;
  await coverage.close();
});

beforeEach(() => {
  lines = [];
  coverage.reset();
});

describe('scan gate against moto', () => {
  it('fails closed when a policy file other than the default path is missing', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'ag-')), 'policy.yml');
    const run = await gate({ policy: missing });
    expect(run.verdict.verdict).toBe('error');
    expect(run.verdict.error).toBe(
      `policy: ${missing} does not exist (omit the policy input to use the built-in default)`,
    );
  });

  it('blocks the vulnerable image with the built-in default policy', async () => {
    const cwd = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), 'ag-cwd-')));
    let run: ScanGateRun;
    try {
      run = await gate({ image: 'web:1.0.0', policy: '.github/assetguard.yml' });
    } finally {
      process.chdir(cwd);
    }
    const { verdict } = run;
    expect(verdict.verdict).toBe('block');
    expect(verdict.policy.origin).toBe('built-in default');
    expect(verdict.subject).toMatchObject({
      repository: 'web',
      digest: vulnerable.digest,
      tag: '1.0.0',
    });
    // The SUPPRESSED finding and the clean image's findings (moto returns all) are dropped.
    expect(verdict.counts).toMatchObject({ CRITICAL: 1, HIGH: 2, MEDIUM: 1, LOW: 1, total: 5 });
    expect(verdict.blocking.map((entry) => entry.id)).toEqual([
      'CVE-2024-6387',
      'CVE-2023-4911',
      'CVE-2024-2961',
    ]);
    expect(verdict.blocking[0]).toMatchObject({
      severity: 'CRITICAL',
      packages: [
        {
          name: 'openssh-server',
          installedVersion: '1:9.2p1-2',
          fixedVersion: '1:9.2p1-2+deb12u3',
        },
      ],
    });
    expect(verdict.blocking[2]?.packages[0]?.fixedVersion).toBeUndefined();
    expect(run.outcome).toMatchObject({ exitCode: 1 });
    const sarif = JSON.parse(readFileSync(run.files['results.sarif']!, 'utf8')) as SarifLog;
    expect(sarifErrors(sarif)).toEqual([]);
    const levels = Object.fromEntries(
      sarif.runs[0]!.results.map((result) => [result.ruleId, result.level]),
    );
    expect(levels).toEqual({
      'CVE-2024-6387': 'error',
      'CVE-2023-4911': 'error',
      'CVE-2024-2961': 'error',
      'CVE-2023-44487': 'warning',
      'CVE-2022-0563': 'note',
    });
    const rule = sarif.runs[0]!.tool.driver.rules.find(
      (candidate) => candidate.id === 'CVE-2024-6387',
    );
    expect(rule?.properties['security-severity']).toBe('9.8');
    // The scan completed long ago and Inspector2 covers the image: settled at once, no sleep.
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^scan COMPLETE \\(counts CRITICAL 1, HIGH 2, MEDIUM 1, LOW 1\\); Inspector2 scanned web@${vulnerable.digest} \\(1\\.0\\.0\\) at 2026-01-01T01:00:00\\.000Z, .* ago: settled after `,
        ),
      ),
    );
    expect(run.verdict.warnings).toEqual([]);
    expect(
      lines.some((line) => /2 returned for other images or statuses were ignored/.test(line)),
    ).toBe(true);
  });

  it('passes the clean image, whose scan status is ACTIVE (continuous scanning)', async () => {
    const run = await gate({ image: `web@${clean.digest}`, policy: writePolicy('version: 1\n') });
    expect(run.verdict.verdict).toBe('pass');
    expect(run.verdict.counts).toMatchObject({ LOW: 1, total: 1 });
    expect(run.outcome).toMatchObject({ exitCode: 0 });
  });

  it('writes verdict.json, summary.md, SARIF that validates against SARIF 2.1.0, and evidence that replays', async () => {
    const policy = writePolicy(`version: 1
image:
  fail-on: [CRITICAL]
exceptions:
  - id: CVE-2024-6387
    scope: { repository: web }
    reason: mitigated by network policy
    owner: sec@example.com
    expires: 2099-12-31
`);
    const run = await gate({ image: 'web:1.0.0', policy });
    expect(run.verdict.verdict).toBe('pass');
    expect(run.verdict.excepted).toHaveLength(1);

    const onDisk = JSON.parse(
      readFileSync(join(run.reportDir, 'verdict.json'), 'utf8'),
    ) as ImageVerdict;
    expect(onDisk).toEqual(run.verdict);
    const summary = shownText(readFileSync(join(run.reportDir, 'summary.md'), 'utf8'));
    expect(summary.split('\n')[0]).toMatch(/^## assetguard scan-gate: ✅ PASSED/);
    expect(summary).toContain('mitigated by network policy');

    const sarif = JSON.parse(
      readFileSync(join(run.reportDir, 'results.sarif'), 'utf8'),
    ) as SarifLog;
    expect(sarifErrors(sarif)).toEqual([]);
    const results = sarif.runs[0]!.results;
    expect(results).toHaveLength(5);
    expect(results.find((result) => result.ruleId === 'CVE-2024-6387')?.suppressions).toHaveLength(
      1,
    );

    const evidence = JSON.parse(
      readFileSync(join(run.reportDir, 'evidence.json'), 'utf8'),
    ) as Evidence;
    expect(evidence.policy.text).toContain('mitigated by network policy');
    const replayed = await replay(run.reportDir);
    expect(replayed.matches).toBe(true);
    expect(replayed.outcome.exitCode).toBe(0);

    // Editing the recorded verdict is caught: replay recomputes from the findings.
    evidence.verdict.verdict = 'block';
    writeFileSync(join(run.reportDir, 'evidence.json'), JSON.stringify(evidence));
    const tampered = await replay(run.reportDir);
    expect(tampered.matches).toBe(false);
    expect(tampered.outcome.exitCode).toBe(2);
  });

  it("uses the fail-on of the repository's classification level (tags.classification)", async () => {
    const ecr = seedingEcr(REGION);
    await ecr.send(
      new TagResourceCommand({
        resourceArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/web`,
        tags: [{ Key: 'DataClassification', Value: 'restricted' }],
      }),
    );
    const policy = writePolicy(`version: 1
image:
  fail-on: [CRITICAL]
tags:
  required:
    DataClassification: { allowed: [public, internal, restricted] }
  classification:
    key: DataClassification
    levels:
      restricted: { image: { fail-on: [CRITICAL, HIGH, MEDIUM] } }
`);
    const run = await gate({ image: 'web:1.0.0', policy });
    await ecr.send(
      new UntagResourceCommand({
        resourceArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/web`,
        tagKeys: ['DataClassification'],
      }),
    );
    expect(run.verdict.subject).toMatchObject({
      classification: { level: 'restricted', failOn: ['CRITICAL', 'HIGH', 'MEDIUM'] },
    });
    // image.fail-on alone would block only the CRITICAL; the restricted level blocks the MEDIUM too.
    expect(run.verdict.blocking.map((entry) => entry.severity)).toEqual([
      'CRITICAL',
      'HIGH',
      'HIGH',
      'MEDIUM',
    ]);
    expect(run.verdict.blocking[3]?.reason).toBe(
      'MEDIUM is in the fail-on of classification restricted',
    );
    expect(lines).toContain(
      'repository web is classified restricted: fail-on CRITICAL, HIGH, MEDIUM',
    );
    expect((await replay(run.reportDir)).matches).toBe(true);
  });

  it('fails closed (error verdict, reports written) when the tag does not exist', async () => {
    const run = await gate({ image: 'web:9.9.9' });
    expect(run.verdict.verdict).toBe('error');
    expect(run.verdict.error).toMatch(
      /web:9.9.9 was not found in ECR repository web \(eu-west-1\)/,
    );
    expect(run.outcome.exitCode).toBe(2);
    const onDisk = JSON.parse(
      readFileSync(join(run.reportDir, 'verdict.json'), 'utf8'),
    ) as ImageVerdict;
    expect(onDisk.verdict).toBe('error');
  });

  it('fails closed when the repository does not exist', async () => {
    const run = await gate({ image: 'api:1.0.0' });
    expect(run.verdict.error).toMatch(/ECR repository api does not exist in eu-west-1/);
  });

  it('fails closed on a bad policy, naming the file, line and key', async () => {
    const policy = writePolicy('version: 1\nimage:\n  fail-on: [SEVERE]\n');
    const run = await gate({ policy });
    expect(run.verdict.verdict).toBe('error');
    expect(run.verdict.error).toContain(`${policy}:3: image.fail-on.0: must be one of CRITICAL`);
  });
});

describe('scan gate: sources that disagree, and the deadline', () => {
  it('exits 2 with both counts side by side when ECR counts CRITICAL 2 / HIGH 3 that Inspector2 does not list', async () => {
    const ecr = seedingEcr(REGION);
    let image: PushedImage;
    try {
      image = await pushImage(ecr, 'legacy', '7.0.0');
      await seedScanStatus(motoEndpoint(), ecr, image, REGION, {
        status: 'COMPLETE',
        counts: { CRITICAL: 2, HIGH: 3 },
      });
    } finally {
      ecr.destroy();
    }

    const run = await gate({ image: 'legacy:7.0.0' });

    expect(run.verdict.verdict).toBe('error');
    expect(run.outcome.exitCode).toBe(2);
    expect(run.verdict.error).toContain(
      'ECR counts CRITICAL 2, HIGH 3; Inspector2 listed CRITICAL 0, HIGH 0',
    );
    expect(run.verdict.warnings).toEqual([]);
    expect(run.outputs.verdict).toBe('error');
    const summary = shownText(readFileSync(join(run.reportDir, 'summary.md'), 'utf8'));
    expect(summary.split('\n')[0]).toMatch(/COULD NOT DECIDE/);
    expect(summary).toContain('Inspector2 listed CRITICAL 0, HIGH 0');
  });

  it('honours the timeout for the whole run: an Inspector2 endpoint that never answers ends in exit 2 at the deadline', async () => {
    const hanging = await startHangingServer();
    process.env.AWS_ENDPOINT_URL_INSPECTOR2 = hanging.endpoint;
    const started = Date.now();
    let run: ScanGateRun;
    try {
      run = await gate({ image: `web@${clean.digest}`, timeoutMs: 2_000 });
    } finally {
      process.env.AWS_ENDPOINT_URL_INSPECTOR2 = coverage.endpoint;
      await hanging.close();
    }
    // The SDK's own request timeout (30 s by default) is not what ends it: the run's deadline is.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.verdict.verdict).toBe('error');
    expect(run.outcome.exitCode).toBe(2);
    expect(run.verdict.error).toMatch(
      /^the timeout \(2s, for the whole run\) passed: timed out after \d+(\.\d+)?s waiting for the scan of web@/,
    );
  });

  it('honours the timeout while Inspector2 has not scanned the image yet', async () => {
    coverage.seed([
      coveredImage({
        repository: 'web',
        digest: clean.digest,
        region: REGION,
        reason: 'PENDING_INITIAL_SCAN',
        lastScannedAt: null,
      }),
    ]);
    const run = await gate({ image: `web@${clean.digest}`, timeoutMs: 1_000 });
    expect(run.verdict.verdict).toBe('error');
    expect(run.verdict.error).toMatch(
      /^the timeout \(1s, for the whole run\) passed: timed out after \d+(\.\d+)?s waiting for the scan of web@/,
    );
    expect(run.verdict.error).toContain('PENDING_INITIAL_SCAN');
  });
});

describe('scan gate against a registry with basic scanning', () => {
  const BASIC = 'ap-southeast-2';
  it('refuses to pass: Inspector2 has no findings under basic scanning', async () => {
    await seedEstate(BASIC, [{ repository: 'web', tag: '1.0.0', findings: CLEAN }], {
      enhanced: false,
    });
    const run = await gate({ region: BASIC });
    expect(run.verdict.verdict).toBe('error');
    expect(run.verdict.error).toMatch(
      /BASIC scanning; the gate needs Amazon Inspector enhanced scanning/,
    );
    seedingEcr(BASIC).destroy();
  });
});
