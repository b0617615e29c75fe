import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
  ListDiscoveredResourcesCommand,
  type EvaluationResult,
} from '@aws-sdk/client-config-service';
import { Inspector2Client, ListFindingsCommand } from '@aws-sdk/client-inspector2';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { parsePolicy } from '../../actions/src/core/policy';
import { collectReport, type ReportClients } from '../../actions/src/report/collect';

// moto implements no Config compliance call: the Config path runs on aws-sdk-client-mock, with
// answers shaped after the config-service botocore model.
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const SG = (id: string): string => `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${id}`;

const configMock = mockClient(ConfigServiceClient);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const stsMock = mockClient(STSClient);
const inspectorMock = mockClient(Inspector2Client);

function clients(): ReportClients {
  return {
    inspector: new Inspector2Client({ region: REGION }),
    config: new ConfigServiceClient({ region: REGION }),
    securityhub: new SecurityHubClient({ region: REGION }),
    tagging: new ResourceGroupsTaggingAPIClient({ region: REGION }),
    sts: new STSClient({ region: REGION }),
  };
}

function result(
  rule: string,
  type: 'COMPLIANT' | 'NON_COMPLIANT',
  resourceType: string,
  resourceId: string,
): EvaluationResult {
  return {
    ComplianceType: type,
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: {
        ConfigRuleName: rule,
        ResourceType: resourceType,
        ResourceId: resourceId,
      },
    },
    ResultRecordedTime: new Date('2026-01-31T00:00:00Z'),
  };
}

beforeEach(() => {
  for (const mock of [configMock, taggingMock, stsMock, inspectorMock]) mock.reset();
  stsMock.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  inspectorMock.on(ListFindingsCommand).resolves({ findings: [] });
  configMock.on(ListDiscoveredResourcesCommand).resolves({ resourceIdentifiers: [] });
  configMock.on(DescribeConfigRulesCommand).resolves({
    ConfigRules: [
      {
        ConfigRuleName: 'restricted-ssh',
        Source: { Owner: 'AWS', SourceIdentifier: 'INCOMING_SSH_DISABLED' },
      },
      {
        ConfigRuleName: 'ec2-imdsv2-check',
        Source: { Owner: 'AWS', SourceIdentifier: 'EC2_IMDSV2_CHECK' },
      },
    ],
  });
  configMock.on(DescribeComplianceByConfigRuleCommand).resolves({
    ComplianceByConfigRules: [
      { ConfigRuleName: 'restricted-ssh', Compliance: { ComplianceType: 'NON_COMPLIANT' } },
      { ConfigRuleName: 'ec2-imdsv2-check', Compliance: { ComplianceType: 'COMPLIANT' } },
    ],
  });
  configMock
    .on(GetComplianceDetailsByConfigRuleCommand, {
      ConfigRuleName: 'restricted-ssh',
      ComplianceTypes: ['NON_COMPLIANT'],
    })
    .resolves({
      EvaluationResults: [
        result('restricted-ssh', 'NON_COMPLIANT', 'AWS::EC2::SecurityGroup', 'sg-0web'),
        result('restricted-ssh', 'NON_COMPLIANT', 'AWS::EC2::SecurityGroup', 'sg-0data'),
      ],
    })
    .on(GetComplianceDetailsByConfigRuleCommand, {
      ConfigRuleName: 'restricted-ssh',
      ComplianceTypes: ['COMPLIANT'],
    })
    .resolves({
      EvaluationResults: [
        result('restricted-ssh', 'COMPLIANT', 'AWS::EC2::SecurityGroup', 'sg-0ok'),
        // A result the server should not have sent: the client re-check drops it.
        result('restricted-ssh', 'NON_COMPLIANT', 'AWS::EC2::SecurityGroup', 'sg-0web'),
      ],
    })
    .on(GetComplianceDetailsByConfigRuleCommand, {
      ConfigRuleName: 'ec2-imdsv2-check',
      ComplianceTypes: ['COMPLIANT'],
    })
    .resolves({
      EvaluationResults: [
        result('ec2-imdsv2-check', 'COMPLIANT', 'AWS::EC2::Instance', 'i-01'),
        result('ec2-imdsv2-check', 'COMPLIANT', 'AWS::EC2::Instance', 'i-02'),
        result('ec2-imdsv2-check', 'COMPLIANT', 'AWS::EC2::Instance', 'i-03'),
      ],
    });
  configMock.on(BatchGetResourceConfigCommand).resolves({
    baseConfigurationItems: [
      { resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-0web', arn: SG('sg-0web') },
      { resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-0data', arn: SG('sg-0data') },
    ],
  });
  taggingMock.on(GetResourcesCommand).resolves({
    ResourceTagMappingList: [
      { ResourceARN: SG('sg-0web'), Tags: [{ Key: 'Owner', Value: 'web-team@example.com' }] },
      { ResourceARN: SG('sg-0data'), Tags: [{ Key: 'Owner', Value: 'data-team@example.com' }] },
    ],
  });
});

describe('collectReport, AWS Config source', () => {
  it('reads failing rules with their owners and counts compliant resources per rule', async () => {
    const report = await collectReport(clients(), {
      log: () => undefined,
      region: REGION,
      policy: parsePolicy('version: 1\n', 'policy.yml'),
      cceSource: 'config',
    });
    expect(
      report.findings.map((item) => [
        item.kind,
        item.finding.id,
        item.finding.resource.id,
        item.owner,
      ]),
    ).toEqual([
      ['cce', 'EC2.13', SG('sg-0web'), 'web-team@example.com'],
      ['cce', 'EC2.13', SG('sg-0data'), 'data-team@example.com'],
    ]);
    expect(report.findings[0]?.key).toBe('config:restricted-ssh/AWS::EC2::SecurityGroup/sg-0web');
    expect(report.rules).toEqual([
      {
        rule: 'restricted-ssh',
        title: expect.any(String) as unknown,
        severity: 'HIGH',
        compliant: 1,
        noncompliant: 2,
      },
      {
        rule: 'ec2-imdsv2-check',
        title: expect.any(String) as unknown,
        severity: 'HIGH',
        compliant: 3,
        noncompliant: 0,
      },
    ]);
    expect(report.calls).toMatchObject({
      ListFindings: 1,
      DescribeConfigRules: 1,
      DescribeComplianceByConfigRule: 1,
      // One NON_COMPLIANT listing, two COMPLIANT listings.
      GetComplianceDetailsByConfigRule: 3,
      BatchGetResourceConfig: 1,
    });
    expect(report.warnings).toEqual([]);
  });

  it('fails closed on a COMPLIANT result without its resource, naming the operation', async () => {
    configMock
      .on(GetComplianceDetailsByConfigRuleCommand, {
        ConfigRuleName: 'ec2-imdsv2-check',
        ComplianceTypes: ['COMPLIANT'],
      })
      .resolves({ EvaluationResults: [{ ComplianceType: 'COMPLIANT' }] });
    await expect(
      collectReport(clients(), {
        log: () => undefined,
        region: REGION,
        policy: parsePolicy('version: 1\n', 'policy.yml'),
        cceSource: 'config',
      }),
    ).rejects.toThrow(
      'config:GetComplianceDetailsByConfigRule answered a COMPLIANT result of rule ec2-imdsv2-check without its resource type and id',
    );
  });
});
