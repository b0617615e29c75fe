import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ResourceGroupsClient } from '@aws-sdk/client-resource-groups';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { createClient, resolveRegion } from '../core/aws';
import type { Outcome } from '../core/runner';
import type { Clock } from '../core/clock';
import { ConfigurationError } from '../core/errors';
import { loadPolicy, type LoadedPolicy } from '../core/policy';
import { writeReportFiles } from '../core/report-files';
import {
  batchChanges,
  checkResource,
  coverage,
  type TagCheck,
  type TagPolicy,
} from '../core/tag-policy';
import { executePlan } from '../sinks/tag-writer';
import { auditVerdict } from './evaluate';
import { renderAuditCsv, renderAuditSummary, renderPlan, type AuditReport } from './render';
import { syncGroups } from '../sinks/resource-groups';
import type { TagInputs } from './inputs';
import { collectInventory, refreshTags, type Inventory } from '../sources/inventory';
import type { Log } from '../core/log';
import { publishTagPolicy } from '../sinks/parameter-store';

export interface TagClients {
  config: ConfigServiceClient;
  tagging: ResourceGroupsTaggingAPIClient;
  ec2: EC2Client;
  s3: S3Client;
  ssm: SSMClient;
  groups: ResourceGroupsClient;
  sts: STSClient;
}

export interface TagDeps {
  clock: Clock;
  log: Log;
  clients?: (region: string) => TagClients;
}

export interface TagRun {
  outcome: Outcome;
  summary: string;
  reportDir: string;
  outputs: Record<string, string | number>;
}

function defaultClients(region: string): TagClients {
  return {
    config: createClient(ConfigServiceClient, { region }),
    tagging: createClient(ResourceGroupsTaggingAPIClient, { region }),
    ec2: createClient(EC2Client, { region }),
    s3: createClient(S3Client, { region }),
    ssm: createClient(SSMClient, { region }),
    groups: createClient(ResourceGroupsClient, { region }),
    sts: createClient(STSClient, { region }),
  };
}

function tagPolicyOf(policy: LoadedPolicy): TagPolicy {
  if (!policy.policy.tags || policy.policy.tags.required.length === 0) {
    throw new ConfigurationError(
      `${policy.origin}: the policy has no tags.required section; add the keys every resource must carry (see the README's tag policy reference)`,
    );
  }
  return policy.policy.tags;
}

async function auditChecks(
  clients: TagClients,
  tags: TagPolicy,
  log: Log,
  region: string,
): Promise<{ inventory: Inventory; checks: TagCheck[] }> {
  const inventory = await collectInventory(clients, tags.resourceTypes, { log, region });
  const checks = inventory.resources.map((facts) => checkResource(tags, facts));
  return { inventory, checks };
}

async function audit(
  inputs: TagInputs,
  deps: TagDeps,
  policy: LoadedPolicy,
  clients: TagClients,
  region: string,
): Promise<TagRun> {
  const tags = tagPolicyOf(policy);
  const { inventory, checks } = await auditChecks(clients, tags, deps.log, region);
  const measured = coverage(checks);
  const { worst, ...rest } = measured;
  const report: AuditReport = {
    command: 'tags audit',
    evaluatedAt: deps.clock.now().toISOString(),
    policy: { origin: policy.origin, sha256: policy.sha256 },
    minCoverage: tags.minCoverage,
    verdict: auditVerdict(measured, tags, inventory.complete),
    coverage: rest,
    resources: inventory.resources.length,
    inventoryComplete: inventory.complete,
    checks,
    warnings: inventory.warnings,
  };
  const byArn = new Map(inventory.resources.map((facts) => [facts.arn, facts.tags]));
  const summary = renderAuditSummary(report, worst, renderPlan(checks));
  await writeReportFiles(inputs.outputDir, {
    'tags.json': `${JSON.stringify(report, null, 2)}\n`,
    'summary.md': summary,
    'tags.csv': renderAuditCsv(checks, (arn) => byArn.get(arn) ?? {}),
  });
  const percent = measured.overall.percent;
  const changes = checks.filter((check) => Object.keys(check.set).length > 0).length;
  const outcome: Outcome =
    report.verdict === 'pass'
      ? {
          exitCode: 0,
          message: `coverage ${percent}% (minimum ${tags.minCoverage}%) over ${report.resources} resources; apply would change ${changes}; reports in ${inputs.outputDir}`,
        }
      : report.verdict === 'block'
        ? {
            exitCode: 1,
            message: `coverage ${percent}% is below tags.min-coverage ${tags.minCoverage}%; see ${inputs.outputDir}/summary.md`,
          }
        : {
            exitCode: 2,
            message:
              'could not decide: AWS Config is not recording, so never-tagged resources cannot be counted',
          };
  return {
    outcome,
    summary,
    reportDir: inputs.outputDir,
    outputs: { verdict: report.verdict, coverage: percent, resources: report.resources, changes },
  };
}

