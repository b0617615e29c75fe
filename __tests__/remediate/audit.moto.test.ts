import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  AwsError,
  ConfigurationError,
  DeliveryError,
  UndecidedError,
} from '../../actions/src/core/errors';
import {
  parseAuditLocation,
  type RemediationAuditRecord,
} from '../../actions/src/core/remediation-audit';
import { checkAuditLocation, writeAuditRecord } from '../../actions/src/sinks/remediation-audit';
import { motoEndpoint } from '../fixtures/moto-estate';

// S3 on moto, in this file's own region and bucket (moto keeps buckets per account).
const REGION = 'ap-southeast-3';
const BUCKET = 'assetguard-remediation-audit-tests';

let s3: S3Client;

const record = (overrides: Partial<RemediationAuditRecord> = {}): RemediationAuditRecord => ({
  format: 'assetguard-remediation-audit/1',
  id: '7301-1',
  actor: 'octocat',
  repository: 'acme/infra',
  runUrl: 'https://github.com/acme/infra/actions/runs/7301',
  startedAt: '2026-11-30T04:15:00.000Z',
  finishedAt: '2026-11-30T04:16:10.000Z',
  rule: 'EC2.13',
  control: 'EC2.13',
  source: 'securityhub',
  dryRun: false,
  region: REGION,
  accountId: '123456789012',
  outcomes: [
    {
      resource: 'sg-0abc1234def567890',
      resourceType: 'AWS::EC2::SecurityGroup',
      document: 'AWS-DisableIncomingSSHOnPort22',
      status: 'success',
      executionId: '4105a4fc-f944-11e6-9d32-0a1b2c3d4e5f',
      executionStatus: 'Success',
    },
  ],
  ...overrides,
});

