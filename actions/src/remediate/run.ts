import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { lazyClient, resolveRegion, type LazyClient } from '../core/aws';
import type { CallCounts } from '../core/collections';
import type { Log } from '../core/log';
import type { Severity } from '../core/model';
import { formatDuration } from '../core/duration';
import { errorMessage } from '../core/errors';
import { plural } from '../core/markdown';
import { describeAuditLocation } from '../core/remediation-audit';
import { runCommand, type Command, type CommandRun, type RunDeps } from '../core/runner';
import type { BlockingBase } from '../core/verdict';
import type { CollectedCompliance, ComplianceScope } from '../sources/compliance';
import {
  complianceSourceClients,
  type ComplianceSourceClients,
} from '../sources/compliance-source';
import type { AutomationOptions, AutomationResult } from '../sinks/automation';
import { auditRecordWhere, checkAuditLocation, writeAuditRecord } from '../sinks/remediation-audit';
import { readCallerAccount } from '../sources/identity';
import {
  parseRemediateInputs,
  REMEDIATE_INPUTS,
  REMEDIATE_OUTPUTS,
  type RemediateInputs,
} from './inputs';
import {
  auditRecordOf,
  chooseRemedy,
  emptyRemediateCounts,
  outcomesOf,
  planRemediation,
  remediationVerdict,
  ruleLabel,
  targetsFromFindings,
  type AuditIdentity,
  type RemediateCounts,
  type RemediateSubject,
  type RemediationPlan,
  type RemediationTarget,
} from './plan';
import {
  describeRemediate,
  REMEDIATE_REPORTS,
  renderRemediate,
  type RemediateDetails,
} from './render';

/**
 * The clients remediate reads and writes with, for the run's region, each built on its first use
 * (core/aws `LazyClient`): a run asks only for those of its path (Config or Security Hub for the
 * resources, SSM only to execute, S3 only for an s3:// audit location), so the SDK packages of
 * the others are never loaded. A test gives its own client as `() => Promise.resolve(client)`.
 */
export interface RemediateClients extends ComplianceSourceClients {
  ssm: LazyClient<SSMClient>;
  s3: LazyClient<S3Client>;
}

/** What remediate needs besides the clock and the log; tests set these. */
export interface RemediateOptions {
  /** Builds the clients for the run's region (default: the core client factory). */
  clients?: (region: string) => RemediateClients;
  /** Where the audit record's actor and run come from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * A random id (default: a random UUID): the audit record's id outside GitHub Actions, and in
   * Actions the suffix (its first 8 letters and digits) that makes the id unique per step.
   */
  randomId?: () => string;
  /** Start spacing, polling and idempotency tokens of the executions (sinks/automation). */
  automation?: Pick<AutomationOptions, 'startIntervalMs' | 'pollIntervalMs' | 'clientToken'>;
}

export type RemediateDeps = RunDeps & RemediateOptions;

/** What evidence.json keeps of a remediate run, filled in as it goes. */
export interface RemediateContext {
  calls: CallCounts;
  /** The sources' warnings. */
  notes: string[];
  targets: RemediationTarget[];
  plan: RemediationPlan;
  executions: AutomationResult[];
}

export interface RemediateTypes {
  inputs: RemediateInputs;
  subject: RemediateSubject;
  counts: RemediateCounts;
  blocking: BlockingBase;
  context: RemediateContext;
  details: RemediateDetails;
  outputs: typeof REMEDIATE_OUTPUTS;
}

export type RemediateRun = CommandRun<RemediateTypes>;

/** Each client built on first use (core/aws `lazyClient`); see RemediateClients. */
function defaultClients(region: string): RemediateClients {
  return {
    ...complianceSourceClients(region),
    ssm: lazyClient(
      async () => {
        const { SSMClient } = await import('@aws-sdk/client-ssm');
        return SSMClient;
      },
      { region },
    ),
    s3: lazyClient(
      async () => {
        const { S3Client } = await import('@aws-sdk/client-s3');
        return S3Client;
      },
      { region },
    ),
  };
}

/**
 * The rule's non-compliant results in scope from the one source a run names, loading only that
 * source's module by `import()` (and, through `clients`, its SDK clients).
 */
async function collectFrom(
  source: 'config' | 'securityhub',
  clients: RemediateClients,
  scope: ComplianceScope,
  settings: {
    log: Log;
    region: string;
    accountId: string;
    defaultSeverity: Severity;
    needTags: boolean;
  },
): Promise<CollectedCompliance> {
  const tagging = await clients.tagging();
  if (source === 'config') {
    const { collectConfigCompliance } = await import('../sources/config');
    return collectConfigCompliance({ config: await clients.config(), tagging }, scope, settings);
  }
  const { collectSecurityHubCompliance } = await import('../sources/securityhub');
  return collectSecurityHubCompliance(
    { securityhub: await clients.securityhub(), tagging },
    scope,
    settings,
  );
}

function localUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    // No passwd entry (some containers): the actor is then unknown, not a failure.
    return undefined;
  }
}

/** The most characters of GITHUB_JOB a record id keeps (the key keeps 100 of the id). */
const MAX_JOB_IN_ID = 40;

/**
 * Who runs this and where, for the audit record: in GitHub Actions the actor (GITHUB_ACTOR),
 * the repository and the run's URL, and the id `<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>-<GITHUB_JOB>-
 * <8 random letters and digits>`: the run and attempt for people, the job and the random part
 * because two steps of one run (two remediate steps, the legs of a matrix) share the run id and
 * attempt, and can start in the same second, which would give their records the same key (and
 * refuse the second one after its runbooks ran). On the CLI: the local user name and a random id.
 */
export function auditIdentity(env: NodeJS.ProcessEnv, randomId: () => string): AuditIdentity {
  const runId = env.GITHUB_RUN_ID || undefined;
  const repository = env.GITHUB_REPOSITORY || undefined;
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  let id = randomId();
  if (runId !== undefined) {
    const job = (env.GITHUB_JOB ?? '').replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, MAX_JOB_IN_ID);
    const suffix = id.replace(/[^A-Za-z0-9]/g, '').slice(0, 8);
    id = [runId, env.GITHUB_RUN_ATTEMPT || '1', ...(job !== '' ? [job] : []), suffix].join('-');
  }
  return {
    id,
    actor: env.GITHUB_ACTOR || localUser() || 'unknown',
    ...(repository !== undefined && { repository }),
    ...(repository !== undefined &&
      runId !== undefined && { runUrl: `${server}/${repository}/actions/runs/${runId}` }),
  };
}

/** One line per fact of the plan, for the log. */
function planLog(plan: RemediationPlan): string {
  const { remedy } = plan;
  const counts = (status: string): number =>
    plan.resources.filter((resource) => resource.status === status).length;
  const lines = [
    `rule ${ruleLabel(remedy)}: ${remedy.runbook ? `runbook ${remedy.runbook.document} (${remedy.runbook.origin})` : 'no runbook'}`,
    `plan: ${plural(plan.resources.length, 'resource')}: ${counts('planned')} would run, ${counts('refused')} refused, ${counts('skipped')} skipped`,
  ];
  if (plan.refusal !== undefined) lines.push(`refused: ${plan.refusal}`);
  return lines.join('\n');
}

/**
 * `assetguard remediate` and the remediate action as a command of the shared runner: choose the
 * runbook for the rule (control mapping table, or the policy's remediation.documents), find the
 * resources (given, or the rule's non-compliant ones from AWS Config or Security Hub in the tag
 * scope), plan (pure), and with execute run the runbooks (sinks/automation) and wait for their
 * outcome. Reports: verdict.json, summary.md, plan.json, evidence.json; then the audit record
 * (sinks/remediation-audit), written by `deliver` once the reports are on disk, for every
 * decided run: one whose executions did not all succeed (an `error` verdict) changed AWS too.
 */
