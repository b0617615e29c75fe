import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from '../../actions/src/core/directories';
import { checkReportDir } from '../../actions/src/core/report-files';

describe('makeDirectory', () => {
  const root = mkdtempSync(join(tmpdir(), 'ag-dirs-'));

  it('creates missing parents, and accepts a directory that exists', async () => {
    const deep = join(root, 'a', 'b', 'c');
    await makeDirectory(deep);
    await makeDirectory(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
  });

  it('throws the failing level’s own error through a file', async () => {
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    await expect(makeDirectory(join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  // Node's recursive mkdir retries forever under /proc (ENOENT on every try): this must end.
  it('fails at once under a pseudo file system where nothing can be created', async () => {
    await expect(makeDirectory('/proc/assetguard-x/y')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('so a report directory under /proc is refused naming output-dir, not a hang', async () => {
    await expect(checkReportDir('/proc/assetguard-x', ['verdict.json'])).rejects.toThrow(
      /output-dir: cannot create \/proc\/assetguard-x/,
    );
  });
});
