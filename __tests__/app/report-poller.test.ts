/**
 * @jest-environment ./__tests__/app/environment.ts
 */
/**
 * The portal's S3 poller (REPORT_S3_URI) against moto and real PGlite: it imports the report
 * object, skips an unchanged ETag with a conditional GetObject (304), imports a new object,
 * refuses an invalid one without storing anything, and says a missing key once. Polls are
 * driven one at a time through `poll()`, so nothing here waits on the timer.
 */
import { Writable } from 'node:stream';

import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

import { openDatabase, type Database } from '../../app/src/db';
import { createLogger } from '../../app/src/log';
import { migrate } from '../../app/src/migrations';
import { createReportPoller, type ReportPoller } from '../../app/src/report-poller';
import { startTelemetry, type Telemetry } from '../../app/src/telemetry';
import { PORTAL_START_TIMEOUT_MS, reportBody, taggedReport } from './portal';

// A region of this file's own, so its bucket cannot meet another test's in the shared moto.
const REGION = 'ap-southeast-2';
const BUCKET = 'portal-poller-test-reports';
const KEY = 'portal/report.json';

/** Log lines as parsed JSON objects. */
class CapturedLog extends Writable {
  lines: Array<Record<string, unknown>> = [];
  raw: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }
  messages(): string[] {
    return this.lines.map((line) => String(line.msg));
  }
}

