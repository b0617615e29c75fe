import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../actions/src/core/errors';
import { buildEvidence, type Evidence } from '../../actions/src/core/evidence';
import type { Finding } from '../../actions/src/core/model';
import { loadedFromText } from '../../actions/src/core/policy';
import { runBoundary } from '../../actions/src/core/runner';
import { replay } from '../../actions/src/replay/replay';
import { evaluateImage, type ImageSubject } from '../../actions/src/scan-gate/evaluate';
import { evaluateAudit } from '../../actions/src/tag-policy/evaluate';

// replay reads a file anyone can edit: every field it reads is checked first, so a malformed
// bundle is a clear exit 2 naming the field, never "unexpected error (please report it)".
const DIGEST = `sha256:${'d'.repeat(64)}`;
const SUBJECT: ImageSubject = {
  image: 'web:1',
  repository: 'web',
  digest: DIGEST,
  region: 'us-east-1',
};
const NOW = new Date('2026-03-02T12:00:00Z');
const POLICY = loadedFromText('version: 1\n', '.github/assetguard.yml');
const FINDING: Finding = {
  id: 'CVE-2024-0001',
  sourceId: 'f/1',
  source: 'inspector2',
  severity: 'CRITICAL',
  status: 'ACTIVE',
  title: 'CVE-2024-0001',
  resource: { id: 'arn:image', type: 'AWS_ECR_CONTAINER_IMAGE', repository: 'web' },
  packages: [{ name: 'openssl' }],
  fixAvailable: 'yes',
};

function scanBundle(): Evidence {
  const verdict = evaluateImage({
    findings: [FINDING],
    policy: POLICY,
    subject: SUBJECT,
    now: NOW,
  });
  return JSON.parse(
    JSON.stringify(
      buildEvidence({
        command: 'scan-gate',
        inputs: { image: 'web:1' },
        context: { listFindingsCalls: 1, droppedByClientCheck: 0 },
        policy: POLICY,
        findings: [FINDING],
        verdict,
      }),
    ),
  ) as Evidence;
}

function auditBundle(): Evidence {
  const policy = loadedFromText('version: 1\ntags:\n  required: { Owner: {} }\n', 'p.yml');
  const inventory = {
    resources: [{ arn: 'arn:aws:s3:::b', type: 'AWS::S3::Bucket', tags: { Owner: 'x' } }],
    complete: true,
    warnings: [],
  };
  const { verdict } = evaluateAudit({
    inventory,
    policy,
    subject: { command: 'audit', execute: false, region: 'us-east-1' },
    now: NOW,
  });
  return JSON.parse(
    JSON.stringify(
      buildEvidence({
        command: 'tags audit',
        inputs: {},
        context: { inventory },
        policy,
        findings: [],
        verdict,
      }),
    ),
  ) as Evidence;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ag-replay-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(bundle: unknown): Promise<string> {
  const file = join(dir, 'evidence.json');
  await writeFile(file, JSON.stringify(bundle));
  return file;
}

/** The outcome a user sees: the boundary's exit code and line. */
async function outcomeOf(bundle: unknown): Promise<{ exitCode: number; line: string }> {
  const file = await write(bundle);
  const lines: string[] = [];
  const exitCode = await runBoundary('replay', async () => (await replay(file)).outcome, {
    info: (line) => lines.push(line),
    fail: (line) => lines.push(line),
    debug: () => undefined,
  });
  process.exitCode = 0;
  return { exitCode, line: lines.join('\n') };
}

describe('replay of a well-formed bundle', () => {
  it('reproduces a scan-gate verdict', async () => {
    const result = await replay(await write(scanBundle()));
    expect(result.matches).toBe(true);
    expect(result.outcome.exitCode).toBe(1);
  });

  it('reproduces a tags audit verdict', async () => {
    const result = await replay(await write(auditBundle()));
    expect(result.matches).toBe(true);
    expect(result.outcome.exitCode).toBe(0);
  });
});

/** A bundle as JSON, for damaging it field by field. */
interface RawBundle {
  verdict: Record<string, unknown> & { subject?: Record<string, unknown> };
  findings: unknown;
  context: unknown;
}

function raw(bundle: Evidence): RawBundle {
  return bundle as unknown as RawBundle;
}

describe('replay of a malformed bundle: exit 2 naming the field', () => {
  it.each<[string, (bundle: RawBundle) => void, RegExp]>([
    [
      'evaluatedAt "garbage"',
      (bundle) => {
        bundle.verdict.evaluatedAt = 'garbage';
      },
      /is malformed: verdict\.evaluatedAt must be an ISO 8601 date-time, got "garbage"$/,
    ],
    [
      'no verdict.subject',
      (bundle) => {
        delete bundle.verdict.subject;
      },
      /is malformed: verdict\.subject is missing$/,
    ],
    [
      'a subject without its digest',
      (bundle) => {
        delete bundle.verdict.subject?.digest;
      },
      /is malformed: verdict\.subject\.digest is missing$/,
    ],
    [
      'a finding with a lower-case severity',
      (bundle) => {
        (bundle.findings as Record<string, unknown>[])[0]!.severity = 'critical';
      },
      /is malformed: findings\.0\.severity must be one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNTRIAGED, got "critical"$/,
    ],
    [
      'findings that are not a list',
      (bundle) => {
        bundle.findings = 'none';
      },
      /is malformed: findings must be array, got "none"$/,
    ],
    [
      'ECR counts that are not numbers',
      (bundle) => {
        bundle.context = {
          scan: {
            counts: {
              CRITICAL: 'many',
              HIGH: 0,
              MEDIUM: 0,
              LOW: 0,
              INFORMATIONAL: 0,
              UNTRIAGED: 0,
              total: 0,
            },
          },
        };
      },
      /is malformed: context\.scan\.counts\.CRITICAL must be integer, got "many"$/,
    ],
  ])('%s', async (_name, damage, message) => {
    const bundle = raw(scanBundle());
    damage(bundle);
    const file = await write(bundle);
    const failure = replay(file);
    await expect(failure).rejects.toBeInstanceOf(ConfigurationError);
    await expect(failure).rejects.toThrow(message);
    const { exitCode, line } = await outcomeOf(bundle);
    expect(exitCode).toBe(2);
    expect(line).not.toContain('unexpected error');
    expect(line).toMatch(/^replay: bundle: .*evidence\.json is malformed: /);
  });

  it('a tags audit bundle without its inventory', async () => {
    const bundle = raw(auditBundle());
    bundle.context = {};
    await expect(replay(await write(bundle))).rejects.toThrow(
      /is malformed: context\.inventory is missing$/,
    );
  });

  it('a verdict that is not a verdict', async () => {
    const bundle = raw(scanBundle());
    bundle.verdict.verdict = 'maybe';
    await expect(replay(await write(bundle))).rejects.toThrow(
      /verdict\.verdict must be one of pass, block, error, got "maybe"/,
    );
  });
});
