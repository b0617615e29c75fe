import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Creates a directory and its missing parents, one level at a time, like `mkdir -p`.
 *
 * Not `mkdir(path, { recursive: true })`: under a pseudo file system (`/proc/x`, `/sys/…`) where a
 * new entry can never be made, Node's recursive mkdir retries forever at 0% CPU (the kernel keeps
 * answering ENOENT), so a report directory or audit path there would hang the run. Here every
 * level is one plain mkdir, and the first that fails throws its own error (ENOENT, EACCES,
 * ENOTDIR…) for the caller to word. An existing directory is fine (EEXIST).
 */
export async function makeDirectory(path: string): Promise<void> {
  const target = resolve(path);
  const missing: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    try {
      await mkdir(dir);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') break;
      if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
      missing.push(dir);
    }
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
