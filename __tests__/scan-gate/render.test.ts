import { MAX_SUMMARY_BYTES } from '../../actions/src/core/markdown';
import type { Finding, SeverityCounts } from '../../actions/src/core/model';
import { loadedFromText, type LoadedPolicy } from '../../actions/src/core/policy';
import { toSarif } from '../../actions/src/core/sarif';
import { errorVerdict, type BlockingEntry } from '../../actions/src/core/verdict';
import { evaluateImage, type ImageSubject } from '../../actions/src/scan-gate/evaluate';
import { imageSarifEntries, renderImageSummary } from '../../actions/src/scan-gate/render';
import { sarifErrors } from '../support/sarif';

// What Inspector2 sends is untrusted: ids, titles, package names and source URLs reach the job
// summary, the CLI's stdout (which a workflow step's runner reads) and results.sarif.
const DIGEST = `sha256:${'d'.repeat(64)}`;
const SUBJECT: ImageSubject = {
  image: 'web:1.4.2',
  repository: 'web',
  digest: DIGEST,
  tag: '1.4.2',
  region: 'us-east-1',
};
const NOW = new Date('2026-03-02T12:00:00Z');
const INJECTED = 'x\n::error::INJECTED\n::stop-commands::tok';

function policy(...yaml: string[]): LoadedPolicy {
  return loadedFromText(`${['version: 1', ...yaml].join('\n')}\n`, '.github/assetguard.yml');
}

function finding(overrides: Partial<Finding> = {}): Finding {
  const id = overrides.id ?? 'CVE-2024-0001';
  return {
    id,
    sourceId: `arn:aws:inspector2:us-east-1:123456789012:finding/${id}`,
    source: 'inspector2',
    severity: 'CRITICAL',
    status: 'ACTIVE',
    title: `${id} - openssl`,
    resource: { id: 'arn:image', type: 'AWS_ECR_CONTAINER_IMAGE', repository: 'web' },
    packages: [{ name: 'openssl', installedVersion: '3.0.1', fixedVersion: '3.0.2' }],
    fixAvailable: 'yes',
    ...overrides,
  };
}

const HOSTILE: Finding[] = [
  finding({ id: '<img src=x onerror=alert(3)>', url: 'javascript:alert(1)' }),
  finding({
    id: 'CVE-2024-0002',
    url: `https://nvd.example/CVE-2024-0002${INJECTED}`,
    title: `title ${INJECTED}`,
    packages: [{ name: 'pkg|with|pipes', installedVersion: INJECTED, fixedVersion: '<b>1</b>' }],
  }),
];

function commandLines(text: string): string[] {
  return text.split('\n').filter((line) => /^\s*::/.test(line) || line.includes('##['));
}

function cells(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1);
}

describe('renderImageSummary escapes every finding field', () => {
  const verdict = evaluateImage({
    findings: HOSTILE,
    policy: policy(),
    subject: SUBJECT,
    now: NOW,
  });
  const summary = renderImageSummary(verdict, 'out/scan');

  it('writes a finding id like <img onerror> as text, never as HTML', () => {
    expect(summary).not.toMatch(/(?<!\\)<(img|b)/);
    expect(summary).toContain('\\<img src=x onerror=alert(3)\\>');
  });

  it('never makes a javascript: URL a link; an http(s) URL with a newline stays on its line', () => {
    expect(summary).not.toMatch(/\]\(javascript:/i);
    expect(summary).toContain(
      '[CVE-2024-0002](https://nvd.example/CVE-2024-0002x::error::INJECTED::stop-commands::tok)',
    );
  });

  it('has no line a runner would take as a workflow command (the CLI prints it to stdout)', () => {
    expect(commandLines(summary)).toEqual([]);
  });

  it('keeps every table row whole', () => {
    const rows = summary
      .split('\n')
      .filter((line) => line.startsWith('| CRITICAL') && !line.startsWith('| CRITICAL | HIGH'));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(cells(row)).toHaveLength(6);
  });

  it('stays under the job summary limit with huge texts, saying where the rest is', () => {
    const huge = Array.from({ length: 150 }, (_, index) =>
      finding({
        id: `CVE-2024-${index}${'<'.repeat(3000)}`,
        packages: [{ name: '|'.repeat(3000), installedVersion: '_'.repeat(3000) }],
      }),
    );
    const big = renderImageSummary(
      evaluateImage({ findings: huge, policy: policy(), subject: SUBJECT, now: NOW }),
      'out/scan',
    );
    expect(Buffer.byteLength(big)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(big).toMatch(
      /\*\*This summary was cut at 512 KiB of \d+ KiB\*\* \(GitHub shows at most 1 MiB per step\): verdict\.json in `out\/scan` has everything\.\n$/,
    );
  });
});

describe('renderImageSummary when nothing was decided', () => {
  it('has no empty backticks when no policy was loaded, and lists the problems one per line', () => {
    const verdict = errorVerdict<Partial<ImageSubject>, SeverityCounts, BlockingEntry>({
      command: 'scan-gate',
      subject: { image: 'web:1' },
      counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNTRIAGED: 0, total: 0 },
      policy: undefined,
      now: NOW,
      message:
        'invalid policy (2 problems):\n  p.yml:3: image.fail-on.0: must be one of CRITICAL\n  p.yml:8: exceptions.0.reason: must not be blank',
    });
    const summary = renderImageSummary(verdict, 'out');
    expect(summary).not.toContain('``');
    expect(summary).toContain('Policy: not loaded · evaluated');
    expect(summary).toContain(
      'invalid policy (2 problems):\n\n- p.yml:3: image.fail-on.0: must be one of CRITICAL\n- p.yml:8: exceptions.0.reason: must not be blank',
    );
  });
});

