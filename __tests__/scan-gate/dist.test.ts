import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAction } from '../support/runner';
import { shownText } from '../fixtures/markdown-shown';
import { startCoverageServer, type CoverageServer } from '../fixtures/inspector-coverage';
import {
  CLEAN,
  motoEndpoint,
  motoEnv,
  seedEstate,
  VULNERABLE,
  type SeededImage,
} from '../fixtures/moto-estate';

// The committed bundle, run exactly as the Actions runner runs it.
const REGION = 'us-west-2';

// moto 5.2.1 has no Inspector2 ListCoverage: the bundle reaches Inspector2 through a loopback
// server that answers it and forwards every other Inspector2 call to moto.
let coverage: CoverageServer;

const awsEnv = (): Record<string, string> => ({
  ...motoEnv(REGION),
  AWS_ENDPOINT_URL_INSPECTOR2: coverage.endpoint,
});

let vulnerable: SeededImage;

afterAll(async () => {
  await coverage.close();
});

beforeAll(async () => {
  coverage = await startCoverageServer(motoEndpoint());
  [vulnerable] = (await seedEstate(REGION, [
    { repository: 'shop/web', tag: 'v1', findings: VULNERABLE },
    { repository: 'shop/web', tag: 'v2', status: 'ACTIVE', findings: CLEAN },
  ])) as [SeededImage, SeededImage];
});

describe('actions/dist/scan-gate run as the runner runs it', () => {
  it('blocks the vulnerable image (exit 1) and passes the clean one (exit 0), with outputs and job summary', async () => {
    // Both at once, as two jobs would. The seeded scans completed long ago and Inspector2 covers
    // both digests, so each run settles at once, without sleeping through a quiet window.
    const [blocked, passed] = await Promise.all([
      runAction('scan-gate', { image: 'shop/web:v1' }, awsEnv()),
      runAction('scan-gate', { image: 'shop/web:v2' }, awsEnv()),
    ]);

    expect(blocked.exitCode).toBe(1);
    expect(blocked.outputs).toMatchObject({
      verdict: 'block',
      'image-digest': vulnerable.digest,
      critical: '1',
      high: '2',
      medium: '1',
      low: '1',
      total: '5',
      blocking: '3',
      'report-dir': 'assetguard-reports/scan-gate',
      'sarif-file': join('assetguard-reports/scan-gate', 'results.sarif'),
    });
    expect(blocked.stdout).toContain(
      '::error::scan-gate: blocked: 3 findings block shop/web@sha256:',
    );
    expect(shownText(blocked.summary)).toMatch(/^## assetguard scan-gate: ❌ BLOCKED/);
    expect(shownText(blocked.summary)).toContain(
      '| CRITICAL | [CVE-2024-6387](https://nvd.nist.gov/vuln/detail/CVE-2024-6387) | openssh-server |',
    );
    expect(existsSync(join(blocked.workspace, 'assetguard-reports/scan-gate/evidence.json'))).toBe(
      true,
    );

    expect(passed.exitCode).toBe(0);
    expect(passed.outputs).toMatchObject({ verdict: 'pass', blocking: '0', total: '1', low: '1' });
    expect(shownText(passed.summary)).toMatch(/^## assetguard scan-gate: ✅ PASSED/);
    expect(passed.stdout).not.toContain('::error::');
    expect(blocked.stdout).toMatch(
      /Inspector2 scanned shop\/web@sha256:[0-9a-f]{64} \(v1\) at .* ago: settled after/,
    );
  }, 60_000);

  it('exits 2 when Inspector2 does not cover the image (basic scanning, or an account this role cannot see)', async () => {
    coverage.coverMotoImages = false;
    let result;
    try {
      result = await runAction('scan-gate', { image: 'shop/web:v2' }, awsEnv());
    } finally {
      coverage.reset();
    }
    expect(result.exitCode).toBe(2);
    expect(result.outputs.verdict).toBe('error');
    expect(result.stdout).toContain('but Inspector2 lists no coverage for it');
    expect(shownText(result.summary)).toMatch(/^## assetguard scan-gate: ⚠️ COULD NOT DECIDE/);
  });

  it('exits 2 and says what to fix when the image input is missing', async () => {
    const result = await runAction('scan-gate', {}, awsEnv());
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('::error::scan-gate: image: required; give the image to gate');
    expect(result.stdout).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('on an invalid input still writes the reports and every output (verdict error)', async () => {
    const result = await runAction(
      'scan-gate',
      { image: 'shop/web:v1', timeout: 'soon' },
      awsEnv(),
    );
    expect(result.exitCode).toBe(2);
    expect(result.outputs).toEqual({
      verdict: 'error',
      'image-digest': '',
      critical: '0',
      high: '0',
      medium: '0',
      low: '0',
      total: '0',
      blocking: '0',
      'report-dir': 'assetguard-reports/scan-gate',
      'sarif-file': join('assetguard-reports/scan-gate', 'results.sarif'),
    });
    const verdict = JSON.parse(
      readFileSync(join(result.workspace, 'assetguard-reports/scan-gate/verdict.json'), 'utf8'),
    ) as { verdict: string; error: string };
    expect(verdict).toMatchObject({
      verdict: 'error',
      error: expect.stringContaining('timeout: "soon"') as unknown,
    });
    expect(existsSync(join(result.workspace, 'assetguard-reports/scan-gate/evidence.json'))).toBe(
      true,
    );
    expect(shownText(result.summary)).toMatch(/^## assetguard scan-gate: ⚠️ COULD NOT DECIDE/);
  });

  it('exits 2 on an unparseable timeout, naming the input', async () => {
    const result = await runAction(
      'scan-gate',
      { image: 'shop/web:v1', timeout: 'soon' },
      awsEnv(),
    );
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('timeout: "soon" is not a duration');
  });

  it('exits 2 with the verdict output "error" when AWS cannot be reached', async () => {
    const result = await runAction(
      'scan-gate',
      { image: 'shop/web:v1', timeout: '5s' },
      { ...awsEnv(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' },
    );
    expect(result.exitCode).toBe(2);
    expect(result.outputs.verdict).toBe('error');
    expect(result.stdout).toMatch(/could not decide: could not resolve shop\/web:v1 to a digest/);
    const verdict = JSON.parse(
      readFileSync(join(result.workspace, 'assetguard-reports/scan-gate/verdict.json'), 'utf8'),
    ) as { verdict: string; error: string };
    expect(verdict.verdict).toBe('error');
  }, 60_000);
});
