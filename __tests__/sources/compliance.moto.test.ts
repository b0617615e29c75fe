import { CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { ConfigurationError } from '../../actions/src/core/errors';
import { requireScopeInEstate } from '../../actions/src/sources/compliance';
import { collectSecurityHubCompliance } from '../../actions/src/sources/securityhub';
import { isolatedAccount, motoEndpoint, type TestCredentials } from '../fixtures/moto-estate';
import { securityHubFinding } from '../fixtures/seed';

// moto's Tagging API and Security Hub, in an account of their own (the Tagging API lists S3
// buckets account-wide, so other files' buckets would show up in another account's tag keys).
const REGION = 'ap-southeast-2';
const ACCOUNT_ID = '444455556666';
let credentials: TestCredentials;
let tagging: ResourceGroupsTaggingAPIClient;
let securityhub: SecurityHubClient;
const groups: Record<string, string> = {};
let lines: string[] = [];
const log = (line: string): void => {
  lines.push(line);
};

const arnOf = (id: string): string => `arn:aws:ec2:${REGION}:${ACCOUNT_ID}:security-group/${id}`;

beforeAll(async () => {
  credentials = await isolatedAccount(ACCOUNT_ID);
  const config = { region: REGION, endpoint: motoEndpoint(), credentials, maxAttempts: 1 };
  tagging = new ResourceGroupsTaggingAPIClient(config);
  securityhub = new SecurityHubClient(config);
  const ec2 = new EC2Client(config);
  const estate: [string, Record<string, string>][] = [
    ['web-prod', { Environment: 'prod', Service: 'web' }],
    ['web-staging', { Environment: 'staging', Service: 'web' }],
    ['never-tagged', {}],
  ];
  for (const [name, tags] of estate) {
    const created = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name,
        Description: name,
        ...(Object.keys(tags).length > 0 && {
          TagSpecifications: [
            {
              ResourceType: 'security-group',
              Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        }),
      }),
    );
    groups[name] = created.GroupId ?? '';
  }
  ec2.destroy();
  // The control findings as Security Hub sends most of them: no Resources[].Tags.
  const findings = Object.values(groups).map((id) => ({
    ...securityHubFinding(REGION, {
      controlId: 'EC2.13',
      ruleName: 'securityhub-restricted-ssh-abc123',
      severity: 'HIGH',
      resourceType: 'AwsEc2SecurityGroup',
      resourceId: arnOf(id),
    }),
    AwsAccountId: ACCOUNT_ID,
  }));
  const imported = await securityhub.send(
    new BatchImportFindingsCommand({ Findings: findings as never }),
  );
  expect(imported.FailedCount ?? 0).toBe(0);
});

afterAll(() => {
  tagging.destroy();
  securityhub.destroy();
});

beforeEach(() => {
  lines = [];
});

describe('the Security Hub source against moto: tags from the Tagging API, not the finding', () => {
  it('--scope Environment=prod keeps the failing prod group and the never-tagged one, drops staging', async () => {
    const collected = await collectSecurityHubCompliance(
      { securityhub, tagging },
      { tags: { Environment: 'prod' }, rules: [] },
      { log, region: REGION, defaultSeverity: 'MEDIUM' },
    );
    expect(collected.findings.map(({ resource }) => [resource.id, resource.tags]).sort()).toEqual(
      [
        [arnOf(groups['never-tagged']!), {}],
        [arnOf(groups['web-prod']!), { Environment: 'prod', Service: 'web' }],
      ].sort(),
    );
    expect(collected.warnings).toEqual([
      `1 result(s) are on resources that lack a scope tag key (Environment), so nothing places them outside Environment=prod: they stay in scope; tag them (assetguard tags apply) to place them: AwsEc2SecurityGroup ${arnOf(groups['never-tagged']!)}`,
    ]);
    expect(collected.calls.GetResources).toBeGreaterThanOrEqual(1);
  });
});

describe('requireScopeInEstate against moto', () => {
  const check = (tags: Record<string, string>) =>
    requireScopeInEstate(tagging, tags, { region: REGION, calls: {}, log, matched: false });

  it('passes a scope some resource carries, naming one', async () => {
    await check({ Environment: 'prod', Service: 'web' });
    expect(lines).toEqual([
      `scope Environment=prod, Service=web selects resources in ${REGION} (e.g. ${arnOf(groups['web-prod']!)})`,
    ]);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'a misspelt key',
      { Enviroment: 'prod' },
      'No resource has the tag key Enviroment; keys in use that look like it: Environment.',
    ],
    [
      'a key in lower case',
      { environment: 'prod' },
      'No resource has the tag key environment; keys in use that look like it: Environment.',
    ],
    [
      'a value in another case',
      { Environment: 'PROD' },
      'No resource has Environment=PROD; values of Environment in use: prod, staging.',
    ],
    [
      'tags in use, but never together',
      { Environment: 'staging', Service: 'api' },
      'No resource has Service=api; values of Service in use: web.',
    ],
  ])('fails %s (exit 2), saying what it probably meant', async (_name, tags, hint) => {
    const error = await check(tags).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(hint);
    expect((error as Error).message).toMatch(
      new RegExp(`^scope: no resource in ${REGION} carries .* \\(tag:GetResources found none\\)`),
    );
  });
});