export function remediateCommand(options: RemediateOptions = {}): Command<RemediateTypes> {
  const env = options.env ?? process.env;
  const randomId = options.randomId ?? randomUUID;
  let made: { region: string; clients: RemediateClients } | undefined;
  const clientsFor = (region: string): RemediateClients => {
    if (made?.region !== region) {
      made = { region, clients: (options.clients ?? defaultClients)(region) };
    }
    return made.clients;
  };
  return {
    name: 'remediate',
    inputs: REMEDIATE_INPUTS,
    outputs: REMEDIATE_OUTPUTS,
    reports: REMEDIATE_REPORTS,
    parse: parseRemediateInputs,
    commandOf: () => 'remediate',
    recordedInputs: (inputs) => ({
      rule: inputs.rule,
      resources: inputs.resources,
      scope: inputs.scope,
      source: inputs.source,
      execute: inputs.execute,
      'max-resources': inputs.maxResources,
      'automation-assume-role': inputs.automationAssumeRole,
      audit: describeAuditLocation(inputs.audit),
      timeout: formatDuration(inputs.timeoutMs),
      policy: inputs.policy,
      'output-dir': inputs.outputDir,
      region: inputs.region,
    }),
    subjectOf: (inputs) => ({
      rule: inputs.rule,
      source: inputs.resources.length > 0 ? 'resources' : inputs.source,
      scope: inputs.scope,
      execute: inputs.execute,
    }),
    emptyCounts: emptyRemediateCounts,
    async decide(inputs, policy, progress, { clock, log }) {
      const startedAt = clock.now();
      const region = resolveRegion(inputs.region);
      const remedy = chooseRemedy(inputs.rule, policy);
      const source = inputs.resources.length > 0 ? 'resources' : inputs.source;
      progress.subject = {
        ...progress.subject,
        region,
        ...(remedy.control !== undefined && { control: remedy.control }),
        ...(remedy.configRuleName !== undefined && { configRuleName: remedy.configRuleName }),
        ...(remedy.runbook !== undefined && { document: remedy.runbook.document }),
      };
      // Before anything else: a run that could not keep its audit record must not start.
      const clients = clientsFor(region);
      await checkAuditLocation(inputs.audit, { s3: clients.s3, region });
      const calls: CallCounts = {};
      progress.context.calls = calls;
      const accountId = await readCallerAccount(await clients.sts(), calls);
      progress.subject.accountId = accountId;
      let targets: RemediationTarget[];
      let notes: string[] = [];
      if (source === 'resources') {
        targets = inputs.resources.map((resource) => ({ resource }));
      } else {
        const scope = { tags: inputs.scope, rules: [inputs.rule] };
        const settings = {
          log,
          region,
          accountId,
          defaultSeverity: policy.policy.compliance.defaultSeverity,
          needTags: false,
        };
        const collected = await collectFrom(source, clients, scope, settings);
        Object.assign(calls, collected.calls);
        progress.findings = collected.findings;
        notes = collected.warnings;
        targets = targetsFromFindings(collected.findings);
      }
      progress.context.notes = notes;
      progress.context.targets = targets;
      const plan = planRemediation({
        remedy,
        targets,
        maxResources: inputs.maxResources,
        ...(inputs.automationAssumeRole !== undefined && {
          automationAssumeRole: inputs.automationAssumeRole,
        }),
        region,
        accountId,
      });
      progress.context.plan = plan;
      log(planLog(plan));
      const runbook = remedy.runbook;
      let executions: AutomationResult[] | undefined;
      if (inputs.execute && plan.refusal === undefined && runbook && plan.resources.length > 0) {
        // Loaded only by a run that executes: it brings the SSM client's package.
        const { runAutomations } = await import('../sinks/automation');
        executions = await runAutomations(
          await clients.ssm(),
          plan.resources.map((resource) => ({
            resource: resource.resource,
            document: runbook.document,
            parameters: resource.parameters ?? {},
          })),
          { clock, log, timeoutMs: inputs.timeoutMs, ...options.automation },
        );
        progress.context.executions = executions;
      }
      const outcomes = outcomesOf(plan, executions, inputs.execute);
      const subject: RemediateSubject = {
        rule: inputs.rule,
        ...(remedy.control !== undefined && { control: remedy.control }),
        ...(remedy.configRuleName !== undefined && { configRuleName: remedy.configRuleName }),
        ...(runbook !== undefined && { document: runbook.document }),
        source,
        scope: inputs.scope,
        region,
        accountId,
        execute: inputs.execute,
      };
      progress.subject = subject;
      const verdict = remediationVerdict({
        plan,
        outcomes,
        subject,
        policy,
        now: clock.now(),
        warnings: notes,
      });
      const record = auditRecordOf({
        identity: auditIdentity(env, randomId),
        startedAt,
        finishedAt: clock.now(),
        subject,
        outcomes,
      });
      const details: RemediateDetails = {
        plan,
        outcomes,
        record,
        audit: {
          location: describeAuditLocation(inputs.audit),
          path: auditRecordWhere(inputs.audit, record),
        },
      };
      return { verdict, details };
    },
    render: ({ verdict, details, reportDir }) => renderRemediate(verdict, details, reportDir),
    describe: ({ verdict, details }, reportDir) =>
      describeRemediate(details, verdict.subject.execute, reportDir),
    outputValues: ({ verdict, details, reportDir }) => {
      const { counts } = verdict;
      const executed = verdict.subject.execute === true && details?.plan.refusal === undefined;
      return {
        verdict: verdict.verdict,
        planned: counts.planned,
        succeeded: counts.succeeded,
        failed: counts.failed + counts.timedOut + (executed ? counts.skipped : 0),
        resources:
          details !== undefined && details.plan.refusal === undefined
            ? details.plan.resources.map((resource) => resource.input).join('\n')
            : '',
        'audit-record': details?.audit.written ?? '',
        'report-dir': reportDir,
      };
    },
    async deliver({ inputs, details }) {
      try {
        details.audit.written = await writeAuditRecord(inputs.audit, details.record, {
          s3: clientsFor(details.record.region).s3,
        });
      } catch (error) {
        details.audit.failed = errorMessage(error);
        throw error;
      }
      return [`audit record: ${details.audit.written}`];
    },
  };
}

/**
 * Runs remediate on parsed inputs through the shared runner, as the action and the CLI do:
 * failures become an `error` verdict (exit 2) with reports, never an exception.
 */
export function remediate(inputs: RemediateInputs, deps: RemediateDeps): Promise<RemediateRun> {
  return runCommand(remediateCommand(deps), { inputs }, deps);
}
