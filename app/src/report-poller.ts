/**
 * The pull side of report delivery: the daily-report workflow puts report.json at one S3 key
 * (REPORT_S3_URI) and the portal fetches it every REPORT_POLL_SECONDS, so nothing has to carry a
 * shared import token into the task. Each tick is one conditional GetObject (If-None-Match: the
 * last ETag seen), so an unchanged object costs a 304 and no body; a changed one goes through
 * ingestReport, the same check and one-transaction import as POST /api/imports.
 *
 * Failures never stop the poller and never touch readiness: each is one JSON log line (no
 * stack) and the next tick tries again. A missing key is the normal state before the first
 * report, so it is said once (at info), not every tick.
 */
import {
  GetObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';

import type { ReportSource } from './config';
import { ingestReport, type IngestContext } from './ingest';
import { ReportShapeError } from './report';

/** What one poll did. */
export type PollOutcome =
  | { kind: 'imported'; etag: string; reportId: number; duplicate: boolean }
  /** The object's ETag is the last one handled: S3 answered 304 Not Modified. */
  | { kind: 'unchanged' }
  /** No object at the key (NoSuchKey, or 404 on a bucket the task may list). */
  | { kind: 'missing' }
  /** The object is not a valid report (or is too large): logged, nothing stored. */
  | { kind: 'invalid'; etag: string; message: string }
  /** S3 or the database failed: logged, retried next tick. */
  | { kind: 'failed'; message: string };

export interface ReportPollerOptions extends IngestContext {
  source: ReportSource;
  /** Largest object imported, in bytes (PORTAL_IMPORT_MAX_BYTES, the same cap as the API). */
  maxBytes: number;
  /**
   * Settings for the poller's own S3 client, over what the environment gives (AWS_REGION, the
   * task role's credentials, AWS_ENDPOINT_URL for an emulator); default none.
   */
  clientConfig?: S3ClientConfig;
}

export interface ReportPoller {
  /** Runs one poll now (tests drive it; the timer calls it too). Polls never overlap. */
  poll(): Promise<PollOutcome>;
  /** Starts polling: one poll at once, then one every `source.pollSeconds`. */
  start(): void;
  /** Stops the timer, waits for a poll in progress and closes the S3 client. */
  stop(): Promise<void>;
}

/** An error's message on one line, cut short: log lines carry no stacks and no line breaks. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}

// The service error's name and HTTP status, read by shape (not instanceof S3ServiceException,
// which fails across two copies of the SDK).
function serviceError(error: unknown): { name: string; status?: number } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof name !== 'string' || $metadata === undefined) return undefined;
  const status = $metadata.httpStatusCode;
  return typeof status === 'number' ? { name, status } : { name };
}

// GetObject with a matching If-None-Match answers 304 with no body; SDK v3 raises it as a
// service error named "NotModified" (or carrying only the 304 when no code can be parsed).
function isNotModified(error: unknown): boolean {
  const found = serviceError(error);
  return found !== undefined && (found.name === 'NotModified' || found.status === 304);
}

// NoSuchKey needs s3:ListBucket on the bucket; without it S3 answers 403 AccessDenied. That, and
// a bucket that does not exist (NoSuchBucket, also a 404), are misconfigurations: failures.
function isMissing(error: unknown): boolean {
  const found = serviceError(error);
  return (
    found !== undefined &&
    (found.name === 'NoSuchKey' || (found.status === 404 && found.name !== 'NoSuchBucket'))
  );
}

async function readBody(output: GetObjectCommandOutput, maxBytes: number): Promise<Buffer> {
  if (output.ContentLength !== undefined && output.ContentLength > maxBytes) {
    // Free the socket without reading the body.
    (output.Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw new ReportShapeError(
      `the object is ${output.ContentLength} bytes, over the ${maxBytes}-byte import limit (PORTAL_IMPORT_MAX_BYTES)`,
    );
  }
  if (output.Body === undefined) throw new ReportShapeError('the object has no body');
  return Buffer.from(await output.Body.transformToByteArray());
}

/**
 * Builds a poller for `options.source` (not started).
 * Relies on S3 GetObject's If-None-Match (304 when the ETag matches) and ETags that change
 * whenever the object is overwritten.
 */
export function createReportPoller(options: ReportPollerOptions): ReportPoller {
  const { source, logger } = options;
  // The SDK sets no request timeout by default: a hung GetObject would hold a poll (and the
  // shutdown that waits for it) until the hard-stop timer. 30 s is ample for one report object.
  const client = new S3Client({
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    ...options.clientConfig,
  });
  const log = logger.child({ source: source.uri });
  // The ETag of the last object handled (imported, duplicate, or refused as invalid): a refused
  // object is not fetched again, the next upload has a new ETag.
  let lastEtag: string | undefined;
  let missingSaid = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PollOutcome> | undefined;
  let stopped = false;

  const pollOnce = async (): Promise<PollOutcome> => {
    let output: GetObjectCommandOutput;
    try {
      output = await client.send(
        new GetObjectCommand({
          Bucket: source.bucket,
          Key: source.key,
          ...(lastEtag === undefined ? {} : { IfNoneMatch: lastEtag }),
        }),
      );
    } catch (error) {
      if (isNotModified(error)) return { kind: 'unchanged' };
      if (isMissing(error)) {
        if (!missingSaid) {
          log.info('no report at the S3 key yet: polling until the daily report publishes one');
          missingSaid = true;
        }
        return { kind: 'missing' };
      }
      const message = oneLine(error);
      log.warn({ error: message }, 'fetching the report from S3 failed; retrying next poll');
      return { kind: 'failed', message };
    }
    // Said again if the key ever goes missing after this.
    missingSaid = false;
    const etag = output.ETag ?? '';
    try {
      const bytes = await readBody(output, options.maxBytes);
      const result = await ingestReport(options, bytes, 's3');
      lastEtag = etag;
      return { kind: 'imported', etag, reportId: result.reportId, duplicate: result.duplicate };
    } catch (error) {
      const message = oneLine(error);
      if (error instanceof ReportShapeError) {
        lastEtag = etag;
        log.warn({ etag, error: message }, 'the report in S3 is not valid: nothing stored');
        return { kind: 'invalid', etag, message };
      }
      log.warn({ etag, error: message }, 'importing the report from S3 failed; retrying next poll');
      return { kind: 'failed', message };
    }
  };

  const poll = (): Promise<PollOutcome> => {
    // One poll at a time: a slow import and the next tick must not race on lastEtag.
    running ??= pollOnce().finally(() => {
      running = undefined;
    });
    return running;
  };

  const tick = (): void => {
    void poll().then(() => {
      if (stopped) return;
      timer = setTimeout(tick, source.pollSeconds * 1000);
      // The poller alone never keeps the process alive; the server does.
      timer.unref();
    });
  };

  return {
    poll,
    start() {
      if (stopped || timer !== undefined || running !== undefined) return;
      log.info({ pollSeconds: source.pollSeconds }, 'polling S3 for the report');
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      client.destroy();
    },
  };
}
