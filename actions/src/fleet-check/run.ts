import { hostname as machineName } from 'node:os';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { createClient, lazyClient, resolveRegion, type LazyClient } from '../core/aws';
import type { CallCounts } from '../core/collections';
import { errorMessage, UndecidedError } from '../core/errors';
import type { Log } from '../core/log';
import { plural } from '../core/markdown';
import { runCommand, type Command, type CommandRun, type RunDeps } from '../core/runner';
import type { BlockingEntry } from '../core/verdict';
import { assumeMemberRole, sessionNameFor, type AccountCredentials } from '../sources/assume-role';
import {
  instanceArn,
  listTargetInstances,
  MAX_SCRIPT_BYTES,
  readInstanceCheck,
  sendHostCheck,
  waitForCommand,
  type FleetTargets,
} from '../sources/fleet';
import {
  fleetFinding,
  hostCheckScript,
  parseHostCheckOutput,
  runHostCheckLocally,
  scriptWithSettings,
  treeSettings,
} from '../sources/host-check';
import { readCallerAccount } from '../sources/identity';
import {
  emptyFleetCounts,
  evaluateFleet,
  hostLabel,
  type FleetAccount,
  type FleetContext,
  type FleetCounts,
  type FleetHost,
  type FleetImport,
  type FleetSubject,
} from './evaluate';
import {
  FLEET_CHECK_INPUTS,
  FLEET_CHECK_OUTPUTS,
  parseFleetCheckInputs,
  type FleetCheckInputs,
} from './inputs';
import { FLEET_REPORT_FILES, renderFleetSummary, fleetChecksCsv, fleetChecksJson } from './render';

/**
 * The clients of one account (its assumed credentials, or the caller's own) in one region, each
 * a `LazyClient` (core/aws) whose package is a chunk a run reads when it first calls it: SSM's
 * and EC2's by a Run Command check (EC2's only for tag targets), Security Hub's only by an import
 * (import-to-securityhub). A check of this machine (targets local) reads none of them.
 */
export interface FleetClients {
  ssm: LazyClient<SSMClient>;
  ec2: LazyClient<EC2Client>;
  securityhub: LazyClient<SecurityHubClient>;
}

/** What the fleet check needs besides the clock and the log; tests set these. */
export interface FleetCheckOptions {
  /** The clients of an account; `credentials` undefined: the caller's own. */
  clients?: (region: string, credentials?: AccountCredentials) => FleetClients;
  /**
   * The caller's STS (AssumeRole into members, GetCallerIdentity) and S3 (the outputs, read by a
   * Run Command check only: a `LazyClient`).
   */
  central?: (region: string) => { sts: STSClient; s3: LazyClient<S3Client> };
  /** Runs the script on this machine (targets local). */
  runLocal?: typeof runHostCheckLocally;
  /** Between two Run Command polls, in ms. */
  pollMs?: number;
  /** Names the AssumeRole session (GITHUB_RUN_ID by default). */
  runId?: string;
}

export type FleetCheckDeps = RunDeps & FleetCheckOptions;

/** What render needs beyond the verdict: every host's every line. */
export interface FleetDetails {
  hosts: FleetHost[];
}

/** The fleet check's types, for the shared runner. */
export interface FleetCheckTypes {
  inputs: FleetCheckInputs;
  subject: FleetSubject;
  counts: FleetCounts;
  blocking: BlockingEntry;
  context: FleetContext;
  details: FleetDetails;
  outputs: typeof FLEET_CHECK_OUTPUTS;
}

export type FleetCheckRun = CommandRun<FleetCheckTypes>;

function defaultClients(region: string, credentials?: AccountCredentials): FleetClients {
  // A member account's clients carry its assumed credentials; the caller's own, the SDK's chain.
  const options = { region, ...(credentials && { credentials }) };
  return {
    ssm: lazyClient(async () => {
      const { SSMClient } = await import('@aws-sdk/client-ssm');
      return SSMClient;
    }, options),
    ec2: lazyClient(async () => {
      const { EC2Client } = await import('@aws-sdk/client-ec2');
      return EC2Client;
    }, options),
    securityhub: lazyClient(async () => {
      const { SecurityHubClient } = await import('@aws-sdk/client-securityhub');
      return SecurityHubClient;
    }, options),
  };
}

