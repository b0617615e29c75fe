/**
 * The portal's HTTP server (node:http): the page, the JSON API, the import endpoint, health and
 * metrics. It has no side effects at import; `createPortal` builds a server the caller listens
 * on, so tests run it in process against PGlite and main.ts runs it in the container.
 *
 * Routes:
 *   GET  /                    the latest report as HTML (server-rendered, no script)
 *   GET  /api/report/latest   the latest report's summary (counts, rules, warnings)
 *   GET  /api/assets          its resources: ?type=, ?tag=Key=Value (repeatable), ?limit=, ?offset=
 *   GET  /api/findings        its open findings: ?severity=, ?limit=, ?offset=
 *   POST /api/imports         import one report.json (Authorization: Bearer PORTAL_IMPORT_TOKEN)
 *   GET  /healthz             liveness: the process answers (no database)
 *   GET  /readyz              readiness: the database answers and every migration is applied
 *   GET  /metrics             Prometheus text format
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

import type { Database } from './db';
import { PAGE_CSP, renderEmptyPage, renderReportPage } from './html';
import { ingestReport } from './ingest';
import type { Logger } from './log';
import { readMigrations, schemaState, type Migration } from './migrations';
import { ReportShapeError, SEVERITIES, type Severity } from './report';
import { latestReport, listAssets, listFindings, type StoredReport } from './store';
import type { Telemetry } from './telemetry';

export interface PortalOptions {
  db: Database;
  telemetry: Telemetry;
  logger: Logger;
  /** PORTAL_IMPORT_TOKEN; undefined answers every import with 403. */
  importToken?: string;
  /** Largest import body, in bytes. */
  importMaxBytes: number;
  /** The migrations /readyz expects applied (default: the shipped ones). */
  migrations?: Migration[];
  /** How long /readyz waits for the database before answering 503, in ms (default 2000). */
  readinessTimeoutMs?: number;
  /** The clock imports are checked against (a report from the future is refused), in ms since the epoch; default `Date.now`. */
  now?: () => number;
}

export interface Portal {
  server: Server;
  /**
   * Stops accepting connections and waits for in-flight requests, up to `timeoutMs`; then
   * closes what is left. /readyz answers 503 from the first moment, and responses carry
   * `Connection: close`, so load balancers and keep-alive clients move on.
   * @returns true when every request finished in time.
   */
  drain(timeoutMs: number): Promise<boolean>;
}

/** A request the client got wrong: its status and the message the JSON body carries. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
const MAX_OFFSET = 1_000_000;
// The page shows this many rows of each table and links to the API for the rest.
const PAGE_ROWS = 100;

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(payload);
}

function sendHtml(res: ServerResponse, html: string): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'content-security-policy': PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

function digestOf(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Whether `header` is `Bearer <token>`. Both sides are hashed first, so timingSafeEqual
 * compares equal lengths and the time taken says nothing about the token, not even its length.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  const given = match?.[1];
  if (given === undefined) return false;
  return timingSafeEqual(digestOf(given), digestOf(token));
}

function queryOf(url: URL, allowed: readonly string[]): URLSearchParams {
  for (const name of url.searchParams.keys()) {
    if (!allowed.includes(name)) {
      throw new HttpError(
        400,
        `unknown query parameter "${name}": ${url.pathname} takes ${allowed.join(', ')}`,
      );
    }
  }
  return url.searchParams;
}

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1)
    throw new HttpError(400, `${name} is given ${values.length} times; give it once`);
  const value = values[0];
  if (value === '') throw new HttpError(400, `${name} is empty`);
  return value;
}

function bounded(
  params: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = single(params, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function paging(params: URLSearchParams): { limit: number; offset: number } {
  return {
    limit: bounded(params, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT),
    offset: bounded(params, 'offset', 0, 0, MAX_OFFSET),
  };
}

/** `tag=Key=Value` (split at the first `=`; the value may be empty or contain `=`). */
function tagFilter(params: URLSearchParams): Record<string, string> | undefined {
  const values = params.getAll('tag');
  if (values.length === 0) return undefined;
  const tags: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new HttpError(400, `tag must be Key=Value, got "${value}"`);
    const key = value.slice(0, at);
    if (key in tags) throw new HttpError(400, `tag ${key} is given twice`);
    tags[key] = value.slice(at + 1);
  }
  return tags;
}

