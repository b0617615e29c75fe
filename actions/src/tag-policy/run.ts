import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ResourceGroupsClient } from '@aws-sdk/client-resource-groups';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { createClient, lazyClient, resolveRegion, type LazyClient } from '../core/aws';
import {
  runCommand,
  type Command,
  type CommandRun,
  type Decision,
  type Progress,
  type RunDeps,
} from '../core/runner';
import { ConfigurationError } from '../core/errors';
import type { LoadedPolicy } from '../core/policy';
import type { BlockingBase } from '../core/verdict';
import { batchChanges, checkResource, type TagPolicy } from '../core/tag-policy';
import { executePlan, type ApplyResult } from '../sinks/tag-writer';
import {
  applyVerdict,
  evaluateAudit,
  plannedChanges,
  tagPolicyOf,
  tagVerdict,
  type TagCounts,
  type TagSubject,
} from './evaluate';
import { describeTagRun, renderPlan, renderTagRun, type TagDetails } from './render';
import type { GroupSync } from '../sinks/resource-groups';
import {
  parseTagInputs,
  TAG_COMMAND_REPORTS,
  TAG_POLICY_INPUTS,
  TAG_POLICY_OUTPUTS,
  type TagInputs,
} from './inputs';
import { describePublish, renderPublish, type PublishDetails } from './publish-report';
import { collectInventory, type Inventory } from '../sources/inventory';
import { readTags } from '../sources/tagging';
import type { PublishResult } from '../sinks/parameter-store';

/**
 * The clients the tag commands read and write with, for the estate's region. Those of one
 * command only are `LazyClient`s (core/aws), each package a chunk read by the run that calls it:
 * EC2's and S3's for `tags apply --execute` on an EC2 resource or a bucket, SSM's for
 * `tags publish`, Resource Groups' for `tags groups`.
 */
export interface TagClients {
  config: ConfigServiceClient;
  tagging: ResourceGroupsTaggingAPIClient;
  ec2: LazyClient<EC2Client>;
  s3: LazyClient<S3Client>;
  ssm: LazyClient<SSMClient>;
  groups: LazyClient<ResourceGroupsClient>;
  sts: STSClient;
}

/** What the tag commands need besides the clock and the log; tests may set the clients. */
export interface TagPolicyOptions {
  /** Builds the clients for the estate's region (default: the core client factory). */
  clients?: (region: string) => TagClients;
}

export type TagDeps = RunDeps & TagPolicyOptions;

/** What evidence.json keeps of a tag run: the inventory it read, and what it wrote. */
export interface TagContext {
  inventory: Inventory;
  applied: ApplyResult;
  published: PublishResult;
  groups: GroupSync[];
}

/** What a decided tag command hands to its report: publish's own (publish-report), the rest render's. */
export type TagRunDetails = TagDetails | PublishDetails;

/** The tag commands' types, for the shared runner. */
export interface TagPolicyTypes {
  inputs: TagInputs;
  subject: TagSubject;
  counts: TagCounts;
  blocking: BlockingBase;
  context: TagContext;
  details: TagRunDetails;
  outputs: typeof TAG_POLICY_OUTPUTS;
}

export type TagRun = CommandRun<TagPolicyTypes>;
type TagDecision = Decision<TagPolicyTypes>;
type TagProgress = Progress<TagPolicyTypes>;