function defaultCentral(region: string): { sts: STSClient; s3: LazyClient<S3Client> } {
  return {
    sts: createClient(STSClient, { region }),
    s3: lazyClient(
      async () => {
        const { S3Client } = await import('@aws-sdk/client-s3');
        return S3Client;
      },
      { region },
    ),
  };
}

/** An account reached: its id and credentials (undefined for the caller's own). */
interface ReachedAccount {
  accountId: string;
  credentials?: AccountCredentials;
  clients: FleetClients;
}

/**
 * An account the run could not check at all (AssumeRole, the instance listing or SendCommand
 * failed): reported with the error's words, never dropped, so the verdict cannot pass on it.
 */
function unreachableAccount(accountId: string, region: string, error: unknown): FleetAccount {
  return { accountId, region, status: 'unreachable', instances: 0, problem: errorMessage(error) };
}

/** Hosts that could not be read because their account failed part way. */
function unreadHosts(
  ids: readonly string[],
  accountId: string,
  region: string,
  reason: string,
): FleetHost[] {
  return ids.map((instanceId) => ({
    resource: {
      id: instanceArn(region, accountId, instanceId),
      type: 'AWS::EC2::Instance',
      region,
      accountId,
    },
    instanceId,
    results: [],
    problems: [`not read: ${reason}`],
  }));
}

/**
 * Checks the instances of every account through Run Command: (1) per account, assume the member
 * role (or use the caller's credentials), list the running instances the targets select and send
 * the script; (2) per account, wait for the command and read every instance's invocation and S3
 * output. One account's failure is that account's problem; the others go on.
 */
