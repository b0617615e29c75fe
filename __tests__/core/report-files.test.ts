import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../actions/src/core/errors';
import {
  checkReportDir,
  REPORT_SET_FILE,
  writeReportFiles,
  type ReportFs,
} from '../../actions/src/core/report-files';

let out: string;
beforeEach(() => {
  out = join(mkdtempSync(join(tmpdir(), 'ag-report-files-')), 'out');
});

/** Every entry of a directory with its content ('<dir>' for a directory), dotfiles included. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { withFileTypes: true }).map((entry) => [
      entry.name,
      entry.isDirectory() ? '<dir>' : readFileSync(join(dir, entry.name), 'utf8'),
    ]),
  );
}

const OLD_SET = {
  'verdict.json': '{"verdict":"pass"}\n',
  'summary.md': 'old summary\n',
  'evidence.json': '{"old":true}\n',
};
const NEW_SET = {
  'verdict.json': '{"verdict":"block"}\n',
  'summary.md': 'new summary\n',
  'evidence.json': '{"new":true}\n',
};

describe('writeReportFiles publishes a report set as a whole', () => {
  it('replaces the previous set and leaves no temporary file', async () => {
    await writeReportFiles(out, OLD_SET);
    const files = await writeReportFiles(out, NEW_SET);
    expect(files).toEqual({
      'verdict.json': join(out, 'verdict.json'),
      'summary.md': join(out, 'summary.md'),
      'evidence.json': join(out, 'evidence.json'),
    });
    expect(snapshot(out)).toEqual({
      ...NEW_SET,
      [REPORT_SET_FILE]: `${JSON.stringify({ files: Object.keys(NEW_SET) }, null, 2)}\n`,
    });
  });

  it('a name taken by a directory (summary.md/): fails naming output-dir, the old set intact, no temporary file', async () => {
    // The case from the issue: out/summary.md is a directory, out/evidence.json an old file.
    const collided = join(mkdtempSync(join(tmpdir(), 'ag-collide-')), 'out');
    mkdirSync(join(collided, 'summary.md'), { recursive: true });
    writeFileSync(join(collided, 'evidence.json'), OLD_SET['evidence.json']);
    writeFileSync(join(collided, 'verdict.json'), OLD_SET['verdict.json']);
    const before = snapshot(collided);

    const attempt = writeReportFiles(collided, NEW_SET);
    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(attempt).rejects.toThrow(
      `output-dir: ${join(collided, 'summary.md')} exists and is not a file, so the report summary.md cannot be written there`,
    );
    // The new verdict.json is not beside the old evidence, and nothing else appeared.
    expect(snapshot(collided)).toEqual(before);
  });

  it('a write that fails half way (a full disk): the old set intact, no temporary file', async () => {
    await writeReportFiles(out, OLD_SET);
    const before = snapshot(out);
    let writes = 0;
    const fullDisk: ReportFs = {
      rename,
      writeFile: async (path, content) => {
        writes += 1;
        if (writes === 3) {
          throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), {
            code: 'ENOSPC',
          });
        }
        await writeFile(path, content, 'utf8');
      },
    };
    const attempt = writeReportFiles(out, NEW_SET, fullDisk);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `^output-dir: cannot write ${join(out, 'evidence.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(the previous reports in .* are left as they were\\): ENOSPC`,
      ),
    );
    expect(writes).toBe(3);
    expect(snapshot(out)).toEqual(before);
  });

  it('a move that fails half way: the files already moved are put back, the old set intact', async () => {
    await writeReportFiles(out, { ...OLD_SET, 'plan.json': '[]\n' });
    const before = snapshot(out);
    let moves = 0;
    const failingMove: ReportFs = {
      writeFile: (path, content) => writeFile(path, content, 'utf8'),
      rename: async (from, to) => {
        moves += 1;
        if (moves === 3) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
        await rename(from, to);
      },
    };
    await expect(writeReportFiles(out, NEW_SET, failingMove)).rejects.toThrow(
      /^output-dir: cannot publish the reports in .* \(the previous reports are left as they were\): EIO: i\/o error$/,
    );
    expect(snapshot(out)).toEqual(before);
  });

  it("removes the previous set's files that the new set does not write (a dry run's plan.json after an execute)", async () => {
    await writeReportFiles(out, { ...OLD_SET, 'plan.json': '[]\n' });
    writeFileSync(join(out, 'notes.txt'), 'mine\n'); // not a report: left alone
    await writeReportFiles(out, { ...NEW_SET, 'apply.json': '{}\n' });
    expect(Object.keys(snapshot(out)).sort()).toEqual(
      [
        REPORT_SET_FILE,
        'apply.json',
        'evidence.json',
        'notes.txt',
        'summary.md',
        'verdict.json',
      ].sort(),
    );
  });

  it('never removes a path a tampered set record names outside the directory', async () => {
    const outside = join(out, '..', 'keep.txt');
    mkdirSync(out, { recursive: true });
    writeFileSync(outside, 'keep\n');
    writeFileSync(join(out, REPORT_SET_FILE), JSON.stringify({ files: ['../keep.txt', '/etc'] }));
    await writeReportFiles(out, NEW_SET);
    expect(readFileSync(outside, 'utf8')).toBe('keep\n');
  });
});

describe('checkReportDir: every output location before anything runs', () => {
  it('creates a missing directory', async () => {
    await checkReportDir(join(out, 'a', 'b'), ['verdict.json']);
    expect(existsSync(join(out, 'a', 'b'))).toBe(true);
    expect(readdirSync(join(out, 'a', 'b'))).toEqual([]);
  });

  it('refuses a regular file, naming output-dir', async () => {
    mkdirSync(out, { recursive: true });
    const file = join(out, 'report');
    writeFileSync(file, 'x');
    await expect(checkReportDir(file, ['verdict.json'])).rejects.toThrow(
      `output-dir: ${file} is a file, not a directory: choose a directory for the reports`,
    );
  });

  it('refuses a path through a file', async () => {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'file'), 'x');
    await expect(checkReportDir(join(out, 'file', 'sub'), [])).rejects.toThrow(
      /^output-dir: cannot create .*file\/sub: ENOTDIR/,
    );
  });

  it('refuses a report name taken by a directory, for any of the names given', async () => {
    mkdirSync(join(out, 'tags.json'), { recursive: true });
    await expect(checkReportDir(out, ['verdict.json', 'tags.json'])).rejects.toThrow(
      /tags\.json exists and is not a file/,
    );
  });

  it('refuses a directory it cannot write to', async () => {
    // Permission bits do not stop root (CI runs as root), so as root use a directory no one can
    // create files in: /proc/self exists, and the kernel refuses new entries there.
    if (process.getuid?.() === 0) {
      await expect(checkReportDir('/proc/self', [])).rejects.toThrow(
        /^output-dir: cannot write to \/proc\/self: /,
      );
      return;
    }
    mkdirSync(out, { recursive: true });
    chmodSync(out, 0o500);
    try {
      await expect(checkReportDir(out, [])).rejects.toThrow(
        /^output-dir: cannot write to .*: EACCES/,
      );
    } finally {
      chmodSync(out, 0o700);
    }
  });
});
