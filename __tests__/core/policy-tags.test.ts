import { ConfigurationError } from '../../actions/src/core/errors';
import { parsePolicy } from '../../actions/src/core/policy';
import { DEFAULT_RESOURCE_TYPES, type TagPolicy } from '../../actions/src/core/tag-policy';

/** Joins lines so each fixture shows its line numbers to the reader. */
function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/** A policy whose `tags:` section starts on line 2, so tags lines are numbered from 3. */
function withTags(...tagLines: string[]): string {
  return lines('version: 1', 'tags:', ...tagLines);
}

function parseError(text: string, origin = '.github/assetguard.yml'): ConfigurationError {
  try {
    parsePolicy(text, origin);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('parsePolicy accepted an invalid tags section');
}

describe('parsePolicy, the tags section', () => {
  it('normalizes a complete tags section from kebab-case keys into the typed TagPolicy', () => {
    const policy = parsePolicy(
      withTags(
        '  required:',
        '    Environment:',
        '      allowed: [dev, staging, prod]',
        '      default: dev',
        '    Owner: { pattern: "@example\\\\.com$" }',
        '    Backup:',
        '      allowed: [daily, none]',
        '      resource-types: [AWS::EC2::Volume, AWS::RDS::DBInstance]',
        '  derive:',
        '    - tag: Environment',
        '      from: name',
        '      pattern: "^[a-z]+-(prod|stg)-"',
        '      map: { prod: prod, stg: staging }',
        '    - tag: Owner',
        '      from: tag',
        '      source-tag: Contact',
        '    - { tag: Region, from: region }',
        '  resource-types: [AWS::EC2::Instance, AWS::EC2::Volume, AWS::RDS::DBInstance]',
        '  min-coverage: 92.5',
        '  overwrite: true',
        '  parameter: /platform/tag-policy',
        '  classification:',
        '    key: DataClassification',
        '    levels:',
        '      restricted: { image: { fail-on: [CRITICAL, HIGH, MEDIUM] } }',
        '      public: {}',
        '  groups:',
        '    - by: Environment',
        '      values: [prod, staging]',
        '      prefix: acme',
        '    - by: Owner',
      ),
      'policy.yml',
    );
    expect(policy.tags).toEqual<TagPolicy>({
      required: [
        { key: 'Environment', allowed: ['dev', 'staging', 'prod'], default: 'dev' },
        { key: 'Owner', pattern: '@example\\.com$' },
        {
          key: 'Backup',
          allowed: ['daily', 'none'],
          resourceTypes: ['AWS::EC2::Volume', 'AWS::RDS::DBInstance'],
        },
      ],
      derive: [
        {
          tag: 'Environment',
          from: 'name',
          pattern: '^[a-z]+-(prod|stg)-',
          map: { prod: 'prod', stg: 'staging' },
        },
        { tag: 'Owner', from: 'tag', sourceTag: 'Contact' },
        { tag: 'Region', from: 'region' },
      ],
      resourceTypes: ['AWS::EC2::Instance', 'AWS::EC2::Volume', 'AWS::RDS::DBInstance'],
      minCoverage: 92.5,
      overwrite: true,
      parameter: '/platform/tag-policy',
      classification: {
        key: 'DataClassification',
        levels: { restricted: { image: { failOn: ['CRITICAL', 'HIGH', 'MEDIUM'] } }, public: {} },
      },
      groups: [
        { by: 'Environment', values: ['prod', 'staging'], prefix: 'acme' },
        { by: 'Owner', prefix: 'assetguard' },
      ],
    });
  });

  it('fills the defaults for everything a minimal section leaves out', () => {
    const policy = parsePolicy(withTags('  required:', '    Owner: {}'), 'policy.yml');
    expect(policy.tags).toEqual<TagPolicy>({
      required: [{ key: 'Owner' }],
      derive: [],
      resourceTypes: DEFAULT_RESOURCE_TYPES,
      minCoverage: 0,
      overwrite: false,
      parameter: '/assetguard/tag-policy',
      groups: [],
    });
    expect(policy.tags?.classification).toBeUndefined();
  });

  it('a policy without a tags section has no tag policy', () => {
    expect(parsePolicy(lines('version: 1'), 'policy.yml').tags).toBeUndefined();
  });

  describe('every error names the file, the line and the dotted key', () => {
    it.each<[string, string, string]>([
      [
        'a pattern that is not a valid regular expression',
        withTags('  required:', '    Owner:', '      default: ops', "      pattern: '(unclosed'"),
        '.github/assetguard.yml:6: tags.required.Owner.pattern: is not a valid regular expression: Invalid regular expression: /(unclosed/: Unterminated group',
      ],
      [
        'a derive pattern that is not a valid regular expression',
        withTags(
          '  required:',
          '    Environment: {}',
          '  derive:',
          '    - { tag: Environment, from: region }',
          '    - tag: Environment',
          '      from: name',
          "      pattern: '[a-z'",
        ),
        '.github/assetguard.yml:9: tags.derive.1.pattern: is not a valid regular expression: Invalid regular expression: /[a-z/: Unterminated character class',
      ],
      [
        'a default that is not among the allowed values',
        withTags(
          '  required:',
          '    Environment:',
          '      allowed: [dev, prod]',
          '      default: Development',
        ),
        '.github/assetguard.yml:6: tags.required.Environment.default: "Development" is not one of the allowed values',
      ],
      [
        'from: tag without source-tag',
        withTags(
          '  required:',
          '    Team: {}',
          '  derive:',
          '    - tag: Owner',
          '      from: creator',
          '    - tag: Team',
          '      from: tag',
        ),
        '.github/assetguard.yml:8: tags.derive.1: from: tag needs source-tag',
      ],
      [
        'an unknown from',
        withTags(
          '  required:',
          '    Team: {}',
          '  derive:',
          '    - tag: Team',
          '      from: owner',
        ),
        '.github/assetguard.yml:7: tags.derive.0.from: must be one of name, account, region, vpc, creator, tag, resource-type',
      ],
      [
        'a resource type not like AWS::Service::Type',
        withTags(
          '  required:',
          '    Owner: {}',
          '  resource-types:',
          '    - AWS::EC2::Instance',
          '    - ec2:instance',
        ),
        '.github/assetguard.yml:7: tags.resource-types.1: must match pattern "^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$"',
      ],
      [
        'a resource type of a required key not like AWS::Service::Type',
        withTags('  required:', '    Backup:', '      resource-types: [AWS::EC2::Volume, AWS::S3]'),
        '.github/assetguard.yml:5: tags.required.Backup.resource-types.1: must match pattern "^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$"',
      ],
      [
        'a min-coverage above 100',
        withTags('  required:', '    Owner: {}', '  min-coverage: 120'),
        '.github/assetguard.yml:5: tags.min-coverage: must be <= 100',
      ],
      [
        'an unknown key under tags',
        withTags('  required:', '    Owner: {}', '  overwite: true'),
        '.github/assetguard.yml:5: tags.overwite: unknown key "overwite"',
      ],
      [
        'an unknown key in a required rule',
        withTags('  required:', '    Owner:', '      patern: "@example"'),
        '.github/assetguard.yml:5: tags.required.Owner.patern: unknown key "patern"',
      ],
    ])('%s', (_name, text, problem) => {
      expect(parseError(text).message).toBe(`invalid policy (1 problem):\n  ${problem}`);
    });

    it('lists every semantic problem, one per line', () => {
      const error = parseError(
        withTags(
          '  required:',
          '    Environment: { allowed: [dev], default: prod }',
          "    Owner: { pattern: '(' }",
          '  derive:',
          '    - { tag: Owner, from: tag }',
        ),
      );
      expect(error.message.split('\n')).toEqual([
        'invalid policy (3 problems):',
        '  .github/assetguard.yml:4: tags.required.Environment.default: "prod" is not one of the allowed values',
        '  .github/assetguard.yml:5: tags.required.Owner.pattern: is not a valid regular expression: Invalid regular expression: /(/: Unterminated group',
        '  .github/assetguard.yml:7: tags.derive.0: from: tag needs source-tag',
      ]);
    });
  });
});

// Issue 8, kind 4: a policy whose tags AWS would refuse is rejected at load, with file:line and
// key, before apply or the auto-tag Lambda writes anything.
describe('parsePolicy rejects every tag AWS would refuse', () => {
  const ALLOWED = 'AWS allows only letters, digits, spaces and _ . : / = + - @ in tags';

  it.each<[string, string, string]>([
    [
      'a required key with the reserved aws: prefix',
      withTags('  required:', '    Owner: {}', '    aws:owner: { default: platform }'),
      '.github/assetguard.yml:5: tags.required.aws:owner: the tag key "aws:owner" starts with "aws:", a prefix AWS reserves for its own tags',
    ],
    [
      'the reserved prefix in another case',
      withTags('  required:', '    AWS:Team: {}'),
      '.github/assetguard.yml:4: tags.required.AWS:Team: the tag key "AWS:Team" starts with "aws:", a prefix AWS reserves for its own tags',
    ],
    [
      'a required key longer than 128 characters',
      withTags('  required:', `    ${'K'.repeat(129)}: {}`),
      `.github/assetguard.yml:4: tags.required.${'K'.repeat(129)}: the tag key "${'K'.repeat(60)}…" is 129 characters long; AWS allows at most 128 in a tag key`,
    ],
    [
      'a required key with a character AWS refuses',
      withTags('  required:', '    Cost|Center: {}'),
      `.github/assetguard.yml:4: tags.required.Cost|Center: the tag key "Cost|Center" contains "|" (U+007C); ${ALLOWED}`,
    ],
    [
      'an allowed value longer than 256 characters',
      withTags(
        '  required:',
        '    Environment:',
        '      allowed:',
        '        - prod',
        `        - ${'v'.repeat(257)}`,
      ),
      `.github/assetguard.yml:7: tags.required.Environment.allowed.1: the tag value "${'v'.repeat(60)}…" is 257 characters long; AWS allows at most 256 in a tag value`,
    ],
    [
      'an allowed value with a character AWS refuses',
      withTags('  required:', '    Environment: { allowed: [prod, "dev;test"] }'),
      `.github/assetguard.yml:4: tags.required.Environment.allowed.1: the tag value "dev;test" contains ";" (U+003B); ${ALLOWED}`,
    ],
    [
      'a default with a character AWS refuses',
      withTags('  required:', '    Owner:', '      default: "platform (eu)"'),
      `.github/assetguard.yml:5: tags.required.Owner.default: the tag value "platform (eu)" contains "(" (U+0028); ${ALLOWED}`,
    ],
    [
      'a derivation writing a reserved key',
      withTags(
        '  required:',
        '    Owner: {}',
        '  derive:',
        '    - tag: aws:owner',
        '      from: creator',
      ),
      '.github/assetguard.yml:6: tags.derive.0.tag: the tag key "aws:owner" starts with "aws:", a prefix AWS reserves for its own tags',
    ],
    [
      'a derivation map output AWS refuses',
      withTags(
        '  required:',
        '    Environment: {}',
        '  derive:',
        '    - tag: Environment',
        '      from: account',
        '      map:',
        "        '111111111111': 'prod!'",
      ),
      `.github/assetguard.yml:9: tags.derive.0.map.111111111111: the tag value "prod!" contains "!" (U+0021); ${ALLOWED}`,
    ],
    [
      'more than 50 required keys for one resource type',
      withTags(
        '  required:',
        ...Array.from({ length: 49 }, (_, index) => `    K${index}: {}`),
        '    Backup: { resource-types: [AWS::EC2::Volume] }',
        '    Snapshot: { resource-types: [AWS::EC2::Volume] }',
      ),
      '.github/assetguard.yml:3: tags.required: requires 51 keys of AWS::EC2::Volume; AWS allows at most 50 tags per resource',
    ],
  ])('%s', (_name, text, problem) => {
    expect(parseError(text).message).toBe(`invalid policy (1 problem):\n  ${problem}`);
  });

  it('accepts keys and values of any script, spaces and every allowed symbol', () => {
    const policy = parsePolicy(
      withTags(
        '  required:',
        "    'Équipe données': { allowed: ['Île-de-France', 'a_b.c:d/e=f+g-h@i'], default: 'Île-de-France' }",
        '    Service: {}',
        '  derive:',
        '    - { tag: Service, from: resource-type }',
      ),
      'policy.yml',
    );
    expect(policy.tags?.required.map((rule) => rule.key)).toEqual(['Équipe données', 'Service']);
  });

  it('lists each problem of a policy with several, one per line', () => {
    const error = parseError(
      withTags('  required:', '    aws:a: {}', '    Owner: { default: "x|y" }'),
    );
    expect(error.message.split('\n')).toEqual([
      'invalid policy (2 problems):',
      '  .github/assetguard.yml:4: tags.required.aws:a: the tag key "aws:a" starts with "aws:", a prefix AWS reserves for its own tags',
      `  .github/assetguard.yml:5: tags.required.Owner.default: the tag value "x|y" contains "|" (U+007C); ${ALLOWED}`,
    ]);
  });
});
