import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../../actions/src/core/errors';
import { auditRecordKey, parseAuditLocation } from '../../actions/src/core/remediation-audit';
import { readRemediationAudit } from '../../actions/src/sources/remediation-audit';
import { motoEndpoint } from '../fixtures/moto-estate';
import { auditRecord, putAuditObject } from '../fixtures/remediation-audit-records';

// The S3 form of the audit location, on moto: each test its own prefix in one bucket of this
// file's own (moto keeps buckets per account, so the name is this file's).
const REGION = 'il-central-1';
const BUCKET = 'ag-remediation-audit-source-tests';
const FROM = new Date('2026-03-01T10:00:00.000Z');
const TO = new Date('2026-03-02T12:00:00.000Z');

let s3: S3Client;

beforeAll(async () => {
  // Path-style addressing: moto listens on 127.0.0.1, where bucket host names do not resolve.
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

function read(location: string) {
  return readRemediationAudit(parseAuditLocation(location, 'remediation-audit'), {
    from: FROM,
    to: TO,
    s3,
  });
}

describe('readRemediationAudit from S3 (moto)', () => {
  it('lists each day under the prefix and reads every record, by key', async () => {
    const prefix = 'audit/by-day';
    const first = auditRecord({
      id: 'first',
      startedAt: '2026-03-01T11:00:00Z',
      finishedAt: '2026-03-01T11:04:00Z',
    });
    const second = auditRecord({
      id: 'second',
      dryRun: true,
      startedAt: '2026-03-02T08:00:00Z',
      finishedAt: '2026-03-02T08:01:00Z',
    });
    const third = auditRecord({
      id: 'third',
      startedAt: '2026-03-02T09:30:00Z',
      finishedAt: '2026-03-02T09:40:00Z',
    });
    const outside = auditRecord({
      id: 'outside',
      startedAt: '2026-02-27T09:30:00Z',
      finishedAt: '2026-02-27T09:40:00Z',
    });
    for (const record of [third, outside, first, second]) {
      await putAuditObject(s3, BUCKET, prefix, auditRecordKey(record), record);
    }
    // A folder made in the console: a key ending in "/", holding nothing.
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${prefix}/2026/03/02/`,
        Body: '',
        ContentLength: 0,
      }),
    );
    const reading = await read(`s3://${BUCKET}/${prefix}/`);
    expect(reading.records).toEqual(
      [first, second, third].map((record) => ({ key: auditRecordKey(record), record })),
    );
    expect(reading.warnings).toEqual([]);
    expect(reading.location).toBe(`s3://${BUCKET}/${prefix}/`);
    expect(reading.calls).toEqual({ ListObjectsV2: 2, GetObject: 3 });
    expect(reading).not.toHaveProperty('empty');
  });

  it('reads records kept at the bucket root (an empty prefix)', async () => {
    const rootBucket = `${BUCKET}-root`;
    await s3.send(
      new CreateBucketCommand({
        Bucket: rootBucket,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    const record = auditRecord({
      id: 'at-root',
      startedAt: '2026-03-02T01:00:00Z',
      finishedAt: '2026-03-02T01:02:00Z',
    });
    await putAuditObject(s3, rootBucket, '', auditRecordKey(record), record);
    const reading = await read(`s3://${rootBucket}`);
    expect(reading.records).toEqual([{ key: auditRecordKey(record), record }]);
    expect(reading.location).toBe(`s3://${rootBucket}/`);
  });

  it('says so when nothing at all is under the prefix, with one more listing', async () => {
    const reading = await read(`s3://${BUCKET}/never-written/`);
    expect(reading.records).toEqual([]);
    expect(reading.warnings).toEqual([]);
    expect(reading.empty).toBe(`no object under s3://${BUCKET}/never-written/`);
    expect(reading.calls).toEqual({ ListObjectsV2: 3 });
  });

  it('does not call a prefix empty when it holds records of other days', async () => {
    const prefix = 'audit/quiet-week';
    const old = auditRecord({
      id: 'old',
      startedAt: '2026-01-10T09:00:00Z',
      finishedAt: '2026-01-10T09:01:00Z',
    });
    await putAuditObject(s3, BUCKET, prefix, auditRecordKey(old), old);
    const reading = await read(`s3://${BUCKET}/${prefix}/`);
    expect(reading.records).toEqual([]);
    expect(reading).not.toHaveProperty('empty');
  });

  it('names each object it cannot take by its S3 location, and reads the rest', async () => {
    const prefix = 'audit/mixed';
    const good = auditRecord({
      id: 'good',
      startedAt: '2026-03-02T05:00:00Z',
      finishedAt: '2026-03-02T05:10:00Z',
    });
    await putAuditObject(s3, BUCKET, prefix, auditRecordKey(good), good);
    await putAuditObject(
      s3,
      BUCKET,
      prefix,
      '2026/03/02/20260302T060000Z-broken.json',
      '<Error>not json</Error>',
    );
    await putAuditObject(s3, BUCKET, prefix, '2026/03/02/20260302T061000Z-foreign.json', {
      format: 'someone-elses/1',
    });
    await putAuditObject(s3, BUCKET, prefix, '2026/03/02/readme.md', '# notes');
    const reading = await read(`s3://${BUCKET}/${prefix}/`);
    expect(reading.records.map(({ record }) => record.id)).toEqual(['good']);
    const where = `s3://${BUCKET}/${prefix}/2026/03/02`;
    expect(reading.warnings).toEqual([
      `remediation audit: ${where}/readme.md is not an audit record (records are <day>/<start>-<id>.json); left out`,
      expect.stringMatching(
        new RegExp(`^remediation audit: ${where}/20260302T060000Z-broken\\.json is not JSON \\(`),
      ),
      `remediation audit: ${where}/20260302T061000Z-foreign.json is not an assetguard remediation audit record (format "someone-elses/1", expected "assetguard-remediation-audit/1"); left out`,
    ]);
  });

  it('refuses a bucket that does not exist, naming the input', async () => {
    const missing = 'ag-remediation-audit-no-such-bucket';
    const reading = read(`s3://${missing}/audit/`);
    await expect(reading).rejects.toThrow(ConfigurationError);
    await expect(read(`s3://${missing}/audit/`)).rejects.toThrow(
      `remediation-audit: s3://${missing}/audit/ names bucket "${missing}", which does not exist`,
    );
  });
});
