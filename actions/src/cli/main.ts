import { Command as Program, Option } from 'commander';
import { VERSION } from '../core/version';
// Types only: the runner (with @actions/core, the policy schema and the report writers) is loaded
// when a command runs, so `--help` and a usage error load neither it nor any AWS SDK client.
import type { Command, CommandTypes, Outcome, Reporter, RunDeps } from '../core/runner';
import { systemClock } from '../core/clock';
import { logLine } from '../core/escape';
import { EXIT_ERROR, EXIT_PASS } from '../core/errors';
import type { InputReader, InputSpecs } from '../core/inputs';
import { COMPLIANCE_GATE_INPUTS } from '../compliance-gate/inputs';
import { SCAN_GATE_INPUTS } from '../scan-gate/inputs';
import { DAILY_REPORT_INPUTS } from '../report/inputs';
import { FLEET_CHECK_INPUTS } from '../fleet-check/inputs';
import { REMEDIATE_INPUTS } from '../remediate/inputs';
import { PR_SUMMARY_INPUTS } from '../pr-summary/inputs';
import { TAG_COMMANDS, tagCommandInputs, type TagCommand } from '../tag-policy/inputs';

/**
 * One CLI command. Flags come from the action's declared inputs, so the CLI and action.yml
 * cannot drift apart; `run` loads the command's module only when it runs (the AWS SDK clients
 * of the other commands are never loaded).
 */
export interface CliCommand {
  /** The words after `assetguard`: `['scan-gate']`, `['tags', 'audit']`. */
  path: readonly string[];
  description: string;
  /** Example command lines, shown under `--help`. */
  examples: readonly string[];
  /** Flags: one per input. */
  flags?: InputSpecs;
  /** Inputs the command line fixes (the `tags` subcommand is the `command` input): no flag. */
  fixed?: Readonly<Record<string, string>>;
  /** A positional argument. */
  argument?: { name: string; description: string };
  /** Runs it: flags by input name, the positional argument if declared, deps for the run. */
  run(read: InputReader, argument: string | undefined, deps: RunDeps): Promise<Outcome>;
}

/** Groups of commands (`assetguard tags <command>`), with their own help line. */
const GROUPS: Readonly<Record<string, string>> = {
  tags: 'The tag policy: audit coverage, apply missing tags, publish to SSM, keep Resource Groups.',
};

/**
 * A command of the shared runner, loaded on first use: runs it on the flags, prints its summary
 * (Markdown, the same text as summary.md) to stdout, and returns its outcome, which the boundary
 * prints to stderr with the progress. So stdout is the report alone, whatever the verdict, and
 * `assetguard … > summary.md` works like trivy's report on stdout and logs on stderr.
 */
function viaRunner<T extends CommandTypes>(load: () => Promise<Command<T>>): CliCommand['run'] {
  return async (read, _argument, deps) => {
    const [{ runCommand }, command] = await Promise.all([import('../core/runner'), load()]);
    const run = await runCommand(command, { read }, deps);
    console.log(run.summary);
    return run.outcome;
  };
}

const TAG_COMMAND_HELP: Record<TagCommand, string> = {
  audit:
    'Report tag coverage over the whole estate (AWS Config inventory + Tagging API); exit 1 below tags.min-coverage. Reads only.',
  apply:
    'Plan the missing tags and, with --execute, write them in the fewest TagResources calls. Dry run by default.',
  publish:
    'Compare the policy file with the SSM parameter the auto-tag Lambda reads (current and new sha256) and, with --execute, publish it when it differs. Dry run by default.',
  groups:
    'Plan a Resource Group per value of each tags.groups key and, with --execute, create or update them. Dry run by default.',
};

const TAG_COMMAND_EXAMPLES: Record<TagCommand, readonly string[]> = {
  audit: ['assetguard tags audit --output-dir reports/tags'],
  apply: [
    'assetguard tags apply                # the plan only; writes plan.json',
    'assetguard tags apply --execute      # write the tags; writes apply.json',
  ],
  publish: [
    'assetguard tags publish              # what would change: current and new sha256',
    'assetguard tags publish --execute    # write the parameter when it differs',
  ],
  groups: [
    'assetguard tags groups               # the groups that would be created or updated',
    'assetguard tags groups --execute',
  ],
};

