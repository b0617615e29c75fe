import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
  ListDiscoveredResourcesCommand,
  type EvaluationResult,
} from '@aws-sdk/client-config-service';
import {
  BatchGetAccountStatusCommand,
  Inspector2Client,
  ListFindingsCommand,
  type BatchGetAccountStatusCommandOutput,
} from '@aws-sdk/client-inspector2';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { UndecidedError } from '../../actions/src/core/errors';
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
    inspector: () => Promise.resolve(new Inspector2Client({ region: REGION })),
    config: () => Promise.resolve(new ConfigServiceClient({ region: REGION })),
    securityhub: () => Promise.resolve(new SecurityHubClient({ region: REGION })),
    tagging: () => Promise.resolve(new ResourceGroupsTaggingAPIClient({ region: REGION })),
    sts: new STSClient({ region: REGION }),
  };
}

/** Inspector2's BatchGetAccountStatus answer for the account, shaped after the inspector2 model. */
function scanStatus(
  resourceState: Record<string, unknown>,
  status = 'ENABLED',
): BatchGetAccountStatusCommandOutput {
  return {
    accounts: [{ accountId: ACCOUNT, state: { status }, resourceState }],
    failedAccounts: [],
  } as unknown as BatchGetAccountStatusCommandOutput;
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
  inspectorMock.on(BatchGetAccountStatusCommand).resolves(
    scanStatus({
      ecr: { status: 'ENABLED' },
      ec2: { status: 'ENABLED' },
      lambda: { status: 'ENABLED' },
    }),
  );
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
    expect(report.cveScanned).toEqual(['ECR', 'EC2', 'LAMBDA']);
    expect(inspectorMock.commandCalls(BatchGetAccountStatusCommand)[0]?.args[0].input).toEqual({
      accountIds: [ACCOUNT],
    });
    expect(report.calls).toMatchObject({
      ListFindings: 1,
      BatchGetAccountStatus: 1,
      DescribeConfigRules: 1,
      DescribeComplianceByConfigRule: 1,
      // One NON_COMPLIANT listing, two COMPLIANT listings.
      GetComplianceDetailsByConfigRule: 3,
      BatchGetResourceConfig: 1,
    });
    expect(report.warnings).toEqual([]);
  });

  it('reads the COMPLIANT results alongside the NON_COMPLIANT ones, once the rule states are known', async () => {
    // The NON_COMPLIANT answer waits until a COMPLIANT listing has been asked for: read one after
    // the other, the collection would never finish.
    let compliantAsked!: () => void;
    const asked = new Promise<void>((resolve) => {
      compliantAsked = resolve;
    });
    configMock
      .on(GetComplianceDetailsByConfigRuleCommand, {
        ConfigRuleName: 'restricted-ssh',
        ComplianceTypes: ['NON_COMPLIANT'],
      })
      .callsFake(async () => {
        await asked;
        return {
          EvaluationResults: [
            result('restricted-ssh', 'NON_COMPLIANT', 'AWS::EC2::SecurityGroup', 'sg-0web'),
          ],
        };
      })
      .on(GetComplianceDetailsByConfigRuleCommand, {
        ConfigRuleName: 'ec2-imdsv2-check',
        ComplianceTypes: ['COMPLIANT'],
      })
      .callsFake(() => {
        compliantAsked();
        return { EvaluationResults: [] };
      });
    const report = await collectReport(clients(), {
      log: () => undefined,
      region: REGION,
      policy: parsePolicy('version: 1\n', 'policy.yml'),
      cceSource: 'config',
    });
    expect(report.findings.map((item) => item.finding.resource.id)).toEqual([SG('sg-0web')]);
    // restricted-ssh passes on sg-0ok; ec2-imdsv2-check, with no result either way, is no row.
    expect(report.rules.map(({ rule, compliant }) => [rule, compliant])).toEqual([
      ['restricted-ssh', 1],
    ]);
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

describe('collectReport: what Inspector2 scans', () => {
  const collect = () =>
    collectReport(clients(), {
      log: () => undefined,
      region: REGION,
      policy: parsePolicy('version: 1\n', 'policy.yml'),
      cceSource: 'config',
    });

  it('stops (exit 2) when Inspector2 scans nothing, naming it and how to enable it, before listing any finding', async () => {
    inspectorMock.on(BatchGetAccountStatusCommand).resolves(
      scanStatus(
        {
          ecr: { status: 'DISABLED' },
          ec2: { status: 'DISABLED' },
          lambda: { status: 'DISABLED' },
        },
        'DISABLED',
      ),
    );
    const failure = collect();
    await expect(failure).rejects.toBeInstanceOf(UndecidedError);
    await expect(failure).rejects.toThrow(
      `Inspector2 is not enabled in account ${ACCOUNT}, region ${REGION} (inspector2:BatchGetAccountStatus: account DISABLED; ECR DISABLED, EC2 DISABLED, LAMBDA DISABLED): nothing is scanned for vulnerabilities, and a CVE report over nothing would read as clean. Enable it with "aws inspector2 enable --resource-types ECR EC2 LAMBDA --region ${REGION}"`,
    );
    expect(inspectorMock.commandCalls(ListFindingsCommand)).toHaveLength(0);
  });

  it('reads a type that is only ENABLING as not scanned yet', async () => {
    inspectorMock
      .on(BatchGetAccountStatusCommand)
      .resolves(scanStatus({ ecr: { status: 'ENABLING' }, ec2: { status: 'DISABLED' } }));
    await expect(collect()).rejects.toThrow(
      /^Inspector2 is not enabled in account 123456789012, region eu-west-1 \(inspector2:BatchGetAccountStatus: account ENABLED; ECR ENABLING, EC2 DISABLED, LAMBDA NOT_LISTED\)/,
    );
  });

  it('warns naming the types Inspector2 does not scan, and records the ones it does', async () => {
    inspectorMock.on(BatchGetAccountStatusCommand).resolves(
      scanStatus({
        ecr: { status: 'ENABLED' },
        ec2: { status: 'SUSPENDED' },
        lambda: { status: 'DISABLED' },
      }),
    );
    const report = await collect();
    expect(report.cveScanned).toEqual(['ECR']);
    expect(report.warnings).toEqual([
      `Inspector2 does not scan EC2 instances and Lambda functions in account ${ACCOUNT}, region ${REGION} (EC2 SUSPENDED, LAMBDA DISABLED): the CVE findings cover ECR images only. Enable it with "aws inspector2 enable --resource-types EC2 LAMBDA --region ${REGION}"`,
    ]);
  });

  it('fails closed on a malformed status answer, naming inspector2:BatchGetAccountStatus', async () => {
    inspectorMock.on(BatchGetAccountStatusCommand).resolves({
      accounts: [{ accountId: ACCOUNT, state: { status: 'ENABLED' } }],
    } as unknown as BatchGetAccountStatusCommandOutput);
    const failure = collect();
    await expect(failure).rejects.toBeInstanceOf(UndecidedError);
    await expect(failure).rejects.toThrow(
      `inspector2:BatchGetAccountStatus answered no resourceState for account ${ACCOUNT}; refusing to guess what Inspector2 scans from a malformed answer`,
    );
  });
});
