import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { DEMO_TAG_POLICY, seedTaggingEstate } from '../fixtures/estate-tags';
import {
  credentialEnv,
  isolatedAccount,
  motoEndpoint,
  type TestCredentials,
} from '../fixtures/moto-estate';
import {
  COMPLIANCE_GATE_INPUTS,
  COMPLIANCE_GATE_OUTPUTS,
} from '../../actions/src/compliance-gate/inputs';
import type { InputSpecs } from '../../actions/src/core/inputs';
import {
  TAG_COMMAND_REPORTS,
  TAG_COMMANDS,
  TAG_POLICY_INPUTS,
  TAG_POLICY_OUTPUTS,
} from '../../actions/src/tag-policy/inputs';
import { SCAN_GATE_INPUTS, SCAN_GATE_OUTPUTS } from '../../actions/src/scan-gate/inputs';
import { DAILY_REPORT_INPUTS, DAILY_REPORT_OUTPUTS } from '../../actions/src/report/inputs';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'actions/dist/cli/index.js');

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout then stderr. */
  out: string;
  cwd: string;
}

/**
 * Runs the bundled CLI as a user's shell does: a fresh directory, only PATH set (and `env`). The
 * SDK's Node-version notice is not switched off here: the CLI must do that itself.
 */
function cli(args: string[], env: Record<string, string> = {}): CliResult {
  const cwd = mkdtempSync(join(tmpdir(), 'ag-cli-'));
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    out: `${result.stdout}${result.stderr}`,
    cwd,
  };
}

/** `cli`, without blocking this process (for tests that serve HTTP to the CLI meanwhile). */
function cliAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const cwd = mkdtempSync(join(tmpdir(), 'ag-cli-'));
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      resolvePromise({ status, stdout, stderr, out: `${stdout}${stderr}`, cwd });
    });
  });
}

/** The last non-empty line of a stream. */
const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

