import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../actions/src/core/clock';
import { replay } from '../../actions/src/replay/replay';
import type { TagInputs } from '../../actions/src/tag-policy/inputs';
import { tagsCommand, type TagRun } from '../../actions/src/tag-policy/run';
import { bucketName, DEMO_TAG_POLICY, seedTaggingEstate } from '../fixtures/estate-tags';
import { credentialEnv, isolatedAccount, motoEndpoint } from '../fixtures/moto-estate';

// The whole audit → plan → apply → audit cycle on moto: Config's ListDiscoveredResources finds
// the never-tagged S3 buckets, the Tagging API the tagged DynamoDB tables.
const REGION = 'eu-north-1';
let policy: string;
let lines: string[] = [];

function tags(overrides: Partial<TagInputs>): Promise<TagRun> {
  return tagsCommand(
    {
      command: 'audit',
      policy,
      execute: false,
      outputDir: mkdtempSync(join(tmpdir(), 'ag-tags-')),
      region: REGION,
      ...overrides,
    },
    { clock: systemClock, log: (line) => lines.push(line) },
  );
}

const saved = { ...process.env };

beforeAll(async () => {
  const credentials = await isolatedAccount('333333333333');
  // tagsCommand builds its clients from the environment, as the action does.
  Object.assign(process.env, credentialEnv(credentials));
  await seedTaggingEstate(motoEndpoint(), REGION, credentials);
  policy = join(mkdtempSync(join(tmpdir(), 'ag-tag-policy-')), 'assetguard.yml');
  writeFileSync(policy, DEMO_TAG_POLICY);
});

afterAll(() => {
  // Back to the run's default moto account for the test files that follow in this worker.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: saved.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: saved.AWS_SECRET_ACCESS_KEY,
  });
  Reflect.deleteProperty(process.env, 'AWS_SESSION_TOKEN');
});

beforeEach(() => {
  lines = [];
});

