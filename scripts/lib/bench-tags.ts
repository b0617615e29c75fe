/**
 * `npm run bench`, tags apply: calls and time for 1,000 resources with a mix of tag sets.
 *
 * Plan (checkResource), batch (batchChanges) and execute (executePlan) against
 * aws-sdk-client-mock, where TagResources writes into an in-memory account, then the same again
 * to show the second run writes nothing. With moto available, the same flow against moto's
 * TagResources over 1,000 CloudWatch Logs log groups (a type moto 5.2.1 tags natively), the
 * second plan coming from tags read back with GetResources.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  paginateGetResources,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
  type TagResourcesCommandInput,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  batchChanges,
  checkResource,
  MAX_ARNS_PER_CALL,
  type TagCheck,
  type TagPolicy,
} from '../../actions/src/core/tag-policy';
import type { Asset } from '../../actions/src/core/model';
import { executePlan, writeCalls, type TagWriterClients } from '../../actions/src/sinks/tag-writer';
import { BENCH_SEED, seededRandom } from './bench-data';
import { integer, ms, section, table } from './bench-report';
import { motoAvailable, startMoto } from './moto';
import { ACCOUNT } from '../../__tests__/fixtures/seed';

const REGION = 'eu-west-3';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

export interface TagApplyRow {
  target: 'aws-sdk-client-mock' | 'moto';
  resources: number;
  /** Resources the first plan changes, and the distinct tag sets among them. */
  toTag: number;
  tagSets: number;
  /** TagResources calls made, and the minimum: the sum over tag sets of ceil(n / 20). */
  tagResourcesCalls: number;
  minimumCalls: number;
  maxArnsPerCall: number;
  failed: number;
  planMs: number;
  executeMs: number;
  /** Write calls of a second plan + execute right after: 0 when apply is idempotent. */
  secondRunWrites: number;
  /** moto only: the skip reason when moto is not installed. */
  skipped?: string;
}

/** Owner and Environment from the name, CostCenter from the Team tag: dozens of tag sets. */
export const BENCH_TAG_POLICY: TagPolicy = {
  required: [
    {
      key: 'Owner',
      allowed: ['payments', 'search', 'web', 'data', 'platform'],
      default: 'platform',
    },
    { key: 'Environment', allowed: ['dev', 'staging', 'prod'] },
    { key: 'CostCenter', pattern: '^cc-\\d{3}$' },
  ],
  derive: [
    { tag: 'Owner', from: 'name', pattern: '^(payments|search|web|data)-' },
    { tag: 'Environment', from: 'name', pattern: '-(dev|staging|prod)-' },
    {
      tag: 'CostCenter',
      from: 'tag',
      sourceTag: 'Team',
      map: { payments: 'cc-101', search: 'cc-102', web: 'cc-103', data: 'cc-104' },
    },
  ],
  resourceTypes: [],
  minCoverage: 0,
  overwrite: false,
  parameter: '/assetguard/tag-policy',
  groups: [],
};

const OWNERS = ['payments', 'search', 'web', 'data', 'misc'];
const ENVIRONMENTS = ['dev', 'staging', 'prod'];

/** Synthetic resources: some already tagged, most missing one or more keys. */
export function syntheticTaggable(
  count: number,
  arnOf: (name: string) => string,
  type: string,
  seed = BENCH_SEED,
): Asset[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  return Array.from({ length: count }, (_, index) => {
    const owner = pick(OWNERS);
    const environment = pick(ENVIRONMENTS);
    const name = `${owner}-${environment}-${index.toString().padStart(4, '0')}`;
    const tags: Record<string, string> = {};
    if (owner !== 'misc') tags.Team = owner;
    if (random() < 0.3) tags.Owner = owner === 'misc' ? 'platform' : owner;
    if (random() < 0.2) tags.Environment = environment;
    return { arn: arnOf(name), type, name, tags };
  });
}