/** Every command of the CLI: adding one is adding an entry here. */
export const CLI_COMMANDS: readonly CliCommand[] = [
  {
    path: ['scan-gate'],
    description: 'Gate a deploy on the Amazon Inspector findings of one image in Amazon ECR.',
    examples: [
      'assetguard scan-gate --image web:1.4.2 --timeout 10m --output-dir reports/web',
      'assetguard scan-gate --image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:<digest>',
    ],
    flags: SCAN_GATE_INPUTS,
    run: viaRunner(async () => (await import('../scan-gate/run')).scanGateCommand()),
  },
  {
    path: ['compliance-gate'],
    description:
      'Gate a deploy on the AWS Config or Security Hub compliance of the target environment.',
    examples: [
      'assetguard compliance-gate --scope Environment=prod --scope Service=web',
      'assetguard compliance-gate --source securityhub --rules S3.8,EC2.13 --output-dir reports/compliance',
    ],
    flags: COMPLIANCE_GATE_INPUTS,
    run: viaRunner(async () => (await import('../compliance-gate/run')).complianceGateCommand()),
  },
  ...TAG_COMMANDS.map((command): CliCommand => ({
    path: ['tags', command],
    description: TAG_COMMAND_HELP[command],
    examples: TAG_COMMAND_EXAMPLES[command],
    // Only the flags that apply to this subcommand (no --execute on audit), with its own files.
    flags: tagCommandInputs(command),
    fixed: { command },
    run: viaRunner(async () => (await import('../tag-policy/run')).tagPolicyCommand()),
  })),
  {
    path: ['report'],
    description:
      'The daily security report: open CVE and compliance findings with owners and SLA ages, new and fixed since the previous run, tag coverage; report.html with charts, report.json, findings.csv; optionally a GitHub issue, Slack and email.',
    examples: [
      'assetguard report --state reports/state.json --output-dir reports/daily',
      'assetguard report --state s3://my-bucket/assetguard/state.json --compliance-source securityhub',
      'ASSETGUARD_SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… assetguard report --state state.json',
    ],
    flags: DAILY_REPORT_INPUTS,
    run: viaRunner(async () => (await import('../report/run')).dailyReportCommand()),
  },
  {
    path: ['remediate'],
    description:
      'Run the SSM Automation runbook mapped to a failing AWS Config rule or Security Hub control on chosen resources (or the non-compliant ones in a tag scope), and wait for its outcome. Dry run by default; every run appends an audit record.',
    examples: [
      'assetguard remediate --rule EC2.13 --scope Environment=dev          # the plan only',
      'assetguard remediate --rule restricted-ssh --resources sg-0123456789abcdef0 --execute --automation-assume-role arn:aws:iam::123456789012:role/assetguard-remediation-automation',
    ],
    flags: REMEDIATE_INPUTS,
    run: viaRunner(async () => (await import('../remediate/run')).remediateCommand()),
  },
  {
    path: ['fleet-check'],
    description:
      'Check Linux hosts (KISA Unix server items and resources: CPU, memory, disk, processes): EC2 instances by tag through SSM Run Command with output in S3, across member accounts, or this machine (--targets local); optionally import the results into Security Hub.',
    examples: [
      'assetguard fleet-check --targets Environment=prod --output-bucket my-fleet-output --import-to-securityhub',
      'assetguard fleet-check --targets Role=web --accounts 111111111111,222222222222 --role-name assetguard-fleet-check --output-bucket my-fleet-output',
      'assetguard fleet-check --targets local --fail-on none --output-dir reports/this-host',
    ],
    flags: FLEET_CHECK_INPUTS,
    run: viaRunner(async () => (await import('../fleet-check/run')).fleetCheckCommand()),
  },
  {
    path: ['pr-summary'],
    description:
      "Summarize the gates of a pull request from their report directories in one Markdown comment (summary.md): each gate's verdict, what blocks, and with --base-policy what the pull request's policy newly blocks and no longer blocks. In GitHub Actions (uses: ./actions/pr-summary) it keeps that comment on the pull request.",
    examples: [
      'assetguard pr-summary --report-dirs reports/scan-gate --report-dirs reports/compliance-gate',
      'assetguard pr-summary --report-dirs reports/scan-gate --base-policy base-assetguard.yml --output-dir reports/pr-summary',
    ],
    flags: PR_SUMMARY_INPUTS,
    run: viaRunner(async () => (await import('../pr-summary/run')).prSummaryCommand()),
  },
  {
    path: ['replay'],
    description:
      'Re-evaluate an evidence bundle offline and check it reproduces the recorded verdict.',
    examples: ['assetguard replay assetguard-reports/scan-gate'],
    argument: {
      name: 'bundle',
      description: 'evidence.json, or the report directory that holds it',
    },
    run: async (_read, bundle) =>
      (await (await import('../replay/replay')).replay(bundle ?? '')).outcome,
  },
];

/**
 * The outcome line goes to stderr for every verdict, with the progress: stdout carries only the
 * summary, so what a script captures does not depend on whether the gate passed.
 */
const consoleReporter: Reporter = {
  info: (message) => {
    console.error(message);
  },
  fail: (message) => {
    console.error(message);
  },
  debug: (message) => {
    if (process.env.ASSETGUARD_DEBUG) console.error(message);
  },
};

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Declares one flag per input (but the fixed ones): `--name <value>`, or a bare `--name` for a flag input. */
function addFlags(
  program: Program,
  specs: InputSpecs,
  fixed: Readonly<Record<string, string>>,
): void {
  for (const [name, spec] of Object.entries(specs)) {
    if (name in fixed) continue;
    if (spec.flag) {
      program.addOption(new Option(`--${name}`, spec.description));
      continue;
    }
    const described = spec.secret
      ? `${spec.description} Read from $${spec.secret.env} when not given (keeps it out of shell history).`
      : spec.description;
    const option = new Option(
      `--${name} <value>`,
      spec.required ? `${described} (required)` : described,
    );
    if (spec.default !== undefined) option.default(spec.default);
    // Required flags are checked in the action (requireFlags), not by commander, which checks
    // them before unknown flags and so reports `--imgae web:1` as a missing --image.
    if (spec.multiple) {
      option.argParser((value: string, previous: string | undefined) =>
        previous === undefined ? value : `${previous}\n${value}`,
      );
    }
    program.addOption(option);
  }
}

