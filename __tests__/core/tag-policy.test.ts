import {
  DEFAULT_RESOURCE_TYPES,
  DEFAULT_TAG_PARAMETER,
  applyDeriveRule,
  batchChanges,
  checkResource,
  classificationFailOn,
  coverage,
  deriveValue,
  invalidBecause,
  rulesFor,
  tagKeyProblem,
  tagValueProblem,
  tagsFromAnswer,
  writableTags,
  type DeriveRule,
  type TagCheck,
  type TagPolicy,
  type TagRule,
} from '../../actions/src/core/tag-policy';
import type { Asset } from '../../actions/src/core/model';
import { ACCOUNT } from '../fixtures/seed';

const REGION = 'eu-central-1';
const INSTANCE = 'AWS::EC2::Instance';
const BUCKET = 'AWS::S3::Bucket';
const TOPIC = 'AWS::SNS::Topic';

const instanceArn = (id: string): string => `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`;
const topicArn = (name: string): string => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;

function policy(overrides: Partial<TagPolicy> = {}): TagPolicy {
  return {
    required: [],
    derive: [],
    resourceTypes: DEFAULT_RESOURCE_TYPES,
    minCoverage: 0,
    overwrite: false,
    parameter: DEFAULT_TAG_PARAMETER,
    groups: [],
    ...overrides,
  };
}