function minimumCalls(checks: readonly TagCheck[]): { sets: number; calls: number } {
  const sizes = new Map<string, number>();
  for (const check of checks) {
    if (Object.keys(check.set).length === 0) continue;
    const key = JSON.stringify(Object.entries(check.set).sort(([a], [b]) => a.localeCompare(b)));
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  let calls = 0;
  for (const size of sizes.values()) calls += Math.ceil(size / MAX_ARNS_PER_CALL);
  return { sets: sizes.size, calls };
}

async function applyTwice(
  target: TagApplyRow['target'],
  clients: TagWriterClients,
  facts: Asset[],
  readBack: () => Promise<Map<string, Record<string, string>>>,
  tagCalls: () => TagResourcesCommandInput[],
): Promise<TagApplyRow> {
  const quiet = { log: (): void => undefined, sleep: (): Promise<void> => Promise.resolve() };
  const planStarted = performance.now();
  const checks = facts.map((resource) => checkResource(BENCH_TAG_POLICY, resource));
  const batches = batchChanges(checks);
  const planMs = performance.now() - planStarted;
  const minimum = minimumCalls(checks);

  const executeStarted = performance.now();
  const first = await executePlan(clients, batches, quiet);
  const executeMs = performance.now() - executeStarted;
  const sent = [...tagCalls()];

  const now = await readBack();
  const again = facts.map((resource) =>
    checkResource(BENCH_TAG_POLICY, { ...resource, tags: now.get(resource.arn) ?? {} }),
  );
  const second = await executePlan(clients, batchChanges(again), quiet);
  return {
    target,
    resources: facts.length,
    toTag: checks.filter((check) => Object.keys(check.set).length > 0).length,
    tagSets: minimum.sets,
    tagResourcesCalls: first.calls.TagResources,
    minimumCalls: minimum.calls,
    maxArnsPerCall: Math.max(0, ...sent.map((call) => call.ResourceARNList?.length ?? 0)),
    failed: first.failed.length,
    planMs,
    executeMs,
    secondRunWrites: writeCalls(second),
  };
}

function clientsFor(endpoint?: string): TagWriterClients {
  const options = {
    region: REGION,
    credentials: CREDENTIALS,
    maxAttempts: 1,
    ...(endpoint !== undefined && { endpoint }),
  };
  const ec2 = new EC2Client(options);
  return {
    tagging: new ResourceGroupsTaggingAPIClient(options),
    ec2: () => Promise.resolve(ec2),
    s3: new S3Client({ ...options, forcePathStyle: true }),
  };
}

async function againstMock(count: number): Promise<TagApplyRow> {
  const clients = clientsFor();
  const facts = syntheticTaggable(
    count,
    (name) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`,
    'AWS::SNS::Topic',
  );
  const account = new Map(facts.map((resource) => [resource.arn, { ...resource.tags }]));
  const mock = mockClient(clients.tagging);
  mock.on(TagResourcesCommand).callsFake((input: TagResourcesCommandInput) => {
    for (const arn of input.ResourceARNList ?? [])
      account.set(arn, { ...account.get(arn), ...input.Tags });
    return { FailedResourcesMap: {} };
  });
  try {
    return await applyTwice(
      'aws-sdk-client-mock',
      clients,
      facts,
      () => Promise.resolve(account),
      () => mock.commandCalls(TagResourcesCommand).map((call) => call.args[0].input),
    );
  } finally {
    mock.restore();
  }
}

/** moto has no CloudWatch Logs client here: CreateLogGroup over its JSON protocol. */
async function createLogGroup(endpoint: string, name: string): Promise<void> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Logs_20140328.CreateLogGroup',
      authorization: `AWS4-HMAC-SHA256 Credential=bench/20260101/${REGION}/logs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ logGroupName: name }),
  });
  // A rerun against the same moto finds the groups there already; their tags are re-read below.
  if (!response.ok && response.status !== 400)
    throw new Error(`moto CreateLogGroup: HTTP ${response.status}`);
}

