import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chunksOf, startupFiles, textOf } from '../support/bundle';
import { loadedFiles, moduleLog } from '../support/module-log';

// The committed CLI bundle loads only the command it runs: index.js and the chunks it imports
// statically hold the program and the flags; each command (with its AWS SDK clients) is a chunk
// file beside it, loaded by the command's import(). Checked on real processes: a resolve hook
// records every file of the bundle node loads.
const DIST = resolve(__dirname, '../../actions/dist/cli');
const work = mkdtempSync(join(tmpdir(), 'ag-chunks-'));
const START = startupFiles(DIST);

/** Runs the bundled CLI; returns its exit status, stderr and the chunk files it loaded past start. */
function run(args: string[]): { status: number | null; stderr: string; chunks: string[] } {
  const recorder = moduleLog(DIST);
  const result = spawnSync(process.execPath, [join(DIST, 'index.js'), ...args], {
    cwd: work,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: work,
      NODE_OPTIONS: recorder.nodeOptions,
      // No region: a command loads, then stops on the configuration error before any AWS call.
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
    },
  });
  const chunks = loadedFiles(recorder.read()).filter((file) => !START.includes(file));
  return { status: result.status, stderr: result.stderr, chunks: chunks.sort() };
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
  const text = textOf(DIST, files);
  return names.filter((name) => text.includes(`"${name}"`));
}

describe('actions/dist/cli loads only the command it runs', () => {
  it('is an entry plus chunk files, and what it parses at start holds no AWS SDK client', () => {
    expect(chunksOf(DIST).length).toBeGreaterThan(3);
    expect(clientsIn(START)).toEqual([]);
    expect(clientsIn(chunksOf(DIST))).toContain('EC2Client');
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
