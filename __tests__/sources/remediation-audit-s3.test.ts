import {
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsError, UndecidedError } from '../../actions/src/core/errors';
import { auditRecordKey, parseAuditLocation } from '../../actions/src/core/remediation-audit';
import {
  MAX_AUDIT_RECORD_BYTES,
  readRemediationAudit,
} from '../../actions/src/sources/remediation-audit';
import { auditRecord } from '../fixtures/remediation-audit-records';

// What moto cannot be made to answer: denied calls, a key deleted between the listing and the
// read, a listing spread over pages, malformed listings. Shapes from the botocore S3 model
// (ListObjectsV2Output: Contents[].Key/Size, IsTruncated, NextContinuationToken).
const s3Mock = mockClient(S3Client);
const BUCKET = 'audit-bucket';
const DAY = new Date('2026-03-02T12:00:00.000Z');
const PREFIX = 'audit/2026/03/02/';

function read() {
  return readRemediationAudit(parseAuditLocation(`s3://${BUCKET}/audit/`, 'remediation-audit'), {
    from: DAY,
    to: DAY,
    s3: new S3Client({ region: 'eu-west-1' }),
  });
}

/** A GetObject answer whose body is `text` (what the SDK's stream mixin offers). */
function objectBody(text: string): GetObjectCommandOutput {
  return {
    $metadata: { httpStatusCode: 200 },
    ContentLength: Buffer.byteLength(text),
    Body: { transformToString: () => Promise.resolve(text) } as GetObjectCommandOutput['Body'],
  };
}

function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

beforeEach(() => {
  s3Mock.reset();
});

describe('readRemediationAudit from S3, what moto cannot express', () => {
  it('follows the listing over its pages and reads what every page lists', async () => {
    const first = auditRecord({ id: 'one', startedAt: '2026-03-02T01:00:00Z' });
    const second = auditRecord({ id: 'two', startedAt: '2026-03-02T02:00:00Z' });
    s3Mock
      .on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: PREFIX })
      .resolvesOnce({
        Contents: [{ Key: `audit/${auditRecordKey(first)}`, Size: 100 }],
        IsTruncated: true,
        NextContinuationToken: 'page-2',
        KeyCount: 1,
      })
      .resolvesOnce({
        Contents: [{ Key: `audit/${auditRecordKey(second)}`, Size: 100 }],
        IsTruncated: false,
        KeyCount: 1,
      });
    s3Mock
      .on(GetObjectCommand, { Bucket: BUCKET, Key: `audit/${auditRecordKey(first)}` })
      .resolves(objectBody(JSON.stringify(first)))
      .on(GetObjectCommand, { Bucket: BUCKET, Key: `audit/${auditRecordKey(second)}` })
      .resolves(objectBody(JSON.stringify(second)));
    const reading = await read();
    expect(reading.records.map(({ record }) => record.id)).toEqual(['one', 'two']);
    expect(reading.calls).toEqual({ ListObjectsV2: 2, GetObject: 2 });
    const pages = s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    expect(pages[1]).toMatchObject({ Prefix: PREFIX, ContinuationToken: 'page-2' });
  });

  it('names s3:ListBucket when the listing is denied', async () => {
    s3Mock.on(ListObjectsV2Command).rejects(awsError('AccessDenied', 'Access Denied', 403));
    const reading = read();
    await expect(reading).rejects.toThrow(AwsError);
    await expect(read()).rejects.toThrow(
      `could not list the remediation audit records under s3://${BUCKET}/${PREFIX}: AccessDenied: Access Denied — grant s3:ListBucket`,
    );
  });

  it('names s3:GetObject when a record cannot be read', async () => {
    const record = auditRecord();
    const key = `audit/${auditRecordKey(record)}`;
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: key, Size: 10 }], KeyCount: 1 });
    s3Mock.on(GetObjectCommand).rejects(awsError('AccessDenied', 'Access Denied', 403));
    await expect(read()).rejects.toThrow(
      `could not read the remediation audit record s3://${BUCKET}/${key}: AccessDenied: Access Denied — grant s3:GetObject`,
    );
  });

  it('says which record was listed and then gone, and reads the others', async () => {
    const kept = auditRecord({ id: 'kept', startedAt: '2026-03-02T01:00:00Z' });
    const gone = auditRecord({ id: 'gone', startedAt: '2026-03-02T02:00:00Z' });
    s3Mock.on(ListObjectsV2Command).resolves({
      Contents: [kept, gone].map((record) => ({
        Key: `audit/${auditRecordKey(record)}`,
        Size: 10,
      })),
      KeyCount: 2,
    });
    s3Mock
      .on(GetObjectCommand, { Key: `audit/${auditRecordKey(kept)}` })
      .resolves(objectBody(JSON.stringify(kept)))
      .on(GetObjectCommand, { Key: `audit/${auditRecordKey(gone)}` })
      .rejects(awsError('NoSuchKey', 'The specified key does not exist.', 404));
    const reading = await read();
    expect(reading.records.map(({ record }) => record.id)).toEqual(['kept']);
    expect(reading.warnings).toEqual([
      `remediation audit: s3://${BUCKET}/audit/${auditRecordKey(gone)} was listed, then gone (NoSuchKey); left out`,
    ]);
  });

  it('does not read an object the listing says is over the size limit', async () => {
    const key = `${PREFIX}20260302T010000Z-huge.json`;
    s3Mock.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: key, Size: MAX_AUDIT_RECORD_BYTES + 1 }],
      KeyCount: 1,
    });
    const reading = await read();
    expect(reading.warnings).toEqual([
      `remediation audit: s3://${BUCKET}/${key} is 4.0 MiB, over the 4 MiB a record is at most; left out`,
    ]);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it.each([
    ['an object without its Key', { Size: 10 }, /answered an object without its Key/],
    [
      'a key outside the prefix asked for',
      { Key: 'elsewhere/2026/03/02/x.json', Size: 10 },
      /answered key "elsewhere\/2026\/03\/02\/x\.json", outside the prefix asked for/,
    ],
  ])('stops on a listing with %s', async (_what, object, message) => {
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [object], KeyCount: 1 });
    await expect(read()).rejects.toThrow(UndecidedError);
    await expect(read()).rejects.toThrow(message);
  });
});
