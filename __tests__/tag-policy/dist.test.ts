import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DEMO_TAG_POLICY, seedTaggingEstate } from '../fixtures/estate-tags';
import {
  credentialEnv,
  isolatedAccount,
  motoEndpoint,
  motoEnv,
  type TestCredentials,
} from '../fixtures/moto-estate';
import { runAction } from '../support/runner';

// The committed tag-policy bundle, run exactly as the Actions runner runs it.
const REGION = 'ap-south-1';
let policy: string;

let credentials: TestCredentials;
const awsEnv = (): Record<string, string> => ({
  ...motoEnv(REGION),
  ...credentialEnv(credentials),
});

beforeAll(async () => {
  credentials = await isolatedAccount('222222222222');
  await seedTaggingEstate(motoEndpoint(), REGION, credentials);
  policy = join(mkdtempSync(join(tmpdir(), 'ag-tag-policy-')), 'assetguard.yml');
  writeFileSync(policy, DEMO_TAG_POLICY);
});

describe('actions/dist/tag-policy run as the runner runs it', () => {
  it('audit below tags.min-coverage fails the step (exit 1) with outputs and a job summary', async () => {
    const result = await runAction('tag-policy', { policy }, awsEnv());
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({
      verdict: 'block',
      resources: '6',
      changes: '5',
      'report-dir': 'assetguard-reports/tags',
    });
    expect(result.stdout).toContain(
      '::error::tag-policy: coverage 29.2%25 is below tags.min-coverage 90%25', // workflow commands escape %
    );
    expect(result.summary).toMatch(/^## assetguard tags audit: ❌ BELOW MINIMUM/);
  });

  it('apply without execute is a dry run (exit 0) that writes nothing', async () => {
    const result = await runAction('tag-policy', { policy, command: 'apply' }, awsEnv());
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ verdict: 'pass', changes: '5' });
    expect(result.summary).toMatch(
      /^## assetguard tags apply: DRY RUN — 5 resource\(s\) would change/,
    );
    const audit = await runAction('tag-policy', { policy }, awsEnv());
    expect(audit.outputs.changes).toBe('5');
  });

  it('exits 2 naming the input on an unknown command or a non-boolean execute', async () => {
    const unknown = await runAction('tag-policy', { policy, command: 'sweep' }, awsEnv());
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stdout).toContain(
      '::error::tag-policy: command: "sweep" is not one of audit, apply, publish, groups',
    );
    const execute = await runAction(
      'tag-policy',
      { policy, command: 'apply', execute: 'yes' },
      awsEnv(),
    );
    expect(execute.exitCode).toBe(2);
    expect(execute.stdout).toContain('execute: "yes" is not true or false');
  });

  it('a failing run still writes verdict.json and evidence.json and sets every output', async () => {
    const result = await runAction('tag-policy', { policy, command: 'sweep' }, awsEnv());
    expect(result.exitCode).toBe(2);
    expect(result.outputs).toEqual({
      verdict: 'error',
      coverage: '',
      resources: '',
      changes: '',
      'report-dir': 'assetguard-reports/tags',
    });
    const reports = join(result.workspace, 'assetguard-reports/tags');
    const verdict = JSON.parse(readFileSync(join(reports, 'verdict.json'), 'utf8')) as {
      verdict: string;
      command: string;
      error: string;
    };
    expect(verdict).toEqual(
      expect.objectContaining({
        verdict: 'error',
        command: 'tags',
        error: 'command: "sweep" is not one of audit, apply, publish, groups',
      }),
    );
    expect(existsSync(join(reports, 'evidence.json'))).toBe(true);
    expect(result.summary).toMatch(/^## assetguard tags: ⚠️ COULD NOT DECIDE/);
  });

  it('an audit writes verdict.json with the coverage minimum as what blocks', async () => {
    const result = await runAction('tag-policy', { policy }, awsEnv());
    expect(result.exitCode).toBe(1);
    const reports = join(result.workspace, 'assetguard-reports/tags');
    const verdict = JSON.parse(readFileSync(join(reports, 'verdict.json'), 'utf8')) as {
      verdict: string;
      counts: Record<string, number>;
      blocking: { id: string; reason: string }[];
    };
    expect(verdict.verdict).toBe('block');
    expect(verdict.counts).toEqual({ resources: 6, changes: 5, coverage: 29.2 });
    expect(verdict.blocking).toEqual([
      expect.objectContaining({
        id: 'tags.min-coverage',
        reason: 'coverage 29.2% is below tags.min-coverage 90%',
      }),
    ]);
    for (const file of ['tags.json', 'tags.csv', 'summary.md', 'evidence.json'])
      expect(existsSync(join(reports, file))).toBe(true);
  });

  it('publish is a dry run unless execute: true, like apply and groups', async () => {
    const ssm = new SSMClient({
      region: REGION,
      endpoint: motoEndpoint(),
      credentials,
      maxAttempts: 1,
    });
    const stored = () => ssm.send(new GetParameterCommand({ Name: '/assetguard/tag-policy' }));

    const dry = await runAction('tag-policy', { policy, command: 'publish' }, awsEnv());
    expect(dry.exitCode).toBe(0);
    expect(dry.outputs).toMatchObject({ verdict: 'pass', changes: '1' });
    expect(dry.summary).toMatch(
      /^## assetguard tags publish: DRY RUN — would create the parameter/,
    );
    expect(dry.stdout).toContain('tag-policy: dry run: /assetguard/tag-policy does not exist');
    await expect(stored()).rejects.toThrow(/ParameterNotFound|not found/i);

    const wrote = await runAction(
      'tag-policy',
      { policy, command: 'publish', execute: 'true' },
      awsEnv(),
    );
    expect(wrote.exitCode).toBe(0);
    expect(wrote.summary).toMatch(/^## assetguard tags publish: ✅ PUBLISHED/);
    expect((await stored()).Parameter?.Value).toBe(DEMO_TAG_POLICY);
    ssm.destroy();
  });

  it('refuses execute: true on audit, which only reads (exit 2 naming the input)', async () => {
    const result = await runAction('tag-policy', { policy, execute: 'true' }, awsEnv());
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('::error::tag-policy: execute: audit only reads the estate');
  });
});