describe('imageSarifEntries: alerts on a file that exists', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ['GITHUB_WORKFLOW_REF', 'GITHUB_REPOSITORY', 'GITHUB_WORKSPACE']) {
      if (saved[key] === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = saved[key];
    }
  });

  it('never names a Dockerfile; with a policy file, points at it', () => {
    const verdict = evaluateImage({
      findings: HOSTILE,
      policy: policy(),
      subject: SUBJECT,
      now: NOW,
    });
    const entries = imageSarifEntries(verdict, HOSTILE);
    expect(entries.map((entry) => entry.file)).toEqual([
      '.github/assetguard.yml',
      '.github/assetguard.yml',
    ]);
    const text = toSarif(entries, 'assetguard/scan-gate');
    expect(text).not.toContain('Dockerfile');
    expect(text).not.toContain('javascript:');
    expect(sarifErrors(JSON.parse(text))).toEqual([]);
  });

  it('with the built-in default: the workflow file in Actions, else no location (never a file that may not exist)', () => {
    const builtIn = loadedFromText('version: 1\n', 'built-in default');
    const verdict = evaluateImage({
      findings: HOSTILE,
      policy: builtIn,
      subject: SUBJECT,
      now: NOW,
    });
    Reflect.deleteProperty(process.env, 'GITHUB_WORKFLOW_REF');
    expect(imageSarifEntries(verdict, HOSTILE).map((entry) => entry.file)).toEqual([
      undefined,
      undefined,
    ]);
    Object.assign(process.env, {
      GITHUB_REPOSITORY: 'octo/shop',
      GITHUB_WORKFLOW_REF: 'octo/shop/.github/workflows/deploy.yml@refs/pull/7/merge',
    });
    const entries = imageSarifEntries(verdict, HOSTILE);
    expect(entries.map((entry) => entry.file)).toEqual([
      '.github/workflows/deploy.yml',
      '.github/workflows/deploy.yml',
    ]);
    const text = toSarif(entries, 'assetguard/scan-gate');
    expect(text).not.toContain('.github/assetguard.yml');
    expect(sarifErrors(JSON.parse(text))).toEqual([]);
  });
});

describe('the summary says when results.sarif keeps only the most severe', () => {
  it('names how many of how many, and where all of them are', () => {
    const findings = Array.from({ length: 25_010 }, (_, index) =>
      finding({ id: `CVE-2024-${index}`, severity: index < 10 ? 'CRITICAL' : 'LOW' }),
    );
    const verdict = evaluateImage({ findings, policy: policy(), subject: SUBJECT, now: NOW });
    expect(renderImageSummary(verdict, 'out')).toContain(
      'results.sarif holds the 25000 most severe of 25010 results (blocking first): GitHub code scanning accepts at most 25000 per run. verdict.json and evidence.json have every one.',
    );
  });
});

describe('renderImageSummary: a run whose inputs did not parse', () => {
  it('says no image was given instead of a placeholder name', () => {
    const summary = renderImageSummary(
      errorVerdict({
        command: 'scan-gate',
        subject: {},
        counts: {
          CRITICAL: 0,
          HIGH: 0,
          MEDIUM: 0,
          LOW: 0,
          INFORMATIONAL: 0,
          UNTRIAGED: 0,
          total: 0,
        } satisfies SeverityCounts,
        policy: undefined,
        now: NOW,
        message: 'timeout: "0s" is not a duration',
      }),
      'out',
    );
    expect(summary.split('\n')[0]).toBe(
      '## assetguard scan-gate: ⚠️ COULD NOT DECIDE — no image (the inputs did not parse)',
    );
  });
});
