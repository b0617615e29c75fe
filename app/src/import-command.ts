/** The import CLI (import.ts is its two-line entry). */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigError, loadConfig } from './config';
import { openDatabase, type Database } from './db';
import { migrate } from './migrations';
import { parseReport, ReportShapeError } from './report';
import { importReport } from './store';
import { startTelemetry } from './telemetry';

const USAGE = 'usage: node dist/import.js REPORT_JSON_OR_DIRECTORY';

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
 * Imports the report `args[0]` names.
 * @returns the exit code: 0 imported or already there, 2 for bad usage, config, input, or a
 *   database that refused (each said on stderr in one line).
 */
export async function runImport(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  if (args.length !== 1 || args[0] === undefined || args[0].startsWith('-')) {
    err(USAGE);
    return 2;
  }
  let db: Database | undefined;
  try {
    const config = loadConfig(env);
    if (config.database.kind === 'pglite' && config.database.dataDir === undefined) {
      throw new ConfigError(
        'set DATABASE_URL (or PGLITE_DIR): an import into an in-memory database would be lost at exit',
      );
    }
    const path = reportPath(args[0]);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      throw new ReportShapeError(
        `${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    let parsed;
    try {
      parsed = parseReport(bytes);
    } catch (error) {
      if (error instanceof ReportShapeError)
        throw new ReportShapeError(`${path}: ${error.message}`);
      throw error;
    }
    // No OTLP endpoint: a one-shot CLI has nothing worth exporting.
    const telemetry = startTelemetry({ ...config.telemetry, otlpEndpoint: undefined });
    db = await openDatabase(config.database, telemetry);
    await migrate(db);
    const result = await importReport(db, parsed, 'cli');
    out(
      result.duplicate
        ? `${path}: already imported as report ${result.reportId}`
        : `${path}: imported as report ${result.reportId} (generated ${parsed.summary.generatedAt}): ${result.findings} open findings, ${result.assets} resources`,
    );
    return 0;
  } catch (error) {
    const message = (error as Error).message;
    const known = error instanceof ConfigError || error instanceof ReportShapeError;
    err(`import: ${known ? message : `the database refused the import: ${message}`}`);
    return 2;
  } finally {
    await db?.close();
  }
}
