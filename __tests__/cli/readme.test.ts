import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  COMPLIANCE_GATE_INPUTS,
  COMPLIANCE_GATE_OUTPUTS,
} from '../../actions/src/compliance-gate/inputs';
import { parsePolicy } from '../../actions/src/core/policy';
import { SCAN_GATE_INPUTS, SCAN_GATE_OUTPUTS } from '../../actions/src/scan-gate/inputs';
import { RUNNER_REPORTS } from '../../actions/src/core/runner';
import { DAILY_REPORT_INPUTS, DAILY_REPORT_OUTPUTS } from '../../actions/src/report/inputs';
import { REPORT_FILES } from '../../actions/src/report/run';
import { REMEDIATE_INPUTS, REMEDIATE_OUTPUTS } from '../../actions/src/remediate/inputs';
import type { InputSpecs } from '../../actions/src/core/inputs';
import { FLEET_CHECK_INPUTS, FLEET_CHECK_OUTPUTS } from '../../actions/src/fleet-check/inputs';
import {
  TAG_COMMAND_REPORTS,
  TAG_POLICY_INPUTS,
  TAG_POLICY_OUTPUTS,
} from '../../actions/src/tag-policy/inputs';

const ROOT = resolve(__dirname, '../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

/**
 * The text of one `##`/`###` section, up to the next heading of the same or a higher level
 * (lines starting with `#` inside code blocks are not headings).
 */
function sectionOf(heading: string): string {
  const lines = readme.split('\n');
  const start = lines.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const level = heading.indexOf(' ');
  let fenced = false;
  let end = lines.length;
  for (let index = start + 1; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (line.startsWith('```')) fenced = !fenced;
    const hashes = /^(#+) /.exec(line)?.[1]?.length;
    if (!fenced && hashes !== undefined && hashes <= level) {
      end = index;
      break;
    }
  }
  return lines.slice(start + 1, end).join('\n');
}

describe('README', () => {
  it('shows the two quick-start commands', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test');
  });

  it('documents every scan-gate input with its default, and every output', () => {
    for (const [name, spec] of Object.entries(SCAN_GATE_INPUTS)) {
      const row = readme.split('\n').find((line) => new RegExp(`^\\| \`${name}\` +\\|`).test(line));
      expect(row).toBeDefined();
      if ('default' in spec) expect(row).toContain(`\`${spec.default}\``);
    }
    for (const name of Object.keys(SCAN_GATE_OUTPUTS)) expect(readme).toContain(`\`${name}\``);
  });

  // The IAM permissions section is checked against its source, permissions.json, in
  // __tests__/infra/iam.test.ts.

  it('documents every compliance-gate input in its own section', () => {
    const section = readme.slice(readme.indexOf('## Compliance gate'), readme.indexOf('## CLI'));
    for (const [name, spec] of Object.entries(COMPLIANCE_GATE_INPUTS)) {
      const row = section
        .split('\n')
        .find((line) => new RegExp(`^\\| \`${name}\` +\\|`).test(line));
      expect(row).toBeDefined();
      if ('default' in spec) expect(row).toContain(`\`${spec.default}\``);
    }
    for (const name of Object.keys(COMPLIANCE_GATE_OUTPUTS)) {
      expect(section).toContain(`\`${name}\``);
    }
  });

  it('documents every tag-policy input in its own section', () => {
    const section = readme.slice(readme.indexOf('## Tag policy'), readme.indexOf('## CLI'));
    for (const [name, spec] of Object.entries(TAG_POLICY_INPUTS)) {
      const row = section
        .split('\n')
        .find((line) => new RegExp(`^\\| \`${name}\` +\\|`).test(line));
      expect(row).toBeDefined();
      expect(row).toContain(`\`${'default' in spec ? spec.default : 'AWS_REGION'}\``);
    }
    for (const name of Object.keys(TAG_POLICY_OUTPUTS)) expect(section).toContain(`\`${name}\``);
  });

  it('shows a tags: example that the policy loader accepts', () => {
    const section = readme.slice(
      readme.indexOf('## Tag policy'),
      readme.indexOf('### The auto-tag Lambda'),
    );
    const example = /```yaml\n(tags:[\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const policy = parsePolicy(`version: 1\n${example ?? ''}`, 'README.md');
    expect(policy.tags?.required.map((rule) => rule.key)).toEqual([
      'Environment',
      'Owner',
      'DataClassification',
      'Service',
      'CostCenter',
    ]);
  });

  it.each(['Scan gate', 'Daily report'])(
    'keeps the %s workflow example within 10 lines of YAML',
    (what) => {
      const block =
        new RegExp(
          `## ${what} in a workflow\\n\\n(?:<!-- prettier-ignore -->\\n)?\`\`\`yaml\\n([\\s\\S]*?)\`\`\``,
        ).exec(readme)?.[1] ?? '';
      expect(block.trim()).not.toBe('');
      expect(block.trim().split('\n').length).toBeLessThanOrEqual(10);
    },
  );

  it.each([
    ['## Daily report in a workflow', DAILY_REPORT_INPUTS as InputSpecs, DAILY_REPORT_OUTPUTS],
    ['## Remediation in a workflow', REMEDIATE_INPUTS as InputSpecs, REMEDIATE_OUTPUTS],
    ['## Fleet host checks in a workflow', FLEET_CHECK_INPUTS as InputSpecs, FLEET_CHECK_OUTPUTS],
  ] as const)(
    '"%s" documents every input with its default, and every output',
    (heading, inputs, outputs) => {
      const section = sectionOf(heading);
      for (const [name, spec] of Object.entries(inputs)) {
        const row = section
          .split('\n')
          .find((line) => new RegExp(`^\\| \`${name}\` +\\|`).test(line));
        expect(row).toBeDefined();
        if (spec.default !== undefined) expect(row).toContain(`\`${spec.default}\``);
      }
      for (const name of Object.keys(outputs)) expect(section).toContain(`\`${name}\``);
    },
  );

  it('shows a report: example that the policy loader accepts', () => {
    const example = /```yaml\n(report:[\s\S]*?)```/.exec(
      sectionOf('## Daily report in a workflow'),
    )?.[1];
    expect(example).toBeDefined();
    const policy = parsePolicy(`version: 1\n${example ?? ''}`, 'README.md');
    expect(policy.report.routeBy).toBe('Owner');
  });

  it('says how to install the CLI outside a clone, with commands that match the package', () => {
    const section = sectionOf('## CLI');
    expect(section).toContain('npm pack ');
    expect(section).toContain(`npm install -g ./assetguard-${version}.tgz`);
    expect(section).toContain('npm install -g github:<owner>/assetguard');
    expect(section).toContain('npx github:<owner>/assetguard');
  });

  it('documents every report file of every command: name, who writes it, when, and its shape', () => {
    const section = sectionOf('### Report files');
    const rows = section.split('\n').filter((line) => /^\| `[^`]+` +\|/.test(line));
    const documented = rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1]);
    const written = [
      ...RUNNER_REPORTS,
      'results.sarif',
      ...Object.values(TAG_COMMAND_REPORTS).flat(),
      ...REPORT_FILES,
    ];
    expect(new Set(documented)).toEqual(new Set(written));
    for (const row of rows) {
      const cells = row.split(/(?<!\\)\|/).slice(1, -1);
      expect(cells).toHaveLength(4);
      for (const cell of cells) expect(cell.trim()).not.toBe('');
    }
  });

  it('tells what the demo leaves behind and how to explore it', () => {
    const section = sectionOf('## Quick start');
    expect(section).toContain('out/demo/tag-policy.yml');
    expect(section).toContain('npx assetguard replay out/demo/web-1.0.0');
    expect(section).toContain('npm run demo -- --keep');
    expect(section).toContain('out/demo/report/report.html');
  });
});
