import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigurationError } from '../../actions/src/core/errors';
import type { InputSpecs } from '../../actions/src/core/inputs';
import {
  parsePrSummaryInputs,
  PR_SUMMARY_INPUTS,
  PR_SUMMARY_OUTPUTS,
} from '../../actions/src/pr-summary/inputs';

const ROOT = resolve(__dirname, '../..');

const read =
  (values: Record<string, string>) =>
  (name: string): string | undefined =>
    values[name];

describe('actions/pr-summary/action.yml declares exactly the inputs and outputs the code reads and writes', () => {
  const metadata = parse(readFileSync(join(ROOT, 'actions/pr-summary/action.yml'), 'utf8')) as {
    inputs: Record<string, { description: string; required?: boolean; default?: string }>;
    outputs: Record<string, { description: string }>;
    runs: { using: string; main: string };
  };
  const inputs: InputSpecs = PR_SUMMARY_INPUTS;

  it('inputs: names, descriptions, defaults and required flags', () => {
    expect(Object.keys(metadata.inputs)).toEqual(Object.keys(inputs));
    for (const [name, spec] of Object.entries(inputs)) {
      const declared = metadata.inputs[name];
      expect(declared?.description).toBe(spec.description);
      expect(declared?.default).toBe(spec.default);
      expect(declared?.required ?? false).toBe(spec.required ?? false);
    }
  });

  it('outputs: names and descriptions', () => {
    expect(
      Object.fromEntries(
        Object.entries(metadata.outputs).map(([name, output]) => [name, output.description]),
      ),
    ).toEqual(PR_SUMMARY_OUTPUTS);
  });

  it('runs the committed bundle on node24, and the CLI has the same flags', () => {
    expect(metadata.runs).toEqual({ using: 'node24', main: '../dist/pr-summary/index.js' });
    const help = spawnSync(
      process.execPath,
      [join(ROOT, 'actions/dist/cli/index.js'), 'pr-summary', '--help'],
      {
        encoding: 'utf8',
      },
    );
    expect(help.status).toBe(0);
    const out = help.stdout.replace(/\s+/g, ' ');
    expect(out).toContain('Usage: assetguard pr-summary');
    for (const [name, spec] of Object.entries(inputs)) {
      expect(out).toContain(`--${name} <value>`);
      if (spec.secret) expect(out).toContain(`$${spec.secret.env}`);
      if (spec.default !== undefined) expect(out).toContain(`(default: "${spec.default}")`);
    }
  });
});

describe('parsePrSummaryInputs', () => {
  it('reads report-dirs one per line (or comma-separated), without duplicates, with the defaults', () => {
    expect(
      parsePrSummaryInputs(
        read({
          'report-dirs': 'reports/scan-gate\n\n reports/compliance-gate \nreports/scan-gate',
        }),
      ),
    ).toEqual({
      reportDirs: ['reports/scan-gate', 'reports/compliance-gate'],
      policy: '.github/assetguard.yml',
      outputDir: 'assetguard-reports/pr-summary',
    });
  });

  it('gives base-policy only when it is given (an empty input means none)', () => {
    const parsed = parsePrSummaryInputs(
      read({ 'report-dirs': 'a', 'base-policy': '  ', policy: 'p.yml' }),
    );
    expect(parsed).not.toHaveProperty('basePolicy');
    expect(
      parsePrSummaryInputs(read({ 'report-dirs': 'a', 'base-policy': 'base.yml' })).basePolicy,
    ).toBe('base.yml');
  });

  it('refuses an empty report-dirs, naming the input', () => {
    expect(() => parsePrSummaryInputs(read({ 'report-dirs': ' \n ' }))).toThrow(ConfigurationError);
    expect(() => parsePrSummaryInputs(read({}))).toThrow(
      "report-dirs: required; give the gates' report directories",
    );
  });
});
