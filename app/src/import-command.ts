/** The import CLI (import.ts is its two-line entry). */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigError, loadConfig } from './config';
import { openDatabase, type Database } from './db';
import { migrate } from './migrations';
import { parseReport, ReportShapeError } from './report';
import { importReport } from './store';
import { startTelemetry } from './telemetry';

const USAGE = [
  'usage: node dist/import.js REPORT_JSON_OR_DIRECTORY',
  '',
  'Imports report.json (or the report directory holding it) into DATABASE_URL, or PGLITE_DIR,',
  'applying pending migrations first. Exit 0 imported or already there, 2 anything else.',
].join('\n');

/** A failure of the database step (open, migrate, store): the only one blamed on the database. */
class DatabaseStepError extends Error {
  override name = 'DatabaseStepError';
}

function reportPath(arg: string): string {
  let stats;
  try {
    stats = statSync(arg);
  } catch (error) {
    throw new ReportShapeError(
      `${arg}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  return stats.isDirectory() ? join(arg, 'report.json') : arg;
}

/**
 * Imports the report `args[0]` names; `--help` (or `-h`) prints the usage on `out`.
 * @returns the exit code: 0 imported, already there, or help; 2 for bad usage, config, input, a
 *   database that failed, or an unexpected error (each said on stderr in one line naming the
 *   step, never a stack).
 */
export async function runImport(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    out(USAGE);
    return 0;
  }
  if (args.length !== 1 || args[0] === undefined || args[0].startsWith('-')) {
    err(USAGE);
    return 2;
  }
  let db: Database | undefined;
  // What was being done, for a failure that is neither bad input nor the database.
  let step = 'reading the configuration';
  try {
    const config = loadConfig(env);
    if (config.database.kind === 'pglite' && config.database.dataDir === undefined) {
      throw new ConfigError(
        'set DATABASE_URL (or PGLITE_DIR): an import into an in-memory database would be lost at exit',
      );
    }
    step = 'reading the report';
    const path = reportPath(args[0]);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      throw new ReportShapeError(
        `${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    step = 'checking the report';
    let parsed;
    try {
      parsed = parseReport(bytes);
    } catch (error) {
      if (error instanceof ReportShapeError)
        throw new ReportShapeError(`${path}: ${error.message}`);
      throw error;
    }
    step = 'starting telemetry';
    // No OTLP endpoint: a one-shot CLI has nothing worth exporting.
    const telemetry = startTelemetry({ ...config.telemetry, otlpEndpoint: undefined });
    // Only an error the database (or the connection to it) raised is blamed on the database:
    // PostgreSQL and PGlite errors carry a SQLSTATE `code`, socket errors an `E...` code.
    const database = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
      step = what;
      try {
        return await run();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && /^([0-9A-Z]{5}|E[A-Z]+)$/.test(code)) {
          throw new DatabaseStepError(`the database refused ${what}: ${oneLine(error)}`);
        }
        throw error;
      }
    };
    db = await database('the connection', () => openDatabase(config.database, telemetry));
    const opened = db;
    await database('the migrations', () => migrate(opened));
    const result = await database('the import', () => importReport(opened, parsed, 'cli'));
    out(
      result.duplicate
        ? `${path}: already imported as report ${result.reportId}`
        : `${path}: imported as report ${result.reportId} (generated ${parsed.summary.generatedAt}): ${result.findings} open findings, ${result.assets} resources`,
    );
    return 0;
  } catch (error) {
    const known =
      error instanceof ConfigError ||
      error instanceof ReportShapeError ||
      error instanceof DatabaseStepError;
    err(`import: ${known ? oneLine(error) : `${step} failed unexpectedly: ${oneLine(error)}`}`);
    return 2;
  } finally {
    await db?.close();
  }
}

/** An error's name-free message on one line, cut short: never a stack, never a line break. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}
