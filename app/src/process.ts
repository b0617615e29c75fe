/**
 * The portal process: what main.ts runs. Kept apart so the entry file stays two lines and this
 * module imports without side effects.
 */
import type { AddressInfo } from 'node:net';

import { ConfigError, loadConfig, type PortalConfig } from './config';
import { openDatabase, type Database } from './db';
import { createLogger, type Logger } from './log';
import { migrate } from './migrations';
import { createReportPoller } from './report-poller';
import { createPortal } from './server';
import { startTelemetry, type Telemetry } from './telemetry';

// Beyond the drain deadline, closing the pool and flushing telemetry get this much more before
// the process exits regardless (ECS's stopTimeout is 30 s by default; the drain default is 20 s).
const CLOSE_GRACE_MS = 5000;

async function start(
  config: PortalConfig,
  logger: Logger,
  telemetry: Telemetry,
): Promise<Database> {
  const db = await openDatabase(config.database, telemetry);
  if (config.database.kind === 'pglite' && config.database.dataDir === undefined) {
    logger.warn(
      'DATABASE_URL and PGLITE_DIR are unset: the data lives in memory and is gone at exit',
    );
  }
  if (config.migrateOnStart) {
    const applied = await migrate(db);
    logger.info(
      { applied, database: db.engine },
      applied.length === 0 ? 'schema is current' : 'migrations applied',
    );
  }
  return db;
}

/** Runs the portal until a signal stops it; sets process.exitCode (0, 1, or 2 for bad config). */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: PortalConfig;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`assetguard-portal: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const logger = createLogger(config.logLevel);
  const telemetry = startTelemetry(config.telemetry, {
    registerGlobals: true,
    onError: (message) => {
      logger.warn(message);
    },
  });

  let db: Database;
  try {
    db = await start(config, logger, telemetry);
  } catch (error) {
    logger.fatal({ err: error }, `could not start: ${(error as Error).message}`);
    await telemetry.shutdown();
    process.exitCode = 1;
    return;
  }

  const portal = createPortal({
    db,
    telemetry,
    logger,
    importMaxBytes: config.importMaxBytes,
    ...(config.importToken === undefined ? {} : { importToken: config.importToken }),
  });
  portal.server.listen(config.port, config.host, () => {
    const { port } = portal.server.address() as AddressInfo;
    logger.info(
      {
        port,
        host: config.host,
        database: db.engine,
        otlp: telemetry.exporting,
        imports: config.importToken !== undefined,
        reportSource: config.reportSource?.uri ?? null,
      },
      'listening',
    );
  });
  // Readiness never waits for it: the page answers from the database with or without S3.
  const poller =
    config.reportSource === undefined
      ? undefined
      : createReportPoller({
          db,
          telemetry,
          logger,
          source: config.reportSource,
          maxBytes: config.importMaxBytes,
        });
  poller?.start();

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, timeoutMs: config.shutdownTimeoutMs },
      'shutting down: draining requests',
    );
    const hardStop = setTimeout(() => {
      logger.error('shutdown overran its deadline; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + CLOSE_GRACE_MS);
    hardStop.unref();
    void (async () => {
      // Both finish before the pool closes: an import the poller started completes or rolls back.
      const [drained] = await Promise.all([portal.drain(config.shutdownTimeoutMs), poller?.stop()]);
      if (!drained) logger.warn('requests still in flight at the deadline were cut off');
      try {
        await db.close();
      } catch (error) {
        logger.warn(`closing the database failed: ${(error as Error).message}`);
      }
      logger.info({ drained }, 'stopped');
      await telemetry.shutdown();
      process.exitCode = drained ? 0 : 1;
      // Nothing should be left, but a stray handle must not keep a stopped task alive.
      setImmediate(() => process.exit());
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
