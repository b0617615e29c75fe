/**
 * `tags groups`: one AWS Resource Group per value of each key the policy groups by (classification
 * level, owner, environment…), each a tag query, so the console and APIs list "everything owned
 * by payments" without a hand-kept inventory. Idempotent: a group whose query is already right is
 * left alone.
 */
import {
  CreateGroupCommand,
  GetGroupQueryCommand,
  UpdateGroupQueryCommand,
  type ResourceGroupsClient,
} from '@aws-sdk/client-resource-groups';
import { awsFailure, hasAwsCode } from '../core/errors';
import type { TagPolicy } from '../core/tag-policy';
import type { Log } from '../core/log';

export const QUERY_TYPE = 'TAG_FILTERS_1_0';
export const MANAGED_TAG = { key: 'assetguard:managed', value: 'true' } as const;
/** The smaller of the documented limit and moto's (128); longer names are cut. */
const MAX_NAME_LENGTH = 128;

/** What a run did to a group, or on a dry run would do: never "created" for a group not created. */
export type GroupAction =
  'created' | 'updated' | 'would create' | 'would update' | 'unchanged' | 'skipped';

/** Whether an action changes (or, on a dry run, would change) a group. */
export function isGroupChange(action: GroupAction): boolean {
  return action !== 'unchanged' && action !== 'skipped';
}

export interface GroupSync {
  name: string;
  by: string;
  value: string;
  /** What the run did or, without execute, would do. */
  action: GroupAction;
  executed: boolean;
  /** Why a group was skipped (its name collides with another value's). */
  reason?: string;
}

export interface SyncOptions {
  execute: boolean;
  log: Log;
}

/** `${prefix}-${by}-${value}`, lowercased, with anything outside [a-z0-9_.-] replaced by `-`. */
export function groupName(prefix: string, by: string, value: string): string {
  const name = `${prefix}-${by}-${value}`
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .slice(0, MAX_NAME_LENGTH);
  // Names starting with "aws" are reserved.
  return /^aws/.test(name) ? `ag-${name}`.slice(0, MAX_NAME_LENGTH) : name;
}

/** Descriptions allow only [\sa-zA-Z0-9_.-] (up to 1024), so `=` and `:` cannot appear. */
function description(by: string, value: string): string {
  return `Resources tagged ${by} ${value} - managed by assetguard`
    .replace(/[^\sa-zA-Z0-9_.-]+/g, '_')
    .slice(0, 1024);
}

export function groupQuery(by: string, value: string): string {
  return JSON.stringify({
    ResourceTypeFilters: ['AWS::AllSupported'],
    TagFilters: [{ Key: by, Values: [value] }],
  });
}

/** Compares queries as data: key order and whitespace differ between writers. */
function sameQuery(stored: { Type?: string; Query?: string } | undefined, wanted: string): boolean {
  if (stored?.Type !== QUERY_TYPE || stored.Query === undefined) return false;
  try {
    return canonical(JSON.parse(stored.Query)) === canonical(JSON.parse(wanted));
  } catch {
    return false;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a.localeCompare(b),
    );
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonical(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Creates missing groups and corrects queries that differ, for each declared value of each
 * `groups` entry, or, where the policy lists no values, each value the audit saw.
 */
export async function syncGroups(
  resourceGroups: ResourceGroupsClient,
  groups: TagPolicy['groups'],
  valuesSeen: Record<string, string[]>,
  options: SyncOptions,
): Promise<GroupSync[]> {
  const { execute, log } = options;
  const results: GroupSync[] = [];
  const named = new Map<string, string>();
  for (const { by, values, prefix } of groups) {
    for (const value of [...new Set(values ?? valuesSeen[by] ?? [])].sort((a, b) =>
      a.localeCompare(b),
    )) {
      const name = groupName(prefix, by, value);
      const owner = named.get(name);
      if (owner !== undefined) {
        const reason = `its name ${name} is already used for ${owner}`;
        log(`skipped ${by}=${value}: ${reason}`);
        results.push({ name, by, value, action: 'skipped', executed: false, reason });
        continue;
      }
      named.set(name, `${by}=${value}`);
      results.push(await syncGroup(resourceGroups, { name, by, value }, execute, log));
    }
  }
  return results;
}

async function syncGroup(
  client: ResourceGroupsClient,
  group: { name: string; by: string; value: string },
  execute: boolean,
  log: Log,
): Promise<GroupSync> {
  const { name, by, value } = group;
  const query = groupQuery(by, value);
  const ResourceQuery = { Type: QUERY_TYPE, Query: query } as const;
  let stored: { Type?: string; Query?: string } | undefined;
  let exists = true;
  try {
    stored = (await client.send(new GetGroupQueryCommand({ Group: name }))).GroupQuery
      ?.ResourceQuery;
  } catch (error) {
    if (!hasAwsCode(error, 'NotFoundException'))
      throw awsFailure(`read resource group ${name}`, 'resource-groups:GetGroupQuery', error);
    exists = false;
  }
  if (exists && sameQuery(stored, query)) {
    return { name, by, value, action: 'unchanged', executed: execute };
  }
  if (!exists) {
    if (execute) {
      try {
        await client.send(
          new CreateGroupCommand({
            Name: name,
            Description: description(by, value),
            ResourceQuery,
            Tags: { [MANAGED_TAG.key]: MANAGED_TAG.value },
          }),
        );
      } catch (error) {
        throw awsFailure(
          `create resource group ${name}`,
          'resource-groups:CreateGroup and resource-groups:Tag',
          error,
        );
      }
    }
    const action = execute ? 'created' : 'would create';
    log(`resource group ${name}: ${action} (${by}=${value})`);
    return { name, by, value, action, executed: execute };
  }
  if (execute) {
    try {
      await client.send(new UpdateGroupQueryCommand({ Group: name, ResourceQuery }));
    } catch (error) {
      throw awsFailure(
        `update the query of resource group ${name}`,
        'resource-groups:UpdateGroupQuery',
        error,
      );
    }
  }
  const action = execute ? 'updated' : 'would update';
  log(`resource group ${name}: ${action} (query ${by}=${value})`);
  return { name, by, value, action, executed: execute };
}
