import {
  paginateListDiscoveredResources,
  type ConfigServiceClient,
  type ResourceIdentifier,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import {
  GetResourcesCommand,
  paginateGetResources,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { arnName, arnOfDiscovered, parseArn, resourceTypeOfArn } from '../core/arn';
import { awsFailure, hasAwsCode } from '../core/errors';
import { tagsFromPairs, type ResourceFacts } from '../core/tag-policy';
import type { Log } from '../core/log';
import { chunks } from '../core/collections';
import { countCall } from '../core/collections';

export interface InventoryClients {
  config: ConfigServiceClient;
  tagging: ResourceGroupsTaggingAPIClient;
  sts: STSClient;
}

export interface Inventory {
  resources: ResourceFacts[];
  /** False when AWS Config could not list resources: never-tagged ones are then missing. */
  complete: boolean;
  calls: Record<string, number>;
  warnings: string[];
}

/** GetResources' ResourceARNList takes at most 100 ARNs. */
const BATCH = 100;

/**
 * Lists Config's discovered resources of the given types (never-tagged ones included). ARNs are
 * built from the ids (BatchGetResourceConfig would cost another call per 100 resources).
 */
async function discoverWithConfig(
  config: ConfigServiceClient,
  resourceTypes: readonly string[],
  where: { region: string; accountId: string },
  calls: Record<string, number>,
): Promise<ResourceFacts[]> {
  const identifiers: ResourceIdentifier[] = [];
  for (const resourceType of resourceTypes) {
    try {
      const pages = paginateListDiscoveredResources(
        { client: config, pageSize: 100 },
        { resourceType: resourceType as ResourceType, limit: 100 },
      );
      for await (const page of pages) {
        countCall(calls, 'ListDiscoveredResources');
        identifiers.push(...(page.resourceIdentifiers ?? []));
      }
    } catch (error) {
      throw awsFailure(
        `list the ${resourceType} resources AWS Config has discovered`,
        'config:ListDiscoveredResources',
        error,
      );
    }
  }
  const facts: ResourceFacts[] = [];
  for (const identifier of identifiers) {
    if (identifier.resourceDeletionTime) continue;
    const type = identifier.resourceType ?? '';
    const id = identifier.resourceId ?? '';
    const arn = arnOfDiscovered(type, id, identifier.resourceName, where.region, where.accountId);
    if (!arn) continue;
    facts.push({
      arn,
      type,
      tags: {},
      name: identifier.resourceName ?? arnName(arn),
      accountId: where.accountId,
      region: where.region,
    });
  }
  return facts;
}

/** Every tagged resource the Tagging API knows, 100 per page, all pages. */
async function listTagged(
  tagging: ResourceGroupsTaggingAPIClient,
  calls: Record<string, number>,
): Promise<Map<string, Record<string, string>>> {
  const tagged = new Map<string, Record<string, string>>();
  try {
    for await (const page of paginateGetResources({ client: tagging }, { ResourcesPerPage: 100 })) {
      countCall(calls, 'GetResources');
      for (const mapping of page.ResourceTagMappingList ?? []) {
        if (!mapping.ResourceARN) continue;
        tagged.set(mapping.ResourceARN, tagsFromPairs(mapping.Tags));
      }
    }
  } catch (error) {
    throw awsFailure('list tagged resources', 'tag:GetResources', error);
  }
  return tagged;
}

/**
 * The estate: AWS Config's discovered resources (so never-tagged ones count) united with the
 * Tagging API's tagged resources, joined by ARN, limited to the policy's resource types.
 */
export async function collectInventory(
  clients: InventoryClients,
  resourceTypes: readonly string[],
  options: { log: Log; region: string },
): Promise<Inventory> {
  const calls: Record<string, number> = {};
  const warnings: string[] = [];
  let discovered: ResourceFacts[] = [];
  let complete = true;
  let accountId: string | undefined;
  try {
    // Needs no permission: every identity may ask who it is.
    accountId = (await clients.sts.send(new GetCallerIdentityCommand({}))).Account;
    countCall(calls, 'GetCallerIdentity');
  } catch (error) {
    throw awsFailure('identify the AWS account', 'sts:GetCallerIdentity', error);
  }
  try {
    discovered = await discoverWithConfig(
      clients.config,
      resourceTypes,
      { region: options.region, accountId: accountId ?? '' },
      calls,
    );
  } catch (error) {
    if (
      !hasAwsCode((error as { cause?: unknown }).cause, 'NoAvailableConfigurationRecorderException')
    )
      throw error;
    complete = false;
    warnings.push(
      'AWS Config is not recording in this region: resources that were never tagged are not in this audit',
    );
  }
  const tagged = await listTagged(clients.tagging, calls);
  const byArn = new Map<string, ResourceFacts>();
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
      (otherTypes > 0 ? `; ${otherTypes} tagged resource(s) of other types ignored` : ''),
  );
  return { resources, complete, calls, warnings };
}

/** Re-reads the current tags of these ARNs just before writing, so apply never overwrites what it did not see. */
export async function refreshTags(
  tagging: ResourceGroupsTaggingAPIClient,
  arns: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const current = new Map<string, Record<string, string>>();
  for (const batch of chunks(arns, BATCH)) {
    try {
      const response = await tagging.send(new GetResourcesCommand({ ResourceARNList: batch }));
      for (const mapping of response.ResourceTagMappingList ?? []) {
        if (mapping.ResourceARN) {
          current.set(mapping.ResourceARN, tagsFromPairs(mapping.Tags));
        }
      }
    } catch (error) {
      throw awsFailure('re-read tags before writing', 'tag:GetResources', error);
    }
  }
  return current;
}
