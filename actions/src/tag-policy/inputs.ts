import { ConfigurationError } from '../core/errors';
import {
  parseOutputDir,
  readInput,
  type CommandInputSpecs,
  type InputReader,
  type OutputSpecs,
} from '../core/inputs';
import { DEFAULT_POLICY_PATH } from '../core/policy';

/** The tag commands: the `command` input, and the subcommands of `assetguard tags`. */
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
    description:
      'Directory for verdict.json, summary.md and evidence.json, and per command tags.json and tags.csv (audit), plan.json or apply.json (apply).',
    default: 'assetguard-reports/tags',
  },
  region: {
    description: 'AWS region of the estate. Defaults to AWS_REGION.',
  },
} satisfies CommandInputSpecs;

/** Declared once: action.yml is checked against this in tests, and `setOutputs` writes exactly these. */
export const TAG_POLICY_OUTPUTS = {
  verdict:
    'pass, block or error (audit: coverage against tags.min-coverage; others: error when something failed).',
  coverage: 'Percent of required tags present and valid.',
  resources: 'Resources in the inventory.',
  changes: 'Resources apply would change (or changed, with execute).',
  'report-dir': 'Directory holding the reports.',
} as const satisfies OutputSpecs;

/** The tag-policy inputs, parsed. */
export interface TagInputs {
  command: TagCommand;
  policy: string;
  execute: boolean;
  outputDir: string;
  region?: string;
}

function isTagCommand(command: string): command is TagCommand {
  return (TAG_COMMANDS as readonly string[]).includes(command);
}

/**
 * Parses the tag-policy inputs by name (action inputs, or the CLI's flags with the subcommand as
 * `command`), with the declared defaults.
 * @throws ConfigurationError naming the input: an unknown command, an execute that is not
 *   true/false, an output-dir that is not a path.
 */
export function parseTagInputs(read: InputReader): TagInputs {
  const get = <Name extends keyof typeof TAG_POLICY_INPUTS>(name: Name) =>
    readInput(TAG_POLICY_INPUTS, read, name);
  const command = get('command');
  if (!isTagCommand(command)) {
    throw new ConfigurationError(`command: "${command}" is not one of ${TAG_COMMANDS.join(', ')}`);
  }
  const execute = get('execute').toLowerCase();
  if (execute !== 'true' && execute !== 'false') {
    throw new ConfigurationError(`execute: "${execute}" is not true or false`);
  }
  const region = get('region');
  return {
    command,
    policy: get('policy'),
    execute: execute === 'true',
    outputDir: parseOutputDir(get('output-dir')),
    ...(region !== undefined && { region }),
  };
}
