import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { PR_SUMMARY_INPUTS, PR_SUMMARY_OUTPUTS } from '../../actions/src/pr-summary/inputs';

// docs/pr-summary.md is copied from: its workflow snippet and its tables must name the inputs
// and outputs the action has, with their defaults.
const ROOT = resolve(__dirname, '../..');
const doc = readFileSync(join(ROOT, 'docs/pr-summary.md'), 'utf8');

interface Step {
  uses?: string;
  with?: Record<string, string>;
}

describe('docs/pr-summary.md', () => {
  it('has a workflow job whose pr-summary step gives only declared inputs, the required ones included', () => {
    const block = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const jobs = parse(block ?? '') as Record<
      string,
      { permissions: Record<string, string>; steps: Step[] }
    >;
    const job = Object.values(jobs)[0];
    expect(job?.permissions).toMatchObject({ 'pull-requests': 'write' });
    const step = job?.steps.find((candidate) => candidate.uses === './actions/pr-summary');
    expect(step).toBeDefined();
    const given = Object.keys(step?.with ?? {});
    for (const name of given) expect(Object.keys(PR_SUMMARY_INPUTS)).toContain(name);
    expect(given).toContain('report-dirs'); // the one required input
    expect(
      Object.entries(PR_SUMMARY_INPUTS)
        .filter(([, spec]) => 'required' in spec)
        .map(([name]) => name),
    ).toEqual(['report-dirs']);
    // Third-party actions are pinned by full commit SHA.
    for (const { uses } of job?.steps ?? []) {
      if (uses && !uses.startsWith('./')) expect(uses).toMatch(/@[0-9a-f]{40}$/);
    }
  });

  it('lists every input with its default, and every output', () => {
    for (const [name, spec] of Object.entries(PR_SUMMARY_INPUTS)) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      expect(row).toBeDefined();
      if ('default' in spec) expect(row).toContain(`\`${spec.default}\``);
    }
    for (const name of Object.keys(PR_SUMMARY_OUTPUTS)) {
      expect(doc).toMatch(new RegExp(`^\\| \`${name}\` `, 'm'));
    }
  });
});
