import { buildEvidence, type Evidence } from '../../actions/src/core/evidence';
import type { Finding, Severity } from '../../actions/src/core/model';
import { loadedFromText } from '../../actions/src/core/policy';
import {
  evaluatePrSummary,
  gateResults,
  type GateFiles,
  type PrSummaryDetails,
} from '../../actions/src/pr-summary/evaluate';
import { MAX_COMMENT_CHARS, renderPrSummary } from '../../actions/src/pr-summary/render';
import { evaluateImage } from '../../actions/src/scan-gate/evaluate';
import { evaluateAudit } from '../../actions/src/tag-policy/evaluate';
import { GITHUB_BODY_LIMIT } from '../../actions/src/sinks/github';
import { shownText } from '../fixtures/markdown-shown';

// Finding text comes from AWS and, through the report artifacts, from whoever can write them:
// it must stay text in the comment, whatever it holds.
const RECORDED = new Date('2026-03-01T08:00:00Z');
const NOW = new Date('2026-03-01T08:05:00Z');
const DIGEST = `sha256:${'a'.repeat(64)}`;
const RUN_URL = 'https://github.com/acme/platform/actions/runs/4242';
const HOSTILE_TITLE =
  '::warning::pwned <script>alert(1)</script> [click](javascript:alert(1)) ![x](https://evil.example/x.png)';
const HOSTILE_ID = 'CVE-2024-9999](javascript:alert(1))';

function finding(id: string, severity: Severity, overrides: Partial<Finding> = {}): Finding {
  return {
    id,
    sourceId: `f/${id}`,
    source: 'inspector2',
    severity,
    status: 'ACTIVE',
    title: `${id} in openssl`,
    resource: { id: `arn:image/${id}`, type: 'AWS_ECR_CONTAINER_IMAGE', repository: 'web' },
    packages: [{ name: 'openssl', installedVersion: '3.0.1' }],
    fixAvailable: 'no',
    ...overrides,
  };
}

const PR = loadedFromText('version: 1\nimage: { fail-on: [CRITICAL, HIGH, MEDIUM] }\n', 'pr.yml');
const BASE = loadedFromText('version: 1\n', 'base.yml');

function bundle(findings: Finding[], repository = 'web'): Evidence {
  const verdict = evaluateImage({
    findings,
    policy: PR,
    subject: { image: `${repository}:1`, repository, digest: DIGEST, region: 'us-east-1' },
    now: RECORDED,
  });
  return JSON.parse(
    JSON.stringify(
      buildEvidence({
        command: 'scan-gate',
        inputs: {},
        context: {},
        policy: PR,
        findings,
        verdict,
      }),
    ),
  ) as Evidence;
}

function render(files: GateFiles[], reportDir = 'reports/pr-summary', pr = PR): string {
  const gates = gateResults(files, pr, BASE);
  const verdict = evaluatePrSummary({ gates, policy: pr, basePolicy: BASE, now: NOW });
  const details: PrSummaryDetails = {
    gates,
    runUrl: RUN_URL,
    policies: {
      base: { origin: BASE.origin, sha256: BASE.sha256 },
      pr: { origin: pr.origin, sha256: pr.sha256 },
    },
  };
  return renderPrSummary(verdict, details, reportDir);
}

const gate = (dir: string, evidence: Evidence): GateFiles => ({
  dir,
  verdict: evidence.verdict,
  evidence: { evidence, file: `${dir}/evidence.json` },
});

