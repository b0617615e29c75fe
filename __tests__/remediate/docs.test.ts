import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parsePolicy } from '../../actions/src/core/policy';
import { REMEDIATE_INPUTS, REMEDIATE_OUTPUTS } from '../../actions/src/remediate/inputs';
import { loadPermissions, placeholdersIn, renderPolicy } from '../support/iam-permissions';

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

  it('shows exactly the policy permissions.json gives the remediate role', () => {
    const role = loadPermissions().remediate;
    if (role === undefined) throw new Error('permissions.json has no role "remediate"');
    const blocks = [...docs.matchAll(/```json\n([\s\S]*?)```/g)].map(
      (match) => JSON.parse(match[1]!) as unknown,
    );
    // ${name} left as it is (as in the README's IAM section): the template, not one account's ARNs.
    const names = role.statements.flatMap((statement) =>
      statement.resources.flatMap(placeholdersIn),
    );
    const template = renderPolicy(
      role,
      Object.fromEntries(names.map((name) => [name, `\${${name}}`])),
    );
    expect(blocks[0]).toEqual(template);
    // And the trust the doc describes: jobs of the remediation environment only.
    expect(role.subjects).toEqual(['environment:${remediation_environment}']);
    expect(docs).toContain(`\`${role.github_variable}\``);
  });

  it('names in its setup every variable remediate.yml reads, each one Terraform sets', () => {
    const start = docs.indexOf('\n## Setting up the approval environment\n');
    expect(start).toBeGreaterThan(0);
    const setup = docs.slice(start, docs.indexOf('\n## ', start + 1));
    const workflow = readFileSync(join(ROOT, '.github/workflows/remediate.yml'), 'utf8');
    const read = [...new Set([...workflow.matchAll(/\bvars\.([A-Z0-9_]+)/g)].map((m) => m[1]!))];
    expect(read).toContain('AWS_REMEDIATION_ROLE_ARN');
    // Set by modules/stack/github.tf: by name there, or as a role's github_variable.
    const github = readFileSync(join(ROOT, 'infra/modules/stack/github.tf'), 'utf8');
    const roleVariables = Object.values(loadPermissions()).map((role) => role.github_variable);
    for (const name of read) {
      expect({ name, named: setup.includes(`\`${name}\``) }).toEqual({ name, named: true });
      const set = roleVariables.includes(name) || new RegExp(`^\\s+${name}\\s+=`, 'm').test(github);
      expect({ name, set }).toEqual({ name, set: true });
    }
  });

  it('shows a remediation: policy example that loads', () => {
    const example = /```yaml\n(remediation:[\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toBeDefined();
    expect(parsePolicy(`version: 1\n${example ?? ''}`, 'docs').remediation?.documents).toHaveLength(
      1,
    );
  });
});