describe('tags audit, apply, audit against moto', () => {
  it('audits below the minimum, counting never-tagged buckets from AWS Config', async () => {
    const run = await tags({ command: 'audit' });
    expect(run.outcome.exitCode).toBe(1);
    expect(run.outcome.message).toMatch(/^coverage 29\.2% is below tags\.min-coverage 90%/);
    expect(run.outputs).toMatchObject({ verdict: 'block', resources: 6, changes: 5 });
    expect(lines).toContain(
      'inventory: 6 resource(s) of 2 type(s); 2 never tagged (from AWS Config)',
    );
    const report = JSON.parse(readFileSync(join(run.reportDir, 'tags.json'), 'utf8')) as {
      coverage: { byKey: Record<string, { percent: number }> };
      checks: { arn: string; missing: string[]; set: Record<string, string> }[];
    };
    const scratch = report.checks.find(
      (check) => check.arn === `arn:aws:s3:::${bucketName('dev-web-scratch', REGION)}`,
    );
    expect(scratch?.missing).toEqual(['Environment', 'Owner', 'DataClassification', 'Service']);
    expect(scratch?.set).toEqual({
      Environment: 'dev',
      Owner: 'platform@example.com',
      DataClassification: 'internal',
      Service: 'web',
    });
    const csv = readFileSync(join(run.reportDir, 'tags.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('arn,type,key,status,value,would_set');
    expect(csv).toContain(
      `arn:aws:s3:::${bucketName('prod-orders-exports', REGION)},AWS::S3::Bucket,Environment,invalid,production,prod`,
    );
    expect(run.summary).toContain('### Worst offenders');
  });

  it('plans without writing unless --execute, then applies and reaches full coverage, then writes nothing', async () => {
    const dry = await tags({ command: 'apply' });
    expect(dry.outcome).toEqual({
      exitCode: 0,
      message: 'dry run: 5 resource(s) would change; nothing was written',
    });
    expect((await tags({ command: 'audit' })).outcome.exitCode).toBe(1);

    const applied = await tags({ command: 'apply', execute: true });
    expect(applied.outcome.exitCode).toBe(0);
    expect(applied.outputs).toMatchObject({ verdict: 'pass', changes: 5 });

    const after = await tags({ command: 'audit' });
    expect(after.outcome.exitCode).toBe(0);
    expect(after.outputs).toMatchObject({ verdict: 'pass', coverage: 100, changes: 0 });

    const again = await tags({ command: 'apply', execute: true });
    expect(again.outputs).toMatchObject({ changes: 0 });
    expect(again.outcome.message).toMatch(/^tagged 0 resource\(s\) in 0 batch\(es\)/);
  });

  it('publish is a dry run unless --execute: shows the parameter and the new sha256, writes nothing', async () => {
    const dry = await tags({ command: 'publish' });
    expect(dry.outcome).toEqual({
      exitCode: 0,
      message: `dry run: /assetguard/tag-policy does not exist; --execute would create it from ${policy} (sha256 ${dry.verdict.policy.sha256.slice(0, 12)}); nothing was written`,
    });
    expect(dry.outputs).toMatchObject({ verdict: 'pass', changes: 1 });
    expect(dry.summary).toMatch(
      /^## assetguard tags publish: DRY RUN — would create the parameter/,
    );
    expect(dry.summary).toContain(`| Policy file | \`${dry.verdict.policy.sha256}\` |`);
    expect(dry.summary).toContain('| Parameter Store (now) | no such parameter |');
    // Still nothing there: a second dry run says the same.
    expect((await tags({ command: 'publish' })).outcome.message).toMatch(
      /^dry run: .* does not exist/,
    );
  });

  it('publishes the policy to SSM with --execute once, and not again while it is unchanged', async () => {
    const first = await tags({ command: 'publish', execute: true });
    expect(first.outcome.message).toMatch(
      /^published .* to \/assetguard\/tag-policy \(version 1, sha256 [0-9a-f]{12}\); the parameter is new$/,
    );
    const second = await tags({ command: 'publish', execute: true });
    expect(second.outcome.message).toMatch(
      /^\/assetguard\/tag-policy already holds this policy \(version 1,/,
    );
    expect(second.outputs).toMatchObject({ changes: 0 });
    const dry = await tags({ command: 'publish' });
    expect(dry.summary).toContain('| Parameter Store (now) | `');
    expect(dry.summary).toMatch(/^## assetguard tags publish: ✅ UP TO DATE/);
  });

  it('keeps one Resource Group per Environment and DataClassification value; dry run unless --execute', async () => {
    const dry = await tags({ command: 'groups' });
    expect(dry.summary).toMatch(/dry run/i);
    expect(dry.summary).toMatch(/assetguard-environment-prod.*would (?:be )?create/);
    // A dry run never says a group was created.
    expect(dry.summary).not.toMatch(/(?<!would (?:be )?)created/);
    expect(dry.verdict.counts).toEqual({ changes: 5 });
    const created = await tags({ command: 'groups', execute: true });
    expect(created.summary).toMatch(/assetguard-environment-prod.*(?<!would (?:be )?)created/);
    expect(created.summary).toContain('assetguard-dataclassification-internal');
    const again = await tags({ command: 'groups', execute: true });
    expect(again.outcome.message).toMatch(/, 0 created or updated$/);
  });

  it('rejects a policy without a tags section with a configuration error naming the file', async () => {
    const bare = join(mkdtempSync(join(tmpdir(), 'ag-')), 'policy.yml');
    writeFileSync(bare, 'version: 1\n');
    // Through the shared runner the error is a verdict (exit 2) with reports, not an exception.
    const run = await tags({ policy: bare });
    expect(run.verdict.verdict).toBe('error');
    expect(run.verdict.error).toContain(`${bare}: the policy has no tags.required section`);
    expect(run.outcome).toEqual({
      exitCode: 2,
      message: `could not decide: ${run.verdict.error ?? ''}`,
    });
    expect(run.outputs).toEqual({
      verdict: 'error',
      coverage: '',
      resources: '',
      changes: '',
      'report-dir': run.reportDir,
    });
    const onDisk = JSON.parse(readFileSync(join(run.reportDir, 'verdict.json'), 'utf8')) as {
      verdict: string;
      command: string;
      error: string;
    };
    expect(onDisk).toMatchObject({ verdict: 'error', command: 'tags audit' });
    expect(onDisk.error).toContain(`${bare}: the policy has no tags.required section`);
    expect(existsSync(join(run.reportDir, 'evidence.json'))).toBe(true);
    expect(readFileSync(join(run.reportDir, 'summary.md'), 'utf8')).toMatch(
      /^## assetguard tags audit: ⚠️ COULD NOT DECIDE/,
    );
  });

  it('writes verdict.json and evidence.json for an audit, and the evidence replays', async () => {
    const run = await tags({ command: 'audit' });
    const onDisk = JSON.parse(readFileSync(join(run.reportDir, 'verdict.json'), 'utf8')) as {
      verdict: string;
      command: string;
      counts: Record<string, number>;
      blocking: { id: string; reason: string }[];
    };
    expect(onDisk).toMatchObject({ verdict: run.verdict.verdict, command: 'tags audit' });
    expect(onDisk.counts).toEqual(run.verdict.counts);
    expect(run.files).toHaveProperty(['evidence.json']);
    expect(run.files).toHaveProperty(['tags.json']);
    const replayed = await replay(run.reportDir);
    expect(replayed.matches).toBe(true);
    expect(replayed.outcome.exitCode).toBe(run.outcome.exitCode);
  });
});
