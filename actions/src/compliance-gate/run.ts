import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { createClient, resolveRegion } from '../core/aws';
import type { Clock } from '../core/clock';
import { errorMessage } from '../core/errors';
import { errorVerdict, writeGateReports } from '../core/gate-report';
import type { Finding } from '../core/model';
import { DEFAULT_POLICY_PATH, loadPolicy, type LoadedPolicy } from '../core/policy';
import { toSarif } from '../core/sarif';
import type { Verdict } from '../core/verdict';
import { collectConfigCompliance } from '../sources/config';
import { evaluateCompliance, type ComplianceSubject } from './evaluate';
import type { ComplianceGateInputs } from './inputs';
import { complianceSarifEntries, renderComplianceSummary } from './render';
import { collectSecurityHubCompliance } from '../sources/securityhub';
import type { Log } from '../core/log';

export interface ComplianceClients {
  config: ConfigServiceClient;
  tagging: ResourceGroupsTaggingAPIClient;
  securityhub: SecurityHubClient;
}

export interface ComplianceGateDeps {
  clock: Clock;
  log: Log;
  clients?: (region: string) => ComplianceClients;
}

export interface ComplianceGateRun {
  verdict: Verdict;
  summary: string;
  reportDir: string;
  files: Record<string, string>;
}

function defaultClients(region: string): ComplianceClients {
  return {
    config: createClient(ConfigServiceClient, { region }),
    tagging: createClient(ResourceGroupsTaggingAPIClient, { region }),
    securityhub: createClient(SecurityHubClient, { region }),
  };
}

/**
 * The compliance gate, as both the action and the CLI run it: collect from AWS Config or
 * Security Hub, evaluate against the policy, report. Failures become an `error` verdict (exit 2).
 */
export async function complianceGate(
  inputs: ComplianceGateInputs,
  deps: ComplianceGateDeps,
): Promise<ComplianceGateRun> {
  const { clock, log } = deps;
  let subject: Record<string, unknown> = {
    source: inputs.source,
    scope: { tags: inputs.scope, rules: inputs.rules },
  };
  let policy: LoadedPolicy | undefined;
  let findings: Finding[] = [];
  const context: Record<string, unknown> = {};
  let verdict: Verdict;
  try {
    policy = await loadPolicy(inputs.policy);
    const { compliance } = policy.policy;
    log(
      `policy: ${policy.origin} (compliance.fail-on: ${compliance.failOn.join(', ') || 'nothing'})`,
    );
    const region = resolveRegion(inputs.region);
    const clients = (deps.clients ?? defaultClients)(region);
    const scope = { tags: inputs.scope, rules: inputs.rules };
    const needTags = policy.policy.exceptions.some(
      (exception) => exception.scope?.tags !== undefined,
    );
    const collected =
      inputs.source === 'config'
        ? await collectConfigCompliance(clients, scope, {
            log,
            region,
            defaultSeverity: compliance.defaultSeverity,
            needTags,
          })
        : await collectSecurityHubCompliance(clients.securityhub, scope, {
            log,
            defaultSeverity: compliance.defaultSeverity,
          });
    findings = collected.findings;
    context.calls = collected.calls;
    context.notes = collected.warnings;
    const complianceSubject: ComplianceSubject = {
      source: inputs.source,
      region,
      scope,
      rules: collected.rules,
    };
    subject = { ...complianceSubject };
    verdict = evaluateCompliance({
      findings,
      policy,
      subject: complianceSubject,
      now: clock.now(),
      notes: collected.warnings,
    });
  } catch (error) {
    verdict = errorVerdict('compliance-gate', errorMessage(error), subject, policy, clock.now());
  }
  const summary = renderComplianceSummary(verdict, inputs.outputDir);
  const policyPath =
    policy && policy.origin !== 'built-in default' ? policy.origin : DEFAULT_POLICY_PATH;
  const files = await writeGateReports({
    dir: inputs.outputDir,
    verdict,
    summary,
    sarif: toSarif(
      complianceSarifEntries(verdict, findings, policyPath),
      'assetguard/compliance-gate',
    ),
    inputs: { ...inputs },
    context,
    policy,
    findings,
  });
  return { verdict, summary, reportDir: inputs.outputDir, files };
}