async function checkThroughRunCommand(
  inputs: FleetCheckInputs & { targets: FleetTargets },
  script: string,
  region: string,
  options: FleetCheckOptions,
  deps: { clock: RunDeps['clock']; log: Log; calls: CallCounts },
): Promise<{ accounts: FleetAccount[]; hosts: FleetHost[]; reached: ReachedAccount[] }> {
  const { clock, log, calls } = deps;
  const central = (options.central ?? defaultCentral)(region);
  const clientsFor = options.clients ?? defaultClients;
  const accounts: FleetAccount[] = [];
  const reached: ReachedAccount[] = [];
  if (inputs.accounts.length === 0) {
    const accountId = await readCallerAccount(central.sts, calls);
    reached.push({ accountId, clients: clientsFor(region) });
  } else {
    const sessionName = sessionNameFor(options.runId ?? process.env.GITHUB_RUN_ID, clock.now());
    for (const accountId of inputs.accounts) {
      try {
        const credentials = await assumeMemberRole(central.sts, {
          accountId,
          roleName: inputs.roleName,
          region,
          sessionName,
        });
        reached.push({ accountId, credentials, clients: clientsFor(region, credentials) });
        log(`account ${accountId}: assumed ${inputs.roleName}`);
      } catch (error) {
        log(`account ${accountId}: unreachable: ${errorMessage(error)}`);
        accounts.push(unreachableAccount(accountId, region, error));
      }
    }
  }
  const deadline = clock.now().getTime() + inputs.timeoutMs;
  const bucket = inputs.outputBucket ?? '';
  const sent: { account: ReachedAccount; commandId: string; expected: string[] }[] = [];
  for (const account of reached) {
    const { accountId } = account;
    try {
      const expected = await listTargetInstances(account.clients.ec2, inputs.targets, {
        log,
        calls,
      });
      if (expected.length === 0) {
        accounts.push({
          accountId,
          region,
          status: 'checked',
          instances: 0,
          problem: `the targets (${inputs.targetText.join(', ')}) select no running EC2 instance in ${region}: nothing was checked there`,
        });
        continue;
      }
      const commandId = await sendHostCheck(await account.clients.ssm(), {
        targets: inputs.targets,
        script,
        bucket,
        prefix: inputs.outputPrefix,
        timeoutSeconds: Math.ceil(inputs.timeoutMs / 1000),
        calls,
      });
      log(
        `account ${accountId}: ${plural(expected.length, 'running instance')} selected; Run Command ${commandId} sent`,
      );
      sent.push({ account, commandId, expected });
    } catch (error) {
      accounts.push(unreachableAccount(accountId, region, error));
    }
  }
  const hosts: FleetHost[] = [];
  for (const { account, commandId, expected } of sent) {
    const { accountId } = account;
    const record: FleetAccount = {
      accountId,
      region,
      status: 'checked',
      commandId,
      instances: expected.length,
    };
    accounts.push(record);
    const pending = [...expected];
    try {
      const ssm = await account.clients.ssm();
      const wait = await waitForCommand(ssm, commandId, {
        deadline,
        clock,
        log,
        label: `account ${accountId}`,
        calls,
        ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
      });
      while (pending.length > 0) {
        const instanceId = pending[0] ?? '';
        const check = await readInstanceCheck(
          { ssm, s3: await central.s3() },
          { accountId, region, commandId, instanceId, bucket, prefix: inputs.outputPrefix, calls },
        );
        pending.shift();
        hosts.push({
          resource: check.resource,
          instanceId,
          ...(check.output?.hostname !== undefined && { hostname: check.output.hostname }),
          results: check.output?.results ?? [],
          problems: check.problems,
          ...(check.invocation !== undefined && { invocation: check.invocation }),
          ...(check.outputUrl !== undefined && { outputUrl: check.outputUrl }),
        });
      }
      if (wait.unfinished) {
        log(
          `account ${accountId}: Run Command ${commandId} was still ${wait.status} when the wait ended`,
        );
      }
    } catch (error) {
      record.problem = errorMessage(error);
      hosts.push(
        ...unreadHosts(pending, accountId, region, `the check of account ${accountId} stopped`),
      );
    }
  }
  return { accounts, hosts, reached };
}

/**
 * Checks this machine: runs the script, parses its output the same way as an instance's. The
 * machine is keyed by the machine id the script read (/etc/machine-id): two machines of one host
 * name (every `localhost`) must not share, and so archive, each other's findings. Without one it
 * is keyed by its host name, and the report says so.
 */
async function checkThisMachine(
  script: string,
  inputs: FleetCheckInputs,
  options: FleetCheckOptions,
  log: Log,
): Promise<FleetHost> {
  log('running the host check on this machine');
  const run = await (options.runLocal ?? runHostCheckLocally)({
    script,
    settings: inputs.checkSettings,
    timeoutMs: inputs.timeoutMs,
  });
  const output = parseHostCheckOutput(run.stdout);
  const problems: string[] = [];
  if (run.timedOut) {
    problems.push(`the script ran past the timeout (${inputs.timeoutMs / 1000}s) and was stopped`);
  } else if (run.exitCode !== 0) {
    const stderr = run.stderr.trim();
    problems.push(
      `the script exited with ${run.exitCode ?? 'a signal'}${stderr === '' ? '' : `: ${stderr.slice(0, 300)}`}`,
    );
  }
  problems.push(...output.problems.map((problem) => `output: ${problem}`));
  const name = output.hostname ?? machineName();
  const warnings: string[] = [];
  if (output.machineId === undefined) {
    warnings.push(
      `no readable /etc/machine-id: this machine is keyed by its host name (host/${name}), which another machine of the same name shares, findings included`,
    );
  }
  for (const [setting, value] of Object.entries(treeSettings(process.env))) {
    warnings.push(
      `${setting}=${value} in the environment: the script checked that, not this machine's own ${setting === 'ASSETGUARD_ROOT' ? '/' : '/proc'}`,
    );
  }
  return {
    resource: { id: `host/${output.machineId ?? name}`, type: 'Host' },
    hostname: name,
    results: output.results,
    problems,
    ...(warnings.length > 0 && { warnings }),
  };
}

