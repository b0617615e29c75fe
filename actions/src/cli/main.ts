import { Command, Option } from 'commander';
import { VERSION } from '../core/version';
import { runBoundary, type Outcome, type Reporter } from '../core/runner';
import { systemClock } from '../core/clock';
import type { InputSpecs } from '../core/inputs';
import { complianceGate } from '../compliance-gate/run';
import { COMPLIANCE_GATE_INPUTS, parseComplianceGateInputs } from '../compliance-gate/inputs';
import { complianceGateOutcome } from '../compliance-gate/main';
import { replay } from '../replay/replay';
import {
  parseTagInputs,
  TAG_COMMANDS,
  TAG_POLICY_INPUTS,
  type TagCommand,
} from '../tag-policy/inputs';
import { tagsCommand } from '../tag-policy/run';

const TAG_COMMAND_HELP: Record<TagCommand, string> = {
  audit:
    'Report tag coverage over the whole estate (AWS Config inventory + Tagging API); exit 1 below tags.min-coverage.',
  apply:
    'Plan the missing tags and, with --execute, write them in the fewest TagResources calls. Dry run by default.',
  publish:
    'Publish the tag policy to SSM Parameter Store for the auto-tag Lambda; writes only when it changed.',
  groups:
    'Create or update a Resource Group per value of each tags.groups key. Dry run unless --execute.',
};
import { scanGate } from '../scan-gate/run';
import { parseScanGateInputs, SCAN_GATE_INPUTS } from '../scan-gate/inputs';
import { scanGateOutcome } from '../scan-gate/main';

const consoleReporter: Reporter = {
  info: (message) => {
    console.log(message);
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

/** Declares one flag per action input, so the CLI and action.yml cannot drift apart. */
function addInputs(command: Command, specs: InputSpecs): Command {
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.flag) {
      command.addOption(new Option(`--${name}`, spec.description));
      continue;
    }
    const option = new Option(`--${name} <value>`, spec.description);
    if (spec.default !== undefined) option.default(spec.default);
    if (spec.required) option.makeOptionMandatory();
    if (spec.multiple) {
      option.argParser((value: string, previous: string | undefined) =>
        previous === undefined ? value : `${previous}\n${value}`,
      );
    }
    command.addOption(option);
  }
  return command;
}

function reader(options: Record<string, unknown>) {
  return (name: string): string | undefined => {
    const value = options[camel(name)];
    return typeof value === 'string' ? value : undefined;
  };
}

export function buildProgram(
  run: (name: string, work: () => Promise<Outcome>) => Promise<void>,
): Command {
  const program = new Command('assetguard')
    .description(
      'Security asset management for AWS: deploy gates on image CVEs and compliance, and one tag policy for every asset, from GitHub Actions or a shell.',
    )
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    // Usage errors exit 2 as well: a gate invoked wrongly has not decided. Set before the
    // subcommands are added, which copy it.
    .exitOverride((error) => {
      process.exit(error.exitCode === 0 ? 0 : 2);
    })
    .addHelpText(
      'after',
      '\nExit codes for every gate: 0 pass, 1 blocked by policy, 2 could not decide (bad input, AWS error, timeout).',
    );

  addInputs(
    program
      .command('scan-gate')
      .description('Gate a deploy on the Amazon Inspector findings of one image in Amazon ECR.')
      .addHelpText(
        'after',
        '\nExample:\n  assetguard scan-gate --image web:1.4.2 --timeout 10m --output-dir reports/web\n' +
          '  assetguard scan-gate --image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:<digest>',
      ),
    SCAN_GATE_INPUTS,
  ).action((options: Record<string, unknown>) =>
    run('scan-gate', async () => {
      const result = await scanGate(parseScanGateInputs(reader(options)), {
        clock: systemClock,
        log: (message) => {
          console.error(`  ${message}`);
        },
      });
      console.log(result.summary);
      return scanGateOutcome(result);
    }),
  );

  addInputs(
    program
      .command('compliance-gate')
      .description(
        'Gate a deploy on the AWS Config or Security Hub compliance of the target environment.',
      )
      .addHelpText(
        'after',
        '\nExample:\n  assetguard compliance-gate --scope Environment=prod --scope Service=web\n' +
          '  assetguard compliance-gate --source securityhub --rules S3.8,EC2.13 --output-dir reports/compliance',
      ),
    COMPLIANCE_GATE_INPUTS,
  ).action((options: Record<string, unknown>) =>
    run('compliance-gate', async () => {
      const result = await complianceGate(parseComplianceGateInputs(reader(options)), {
        clock: systemClock,
        log: (message) => {
          console.error(`  ${message}`);
        },
      });
      console.log(result.summary);
      return complianceGateOutcome(result);
    }),
  );

  const tags = program
    .command('tags')
    .description(
      'The tag policy: audit coverage, apply missing tags, publish to SSM, keep Resource Groups.',
    );
  for (const command of TAG_COMMANDS) {
    addInputs(
      tags
        .command(command)
        .description(TAG_COMMAND_HELP[command])
        .addHelpText(
          'after',
          `\nExample:\n  assetguard tags ${command}${command === 'audit' ? ' --output-dir reports/tags' : ' --execute'}`,
        ),
      // The subcommand is the command input; every other input is a flag.
      Object.fromEntries(Object.entries(TAG_POLICY_INPUTS).filter(([name]) => name !== 'command')),
    ).action((options: Record<string, unknown>) =>
      run(`tags ${command}`, async () => {
        const read = reader(options);
        const inputs = parseTagInputs((name) =>
          name === 'command'
            ? command
            : name === 'execute'
              ? String(options.execute === true)
              : read(name),
        );
        const result = await tagsCommand(inputs, {
          clock: systemClock,
          log: (message) => {
            console.error(`  ${message}`);
          },
        });
        console.log(result.summary);
        return result.outcome;
      }),
    );
  }

  program
    .command('replay')
    .description(
      'Re-evaluate an evidence bundle offline and check it reproduces the recorded verdict.',
    )
    .argument('<bundle>', 'evidence.json, or the report directory that holds it')
    .addHelpText('after', '\nExample:\n  assetguard replay assetguard-reports/scan-gate')
    .action((bundle: string) => run('replay', async () => (await replay(bundle)).outcome));
  return program;
}

/** Parses argv and runs one command through the shared failure boundary. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram(async (name, work) => {
    await runBoundary(name, work, consoleReporter);
  });
  await program.parseAsync([...argv]);
}