describe('renderPrSummary', () => {
  const hostile = bundle([
    finding(HOSTILE_ID, 'MEDIUM', { title: HOSTILE_TITLE, url: 'javascript:alert(1)' }),
    finding('CVE-2024-0001', 'CRITICAL', {
      title: 'line one\n::error::two\n## heading',
      url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
    }),
  ]);
  const text = render([gate('reports/scan-gate', hostile)]);

  it('keeps hostile finding text as text: no workflow command, no HTML, no javascript: link', () => {
    for (const line of text.split('\n')) expect(line).not.toMatch(/^\s*::/);
    expect(text).not.toContain('<script>');
    // `[`, `]` are escaped, so no `](…)` can close a link or an image.
    expect(text).not.toMatch(/(?<!\\)\]\(\s*javascript:/i);
    expect(text).not.toMatch(/(?<!\\)\]\(https:\/\/evil/);
    // A reader still sees what the finding says, as written.
    expect(shownText(text)).toContain(HOSTILE_TITLE);
    expect(shownText(text)).toContain(HOSTILE_ID);
    // Line breaks in a title stay inside its cell.
    expect(shownText(text)).toContain('line one ::error::two ## heading');
  });

  it('links a safe advisory URL and the run, and gives the verdicts, counts and preview', () => {
    expect(text).toMatch(/^## assetguard pr-summary: ❌ BLOCKED — 1 gate$/m);
    expect(text).toContain('**1 of 1 gate blocks this pull request.**');
    expect(text).toContain('[CVE-2024-0001](https://nvd.nist.gov/vuln/detail/CVE-2024-0001)');
    expect(text).toContain(`[run](${RUN_URL})`);
    const shown = shownText(text);
    expect(shown).toContain(
      '| scan-gate (reports/scan-gate) | web@sha256:aaaaaaaaaaaa… | ❌ block | 2 | 1 CRITICAL · 1 MEDIUM |',
    );
    expect(shown).toContain('### Policy preview');
    expect(shown).toContain('| scan-gate (reports/scan-gate) | ❌ block (unchanged) | 1 | 0 |');
    expect(shown).toContain('#### scan-gate (reports/scan-gate): newly blocks (1)');
  });

  it('shows a directory without a verdict as "no verdict", and why the summary fails closed', () => {
    const failed = render([
      gate('reports/scan-gate', bundle([finding('CVE-2024-0001', 'LOW')])),
      {
        dir: 'reports/compliance-gate',
        noVerdict: 'reports/compliance-gate/verdict.json does not exist',
      },
    ]);
    const shown = shownText(failed);
    expect(shown).toMatch(/^## assetguard pr-summary: ⚠️ COULD NOT DECIDE/);
    expect(shown).toContain('**This summary could not decide, so it fails closed.**');
    expect(shown).toContain('| reports/compliance-gate | – | ⚠️ no verdict |');
    expect(shown).toContain(
      '- reports/compliance-gate: no verdict (reports/compliance-gate/verdict.json does not exist)',
    );
  });

  it('shows a refused gate as refused, not with the pass its verdict.json claims, and lists none of its entries', () => {
    const blocked = bundle([finding('CVE-2024-0001', 'CRITICAL')]);
    const forged: GateFiles = {
      ...gate('out/demo/web-1.0.0', blocked),
      verdict: { ...blocked.verdict, verdict: 'pass', blocking: [] },
    };
    const shown = shownText(render([forged]));
    expect(shown).toMatch(/^## assetguard pr-summary: ⚠️ COULD NOT DECIDE/);
    expect(shown).toContain(
      '| scan-gate (out/demo/web-1.0.0) | web@sha256:aaaaaaaaaaaa… | ⚠️ refused | – | – |',
    );
    expect(shown).not.toContain('✅ pass');
    expect(shown).toContain(
      '| scan-gate (out/demo/web-1.0.0) | ⚠️ refused (see above): not re-evaluated |',
    );
    expect(shown).toContain(
      '- out/demo/web-1.0.0: its reports fail their check, so its verdict is not taken: verdict.json is not the verdict',
    );
  });

  it('says in the preview that a base policy without tags.required blocked nothing for the tags audit', () => {
    const tagPolicy = loadedFromText(
      'version: 1\ntags:\n  required: { Owner: {} }\n  min-coverage: 100\n',
      'pr.yml',
    );
    const inventory = {
      resources: [{ arn: 'arn:aws:s3:::b', type: 'AWS::S3::Bucket', tags: {} }],
      complete: true,
      warnings: [],
    };
    const { verdict } = evaluateAudit({
      inventory,
      policy: tagPolicy,
      subject: { command: 'audit', execute: false, region: 'us-east-1' },
      now: RECORDED,
    });
    const audit = JSON.parse(
      JSON.stringify(
        buildEvidence({
          command: 'tags audit',
          inputs: {},
          context: { inventory },
          policy: tagPolicy,
          findings: [],
          verdict,
        }),
      ),
    ) as Evidence;
    const shown = shownText(render([gate('reports/tags', audit)], 'reports/pr-summary', tagPolicy));
    expect(shown).toMatch(/^## assetguard pr-summary: ❌ BLOCKED/);
    expect(shown).toContain(
      '| tags audit (reports/tags) | ✅ pass (not configured) → ❌ block | 1 | 0 |',
    );
    expect(shown).toContain(
      "tags audit (reports/tags): base.yml on the base branch has no tags.required section, so this gate was not configured there and blocked nothing: everything it blocks under this pull request's policy is new.",
    );
  });

  it('stays under the comment limit with thousands of long blocking findings, saying how many more', () => {
    const many = Array.from({ length: 3000 }, (_, index) =>
      finding(`CVE-2024-${String(10000 + index)}`, 'HIGH', {
        title: `${'a long title |<>[]'.repeat(60)} ${index}`,
        resource: {
          id: `arn:aws:ecr:us-east-1:123456789012:repository/${'r'.repeat(300)}/${index}`,
          type: 'AWS_ECR_CONTAINER_IMAGE',
        },
      }),
    );
    const big = render([
      gate('reports/scan-a', bundle(many, 'a')),
      gate('reports/scan-b', bundle(many, 'b')),
    ]);
    expect(big.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(MAX_COMMENT_CHARS).toBeLessThan(GITHUB_BODY_LIMIT);
    expect(big).toMatch(/…and \d+ more/);
    expect(big).toContain('### Blocking (6000)');
    // The closing policy line survives the cut.
    expect(big).toMatch(/Policy: `pr\.yml` \(sha256 `[0-9a-f]{12}`\)/);
  });
});
