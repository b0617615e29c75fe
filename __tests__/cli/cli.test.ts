import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  COMPLIANCE_GATE_INPUTS,
  COMPLIANCE_GATE_OUTPUTS,
} from '../../actions/src/compliance-gate/inputs';
import type { InputSpecs } from '../../actions/src/core/inputs';
import {
  TAG_COMMANDS,
  TAG_POLICY_INPUTS,
  TAG_POLICY_OUTPUTS,
} from '../../actions/src/tag-policy/inputs';
import { SCAN_GATE_INPUTS, SCAN_GATE_OUTPUTS } from '../../actions/src/scan-gate/inputs';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'actions/dist/cli/index.js');

function cli(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'ag-cli-')),
    env: {
      PATH: process.env.PATH,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    encoding: 'utf8',
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

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
    'tags %s --help offers every tag-policy input but command as a flag, execute as a bare flag',
    (command) => {
      const { status, out } = cli(['tags', command, '--help']);
      expect(status).toBe(0);
      expect(out).toContain(`Usage: assetguard tags ${command}`);
      expect(out).toContain('--execute ');
      expect(out).not.toContain('--execute <value>');
      expect(out).not.toContain('--command');
      for (const name of ['policy', 'output-dir', 'region'])
        expect(out).toContain(`--${name} <value>`);
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
      const { out } = cli([action, '--help']);
      for (const [name, spec] of Object.entries(inputs)) {
        expect(out).toContain(`--${name} <value>`);
        if (spec.default !== undefined)
          expect(out.replace(/\s+/g, ' ')).toContain(`(default: "${spec.default}")`);
      }
    });
  },
);
