import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The report files in each run directory under `root`, read from disk (dotfiles, such as the
 * report-set record, aside), so that what the demo says it wrote is exactly what it wrote. A
 * directory (remediate's audit/) is listed with a trailing slash.
 */
export function reportFiles(root: string, runs: readonly string[]): Record<string, string[]> {
  return Object.fromEntries(
    runs.map((run) => {
      const dir = join(root, run);
      let names: string[] = [];
      try {
        names = readdirSync(dir)
          .filter((name) => !name.startsWith('.'))
          .map((name) => (statSync(join(dir, name)).isDirectory() ? `${name}/` : name))
          .sort();
      } catch {
        // No directory: the run wrote nothing (it could not check its output-dir).
      }
      return [run, names];
    }),
  );
}

/** One line per run: its directory, padded, and its files, or "(nothing written)". */
export function formatReportFiles(files: Record<string, string[]>): string[] {
  const width = Math.max(0, ...Object.keys(files).map((run) => run.length)) + 2;
  return Object.entries(files).map(
    ([run, names]) =>
      `${`${run}/`.padEnd(width)}${names.length > 0 ? names.join(' ') : '(nothing written)'}`,
  );
}
