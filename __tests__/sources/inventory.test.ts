import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  ListDiscoveredResourcesCommand,
  NoAvailableConfigurationRecorderException,
  type BatchGetResourceConfigCommandInput,
  type ListDiscoveredResourcesCommandInput,
  type ListDiscoveredResourcesCommandOutput,
  type ResourceIdentifier,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  type GetResourcesCommandInput,
  type GetResourcesCommandOutput,
  type ResourceTagMapping,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsError, UndecidedError } from '../../actions/src/core/errors';
import {
  DEFAULT_TAG_PARAMETER,
  checkResource,
  coverage,
  type TagCheck,
  type TagPolicy,
} from '../../actions/src/core/tag-policy';
import { auditVerdict } from '../../actions/src/tag-policy/evaluate';
import { renderAuditCsv } from '../../actions/src/tag-policy/render';
import {
  collectInventory,
  type Inventory,
  type InventoryClients,
} from '../../actions/src/sources/inventory';
import { ACCOUNT } from '../fixtures/seed';

const REGION = 'eu-west-3';
const INSTANCE = 'AWS::EC2::Instance';
const BUCKET = 'AWS::S3::Bucket';
const DB = 'AWS::RDS::DBInstance';
const TYPES = [INSTANCE, BUCKET, DB];

const configMock = mockClient(ConfigServiceClient);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const stsMock = mockClient(STSClient);

const instanceArn = (id: string): string => `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`;
const bucketArn = (name: string): string => `arn:aws:s3:::${name}`;
const dbArn = (name: string): string => `arn:aws:rds:${REGION}:${ACCOUNT}:db:${name}`;
const topicArn = (name: string): string => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;

function clients(): InventoryClients {
  return {
    config: new ConfigServiceClient({ region: REGION }),
    tagging: new ResourceGroupsTaggingAPIClient({ region: REGION }),
    sts: new STSClient({ region: REGION }),
  };
}

function discovered(
  resourceType: string,
  resourceId: string,
  resourceName?: string,
  deleted?: Date,
): ResourceIdentifier {
  return {
    resourceType: resourceType as ResourceType,
    resourceId,
    ...(resourceName !== undefined && { resourceName }),
    ...(deleted !== undefined && { resourceDeletionTime: deleted }),
  };
}