beforeAll(async () => {
  s3 = new S3Client({
    region: REGION,
    endpoint: motoEndpoint(),
    forcePathStyle: true,
    maxAttempts: 1,
  });
  await s3.send(
    new CreateBucketCommand({
      Bucket: BUCKET,
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
});

afterAll(() => {
  s3.destroy();
});

async function objectText(key: string): Promise<string> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await answer.Body?.transformToString()) ?? '';
}

describe('audit records in S3 (moto)', () => {
  it('appends the record under the prefix, by day and start time, and never overwrites it', async () => {
    const location = parseAuditLocation(`s3://${BUCKET}/assetguard/remediation-audit/`, 'audit');
    const first = record();
    const where = await writeAuditRecord(location, first, { s3: () => s3 });
    const key = 'assetguard/remediation-audit/2026/11/30/20261130T041500Z-7301-1.json';
    expect(where).toBe(`s3://${BUCKET}/${key}`);
    expect(JSON.parse(await objectText(key))).toEqual(first);

    // The same run id and start second again: refused, and the first record stays as it was.
    const error = await writeAuditRecord(location, record({ actor: 'mallory', outcomes: [] }), {
      s3: () => s3,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as Error).message).toBe(
      `an audit record already exists at s3://${BUCKET}/${key}; audit records are never overwritten (two runs with the same id started in the same second?)`,
    );
    expect(JSON.parse(await objectText(key))).toEqual(first);
  });

  it('writes at the bucket root when the location has no prefix', async () => {
    const where = await writeAuditRecord(
      parseAuditLocation(`s3://${BUCKET}`, 'audit'),
      record({ id: 'cli-3f2a' }),
      { s3: () => s3 },
    );
    expect(where).toBe(`s3://${BUCKET}/2026/11/30/20261130T041500Z-cli-3f2a.json`);
  });

  it('names s3:PutObject when the bucket does not exist', async () => {
    const error = await writeAuditRecord(
      parseAuditLocation('s3://assetguard-no-such-audit-bucket/x/', 'audit'),
      record(),
      { s3: () => s3 },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AwsError);
    expect((error as Error).message).toMatch(
      /^could not write the audit record to s3:\/\/assetguard-no-such-audit-bucket\/x\/: NoSuchBucket/,
    );
  });
});

describe('an S3 audit location is checked before anything runs', () => {
  const s3Location = (bucket: string) =>
    parseAuditLocation(`s3://${bucket}/assetguard/x/`, 'audit');

  it('passes for a bucket that exists in the run region, and writes nothing', async () => {
    await checkAuditLocation(s3Location(BUCKET), { s3: () => s3, region: REGION });
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'assetguard/x/' }),
    );
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it('refuses a bucket that does not exist, naming the audit input', async () => {
    const error = await checkAuditLocation(s3Location('assetguard-no-such-audit-bucket'), {
      s3: () => s3,
      region: REGION,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      'audit: the bucket assetguard-no-such-audit-bucket does not exist (HeadBucket answered 404): create it in ap-southeast-3, or correct the audit location',
    );
  });

  it('refuses a bucket in another region than the run', async () => {
    const error = await checkAuditLocation(s3Location(BUCKET), {
      s3: () => s3,
      region: 'eu-west-1',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      /^audit: the bucket assetguard-remediation-audit-tests is in ap-southeast-3, and the run \(region eu-west-1\) writes its record there/,
    );
  });

  // What S3 itself answers a HEAD it refuses: a status and headers, no body (moto enforces no
  // IAM and does not redirect), from a local server.
  describe('answers without a body', () => {
    let server: Server;
    let answer = { status: 403, headers: {} as Record<string, string> };
    let local: S3Client;
    beforeAll(async () => {
      server = createServer((_request, response) => {
        response.writeHead(answer.status, { 'x-amz-request-id': 'test', ...answer.headers });
        response.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      local = new S3Client({
        region: REGION,
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
    });
    afterAll(async () => {
      local.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it('a denied HEAD (403) names the permission HeadBucket needs', async () => {
      answer = { status: 403, headers: { 'x-amz-bucket-region': REGION } };
      const error = await checkAuditLocation(s3Location('audit-elsewhere'), {
        s3: () => local,
        region: REGION,
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AwsError);
      expect((error as Error).message).toBe(
        'could not reach the audit location s3://audit-elsewhere/assetguard/x/ before anything runs: AccessDenied: HTTP 403 (HeadBucket answers without an error body) — grant s3:ListBucket',
      );
    });

    it('a redirect (301) to another region says where the bucket is', async () => {
      answer = { status: 301, headers: { 'x-amz-bucket-region': 'us-west-2' } };
      const error = await checkAuditLocation(s3Location('audit-elsewhere'), {
        s3: () => local,
        region: REGION,
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(
        /^audit: the bucket audit-elsewhere is in us-west-2,/,
      );
    });
  });
});

describe('audit records that the reader would refuse', () => {
  it('are never written', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ag-audit-')), 'audit');
    const error = await writeAuditRecord(
      parseAuditLocation(dir, 'audit'),
      record({ accountId: 'not-an-account' }),
      { s3: () => s3 },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UndecidedError);
    expect((error as Error).message).toMatch(
      /^refusing to write an audit record that does not match the assetguard-remediation-audit\/1 schema: \/accountId/,
    );
    expect(existsSync(dir)).toBe(false);
  });
});

describe('audit records in a directory', () => {
  it('writes a new file whole, and never over an existing one', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ag-audit-')), 'audit');
    const location = parseAuditLocation(dir, 'audit');
    await checkAuditLocation(location, { s3: () => s3, region: REGION });
    const first = record({ id: 'local/1' });
    const where = await writeAuditRecord(location, first, { s3: () => s3 });
    expect(where).toBe(join(dir, '2026', '11', '30', '20261130T041500Z-local-1.json'));
    expect(JSON.parse(readFileSync(where, 'utf8'))).toEqual(first);
    await expect(
      writeAuditRecord(location, record({ id: 'local/1', actor: 'mallory' }), { s3: () => s3 }),
    ).rejects.toThrow(`an audit record already exists at ${where}`);
    expect(JSON.parse(readFileSync(where, 'utf8'))).toEqual(first);
    // No temporary file is left behind, whichever way it ended.
    expect(readdirSync(join(dir, '2026', '11', '30'))).toEqual(['20261130T041500Z-local-1.json']);
  });

  it('refuses, before anything runs, a location that is a file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ag-audit-')), 'audit');
    writeFileSync(file, 'mine\n');
    const error = await checkAuditLocation(parseAuditLocation(file, 'audit'), {
      s3: () => s3,
      region: REGION,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      /^audit: .* is not a directory; choose a directory or s3:\/\/bucket\/prefix\/$/,
    );
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
  });
});
