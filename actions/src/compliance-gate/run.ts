import { resolveRegion } from '../core/aws';
import type { CallCounts } from '../core/collections';
import { gateOutcomeLine } from '../core/markdown';
import { emptyCounts, type Severity, type SeverityCounts } from '../core/model';
import {
  gateOutputValues,
  runCommand,
  type Command,
  type CommandRun,
  type RunDeps,
} from '../core/runner';
import { toSarif } from '../core/sarif';
import type { BlockingEntry } from '../core/verdict';
import type { Log } from '../core/log';
import type { CollectedCompliance, ComplianceScope } from '../sources/compliance';
import {
  complianceSourceClients,
  type ComplianceSourceClients,
} from '../sources/compliance-source';
import { evaluateCompliance, type ComplianceContext, type ComplianceSubject } from './evaluate';
import {
  COMPLIANCE_GATE_INPUTS,
  COMPLIANCE_GATE_OUTPUTS,
  parseComplianceGateInputs,
  type ComplianceGateInputs,
} from './inputs';
import { COMPLIANCE_WORDS, complianceSarifSource, renderComplianceSummary } from './render';

/** The clients the compliance gate reads with, for the target's region (sources/compliance-source). */
export type ComplianceClients = ComplianceSourceClients;

/** What the compliance gate needs besides the clock and the log; tests set these. */
export interface ComplianceGateOptions {
  /** Builds the clients for the target's region (default: `lazyClient`, the core client factory). */
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

/** What either source's collection is given besides its clients and the scope. */
interface CollectOptions {
  log: Log;
  region: string;
  defaultSeverity: Severity;
  needTags: boolean;
}

/**
 * Collects from the one source a run names, loading only that source's module (and, through
 * `clients`, its SDK clients) by `import()`: sources/config with Config and the Tagging API, or
 * sources/securityhub with Security Hub, the Tagging API and STS (the caller's account, whose
 * control results alone are read: an administrator or aggregation account also sees its
 * members' findings). `identityCalls` receives the GetCallerIdentity call.
 */
async function collectFrom(
  source: ComplianceGateInputs['source'],
  clients: ComplianceClients,
  scope: ComplianceScope,
  options: CollectOptions,
  identityCalls: CallCounts,
): Promise<CollectedCompliance> {
  if (source === 'config') {
    const { collectConfigCompliance } = await import('../sources/config');
    return collectConfigCompliance(
      { config: await clients.config(), tagging: await clients.tagging() },
      scope,
      options,
    );
  }
  const { collectSecurityHubCompliance } = await import('../sources/securityhub');
  const { readCallerAccount } = await import('../sources/identity');
  const accountId = await readCallerAccount(await clients.sts(), identityCalls);
  return collectSecurityHubCompliance(
    { securityhub: await clients.securityhub(), tagging: await clients.tagging() },
    scope,
    { ...options, accountId },
  );
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
      const clients = (options.clients ?? complianceSourceClients)(region);
      const scope = { tags: inputs.scope, rules: inputs.rules };
      const needTags = policy.policy.exceptions.some(
        (exception) => exception.scope?.tags !== undefined,
      );
      const identityCalls: CallCounts = {};
      const collected = await collectFrom(
        inputs.source,
        clients,
        scope,
        { log, region, defaultSeverity: compliance.defaultSeverity, needTags },
        identityCalls,
      );
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
