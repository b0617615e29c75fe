import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parsePolicy } from '../../actions/src/core/policy';
import { REMEDIATE_INPUTS, REMEDIATE_OUTPUTS } from '../../actions/src/remediate/inputs';

const ROOT = resolve(__dirname, '../..');
const docs = readFileSync(join(ROOT, 'docs/remediation.md'), 'utf8');

describe('docs/remediation.md', () => {
  it('documents every input with its default, and every output', () => {
    for (const [name, spec] of Object.entries(REMEDIATE_INPUTS)) {
      const row = docs.split('\n').find((line) => new RegExp(`^\\| \`${name}\` +\\|`).test(line));
      expect(row).toBeDefined();
      if ('default' in spec) expect(row).toContain(`\`${spec.default}\``);
    }
    for (const name of Object.keys(REMEDIATE_OUTPUTS)) expect(docs).toContain(`\`${name}\``);
  });

  it('shows exactly the IAM policy infra grants', () => {
    const [block] = [...docs.matchAll(/```json\n([\s\S]*?)```/g)].map(
      (match) => JSON.parse(match[1]!) as unknown,
    );
    const policy = readFileSync(
      join(ROOT, 'infra/modules/github-oidc/policies/remediate.json'),
      'utf8',
    );
    expect(block).toEqual(JSON.parse(policy));
  });

  it('shows a remediation: policy example that loads', () => {
    const example = /```yaml\n(remediation:[\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toBeDefined();
    expect(parsePolicy(`version: 1\n${example ?? ''}`, 'docs').remediation?.documents).toHaveLength(
      1,
    );
  });
});
