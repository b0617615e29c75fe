import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

// The committed CLI bundle loads only the command it runs: index.js holds the program and the
// flags, each command (with its AWS SDK clients) is a chunk file beside it that ncc's runtime
// require()s on the command's import(). Checked on real processes: a preload records every
// chunk file node loads.
const DIST = resolve(__dirname, '../../actions/dist/cli');
const CHUNK = /^\d+\.index\.js$/;
const work = mkdtempSync(join(tmpdir(), 'ag-chunks-'));
const preload = join(work, 'record-chunks.js');
writeFileSync(
  preload,
  `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (/\\d+\\.index\\.js$/.test(request)) appendFileSync(process.env.CHUNK_LOG, request + '\\n');
  return load.call(this, request, ...rest);
};
`,
);

/** Runs the bundled CLI; returns its exit status, stderr and the chunk files it loaded. */
function run(args: string[]): { status: number | null; stderr: string; chunks: string[] } {
  const log = join(work, `chunks-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const result = spawnSync(
    process.execPath,
    ['--require', preload, join(DIST, 'index.js'), ...args],
    {
      cwd: work,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: work,
        CHUNK_LOG: log,
        // No region: a command loads, then stops on the configuration error before any AWS call.
        AWS_REGION: '',
        AWS_DEFAULT_REGION: '',
      },
    },
  );
  const chunks = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((path) => basename(path));
  return { status: result.status, stderr: result.stderr, chunks: [...new Set(chunks)].sort() };
}

/** The SDK client class names the given chunk files hold (the SDK names each client's commands). */
function clientsIn(files: string[]): string[] {
  const names = [
    'ConfigServiceClient',
    'EC2Client',
    'ECRClient',
    'IAMClient',
    'Inspector2Client',
    'ResourceGroupsClient',
    'ResourceGroupsTaggingAPIClient',
    'S3Client',
    'SecurityHubClient',
    'SESv2Client',
    'SNSClient',
    'SSMClient',
  ];
  const text = files.map((file) => readFileSync(join(DIST, file), 'utf8')).join('\n');
  return names.filter((name) => text.includes(`"${name}"`));
}

describe('actions/dist/cli loads only the command it runs', () => {
  it('is an entry plus chunk files, and the entry holds no AWS SDK client of a command', () => {
    const chunks = readdirSync(DIST).filter((file) => CHUNK.test(file));
    expect(chunks.length).toBeGreaterThan(3);
    expect(clientsIn(['index.js'])).not.toContain('Inspector2Client');
    expect(clientsIn(['index.js'])).not.toContain('EC2Client');
  });

  it('--help and --version load no chunk', () => {
    for (const args of [['--help'], ['--version'], ['tags', 'apply', '--help']]) {
      const { status, chunks } = run(args);
      expect(status).toBe(0);
      expect(chunks).toEqual([]);
    }
  });

  it("scan-gate loads ECR, never the report's, tags' or remediation's clients", () => {
    const { status, stderr, chunks } = run(['scan-gate', '--image', 'shop/web:v1']);
    expect(status).toBe(2);
    expect(stderr).toContain('no AWS region');
    expect(chunks.length).toBeGreaterThan(0);
    const clients = clientsIn(chunks);
    expect(clients).toContain('ECRClient');
    // Inspector2 loads only once the first ECR request is out: this run stopped before any.
    expect(clients).not.toContain('Inspector2Client');
    for (const other of [
      'ConfigServiceClient',
      'ResourceGroupsTaggingAPIClient',
      'SecurityHubClient',
      'SSMClient',
      'SESv2Client',
      'EC2Client',
    ]) {
      expect(clients).not.toContain(other);
    }
  });

  it('a usage error loads no chunk and exits 2', () => {
    const { status, stderr, chunks } = run(['scan-gate', '--imgae', 'web:1']);
    expect(status).toBe(2);
    expect(stderr).toContain("unknown option '--imgae'");
    expect(chunks).toEqual([]);
  });
});
