import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AwsError, ConfigurationError } from '../../actions/src/core/errors';
import { REPORT_STATE_SCHEMA, type ReportState } from '../../actions/src/report/model';
import { loadState, parseStateLocation, saveState } from '../../actions/src/report/state';
import { motoEndpoint } from '../fixtures/moto-estate';

// S3 on moto: each test file its own region, and its own bucket (moto keeps buckets per account).
const REGION = 'ap-southeast-2';
const BUCKET = 'assetguard-report-state-tests';

const STATE: ReportState = {
  schema: REPORT_STATE_SCHEMA,
  title: 'assetguard daily security report',
  generatedAt: '2026-03-02T12:00:00.000Z',
  open: {
    'config:restricted-ssh/sg-1': {
      kind: 'cce',
      id: 'restricted-ssh',
      severity: 'HIGH',
      resource: 'sg-1',
      firstSeen: '2026-02-20T08:00:00.000Z',
    },
  },
  fixed: [],
  trend: [
    {
      date: '2026-03-02',
      open: { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNTRIAGED: 0 },
      new: 0,
      fixed: 0,
      overdue: 0,
    },
  ],
};

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

async function loadError(text: string): Promise<Error> {
  try {
    await loadState(parseStateLocation(text), { s3 });
  } catch (error) {
    return error as Error;
  }
  throw new Error('loadState did not fail');
}

it('is a first run when the object does not exist (NoSuchKey)', async () => {
  await expect(
    loadState(parseStateLocation(`s3://${BUCKET}/never/written.json`), { s3 }),
  ).resolves.toBeUndefined();
});

it('fails closed when the bucket does not exist, naming s3:GetObject', async () => {
  const error = await loadError('s3://assetguard-no-such-bucket/state.json');
  expect(error).toBeInstanceOf(AwsError);
  expect(error).toMatchObject({ awsCode: 'NoSuchBucket' });
  expect(error.message).toContain(
    'could not read the report state s3://assetguard-no-such-bucket/state.json (s3:GetObject): NoSuchBucket',
  );
});

it('reads back what PutObject stored, as compact JSON with its content type', async () => {
  const location = parseStateLocation(`s3://${BUCKET}/assetguard/report-state.json`);
  await saveState(location, STATE, { s3 });
  const stored = await s3.send(
    new GetObjectCommand({ Bucket: BUCKET, Key: 'assetguard/report-state.json' }),
  );
  expect(stored.ContentType).toBe('application/json');
  expect(await stored.Body!.transformToString()).toBe(JSON.stringify(STATE));
  await expect(loadState(location, { s3 })).resolves.toEqual(STATE);

  const next = { ...STATE, generatedAt: '2026-03-03T12:00:00.000Z', open: {} };
  await saveState(location, next, { s3 });
  await expect(loadState(location, { s3 })).resolves.toEqual(next);
});

it.each<[string, string, RegExp]>([
  ['not JSON', '<html>Access point moved</html>', /is not JSON/],
  [
    'another tool’s JSON',
    '{"version": 3, "items": []}',
    /is not an assetguard report state \(schema missing/,
  ],
  [
    'a state with a broken trend',
    JSON.stringify({ ...STATE, trend: [{ date: '2026-03-02' }] }),
    /does not match the assetguard-report-state\/1 schema: \/trend\/0: must have required property 'open'/,
  ],
])('refuses an object that is %s, naming s3://bucket/key', async (_name, body, expected) => {
  const key = `bad/${_name.replace(/\W+/g, '-')}.json`;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const error = await loadError(`s3://${BUCKET}/${key}`);
  expect(error).toBeInstanceOf(ConfigurationError);
  expect(error.message).toContain(`state: s3://${BUCKET}/${key} `);
  expect(error.message).toMatch(expected);
});

it('names s3:PutObject when the state cannot be written', async () => {
  let caught: unknown;
  try {
    await saveState(parseStateLocation('s3://assetguard-no-such-bucket/state.json'), STATE, { s3 });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AwsError);
  expect((caught as Error).message).toContain(
    'could not write the report state s3://assetguard-no-such-bucket/state.json (s3:PutObject): NoSuchBucket',
  );
});
