/**
 * Schema migrations: plain numbered SQL files (`migrations/001_reports.sql`, ...) applied in
 * order, all pending ones in one transaction, each recorded in schema_migrations with the
 * sha256 of its text. Running it again applies nothing; two tasks starting together serialise
 * on a transaction-scoped advisory lock (PostgreSQL releases it at COMMIT or ROLLBACK), so the
 * second sees the first's work. A migration file changed after it was applied is an error:
 * the schema would no longer be what the files say.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Database, Queryable } from './db';

/** The migrations shipped with the app: ../migrations from src/ (tests) and from dist/ (the image). */
export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

// Any fixed 64-bit key: it only has to be the same in every task of the service.
const MIGRATION_LOCK_KEY = 7_351_906_122;

const FILE_NAME = /^(\d{3,})_[a-z0-9_]+\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** sha256 hex of the file's text. */
  checksum: string;
}

/** A migrations directory or schema that cannot be used as it is. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Reads the migration files of `dir`, ordered by version.
 * @throws MigrationError for a .sql file not named NNN_name.sql or two files with one version.
 */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_NAME.exec(file);
    if (match?.[1] === undefined) {
      throw new MigrationError(
        `${join(dir, file)}: migration files are named NNN_what_it_does.sql`,
      );
    }
    const version = Number(match[1]);
    const clash = migrations.find((migration) => migration.version === version);
    if (clash !== undefined) {
      throw new MigrationError(`${join(dir, file)}: version ${version} is also ${clash.name}`);
    }
    const sql = readFileSync(join(dir, file), 'utf8');
    migrations.push({
      version,
      name: file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

function checkApplied(applied: AppliedRow[], migrations: Migration[]): void {
  for (const row of applied) {
    const file = migrations.find((migration) => migration.version === row.version);
    if (file === undefined) {
      throw new MigrationError(
        `schema_migrations has version ${row.version} (${row.name}), which this build does not ship: the database is newer than the app`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `${file.name} changed after it was applied (checksum ${row.checksum.slice(0, 12)} in the database): add a new migration instead`,
      );
    }
  }
}

async function appliedRows(tx: Queryable): Promise<AppliedRow[]> {
  return tx.query<AppliedRow>(
    'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
  );
}

/**
 * Applies the pending migrations of `migrations` to `db`, in one transaction.
 * @returns the names of the files applied now (empty when the schema was current).
 * @throws MigrationError (see checkApplied) or the database's error for a failing statement,
 *   after which nothing of this run is applied.
 */
export async function migrate(
  db: Database,
  migrations: Migration[] = readMigrations(),
): Promise<string[]> {
  return db.transaction(async (tx) => {
    // The lock comes before CREATE TABLE IF NOT EXISTS: two of those racing can both fail.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = await appliedRows(tx);
    checkApplied(applied, migrations);
    const done = new Set(applied.map((row) => row.version));
    const now: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query(
        'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [migration.version, migration.name, migration.checksum],
      );
      now.push(migration.name);
    }
    return now;
  });
}

/** What /readyz reports about the schema. */
export type SchemaState = { ready: true } | { ready: false; reason: string };

/**
 * Whether every shipped migration is applied (and none changed). Never throws for a schema
 * problem; a database that does not answer rejects, which /readyz reports too.
 */
export async function schemaState(
  db: Queryable,
  migrations: Migration[] = readMigrations(),
): Promise<SchemaState> {
  const [table] = await db.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  if (table?.present !== true)
    return { ready: false, reason: 'migrations not applied (no schema_migrations table)' };
  const applied = await appliedRows(db);
  try {
    checkApplied(applied, migrations);
  } catch (error) {
    return { ready: false, reason: (error as Error).message };
  }
  const pending = migrations.filter(
    (migration) => !applied.some((row) => row.version === migration.version),
  );
  if (pending.length > 0) {
    return {
      ready: false,
      reason: `migrations pending: ${pending.map((migration) => migration.name).join(', ')}`,
    };
  }
  return { ready: true };
}
