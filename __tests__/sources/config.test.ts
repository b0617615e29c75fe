import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
  type BaseConfigurationItem,
  type BatchGetResourceConfigCommandInput,
  type ComplianceByConfigRule,
  type ComplianceType,
  type ConfigRule,
  type DescribeComplianceByConfigRuleCommandInput,
  type DescribeConfigRulesCommandInput,
  type EvaluationResult,
  type GetComplianceDetailsByConfigRuleCommandInput,
  ResourceType,
} from '@aws-sdk/client-config-service';
import {
  GetResourcesCommand,
  GetTagKeysCommand,
  GetTagValuesCommand,
  ResourceGroupsTaggingAPIClient,
  type GetResourcesCommandInput,
  type GetTagValuesCommandInput,
  type ResourceTagMapping,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsError, ConfigurationError, UndecidedError } from '../../actions/src/core/errors';
import type { Severity } from '../../actions/src/core/model';
import { collectConfigCompliance } from '../../actions/src/sources/config';
import type { ComplianceScope } from '../../actions/src/sources/compliance';
import { ACCOUNT } from '../fixtures/seed';

const REGION = 'us-east-1';
const RECORDED_TYPES: ReadonlySet<string> = new Set(Object.values(ResourceType));
const RECORDED = new Date('2026-03-01T08:30:00Z');
const UNSCOPED: ComplianceScope = { tags: {}, rules: [] };
const PROD: ComplianceScope = { tags: { Environment: 'prod' }, rules: [] };

const SSH_RULE = 'securityhub-restricted-ssh-abc123';
const PACK_SSH_RULE = 'restricted-ssh-conformance-pack-xyz';
const SG = 'sg-0a1b2c3d4e5f60718';
const SG_ARN = `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${SG}`;
/** RDS: Config's resource id is the DbiResourceId; the ARN ends in the instance name. */
const DB_ID = 'db-ABCDEFGHIJKLMNOPQRSTUVWXY';
const DB_ARN = `arn:aws:rds:${REGION}:${ACCOUNT}:db:prod-db`;

// ---- SDK-typed response objects, shaped after the botocore model (config 2014-11-12) ----

/** A rule as DescribeConfigRules returns it: managed (Owner AWS + identifier) or custom. */
function configRule(
  name: string,
  source: { owner?: 'AWS' | 'CUSTOM_LAMBDA' | 'CUSTOM_POLICY'; identifier?: string } = {},
  description?: string,
): ConfigRule {
  const id = `config-rule-${name.length.toString(36)}${name.slice(0, 3)}`;
  const owner = source.owner ?? 'AWS';
  return {
    ConfigRuleName: name,
    ConfigRuleArn: `arn:aws:config:${REGION}:${ACCOUNT}:config-rule/${id}`,
    ConfigRuleId: id,
    ...(description !== undefined && { Description: description }),
    Source: {
      Owner: owner,
      SourceIdentifier:
        source.identifier ??
        (owner === 'CUSTOM_LAMBDA'
          ? `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`
          : 'UNKNOWN'),
    },
    ConfigRuleState: 'ACTIVE',
  };
}

/** A rule's DescribeComplianceByConfigRule entry; no type means Config has no evaluation yet. */
function ruleCompliance(name: string, type?: ComplianceType): ComplianceByConfigRule {
  return {
    ConfigRuleName: name,
    ...(type !== undefined && {
      Compliance: {
        ComplianceType: type,
        ...(type === 'NON_COMPLIANT' && {
          ComplianceContributorCount: { CappedCount: 1, CapExceeded: false },
        }),
      },
    }),
  };
}

function evaluation(
  rule: string,
  resourceType: string,
  resourceId: string,
  options: { type?: ComplianceType; annotation?: string } = {},
): EvaluationResult {
  return {
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: {
        ConfigRuleName: rule,
        ResourceType: resourceType,
        ResourceId: resourceId,
        EvaluationMode: 'DETECTIVE',
      },
      OrderingTimestamp: new Date('2026-03-01T08:29:00Z'),
    },
    ComplianceType: options.type ?? 'NON_COMPLIANT',
    ResultRecordedTime: RECORDED,
    ConfigRuleInvokedTime: new Date('2026-03-01T08:29:30Z'),
    ...(options.annotation !== undefined && { Annotation: options.annotation }),
  };
}

function configItem(resourceType: string, resourceId: string, arn: string): BaseConfigurationItem {
  return {
    version: '1.3',
    accountId: ACCOUNT,
    configurationItemCaptureTime: RECORDED,
    configurationItemStatus: 'OK',
    configurationStateId: '1772354000000',
    arn,
    resourceType: resourceType as ResourceType,
    resourceId,
    awsRegion: REGION,
    configuration: '{}',
    supplementaryConfiguration: {},
  };
}

