import {
  CreateGroupCommand,
  GetGroupQueryCommand,
  ListGroupsCommand,
  ResourceGroupsClient,
  UpdateGroupQueryCommand,
} from '@aws-sdk/client-resource-groups';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsError } from '../../actions/src/core/errors';
import type { TagPolicy } from '../../actions/src/core/tag-policy';
import {
  groupName,
  groupQuery,
  isGroupChange,
  syncGroups,
  type GroupSync,
} from '../../actions/src/sinks/resource-groups';
import { motoEndpoint } from '../fixtures/moto-estate';

// moto's Resource Groups: real NotFoundException, name and query validation, group tags.
const REGION = 'eu-west-3';
let calls: string[] = [];
let created: unknown[] = [];
let lines: string[] = [];

function client(): ResourceGroupsClient {
  const resourceGroups = new ResourceGroupsClient({
    region: REGION,
    endpoint: motoEndpoint(),
    maxAttempts: 1,
  });
  resourceGroups.middlewareStack.add(
    (next, context) => (args) => {
      calls.push(String(context.commandName).replace(/Command$/, ''));
      if (context.commandName === 'CreateGroupCommand') created.push(args.input);
      return next(args);
    },
    { step: 'initialize', name: 'assetguardCountCommands' },
  );
  return resourceGroups;
}

const writes = (): string[] =>
  calls.filter((name) => !name.startsWith('Get') && !name.startsWith('List'));
const log = (line: string): void => {
  lines.push(line);
};
const summary = (results: GroupSync[]): string[] =>
  results.map((result) => `${result.name} ${result.action}`);

async function groupNames(resourceGroups: ResourceGroupsClient, prefix: string): Promise<string[]> {
  const { GroupIdentifiers } = await resourceGroups.send(new ListGroupsCommand({}));
  return (GroupIdentifiers ?? [])
    .map((group) => group.GroupName ?? '')
    .filter((name) => name.startsWith(prefix))
    .sort();
}

beforeEach(() => {
  calls = [];
  created = [];
  lines = [];
});

describe('groupName and groupQuery', () => {
  it('lowercases and keeps only [a-z0-9_.-]', () => {
    expect(groupName('assetguard', 'Owner', 'Team Payments/EU')).toBe(
      'assetguard-owner-team-payments-eu',
    );
    expect(groupName('AG', 'data:classification', 'C3_secret.v2')).toBe(
      'ag-data-classification-c3_secret.v2',
    );
  });

  it('keeps names out of the reserved aws prefix and within 128 characters', () => {
    expect(groupName('aws', 'Owner', 'web')).toBe('ag-aws-owner-web');
    expect(groupName('assetguard', 'Owner', 'x'.repeat(300))).toHaveLength(128);
  });

  it('is the documented TAG_FILTERS_1_0 query for one key and value', () => {
    expect(JSON.parse(groupQuery('Environment', 'prod'))).toEqual({
      ResourceTypeFilters: ['AWS::AllSupported'],
      TagFilters: [{ Key: 'Environment', Values: ['prod'] }],
    });
  });
});