describe('report poller', () => {
  let db: Database;
  let telemetry: Telemetry;
  let s3: S3Client;
  let log: CapturedLog;
  let poller: ReportPoller;

  const reportRows = async (): Promise<
    Array<{ id: number; channel: string; generated_at: Date }>
  > => db.query('SELECT id, channel, generated_at FROM reports ORDER BY id');

  const put = async (body: string): Promise<void> => {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: KEY,
        Body: body,
        ContentType: 'application/json',
      }),
    );
  };

  beforeAll(async () => {
    telemetry = startTelemetry({
      serviceName: 'portal-test',
      serviceVersion: 'test',
      metricExportIntervalMs: 60_000,
    });
    db = await openDatabase({ kind: 'pglite' }, telemetry);
    await migrate(db);
    s3 = new S3Client({ region: REGION, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(
      new CreateBucketCommand({
        Bucket: BUCKET,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    log = new CapturedLog();
    poller = createReportPoller({
      db,
      telemetry,
      logger: createLogger('info', log),
      source: { bucket: BUCKET, key: KEY, uri: `s3://${BUCKET}/${KEY}`, pollSeconds: 300 },
      maxBytes: 1024 * 1024,
      clientConfig: { region: REGION, forcePathStyle: true, maxAttempts: 1 },
    });
  }, PORTAL_START_TIMEOUT_MS);

  afterAll(async () => {
    await poller.stop();
    s3.destroy();
    await db.close();
    await telemetry.shutdown();
  });

  it('says a missing key once, however many polls find it missing', async () => {
    expect(await poller.poll()).toEqual({ kind: 'missing' });
    expect(await poller.poll()).toEqual({ kind: 'missing' });
    expect(await poller.poll()).toEqual({ kind: 'missing' });
    const said = log.messages().filter((msg) => /no report at the S3 key yet/.test(msg));
    expect(said).toHaveLength(1);
    expect(log.lines.filter((line) => line.level !== 'info')).toEqual([]);
    expect(await reportRows()).toEqual([]);
  });

  it('imports the object it finds, recorded as channel s3', async () => {
    await put(reportBody());
    const outcome = await poller.poll();
    expect(outcome).toMatchObject({ kind: 'imported', duplicate: false });
    const rows = await reportRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.channel).toBe('s3');
    expect(outcome).toMatchObject({ reportId: rows[0]?.id });
    expect(log.lines.at(-1)).toMatchObject({ msg: 'report imported', channel: 's3' });
  });

  it('does not fetch or import again while the ETag is unchanged', async () => {
    const before = log.lines.length;
    expect(await poller.poll()).toEqual({ kind: 'unchanged' });
    expect(await poller.poll()).toEqual({ kind: 'unchanged' });
    expect(await reportRows()).toHaveLength(1);
    expect(log.lines.length).toBe(before);
  });

  it('imports a new object put at the key', async () => {
    await put(reportBody(taggedReport(5)));
    expect(await poller.poll()).toMatchObject({ kind: 'imported', duplicate: false });
    const rows = await reportRows();
    expect(rows).toHaveLength(2);
    expect(rows.map((row) => row.channel)).toEqual(['s3', 's3']);
  });

  it('logs an invalid object in one line, stores nothing, then imports the next valid one', async () => {
    await put('{"title": "not a report"');
    const outcome = await poller.poll();
    expect(outcome).toMatchObject({ kind: 'invalid' });
    expect(await reportRows()).toHaveLength(2);
    const warning = log.lines.at(-1);
    expect(warning).toMatchObject({ level: 'warn', source: `s3://${BUCKET}/${KEY}` });
    expect(String(warning?.msg)).toMatch(/not valid: nothing stored/);
    expect(String(warning?.error)).toMatch(/ReportShapeError/);
    // One JSON line, no stack.
    expect(log.raw.at(-1)).not.toMatch(/\n|\s+at \S+ \(/);
    expect(warning).not.toHaveProperty('stack');
    expect(warning).not.toHaveProperty('err');
    // The refused object is not fetched and refused again every poll.
    expect(await poller.poll()).toEqual({ kind: 'unchanged' });

    await put(reportBody(taggedReport(10)));
    expect(await poller.poll()).toMatchObject({ kind: 'imported', duplicate: false });
    expect(await reportRows()).toHaveLength(3);
  });

  it('says the key is missing once more after a report was there, then goes quiet', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY }));
    const before = log.messages().filter((msg) => /no report at the S3 key yet/.test(msg)).length;
    expect(await poller.poll()).toEqual({ kind: 'missing' });
    expect(await poller.poll()).toEqual({ kind: 'missing' });
    const after = log.messages().filter((msg) => /no report at the S3 key yet/.test(msg)).length;
    expect(after - before).toBe(1);
  });

  it('logs an S3 failure as one warning and keeps polling', async () => {
    const broken = createReportPoller({
      db,
      telemetry,
      logger: createLogger('info', log),
      source: {
        bucket: 'no-such-bucket-here',
        key: KEY,
        uri: `s3://no-such-bucket-here/${KEY}`,
        pollSeconds: 300,
      },
      maxBytes: 1024 * 1024,
      clientConfig: { region: REGION, forcePathStyle: true, maxAttempts: 1 },
    });
    try {
      const first = await broken.poll();
      expect(first).toMatchObject({
        kind: 'failed',
        message: expect.stringMatching(/NoSuchBucket/),
      });
      expect(await broken.poll()).toMatchObject({ kind: 'failed' });
      expect(log.lines.at(-1)).toMatchObject({
        level: 'warn',
        msg: expect.stringMatching(/retrying next poll/),
      });
    } finally {
      await broken.stop();
    }
  });

  it('polls at once when started and lets stop wait for the poll in progress', async () => {
    const timed = createReportPoller({
      db,
      telemetry,
      logger: createLogger('info', log),
      source: { bucket: BUCKET, key: KEY, uri: `s3://${BUCKET}/started`, pollSeconds: 300 },
      maxBytes: 1024 * 1024,
      clientConfig: { region: REGION, forcePathStyle: true, maxAttempts: 1 },
    });
    timed.start();
    await timed.stop();
    const mine = log.lines.filter((line) => line.source === `s3://${BUCKET}/started`);
    expect(mine.map((line) => line.msg)).toEqual([
      'polling S3 for the report',
      'no report at the S3 key yet: polling until the daily report publishes one',
    ]);
  });
});