/**
 * Refuses a missing required flag, once commander has refused unknown flags and excess
 * arguments: a misspelt flag is named as such, not reported as the flag it was meant to be.
 */
function requireFlags(
  command: Program,
  specs: InputSpecs,
  fixed: Readonly<Record<string, string>>,
): void {
  const options = command.opts<Record<string, unknown>>();
  for (const [name, spec] of Object.entries(specs)) {
    if (!spec.required || name in fixed || options[camel(name)] !== undefined) continue;
    command.error(`error: required option '--${name} <value>' not specified`, {
      code: 'commander.missingMandatoryOptionValue',
      exitCode: EXIT_ERROR,
    });
  }
}

/**
 * Reads inputs by name from parsed flags: fixed values first, bare flags as 'true'/'false', and a
 * secret input (InputSpec.secret) not given as a flag from its environment variable, so tokens
 * and webhook URLs need not be typed on a command line.
 */
function flagReader(
  options: Record<string, unknown>,
  specs: InputSpecs,
  fixed: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): InputReader {
  return (name) => {
    if (name in fixed) return fixed[name];
    const value = options[camel(name)];
    const spec = specs[name];
    if (spec?.flag) return String(value === true);
    if (typeof value === 'string') return value;
    return spec?.secret ? env[spec.secret.env] : undefined;
  };
}

/** The program with every entry of CLI_COMMANDS; `run` is the failure boundary each command runs through. */
export function buildProgram(
  run: (name: string, work: () => Promise<Outcome>) => Promise<void>,
  commands: readonly CliCommand[] = CLI_COMMANDS,
): Program {
  const program = new Program('assetguard')
    .description(
      'Security asset management for AWS: deploy gates on image CVEs and compliance, and one tag policy for every asset, from GitHub Actions or a shell.',
    )
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    // Usage errors exit 2 as well: a gate invoked wrongly has not decided. Set before the
    // subcommands are added, which copy it.
    .exitOverride((error) => {
      process.exit(error.exitCode === EXIT_PASS ? EXIT_PASS : EXIT_ERROR);
    })
    .addHelpText(
      'after',
      '\nExit codes for every gate: 0 pass, 1 blocked by policy, 2 could not decide (bad input, AWS error, timeout).',
    );
  const groups = new Map<string, Program>();
  const parentOf = (words: readonly string[]): Program => {
    const [group] = words;
    if (words.length === 1 || group === undefined) return program;
    let parent = groups.get(group);
    if (!parent) {
      parent = program.command(group).description(GROUPS[group] ?? '');
      groups.set(group, parent);
    }
    return parent;
  };
  for (const entry of commands) {
    const name = entry.path[entry.path.length - 1] ?? '';
    const fixed = entry.fixed ?? {};
    const specs = entry.flags ?? {};
    const command = parentOf(entry.path)
      .command(name)
      .description(entry.description)
      .addHelpText('after', `\nExample:\n${entry.examples.map((line) => `  ${line}`).join('\n')}`);
    if (entry.argument) command.argument(`<${entry.argument.name}>`, entry.argument.description);
    addFlags(command, specs, fixed);
    command.action((...args: unknown[]) => {
      requireFlags(command, specs, fixed);
      // commander passes the positional arguments, then the options, then the command.
      const argument = entry.argument && typeof args[0] === 'string' ? args[0] : undefined;
      const options = command.opts<Record<string, unknown>>();
      const deps: RunDeps = {
        clock: systemClock,
        log: (message) => {
          for (const line of message.split('\n')) console.error(`  ${logLine(line)}`);
        },
      };
      return run(entry.path.join(' '), () =>
        entry.run(flagReader(options, specs, fixed), argument, deps),
      );
    });
  }
  return program;
}

/**
 * The AWS SDK prints a 9-line NodeVersionSupportWarning on every run under Node 20: a notice that
 * SDK releases after January 2027 will need Node 22. The CLI bundles its SDK, so no later SDK
 * reaches an installed assetguard and the notice has nothing for the user to act on. Only that
 * notice is switched off, through the SDK's own variable (unless the user set it); every other
 * warning still prints.
 */
export function quietSdkNodeNotice(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** Parses argv and runs one command through the shared failure boundary. */
export async function main(argv: readonly string[]): Promise<void> {
  quietSdkNodeNotice();
  const program = buildProgram(async (name, work) => {
    const { runBoundary } = await import('../core/runner');
    await runBoundary(name, work, consoleReporter);
  });
  await program.parseAsync([...argv]);
}