function tagMapping(arn: string, tags: Record<string, string>): ResourceTagMapping {
  return {
    ResourceARN: arn,
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

// ---- An AWS Config account, served by aws-sdk-client-mock (moto has no compliance APIs) ----

interface Estate {
  /** DescribeConfigRules pages. */
  rules: ConfigRule[][];
  compliance: ComplianceByConfigRule[];
  /** GetComplianceDetailsByConfigRule pages, by rule name. */
  details?: Record<string, EvaluationResult[][]>;
  inventory?: BaseConfigurationItem[];
  tags?: ResourceTagMapping[];
}

/** What each request carried, copied at call time: the SDK paginators reuse one input object. */
interface Requests {
  describeRules: DescribeConfigRulesCommandInput[];
  describeCompliance: DescribeComplianceByConfigRuleCommandInput[];
  details: GetComplianceDetailsByConfigRuleCommandInput[];
  batchGet: BatchGetResourceConfigCommandInput[];
  getResources: GetResourcesCommandInput[];
  getTagKeys: number;
  getTagValues: string[];
}

const configMock = mockClient(ConfigServiceClient);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const clients = {
  config: new ConfigServiceClient({ region: REGION }),
  tagging: new ResourceGroupsTaggingAPIClient({ region: REGION }),
};
let requests: Requests;
let logged: string[];
const log = (line: string): void => {
  logged.push(line);
};

function serve(estate: Estate): void {
  configMock.on(DescribeConfigRulesCommand).callsFake((input: DescribeConfigRulesCommandInput) => {
    requests.describeRules.push(structuredClone(input));
    const index = input.NextToken === undefined ? 0 : Number(input.NextToken.split('#')[1]);
    const next = index + 1 < estate.rules.length ? `rules#${index + 1}` : undefined;
    return { ConfigRules: estate.rules[index] ?? [], ...(next && { NextToken: next }) };
  });
  configMock
    .on(DescribeComplianceByConfigRuleCommand)
    .callsFake((input: DescribeComplianceByConfigRuleCommandInput) => {
      requests.describeCompliance.push(structuredClone(input));
      const names = input.ConfigRuleNames ?? [];
      return {
        ComplianceByConfigRules: estate.compliance.filter(
          (entry) => names.length === 0 || names.includes(entry.ConfigRuleName ?? ''),
        ),
      };
    });
  configMock
    .on(GetComplianceDetailsByConfigRuleCommand)
    .callsFake((input: GetComplianceDetailsByConfigRuleCommandInput) => {
      requests.details.push(structuredClone(input));
      const name = input.ConfigRuleName ?? '';
      const pages = estate.details?.[name] ?? [[]];
      const index = input.NextToken === undefined ? 0 : Number(input.NextToken.split('#')[1]);
      const next = index + 1 < pages.length ? `${name}#${index + 1}` : undefined;
      return { EvaluationResults: pages[index] ?? [], ...(next && { NextToken: next }) };
    });
  configMock
    .on(BatchGetResourceConfigCommand)
    .callsFake((input: BatchGetResourceConfigCommandInput) => {
      requests.batchGet.push(structuredClone(input));
      // Config validates every key's type against its ResourceType enum and fails the batch.
      const foreign = (input.resourceKeys ?? []).find(
        (key) => !RECORDED_TYPES.has(key.resourceType ?? ''),
      );
      if (foreign) {
        throw awsError(
          'ValidationException',
          `1 validation error detected: Value '${foreign.resourceType}' at 'resourceKeys.1.member.resourceType' failed to satisfy constraint: Member must satisfy enum value set`,
        );
      }
      const items = (estate.inventory ?? []).filter((item) =>
        (input.resourceKeys ?? []).some(
          (key) => key.resourceType === item.resourceType && key.resourceId === item.resourceId,
        ),
      );
      return { baseConfigurationItems: items, unprocessedResourceKeys: [] };
    });
  taggingMock.on(GetResourcesCommand).callsFake((input: GetResourcesCommandInput) => {
    requests.getResources.push(structuredClone(input));
    const arns = input.ResourceARNList;
    const filters = input.TagFilters ?? [];
    return {
      ResourceTagMappingList: (estate.tags ?? []).filter(
        (mapping) =>
          (arns === undefined || arns.includes(mapping.ResourceARN ?? '')) &&
          filters.every(({ Key, Values }) =>
            (mapping.Tags ?? []).some(
              (tag) => tag.Key === Key && (Values ?? []).includes(tag.Value ?? ''),
            ),
          ),
      ),
    };
  });
  taggingMock.on(GetTagKeysCommand).callsFake(() => {
    requests.getTagKeys += 1;
    return {
      TagKeys: [
        ...new Set((estate.tags ?? []).flatMap(({ Tags }) => (Tags ?? []).map(({ Key }) => Key))),
      ],
    };
  });
  taggingMock.on(GetTagValuesCommand).callsFake((input: GetTagValuesCommandInput) => {
    requests.getTagValues.push(input.Key ?? '');
    return {
      TagValues: [
        ...new Set(
          (estate.tags ?? []).flatMap(({ Tags }) =>
            (Tags ?? []).filter(({ Key }) => Key === input.Key).map(({ Value }) => Value),
          ),
        ),
      ],
    };
  });
}

function collect(
  scope: ComplianceScope = UNSCOPED,
  options: { needTags?: boolean; defaultSeverity?: Severity } = {},
) {
  return collectConfigCompliance(clients, scope, {
    log,
    region: REGION,
    defaultSeverity: options.defaultSeverity ?? 'MEDIUM',
    needTags: options.needTags ?? false,
  });
}

/** An error as the SDK deserializes one Config does not model: a plain Error named by its code. */
function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

beforeEach(() => {
  configMock.reset();
  taggingMock.reset();
  logged = [];
  requests = {
    describeRules: [],
    describeCompliance: [],
    details: [],
    batchGet: [],
    getResources: [],
    getTagKeys: 0,
    getTagValues: [],
  };
});

afterAll(() => {
  configMock.restore();
  taggingMock.restore();
});

/** One rule of each kind a real account has, each with one failing resource. */
const MIXED: Estate = {
  rules: [
    [
      // Deployed by Security Hub: managed rule, decorated name.
      configRule(SSH_RULE, { identifier: 'INCOMING_SSH_DISABLED' }),
      // A managed rule under a name the table does not know: found by its identifier.
      configRule('prod-imds-check', { identifier: 'EC2_IMDSV2_CHECK' }),
    ],
    [
      // Security Hub's own custom rule (no managed identifier): found by its decorated name.
      configRule('securityhub-vpc-sg-restricted-common-ports-4f2a', { owner: 'CUSTOM_LAMBDA' }),
      // The team's own rule: in no table.
      configRule(
        'team-encryption-check',
        { owner: 'CUSTOM_POLICY', identifier: 'guard' },
        'Volumes use the team CMK',
      ),
    ],
  ],
  compliance: [
    ruleCompliance(SSH_RULE, 'NON_COMPLIANT'),
    ruleCompliance('prod-imds-check', 'NON_COMPLIANT'),
    ruleCompliance('securityhub-vpc-sg-restricted-common-ports-4f2a', 'NON_COMPLIANT'),
    ruleCompliance('team-encryption-check', 'NON_COMPLIANT'),
  ],
  details: {
    [SSH_RULE]: [
      [
        evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', SG, {
          annotation: 'Port 22 is open to 0.0.0.0/0.',
        }),
      ],
    ],
    'prod-imds-check': [
      [evaluation('prod-imds-check', 'AWS::EC2::Instance', 'i-0123456789abcdef0')],
    ],
    'securityhub-vpc-sg-restricted-common-ports-4f2a': [
      [
        evaluation(
          'securityhub-vpc-sg-restricted-common-ports-4f2a',
          'AWS::EC2::SecurityGroup',
          SG,
        ),
      ],
    ],
    'team-encryption-check': [
      [evaluation('team-encryption-check', 'AWS::EC2::Volume', 'vol-0123456789abcdef0')],
    ],
  },
};