describe('the assetguard CLI (bundled)', () => {
  it('lists its commands and the exit-code contract in --help', () => {
    const { status, out } = cli(['--help']);
    expect(status).toBe(0);
    expect(out).toContain('scan-gate [options]');
    expect(out).toContain('compliance-gate [options]');
    expect(out).toContain('replay <bundle>');
    expect(out).toContain('0 pass, 1 blocked by policy, 2 could not decide');
  });

  it.each([['scan-gate'], ['compliance-gate'], ['replay']])(
    'has --help for %s with an example',
    (command) => {
      const { status, out } = cli([command, '--help']);
      expect(status).toBe(0);
      expect(out).toContain(`Usage: assetguard ${command}`);
      expect(out).toContain('Example:');
    },
  );

  it('offers one flag per action input, with the same defaults', () => {
    const { out } = cli(['scan-gate', '--help']);
    for (const [name, spec] of Object.entries(SCAN_GATE_INPUTS)) {
      expect(out).toContain(`--${name} <value>`);
      if ('default' in spec)
        expect(out.replace(/\s+/g, ' ')).toContain(`(default: "${spec.default}")`);
    }
  });

  it('exits 2 on a usage error (a gate invoked wrongly has not decided)', () => {
    const missing = cli(['scan-gate']);
    expect(missing.status).toBe(2);
    expect(missing.out).toContain("required option '--image <value>' not specified");
    expect(cli(['scan-gate', '--image', 'web:1', '--bogus']).status).toBe(2);
    expect(cli(['no-such-command']).status).toBe(2);
  });

  it('names a misspelt flag as unknown (with a suggestion), not as the required flag it was meant to be', () => {
    const typo = cli(['scan-gate', '--imgae', 'web:1']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain("error: unknown option '--imgae'");
    expect(typo.stderr).toContain('Did you mean --image?');
    expect(typo.stderr).not.toContain('required option');
    // Every command: an unknown flag is named before anything else is checked.
    for (const args of [['compliance-gate'], ['tags', 'apply'], ['replay', 'x']]) {
      const result = cli([...args, '--exceute']);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("error: unknown option '--exceute'");
    }
    // A positional argument where a flag was needed is named too.
    expect(cli(['scan-gate', 'web:1']).stderr).toContain('too many arguments');
  });

  it('refuses a bare number for --timeout, naming the input and the units to use', () => {
    const result = cli(['scan-gate', '--image', 'web:1', '--timeout', '10']);
    expect(result.status).toBe(2);
    expect(lastLine(result.stderr)).toBe(
      'scan-gate: timeout: "10" has no unit; write it with one, e.g. 10s or 10m',
    );
  });

  it('exits 2 without a stack trace when no region is configured', () => {
    const { status, out } = cli(['scan-gate', '--image', 'web:1']);
    expect(status).toBe(2);
    expect(out).toContain(
      'scan-gate: could not decide: no AWS region: set the region input (--region) or AWS_REGION',
    );
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('exits 2 when replay is given something that is not a bundle', () => {
    const { status, out } = cli(['replay', CLI]);
    expect(status).toBe(2);
    expect(out).toContain('is not a readable JSON evidence file');
  });
});

describe('assetguard tags', () => {
  it.each(TAG_COMMANDS.map((command) => [command]))(
    'tags %s --help offers only the flags that apply, and names its own report files',
    (command) => {
      const { status, out } = cli(['tags', command, '--help']);
      expect(status).toBe(0);
      expect(out).toContain(`Usage: assetguard tags ${command}`);
      expect(out).not.toContain('--command');
      for (const name of ['policy', 'output-dir', 'region'])
        expect(out).toContain(`--${name} <value>`);
      if (command === 'audit') {
        // audit only reads: no --execute to offer.
        expect(out).not.toContain('--execute');
        expect(cli(['tags', 'audit', '--execute']).stderr).toContain(
          "error: unknown option '--execute'",
        );
      } else {
        expect(out).toContain('--execute ');
        expect(out).not.toContain('--execute <value>');
      }
      const help = out.replace(/\s+/g, ' ');
      if (command !== 'audit') expect(help).toContain('Dry run by default.');
      const files = new Set(help.match(/[\w-]+\.(?:json|csv|sarif)/g) ?? []);
      expect(files).toEqual(
        new Set(['verdict.json', 'evidence.json', ...TAG_COMMAND_REPORTS[command]]),
      );
    },
  );

  it('exits 2 naming the command when tags is given an unknown one', () => {
    expect(cli(['tags', 'sweep']).status).toBe(2);
  });
});

describe.each([
  ['scan-gate', SCAN_GATE_INPUTS as InputSpecs, SCAN_GATE_OUTPUTS as Record<string, string>],
  [
    'compliance-gate',
    COMPLIANCE_GATE_INPUTS as InputSpecs,
    COMPLIANCE_GATE_OUTPUTS as Record<string, string>,
  ],
  ['tag-policy', TAG_POLICY_INPUTS as InputSpecs, TAG_POLICY_OUTPUTS as Record<string, string>],
  [
    'daily-report',
    DAILY_REPORT_INPUTS as InputSpecs,
    DAILY_REPORT_OUTPUTS as Record<string, string>,
  ],
])(
  'actions/%s/action.yml declares exactly the inputs and outputs the code reads and writes',
  (action, inputs, outputs) => {
    const metadata = parse(readFileSync(join(ROOT, 'actions', action, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { description: string; required?: boolean; default?: string }>;
      outputs: Record<string, { description: string }>;
      runs: { using: string; main: string };
    };

    it('inputs: names, descriptions, defaults and required flags', () => {
      expect(Object.keys(metadata.inputs)).toEqual(Object.keys(inputs));
      for (const [name, spec] of Object.entries(inputs)) {
        const declared = metadata.inputs[name]!;
        expect(declared.description).toBe(spec.description);
        expect(declared.default).toBe(spec.default);
        expect(declared.required ?? false).toBe(spec.required ?? false);
      }
    });

    it('outputs: names and descriptions', () => {
      expect(
        Object.fromEntries(
          Object.entries(metadata.outputs).map(([name, o]) => [name, o.description]),
        ),
      ).toEqual(outputs);
    });

    it('runs the committed bundle on node24, and the CLI has the same flags', () => {
      expect(metadata.runs).toEqual({ using: 'node24', main: `../dist/${action}/index.js` });
      if (action === 'tag-policy') return; // its CLI is `assetguard tags <command>`, tested above
      const { out } = cli([action === 'daily-report' ? 'report' : action, '--help']);
      for (const [name, spec] of Object.entries(inputs)) {
        // A flag input is a bare --name on the CLI; every other takes a value.
        expect(out).toContain(spec.flag ? `--${name} ` : `--${name} <value>`);
        if (spec.flag) continue;
        if (spec.secret) expect(out.replace(/\s+/g, ' ')).toContain(`$${spec.secret.env}`);
        if (spec.default !== undefined)
          expect(out.replace(/\s+/g, ' ')).toContain(`(default: "${spec.default}")`);
      }
    });
  },
);

describe('the CLI against moto', () => {
  const REGION = 'us-east-2';
  let credentials: TestCredentials;
  let policy: string;
  let bare: string;
  const awsEnv = (): Record<string, string> => ({
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...credentialEnv(credentials),
  });

  beforeAll(async () => {
    credentials = await isolatedAccount('555555555555');
    await seedTaggingEstate(motoEndpoint(), REGION, credentials);
    const dir = mkdtempSync(join(tmpdir(), 'ag-cli-policy-'));
    policy = join(dir, 'assetguard.yml');
    writeFileSync(policy, DEMO_TAG_POLICY);
    bare = join(dir, 'bare.yml');
    writeFileSync(bare, 'version: 1\n');
  });

  it.each([
    ['pass', 0, 'apply', false],
    ['block', 1, 'audit', false],
    ['error', 2, 'audit', true],
  ] as const)(
    'a %s (exit %d): stdout is exactly summary.md, the result line is the last line of stderr',
    async (_verdict, code, command, withoutTags) => {
      const reports = mkdtempSync(join(tmpdir(), 'ag-cli-out-'));
      const result = await cliAsync(
        ['tags', command, '--policy', withoutTags ? bare : policy, '--output-dir', reports],
        awsEnv(),
      );
      expect(result.status).toBe(code);
      expect(result.stdout).toBe(`${readFileSync(join(reports, 'summary.md'), 'utf8')}\n`);
      expect(lastLine(result.stderr)).toMatch(new RegExp(`^tags ${command}: `));
      expect(result.stdout).not.toContain(lastLine(result.stderr));
    },
  );

  it('an input that does not parse (exit 2): the same streams', () => {
    const result = cli(['scan-gate', '--image', 'web:1', '--timeout', '10']);
    expect(result.stdout).toBe(
      `${readFileSync(join(result.cwd, 'assetguard-reports/scan-gate/summary.md'), 'utf8')}\n`,
    );
    expect(lastLine(result.stderr)).toMatch(/^scan-gate: timeout: /);
  });

  const major = Number(process.versions.node.split('.')[0]);

  it('prints no AWS SDK Node-version notice, and still prints real warnings', async () => {
    const warn = join(mkdtempSync(join(tmpdir(), 'ag-cli-warn-')), 'warn.js');
    writeFileSync(warn, "process.emitWarning('assetguard-test: a real warning');\n");
    const reports = mkdtempSync(join(tmpdir(), 'ag-cli-out-'));
    const result = await cliAsync(['tags', 'audit', '--policy', policy, '--output-dir', reports], {
      ...awsEnv(),
      NODE_OPTIONS: `--require ${warn}`,
    });
    expect(result.status).toBe(1); // the audit ran: SDK clients were created
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
    expect(result.stderr).toContain('assetguard-test: a real warning');
    if (major < 22) {
      // The SDK's own switch, which a user can still turn back on.
      const opted = await cliAsync(['tags', 'audit', '--policy', policy, '--output-dir', reports], {
        ...awsEnv(),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false',
      });
      expect(opted.stderr).toContain('NodeVersionSupportWarning');
    }
  });
});

describe('every command checks --output-dir before its first AWS call', () => {
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

  it.each([
    [['scan-gate', '--image', 'web:1']],
    [['compliance-gate']],
    [['tags', 'audit']],
    [['tags', 'apply', '--execute']],
    [['tags', 'publish', '--execute']],
    [['tags', 'groups', '--execute']],
  ])('%j --output-dir <a regular file>: exit 2 naming output-dir, no AWS request', async (args) => {
    requests.length = 0;
    const file = join(mkdtempSync(join(tmpdir(), 'ag-cli-file-')), 'reports');
    writeFileSync(file, 'mine\n');
    const result = await cliAsync([...args, '--output-dir', file], {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(result.status).toBe(2);
    expect(lastLine(result.stderr)).toBe(
      `${args[0] === 'tags' ? `tags ${args[1] ?? ''}` : (args[0] ?? '')}: output-dir: ${file} is a file, not a directory: choose a directory for the reports`,
    );
    expect(requests).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
  });
});
