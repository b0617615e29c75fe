import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import { createClient, resolveRegion } from '../core/aws';
import type { CallCounts } from '../core/collections';
import { gateOutcomeLine } from '../core/markdown';
import { emptyCounts, type SeverityCounts } from '../core/model';
import {
  gateOutputValues,
  runCommand,
  type Command,
  type CommandRun,
  type RunDeps,
} from '../core/runner';
import { toSarif } from '../core/sarif';
import type { BlockingEntry } from '../core/verdict';
import { collectConfigCompliance } from '../sources/config';
import { readCallerAccount } from '../sources/identity';
import { collectSecurityHubCompliance } from '../sources/securityhub';
import { evaluateCompliance, type ComplianceContext, type ComplianceSubject } from './evaluate';
import {
  COMPLIANCE_GATE_INPUTS,
  COMPLIANCE_GATE_OUTPUTS,
  parseComplianceGateInputs,
  type ComplianceGateInputs,
} from './inputs';
import { COMPLIANCE_WORDS, complianceSarifSource, renderComplianceSummary } from './render';

/** The clients the compliance gate reads with, for the target's region. */
export interface ComplianceClients {
  config: ConfigServiceClient;
  tagging: ResourceGroupsTaggingAPIClient;
  securityhub: SecurityHubClient;
  /** Names the caller's account, whose Security Hub control results alone are read. */
  sts: STSClient;
}

/** What the compliance gate needs besides the clock and the log; tests set these. */
export interface ComplianceGateOptions {
  /** Builds the clients for the target's region (default: the core client factory). */
  clients?: (region: string) => ComplianceClients;
}

export type ComplianceGateDeps = RunDeps & ComplianceGateOptions;

/** The compliance gate's types, for the shared runner. */
export interface ComplianceGateTypes {
  inputs: ComplianceGateInputs;
  subject: ComplianceSubject;
  counts: SeverityCounts;
  blocking: BlockingEntry;
  context: ComplianceContext;
  details: undefined;
  outputs: typeof COMPLIANCE_GATE_OUTPUTS;
}

export type ComplianceGateRun = CommandRun<ComplianceGateTypes>;

function defaultClients(region: string): ComplianceClients {
  return {
    config: createClient(ConfigServiceClient, { region }),
    tagging: createClient(ResourceGroupsTaggingAPIClient, { region }),
    securityhub: createClient(SecurityHubClient, { region }),
    sts: createClient(STSClient, { region }),
  };
}

/**
 * The compliance gate as a command of the shared runner: collect the target's non-compliant
 * results from AWS Config (rules, details, tags for the scope) or Security Hub (its own control
 * findings of the caller's account, named by sts GetCallerIdentity, in the target's region), then
 * `evaluateCompliance`. Reports: verdict.json, summary.md, results.sarif
 * (located on the policy file), evidence.json.
 */
export function complianceGateCommand(
  options: ComplianceGateOptions = {},
): Command<ComplianceGateTypes> {
  return {
    name: 'compliance-gate',
    reports: ['results.sarif'],
    inputs: COMPLIANCE_GATE_INPUTS,
    outputs: COMPLIANCE_GATE_OUTPUTS,
    parse: parseComplianceGateInputs,
    commandOf: () => 'compliance-gate',
    recordedInputs: (inputs) => ({ ...inputs }),
    subjectOf: (inputs) => ({
      source: inputs.source,
      scope: { tags: inputs.scope, rules: inputs.rules },
    }),
    emptyCounts,
    async decide(inputs, policy, progress, { clock, log }) {
      const { compliance } = policy.policy;
      log(
        `policy: ${policy.origin} (compliance.fail-on: ${compliance.failOn.join(', ') || 'nothing'})`,
      );
      const region = resolveRegion(inputs.region);
      progress.subject.region = region;
      const clients = (options.clients ?? defaultClients)(region);
      const scope = { tags: inputs.scope, rules: inputs.rules };
      const needTags = policy.policy.exceptions.some(
        (exception) => exception.scope?.tags !== undefined,
      );
      const identityCalls: CallCounts = {};
      const collected =
        inputs.source === 'config'
          ? await collectConfigCompliance(clients, scope, {
              log,
              region,
              defaultSeverity: compliance.defaultSeverity,
              needTags,
            })
          : await collectSecurityHubCompliance(clients, scope, {
              log,
              region,
              // An administrator or aggregation account also sees its members' findings.
              accountId: await readCallerAccount(clients.sts, identityCalls),
              defaultSeverity: compliance.defaultSeverity,
              needTags,
            });
      progress.findings = collected.findings;
      progress.context.calls = { ...identityCalls, ...collected.calls };
      progress.context.notes = collected.warnings;
      const subject: ComplianceSubject = {
        source: inputs.source,
        region,
        scope,
        rules: collected.rules,
      };
      progress.subject = subject;
      const verdict = evaluateCompliance({
        findings: collected.findings,
        policy,
        subject,
        now: clock.now(),
        notes: collected.warnings,
      });
      return { verdict, details: undefined };
    },
    render: ({ verdict, progress, inputs, reportDir }) => ({
      summary: renderComplianceSummary(verdict, reportDir),
      files: {
        'results.sarif': toSarif(
          // Findings exist only once the inputs parsed; alerts point at the policy file.
          inputs ? complianceSarifSource(verdict, progress.findings) : [],
          'assetguard/compliance-gate',
        ),
      },
    }),
    describe: ({ verdict }, reportDir) =>
      gateOutcomeLine(verdict, 'the deploy', COMPLIANCE_WORDS, reportDir),
    outputValues: gateOutputValues,
  };
}

/**
 * Runs the compliance gate on parsed inputs, as the action and the CLI do (through the shared
 * runner): failures become an `error` verdict (exit 2) with reports, never an exception.
 */
export function complianceGate(
  inputs: ComplianceGateInputs,
  deps: ComplianceGateDeps,
): Promise<ComplianceGateRun> {
  return runCommand(complianceGateCommand(deps), { inputs }, deps);
}
