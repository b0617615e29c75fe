import { ConfigurationError } from '../core/errors';
import { readInput, type InputReader, type InputSpecs } from '../core/inputs';
import { DEFAULT_POLICY_PATH } from '../core/policy';

export const TAG_COMMANDS = ['audit', 'apply', 'publish', 'groups'] as const;
export type TagCommand = (typeof TAG_COMMANDS)[number];

/** Declared once: action.yml and the CLI flags are checked against this in tests. */
export const TAG_POLICY_INPUTS = {
  command: {
    description:
      'audit (coverage report; exit 1 below tags.min-coverage), apply (tag what is missing), publish (policy to SSM Parameter Store) or groups (Resource Groups per tag value).',
    default: 'audit',
  },
  policy: {
    description: 'Policy file with a tags: section.',
    default: DEFAULT_POLICY_PATH,
  },
  execute: {
    description:
      'apply and groups only print their plan unless this is true (publish writes only when the policy changed).',
    default: 'false',
    flag: true,
  },
  'output-dir': {
    description: 'Directory for tags.json, summary.md and tags.csv.',
    default: 'assetguard-reports/tags',
  },
  region: {
    description: 'AWS region of the estate. Defaults to AWS_REGION.',
  },
} satisfies InputSpecs;

export const TAG_POLICY_OUTPUTS = {
  verdict:
    'pass, block or error (audit: coverage against tags.min-coverage; others: error when something failed).',
  coverage: 'Percent of required tags present and valid.',
  resources: 'Resources in the inventory.',
  changes: 'Resources apply would change (or changed, with execute).',
  'report-dir': 'Directory holding the reports.',
} as const;

export interface TagInputs {
  command: TagCommand;
  policy: string;
  execute: boolean;
  outputDir: string;
  region?: string;
}

export function parseTagInputs(read: InputReader): TagInputs {
  const get = (name: keyof typeof TAG_POLICY_INPUTS): string | undefined =>
    readInput(TAG_POLICY_INPUTS, read, name);
  const command = get('command') ?? 'audit';
  if (!(TAG_COMMANDS as readonly string[]).includes(command)) {
    throw new ConfigurationError(`command: "${command}" is not one of ${TAG_COMMANDS.join(', ')}`);
  }
  const execute = (get('execute') ?? 'false').toLowerCase();
  if (execute !== 'true' && execute !== 'false') {
    throw new ConfigurationError(`execute: "${execute}" is not true or false`);
  }
  const region = get('region');
  return {
    command: command as TagCommand,
    policy: get('policy') ?? DEFAULT_POLICY_PATH,
    execute: execute === 'true',
    outputDir: get('output-dir') ?? TAG_POLICY_INPUTS['output-dir'].default,
    ...(region !== undefined && { region }),
  };
}
