import { ConfigurationError } from '../core/errors';
import {
  parseOutputDir,
  readInput,
  type CommandInputSpecs,
  type InputReader,
  type InputSpecs,
  type OutputSpecs,
  DEFAULT_POLICY_PATH,
} from '../core/inputs';

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
      'apply, publish and groups only show what they would change unless this is true; audit only reads (true is refused).',
    default: 'false',
    flag: true,
  },
  'output-dir': {
    description:
      'Directory for verdict.json, summary.md and evidence.json, plus tags.json and tags.csv (audit), plan.json (apply, dry run) or apply.json (apply with execute).',
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
  changes:
    'Resources apply would change (audit, apply dry run) or changed (apply with execute); groups to create or update (groups); 1 when the parameter differs from the policy, else 0 (publish).',
  'report-dir': 'Directory holding the reports.',
} as const satisfies OutputSpecs;

/**
 * The report files each tag command writes besides verdict.json, summary.md and evidence.json
 * (README "Report files" documents their shapes).
 */
export const TAG_COMMAND_REPORTS = {
  audit: ['tags.json', 'tags.csv'],
  apply: ['plan.json', 'apply.json'],
  publish: [],
  groups: [],
} as const satisfies Record<TagCommand, readonly string[]>;

/** What `execute` does for each command that writes; audit only reads and has no execute. */
const EXECUTE_HELP: Record<Exclude<TagCommand, 'audit'>, string> = {
  apply: 'Write the planned tags. Without it, a dry run: shows the plan and writes plan.json.',
  publish:
    'Write the policy to the SSM parameter when it differs. Without it, a dry run: shows the current and the new sha256.',
  groups: 'Create or update the groups. Without it, a dry run: shows what would change.',
};

const OUTPUT_DIR_HELP: Record<TagCommand, string> = {
  audit: 'Directory for verdict.json, summary.md, evidence.json, tags.json and tags.csv.',
  apply:
    'Directory for verdict.json, summary.md, evidence.json, and plan.json (dry run) or apply.json (--execute).',
  publish: 'Directory for verdict.json, summary.md and evidence.json.',
  groups: 'Directory for verdict.json, summary.md and evidence.json.',
};

/**
 * The inputs one tag command takes, as `assetguard tags <command>` offers them: `command` is the
 * subcommand; `execute` only where the command writes; descriptions that name its own files.
 */
export function tagCommandInputs(command: TagCommand): InputSpecs {
  const { policy, execute, 'output-dir': outputDir, region } = TAG_POLICY_INPUTS;
  return {
    policy,
    ...(command !== 'audit' && { execute: { ...execute, description: EXECUTE_HELP[command] } }),
    'output-dir': { ...outputDir, description: OUTPUT_DIR_HELP[command] },
    region,
  };
}

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
 *   true/false or is true for audit (which only reads), an output-dir that is not a path.
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
  if (command === 'audit' && execute === 'true') {
    // Refused rather than ignored: whoever set it expects a write that audit never makes.
    throw new ConfigurationError(
      'execute: audit only reads the estate and writes nothing; use command apply (tags), publish (the policy to SSM) or groups with execute',
    );
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
