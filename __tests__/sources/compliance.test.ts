import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
  ResourceType,
  type BatchGetResourceConfigCommandInput,
  type BaseConfigurationItem,
  type ConfigRule,
  type EvaluationResult,
  type GetComplianceDetailsByConfigRuleCommandInput,
} from '@aws-sdk/client-config-service';
import {
  GetResourcesCommand,
  GetTagKeysCommand,
  ResourceGroupsTaggingAPIClient,
  type GetResourcesCommandInput,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetEnabledStandardsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { placeInScope, type KnownTags } from '../../actions/src/sources/compliance';
import { collectConfigCompliance } from '../../actions/src/sources/config';
import { collectSecurityHubCompliance } from '../../actions/src/sources/securityhub';
import { ACCOUNT, securityHubFinding } from '../fixtures/seed';

const REGION = 'us-east-1';
const PROD = { Environment: 'prod' };

describe('placeInScope', () => {
  const resource = { accountLevel: false };
  it.each<[string, KnownTags, Record<string, string>, ReturnType<typeof placeInScope>]>([
    ['every scope tag', { tags: { Environment: 'prod', Team: 'web' } }, PROD, 'tagged'],
    ['another value for a scope key', { tags: { Environment: 'staging' } }, PROD, 'elsewhere'],
    [
      'a value in another case (AWS compares exactly)',
      { tags: { Environment: 'Prod' } },
      PROD,
      'elsewhere',
    ],
    ['no tags at all', { tags: {} }, PROD, 'unplaced'],
    ['other tags only', { tags: { Team: 'web' } }, PROD, 'unplaced'],
    ['a key in another case only', { tags: { environment: 'prod' } }, PROD, 'unplaced'],
    ['unknown tags', { unknown: 'not an ARN' }, PROD, 'unplaced'],
    [
      'one scope key matching, the other missing',
      { tags: { Environment: 'prod' } },
      { Environment: 'prod', Team: 'web' },
      'unplaced',
    ],
    [
      'one scope key matching, the other different',
      { tags: { Environment: 'prod', Team: 'api' } },
      { Environment: 'prod', Team: 'web' },
      'elsewhere',
    ],
  ])('%s', (_name, known, scope, placement) => {
    expect(placeInScope(resource, known, scope)).toBe(placement);
  });

  it('an account-level result is in every scope, whatever is known of tags', () => {
    expect(placeInScope({ accountLevel: true }, { tags: { Environment: 'dev' } }, PROD)).toBe(
      'account-level',
    );
  });
});

// ---- One account, seen through both sources: they must keep and drop the same resources ----

const PROD_BUCKET = 'arn:aws:s3:::shop-prod-assets';
const STAGING_BUCKET = 'arn:aws:s3:::shop-staging-assets';
const OPEN_SG = `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0untagged`;
/** Config names the RDS instance by its DbiResourceId; the ARN ends in its name. */
const DB_ID = 'db-PRODPRODPRODPRODPRODPRODP';
const DB_ARN = `arn:aws:rds:${REGION}:${ACCOUNT}:db:shop-prod`;

interface Failure {
  controlId: string;
  ruleName: string;
  identifier: string;
  configType: string;
  configId: string;
  asffType: string;
  asffId: string;
  arn?: string;
}

const FAILURES: Failure[] = [
  {
    controlId: 'S3.8',
    ruleName: 'securityhub-s3-bucket-level-public-access-prohibited-8f3a1c',
    identifier: 'S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED',
    configType: 'AWS::S3::Bucket',
    configId: 'shop-prod-assets',
    asffType: 'AwsS3Bucket',
    asffId: PROD_BUCKET,
    arn: PROD_BUCKET,
  },
  {
    controlId: 'S3.8',
    ruleName: 'securityhub-s3-bucket-level-public-access-prohibited-8f3a1c',
    identifier: 'S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED',
    configType: 'AWS::S3::Bucket',
    configId: 'shop-staging-assets',
    asffType: 'AwsS3Bucket',
    asffId: STAGING_BUCKET,
    arn: STAGING_BUCKET,
  },
  {
    controlId: 'EC2.13',
    ruleName: 'securityhub-restricted-ssh-abc123',
    identifier: 'INCOMING_SSH_DISABLED',
    configType: 'AWS::EC2::SecurityGroup',
    configId: 'sg-0untagged',
    asffType: 'AwsEc2SecurityGroup',
    asffId: OPEN_SG,
    arn: OPEN_SG,
  },
  {
    controlId: 'RDS.2',
    ruleName: 'securityhub-rds-instance-public-access-check-q1',
    identifier: 'RDS_INSTANCE_PUBLIC_ACCESS_CHECK',
    configType: 'AWS::RDS::DBInstance',
    configId: DB_ID,
    asffType: 'AwsRdsDbInstance',
    asffId: DB_ARN,
    arn: DB_ARN,
  },
  {
    controlId: 'IAM.7',
    ruleName: 'securityhub-iam-password-policy-p1',
    identifier: 'IAM_PASSWORD_POLICY',
    configType: 'AWS::::Account',
    configId: ACCOUNT,
    asffType: 'AwsAccount',
    asffId: `AWS::::Account:${ACCOUNT}`,
  },
];

const TAGS = [
  { ResourceARN: PROD_BUCKET, Tags: [{ Key: 'Environment', Value: 'prod' }] },
  { ResourceARN: STAGING_BUCKET, Tags: [{ Key: 'Environment', Value: 'staging' }] },
  { ResourceARN: DB_ARN, Tags: [{ Key: 'Environment', Value: 'prod' }] },
];

const configMock = mockClient(ConfigServiceClient);
const securityHubMock = mockClient(SecurityHubClient);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const clients = {
  config: new ConfigServiceClient({ region: REGION }),
  securityhub: new SecurityHubClient({ region: REGION }),
  tagging: new ResourceGroupsTaggingAPIClient({ region: REGION }),
};
const RECORDED: ReadonlySet<string> = new Set(Object.values(ResourceType));

function serveConfig(): void {
  const names = [...new Set(FAILURES.map(({ ruleName }) => ruleName))];
  configMock.on(DescribeConfigRulesCommand).resolves({
    ConfigRules: names.map((name): ConfigRule => ({
      ConfigRuleName: name,
      Source: {
        Owner: 'AWS',
        SourceIdentifier: FAILURES.find(({ ruleName }) => ruleName === name)?.identifier,
      },
      ConfigRuleState: 'ACTIVE',
    })),
  });
  configMock.on(DescribeComplianceByConfigRuleCommand).resolves({
    ComplianceByConfigRules: names.map((name) => ({
      ConfigRuleName: name,
      Compliance: { ComplianceType: 'NON_COMPLIANT' },
    })),
  });
  configMock
    .on(GetComplianceDetailsByConfigRuleCommand)
    .callsFake((input: GetComplianceDetailsByConfigRuleCommandInput) => ({
      EvaluationResults: FAILURES.filter(({ ruleName }) => ruleName === input.ConfigRuleName).map(
        (failure): EvaluationResult => ({
          EvaluationResultIdentifier: {
            EvaluationResultQualifier: {
              ConfigRuleName: failure.ruleName,
              ResourceType: failure.configType,
              ResourceId: failure.configId,
            },
          },
          ComplianceType: 'NON_COMPLIANT',
        }),
      ),
    }));
  configMock
    .on(BatchGetResourceConfigCommand)
    .callsFake((input: BatchGetResourceConfigCommandInput) => {
      const keys = input.resourceKeys ?? [];
      if (keys.some(({ resourceType }) => !RECORDED.has(resourceType ?? ''))) {
        throw Object.assign(new Error('Member must satisfy enum value set'), {
          name: 'ValidationException',
        });
      }
      return {
        baseConfigurationItems: FAILURES.filter(({ configType, configId }) =>
          keys.some(
            ({ resourceType, resourceId }) =>
              resourceType === configType && resourceId === configId,
          ),
        ).map((failure): BaseConfigurationItem => ({
          resourceType: failure.configType as ResourceType,
          resourceId: failure.configId,
          ...(failure.arn !== undefined && { arn: failure.arn }),
        })),
        unprocessedResourceKeys: [],
      };
    });
}

function serveSecurityHub(): void {
  securityHubMock.on(GetFindingsCommand).resolves({
    // As Security Hub sends most control findings: without Resources[].Tags.
    Findings: FAILURES.map(
      (failure) =>
        securityHubFinding(REGION, {
          controlId: failure.controlId,
          ruleName: failure.ruleName,
          severity: 'HIGH',
          resourceType: failure.asffType,
          resourceId: failure.asffId,
        }) as unknown as AwsSecurityFinding,
    ),
  });
  securityHubMock.on(GetEnabledStandardsCommand).resolves({ StandardsSubscriptions: [] });
}

function serveTagging(): void {
  taggingMock.on(GetResourcesCommand).callsFake((input: GetResourcesCommandInput) => ({
    ResourceTagMappingList: TAGS.filter(
      (mapping) =>
        (input.ResourceARNList ?? [mapping.ResourceARN]).includes(mapping.ResourceARN) &&
        (input.TagFilters ?? []).every(({ Key, Values }) =>
          mapping.Tags.some((tag) => tag.Key === Key && (Values ?? []).includes(tag.Value)),
        ),
    ),
  }));
  taggingMock.on(GetTagKeysCommand).resolves({ TagKeys: ['Environment'] });
}

beforeEach(() => {
  configMock.reset();
  securityHubMock.reset();
  taggingMock.reset();
  serveConfig();
  serveSecurityHub();
  serveTagging();
});

afterAll(() => {
  configMock.restore();
  securityHubMock.restore();
  taggingMock.restore();
});

const log = (): void => undefined;

async function bothSources(tags: Record<string, string>) {
  const scope = { tags, rules: [] };
  const [config, securityhub] = await Promise.all([
    collectConfigCompliance(clients, scope, {
      log,
      region: REGION,
      defaultSeverity: 'MEDIUM',
      needTags: false,
    }),
    collectSecurityHubCompliance(clients, scope, {
      log,
      region: REGION,
      accountId: ACCOUNT,
      defaultSeverity: 'MEDIUM',
    }),
  ]);
  const kept = (findings: { id: string; resource: { id: string } }[]) =>
    findings.map(({ id, resource }) => `${id} ${resource.id}`).sort();
  return {
    config: kept(config.findings),
    securityhub: kept(securityhub.findings),
    raw: { config, securityhub },
  };
}

describe('both sources place results in the tag scope the same way', () => {
  it('Environment=prod: the prod bucket and database, the untagged group and the account; not the staging bucket', async () => {
    const { config, securityhub, raw } = await bothSources(PROD);
    const expected = [
      `EC2.13 ${OPEN_SG}`,
      `IAM.7 ${ACCOUNT}`,
      `RDS.2 ${DB_ARN}`,
      `S3.8 ${PROD_BUCKET}`,
    ];
    expect(config).toEqual(expected);
    // Security Hub names the account AWS::::Account:<id>; everything else is the same ARN.
    expect(securityhub).toEqual(
      expected.map((line) => line.replace(` ${ACCOUNT}`, ` AWS::::Account:${ACCOUNT}`)),
    );
    expect(raw.config.warnings).toEqual(
      raw.securityhub.warnings.map((warning) =>
        warning
          .replace('AwsEc2SecurityGroup', 'AWS::EC2::SecurityGroup')
          .replace(OPEN_SG, 'sg-0untagged'),
      ),
    );
  });

  it('Environment=staging: the staging bucket, the untagged group and the account, in both', async () => {
    const { config, securityhub } = await bothSources({ Environment: 'staging' });
    expect(config).toEqual([`EC2.13 ${OPEN_SG}`, `IAM.7 ${ACCOUNT}`, `S3.8 ${STAGING_BUCKET}`]);
    expect(securityhub).toEqual([
      `EC2.13 ${OPEN_SG}`,
      `IAM.7 AWS::::Account:${ACCOUNT}`,
      `S3.8 ${STAGING_BUCKET}`,
    ]);
  });

  it('a scope nothing carries is exit 2 from both', async () => {
    const scope = { tags: { Enviroment: 'prod' }, rules: [] };
    const message =
      /^scope: no resource in us-east-1 carries Enviroment=prod .*keys in use that look like it: Environment\./;
    await expect(
      collectConfigCompliance(clients, scope, {
        log,
        region: REGION,
        defaultSeverity: 'MEDIUM',
        needTags: false,
      }),
    ).rejects.toThrow(message);
    await expect(
      collectSecurityHubCompliance(clients, scope, {
        log,
        region: REGION,
        accountId: ACCOUNT,
        defaultSeverity: 'MEDIUM',
      }),
    ).rejects.toThrow(message);
  });
});