/**
 * Imports the hosts' results into Security Hub, account by account, with each account's own
 * credentials. A failure is that account's import problem; the others still import. The import
 * sink (and with it @aws-sdk/client-securityhub) is loaded here: a run without import never
 * reads it.
 */
async function importResults(
  hosts: readonly FleetHost[],
  accounts: readonly { accountId: string; securityhub: LazyClient<SecurityHubClient> }[],
  region: string,
  deps: { now: Date; log: Log; calls: CallCounts },
): Promise<FleetImport[]> {
  const { importFleetFindings } = await import('../sinks/securityhub-import');
  const outcomes: FleetImport[] = [];
  for (const { accountId, securityhub } of accounts) {
    const mine = hosts.filter(
      (host) => host.resource.accountId === accountId && host.results.length > 0,
    );
    try {
      const outcome = await importFleetFindings(await securityhub(), {
        accountId,
        region,
        hosts: mine.map((host) => ({
          host,
          results: host.results,
          complete: host.problems.length === 0,
        })),
        now: deps.now,
        log: deps.log,
        calls: deps.calls,
      });
      outcomes.push({
        accountId,
        region,
        imported: outcome.imported,
        archived: outcome.archived,
        refused: outcome.refused,
      });
    } catch (error) {
      outcomes.push({
        accountId,
        region,
        imported: 0,
        archived: 0,
        refused: [],
        problem: errorMessage(error),
      });
    }
  }
  return outcomes;
}

/**
 * The fleet check as a command of the shared runner. Targets `local` runs the script on this
 * machine; otherwise Run Command runs it on the EC2 instances the targets select, in the
 * caller's account or in each of `accounts` through `role-name`, with the output in S3. With
 * import-to-securityhub the results become Security Hub findings (on a host checked completely,
 * ARCHIVED when a check passes again or is no longer reported). Then `evaluateFleet`. Reports: verdict.json, summary.md, checks.json, checks.csv,
 * evidence.json (every host's every line).
 */
