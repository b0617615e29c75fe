/**
 * The estate `tags audit`, `apply` and `groups` evaluate: AWS Config's inventory joined with the
 * Tagging API's tags, as `Asset`s. Reads only, no policy decisions. The current tags of a few
 * given ARNs (before a write) come from sources/tagging instead.
 *
 * Every answer is checked: a page without its list (an empty 200 body), an identifier without
 * its type or id, a mapping without its ARN or with malformed tags is an error naming the
 * operation, never "no resources" or "no tags" (a writer that never overwrites would otherwise
 * overwrite). Every resource Config lists is either in `resources` or in `skipped` with why.
 */
import {
  BatchGetResourceConfigCommand,
  paginateListDiscoveredResources,
  type BaseConfigurationItem,
  type ConfigServiceClient,
  type ListDiscoveredResourcesCommandOutput,
  type ResourceIdentifier,
  type ResourceKey,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import {
  paginateGetResources,
  type GetResourcesCommandOutput,
  type ResourceGroupsTaggingAPIClient,
  type ResourceTagMapping,
} from '@aws-sdk/client-resource-groups-tagging-api';
import type { STSClient } from '@aws-sdk/client-sts';
import { readCallerAccount } from './identity';
import {
  arnName,
  arnOfDiscovered,
  arnServiceOfType,
  canonicalArn,
  parseArn,
  resourceTypeOfArn,
} from '../core/arn';
import { UndecidedError, awsFailure, errorMessage, hasAwsCode } from '../core/errors';
import type { Asset } from '../core/model';
import { tagsFromAnswer } from '../core/tag-policy';
import type { Log } from '../core/log';
import { chunks, countCall, type CallCounts } from '../core/collections';
import {
  allOrFirstFailure,
  concurrencyLimit,
  mapConcurrent,
  READ_CONCURRENCY,
  readAllPages,
} from './paging';

export interface InventoryClients {
  config: ConfigServiceClient;
  tagging: ResourceGroupsTaggingAPIClient;
  sts: STSClient;
}

/** A resource AWS Config lists that the inventory could not include, and why. */
export interface SkippedResource {
  /** CloudFormation type, as Config reports it. */
  type: string;
  /** Config's resource id. */
  id: string;
  reason: string;
}

export interface Inventory {
  /** Sorted by ARN; `tags` is `{}` for a resource only Config knows (never tagged). */
  resources: Asset[];
  /** False when AWS Config could not list resources: never-tagged ones are then missing. */
  complete: boolean;
  calls: CallCounts;
  /** One line per kind of gap (Config not recording; resources skipped, by type and reason). */
  warnings: string[];
  /**
   * Resources Config lists that are not in `resources`: no ARN could be built from Config's id
   * and Config's own configuration item gave none. Each one is also counted in `warnings`.
   */
  skipped: SkippedResource[];
}

/** BatchGetResourceConfig takes at most 100 resource keys. */
export const MAX_KEYS_PER_LOOKUP = 100;
/** Extra BatchGetResourceConfig rounds for keys Config leaves unprocessed. */
const LOOKUP_ROUNDS = 3;
/** Pages after which a listing that still hands out tokens is refused (10,000 pages: 1M resources). */
export const INVENTORY_PAGE_CAP = 10_000;

/** Up to five items and a count, for warnings about many resources. */
function someOf(items: readonly string[]): string {
  const shown = items.slice(0, 5).join(', ');
  return items.length > 5 ? `${shown}, … (${items.length} in all)` : shown;
}

/** The identifiers Config has discovered of each type, every page; deleted ones left out. */
async function listDiscovered(
  config: ConfigServiceClient,
  resourceTypes: readonly string[],
  calls: CallCounts,
  log: Log,
): Promise<{ type: string; id: string; name?: string }[]> {
  // One listing per type, READ_CONCURRENCY types at a time; concatenated in type order.
  const perType = await mapConcurrent(resourceTypes, READ_CONCURRENCY, async (resourceType) => {
    const found: { type: string; id: string; name?: string }[] = [];
    const operation = 'config:ListDiscoveredResources';
    try {
      await readAllPages<ListDiscoveredResourcesCommandOutput, ResourceIdentifier>(
        paginateListDiscoveredResources(
          { client: config, pageSize: 100 },
          { resourceType: resourceType as ResourceType, limit: 100 },
        ),
        {
          operation,
          items: (page) => page.resourceIdentifiers,
          nextToken: (page) => page.nextToken,
          pageCap: INVENTORY_PAGE_CAP,
          log,
          progress: (pages, kept) =>
            `inventory: AWS Config has listed ${kept} ${resourceType} resource(s) in ${pages} page(s)`,
          endless: (pages, kept) =>
            `AWS Config still handed out a next page of ${resourceType} after ${pages} pages (${kept} resources)`,
          onPage: () => {
            countCall(calls, 'ListDiscoveredResources');
          },
        },
        (identifier) => {
          const { resourceType: type, resourceId: id } = identifier;
          if (typeof type !== 'string' || typeof id !== 'string' || id === '') {
            throw new UndecidedError(
              `${operation} answered a resource of ${resourceType} without its type or id; refusing to guess what it lists`,
            );
          }
          if (identifier.resourceDeletionTime) return false;
          found.push({
            type,
            id,
            ...(identifier.resourceName !== undefined && { name: identifier.resourceName }),
          });
          return true;
        },
      );
    } catch (error) {
      throw awsFailure(
        `list the ${resourceType} resources AWS Config has discovered`,
        operation,
        error,
      );
    }
    return found;
  });
  return perType.flat();
}

/**
 * The ARNs Config's own configuration items give for resources whose ARN cannot be built from
 * their id (BatchGetResourceConfig, ≤100 keys per call, one type per call so a type Config
 * refuses costs only its own resources; unprocessed keys asked again up to 3 times). Never
 * throws: a key without an ARN ends in `skipped` with the reason (the call's error naming
 * config:BatchGetResourceConfig, or what Config answered).
 */
async function lookUpArns(
  config: ConfigServiceClient,
  resources: readonly { type: string; id: string }[],
  calls: CallCounts,
): Promise<{ arns: Map<string, string>; deleted: Set<string>; skipped: SkippedResource[] }> {
  const keyOf = (type: string | undefined, id: string | undefined): string =>
    `${type ?? ''}|${id ?? ''}`;
  const arns = new Map<string, string>();
  const deleted = new Set<string>();
  const skipped: SkippedResource[] = [];
  const byType = new Map<string, string[]>();
  for (const { type, id } of resources) {
    const ids = byType.get(type) ?? [];
    ids.push(id);
    byType.set(type, ids);
  }
  for (const [type, ids] of byType) {
    for (const batch of chunks(ids, MAX_KEYS_PER_LOOKUP)) {
      let pending: ResourceKey[] = batch.map((resourceId) => ({
        resourceType: type as ResourceType,
        resourceId,
      }));
      const answered = new Map<string, BaseConfigurationItem>();
      let failure: string | undefined;
      for (let round = 0; round <= LOOKUP_ROUNDS && pending.length > 0; round += 1) {
        countCall(calls, 'BatchGetResourceConfig');
        try {
          const response = await config.send(
            new BatchGetResourceConfigCommand({ resourceKeys: pending }),
          );
          const items: unknown = response.baseConfigurationItems;
          if (!Array.isArray(items)) {
            throw new UndecidedError(
              'config:BatchGetResourceConfig answered without baseConfigurationItems (an empty or malformed body)',
            );
          }
          for (const item of items as BaseConfigurationItem[]) {
            answered.set(keyOf(item.resourceType, item.resourceId), item);
          }
          pending = response.unprocessedResourceKeys ?? [];
        } catch (error) {
          failure = awsFailure(
            `look up the ARNs of ${pending.length} ${type} resource(s) in AWS Config`,
            'config:BatchGetResourceConfig',
            error,
          ).message;
          break;
        }
      }
      for (const id of batch) {
        const item = answered.get(keyOf(type, id));
        const status = item?.configurationItemStatus;
        if (status === 'ResourceDeleted' || status === 'ResourceDeletedNotRecorded') {
          deleted.add(keyOf(type, id));
        } else if (item?.arn) {
          arns.set(keyOf(type, id), canonicalArn(item.arn));
        } else {
          skipped.push({
            type,
            id,
            reason:
              failure ??
              (item
                ? 'AWS Config has no ARN for it'
                : pending.some((key) => key.resourceId === id)
                  ? `AWS Config left its lookup unprocessed ${LOOKUP_ROUNDS + 1} times`
                  : "AWS Config's BatchGetResourceConfig does not know it"),
          });
        }
      }
    }
  }
  return { arns, deleted, skipped };
}

/**
 * Lists Config's discovered resources of the given types (never-tagged ones included) as
 * Assets without tags. ARNs are built from the ids where the type allows (core/arn, no extra
 * call), else looked up in Config's configuration items (`lookUpArns`); what neither gives is
 * returned in `skipped`.
 */
async function discoverWithConfig(
  config: ConfigServiceClient,
  resourceTypes: readonly string[],
  where: { region: string; accountId: string },
  calls: CallCounts,
  log: Log,
): Promise<{ assets: Asset[]; skipped: SkippedResource[] }> {
  const identifiers = await listDiscovered(config, resourceTypes, calls, log);
  const asset = (type: string, arn: string, name: string | undefined): Asset => ({
    arn,
    type,
    tags: {},
    name: name ?? arnName(arn),
    accountId: where.accountId,
    region: where.region,
  });
  const assets: Asset[] = [];
  const unbuilt: { type: string; id: string; name?: string }[] = [];
  for (const identifier of identifiers) {
    const { type, id, name } = identifier;
    const arn = arnOfDiscovered(type, id, name, where.region, where.accountId);
    if (arn === undefined) unbuilt.push(identifier);
    else assets.push(asset(type, arn, name));
  }
  if (unbuilt.length === 0) return { assets, skipped: [] };
  const lookup = await lookUpArns(config, unbuilt, calls);
  for (const { type, id, name } of unbuilt) {
    const arn = lookup.arns.get(`${type}|${id}`);
    if (arn !== undefined) assets.push(asset(type, arn, name));
  }
  return { assets, skipped: lookup.skipped };
}

/** Why a listing in parts was given up for the one whole listing (logged, never an error). */
class WholeListingNeeded extends Error {}

/**
 * Reads GetResources `pages` into `into` (by canonical ARN), counting each call. `where` names
 * the listing in progress lines; `expect`, when given, is the only ARN service the listing may
 * return (its ResourceTypeFilters): another one means the server ignored the filter; `stop`
 * ends the listing after the page in hand (another part failed).
 */
async function readTaggedPages(
  pages: AsyncIterable<GetResourcesCommandOutput> | Iterable<GetResourcesCommandOutput>,
  into: Map<string, Record<string, string>>,
  calls: CallCounts,
  log: Log,
  where: { name: string; expect?: string; stop?: AbortSignal },
): Promise<void> {
  const operation = 'tag:GetResources';
  await readAllPages<GetResourcesCommandOutput, ResourceTagMapping>(
    pages,
    {
      operation,
      items: (page) => page.ResourceTagMappingList,
      nextToken: (page) => page.PaginationToken || undefined,
      pageCap: INVENTORY_PAGE_CAP,
      log,
      progress: (pages, kept) =>
        `inventory: the Tagging API has listed ${kept} tagged resource(s)${where.name} in ${pages} page(s)`,
      endless: (pages, kept) =>
        `the Tagging API still handed out a next page${where.name} after ${pages} pages (${kept} resources)`,
      onPage: () => {
        countCall(calls, 'GetResources');
        // Another part failed: this one's pages are no longer needed.
        where.stop?.throwIfAborted();
      },
    },
    (mapping) => {
      if (typeof mapping.ResourceARN !== 'string' || mapping.ResourceARN === '') {
        throw new UndecidedError(
          `${operation} answered a mapping without its ResourceARN; refusing to guess whose tags they are`,
        );
      }
      const arn = canonicalArn(mapping.ResourceARN);
      if (where.expect !== undefined && parseArn(arn)?.service !== where.expect) {
        throw new WholeListingNeeded(
          `the listing filtered to ${where.expect} answered ${arn}: the filter was not applied`,
        );
      }
      into.set(arn, tagsFromAnswer(mapping.Tags, `${operation} of ${arn}`, 'Tags'));
      return true;
    },
  );
}

/** The pages of `first` (already read), then the rest of `pages`. */
async function* continued<P>(first: P, pages: AsyncIterator<P>): AsyncGenerator<P> {
  yield first;
  for (let next = await pages.next(); next.done !== true; next = await pages.next()) {
    yield next.value;
  }
}

/**
 * The Tagging API's ResourceTypeFilters for `resourceTypes`: each type's ARN service, once
 * (core/arn `arnServiceOfType`), or undefined when a type's service is unknown (the whole
 * listing is then the only complete one).
 */
function serviceFilters(resourceTypes: readonly string[]): string[] | undefined {
  const services = new Set<string>();
  for (const type of resourceTypes) {
    const service = arnServiceOfType(type);
    if (service === undefined) return undefined;
    services.add(service);
  }
  return [...services].sort();
}

/**
 * Every tagged resource the Tagging API knows of `resourceTypes`' services, 100 per page, all
 * pages, by canonical ARN (resources of other types of those services included; the caller
 * keeps its types).
 *
 * GetResources pages one after another (each page's token comes from the one before), so a
 * large estate's listing is split: the first page is read as a probe, and when more follow, each
 * service is listed with its own ResourceTypeFilters (a service name, "ec2", returns all of that
 * service's resources), READ_CONCURRENCY services at once, each to its end. The parts are
 * checked before they are used: a part answering another service's resource (a filter the server
 * ignored), an InvalidParameterException for a filter, or a probe resource of those services that
 * no part returned, makes the listing start again as one whole listing (logged), so a split
 * listing is never less complete than the whole one. With one page, or a type whose service is
 * unknown, the probe's listing is simply continued.
 */
async function listTagged(
  tagging: ResourceGroupsTaggingAPIClient,
  resourceTypes: readonly string[],
  calls: CallCounts,
  log: Log,
): Promise<Map<string, Record<string, string>>> {
  const whole = (): AsyncIterable<GetResourcesCommandOutput> =>
    paginateGetResources({ client: tagging }, { ResourcesPerPage: 100 });
  const tagged = new Map<string, Record<string, string>>();
  try {
    const pages = whole()[Symbol.asyncIterator]();
    const first = await pages.next();
    if (first.done === true) return tagged;
    const services = first.value.PaginationToken ? serviceFilters(resourceTypes) : undefined;
    if (services === undefined) {
      await readTaggedPages(continued(first.value, pages), tagged, calls, log, { name: '' });
      return tagged;
    }
    const probe = new Map<string, Record<string, string>>();
    await readTaggedPages([first.value], probe, calls, log, { name: '' });
    log(
      `inventory: more than one page of tagged resources; listing ${services.length} service(s) side by side (${services.join(', ')})`,
    );
    try {
      const gate = concurrencyLimit(READ_CONCURRENCY);
      const parts = await allOrFirstFailure(services, gate, async (service, _, stop) => {
        const part = new Map<string, Record<string, string>>();
        const filtered = paginateGetResources(
          { client: tagging },
          { ResourcesPerPage: 100, ResourceTypeFilters: [service] },
        );
        await readTaggedPages(filtered, part, calls, log, {
          name: ` of ${service}`,
          expect: service,
          stop,
        });
        return part;
      });
      for (const part of parts) for (const [arn, tags] of part) tagged.set(arn, tags);
      const missing = [...probe.keys()].find(
        (arn) => services.includes(parseArn(arn)?.service ?? '') && !tagged.has(arn),
      );
      if (missing !== undefined) {
        throw new WholeListingNeeded(
          `${missing} was on the first page but in none of the per-service listings`,
        );
      }
      return tagged;
    } catch (error) {
      const why =
        error instanceof WholeListingNeeded
          ? error.message
          : hasAwsCode(error, 'InvalidParameterException')
            ? `a service filter was refused (${errorMessage(error)})`
            : undefined;
      if (why === undefined) throw error;
      log(`inventory: ${why}; listing every tagged resource in one listing instead`);
      tagged.clear();
      await readTaggedPages(whole(), tagged, calls, log, { name: '' });
      return tagged;
    }
  } catch (error) {
    throw awsFailure('list tagged resources', 'tag:GetResources', error);
  }
}

/** One warning per type and reason: how many resources of the type were skipped, and which. */
function skippedWarnings(skipped: readonly SkippedResource[]): string[] {
  const groups = new Map<string, { type: string; reason: string; ids: string[] }>();
  for (const { type, id, reason } of skipped) {
    const key = `${type}\n${reason}`;
    const group = groups.get(key) ?? { type, reason, ids: [] };
    group.ids.push(id);
    groups.set(key, group);
  }
  return [...groups.values()].map(
    ({ type, reason, ids }) =>
      `${ids.length} ${type} resource(s) AWS Config lists are not in this inventory (no ARN: ${reason}): ${someOf(ids)}`,
  );
}

/**
 * The estate: AWS Config's discovered resources (so never-tagged ones count) united with the
 * Tagging API's tagged resources, joined by ARN, limited to `resourceTypes` (CloudFormation
 * types), sorted by ARN. GetResources never lists a resource that was never tagged, hence Config.
 *
 * Config's ListDiscoveredResources answers ids, so ARNs are built from them where the type
 * allows (core/arn: EC2, S3, RDS, Lambda, ECR, DynamoDB, SQS, KMS, EFS, log groups, …), and
 * looked up with BatchGetResourceConfig (≤100 keys per call) for every other type; a resource
 * neither gives an ARN for is listed in `skipped` and in a warning naming its type, count and
 * ids, never dropped without a word.
 *
 * Calls: sts:GetCallerIdentity once (none when `options.accountId` is given); config:ListDiscoveredResources per type, 100 per page;
 * config:BatchGetResourceConfig only for types without an ARN builder; tag:GetResources 100 per
 * page (past the first page, one listing per service of `resourceTypes`, READ_CONCURRENCY at
 * once, checked against the first page: `listTagged`). Config's listing (READ_CONCURRENCY types at a time) runs alongside the Tagging API's, so
 * the wall time is about that of the longer of the two, not their sum. When Config is not recording in the region (NoAvailableConfigurationRecorderException)
 * the result is `complete: false` with a warning, and holds the tagged resources only.
 * @throws AwsError naming sts:GetCallerIdentity, config:ListDiscoveredResources or
 *   tag:GetResources for any other failure; UndecidedError for an answer that is empty or
 *   malformed (no list, no account id, an identifier without id, a mapping without ARN).
 * For the current tags of a few given ARNs, see sources/tagging `readTags`.
 */
export async function collectInventory(
  clients: InventoryClients,
  resourceTypes: readonly string[],
  options: { log: Log; region: string; accountId?: string },
): Promise<Inventory> {
  const calls: CallCounts = {};
  const warnings: string[] = [];
  let discovered: Asset[] = [];
  let skipped: SkippedResource[] = [];
  let complete = true;
  // Needs no permission: every identity may ask who it is. Read once per run by a caller that
  // needs it too (the report), which passes it in.
  const accountId = options.accountId ?? (await readCallerAccount(clients.sts, calls));
  // Config's listing and the Tagging API's are independent: read at once, joined after.
  const discovery = (async () => {
    try {
      ({ assets: discovered, skipped } = await discoverWithConfig(
        clients.config,
        resourceTypes,
        { region: options.region, accountId },
        calls,
        options.log,
      ));
    } catch (error) {
      if (
        !hasAwsCode(
          (error as { cause?: unknown }).cause,
          'NoAvailableConfigurationRecorderException',
        )
      )
        throw error;
      complete = false;
      warnings.push(
        'AWS Config is not recording in this region: resources that were never tagged are not in this audit',
      );
    }
  })();
  const [, tagged] = await Promise.all([
    discovery,
    listTagged(clients.tagging, resourceTypes, calls, options.log),
  ]);
  warnings.push(...skippedWarnings(skipped));
  const byArn = new Map<string, Asset>();
  for (const facts of discovered) byArn.set(facts.arn, facts);
  let otherTypes = 0;
  for (const [arn, tags] of tagged) {
    const known = byArn.get(arn);
    if (known) {
      known.tags = tags;
      continue;
    }
    const type = resourceTypeOfArn(arn);
    if (type === undefined || !resourceTypes.includes(type)) {
      otherTypes += 1;
      continue;
    }
    const parsed = parseArn(arn);
    byArn.set(arn, {
      arn,
      type,
      tags,
      name: tags.Name ?? arnName(arn),
      ...(parsed?.accountId && { accountId: parsed.accountId }),
      ...(parsed?.region && { region: parsed.region }),
    });
  }
  const resources = [...byArn.values()].sort((a, b) => a.arn.localeCompare(b.arn));
  const neverTagged = discovered.filter((facts) => !tagged.has(facts.arn)).length;
  options.log(
    `inventory: ${resources.length} resource(s) of ${resourceTypes.length} type(s); ${neverTagged} never tagged (from AWS Config)` +
      (otherTypes > 0 ? `; ${otherTypes} tagged resource(s) of other types ignored` : '') +
      (skipped.length > 0 ? `; ${skipped.length} listed by AWS Config but skipped (no ARN)` : ''),
  );
  for (const warning of skippedWarnings(skipped)) options.log(`warning: ${warning}`);
  return { resources, complete, calls, warnings, skipped };
}