function tagMapping(arn: string, tags: Record<string, string>): ResourceTagMapping {
  return {
    ResourceARN: arn,
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

function denied(permission: string): Error {
  return awsError(
    'AccessDeniedException',
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/ci is not authorized to perform: ${permission}`,
  );
}

/** The inputs each operation was called with, copied when called: paginators reuse one object. */
let listInputs: ListDiscoveredResourcesCommandInput[];
let getInputs: GetResourcesCommandInput[];
let lines: string[];

/**
 * Serves an estate the way the services page it: Config 100 identifiers a page per type (by
 * limit), the Tagging API `pageSize` mappings a page, or just the ARNs asked for.
 */
function serve(estate: {
  config: ResourceIdentifier[];
  tagged: ResourceTagMapping[];
  taggedPageSize?: number;
  /**
   * What the Tagging API does with ResourceTypeFilters (service names): list only that service's
   * resources ('honour', the default), list everything anyway ('ignore'), or refuse the call.
   */
  typeFilters?: 'honour' | 'ignore' | 'refuse';
  /** ARNs a filtered listing leaves out (an index that lags, or a misread filter). */
  missingWhenFiltered?: string[];
}): void {
  stsMock.on(GetCallerIdentityCommand).resolves({
    Account: ACCOUNT,
    Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ci/run-1`,
    UserId: 'AROAEXAMPLE:run-1',
  });
  configMock
    .on(ListDiscoveredResourcesCommand)
    .callsFake((input: ListDiscoveredResourcesCommandInput) => {
      listInputs.push({ ...input });
      const ofType = estate.config.filter((entry) => entry.resourceType === input.resourceType);
      const start = Number(input.nextToken ?? '0');
      const end = start + (input.limit ?? 100);
      const page: Partial<ListDiscoveredResourcesCommandOutput> = {
        resourceIdentifiers: ofType.slice(start, end),
        ...(end < ofType.length && { nextToken: String(end) }),
      };
      return page;
    });
  taggingMock.on(GetResourcesCommand).callsFake((input: GetResourcesCommandInput) => {
    getInputs.push({ ...input });
    if (input.ResourceARNList) {
      const asked = new Set(input.ResourceARNList);
      const found: Partial<GetResourcesCommandOutput> = {
        ResourceTagMappingList: estate.tagged.filter(
          (mapping) => mapping.ResourceARN !== undefined && asked.has(mapping.ResourceARN),
        ),
      };
      return found;
    }
    const filters = input.ResourceTypeFilters;
    let listed = estate.tagged;
    if (filters !== undefined && estate.typeFilters === 'refuse') {
      throw awsError('InvalidParameterException', `Unsupported service=${filters.join(',')}`);
    }
    if (filters !== undefined && estate.typeFilters !== 'ignore') {
      listed = listed.filter(
        ({ ResourceARN = '' }) =>
          filters.includes(ResourceARN.split(':')[2] ?? '') &&
          !(estate.missingWhenFiltered ?? []).includes(ResourceARN),
      );
    }
    const size = estate.taggedPageSize ?? input.ResourcesPerPage ?? 100;
    const start = Number(input.PaginationToken || '0');
    const end = start + size;
    const page: Partial<GetResourcesCommandOutput> = {
      ResourceTagMappingList: listed.slice(start, end),
      PaginationToken: end < listed.length ? String(end) : '',
    };
    return page;
  });
}

const collect = (types: readonly string[] = TYPES): Promise<Inventory> =>
  collectInventory(clients(), types, { log: (line) => lines.push(line), region: REGION });

beforeEach(() => {
  configMock.reset();
  taggingMock.reset();
  stsMock.reset();
  listInputs = [];
  getInputs = [];
  lines = [];
});

const instances = (count: number): ResourceIdentifier[] =>
  Array.from({ length: count }, (_, index) =>
    discovered(INSTANCE, `i-${String(index).padStart(17, '0')}`),
  );

describe('collectInventory', () => {
  it('lists every page of every policy type from Config, 100 at a time', async () => {
    serve({
      config: [...instances(230), discovered(BUCKET, 'logs', 'logs')],
      tagged: [],
    });
    const inventory = await collect();
    // Types are listed concurrently: each type's pages in order, the types interleaved.
    const ofType = (type: string) =>
      listInputs
        .filter((input) => input.resourceType === type)
        .map(({ limit, nextToken }) => ({ limit, ...(nextToken !== undefined && { nextToken }) }));
    expect(ofType(INSTANCE)).toEqual([
      { limit: 100 },
      { limit: 100, nextToken: '100' },
      { limit: 100, nextToken: '200' },
    ]);
    expect(ofType(BUCKET)).toEqual([{ limit: 100 }]);
    expect(ofType(DB)).toEqual([{ limit: 100 }]);
    expect(listInputs).toHaveLength(5);
    expect(inventory.resources).toHaveLength(231);
    expect(inventory.calls).toEqual({
      GetCallerIdentity: 1,
      ListDiscoveredResources: 5,
      GetResources: 1,
    });
    expect(inventory.complete).toBe(true);
    expect(inventory.warnings).toEqual([]);
  });

  it('reads every page of the Tagging API', async () => {
    serve({
      config: [],
      tagged: Array.from({ length: 5 }, (_, index) =>
        tagMapping(instanceArn(`i-${index}`), { Owner: 'web' }),
      ),
      taggedPageSize: 2,
    });
    const inventory = await collect([INSTANCE]);
    // The first page, then ec2's own listing to its end.
    expect(getInputs.map((input) => [input.ResourceTypeFilters, input.PaginationToken])).toEqual([
      [undefined, undefined],
      [['ec2'], undefined],
      [['ec2'], '2'],
      [['ec2'], '4'],
    ]);
    expect(getInputs.every((input) => input.ResourcesPerPage === 100)).toBe(true);
    expect(inventory.resources.map((facts) => facts.arn)).toEqual(
      [0, 1, 2, 3, 4].map((index) => instanceArn(`i-${index}`)),
    );
    expect(inventory.calls.GetResources).toBe(4);
  });

  describe('lists the tagged resources of each service side by side when there is more than a page', () => {
    const tagged = [
      ...[0, 1, 2, 3, 4].map((index) => tagMapping(instanceArn(`i-${index}`), { Team: 'web' })),
      ...['logs', 'data', 'www'].map((name) => tagMapping(bucketArn(name), { Team: 'data' })),
      tagMapping(dbArn('orders'), { Team: 'shop' }),
      tagMapping(topicArn('alerts'), { Team: 'ops' }),
    ];
    const everyTagged = [
      ...[0, 1, 2, 3, 4].map((index) => instanceArn(`i-${index}`)),
      bucketArn('data'),
      bucketArn('logs'),
      bucketArn('www'),
      dbArn('orders'),
    ].sort();

    it('one listing per service of the policy types, each to its end, joined in full', async () => {
      serve({ config: [], tagged, taggedPageSize: 2 });
      const inventory = await collect();
      expect(inventory.resources.map((facts) => facts.arn)).toEqual(everyTagged);
      expect(inventory.resources.find((facts) => facts.arn === dbArn('orders'))?.tags).toEqual({
        Team: 'shop',
      });
      const byFilter = (service: string): (string | undefined)[] =>
        getInputs
          .filter((input) => input.ResourceTypeFilters?.join() === service)
          .map((input) => input.PaginationToken);
      expect(byFilter('ec2')).toEqual([undefined, '2', '4']);
      expect(byFilter('s3')).toEqual([undefined, '2']);
      expect(byFilter('rds')).toEqual([undefined]);
      // sns is no policy type's service: never listed on its own.
      expect(byFilter('sns')).toEqual([]);
      expect(inventory.calls.GetResources).toBe(1 + 3 + 2 + 1);
      expect(lines).toContain(
        'inventory: more than one page of tagged resources; listing 3 service(s) side by side (ec2, rds, s3)',
      );
    });

    it('one page needs no parts: the first call is the whole listing', async () => {
      serve({ config: [], tagged });
      const inventory = await collect();
      expect(inventory.resources.map((facts) => facts.arn)).toEqual(everyTagged);
      expect(getInputs).toHaveLength(1);
      expect(getInputs[0]?.ResourceTypeFilters).toBeUndefined();
    });

    it('a type of unknown service: the first listing goes on to its end, unsplit', async () => {
      serve({ config: [], tagged, taggedPageSize: 4 });
      const inventory = await collect([...TYPES, 'AWS::Example::Widget']);
      expect(inventory.resources.map((facts) => facts.arn)).toEqual(everyTagged);
      expect(getInputs.map((input) => [input.ResourceTypeFilters, input.PaginationToken])).toEqual([
        [undefined, undefined],
        [undefined, '4'],
        [undefined, '8'],
      ]);
    });

    it.each([
      [
        'a server that ignores the filter',
        { typeFilters: 'ignore' as const },
        /the listing filtered to \w+ answered .+: the filter was not applied; listing every tagged resource in one listing instead/,
      ],
      [
        'a filter refused with InvalidParameterException',
        { typeFilters: 'refuse' as const },
        /a service filter was refused \(Unsupported service=\w+\); listing every tagged resource in one listing instead/,
      ],
      [
        'a resource of the first page that no part returned',
        { missingWhenFiltered: [instanceArn('i-1')] },
        /arn:aws:ec2:.+:instance\/i-1 was on the first page but in none of the per-service listings; listing every tagged resource in one listing instead/,
      ],
    ])('%s: starts again as one whole listing, and says why', async (_, behaviour, why) => {
      serve({ config: [], tagged, taggedPageSize: 2, ...behaviour });
      const inventory = await collect();
      expect(inventory.resources.map((facts) => facts.arn)).toEqual(everyTagged);
      expect(lines.some((line) => why.test(line))).toBe(true);
      // The last listing is the whole one, unfiltered, from its first page to its end.
      const whole = getInputs.slice(-5);
      expect(whole.map((input) => [input.ResourceTypeFilters, input.PaginationToken])).toEqual([
        [undefined, undefined],
        [undefined, '2'],
        [undefined, '4'],
        [undefined, '6'],
        [undefined, '8'],
      ]);
    });

    it("any other failure of a part is the listing's failure, naming tag:GetResources", async () => {
      serve({ config: [], tagged, taggedPageSize: 2 });
      taggingMock
        .on(GetResourcesCommand, { ResourceTypeFilters: ['rds'] })
        .rejects(denied('tag:GetResources'));
      await expect(collect()).rejects.toThrow(
        /could not list tagged resources: AccessDeniedException: .+ — grant tag:GetResources/,
      );
    });
  });

  it('joins Config and the Tagging API by ARN: never-tagged resources count, deleted ones do not', async () => {
    serve({
      config: [
        discovered(INSTANCE, 'i-tagged'),
        discovered(INSTANCE, 'i-never'),
        discovered(INSTANCE, 'i-gone', undefined, new Date('2026-02-01T00:00:00Z')),
        discovered(BUCKET, 'logs', 'logs'),
        discovered(DB, 'db-ABCDEFGHIJKLMNOPQRSTUVWXY', 'prod-db'),
      ],
      tagged: [
        tagMapping(instanceArn('i-tagged'), { Name: 'web-1', Owner: 'web' }),
        tagMapping(dbArn('prod-db'), { Owner: 'data' }),
        // Tagged, of a policy type, not (yet) in Config: still counted.
        tagMapping(bucketArn('assets'), { Owner: 'web' }),
        tagMapping(instanceArn('i-new'), { Name: 'api-1' }),
        // Tagged, of types outside the policy's list: ignored.
        tagMapping(topicArn('alerts'), { Owner: 'ops' }),
        tagMapping(`arn:aws:ec2:${REGION}:${ACCOUNT}:image/ami-0abc`, { Owner: 'ops' }),
      ],
    });
    const inventory = await collect();
    expect(inventory.resources).toEqual([
      {
        arn: instanceArn('i-never'),
        type: INSTANCE,
        tags: {},
        name: 'i-never',
        accountId: ACCOUNT,
        region: REGION,
      },
      {
        arn: instanceArn('i-new'),
        type: INSTANCE,
        tags: { Name: 'api-1' },
        name: 'api-1',
        accountId: ACCOUNT,
        region: REGION,
      },
      {
        arn: instanceArn('i-tagged'),
        type: INSTANCE,
        tags: { Name: 'web-1', Owner: 'web' },
        name: 'i-tagged',
        accountId: ACCOUNT,
        region: REGION,
      },
      {
        arn: dbArn('prod-db'),
        type: DB,
        tags: { Owner: 'data' },
        name: 'prod-db',
        accountId: ACCOUNT,
        region: REGION,
      },
      { arn: bucketArn('assets'), type: BUCKET, tags: { Owner: 'web' }, name: 'assets' },
      {
        arn: bucketArn('logs'),
        type: BUCKET,
        tags: {},
        name: 'logs',
        accountId: ACCOUNT,
        region: REGION,
      },
    ]);
    expect(lines).toEqual([
      'inventory: 6 resource(s) of 3 type(s); 2 never tagged (from AWS Config); 2 tagged resource(s) of other types ignored',
    ]);
  });

  it('says nothing about other types when there are none', async () => {
    serve({ config: [discovered(INSTANCE, 'i-1')], tagged: [] });
    await collect();
    expect(lines).toEqual([
      'inventory: 1 resource(s) of 3 type(s); 1 never tagged (from AWS Config)',
    ]);
  });

  it('without a Config recorder: incomplete, with a warning, tagged resources only', async () => {
    serve({ config: [], tagged: [tagMapping(instanceArn('i-1'), { Owner: 'web' })] });
    configMock.on(ListDiscoveredResourcesCommand).rejects(
      new NoAvailableConfigurationRecorderException({
        message: 'There is no configuration recorder available',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const inventory = await collect();
    expect(inventory.complete).toBe(false);
    expect(inventory.warnings).toEqual([
      'AWS Config is not recording in this region: resources that were never tagged are not in this audit',
    ]);
    expect(inventory.resources.map((facts) => facts.arn)).toEqual([instanceArn('i-1')]);
  });

  it.each<[string, () => void, string]>([
    [
      'GetCallerIdentity',
      () => stsMock.on(GetCallerIdentityCommand).rejects(denied('sts:GetCallerIdentity')),
      `could not identify the AWS account: AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ci is not authorized to perform: sts:GetCallerIdentity — grant sts:GetCallerIdentity`,
    ],
    [
      'ListDiscoveredResources',
      () =>
        configMock
          .on(ListDiscoveredResourcesCommand)
          .rejects(denied('config:ListDiscoveredResources')),
      `could not list the ${INSTANCE} resources AWS Config has discovered: AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ci is not authorized to perform: config:ListDiscoveredResources — grant config:ListDiscoveredResources`,
    ],
    [
      'GetResources',
      () => taggingMock.on(GetResourcesCommand).rejects(denied('tag:GetResources')),
      `could not list tagged resources: AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ci is not authorized to perform: tag:GetResources — grant tag:GetResources`,
    ],
  ])('AccessDeniedException on %s names the permission to grant', async (_name, deny, message) => {
    serve({ config: instances(1), tagged: [] });
    deny();
    const error = await collect().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).awsCode).toBe('AccessDeniedException');
    expect((error as AwsError).message).toBe(message);
  });
});

describe('auditVerdict', () => {
  const tagPolicy = (minCoverage: number): TagPolicy => ({
    required: [{ key: 'Owner' }],
    derive: [],
    resourceTypes: TYPES,
    minCoverage,
    overwrite: false,
    parameter: DEFAULT_TAG_PARAMETER,
    groups: [],
  });

  it.each<[string, number, boolean, 'pass' | 'block' | 'error']>([
    ['a minimum with an incomplete inventory cannot be decided', 50, false, 'error'],
    ['even when the coverage seen meets it', 10, false, 'error'],
    ['no minimum with an incomplete inventory passes', 0, false, 'pass'],
    ['coverage below the minimum blocks', 75, true, 'block'],
    ['coverage at the minimum passes', 50, true, 'pass'],
    ['no minimum passes', 0, true, 'pass'],
  ])('%s', async (_name, minCoverage, recording, verdict) => {
    serve({
      config: [discovered(INSTANCE, 'i-1'), discovered(INSTANCE, 'i-2')],
      tagged: [tagMapping(instanceArn('i-1'), { Owner: 'web' })],
    });
    if (!recording) {
      configMock.on(ListDiscoveredResourcesCommand).rejects(
        new NoAvailableConfigurationRecorderException({
          message: 'There is no configuration recorder available',
          $metadata: { httpStatusCode: 400 },
        }),
      );
    }
    const inventory = await collect();
    const checks = inventory.resources.map((facts) => checkResource(tagPolicy(minCoverage), facts));
    expect(coverage(checks).overall.percent).toBe(recording ? 50 : 100);
    expect(auditVerdict(coverage(checks), tagPolicy(minCoverage), inventory.complete)).toBe(
      verdict,
    );
  });
});

describe('renderAuditCsv', () => {
  const tagPolicy: TagPolicy = {
    required: [
      { key: 'Owner', default: 'ops' },
      { key: 'Environment', allowed: ['dev', 'prod'] },
      { key: 'Backup', allowed: ['daily'], resourceTypes: [BUCKET] },
    ],
    derive: [],
    resourceTypes: TYPES,
    minCoverage: 0,
    overwrite: false,
    parameter: DEFAULT_TAG_PARAMETER,
    groups: [],
  };

  it('writes one row per resource and applicable key, with status, value and what apply sets', () => {
    const tags: Record<string, Record<string, string>> = {
      [instanceArn('i-1')]: { Environment: 'prod, eu', Name: 'x' },
      [bucketArn('logs')]: { Owner: 'say "hi"', Environment: 'dev', Backup: 'daily\nweekly' },
    };
    const checks: TagCheck[] = [
      checkResource(tagPolicy, {
        arn: instanceArn('i-1'),
        type: INSTANCE,
        tags: tags[instanceArn('i-1')] ?? {},
      }),
      checkResource(tagPolicy, {
        arn: bucketArn('logs'),
        type: BUCKET,
        tags: tags[bucketArn('logs')] ?? {},
      }),
    ];
    const csv = renderAuditCsv(checks, (arn) => tags[arn] ?? {});
    expect(csv).toBe(
      [
        'arn,type,key,status,value,would_set',
        `${instanceArn('i-1')},${INSTANCE},Owner,missing,,ops`,
        `${instanceArn('i-1')},${INSTANCE},Environment,invalid,"prod, eu",`,
        `${bucketArn('logs')},${BUCKET},Owner,ok,"say ""hi""",`,
        `${bucketArn('logs')},${BUCKET},Environment,ok,dev,`,
        `${bucketArn('logs')},${BUCKET},Backup,invalid,"daily\nweekly",`,
        '',
      ].join('\n'),
    );
  });

  it('is just the header when there is nothing to report', () => {
    expect(renderAuditCsv([], () => ({}))).toBe('arn,type,key,status,value,would_set\n');
  });
});

/** A tag without its key, as a malformed answer carries it (the SDK types Key as required). */
const KEYLESS = [{ Value: 'prod' }] as unknown as ResourceTagMapping['Tags'];

// Issue 8, kind 4: an inventory answer that is empty or malformed is an error, never "no tags"
// (apply with overwrite: false would otherwise write defaults over values it could not see).
describe('collectInventory refuses malformed answers', () => {
  const failure = async (): Promise<unknown> =>
    collect().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

  it('refuses a GetResources page with an empty 200 body instead of reading every resource as never tagged', async () => {
    serve({ config: [discovered(DB, 'db-ABC', 'prod-db')], tagged: [] });
    taggingMock.on(GetResourcesCommand).resolves({});
    const error = await failure();
    expect(error).toBeInstanceOf(UndecidedError);
    expect((error as Error).message).toMatch(
      /^tag:GetResources answered page 1 without its list of items \(an empty or malformed body\)/,
    );
  });

  it.each<[string, ResourceTagMapping, RegExp]>([
    [
      'a mapping without its ResourceARN',
      { Tags: [{ Key: 'Environment', Value: 'prod' }] },
      /^tag:GetResources answered a mapping without its ResourceARN/,
    ],
    [
      'a mapping without its tags',
      { ResourceARN: dbArn('prod-db') },
      /answered without Tags \(an empty or malformed body\)/,
    ],
    [
      'a tag without a key',
      { ResourceARN: dbArn('prod-db'), Tags: KEYLESS },
      /answered a tag without a key/,
    ],
  ])('refuses %s', async (_name, mapping, message) => {
    serve({ config: [], tagged: [mapping] });
    const error = await failure();
    expect(error).toBeInstanceOf(UndecidedError);
    expect((error as Error).message).toMatch(message);
  });

  it.each<[string, Partial<ListDiscoveredResourcesCommandOutput>, RegExp]>([
    [
      'a ListDiscoveredResources page without resourceIdentifiers',
      {},
      /^config:ListDiscoveredResources answered page 1 without its list of items/,
    ],
    [
      'an identifier without its id',
      { resourceIdentifiers: [{ resourceType: INSTANCE }] },
      /^config:ListDiscoveredResources answered a resource of AWS::EC2::Instance without its type or id/,
    ],
  ])('refuses %s', async (_name, page, message) => {
    serve({ config: [], tagged: [] });
    configMock.on(ListDiscoveredResourcesCommand).resolves(page);
    const error = await failure();
    expect(error).toBeInstanceOf(UndecidedError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a GetCallerIdentity answer without the account, which every built ARN needs', async () => {
    serve({ config: instances(1), tagged: [] });
    stsMock.on(GetCallerIdentityCommand).resolves({});
    const error = await failure();
    expect(error).toBeInstanceOf(UndecidedError);
    expect((error as Error).message).toMatch(
      /^sts:GetCallerIdentity answered without a 12-digit Account/,
    );
  });
});

// Issue 8, kind 2: every resource Config lists is counted, by an ARN built from its id, by the
// ARN Config's own configuration item gives, or it is named as skipped.
describe('collectInventory counts every resource AWS Config lists', () => {
  const EFS = 'AWS::EFS::FileSystem';
  const LOG_GROUP = 'AWS::Logs::LogGroup';
  const ROLE = 'AWS::IAM::Role';
  const efsArn = (id: string): string =>
    `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/${id}`;
  const logGroupArn = (name: string): string =>
    `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
  const roleArn = (path: string): string => `arn:aws:iam::${ACCOUNT}:role/${path}`;

  let lookups: BatchGetResourceConfigCommandInput[];
  beforeEach(() => {
    lookups = [];
  });

  /** BatchGetResourceConfig as Config answers it: one configuration item per known key. */
  function serveLookup(items: Record<string, string>): void {
    configMock
      .on(BatchGetResourceConfigCommand)
      .callsFake((input: BatchGetResourceConfigCommandInput) => {
        lookups.push(input);
        return {
          baseConfigurationItems: (input.resourceKeys ?? [])
            .filter((key) => items[key.resourceId ?? ''] !== undefined)
            .map((key) => ({
              resourceType: key.resourceType,
              resourceId: key.resourceId,
              arn: items[key.resourceId ?? ''],
              configurationItemStatus: 'OK' as const,
            })),
          unprocessedResourceKeys: [],
        };
      });
  }

  it('counts EFS file systems and log groups by the ARNs the Tagging API lists, with their tags', async () => {
    serve({
      config: [
        discovered(EFS, 'fs-0aaa'),
        discovered(EFS, 'fs-0bbb'),
        discovered(LOG_GROUP, '/aws/lambda/api', '/aws/lambda/api'),
      ],
      tagged: [
        tagMapping(efsArn('fs-0aaa'), { Owner: 'data' }),
        tagMapping(logGroupArn('/aws/lambda/api'), { Owner: 'api' }),
      ],
    });
    const inventory = await collect([EFS, LOG_GROUP]);
    expect(inventory.resources.map(({ arn, type, tags }) => ({ arn, type, tags }))).toEqual([
      { arn: efsArn('fs-0aaa'), type: EFS, tags: { Owner: 'data' } },
      { arn: efsArn('fs-0bbb'), type: EFS, tags: {} },
      { arn: logGroupArn('/aws/lambda/api'), type: LOG_GROUP, tags: { Owner: 'api' } },
    ]);
    expect(inventory.skipped).toEqual([]);
    expect(inventory.warnings).toEqual([]);
    expect(lookups).toEqual([]);
    // The audit measures them: not "100% over 0 resources".
    const owner: TagPolicy = {
      required: [{ key: 'Owner' }],
      derive: [],
      resourceTypes: [EFS, LOG_GROUP],
      minCoverage: 0,
      overwrite: false,
      parameter: DEFAULT_TAG_PARAMETER,
      groups: [],
    };
    const measured = coverage(inventory.resources.map((facts) => checkResource(owner, facts)));
    expect(measured.overall).toEqual({ applicable: 3, valid: 2, percent: 66.7 });
  });

  it("looks up the ARN of a type it cannot build in Config's configuration items, and joins its tags", async () => {
    serve({
      config: [
        discovered(ROLE, 'AROAEXAMPLE1', 'deployer'),
        discovered(ROLE, 'AROAEXAMPLE2', 'ci'),
      ],
      tagged: [tagMapping(roleArn('service-role/deployer'), { Owner: 'platform' })],
    });
    serveLookup({
      AROAEXAMPLE1: roleArn('service-role/deployer'),
      AROAEXAMPLE2: roleArn('ci'),
    });
    const inventory = await collect([ROLE]);
    expect(lookups).toEqual([
      {
        resourceKeys: [
          { resourceType: ROLE, resourceId: 'AROAEXAMPLE1' },
          { resourceType: ROLE, resourceId: 'AROAEXAMPLE2' },
        ],
      },
    ]);
    expect(inventory.resources.map(({ arn, tags, name }) => ({ arn, tags, name }))).toEqual([
      { arn: roleArn('ci'), tags: {}, name: 'ci' },
      { arn: roleArn('service-role/deployer'), tags: { Owner: 'platform' }, name: 'deployer' },
    ]);
    expect(inventory.calls.BatchGetResourceConfig).toBe(1);
    expect(inventory.skipped).toEqual([]);
  });

  it('looks up at most 100 keys per call', async () => {
    const roles = Array.from({ length: 150 }, (_, index) =>
      discovered(ROLE, `AROA${index}`, `role-${index}`),
    );
    serve({ config: roles, tagged: [] });
    serveLookup(
      Object.fromEntries(
        roles.map((role, index) => [role.resourceId ?? '', roleArn(`role-${index}`)]),
      ),
    );
    const inventory = await collect([ROLE]);
    expect(lookups.map((input) => input.resourceKeys?.length)).toEqual([100, 50]);
    expect(inventory.resources).toHaveLength(150);
  });

  it('says which resources it skipped, with their type and count, when no ARN can be had for them', async () => {
    serve({
      config: [
        discovered(ROLE, 'AROAEXAMPLE1', 'deployer'),
        discovered(ROLE, 'AROAEXAMPLE2', 'ci'),
        discovered(INSTANCE, 'i-1'),
      ],
      tagged: [],
    });
    configMock.on(BatchGetResourceConfigCommand).rejects(denied('config:BatchGetResourceConfig'));
    const inventory = await collect([ROLE, INSTANCE]);
    expect(inventory.resources.map((facts) => facts.arn)).toEqual([instanceArn('i-1')]);
    const reason = `could not look up the ARNs of 2 ${ROLE} resource(s) in AWS Config: AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ci is not authorized to perform: config:BatchGetResourceConfig — grant config:BatchGetResourceConfig`;
    expect(inventory.skipped).toEqual([
      { type: ROLE, id: 'AROAEXAMPLE1', reason },
      { type: ROLE, id: 'AROAEXAMPLE2', reason },
    ]);
    expect(inventory.warnings).toEqual([
      `2 ${ROLE} resource(s) AWS Config lists are not in this inventory (no ARN: ${reason}): AROAEXAMPLE1, AROAEXAMPLE2`,
    ]);
    expect(lines[0]).toMatch(/; 2 listed by AWS Config but skipped \(no ARN\)$/);
  });

  it('names a resource Config has no configuration item for, and drops one Config says was deleted', async () => {
    serve({
      config: [
        discovered(ROLE, 'AROAGONE', 'gone'),
        discovered(ROLE, 'AROAUNKNOWN', 'unknown'),
        discovered(ROLE, 'AROAOK', 'ok'),
      ],
      tagged: [],
    });
    configMock.on(BatchGetResourceConfigCommand).resolves({
      baseConfigurationItems: [
        {
          resourceType: ROLE,
          resourceId: 'AROAGONE',
          configurationItemStatus: 'ResourceDeleted',
        },
        { resourceType: ROLE, resourceId: 'AROAOK', arn: roleArn('ok') },
      ],
      unprocessedResourceKeys: [],
    });
    const inventory = await collect([ROLE]);
    expect(inventory.resources.map((facts) => facts.arn)).toEqual([roleArn('ok')]);
    expect(inventory.skipped).toEqual([
      {
        type: ROLE,
        id: 'AROAUNKNOWN',
        reason: "AWS Config's BatchGetResourceConfig does not know it",
      },
    ]);
  });
});
