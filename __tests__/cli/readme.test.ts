import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  COMPLIANCE_GATE_INPUTS,
  COMPLIANCE_GATE_OUTPUTS,
} from '../../actions/src/compliance-gate/inputs';
import { SCAN_GATE_INPUTS, SCAN_GATE_OUTPUTS } from '../../actions/src/scan-gate/inputs';

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
    for (const [index, file] of ['scan-gate.json', 'compliance-gate.json'].entries()) {
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

  it('keeps the workflow example within 10 lines of YAML', () => {
    const block = /## Scan gate in a workflow\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(block.trim().split('\n').length).toBeLessThanOrEqual(10);
  });
});