describe('collectConfigCompliance', () => {
  it('lists every page of rules and sorts each into its compliance state', async () => {
    serve({
      rules: [
        [
          configRule('s3-bucket-ssl-requests-only', { identifier: 'S3_BUCKET_SSL_REQUESTS_ONLY' }),
          configRule(SSH_RULE, { identifier: 'INCOMING_SSH_DISABLED' }),
        ],
        [configRule('rds-storage-encrypted', { identifier: 'RDS_STORAGE_ENCRYPTED' })],
        [
          configRule('securityhub-ec2-imdsv2-check-xyz', { identifier: 'EC2_IMDSV2_CHECK' }),
          configRule('team-encryption-check', { owner: 'CUSTOM_POLICY' }),
        ],
      ],
      compliance: [
        ruleCompliance('s3-bucket-ssl-requests-only', 'COMPLIANT'),
        ruleCompliance(SSH_RULE, 'NON_COMPLIANT'),
        ruleCompliance('rds-storage-encrypted', 'NOT_APPLICABLE'),
        ruleCompliance('securityhub-ec2-imdsv2-check-xyz', 'INSUFFICIENT_DATA'),
        // Created but never evaluated: no Compliance at all, which is not a pass.
        ruleCompliance('team-encryption-check'),
      ],
      details: { [SSH_RULE]: [[evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', SG)]] },
    });

    const collected = await collect();

    expect(requests.describeRules.map(({ NextToken }) => NextToken)).toEqual([
      undefined,
      'rules#1',
      'rules#2',
    ]);
    expect(requests.describeCompliance).toEqual([
      {
        ConfigRuleNames: [
          's3-bucket-ssl-requests-only',
          SSH_RULE,
          'rds-storage-encrypted',
          'securityhub-ec2-imdsv2-check-xyz',
          'team-encryption-check',
        ],
        NextToken: undefined,
      },
    ]);
    expect(collected.rules).toEqual({
      evaluated: 5,
      compliant: ['s3-bucket-ssl-requests-only'],
      nonCompliant: [SSH_RULE],
      notApplicable: ['rds-storage-encrypted'],
      insufficientData: ['securityhub-ec2-imdsv2-check-xyz', 'team-encryption-check'],
    });
    // Only the NON_COMPLIANT rule is asked for its resources.
    expect(requests.details.map(({ ConfigRuleName }) => ConfigRuleName)).toEqual([SSH_RULE]);
    expect(collected.findings.map(({ id }) => id)).toEqual(['EC2.13']);
    expect(collected.calls).toEqual({
      DescribeConfigRules: 3,
      DescribeComplianceByConfigRule: 1,
      GetComplianceDetailsByConfigRule: 1,
    });
    expect(logged).toEqual([
      'evaluating 5 AWS Config rule(s)',
      '1 non-compliant resource result(s) across 1 rule(s)',
    ]);
  });

  it('asks DescribeComplianceByConfigRule about at most 25 rules at a time', async () => {
    const names = Array.from({ length: 30 }, (_, index) => `team-rule-${index}`);
    serve({
      rules: [names.map((name) => configRule(name, { owner: 'CUSTOM_LAMBDA' }))],
      compliance: names.map((name) => ruleCompliance(name, 'COMPLIANT')),
    });
    const collected = await collect();
    expect(requests.describeCompliance.map(({ ConfigRuleNames }) => ConfigRuleNames)).toEqual([
      names.slice(0, 25),
      names.slice(25),
    ]);
    expect(collected.rules.compliant).toEqual(names);
  });

  it("reads every page of a rule's non-compliant resources, 100 at a time, NON_COMPLIANT only", async () => {
    const results = Array.from({ length: 250 }, (_, index) =>
      evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', `sg-${String(index).padStart(17, '0')}`),
    );
    // The server was asked for NON_COMPLIANT only; a COMPLIANT result slipped in must not count.
    const slipped = evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', 'sg-compliant', {
      type: 'COMPLIANT',
    });
    const notApplicable = evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', 'sg-not-applicable', {
      type: 'NOT_APPLICABLE',
    });
    serve({
      rules: [[configRule(SSH_RULE, { identifier: 'INCOMING_SSH_DISABLED' })]],
      compliance: [ruleCompliance(SSH_RULE, 'NON_COMPLIANT')],
      details: {
        [SSH_RULE]: [
          [...results.slice(0, 50), slipped, ...results.slice(50, 99)],
          results.slice(99, 199),
          [...results.slice(199), notApplicable],
        ],
      },
    });

    const collected = await collect();

    const asked = { ConfigRuleName: SSH_RULE, ComplianceTypes: ['NON_COMPLIANT'], Limit: 100 };
    expect(requests.details).toEqual([
      { ...asked, NextToken: undefined },
      { ...asked, NextToken: `${SSH_RULE}#1` },
      { ...asked, NextToken: `${SSH_RULE}#2` },
    ]);
    expect(collected.calls.GetComplianceDetailsByConfigRule).toBe(3);
    expect(collected.findings).toHaveLength(250);
    expect(collected.findings.map(({ resource }) => resource.id)).not.toContain('sg-compliant');
    expect(collected.findings.map(({ resource }) => resource.id)).not.toContain(
      'sg-not-applicable',
    );
    expect(new Set(collected.findings.map(({ sourceId }) => sourceId)).size).toBe(250);
    expect(logged).toContain('250 non-compliant resource result(s) across 1 rule(s)');
  });

  it('maps each rule to its control: by managed identifier, by decorated name, or not at all', async () => {
    serve(MIXED);
    const collected = await collect(UNSCOPED, { defaultSeverity: 'LOW' });
    expect(collected.findings.map(({ id, severity, rule }) => [rule?.name, id, severity])).toEqual([
      [SSH_RULE, 'EC2.13', 'HIGH'],
      ['prod-imds-check', 'EC2.8', 'HIGH'],
      ['securityhub-vpc-sg-restricted-common-ports-4f2a', 'EC2.19', 'CRITICAL'],
      // Not in the table: the rule name is the id, and compliance.default-severity applies.
      ['team-encryption-check', 'team-encryption-check', 'LOW'],
    ]);
    expect(collected.warnings).toEqual([
      'rule team-encryption-check is not in the control mapping table: its results get compliance.default-severity (LOW)',
    ]);
  });

  it('builds a finding with the rule annotation and the runbook from the control table', async () => {
    serve(MIXED);
    const collected = await collect();
    expect(collected.findings[0]).toEqual({
      id: 'EC2.13',
      aliases: [SSH_RULE, 'restricted-ssh', 'INCOMING_SSH_DISABLED'],
      sourceId: `${SSH_RULE}/AWS::EC2::SecurityGroup/${SG}`,
      source: 'config',
      severity: 'HIGH',
      status: 'ACTIVE',
      title: expect.stringMatching(/port 22/),
      description: 'Port 22 is open to 0.0.0.0/0.',
      resource: { id: SG, type: 'AWS::EC2::SecurityGroup', region: REGION },
      packages: [],
      fixAvailable: 'yes',
      lastSeen: '2026-03-01T08:30:00.000Z',
      rule: { name: SSH_RULE, annotation: 'Port 22 is open to 0.0.0.0/0.' },
      remediation: { document: 'AWS-DisableIncomingSSHOnPort22' },
    });
  });

  it('carries why there is no runbook when the table maps none, and the rule description for an unmapped rule', async () => {
    serve(MIXED);
    const collected = await collect();
    const byRule = new Map(collected.findings.map((finding) => [finding.rule?.name, finding]));
    const commonPorts = byRule.get('securityhub-vpc-sg-restricted-common-ports-4f2a')!;
    expect(commonPorts.fixAvailable).toBe('no');
    expect(commonPorts.remediation?.document).toBeUndefined();
    expect(commonPorts.remediation?.why).toMatch(/\S/);
    expect(commonPorts.description).toBeUndefined();
    const custom = byRule.get('team-encryption-check')!;
    expect(custom).toMatchObject({ title: 'Volumes use the team CMK', fixAvailable: 'no' });
    expect(custom.remediation).toBeUndefined();
    expect(custom.aliases).toBeUndefined();
  });

  describe('the rules filter', () => {
    it.each<[string, string[], string[]]>([
      ['a deployed name', [SSH_RULE], [SSH_RULE]],
      ['a managed identifier', ['EC2_IMDSV2_CHECK'], ['prod-imds-check']],
      [
        'a canonical rule name',
        ['vpc-sg-restricted-common-ports'],
        ['securityhub-vpc-sg-restricted-common-ports-4f2a'],
      ],
      ['a control id', ['EC2.13'], [SSH_RULE]],
      ['a control id in another case', ['ec2.8'], ['prod-imds-check']],
      ['an unmapped rule by name', ['team-encryption-check'], ['team-encryption-check']],
      [
        'several entries',
        ['EC2.19', 'EC2.8'],
        ['prod-imds-check', 'securityhub-vpc-sg-restricted-common-ports-4f2a'],
      ],
    ])('selects by %s', async (_name, rules, asked) => {
      serve(MIXED);
      const collected = await collect({ tags: {}, rules });
      expect(requests.describeCompliance.flatMap(({ ConfigRuleNames }) => ConfigRuleNames)).toEqual(
        asked,
      );
      expect(requests.details.map(({ ConfigRuleName }) => ConfigRuleName)).toEqual(asked);
      expect(collected.findings.map(({ rule }) => rule?.name)).toEqual(asked);
    });

    it("selects every deployment of one control: Security Hub's and a conformance pack's", async () => {
      serve({
        rules: [
          [
            configRule(SSH_RULE, { identifier: 'INCOMING_SSH_DISABLED' }),
            configRule(PACK_SSH_RULE, { owner: 'CUSTOM_POLICY' }),
            configRule('s3-bucket-ssl-requests-only', {
              identifier: 'S3_BUCKET_SSL_REQUESTS_ONLY',
            }),
          ],
        ],
        compliance: [
          ruleCompliance(SSH_RULE, 'COMPLIANT'),
          ruleCompliance(PACK_SSH_RULE, 'NON_COMPLIANT'),
        ],
        details: { [PACK_SSH_RULE]: [[evaluation(PACK_SSH_RULE, 'AWS::EC2::SecurityGroup', SG)]] },
      });
      const collected = await collect({ tags: {}, rules: ['restricted-ssh'] });
      expect(requests.describeCompliance[0]?.ConfigRuleNames).toEqual([SSH_RULE, PACK_SSH_RULE]);
      expect(collected.findings.map(({ id, rule }) => [id, rule?.name])).toEqual([
        ['EC2.13', PACK_SSH_RULE],
      ]);
    });

    it.each<[string[], RegExp]>([
      [['EC2.31'], /^rules: EC2\.31 is not .*deployed.* in us-east-1/],
      [
        ['EC2.13', 'restricted-rdp', 'S3.8'],
        /^rules: restricted-rdp, S3\.8 are not .*deployed.* in us-east-1/,
      ],
    ])(
      'a rule that is not deployed, %j, is a configuration error naming it',
      async (rules, message) => {
        serve(MIXED);
        const collecting = collect({ tags: {}, rules });
        await expect(collecting).rejects.toBeInstanceOf(ConfigurationError);
        await expect(collecting).rejects.toThrow(message);
        expect(requests.describeCompliance).toEqual([]);
      },
    );
  });

  it('no rules deployed at all is a configuration error, not a pass', async () => {
    serve({ rules: [[]], compliance: [] });
    const collecting = collect();
    await expect(collecting).rejects.toBeInstanceOf(ConfigurationError);
    await expect(collecting).rejects.toThrow(
      'no AWS Config rules are deployed in us-east-1: there is nothing to decide on; enable AWS Config rules, or set the compliance source to securityhub (Security Hub controls)',
    );
  });

  describe('the tag scope', () => {
    const rds = 'rds-instance-public-access-check';
    const TAGGED: Estate = {
      rules: [
        [
          configRule(SSH_RULE, { identifier: 'INCOMING_SSH_DISABLED' }),
          configRule(rds, { identifier: 'RDS_INSTANCE_PUBLIC_ACCESS_CHECK' }),
          configRule('securityhub-iam-root-access-key-check-r1', {
            identifier: 'IAM_ROOT_ACCESS_KEY_CHECK',
          }),
        ],
      ],
      compliance: [
        ruleCompliance(SSH_RULE, 'NON_COMPLIANT'),
        ruleCompliance(rds, 'NON_COMPLIANT'),
        ruleCompliance('securityhub-iam-root-access-key-check-r1', 'NON_COMPLIANT'),
      ],
      details: {
        [SSH_RULE]: [
          [
            evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', SG),
            evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', 'sg-untagged'),
          ],
        ],
        [rds]: [
          [
            evaluation(rds, 'AWS::RDS::DBInstance', DB_ID),
            evaluation(rds, 'AWS::RDS::DBInstance', 'db-STAGING'),
          ],
        ],
        // Account-level results: the account is not a resource Config records.
        'securityhub-iam-root-access-key-check-r1': [
          [evaluation('securityhub-iam-root-access-key-check-r1', 'AWS::::Account', ACCOUNT)],
        ],
      },
      inventory: [
        configItem('AWS::EC2::SecurityGroup', SG, SG_ARN),
        configItem(
          'AWS::EC2::SecurityGroup',
          'sg-untagged',
          `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-untagged`,
        ),
        configItem('AWS::RDS::DBInstance', DB_ID, DB_ARN),
        configItem(
          'AWS::RDS::DBInstance',
          'db-STAGING',
          `arn:aws:rds:${REGION}:${ACCOUNT}:db:staging-db`,
        ),
      ],
      tags: [
        tagMapping(SG_ARN, { Environment: 'prod', Team: 'web' }),
        tagMapping(DB_ARN, { Environment: 'prod' }),
        tagMapping(`arn:aws:rds:${REGION}:${ACCOUNT}:db:staging-db`, { Environment: 'staging' }),
        // The Tagging API does not return sg-untagged: it never had a tag.
      ],
    };

    it('looks up ARNs in Config, tags by ARN, and drops only results on resources tagged for another environment', async () => {
      serve(TAGGED);
      const collected = await collect(PROD);

      // The account is not a resource Config records: never sent (Config would reject the batch).
      expect(requests.batchGet).toEqual([
        {
          resourceKeys: [
            { resourceType: 'AWS::EC2::SecurityGroup', resourceId: SG },
            { resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-untagged' },
            { resourceType: 'AWS::RDS::DBInstance', resourceId: DB_ID },
            { resourceType: 'AWS::RDS::DBInstance', resourceId: 'db-STAGING' },
          ],
        },
      ]);
      expect(requests.getResources).toEqual([
        {
          ResourceARNList: [
            SG_ARN,
            `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-untagged`,
            DB_ARN,
            `arn:aws:rds:${REGION}:${ACCOUNT}:db:staging-db`,
          ],
        },
      ]);
      expect(
        collected.findings.map(({ id, resource }) => [id, resource.id, resource.tags]),
      ).toEqual([
        ['EC2.13', SG_ARN, { Environment: 'prod', Team: 'web' }],
        // Never tagged: nothing places it outside prod, so it stays (fail closed), with a warning.
        ['EC2.13', `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-untagged`, {}],
        // The RDS result is reported on its ARN, not on Config's db-… resource id.
        ['RDS.2', DB_ARN, { Environment: 'prod' }],
        // Account-level: applies to every environment in the account.
        ['IAM.4', ACCOUNT, undefined],
      ]);
      expect(collected.warnings).toEqual([
        '1 result(s) are on resources that lack a scope tag key (Environment), so nothing places them outside Environment=prod: they stay in scope; tag them (assetguard tags apply) to place them: AWS::EC2::SecurityGroup sg-untagged',
      ]);
      expect(collected.calls).toMatchObject({ BatchGetResourceConfig: 1, GetResources: 1 });
      expect(logged).toContain(
        '4 of 5 result(s) in scope Environment=prod: 2 on resources tagged so, 1 account-level, 1 unplaced; 1 elsewhere',
      );
    });

    it('keeps a resource that lacks one of the scope keys, and drops one with another value for any', async () => {
      serve(TAGGED);
      const collected = await collect({ tags: { Environment: 'prod', Team: 'web' }, rules: [] });
      expect(collected.findings.map(({ resource }) => resource.id)).toEqual([
        SG_ARN,
        `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-untagged`,
        // Environment=prod without a Team tag: not shown to belong to another team.
        DB_ARN,
        ACCOUNT,
      ]);
      serve({
        ...TAGGED,
        tags: [
          ...TAGGED.tags!,
          tagMapping(`arn:aws:rds:${REGION}:${ACCOUNT}:db:api-db`, {
            Environment: 'prod',
            Team: 'api',
          }),
        ],
      });
      const dropped = await collect({ tags: { Environment: 'prod', Team: 'api' }, rules: [] });
      expect(dropped.findings.map(({ resource }) => resource.id)).toEqual([
        `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-untagged`,
        DB_ARN,
        ACCOUNT,
      ]);
    });

    it('a scoped gate on an account-level failure (AWS::::Account, the S3 account block) keeps it and never asks Config for its ARN', async () => {
      const password = 'securityhub-iam-password-policy-p1';
      const s3Block = 's3-account-level-public-access-blocks-periodic';
      serve({
        rules: [
          [
            configRule(password, { identifier: 'IAM_PASSWORD_POLICY' }),
            configRule(s3Block, { identifier: 'S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC' }),
          ],
        ],
        compliance: [
          ruleCompliance(password, 'NON_COMPLIANT'),
          ruleCompliance(s3Block, 'NON_COMPLIANT'),
        ],
        details: {
          [password]: [[evaluation(password, 'AWS::::Account', ACCOUNT)]],
          [s3Block]: [[evaluation(s3Block, 'AWS::S3::AccountPublicAccessBlock', ACCOUNT)]],
        },
        tags: [tagMapping(DB_ARN, { Environment: 'prod' })],
      });
      const collected = await collect(PROD);
      expect(requests.batchGet).toEqual([]);
      expect(collected.findings.map(({ resource }) => [resource.type, resource.id])).toEqual([
        ['AWS::::Account', ACCOUNT],
        ['AWS::S3::AccountPublicAccessBlock', ACCOUNT],
      ]);
      expect(collected.warnings).toEqual([]);
      // No result is on a resource tagged prod: one GetResources by tag shows the scope exists.
      expect(requests.getResources).toEqual([
        { TagFilters: [{ Key: 'Environment', Values: ['prod'] }], ResourcesPerPage: 50 },
      ]);
    });

    it('keeps a result whose resource type Config does not record (a custom rule), without sending it', async () => {
      const custom = 'team-thing-check';
      serve({
        rules: [[configRule(custom, { owner: 'CUSTOM_LAMBDA' })]],
        compliance: [ruleCompliance(custom, 'NON_COMPLIANT')],
        details: { [custom]: [[evaluation(custom, 'Custom::Thing', 'thing-1')]] },
        tags: [tagMapping(DB_ARN, { Environment: 'prod' })],
      });
      const collected = await collect(PROD);
      expect(requests.batchGet).toEqual([]);
      expect(collected.findings.map(({ resource }) => resource.id)).toEqual(['thing-1']);
      expect(collected.warnings[0]).toBe(
        '1 result(s) are on resources whose tags could not be read, so they stay in scope: Custom::Thing thing-1 (not a resource type AWS Config records)',
      );
    });

    it('fetches tags for a tag-scoped exception without a scope, and drops nothing', async () => {
      serve(TAGGED);
      const collected = await collect(UNSCOPED, { needTags: true });
      expect(requests.batchGet).toHaveLength(1);
      expect(requests.getResources).toHaveLength(1);
      expect(collected.findings).toHaveLength(5);
      expect(collected.findings.find(({ id }) => id === 'RDS.2')?.resource).toEqual({
        id: DB_ARN,
        type: 'AWS::RDS::DBInstance',
        region: REGION,
        tags: { Environment: 'prod' },
      });
    });

    it('does not look up ARNs or tags when there is no scope and no tag-scoped exception', async () => {
      serve(TAGGED);
      const collected = await collect();
      expect(configMock.commandCalls(BatchGetResourceConfigCommand)).toHaveLength(0);
      expect(taggingMock.commandCalls(GetResourcesCommand)).toHaveLength(0);
      expect(collected.calls).not.toHaveProperty('BatchGetResourceConfig');
      expect(collected.calls).not.toHaveProperty('GetResources');
      expect(collected.findings.map(({ resource }) => resource.id)).toEqual([
        SG,
        'sg-untagged',
        DB_ID,
        'db-STAGING',
        ACCOUNT,
      ]);
      expect(collected.warnings).toEqual([]);
    });

    it('with no failing resource, only checks that the scope selects something', async () => {
      serve({
        ...TAGGED,
        compliance: TAGGED.compliance.map(({ ConfigRuleName }) =>
          ruleCompliance(ConfigRuleName!, 'COMPLIANT'),
        ),
      });
      const collected = await collect(PROD);
      expect(collected.findings).toEqual([]);
      expect(requests.details).toEqual([]);
      expect(requests.batchGet).toEqual([]);
      expect(requests.getResources).toEqual([
        { TagFilters: [{ Key: 'Environment', Values: ['prod'] }], ResourcesPerPage: 50 },
      ]);
      expect(logged).toContain(
        `scope Environment=prod selects resources in ${REGION} (e.g. ${SG_ARN})`,
      );
    });

    it('keeps a resource Config left unprocessed in scope (fail closed)', async () => {
      serve(TAGGED);
      // BatchGetResourceConfig may answer part of a batch and hand back the rest as unprocessed.
      configMock.on(BatchGetResourceConfigCommand).resolves({
        baseConfigurationItems: TAGGED.inventory!.filter(
          ({ resourceId }) => resourceId !== 'db-STAGING',
        ),
        unprocessedResourceKeys: [
          { resourceType: 'AWS::RDS::DBInstance', resourceId: 'db-STAGING' },
        ],
      });
      const collected = await collect(PROD);
      expect(collected.findings.map(({ resource }) => resource.id)).toEqual([
        SG_ARN,
        `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-untagged`,
        DB_ARN,
        'db-STAGING',
        ACCOUNT,
      ]);
      expect(collected.warnings).toContain(
        "1 result(s) are on resources whose tags could not be read, so they stay in scope: AWS::RDS::DBInstance db-STAGING (not in AWS Config's inventory)",
      );
    });

    it('asks about at most 100 resources per BatchGetResourceConfig and GetResources call', async () => {
      const ids = Array.from(
        { length: 150 },
        (_, index) => `sg-${String(index).padStart(17, '0')}`,
      );
      const arn = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${id}`;
      serve({
        rules: [[configRule(SSH_RULE, { identifier: 'INCOMING_SSH_DISABLED' })]],
        compliance: [ruleCompliance(SSH_RULE, 'NON_COMPLIANT')],
        details: {
          [SSH_RULE]: [ids.slice(0, 100), ids.slice(100)].map((chunk) =>
            chunk.map((id) => evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', id)),
          ),
        },
        inventory: ids.map((id) => configItem('AWS::EC2::SecurityGroup', id, arn(id))),
        tags: ids.map((id, index) =>
          tagMapping(arn(id), { Environment: index % 3 === 0 ? 'prod' : 'dev' }),
        ),
      });
      const collected = await collect(PROD);
      expect(requests.batchGet.map(({ resourceKeys }) => resourceKeys?.length)).toEqual([100, 50]);
      expect(requests.getResources.map(({ ResourceARNList }) => ResourceARNList?.length)).toEqual([
        100, 50,
      ]);
      expect(collected.findings).toHaveLength(50);
      expect(collected.warnings).toEqual([]);
    });
  });

  describe('a scope that selects nothing is an error (exit 2), naming what it probably meant', () => {
    /** One failing resource tagged for staging; prod exists only on resources that pass. */
    const ESTATE: Estate = {
      rules: [[configRule(SSH_RULE, { identifier: 'INCOMING_SSH_DISABLED' })]],
      compliance: [ruleCompliance(SSH_RULE, 'NON_COMPLIANT')],
      details: { [SSH_RULE]: [[evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', SG)]] },
      inventory: [configItem('AWS::EC2::SecurityGroup', SG, SG_ARN)],
      tags: [
        tagMapping(SG_ARN, { Environment: 'staging', Service: 'web' }),
        tagMapping(DB_ARN, { Environment: 'prod', Service: 'web' }),
      ],
    };

    it.each<[string, Record<string, string>, string]>([
      [
        'a misspelt key',
        { Enviroment: 'prod' },
        'No resource has the tag key Enviroment; keys in use that look like it: Environment.',
      ],
      [
        'a key in another case',
        { environment: 'prod' },
        'No resource has the tag key environment; keys in use that look like it: Environment.',
      ],
      [
        'a value in another case',
        { Environment: 'Prod' },
        'No resource has Environment=Prod; values of Environment in use: prod, staging.',
      ],
      [
        'tags that exist, but never together',
        { Environment: 'staging', Service: 'api' },
        'No resource has Service=api; values of Service in use: web.',
      ],
    ])('%s', async (_name, tags, hint) => {
      serve(ESTATE);
      const error = await collect({ tags, rules: [] }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(ConfigurationError);
      const pairs = Object.entries(tags)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ');
      expect((error as Error).message).toBe(
        `scope: no resource in ${REGION} carries ${pairs} (tag:GetResources found none), so the gate would decide on nothing. ${hint} Check the spelling and case of the scope (tag keys and values are case-sensitive) and the region.`,
      );
    });

    it('the same when every rule is compliant', async () => {
      serve({ ...ESTATE, compliance: [ruleCompliance(SSH_RULE, 'COMPLIANT')] });
      await expect(collect({ tags: { Enviroment: 'prod' }, rules: [] })).rejects.toThrow(
        /^scope: no resource in us-east-1 carries Enviroment=prod/,
      );
    });

    it('a scope that selects a passing resource decides (the failing one is elsewhere)', async () => {
      serve(ESTATE);
      const collected = await collect(PROD);
      expect(collected.findings).toEqual([]);
      expect(requests.getTagKeys).toBe(0);
    });

    it('still says what matched nothing when the tag keys cannot be listed', async () => {
      serve(ESTATE);
      taggingMock.on(GetTagKeysCommand).rejects(denied('tag:GetTagKeys'));
      await expect(collect({ tags: { Enviroment: 'prod' }, rules: [] })).rejects.toThrow(
        /^scope: no resource in us-east-1 carries Enviroment=prod \(tag:GetResources found none\), so the gate would decide on nothing\. \(no hints: could not list the tag keys in use: AccessDeniedException: .* — grant tag:GetTagKeys\) Check the spelling/,
      );
    });
  });

  describe('malformed or inconsistent answers are errors (exit 2), naming the operation', () => {
    const TWO_RULES: Estate = {
      rules: [
        [
          configRule(SSH_RULE, { identifier: 'INCOMING_SSH_DISABLED' }),
          configRule('rds-storage-encrypted', { identifier: 'RDS_STORAGE_ENCRYPTED' }),
        ],
      ],
      compliance: [
        ruleCompliance(SSH_RULE, 'NON_COMPLIANT'),
        ruleCompliance('rds-storage-encrypted', 'COMPLIANT'),
      ],
      details: { [SSH_RULE]: [[evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', SG)]] },
      inventory: [configItem('AWS::EC2::SecurityGroup', SG, SG_ARN)],
      tags: [tagMapping(SG_ARN, { Environment: 'prod' })],
    };

    async function failure(scope: ComplianceScope = UNSCOPED): Promise<Error> {
      const error = await collect(scope).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(UndecidedError);
      return error as Error;
    }

    it('a rule DescribeComplianceByConfigRule calls NON_COMPLIANT whose details are empty', async () => {
      serve({ ...TWO_RULES, details: { [SSH_RULE]: [[]] } });
      expect((await failure()).message).toBe(
        `config:DescribeComplianceByConfigRule reports rule ${SSH_RULE} NON_COMPLIANT, but config:GetComplianceDetailsByConfigRule returned no NON_COMPLIANT result for it; the two answers disagree, so the gate cannot decide (Config may be re-evaluating: retry)`,
      );
    });

    it('details that hold only results of another compliance type', async () => {
      serve({
        ...TWO_RULES,
        details: {
          [SSH_RULE]: [
            [evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', SG, { type: 'COMPLIANT' })],
          ],
        },
      });
      expect((await failure()).message).toMatch(/returned no NON_COMPLIANT result for it/);
    });

    it.each<[string, () => void, RegExp]>([
      [
        'DescribeConfigRules',
        () => configMock.on(DescribeConfigRulesCommand).resolves({}),
        /^config:DescribeConfigRules answered page 1 without its list of items/,
      ],
      [
        'DescribeComplianceByConfigRule',
        () => configMock.on(DescribeComplianceByConfigRuleCommand).resolves({}),
        /^config:DescribeComplianceByConfigRule answered page 1 without its list of items/,
      ],
      [
        'GetComplianceDetailsByConfigRule',
        () => configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({}),
        /^config:GetComplianceDetailsByConfigRule answered page 1 without its list of items/,
      ],
      [
        'BatchGetResourceConfig',
        () => configMock.on(BatchGetResourceConfigCommand).resolves({}),
        /^config:BatchGetResourceConfig answered without baseConfigurationItems/,
      ],
    ])('an empty body from %s', async (_operation, empty, message) => {
      serve(TWO_RULES);
      empty();
      expect((await failure(PROD)).message).toMatch(message);
    });

    it('a summary that answers for none of the deployed rules', async () => {
      serve({ ...TWO_RULES, compliance: [] });
      expect((await failure()).message).toBe(
        `config:DescribeComplianceByConfigRule answered for 0 of the 2 deployed rule(s) asked about; no answer for ${SSH_RULE}, rds-storage-encrypted. Config answers every rule (INSUFFICIENT_DATA when it has no results), so the gate cannot decide; retry, and check the rules in the AWS Config console`,
      );
    });

    it('a summary that leaves out one rule', async () => {
      serve({ ...TWO_RULES, compliance: [ruleCompliance('rds-storage-encrypted', 'COMPLIANT')] });
      expect((await failure()).message).toMatch(
        new RegExp(
          `answered for 1 of the 2 deployed rule\\(s\\) asked about; no answer for ${SSH_RULE}\\.`,
        ),
      );
    });

    it('a summary about a rule that was not asked', async () => {
      serve(TWO_RULES);
      configMock.on(DescribeComplianceByConfigRuleCommand).resolves({
        ComplianceByConfigRules: [
          ...TWO_RULES.compliance,
          ruleCompliance('someone-elses-rule', 'COMPLIANT'),
        ],
      });
      expect((await failure()).message).toMatch(
        /answered about rule "someone-elses-rule", which was not asked or was answered twice/,
      );
    });

    it('a compliance type outside the enum', async () => {
      serve({
        ...TWO_RULES,
        compliance: [
          {
            ConfigRuleName: SSH_RULE,
            Compliance: { ComplianceType: 'non_compliant' as ComplianceType },
          },
          ruleCompliance('rds-storage-encrypted', 'COMPLIANT'),
        ],
      });
      expect((await failure()).message).toMatch(
        /answered compliance type "non_compliant" for rule securityhub-restricted-ssh-abc123/,
      );
    });

    it('a NON_COMPLIANT result without its resource', async () => {
      const result = evaluation(SSH_RULE, 'AWS::EC2::SecurityGroup', SG);
      delete result.EvaluationResultIdentifier;
      serve({ ...TWO_RULES, details: { [SSH_RULE]: [[result]] } });
      expect((await failure()).message).toMatch(
        /answered a NON_COMPLIANT result of rule .* without its resource type and id/,
      );
    });

    it('a rule without a name', async () => {
      serve({
        ...TWO_RULES,
        rules: [
          [{ ConfigRuleArn: 'arn:aws:config:us-east-1:1:config-rule/x', Source: { Owner: 'AWS' } }],
        ],
      });
      expect((await failure()).message).toMatch(
        /^config:DescribeConfigRules answered a rule without ConfigRuleName/,
      );
    });
  });

  describe('AWS failures name the call and the permission to grant', () => {
    it.each<[string, () => void, string, string]>([
      [
        'DescribeConfigRules',
        () =>
          configMock.on(DescribeConfigRulesCommand).rejects(denied('config:DescribeConfigRules')),
        'list the AWS Config rules',
        'config:DescribeConfigRules',
      ],
      [
        'DescribeComplianceByConfigRule',
        () =>
          configMock
            .on(DescribeComplianceByConfigRuleCommand)
            .rejects(denied('config:DescribeComplianceByConfigRule')),
        'read AWS Config rule compliance',
        'config:DescribeComplianceByConfigRule',
      ],
      [
        'GetComplianceDetailsByConfigRule',
        () =>
          configMock
            .on(GetComplianceDetailsByConfigRuleCommand)
            .rejects(denied('config:GetComplianceDetailsByConfigRule')),
        `read the non-compliant resources of Config rule ${SSH_RULE}`,
        'config:GetComplianceDetailsByConfigRule',
      ],
      [
        'BatchGetResourceConfig',
        () =>
          configMock
            .on(BatchGetResourceConfigCommand)
            .rejects(denied('config:BatchGetResourceConfig')),
        'look up the ARNs of non-compliant resources',
        'config:BatchGetResourceConfig',
      ],
      [
        'GetResources',
        () => taggingMock.on(GetResourcesCommand).rejects(denied('tag:GetResources')),
        'read the tags of 1 resource(s)',
        'tag:GetResources',
      ],
    ])('AccessDeniedException on %s', async (_operation, deny, what, permission) => {
      serve(MIXED_WITH_INVENTORY);
      deny();
      const error = await collect(PROD).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(AwsError);
      expect((error as AwsError).awsCode).toBe('AccessDeniedException');
      expect((error as AwsError).message).toBe(
        `could not ${what}: AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ci is not authorized to perform: ${permission} — grant ${permission}`,
      );
    });

    it('a ThrottlingException that outlasted the retries says it is still throttled', async () => {
      serve(MIXED);
      configMock
        .on(GetComplianceDetailsByConfigRuleCommand)
        .rejects(awsError('ThrottlingException', 'Rate exceeded'));
      const collecting = collect();
      await expect(collecting).rejects.toBeInstanceOf(AwsError);
      await expect(collecting).rejects.toThrow(
        `could not read the non-compliant resources of Config rule ${SSH_RULE}: ThrottlingException: Rate exceeded — still throttled after retries: retry later or raise the retry budget`,
      );
    });
  });
});

function denied(permission: string): Error {
  return awsError(
    'AccessDeniedException',
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/ci is not authorized to perform: ${permission}`,
  );
}

/** MIXED with a Config inventory and tags, so a scoped run makes every call. */
const MIXED_WITH_INVENTORY: Estate = {
  ...MIXED,
  inventory: [configItem('AWS::EC2::SecurityGroup', SG, SG_ARN)],
  tags: [tagMapping(SG_ARN, { Environment: 'prod' })],
};