function defaultClients(region: string): TagClients {
  return {
    config: createClient(ConfigServiceClient, { region }),
    tagging: createClient(ResourceGroupsTaggingAPIClient, { region }),
    ec2: lazyClient(
      async () => {
        const { EC2Client } = await import('@aws-sdk/client-ec2');
        return EC2Client;
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
    ssm: lazyClient(
      async () => {
        const { SSMClient } = await import('@aws-sdk/client-ssm');
        return SSMClient;
      },
      { region },
    ),
    groups: lazyClient(
      async () => {
        const { ResourceGroupsClient } = await import('@aws-sdk/client-resource-groups');
        return ResourceGroupsClient;
      },
      { region },
    ),
    sts: createClient(STSClient, { region }),
  };
}

/** Reads the estate's inventory (AWS Config + Tagging API) and keeps it as evidence. */
async function readInventory(
  clients: TagClients,
  tags: TagPolicy,
  deps: RunDeps,
  progress: TagProgress,
  region: string,
): Promise<Inventory> {
  const inventory = await collectInventory(clients, tags.resourceTypes, { log: deps.log, region });
  progress.context.inventory = inventory;
  return inventory;
}

/** `tags audit`: inventory, then the pure `evaluateAudit` (coverage against tags.min-coverage). */
async function audit(
  subject: TagSubject,
  deps: RunDeps,
  policy: LoadedPolicy,
  clients: TagClients,
  progress: TagProgress,
): Promise<TagDecision> {
  const tags = tagPolicyOf(policy);
  const inventory = await readInventory(clients, tags, deps, progress, subject.region);
  const { verdict, checks, coverage } = evaluateAudit({
    inventory,
    policy,
    subject,
    now: deps.clock.now(),
  });
  return {
    verdict,
    details: { command: 'audit', checks, coverage, minCoverage: tags.minCoverage, inventory },
  };
}

/**
 * `tags apply`: inventory and plan; without execute that is all (a dry run). With execute, the
 * planned resources' tags are re-read and re-planned, and the one tag writer writes the batches;
 * any resource it could not tag makes the verdict `error`.
 */
async function apply(
  subject: TagSubject,
  deps: RunDeps,
  policy: LoadedPolicy,
  clients: TagClients,
  progress: TagProgress,
): Promise<TagDecision> {
  const tags = tagPolicyOf(policy);
  const inventory = await readInventory(clients, tags, deps, progress, subject.region);
  const checks = inventory.resources.map((facts) => checkResource(tags, facts));
  let planned = plannedChanges(checks);
  deps.log(renderPlan(checks));
  if (!subject.execute) {
    return {
      verdict: applyVerdict({
        subject,
        policy,
        now: deps.clock.now(),
        inventory,
        planned: planned.length,
      }),
      details: { command: 'apply', checks },
    };
  }
  // Never overwrite what appeared since the inventory: re-read and re-plan the resources to change.
  // An ARN whose tags could not be re-read is not written; the writer reports it as failed.
  // S3's client (and package) loads here: only a run that writes needs it.
  const writers = { ...clients, s3: await clients.s3() };
  const current = await readTags(
    writers,
    planned.map((check) => check.arn),
  );
  const facts = new Map(inventory.resources.map((resource) => [resource.arn, resource]));
  planned = planned
    .flatMap((check) => {
      const resource = facts.get(check.arn);
      const seen = current.tags.get(check.arn);
      if (seen === undefined) return [];
      return [
        resource
          ? checkResource(tags, { ...resource, tags: { ...resource.tags, ...seen } })
          : check,
      ];
    })
    .filter((check) => Object.keys(check.set).length > 0);
  const batches = batchChanges(planned);
  deps.log(
    `writing tags to ${planned.length} resource(s) in ${batches.length} TagResources call(s)…`,
  );
  const result = await executePlan(writers, batches, {
    log: deps.log,
    unreadable: current.unreadable,
    // The policy's overwrite: false reaches the S3 merge too (a value set since the re-read stays).
    overwrite: tags.overwrite,
  });
  progress.context.applied = result;
  return {
    verdict: applyVerdict({
      subject,
      policy,
      now: deps.clock.now(),
      inventory,
      planned: planned.length,
      written: { tagged: result.tagged.length, failed: result.failed },
    }),
    details: { command: 'apply', checks, written: { result, batches: batches.length } },
  };
}

/**
 * `tags publish`: compares the policy text with the SSM parameter the auto-tag Lambda reads;
 * with execute, writes it when its hash differs. A dry run reads only.
 */
async function publish(
  subject: TagSubject,
  deps: RunDeps,
  policy: LoadedPolicy,
  clients: TagClients,
  progress: TagProgress,
): Promise<TagDecision> {
  const tags = tagPolicyOf(policy);
  // The sink and @aws-sdk/client-ssm load here: no other command needs them.
  const { publishTagPolicy } = await import('../sinks/parameter-store');
  const result = await publishTagPolicy(
    await clients.ssm(),
    { name: tags.parameter, text: policy.text, sha256: policy.sha256 },
    { execute: subject.execute },
  );
  progress.context.published = result;
  return {
    verdict: tagVerdict({
      subject,
      policy,
      now: deps.clock.now(),
      verdict: 'pass',
      counts: { changes: result.action === 'unchanged' ? 0 : 1 },
    }),
    details: { command: 'publish', parameter: tags.parameter, result },
  };
}

/** `tags groups`: one Resource Group per value of each tags.groups key; dry run unless execute. */
async function groups(
  subject: TagSubject,
  deps: RunDeps,
  policy: LoadedPolicy,
  clients: TagClients,
  progress: TagProgress,
): Promise<TagDecision> {
  const tags = tagPolicyOf(policy);
  if (tags.groups.length === 0) {
    throw new ConfigurationError(
      `${policy.origin}: tags.groups is empty; declare groups such as - by: Environment`,
    );
  }
  const needsInventory = tags.groups.some((group) => group.values === undefined);
  const valuesSeen: Record<string, string[]> = {};
  if (needsInventory) {
    const inventory = await readInventory(clients, tags, deps, progress, subject.region);
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
  // The sink and @aws-sdk/client-resource-groups load here: no other command needs them.
  const { isGroupChange, syncGroups } = await import('../sinks/resource-groups');
  const results = await syncGroups(await clients.groups(), tags.groups, valuesSeen, {
    execute: subject.execute,
    log: deps.log,
  });
  progress.context.groups = results;
  const changed = results.filter((entry) => isGroupChange(entry.action)).length;
  return {
    verdict: tagVerdict({
      subject,
      policy,
      now: deps.clock.now(),
      verdict: 'pass',
      counts: { changes: changed },
    }),
    details: { command: 'groups', results },
  };
}

const STEPS = { audit, apply, publish, groups } satisfies Record<
  TagInputs['command'],
  (
    subject: TagSubject,
    deps: RunDeps,
    policy: LoadedPolicy,
    clients: TagClients,
    progress: TagProgress,
  ) => Promise<TagDecision>
>;

/**
 * The tag-policy action and `assetguard tags <command>` as a command of the shared runner:
 * audit, apply, publish or groups (the `command` input). Reports: verdict.json, summary.md,
 * evidence.json, and each command's own files (TAG_COMMAND_REPORTS: tags.json and tags.csv,
 * plan.json, apply.json), all checked before the first AWS call.
 */
export function tagPolicyCommand(options: TagPolicyOptions = {}): Command<TagPolicyTypes> {
  return {
    name: 'tags',
    inputs: TAG_POLICY_INPUTS,
    outputs: TAG_POLICY_OUTPUTS,
    reports: Object.values(TAG_COMMAND_REPORTS).flat(),
    parse: parseTagInputs,
    commandOf: (inputs) => `tags ${inputs.command}`,
    recordedInputs: (inputs) => ({ ...inputs }),
    subjectOf: (inputs) => ({ command: inputs.command, execute: inputs.execute }),
    emptyCounts: () => ({}),
    decide(inputs, policy, progress, deps) {
      const region = resolveRegion(inputs.region);
      const subject: TagSubject = { command: inputs.command, execute: inputs.execute, region };
      progress.subject = subject;
      const clients = (options.clients ?? defaultClients)(region);
      return STEPS[inputs.command](subject, deps, policy, clients, progress);
    },
    render: ({ verdict, details, reportDir }) =>
      details?.command === 'publish'
        ? renderPublish(verdict, details, reportDir)
        : renderTagRun(verdict, details, reportDir),
    describe: ({ verdict, details }, reportDir) =>
      details.command === 'publish'
        ? describePublish(details, verdict.policy.origin)
        : describeTagRun({ verdict, details }, reportDir),
    outputValues: ({ verdict, reportDir }) => ({
      verdict: verdict.verdict,
      coverage: verdict.counts.coverage ?? '',
      resources: verdict.counts.resources ?? '',
      changes: verdict.counts.changes ?? '',
      'report-dir': reportDir,
    }),
  };
}

/**
 * Runs one tag command on parsed inputs through the shared runner: failures (a policy without
 * tags.required included) become an `error` verdict (exit 2) with reports, never an exception.
 */
export function tagsCommand(inputs: TagInputs, deps: TagDeps): Promise<TagRun> {
  return runCommand(tagPolicyCommand(deps), { inputs }, deps);
}