async function apply(
  inputs: TagInputs,
  deps: TagDeps,
  policy: LoadedPolicy,
  clients: TagClients,
  region: string,
): Promise<TagRun> {
  const tags = tagPolicyOf(policy);
  const { inventory, checks } = await auditChecks(clients, tags, deps.log, region);
  let planned = checks.filter((check) => Object.keys(check.set).length > 0);
  const plan = renderPlan(checks);
  deps.log(plan);
  if (!inputs.execute) {
    const summary = `## assetguard tags apply: DRY RUN — ${planned.length} resource(s) would change\n\n${plan}\n\nRun again with \`--execute\` (input \`execute: true\`) to write these tags.\n`;
    await writeReportFiles(inputs.outputDir, {
      'summary.md': summary,
      'plan.json': `${JSON.stringify(planned, null, 2)}\n`,
    });
    return {
      outcome: {
        exitCode: 0,
        message: `dry run: ${planned.length} resource(s) would change; nothing was written`,
      },
      summary,
      reportDir: inputs.outputDir,
      outputs: { verdict: 'pass', resources: inventory.resources.length, changes: planned.length },
    };
  }
  // Never overwrite what appeared since the inventory: re-read and re-plan the resources to change.
  const current = await refreshTags(
    clients.tagging,
    planned.map((check) => check.arn),
  );
  const facts = new Map(inventory.resources.map((resource) => [resource.arn, resource]));
  planned = planned
    .map((check) => {
      const resource = facts.get(check.arn);
      const seen = current.get(check.arn);
      return resource && seen
        ? checkResource(tags, { ...resource, tags: { ...resource.tags, ...seen } })
        : check;
    })
    .filter((check) => Object.keys(check.set).length > 0);
  const batches = batchChanges(planned);
  deps.log(
    `writing tags to ${planned.length} resource(s) in ${batches.length} TagResources call(s)…`,
  );
  const result = await executePlan(clients, batches, { log: deps.log });
  const failed = result.failed;
  const summary =
    `## assetguard tags apply: ${failed.length === 0 ? '✅ APPLIED' : '⚠️ INCOMPLETE'} — ${result.tagged.length} resource(s) tagged, ${failed.length} failed\n\n${plan}\n` +
    (failed.length > 0
      ? `\n### Failed\n\n${failed.map((entry) => `- ${entry.arn}: ${entry.code} ${entry.message}`).join('\n')}\n`
      : '');
  await writeReportFiles(inputs.outputDir, {
    'summary.md': summary,
    'apply.json': `${JSON.stringify(result, null, 2)}\n`,
  });
  return {
    outcome:
      failed.length === 0
        ? {
            exitCode: 0,
            message: `tagged ${result.tagged.length} resource(s) in ${batches.length} batch(es)`,
          }
        : {
            exitCode: 2,
            message: `${failed.length} resource(s) could not be tagged (first: ${failed[0]?.arn ?? ''}: ${failed[0]?.code ?? ''}); see ${inputs.outputDir}/summary.md`,
          },
    summary,
    reportDir: inputs.outputDir,
    outputs: {
      verdict: failed.length === 0 ? 'pass' : 'error',
      resources: inventory.resources.length,
      changes: result.tagged.length,
    },
  };
}

async function publish(
  inputs: TagInputs,
  policy: LoadedPolicy,
  clients: TagClients,
): Promise<TagRun> {
  const tags = tagPolicyOf(policy);
  const result = await publishTagPolicy(clients.ssm, {
    name: tags.parameter,
    text: policy.text,
    sha256: policy.sha256,
  });
  const message = result.written
    ? `published ${policy.origin} to ${tags.parameter} (version ${result.version})`
    : `${tags.parameter} already holds this policy (version ${result.version}, sha256 ${policy.sha256.slice(0, 12)}); nothing written`;
  const summary = `## assetguard tags publish\n\n${message}\n`;
  await writeReportFiles(inputs.outputDir, { 'summary.md': summary });
  return {
    outcome: { exitCode: 0, message },
    summary,
    reportDir: inputs.outputDir,
    outputs: { verdict: 'pass' },
  };
}

async function groups(
  inputs: TagInputs,
  deps: TagDeps,
  policy: LoadedPolicy,
  clients: TagClients,
  region: string,
): Promise<TagRun> {
  const tags = tagPolicyOf(policy);
  if (tags.groups.length === 0) {
    throw new ConfigurationError(
      `${policy.origin}: tags.groups is empty; declare groups such as - by: Environment`,
    );
  }
  const needsInventory = tags.groups.some((group) => group.values === undefined);
  const valuesSeen: Record<string, string[]> = {};
  if (needsInventory) {
    const inventory = await collectInventory(clients, tags.resourceTypes, {
      log: deps.log,
      region,
    });
    for (const group of tags.groups) {
      valuesSeen[group.by] = [
        ...new Set(
          inventory.resources
            .map((facts) => facts.tags[group.by])
            .filter((value): value is string => value !== undefined),
        ),
      ].sort();
    }
  }
  const results = await syncGroups(clients.groups, tags.groups, valuesSeen, {
    execute: inputs.execute,
    log: deps.log,
  });
  const lines = results.map((entry) => `- ${entry.name}: ${entry.action}`);
  const summary = `## assetguard tags groups${inputs.execute ? '' : ' (dry run)'}\n\n${lines.join('\n')}\n`;
  await writeReportFiles(inputs.outputDir, { 'summary.md': summary });
  const changed = results.filter((entry) => entry.action !== 'unchanged').length;
  return {
    outcome: {
      exitCode: 0,
      message: `${results.length} group(s), ${changed} ${inputs.execute ? 'created or updated' : 'to create or update'}`,
    },
    summary,
    reportDir: inputs.outputDir,
    outputs: { verdict: 'pass', changes: changed },
  };
}

/** One entry for the tag-policy action and `assetguard tags <command>`. */
export async function tagsCommand(inputs: TagInputs, deps: TagDeps): Promise<TagRun> {
  const policy = await loadPolicy(inputs.policy);
  const region = resolveRegion(inputs.region);
  const clients = (deps.clients ?? defaultClients)(region);
  switch (inputs.command) {
    case 'audit':
      return audit(inputs, deps, policy, clients, region);
    case 'apply':
      return apply(inputs, deps, policy, clients, region);
    case 'publish':
      return publish(inputs, policy, clients);
    case 'groups':
      return groups(inputs, deps, policy, clients, region);
  }
}
