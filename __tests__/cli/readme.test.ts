import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  COMPLIANCE_GATE_INPUTS,
  COMPLIANCE_GATE_OUTPUTS,
} from '../../actions/src/compliance-gate/inputs';
import { parsePolicy } from '../../actions/src/core/policy';
import { SCAN_GATE_INPUTS, SCAN_GATE_OUTPUTS } from '../../actions/src/scan-gate/inputs';
import { TAG_POLICY_INPUTS, TAG_POLICY_OUTPUTS } from '../../actions/src/tag-policy/inputs';

const ROOT = resolve(__dirname, '../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

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

  it('shows exactly the IAM policies that infra grants the gates', () => {
    const section = readme.slice(readme.indexOf('## IAM permissions'));
    const blocks = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map(
      (match) => JSON.parse(match[1]!) as unknown,
    );
    for (const [index, file] of [
      'scan-gate.json',
      'compliance-gate.json',
      'tag-policy.json',
    ].entries()) {
      const policy = readFileSync(join(ROOT, 'infra/modules/github-oidc/policies', file), 'utf8');
      expect(blocks[index]).toEqual(JSON.parse(policy));
    }
  });

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

  it('keeps the workflow example within 10 lines of YAML', () => {
    const block = /## Scan gate in a workflow\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(block.trim().split('\n').length).toBeLessThanOrEqual(10);
  });
});