async function againstMoto(count: number, endpoint: string): Promise<TagApplyRow> {
  const clients = clientsFor(endpoint);
  const prefix = '/assetguard-bench/';
  const arnOf = (name: string): string =>
    `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${prefix}${name}`;
  const facts = syntheticTaggable(count, arnOf, 'AWS::Logs::LogGroup');
  // Eight requests in flight: moto answers one at a time, but the client side overlaps.
  const names = facts.map((resource) => `${prefix}${resource.name ?? ''}`);
  await Promise.all(
    Array.from({ length: 8 }, async (_, worker) => {
      for (let index = worker; index < names.length; index += 8)
        await createLogGroup(endpoint, names[index] ?? '');
    }),
  );
  // Seed the tags the synthetic resources already carry, in batches like apply's own.
  const seeded = facts.map((resource) => ({
    ...checkResource(BENCH_TAG_POLICY, resource),
    set: resource.tags,
  }));
  for (const batch of batchChanges(seeded)) {
    await clients.tagging.send(
      new TagResourcesCommand({ ResourceARNList: batch.arns, Tags: batch.tags }),
    );
  }
  const sent: TagResourcesCommandInput[] = [];
  clients.tagging.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'TagResourcesCommand')
        sent.push(args.input as TagResourcesCommandInput);
      return next(args);
    },
    { step: 'initialize', name: 'benchCountTagResources' },
  );
  const readBack = async (): Promise<Map<string, Record<string, string>>> => {
    const tags = new Map<string, Record<string, string>>();
    const pages = paginateGetResources(
      { client: clients.tagging },
      { ResourceTypeFilters: ['logs'], ResourcesPerPage: 100 },
    );
    for await (const page of pages) {
      for (const mapping of page.ResourceTagMappingList ?? []) {
        tags.set(
          mapping.ResourceARN ?? '',
          Object.fromEntries(
            (mapping.Tags ?? []).map((tag): [string, string] => [tag.Key ?? '', tag.Value ?? '']),
          ),
        );
      }
    }
    return tags;
  };
  // On a rerun the groups keep last time's tags: plan from what moto holds now.
  const current = await readBack();
  const fresh = facts.map((resource) => ({
    ...resource,
    tags: current.get(resource.arn) ?? resource.tags,
  }));
  return applyTwice('moto', clients, fresh, readBack, () => sent);
}

function skippedMoto(count: number, reason: string): TagApplyRow {
  return {
    target: 'moto',
    resources: count,
    toTag: 0,
    tagSets: 0,
    tagResourcesCalls: 0,
    minimumCalls: 0,
    maxArnsPerCall: 0,
    failed: 0,
    planMs: 0,
    executeMs: 0,
    secondRunWrites: 0,
    skipped: reason,
  };
}

/**
 * Runs the tags apply benchmark and prints its table. Pass the endpoint of a moto server that is
 * already running to reuse it; otherwise one is started (and stopped) when moto is installed.
 */
export async function benchTagApply(
  options: { count?: number; motoCount?: number; motoEndpoint?: string } = {},
): Promise<TagApplyRow[]> {
  const count = options.count ?? 1_000;
  // moto creates a log group in about 5 ms, one at a time: 1,000 would add seconds of setup.
  const motoCount = options.motoCount ?? 200;
  section(
    `3. tags apply over ${integer(count)} resources (plan, batch, execute; then a second run)`,
  );
  const rows = [await againstMock(count)];
  if (options.motoEndpoint !== undefined) {
    rows.push(await againstMoto(motoCount, options.motoEndpoint));
  } else if (motoAvailable()) {
    const moto = await startMoto();
    try {
      rows.push(await againstMoto(motoCount, moto.endpoint));
    } finally {
      await moto.stop();
    }
  } else {
    rows.push(skippedMoto(motoCount, 'moto is not installed'));
  }
  console.log(
    table(
      [
        'target',
        'resources',
        'to tag',
        'tag sets',
        'TagResources calls',
        'minimum',
        'max ARNs/call',
        'failed',
        'plan ms',
        'execute ms',
        '2nd run writes',
      ],
      rows.map((row) =>
        row.skipped !== undefined
          ? [row.target, integer(row.resources), `skipped: ${row.skipped}`]
          : [
              row.target,
              integer(row.resources),
              integer(row.toTag),
              integer(row.tagSets),
              integer(row.tagResourcesCalls),
              integer(row.minimumCalls),
              integer(row.maxArnsPerCall),
              integer(row.failed),
              ms(row.planMs),
              ms(row.executeMs),
              integer(row.secondRunWrites),
            ],
      ),
    ),
  );
  return rows;
}
