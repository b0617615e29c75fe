/**
 * The portal's configuration, read once from the environment into a typed object. Every problem
 * is a ConfigError naming the variable and the format expected; `main` prints it on one line and
 * exits 2 (the process could not decide how to run, so it does not run).
 */
import { readFileSync } from 'node:fs';

/** A setting the operator got wrong: the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * How the connection to PostgreSQL is protected. `verify-full` checks the server certificate
 * against Node's roots plus the Amazon RDS CA bundle and the host name; `require` encrypts
 * without checking who answers (for a proxy with its own certificate); `disable` is plain text,
 * only for a database on the same host or network namespace.
 */
export type DatabaseTls = 'verify-full' | 'require' | 'disable';

/** Where the data lives: RDS PostgreSQL in production, PGlite (embedded) locally and in tests. */
export type DatabaseConfig =
  | {
      kind: 'postgresql';
      /** postgres://user@host:port/db, password removed (see `password`). */
      url: string;
      /** From the URL or, as ECS injects the Secrets Manager value, DATABASE_PASSWORD. */
      password?: string;
      tls: DatabaseTls;
      /** Extra PEM CA certificates (DATABASE_CA_FILE), added to Node's roots and the RDS bundle. */
      ca?: string;
      /** Connections in the pool (DATABASE_POOL_MAX). */
      poolMax: number;
    }
  | {
      kind: 'pglite';
      /** Data directory (PGLITE_DIR); undefined keeps the database in memory. */
      dataDir?: string;
    };

export interface PortalConfig {
  /** TCP port (PORT, default 8080; 0 picks a free one). */
  port: number;
  /** Interface to listen on (HOST, default 0.0.0.0: the task's ENI in awsvpc mode). */
  host: string;
  database: DatabaseConfig;
  /**
   * Bearer token POST /api/imports requires (PORTAL_IMPORT_TOKEN, at least 24 characters);
   * undefined turns HTTP imports off (the import CLI still works).
   */
  importToken?: string;
  /** Largest import body accepted, in bytes (PORTAL_IMPORT_MAX_BYTES, default 10 MiB). */
  importMaxBytes: number;
  /** Apply pending migrations at start (PORTAL_MIGRATE, default true). */
  migrateOnStart: boolean;
  /** How long SIGTERM waits for in-flight requests, in ms (PORTAL_SHUTDOWN_TIMEOUT_MS, default 20000). */
  shutdownTimeoutMs: number;
  /** pino level (LOG_LEVEL, default info). */
  logLevel: string;
  telemetry: TelemetryConfig;
  /** Where the report is pulled from (REPORT_S3_URI); undefined: no poller runs. */
  reportSource?: ReportSource;
}

/** The S3 object the daily-report workflow publishes and the portal pulls (pull model: no shared secret). */
export interface ReportSource {
  bucket: string;
  key: string;
  /** The URI as configured, for log lines. */
  uri: string;
  /** Seconds between two GetObject calls (REPORT_POLL_SECONDS, default 300). */
  pollSeconds: number;
}

export interface TelemetryConfig {
  serviceName: string;
  serviceVersion: string;
  /** deployment.environment.name (DEPLOY_ENV), when set. */
  environment?: string;
  /**
   * OTEL_EXPORTER_OTLP_ENDPOINT (the ADOT collector sidecar, http://localhost:4318 in ECS).
   * Undefined: no OTLP exporter is created, so nothing connects anywhere.
   */
  otlpEndpoint?: string;
  /** OTEL_METRIC_EXPORT_INTERVAL in ms (default 60000). */
  metricExportIntervalMs: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_TOKEN_LENGTH = 24;

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function databaseConfig(env: NodeJS.ProcessEnv): DatabaseConfig {
  const raw = optional(env, 'DATABASE_URL');
  if (raw === undefined) {
    const dataDir = optional(env, 'PGLITE_DIR');
    return dataDir === undefined ? { kind: 'pglite' } : { kind: 'pglite', dataDir };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Never echo the value: it may carry a password.
    throw new ConfigError('DATABASE_URL is not a URL: expected postgres://USER@HOST:5432/DATABASE');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      `DATABASE_URL must start with postgres:// or postgresql://, got ${url.protocol}//`,
    );
  }
  if (url.hostname === '' || url.pathname.length <= 1) {
    throw new ConfigError(
      'DATABASE_URL must name a host and a database: postgres://USER@HOST:5432/DATABASE',
    );
  }
  if (url.searchParams.has('sslmode')) {
    // pg lets sslmode in the URL override the ssl object, which would undo DATABASE_TLS silently.
    throw new ConfigError('DATABASE_URL must not carry sslmode: set DATABASE_TLS instead');
  }
  const urlPassword = url.password === '' ? undefined : decodeURIComponent(url.password);
  const envPassword = optional(env, 'DATABASE_PASSWORD');
  if (urlPassword !== undefined && envPassword !== undefined) {
    throw new ConfigError(
      'DATABASE_URL carries a password and DATABASE_PASSWORD is set too: keep one (ECS injects DATABASE_PASSWORD from Secrets Manager)',
    );
  }
  url.password = '';
  const tlsRaw =
    optional(env, 'DATABASE_TLS') ?? (LOCAL_HOSTS.has(url.hostname) ? 'disable' : 'verify-full');
  if (tlsRaw !== 'verify-full' && tlsRaw !== 'require' && tlsRaw !== 'disable') {
    throw new ConfigError(`DATABASE_TLS must be verify-full, require or disable, got "${tlsRaw}"`);
  }
  const caFile = optional(env, 'DATABASE_CA_FILE');
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(`DATABASE_CA_FILE ${caFile} cannot be read (${code})`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ConfigError(`DATABASE_CA_FILE ${caFile} holds no PEM certificate`);
    }
  }
  const password = urlPassword ?? envPassword;
  return {
    kind: 'postgresql',
    url: url.toString(),
    ...(password === undefined ? {} : { password }),
    tls: tlsRaw,
    ...(ca === undefined ? {} : { ca }),
    poolMax: integer(env, 'DATABASE_POOL_MAX', 10, 1, 100),
  };
}

function otlpEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const raw = optional(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `OTEL_EXPORTER_OTLP_ENDPOINT is not a URL: "${raw}" (e.g. http://localhost:4318)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      `OTEL_EXPORTER_OTLP_ENDPOINT must be http(s) (OTLP/HTTP), got ${url.protocol}// — gRPC is not exported`,
    );
  }
  return raw.replace(/\/+$/, '');
}

// S3 bucket names: 3-63 lower-case letters, digits, dots and hyphens (the general purpose rules).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function reportSource(env: NodeJS.ProcessEnv): ReportSource | undefined {
  const uri = optional(env, 'REPORT_S3_URI');
  if (uri === undefined) {
    if (optional(env, 'REPORT_POLL_SECONDS') !== undefined) {
      throw new ConfigError(
        'REPORT_POLL_SECONDS is set but REPORT_S3_URI is not: set REPORT_S3_URI or unset REPORT_POLL_SECONDS',
      );
    }
    return undefined;
  }
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  const bucket = match?.[1];
  const key = match?.[2];
  if (bucket === undefined || key === undefined || !BUCKET_NAME.test(bucket) || key.endsWith('/')) {
    throw new ConfigError(
      `REPORT_S3_URI must be s3://BUCKET/KEY naming one object (e.g. s3://reports/portal/report.json), got "${uri}"`,
    );
  }
  return {
    bucket,
    key,
    uri,
    pollSeconds: integer(env, 'REPORT_POLL_SECONDS', 300, 10, 86_400),
  };
}

/**
 * Reads the whole configuration from `env`.
 * @throws ConfigError naming the first variable that is wrong.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): PortalConfig {
  const importToken = optional(env, 'PORTAL_IMPORT_TOKEN');
  if (
    importToken !== undefined &&
    (importToken.length < MIN_TOKEN_LENGTH || /\s/.test(importToken))
  ) {
    throw new ConfigError(
      `PORTAL_IMPORT_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters without spaces (e.g. openssl rand -hex 32)`,
    );
  }
  const logLevel = optional(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const endpoint = otlpEndpoint(env);
  const environment = optional(env, 'DEPLOY_ENV');
  const source = reportSource(env);
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: optional(env, 'HOST') ?? '0.0.0.0',
    database: databaseConfig(env),
    ...(importToken === undefined ? {} : { importToken }),
    importMaxBytes: integer(
      env,
      'PORTAL_IMPORT_MAX_BYTES',
      10 * 1024 * 1024,
      1024,
      512 * 1024 * 1024,
    ),
    migrateOnStart: boolean(env, 'PORTAL_MIGRATE', true),
    shutdownTimeoutMs: integer(env, 'PORTAL_SHUTDOWN_TIMEOUT_MS', 20_000, 100, 120_000),
    logLevel,
    telemetry: {
      serviceName: optional(env, 'OTEL_SERVICE_NAME') ?? 'assetguard-portal',
      serviceVersion: optional(env, 'APP_VERSION') ?? 'dev',
      ...(environment === undefined ? {} : { environment }),
      ...(endpoint === undefined ? {} : { otlpEndpoint: endpoint }),
      metricExportIntervalMs: integer(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000, 1000, 3_600_000),
    },
    ...(source === undefined ? {} : { reportSource: source }),
  };
}
