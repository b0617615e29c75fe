/**
 * `node dist/import.js FILE`: imports one report.json (or the report directory holding it)
 * into the database the environment names (DATABASE_URL, or PGLITE_DIR), applying pending
 * migrations first. One transaction: a bad file stores nothing. Exit 0 imported (or already
 * there), 2 anything else, with one line saying why.
 */
import { runImport } from './import-command';

void runImport(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