/** The link to the page after this one, or null on the last page. */
function nextLink(url: URL, page: { limit: number; offset: number; total: number }): string | null {
  const next = page.offset + page.limit;
  if (next >= page.total) return null;
  const params = new URLSearchParams(url.searchParams);
  params.set('offset', String(next));
  params.set('limit', String(page.limit));
  return `${url.pathname}?${params.toString()}`;
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new HttpError(
      413,
      `the report is ${declared} bytes; the limit is ${maxBytes} (PORTAL_IMPORT_MAX_BYTES)`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) {
      throw new HttpError(
        413,
        `the report is over the limit of ${maxBytes} bytes (PORTAL_IMPORT_MAX_BYTES)`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

interface Route {
  method: 'GET' | 'POST';
  handler: Handler;
  /** Logged at debug, not info: probes and scrapes every few seconds would drown the rest. */
  quiet?: boolean;
}

/** Builds the portal's server (not yet listening). */
export function createPortal(options: PortalOptions): Portal {
  const { db, telemetry, logger } = options;
  const migrations = options.migrations ?? readMigrations();
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 2000;
  let draining = false;

  telemetry.observeLatestReport(async () => {
    const report = await latestReport(db);
    return report === undefined
      ? undefined
      : { open: report.counts.open, generatedAt: report.generatedAt };
  });

  const requireReport = async (): Promise<StoredReport> => {
    const report = await latestReport(db);
    if (report === undefined)
      throw new HttpError(404, 'no report imported yet: POST one to /api/imports');
    return report;
  };

  const routes: Record<string, Route> = {
    '/healthz': {
      method: 'GET',
      quiet: true,
      handler: async (_req, res) => {
        sendJson(res, 200, { status: 'ok' });
        await Promise.resolve();
      },
    },
    '/readyz': {
      method: 'GET',
      quiet: true,
      handler: async (_req, res) => {
        if (draining) {
          sendJson(res, 503, { status: 'draining' });
          return;
        }
        try {
          const state = await withTimeout(
            schemaState(db, migrations),
            readinessTimeoutMs,
            'the database',
          );
          if (state.ready) sendJson(res, 200, { status: 'ready', database: db.engine });
          else sendJson(res, 503, { status: 'not ready', reason: state.reason });
        } catch (error) {
          sendJson(res, 503, {
            status: 'not ready',
            reason: `database unreachable: ${(error as Error).message}`,
          });
        }
      },
    },
    '/metrics': {
      method: 'GET',
      quiet: true,
      handler: async (req, res) => {
        telemetry.serveMetrics(req, res);
        await Promise.resolve();
      },
    },
    '/': {
      method: 'GET',
      handler: async (_req, res, url) => {
        queryOf(url, []);
        const report = await latestReport(db);
        if (report === undefined) {
          sendHtml(res, renderEmptyPage());
          return;
        }
        const [findings, assets] = await Promise.all([
          listFindings(db, report.id, { limit: PAGE_ROWS, offset: 0 }),
          listAssets(db, report.id, { limit: PAGE_ROWS, offset: 0 }),
        ]);
        sendHtml(res, renderReportPage(report, findings, assets));
      },
    },
    '/api/report/latest': {
      method: 'GET',
      handler: async (_req, res, url) => {
        queryOf(url, []);
        sendJson(res, 200, await requireReport());
      },
    },
    '/api/assets': {
      method: 'GET',
      handler: async (_req, res, url) => {
        const params = queryOf(url, ['type', 'tag', 'limit', 'offset']);
        const type = single(params, 'type');
        const tags = tagFilter(params);
        const { limit, offset } = paging(params);
        const report = await requireReport();
        const page = await listAssets(db, report.id, {
          ...(type === undefined ? {} : { type }),
          ...(tags === undefined ? {} : { tags }),
          limit,
          offset,
        });
        sendJson(res, 200, {
          report: { id: report.id, generatedAt: report.generatedAt },
          ...page,
          next: nextLink(url, page),
        });
      },
    },
    '/api/findings': {
      method: 'GET',
      handler: async (_req, res, url) => {
        const params = queryOf(url, ['severity', 'limit', 'offset']);
        const severity = single(params, 'severity')?.toUpperCase();
        if (severity !== undefined && !(SEVERITIES as readonly string[]).includes(severity)) {
          throw new HttpError(
            400,
            `severity must be one of ${SEVERITIES.join(', ')}, got "${severity}"`,
          );
        }
        const { limit, offset } = paging(params);
        const report = await requireReport();
        const page = await listFindings(db, report.id, {
          ...(severity === undefined ? {} : { severity: severity as Severity }),
          limit,
          offset,
        });
        sendJson(res, 200, {
          report: { id: report.id, generatedAt: report.generatedAt },
          ...page,
          next: nextLink(url, page),
        });
      },
    },
    '/api/imports': {
      method: 'POST',
      handler: async (req, res, url) => {
        queryOf(url, []);
        if (options.importToken === undefined) {
          throw new HttpError(
            403,
            'imports over HTTP are off: the server has no PORTAL_IMPORT_TOKEN',
          );
        }
        // Authenticate before reading a byte of the body.
        if (!bearerMatches(req.headers.authorization, options.importToken)) {
          telemetry.imports.add(1, { outcome: 'rejected', channel: 'api' });
          throw new HttpError(
            401,
            'a valid bearer token is required (Authorization: Bearer PORTAL_IMPORT_TOKEN)',
            {
              'www-authenticate': 'Bearer realm="assetguard-portal"',
            },
          );
        }
        const type = req.headers['content-type'] ?? '';
        if (!/^application\/json\s*(;|$)/i.test(type)) {
          throw new HttpError(415, `send report.json as application/json, not "${type}"`);
        }
        const body = await readBody(req, options.importMaxBytes);
        let result;
        try {
          result = await ingestReport(options, body, 'api');
        } catch (error) {
          if (error instanceof ReportShapeError) throw new HttpError(400, error.message);
          throw error;
        }
        sendJson(res, result.duplicate ? 200 : 201, result);
      },
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    // The path is only ever matched, never echoed raw into HTML or a log line's start.
    const url = new URL(req.url ?? '/', 'http://portal.invalid');
    const route = routes[url.pathname];
    const routeName = route === undefined ? undefined : url.pathname;
    const parent = propagation.extract(context.active(), req.headers);
    const span = telemetry.tracer.startSpan(
      routeName === undefined ? method : `${method} ${routeName}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          'url.path': url.pathname,
          ...(routeName === undefined ? {} : { 'http.route': routeName }),
        },
      },
      parent,
    );
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const status = res.statusCode;
      const attributes = {
        'http.request.method': method,
        'http.response.status_code': status,
        ...(routeName === undefined ? {} : { 'http.route': routeName }),
      };
      telemetry.httpDuration.record(seconds, attributes);
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      const line = {
        method,
        path: url.pathname,
        status,
        durationMs: Math.round(seconds * 10_000) / 10,
        traceId: span.spanContext().traceId,
      };
      if (route?.quiet === true && status < 400) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });

    await context.with(trace.setSpan(parent, span), async () => {
      try {
        if (route === undefined) throw new HttpError(404, `no route ${url.pathname}`);
        const allowed = route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
        if (!allowed.includes(method)) {
          throw new HttpError(405, `${url.pathname} answers ${allowed.join(', ')}`, {
            allow: allowed.join(', '),
          });
        }
        await route.handler(req, res, url);
      } catch (error) {
        if (error instanceof HttpError) {
          sendJson(res, error.status, { error: error.message }, error.headers);
          return;
        }
        span.recordException(error as Error);
        logger.error({ err: error, path: url.pathname }, 'request failed');
        if (!res.headersSent)
          sendJson(res, 500, { error: 'internal error; the portal log has the details' });
        else res.destroy();
      }
    });
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // ALB keeps idle connections for 60 s; outlive it so the balancer, not the task, closes them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const drain = (timeoutMs: number): Promise<boolean> => {
    draining = true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        server.closeAllConnections();
        resolve(false);
      }, timeoutMs);
      server.close(() => {
        clearTimeout(timer);
        resolve(true);
      });
      // Keep-alive sockets with no request in flight would hold close() open until they time out.
      server.closeIdleConnections();
    });
  };

  return { server, drain };
}
