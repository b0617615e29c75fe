import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { REMEDIATE_INPUTS, REMEDIATE_OUTPUTS } from '../../actions/src/remediate/inputs';
import { motoEnv } from '../fixtures/moto-estate';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'actions/dist/cli/index.js');
const REGION = 'ap-southeast-4';

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  cwd: string;
}

/** Runs the bundled CLI as a user's shell does: a fresh directory, only PATH (and `env`) set. */
function cliAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const cwd = mkdtempSync(join(tmpdir(), 'ag-remediate-cli-'));
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      done({ status, stdout, stderr, cwd });
    });
  });
}

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

describe('actions/remediate/action.yml declares exactly the inputs and outputs the code reads and writes', () => {
  const metadata = parse(readFileSync(join(ROOT, 'actions/remediate/action.yml'), 'utf8')) as {
    inputs: Record<string, { description: string; required?: boolean; default?: string }>;
    outputs: Record<string, { description: string }>;
    runs: { using: string; main: string };
  };

  it('inputs: names, descriptions, defaults and required flags', () => {
    expect(Object.keys(metadata.inputs)).toEqual(Object.keys(REMEDIATE_INPUTS));
    for (const [name, spec] of Object.entries(REMEDIATE_INPUTS)) {
      const declared = metadata.inputs[name]!;
      expect(declared.description).toBe(spec.description);
      expect(declared.default).toBe('default' in spec ? spec.default : undefined);
      expect(declared.required ?? false).toBe('required' in spec ? spec.required : false);
    }
  });

  it('outputs: names and descriptions', () => {
    expect(
      Object.fromEntries(
        Object.entries(metadata.outputs).map(([name, o]) => [name, o.description]),
      ),
    ).toEqual(REMEDIATE_OUTPUTS);
  });

  it('runs the committed bundle on node24', () => {
    expect(metadata.runs).toEqual({ using: 'node24', main: '../dist/remediate/index.js' });
  });
});

describe('assetguard remediate (the bundled CLI)', () => {
  it('is listed, with one flag per input and the same defaults; execute is a bare flag', () => {
    const top = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect(top.stdout).toContain('remediate [options]');
    const help = spawnSync(process.execPath, [CLI, 'remediate', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    const out = help.stdout.replace(/\s+/g, ' ');
    for (const [name, spec] of Object.entries(REMEDIATE_INPUTS)) {
      const flag = 'flag' in spec && spec.flag;
      expect(out).toContain(flag ? `--${name} ` : `--${name} <value>`);
      if (!flag && 'default' in spec) expect(out).toContain(`(default: "${spec.default}")`);
    }
    expect(out).toContain('Example:');
  });

  it('exits 2 when --rule is missing, naming it', async () => {
    const result = await cliAsync(['remediate', '--resources', 'sg-0abc1234def567890']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("required option '--rule <value>' not specified");
  });

  it('a dry run: the plan on stdout, the outcome on stderr, an audit record naming the local user', async () => {
    const result = await cliAsync(
      [
        'remediate',
        '--rule',
        'restricted-ssh',
        '--resources',
        'sg-0abc1234def567890',
        '--region',
        REGION,
      ],
      motoEnv(REGION),
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^## assetguard remediate: DRY RUN — restricted-ssh in ap-southeast-4/,
    );
    expect(lastLine(result.stderr)).toMatch(
      /^remediate: dry run: 1 resource would be remediated with AWS-DisableIncomingSSHOnPort22; nothing was changed; .*; audit record: assetguard-reports\/remediate\/audit\/\d{4}\/\d\d\/\d\d\/\d{8}T\d{6}Z-[0-9a-f-]{36}\.json$/,
    );
    const audit = join(result.cwd, 'assetguard-reports/remediate/audit');
    const [file] = readdirSync(audit, { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('.json'));
    const record = JSON.parse(readFileSync(join(audit, file ?? ''), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(record).toMatchObject({ actor: userInfo().username, source: 'resources', dryRun: true });
    expect(record).not.toHaveProperty('runUrl');
  });

  describe('checks --output-dir before its first AWS call', () => {
    const requests: string[] = [];
    const server = createServer((request: IncomingMessage, response) => {
      requests.push(`${request.method ?? ''} ${request.url ?? ''}`);
      response.writeHead(500).end();
    });
    let endpoint = '';
    beforeAll(async () => {
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((done) => server.close(done));
    });

    it('--execute --output-dir <a regular file>: exit 2 naming output-dir, no AWS request', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'ag-remediate-file-')), 'reports');
      writeFileSync(file, 'mine\n');
      const result = await cliAsync(
        [
          'remediate',
          '--rule',
          'EC2.13',
          '--resources',
          'sg-0abc1234def567890',
          '--execute',
          '--automation-assume-role',
          'arn:aws:iam::123456789012:role/assetguard-remediation-automation',
          '--output-dir',
          file,
        ],
        {
          AWS_ENDPOINT_URL: endpoint,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      );
      expect(result.status).toBe(2);
      expect(lastLine(result.stderr)).toBe(
        `remediate: output-dir: ${file} is a file, not a directory: choose a directory for the reports`,
      );
      expect(requests).toEqual([]);
      expect(readFileSync(file, 'utf8')).toBe('mine\n');
    });
  });
});