function facts(overrides: Partial<Asset> = {}): Asset {
  return {
    arn: instanceArn('i-0123456789abcdef0'),
    type: INSTANCE,
    tags: {},
    name: 'web-prod-01',
    accountId: ACCOUNT,
    region: REGION,
    vpcId: 'vpc-0a1b2c3d',
    creator: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/alice`,
    ...overrides,
  };
}

/** A check as checkResource would return it, for the aggregate functions. */
function check(
  arn: string,
  type: string,
  applicable: string[],
  bad: { missing?: string[]; invalid?: string[]; set?: Record<string, string> } = {},
): TagCheck {
  const missing = bad.missing ?? [];
  const invalid = (bad.invalid ?? []).map((key) => ({ key, value: 'x', why: 'is wrong' }));
  const set = bad.set ?? {};
  return {
    arn,
    type,
    applicable,
    missing,
    invalid,
    set,
    unresolved: [...missing, ...invalid.map((entry) => entry.key)].filter(
      (key) => set[key] === undefined,
    ),
  };
}

describe('rulesFor', () => {
  const owner: TagRule = { key: 'Owner' };
  const backup: TagRule = { key: 'Backup', resourceTypes: ['AWS::EC2::Volume', BUCKET] };
  const patch: TagRule = { key: 'PatchGroup', resourceTypes: [INSTANCE] };
  const scoped = policy({ required: [owner, backup, patch] });

  it.each<[string, string[]]>([
    [INSTANCE, ['Owner', 'PatchGroup']],
    [BUCKET, ['Owner', 'Backup']],
    ['AWS::EC2::Volume', ['Owner', 'Backup']],
    [TOPIC, ['Owner']],
  ])('%s needs %j', (type, keys) => {
    expect(rulesFor(scoped, type).map((rule) => rule.key)).toEqual(keys);
  });

  it('an empty resource-types list scopes a key to no type at all', () => {
    expect(rulesFor(policy({ required: [{ key: 'Owner', resourceTypes: [] }] }), INSTANCE)).toEqual(
      [],
    );
  });
});

describe('invalidBecause', () => {
  const environment: TagRule = { key: 'Environment', allowed: ['dev', 'staging', 'prod'] };
  const owner: TagRule = { key: 'Owner', pattern: '^[a-z]+@example\\.com$' };
  const both: TagRule = { key: 'Tier', allowed: ['web', 'db'], pattern: '^w' };
  const free: TagRule = { key: 'CostCenter' };

  it.each<[string, TagRule, string, string | undefined]>([
    ['an allowed value', environment, 'prod', undefined],
    ['a value outside the allowed list', environment, 'Prod', 'not one of dev, staging, prod'],
    [
      'an allowed check is exact, not a substring',
      environment,
      'production',
      'not one of dev, staging, prod',
    ],
    ['a value matching the pattern', owner, 'alice@example.com', undefined],
    [
      'a value not matching the pattern',
      owner,
      'alice@example.org',
      'does not match ^[a-z]+@example\\.com$',
    ],
    ['allowed is checked before the pattern', both, 'api', 'not one of web, db'],
    ['an allowed value must still match the pattern', both, 'db', 'does not match ^w'],
    ['any non-empty value of a free key', free, 'cc-1234', undefined],
    ['an empty value', free, '', 'is empty'],
    ['a blank value', free, '   ', 'is empty'],
    ['an empty value the pattern would accept', { key: 'Note', pattern: '.*' }, '', 'is empty'],
  ])('%s', (_name, rule, value, why) => {
    expect(invalidBecause(rule, value)).toBe(why);
  });
});

describe('applyDeriveRule', () => {
  const resource = facts({ tags: { Owner: 'alice@example.com', Service: 'checkout' } });
  const ENV_MAP = { prod: 'production', stg: 'staging' };

  it.each<[string, DeriveRule, Asset, string | undefined]>([
    ['name', { tag: 'Name', from: 'name' }, resource, 'web-prod-01'],
    ['account', { tag: 'Account', from: 'account' }, resource, ACCOUNT],
    ['region', { tag: 'Region', from: 'region' }, resource, REGION],
    ['vpc', { tag: 'Vpc', from: 'vpc' }, resource, 'vpc-0a1b2c3d'],
    [
      'creator',
      { tag: 'CreatedBy', from: 'creator' },
      resource,
      `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/alice`,
    ],
    [
      'tag with source-tag',
      { tag: 'Contact', from: 'tag', sourceTag: 'Owner' },
      resource,
      'alice@example.com',
    ],
    ['resource-type', { tag: 'Kind', from: 'resource-type' }, resource, INSTANCE],
    [
      'the first capture group of the pattern',
      { tag: 'Environment', from: 'name', pattern: '^[a-z]+-([a-z]+)-' },
      resource,
      'prod',
    ],
    [
      'the whole match when the pattern has no group',
      { tag: 'Team', from: 'creator', pattern: '[^/]+$' },
      resource,
      'alice',
    ],
    [
      'the captured value, mapped',
      { tag: 'Environment', from: 'name', pattern: '-(prod|stg)-', map: ENV_MAP },
      resource,
      'production',
    ],
    [
      'the whole fact, mapped',
      { tag: 'Environment', from: 'tag', sourceTag: 'Service', map: { checkout: 'prod' } },
      resource,
      'prod',
    ],
    [
      'nothing for a value the map does not list',
      { tag: 'Environment', from: 'name', pattern: '-(prod|stg|dev)-', map: ENV_MAP },
      facts({ name: 'web-dev-01' }),
      undefined,
    ],
    [
      'nothing for an unmapped value that names an Object.prototype member',
      { tag: 'Environment', from: 'name', map: ENV_MAP },
      facts({ name: 'constructor' }),
      undefined,
    ],
    [
      'nothing when the pattern does not match',
      { tag: 'Environment', from: 'name', pattern: '^db-' },
      resource,
      undefined,
    ],
    [
      'nothing when the source tag is absent',
      { tag: 'Contact', from: 'tag', sourceTag: 'Manager' },
      resource,
      undefined,
    ],
    [
      'nothing from: tag without a source-tag',
      { tag: 'Contact', from: 'tag' },
      resource,
      undefined,
    ],
    [
      'nothing when the fact is unknown',
      { tag: 'Vpc', from: 'vpc' },
      facts({ vpcId: undefined }),
      undefined,
    ],
    [
      'nothing when the fact is empty',
      { tag: 'Name', from: 'name' },
      facts({ name: '' }),
      undefined,
    ],
  ])('%s', (_name, rule, resourceFacts, expected) => {
    expect(applyDeriveRule(rule, resourceFacts)).toBe(expected);
  });
});

describe('deriveValue', () => {
  const environment: TagRule = {
    key: 'Environment',
    allowed: ['dev', 'staging', 'prod'],
    default: 'dev',
  };
  const fromName: DeriveRule = {
    tag: 'Environment',
    from: 'name',
    pattern: '^[a-z]+-([a-z]+)-',
  };
  const fromVpc: DeriveRule = {
    tag: 'Environment',
    from: 'vpc',
    map: { 'vpc-0a1b2c3d': 'staging' },
  };
  const otherKey: DeriveRule = { tag: 'Owner', from: 'account' };

  it.each<[string, TagRule, DeriveRule[], Asset, string | undefined]>([
    ['the first valid derivation wins', environment, [fromName, fromVpc], facts(), 'prod'],
    ['rule order decides, not specificity', environment, [fromVpc, fromName], facts(), 'staging'],
    [
      'an invalid derived value falls through to the next rule',
      environment,
      [fromName, fromVpc],
      facts({ name: 'web-production-01' }),
      'staging',
    ],
    [
      'then to the default when no rule yields a valid value',
      environment,
      [fromName, fromVpc],
      facts({ name: 'web-production-01', vpcId: 'vpc-other' }),
      'dev',
    ],
    ['rules for other keys are ignored', environment, [otherKey], facts(), 'dev'],
    [
      'an invalid default is never returned',
      { ...environment, default: 'Development' },
      [fromName],
      facts({ name: 'web-production-01' }),
      undefined,
    ],
    ['no derivation and no default gives nothing', { key: 'Owner' }, [], facts(), undefined],
  ])('%s', (_name, rule, derive, resourceFacts, expected) => {
    expect(deriveValue(policy({ required: [rule], derive }), rule, resourceFacts)).toBe(expected);
  });
});

describe('checkResource', () => {
  const environment: TagRule = { key: 'Environment', allowed: ['dev', 'staging', 'prod'] };
  const owner: TagRule = { key: 'Owner', pattern: '@example\\.com$', default: 'ops@example.com' };
  const costCenter: TagRule = { key: 'CostCenter', pattern: '^cc-\\d{4}$' };
  const envFromName: DeriveRule = {
    tag: 'Environment',
    from: 'name',
    pattern: '^[a-z]+-([a-z]+)-',
  };
  const base = policy({ required: [environment, owner, costCenter], derive: [envFromName] });

  it('separates missing from invalid keys and plans derived and default values', () => {
    const result = checkResource(base, facts({ tags: { CostCenter: '1234' } }));
    expect(result).toEqual<TagCheck>({
      arn: instanceArn('i-0123456789abcdef0'),
      type: INSTANCE,
      applicable: ['Environment', 'Owner', 'CostCenter'],
      missing: ['Environment', 'Owner'],
      invalid: [{ key: 'CostCenter', value: '1234', why: 'does not match ^cc-\\d{4}$' }],
      set: { Environment: 'prod', Owner: 'ops@example.com' },
      unresolved: ['CostCenter'],
    });
  });

  it('a compliant resource needs nothing', () => {
    const result = checkResource(
      base,
      facts({ tags: { Environment: 'dev', Owner: 'a@example.com', CostCenter: 'cc-0001' } }),
    );
    expect(result.missing).toEqual([]);
    expect(result.invalid).toEqual([]);
    expect(result.set).toEqual({});
    expect(result.unresolved).toEqual([]);
  });

  it('only keys that apply to the type are checked', () => {
    const scoped = policy({
      required: [environment, { key: 'Backup', allowed: ['daily'], resourceTypes: [BUCKET] }],
    });
    const result = checkResource(scoped, facts({ tags: { Environment: 'dev' } }));
    expect(result.applicable).toEqual(['Environment']);
    expect(result.missing).toEqual([]);
  });

  it('without overwrite an invalid value stays, unresolved, even when a valid one derives', () => {
    const result = checkResource(base, facts({ tags: { Environment: 'Prod', Owner: 'bob' } }));
    expect(result.invalid.map((entry) => entry.key)).toEqual(['Environment', 'Owner']);
    expect(result.set).toEqual({});
    expect(result.unresolved).toEqual(['CostCenter', 'Environment', 'Owner']);
  });

  it('with overwrite invalid values are replaced by a derived value, or the default', () => {
    const result = checkResource(
      { ...base, overwrite: true },
      facts({ tags: { Environment: 'Prod', Owner: 'bob', CostCenter: 'cc-9999' } }),
    );
    expect(result.invalid.map((entry) => entry.key)).toEqual(['Environment', 'Owner']);
    expect(result.set).toEqual({ Environment: 'prod', Owner: 'ops@example.com' });
    expect(result.unresolved).toEqual([]);
  });

  it('with overwrite an invalid value with no derivation and no default stays unresolved', () => {
    const result = checkResource(
      { ...base, overwrite: true },
      facts({ tags: { Environment: 'dev', Owner: 'a@example.com', CostCenter: 'none' } }),
    );
    expect(result.set).toEqual({});
    expect(result.unresolved).toEqual(['CostCenter']);
  });

  describe('chained derivations are planned in one run', () => {
    const team: TagRule = { key: 'Team', allowed: ['ops', 'web'] };
    const teamFromOwner: DeriveRule = {
      tag: 'Team',
      from: 'tag',
      sourceTag: 'Owner',
      pattern: '^([a-z]+)@',
    };

    it.each<[string, TagRule[]]>([
      ['the derived key listed after its source', [owner, team]],
      ['the derived key listed before its source', [team, owner]],
      ['the derived key has a default of its own', [{ ...team, default: 'web' }, owner]],
    ])('Team derived from Owner’s default: %s', (_name, required) => {
      const chained = policy({ required, derive: [teamFromOwner] });
      const first = checkResource(chained, facts());
      expect(first.set).toEqual({ Owner: 'ops@example.com', Team: 'ops' });
      expect(first.unresolved).toEqual([]);
      // A second run, on the tags the first one wrote, has nothing left to do.
      const second = checkResource(chained, facts({ tags: first.set }));
      expect(second.missing).toEqual([]);
      expect(second.invalid).toEqual([]);
      expect(second.set).toEqual({});
    });

    it('a derivation chained through two derived keys', () => {
      const chained = policy({
        required: [
          { key: 'CostCenter', pattern: '^cc-' },
          { key: 'Team' },
          { key: 'Environment', allowed: ['prod'] },
        ],
        derive: [
          { tag: 'CostCenter', from: 'tag', sourceTag: 'Team', map: { payments: 'cc-0042' } },
          { tag: 'Team', from: 'tag', sourceTag: 'Environment', map: { prod: 'payments' } },
          { tag: 'Environment', from: 'name', pattern: '-(prod)-' },
        ],
      });
      expect(checkResource(chained, facts()).set).toEqual({
        Environment: 'prod',
        Team: 'payments',
        CostCenter: 'cc-0042',
      });
    });
  });

  it('keys with no derivation and no valid default are unresolved', () => {
    const strict = policy({
      required: [
        { key: 'Owner' },
        { key: 'Environment', allowed: ['dev'], default: 'Dev' },
        { key: 'Name' },
      ],
      derive: [{ tag: 'Name', from: 'name' }],
    });
    const result = checkResource(strict, facts());
    expect(result.set).toEqual({ Name: 'web-prod-01' });
    expect(result.unresolved).toEqual(['Owner', 'Environment']);
  });
});

describe('batchChanges', () => {
  const owned = (prefix: string, count: number, set: Record<string, string>): TagCheck[] =>
    Array.from({ length: count }, (_, index) =>
      check(topicArn(`${prefix}-${index}`), TOPIC, Object.keys(set), {
        missing: Object.keys(set),
        set,
      }),
    );

  it('identical tag sets share calls of at most 20 ARNs, Σ ceil(n/20) calls, larger sets first', () => {
    const sizes: [string, number, Record<string, string>][] = [
      ['jobs', 1, { Owner: 'jobs' }],
      ['web', 45, { Owner: 'web' }],
      ['api', 20, { Owner: 'api' }],
      ['batch', 21, { Environment: 'dev', Owner: 'batch' }],
    ];
    const checks = sizes.flatMap(([prefix, count, set]) => owned(prefix, count, set));
    const batches = batchChanges(checks);
    expect(batches).toHaveLength(3 + 1 + 2 + 1);
    expect(batches.map((batch) => [batch.tags, batch.arns.length])).toEqual([
      [{ Owner: 'web' }, 20],
      [{ Owner: 'web' }, 20],
      [{ Owner: 'web' }, 5],
      [{ Environment: 'dev', Owner: 'batch' }, 20],
      [{ Environment: 'dev', Owner: 'batch' }, 1],
      [{ Owner: 'api' }, 20],
      [{ Owner: 'jobs' }, 1],
    ]);
    expect(batches.flatMap((batch) => batch.arns).sort()).toEqual(
      checks.map((entry) => entry.arn).sort(),
    );
  });

  it('the same tags in a different key order are the same set', () => {
    const batches = batchChanges([
      ...owned('a', 1, { Owner: 'web', Environment: 'dev' }),
      ...owned('b', 1, { Environment: 'dev', Owner: 'web' }),
    ]);
    expect(batches).toEqual([
      { tags: { Owner: 'web', Environment: 'dev' }, arns: [topicArn('a-0'), topicArn('b-0')] },
    ]);
  });

  it('different values are different sets', () => {
    const batches = batchChanges([
      ...owned('a', 1, { Owner: 'web' }),
      ...owned('b', 1, { Owner: 'api' }),
    ]);
    expect(batches.map((batch) => batch.arns)).toEqual([[topicArn('a-0')], [topicArn('b-0')]]);
  });

  it('resources with nothing to set make no call', () => {
    expect(batchChanges([...owned('clean', 3, {}), ...owned('web', 1, { Owner: 'web' })])).toEqual([
      { tags: { Owner: 'web' }, arns: [topicArn('web-0')] },
    ]);
    expect(batchChanges(owned('clean', 3, {}))).toEqual([]);
  });

  it('honours a smaller per-call limit', () => {
    const batches = batchChanges(owned('web', 7, { Owner: 'web' }), 3);
    expect(batches.map((batch) => batch.arns.length)).toEqual([3, 3, 1]);
  });
});

describe('coverage', () => {
  const keys = ['Owner', 'Environment'];

  it('counts present and valid (resource, key) pairs overall, per key and per type', () => {
    const result = coverage([
      check(instanceArn('i-1'), INSTANCE, keys),
      check(instanceArn('i-2'), INSTANCE, keys, { missing: ['Owner'] }),
      check(instanceArn('i-3'), INSTANCE, keys, { invalid: ['Environment'] }),
      check(topicArn('t-1'), TOPIC, ['Owner'], { missing: ['Owner'] }),
    ]);
    expect(result.overall).toEqual({ applicable: 7, valid: 4, percent: 57.1 });
    expect(result.byKey).toEqual({
      Owner: { applicable: 4, valid: 2, percent: 50 },
      Environment: { applicable: 3, valid: 2, percent: 66.7 },
    });
    expect(result.byType).toEqual({
      [INSTANCE]: { applicable: 6, valid: 4, percent: 66.7 },
      [TOPIC]: { applicable: 1, valid: 0, percent: 0 },
    });
  });

  it('is 100% when nothing applies', () => {
    expect(coverage([]).overall).toEqual({ applicable: 0, valid: 0, percent: 100 });
    const result = coverage([check(topicArn('t'), TOPIC, [])]);
    expect(result.overall.percent).toBe(100);
    expect(result.byKey).toEqual({});
    expect(result.byType).toEqual({});
  });

  it('lists the worst offenders first, ties by ARN, clean resources never, capped', () => {
    const checks = [
      check(instanceArn('i-b'), INSTANCE, keys, { missing: ['Owner'] }),
      check(instanceArn('i-clean'), INSTANCE, keys),
      check(instanceArn('i-a'), INSTANCE, keys, { invalid: ['Owner'] }),
      check(instanceArn('i-worst'), INSTANCE, keys, {
        missing: ['Owner'],
        invalid: ['Environment'],
      }),
    ];
    expect(coverage(checks).worst.map((entry) => entry.arn)).toEqual([
      instanceArn('i-worst'),
      instanceArn('i-a'),
      instanceArn('i-b'),
    ]);
    expect(coverage(checks, 2).worst.map((entry) => entry.arn)).toEqual([
      instanceArn('i-worst'),
      instanceArn('i-a'),
    ]);
    // The caller's order is left alone.
    expect(checks.map((entry) => entry.arn)).toEqual([
      instanceArn('i-b'),
      instanceArn('i-clean'),
      instanceArn('i-a'),
      instanceArn('i-worst'),
    ]);
  });

  it('caps the worst offenders at 10 by default', () => {
    const checks = Array.from({ length: 12 }, (_, index) =>
      check(topicArn(`t-${String(index).padStart(2, '0')}`), TOPIC, ['Owner'], {
        missing: ['Owner'],
      }),
    );
    const worst = coverage(checks).worst;
    expect(worst).toHaveLength(10);
    expect(worst[9]?.arn).toBe(topicArn('t-09'));
  });
});

describe('classificationFailOn', () => {
  const classified = policy({
    classification: {
      key: 'DataClassification',
      levels: {
        restricted: { image: { failOn: ['CRITICAL', 'HIGH', 'MEDIUM'] } },
        internal: { image: { failOn: ['CRITICAL'] } },
        public: {},
      },
    },
  });

  it.each<
    [string, TagPolicy | undefined, Record<string, string>, ReturnType<typeof classificationFailOn>]
  >([
    [
      'a level with an image fail-on',
      classified,
      { DataClassification: 'restricted' },
      { level: 'restricted', failOn: ['CRITICAL', 'HIGH', 'MEDIUM'] },
    ],
    [
      'another level',
      classified,
      { DataClassification: 'internal' },
      { level: 'internal', failOn: ['CRITICAL'] },
    ],
    ['a level without an image fail-on', classified, { DataClassification: 'public' }, undefined],
    [
      'a level the policy does not declare',
      classified,
      { DataClassification: 'secret' },
      undefined,
    ],
    ['no classification tag', classified, { Owner: 'web' }, undefined],
    ['a policy without classification', policy(), { DataClassification: 'restricted' }, undefined],
    ['no tag policy at all', undefined, { DataClassification: 'restricted' }, undefined],
  ])('%s', (_name, tagPolicy, tags, expected) => {
    expect(classificationFailOn(tagPolicy, tags)).toEqual(expected);
  });
});

// Issue 8, kind 4: every tag the plan writes is one AWS accepts; what it would refuse is left out
// for that resource only, with why, and the rest is planned as usual.
describe('tagKeyProblem and tagValueProblem: what AWS would refuse', () => {
  it.each<[string, string, string | undefined]>([
    ['a plain key', 'Environment', undefined],
    [
      'letters of any script, digits, spaces and _ . : / = + - @',
      'Équipe données 2/3 a_b.c:d=e+f-g@h',
      undefined,
    ],
    ['128 characters', 'k'.repeat(128), undefined],
    ['128 characters counted as code points, not UTF-16 units', '𝔸'.repeat(128), undefined],
    ['the empty key', '', 'is empty; AWS tag keys are 1 to 128 characters'],
    [
      '129 characters',
      'k'.repeat(129),
      'is 129 characters long; AWS allows at most 128 in a tag key',
    ],
    [
      'the reserved aws: prefix',
      'aws:owner',
      'starts with "aws:", a prefix AWS reserves for its own tags',
    ],
    [
      'the reserved prefix in any case',
      'AwS:owner',
      'starts with "aws:", a prefix AWS reserves for its own tags',
    ],
    ['"aws" without the colon is an ordinary key', 'awsome', undefined],
    [
      'a character outside the set',
      'Cost|Center',
      'contains "|" (U+007C); AWS allows only letters, digits, spaces and _ . : / = + - @ in tags',
    ],
    [
      'a newline',
      'a\nb',
      'contains "\\n" (U+000A); AWS allows only letters, digits, spaces and _ . : / = + - @ in tags',
    ],
  ])('key: %s', (_name, key, problem) => {
    expect(tagKeyProblem(key)).toBe(problem);
  });

  it.each<[string, string, string | undefined]>([
    ['the empty value', '', undefined],
    ['256 characters', 'v'.repeat(256), undefined],
    [
      '257 characters',
      'v'.repeat(257),
      'is 257 characters long; AWS allows at most 256 in a tag value',
    ],
    ['a value starting with AWS: (a resource type)', 'AWS::EC2::Instance', undefined],
    [
      'a comma',
      'alice,bob',
      'contains "," (U+002C); AWS allows only letters, digits, spaces and _ . : / = + - @ in tags',
    ],
  ])('value: %s', (_name, value, problem) => {
    expect(tagValueProblem(value)).toBe(problem);
  });
});

describe('writableTags', () => {
  it('keeps what AWS accepts, in order, and says why for the rest', () => {
    expect(
      writableTags({ Name: 'web' }, { Owner: 'web', 'aws:x': 'y', Team: 'a;b', Service: 'api' }),
    ).toEqual({
      set: { Owner: 'web', Service: 'api' },
      rejected: [
        {
          key: 'aws:x',
          value: 'y',
          why: 'the key starts with "aws:", a prefix AWS reserves for its own tags',
        },
        {
          key: 'Team',
          value: 'a;b',
          why: 'contains ";" (U+003B); AWS allows only letters, digits, spaces and _ . : / = + - @ in tags',
        },
      ],
    });
  });

  it('adds keys up to 50 tags per resource, not counting aws: tags nor keys it only replaces', () => {
    const current: Record<string, string> = {
      'aws:cloudformation:stack-name': 'web',
      'aws:cloudformation:logical-id': 'Bucket',
      ...Object.fromEntries(Array.from({ length: 48 }, (_, index) => [`k${index}`, 'v'])),
    };
    expect(writableTags(current, { k0: 'new', A: '1', B: '2', C: '3' })).toEqual({
      set: { k0: 'new', A: '1', B: '2' },
      rejected: [
        {
          key: 'C',
          value: '3',
          why: 'it would be tag 51 of the resource; AWS allows at most 50 (aws: tags not counted)',
        },
      ],
    });
  });
});

describe('checkResource plans only tags AWS accepts', () => {
  const service = policy({
    required: [
      { key: 'Owner', default: 'platform' },
      { key: 'Service', default: 'shared' },
    ],
    derive: [{ tag: 'Service', from: 'name', pattern: '^([^-]+)' }],
  });

  it('a derived value AWS would refuse falls through to the next rule or the default, and is named', () => {
    const check = checkResource(service, facts({ name: 'billing (eu)-1' }));
    expect(check.set).toEqual({ Owner: 'platform', Service: 'shared' });
    expect(check.unresolved).toEqual([]);
    expect(check.rejected).toBeUndefined();
  });

  it('a key with no acceptable value is left out with why; its other keys are still planned', () => {
    const noDefault = policy({
      required: [{ key: 'Owner', default: 'platform' }, { key: 'Service' }],
      derive: [{ tag: 'Service', from: 'name' }],
    });
    const check = checkResource(noDefault, facts({ name: 'x'.repeat(300) }));
    expect(check.set).toEqual({ Owner: 'platform' });
    expect(check.unresolved).toEqual(['Service']);
    expect(check.rejected).toEqual([
      {
        key: 'Service',
        value: 'x'.repeat(300),
        why: 'is 300 characters long; AWS allows at most 256 in a tag value',
      },
    ]);
    // Another resource of the same policy is unaffected.
    expect(checkResource(noDefault, facts({ name: 'api' })).set).toEqual({
      Owner: 'platform',
      Service: 'api',
    });
  });

  it('never plans a key AWS refuses, even in a policy built in code', () => {
    const reserved = policy({
      required: [
        { key: 'aws:owner', default: 'x' },
        { key: 'Owner', default: 'platform' },
      ],
    });
    const check = checkResource(reserved, facts());
    expect(check.set).toEqual({ Owner: 'platform' });
    expect(check.missing).toEqual(['aws:owner', 'Owner']);
    expect(check.unresolved).toEqual(['aws:owner']);
    expect(check.rejected).toEqual([
      {
        key: 'aws:owner',
        value: '',
        why: 'the key starts with "aws:", a prefix AWS reserves for its own tags',
      },
    ]);
  });

  it('stops at 50 tags per resource, in policy order, and names the keys left out', () => {
    const carried = Object.fromEntries(
      Array.from({ length: 49 }, (_, index) => [`k${index}`, 'v']),
    );
    const many = policy({
      required: [
        { key: 'Owner', default: 'platform' },
        { key: 'Service', default: 'shared' },
        { key: 'Team', default: 'web' },
      ],
    });
    const check = checkResource(
      many,
      facts({ tags: { ...carried, 'aws:cloudformation:stack-name': 's' } }),
    );
    expect(check.set).toEqual({ Owner: 'platform' });
    expect(check.unresolved).toEqual(['Service', 'Team']);
    expect(check.rejected?.map((entry) => entry.key)).toEqual(['Service', 'Team']);
  });
});

describe('tagsFromAnswer', () => {
  it('reads a well-formed list, a missing value as the empty string', () => {
    expect(tagsFromAnswer([{ Key: 'A', Value: '1' }, { Key: 'B' }], 'op', 'Tags')).toEqual({
      A: '1',
      B: '',
    });
    expect(tagsFromAnswer([], 'op', 'Tags')).toEqual({});
  });

  it.each<[string, unknown, string]>([
    [
      'no list at all (an empty body)',
      undefined,
      'op answered without Tags (an empty or malformed body); its tags are unknown, not empty',
    ],
    [
      'a pair without a key',
      [{ Value: 'x' }],
      'op answered a tag without a key or with a non-text value in Tags; its tags are unknown',
    ],
    [
      'a key twice',
      [
        { Key: 'A', Value: '1' },
        { Key: 'A', Value: '2' },
      ],
      'op answered the tag key "A" twice in Tags; its tags are unknown',
    ],
  ])('refuses %s', (_name, pairs, message) => {
    expect(() => tagsFromAnswer(pairs as never, 'op', 'Tags')).toThrow(message);
  });
});