export function fleetCheckCommand(options: FleetCheckOptions = {}): Command<FleetCheckTypes> {
  return {
    name: 'fleet-check',
    reports: FLEET_REPORT_FILES,
    inputs: FLEET_CHECK_INPUTS,
    outputs: FLEET_CHECK_OUTPUTS,
    parse: parseFleetCheckInputs,
    commandOf: () => 'fleet-check',
    recordedInputs: (inputs) => ({ ...inputs }),
    subjectOf: (inputs) => ({
      mode: inputs.targets.kind === 'local' ? 'local' : 'run-command',
      targets: inputs.targetText,
      ...(inputs.region !== undefined && { region: inputs.region }),
      failOn: inputs.failOn ?? 'none',
    }),
    emptyCounts: emptyFleetCounts,
    async decide(inputs, policy, progress, { clock, log }) {
      log(`policy: ${policy.origin} (fail-on: ${inputs.failOn ?? 'none'})`);
      const shipped = hostCheckScript();
      const script = scriptWithSettings(shipped.text, inputs.checkSettings);
      const calls: CallCounts = {};
      progress.context.calls = calls;
      const base = {
        mode: inputs.targets.kind === 'local' ? ('local' as const) : ('run-command' as const),
        targets: inputs.targetText,
        script: { sha256: shipped.sha256, bytes: shipped.bytes },
      };
      progress.subject = { ...progress.subject, ...base };
      let hosts: FleetHost[];
      let accounts: FleetAccount[] = [];
      let securityHub: FleetImport[] | undefined;
      let region: string | undefined;
      const { targets } = inputs;
      if (targets.kind === 'local') {
        // The settings reach the script through its environment here.
        const host = await checkThisMachine(shipped.text, inputs, options, log);
        hosts = [host];
        if (inputs.importToSecurityHub) {
          region = resolveRegion(inputs.region);
          const accountId = await readCallerAccount(
            (options.central ?? defaultCentral)(region).sts,
            calls,
          );
          host.resource = { ...host.resource, region, accountId };
          securityHub = await importResults(
            hosts,
            [{ accountId, securityhub: (options.clients ?? defaultClients)(region).securityhub }],
            region,
            { now: clock.now(), log, calls },
          );
        }
      } else {
        if (Buffer.byteLength(script) > MAX_SCRIPT_BYTES) {
          throw new UndecidedError(
            `the host check script with its settings is ${Buffer.byteLength(script)} bytes; Run Command documents hold at most ${MAX_SCRIPT_BYTES} of it`,
          );
        }
        region = resolveRegion(inputs.region);
        progress.subject.region = region;
        const checked = await checkThroughRunCommand(
          { ...inputs, targets },
          script,
          region,
          options,
          { clock, log, calls },
        );
        hosts = checked.hosts;
        accounts = checked.accounts;
        if (inputs.importToSecurityHub) {
          securityHub = await importResults(
            hosts,
            checked.reached.map((account) => ({
              accountId: account.accountId,
              securityhub: account.clients.securityhub,
            })),
            region,
            { now: clock.now(), log, calls },
          );
        }
      }
      progress.context.hosts = hosts;
      progress.findings = hosts.flatMap((host) =>
        host.results
          .filter((result) => result.status === 'FAIL')
          .map((result) => fleetFinding(host, result)),
      );
      for (const host of hosts) {
        for (const problem of host.problems) log(`${hostLabel(host)}: ${problem}`);
      }
      const verdict = evaluateFleet({
        hosts,
        accounts,
        ...(securityHub !== undefined && { securityHub }),
        subject: { ...base, ...(region !== undefined && { region }) },
        failOn: inputs.failOn,
        policy,
        now: clock.now(),
      });
      progress.subject = verdict.subject;
      return { verdict, details: { hosts } };
    },
    render: ({ verdict, details, progress, reportDir }) => {
      const hosts = details?.hosts ?? progress.context.hosts ?? [];
      return {
        summary: renderFleetSummary(verdict, reportDir, hosts),
        files: {
          'checks.json': fleetChecksJson(hosts),
          'checks.csv': fleetChecksCsv(hosts),
        },
      };
    },
    describe: ({ verdict }, reportDir) => {
      const failOn = verdict.subject.failOn;
      const hosts = plural(verdict.counts.hosts, 'host');
      const failing = plural(verdict.counts.total, 'failing check');
      if (verdict.verdict === 'block') {
        return `blocked: ${plural(verdict.blocking.length, 'failing check')} at or above ${failOn} (of ${failing} on ${hosts}); see ${reportDir}/summary.md`;
      }
      return failOn === 'none'
        ? `reported only (fail-on none): ${failing} on ${hosts}; reports in ${reportDir}`
        : `passed: no failing check at or above ${failOn} (${failing} on ${hosts}); reports in ${reportDir}`;
    },
    outputValues: ({ verdict, reportDir }) => ({
      verdict: verdict.verdict,
      critical: verdict.counts.CRITICAL,
      high: verdict.counts.HIGH,
      medium: verdict.counts.MEDIUM,
      low: verdict.counts.LOW,
      total: verdict.counts.total,
      blocking: verdict.blocking.length,
      hosts: verdict.counts.hosts,
      unchecked: verdict.counts.unchecked,
      imported: (verdict.subject.securityHub ?? []).reduce((sum, entry) => sum + entry.imported, 0),
      'report-dir': reportDir,
    }),
  };
}

/**
 * Runs the fleet check on parsed inputs, as the action and the CLI do (through the shared
 * runner): failures become an `error` verdict (exit 2) with reports, never an exception.
 */
export function fleetCheck(inputs: FleetCheckInputs, deps: FleetCheckDeps): Promise<FleetCheckRun> {
  return runCommand(fleetCheckCommand(deps), { inputs }, deps);
}