describe('syncGroups against moto', () => {
  const groups: TagPolicy['groups'] = [
    { by: 'Environment', values: ['prod', 'dev'], prefix: 'sync' },
    { by: 'Owner', prefix: 'sync' },
  ];
  const seen = { Owner: ['payments', 'Web Team'], Environment: ['staging'] };

  it('plans without writing, creates on execute, and writes nothing the second time', async () => {
    const resourceGroups = client();
    const planned = await syncGroups(resourceGroups, groups, seen, { execute: false, log });
    // A dry run never says "created" for a group it did not create.
    expect(summary(planned)).toEqual([
      'sync-environment-dev would create',
      'sync-environment-prod would create',
      'sync-owner-payments would create',
      'sync-owner-web-team would create',
    ]);
    expect(planned.every((result) => !result.executed)).toBe(true);
    expect(writes()).toEqual([]);
    expect(lines[0]).toBe('resource group sync-environment-dev: would create (Environment=dev)');
    expect(await groupNames(resourceGroups, 'sync-')).toEqual([]);

    const done = await syncGroups(resourceGroups, groups, seen, { execute: true, log });
    expect(summary(done)).toEqual(
      summary(planned).map((line) => line.replace('would create', 'created')),
    );
    expect(lines.at(-1)).toBe('resource group sync-owner-web-team: created (Owner=Web Team)');
    expect(writes()).toEqual(['CreateGroup', 'CreateGroup', 'CreateGroup', 'CreateGroup']);
    expect(await groupNames(resourceGroups, 'sync-')).toEqual([
      'sync-environment-dev',
      'sync-environment-prod',
      'sync-owner-payments',
      'sync-owner-web-team',
    ]);
    const { GroupQuery } = await resourceGroups.send(
      new GetGroupQueryCommand({ Group: 'sync-owner-web-team' }),
    );
    expect(GroupQuery?.ResourceQuery?.Type).toBe('TAG_FILTERS_1_0');
    expect(JSON.parse(GroupQuery?.ResourceQuery?.Query ?? '')).toEqual({
      ResourceTypeFilters: ['AWS::AllSupported'],
      TagFilters: [{ Key: 'Owner', Values: ['Web Team'] }],
    });
    // moto 5.2.1 routes GetTags only for ARNs without an encoded slash: check what was sent.
    expect(created[3]).toEqual({
      Name: 'sync-owner-web-team',
      Description: 'Resources tagged Owner Web Team - managed by assetguard',
      ResourceQuery: { Type: 'TAG_FILTERS_1_0', Query: groupQuery('Owner', 'Web Team') },
      Tags: { 'assetguard:managed': 'true' },
    });

    calls = [];
    const again = await syncGroups(resourceGroups, groups, seen, { execute: true, log });
    expect(again.map((result) => result.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(writes()).toEqual([]);
    expect(calls).toEqual(['GetGroupQuery', 'GetGroupQuery', 'GetGroupQuery', 'GetGroupQuery']);
  });

  it('updates a query only when the value it selects has changed', async () => {
    const resourceGroups = client();
    const owner: TagPolicy['groups'] = [{ by: 'Owner', prefix: 'upd' }];
    await syncGroups(resourceGroups, owner, { Owner: ['Payments', 'web'] }, { execute: true, log });

    calls = [];
    const planned = await syncGroups(
      resourceGroups,
      owner,
      { Owner: ['payments', 'web'] },
      { execute: false, log },
    );
    expect(summary(planned)).toEqual([
      'upd-owner-payments would update',
      'upd-owner-web unchanged',
    ]);
    expect(writes()).toEqual([]);

    calls = [];
    // Same group name once lowercased, but the tag value it must match is now `payments`.
    const changed = await syncGroups(
      resourceGroups,
      owner,
      { Owner: ['payments', 'web'] },
      { execute: true, log },
    );
    expect(summary(changed)).toEqual(['upd-owner-payments updated', 'upd-owner-web unchanged']);
    expect(writes()).toEqual(['UpdateGroupQuery']);
    const { GroupQuery } = await resourceGroups.send(
      new GetGroupQueryCommand({ Group: 'upd-owner-payments' }),
    );
    expect(GroupQuery?.ResourceQuery?.Query).toBe(groupQuery('Owner', 'payments'));
  });

  it('treats a query with other key order or spacing as unchanged', async () => {
    const resourceGroups = client();
    await resourceGroups.send(
      new CreateGroupCommand({
        Name: 'order-environment-prod',
        ResourceQuery: {
          Type: 'TAG_FILTERS_1_0',
          Query:
            '{ "TagFilters": [ { "Values": ["prod"], "Key": "Environment" } ], "ResourceTypeFilters": ["AWS::AllSupported"] }',
        },
      }),
    );
    calls = [];
    const result = await syncGroups(
      resourceGroups,
      [{ by: 'Environment', values: ['prod'], prefix: 'order' }],
      {},
      { execute: true, log },
    );
    expect(summary(result)).toEqual(['order-environment-prod unchanged']);
    expect(writes()).toEqual([]);
  });

  it('skips a value whose group name collides with another value, and says which', async () => {
    const result = await syncGroups(
      client(),
      [{ by: 'Team', values: ['data eng', 'data-eng'], prefix: 'clash' }],
      {},
      { execute: false, log },
    );
    expect(result.map(({ value, action }) => `${value}: ${action}`)).toEqual([
      'data eng: would create',
      'data-eng: skipped',
    ]);
    // A skipped group is no change: it is not counted as one.
    expect(result.filter((entry) => isGroupChange(entry.action))).toHaveLength(1);
    expect(result[1]?.reason).toBe(
      'its name clash-team-data-eng is already used for Team=data eng',
    );
  });
});

describe('syncGroups permissions', () => {
  it('names resource-groups:CreateGroup when creation is denied', async () => {
    const resourceGroups = new ResourceGroupsClient({ region: REGION });
    const mock = mockClient(resourceGroups);
    mock
      .on(GetGroupQueryCommand)
      .rejects(Object.assign(new Error('not found'), { name: 'NotFoundException' }));
    mock
      .on(CreateGroupCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const attempt = syncGroups(
      resourceGroups,
      [{ by: 'Owner', values: ['web'], prefix: 'p' }],
      {},
      {
        execute: true,
        log,
      },
    );
    await expect(attempt).rejects.toThrow(AwsError);
    await expect(attempt).rejects.toThrow(
      /^could not create resource group p-owner-web: AccessDeniedException: not authorized — grant resource-groups:CreateGroup/,
    );
    expect(mock.commandCalls(UpdateGroupQueryCommand)).toEqual([]);
  });
});
