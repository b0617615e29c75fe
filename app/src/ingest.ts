/**
 * The one path a report.json takes into the database once its bytes are in hand, shared by
 * POST /api/imports and the S3 poller: check the shape (parseReport), store it in one
 * transaction (importReport), count the outcome and log it. The CLI keeps its own wording and
 * exit codes but calls the same two functions.
 */
import type { Database } from './db';
import type { Logger } from './log';
import { parseReport, ReportShapeError } from './report';
import { importReport, type ImportChannel, type ImportResult } from './store';
import type { Telemetry } from './telemetry';

export interface IngestContext {
  db: Database;
  telemetry: Telemetry;
  logger: Logger;
  /** The clock a report's generatedAt is checked against, in ms since the epoch; default `Date.now`. */
  now?: () => number;
}

/**
 * Checks and stores one report.json.
 * @param bytes the report as received (UTF-8 JSON).
 * @param channel recorded with the report and on the `assetguard_imports` counter.
 * @returns what importReport stored (`duplicate` when the same bytes were imported before).
 * @throws ReportShapeError (counted as rejected, nothing stored) for a body that is not a valid
 *   report; a database error as the driver raised it (the transaction rolled back).
 */
export async function ingestReport(
  context: IngestContext,
  bytes: Buffer,
  channel: ImportChannel,
): Promise<ImportResult> {
  const { db, telemetry, logger } = context;
  let parsed;
  try {
    parsed = parseReport(bytes, context.now === undefined ? {} : { now: context.now });
  } catch (error) {
    if (error instanceof ReportShapeError)
      telemetry.imports.add(1, { outcome: 'rejected', channel });
    throw error;
  }
  const result = await importReport(db, parsed, channel);
  telemetry.imports.add(1, { outcome: result.duplicate ? 'duplicate' : 'imported', channel });
  logger.info(
    {
      channel,
      reportId: result.reportId,
      duplicate: result.duplicate,
      findings: result.findings,
      assets: result.assets,
    },
    'report imported',
  );
  return result;
}
