import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../actions/src/core/clock';
import type { InputReader } from '../../actions/src/core/inputs';
import { runCommand } from '../../actions/src/core/runner';
import { COMPLIANCE_GATE_OUTPUTS } from '../../actions/src/compliance-gate/inputs';
import { complianceGateCommand } from '../../actions/src/compliance-gate/run';
import { SCAN_GATE_OUTPUTS } from '../../actions/src/scan-gate/inputs';
import { scanGateCommand } from '../../actions/src/scan-gate/run';
import { outputMismatch, setOutputs } from '../../actions/src/sinks/github';
import { TAG_POLICY_OUTPUTS } from '../../actions/src/tag-policy/inputs';
import { tagPolicyCommand } from '../../actions/src/tag-policy/run';
import { parseOutputFile } from '../support/runner';

// Outputs are written from their declarations (the *_OUTPUTS tables, which cli.test.ts compares
// with action.yml): a value for an undeclared output, or a declared output without a value, is
// a programming error.
const DECLARED = { verdict: 'pass, block or error.', 'report-dir': 'Where.' } as const;

describe('setOutputs', () => {
  const saved = process.env.GITHUB_OUTPUT;
  let file: string;
  beforeEach(() => {
    file = join(mkdtempSync(join(tmpdir(), 'ag-outputs-')), 'github_output');
    writeFileSync(file, '');
    process.env.GITHUB_OUTPUT = file;
  });
  afterEach(() => {
    if (saved === undefined) Reflect.deleteProperty(process.env, 'GITHUB_OUTPUT');
    else process.env.GITHUB_OUTPUT = saved;
  });

  it('writes exactly the declared outputs', () => {
    setOutputs(DECLARED, { verdict: 'block', 'report-dir': 'out' });
    expect(parseOutputFile(readFileSync(file, 'utf8'))).toEqual({
      verdict: 'block',
      'report-dir': 'out',
    });
  });

  it('refuses a value for an undeclared output, and a declared output without a value', () => {
    const undeclared = { verdict: 'pass', 'report-dir': 'out', 'image-digest': 'sha256:0' };
    expect(() => {
      setOutputs(DECLARED, undeclared);
    }).toThrow(
      'outputs do not match their declaration: undeclared image-digest; without a value none',
    );
    const missing = { verdict: 'pass' } as unknown as { verdict: string; 'report-dir': string };
    expect(() => {
      setOutputs(DECLARED, missing);
    }).toThrow('undeclared none; without a value report-dir');
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});

const deps = { clock: systemClock, log: () => undefined };

describe.each([
  [
    'scan-gate',
    'image',
    (read: InputReader) => runCommand(scanGateCommand(), { read }, deps),
    SCAN_GATE_OUTPUTS,
  ],
  [
    'compliance-gate',
    'source',
    (read: InputReader) => runCommand(complianceGateCommand(), { read }, deps),
    COMPLIANCE_GATE_OUTPUTS,
  ],
  [
    'tag-policy',
    'command',
    (read: InputReader) => runCommand(tagPolicyCommand(), { read }, deps),
    TAG_POLICY_OUTPUTS,
  ],
] as const)('%s on an invalid %s', (_action, input, run, declared) => {
  it('still writes its reports and gives every declared output a value, and no other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ag-outputs-run-'));
    const values: Record<string, string> = {
      'output-dir': dir,
      [input]: input === 'image' ? '' : 'bogus',
    };
    const result = await run((name) => values[name] ?? '');
    expect(result.verdict.verdict).toBe('error');
    expect(result.outcome.exitCode).toBe(2);
    expect(result.outcome.message).toMatch(new RegExp(`^${input}: `));
    expect(outputMismatch(declared, result.outputs)).toEqual({ undeclared: [], missing: [] });
    expect(result.outputs).toMatchObject({ verdict: 'error', 'report-dir': dir });
    const onDisk = JSON.parse(readFileSync(join(dir, 'verdict.json'), 'utf8')) as {
      error: string;
    };
    expect(onDisk.error).toBe(result.verdict.error);
    expect(readFileSync(join(dir, 'evidence.json'), 'utf8')).toContain(
      '"format":"assetguard-evidence/1"',
    );
  });
});
