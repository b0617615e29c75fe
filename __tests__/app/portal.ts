/**
 * The asset portal in process for tests: PGlite in memory, telemetry without exporters (no
 * OTEL_EXPORTER_OTLP_ENDPOINT, so nothing connects), a silent logger, listening on 127.0.0.1.
 * Report bodies are the daily report's own report.json: the shared DailyReport fixture written
 * by the report command's JSON writer, byte for byte what `assetguard report` leaves.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import { dailyReport, hostileReport, HOSTILE } from '../fixtures/daily-report';
import { reportJson } from '../../actions/src/report/render';
import type { DailyReport } from '../../actions/src/report/model';
import { openDatabase, type Database } from '../../app/src/db';
import { createLogger } from '../../app/src/log';
import { migrate } from '../../app/src/migrations';
import { createPortal, type Portal } from '../../app/src/server';
import { startTelemetry, type Telemetry } from '../../app/src/telemetry';

/** The bearer token the test portals accept. */
export const IMPORT_TOKEN = 'test-import-token-0123456789abcdef';

export interface TestPortal {
  base: string;
  db: Database;
  telemetry: Telemetry;
  portal: Portal;
  /** Closes the server, telemetry and the database it opened. */
  close(): Promise<void>;
}

/**
 * How long a hook that opens an embedded PGlite database (a WebAssembly PostgreSQL compiled on
 * first use, then migrated) may take: a few seconds alone, but past Jest's 30 s default on a
 * 2-core CI busy with other test files.
 */
export const PORTAL_START_TIMEOUT_MS = 120_000;

/**
 * Starts a portal on a fresh in-memory PGlite, or on `db` (which `close` then leaves open:
 * PGlite takes seconds to start, so a test file shares one).
 * @param migrated apply the shipped migrations first (false: to see /readyz before them).
 */
export async function startPortal(
  options: {
    migrated?: boolean;
    importToken?: string | null;
    db?: Database;
    /** The portal's clock, in ms since the epoch (default: the real one). */
    now?: () => number;
  } = {},
): Promise<TestPortal> {
  const telemetry = startTelemetry({
    serviceName: 'portal-test',
    serviceVersion: 'test',
    metricExportIntervalMs: 60_000,
  });
  const ownDb = options.db === undefined;
  const db = options.db ?? (await openDatabase({ kind: 'pglite' }, telemetry));
  if (options.migrated !== false) await migrate(db);
  const token = options.importToken === undefined ? IMPORT_TOKEN : options.importToken;
  const portal = createPortal({
    db,
    telemetry,
    logger: createLogger('silent'),
    importMaxBytes: 1024 * 1024,
    ...(token === null ? {} : { importToken: token }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  portal.server.listen(0, '127.0.0.1');
  await once(portal.server, 'listening');
  const { port } = portal.server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    db,
    telemetry,
    portal,
    close: async () => {
      await portal.drain(1000);
      if (ownDb) await db.close();
      await telemetry.shutdown();
    },
  };
}

/** report.json as `assetguard report` writes it, for `report`. */
export function reportBody(report: DailyReport = dailyReport()): string {
  return reportJson(report);
}

/**
 * The fixture with a tag set on every resource (its findings' owner as Owner, and Environment
 * prod or dev alternating over the resources), generated `minutesLater` after the fixture.
 */
export function taggedReport(minutesLater = 1): DailyReport {
  const report = dailyReport();
  const resources = [...new Set(report.open.map((item) => item.finding.resource.id))];
  const open = report.open.map((item) => ({
    ...item,
    finding: {
      ...item.finding,
      resource: {
        ...item.finding.resource,
        tags: {
          Owner: item.owner ?? 'unowned@example.com',
          Environment: resources.indexOf(item.finding.resource.id) % 2 === 0 ? 'prod' : 'dev',
        },
      },
    },
  }));
  const generatedAt = new Date(
    Date.parse(report.generatedAt) + minutesLater * 60_000,
  ).toISOString();
  return { ...report, generatedAt, open };
}

/**
 * The hostile fixture with hostile text in a tag value and key too, generated a minute after
 * the normal fixture so it is the latest report.
 */
export function hostileBody(): string {
  const report = hostileReport();
  const [first, ...rest] = report.open;
  if (first === undefined) throw new Error('hostile fixture has no open finding');
  const tagged = {
    ...first,
    finding: {
      ...first.finding,
      resource: {
        ...first.finding.resource,
        tags: { ...first.finding.resource.tags, Team: HOSTILE.html, [HOSTILE.script]: 'key' },
      },
    },
  };
  const later = new Date(Date.parse(report.generatedAt) + 60_000).toISOString();
  return reportJson({ ...report, generatedAt: later, open: [tagged, ...rest] });
}

/** POSTs `body` to /api/imports with the test token (or `headers` instead). */
export function postImport(
  base: string,
  body: string,
  headers?: Record<string, string>,
): Promise<Response> {
  return fetch(`${base}/api/imports`, {
    method: 'POST',
    headers: headers ?? {
      authorization: `Bearer ${IMPORT_TOKEN}`,
      'content-type': 'application/json',
    },
    body,
  });
}

export { HOSTILE };
