import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError, errorMessage } from './errors';

/** A JSON report file's text: indented by two spaces, ending with a newline. */
export function jsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Writes report files so that none is ever half-written: each goes to a temporary name first and
 * is renamed into place. Returns the absolute-or-relative path of each file by name.
 */
export async function writeReportFiles(
  dir: string,
  files: Record<string, string>,
): Promise<Record<string, string>> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new ConfigurationError(`output-dir: cannot create ${dir}: ${errorMessage(error)}`);
  }
  const written: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    const target = join(dir, name);
    const temporary = `${target}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, content, 'utf8');
      await rename(temporary, target);
    } catch (error) {
      throw new ConfigurationError(`output-dir: cannot write ${target}: ${errorMessage(error)}`);
    }
    written[name] = target;
  }
  return written;
}
