import { CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import { ConfigurationError } from '../../actions/src/core/errors';
import { requireScopeInEstate } from '../../actions/src/sources/compliance';
import { readCallerAccount } from '../../actions/src/sources/identity';
import { listPassedControls } from '../../actions/src/sources/rule-results';
import { collectSecurityHubCompliance } from '../../actions/src/sources/securityhub';
import { foreignControlFindings, importFindings } from '../fixtures/foreign-findings';
import { isolatedAccount, motoEndpoint, type TestCredentials } from '../fixtures/moto-estate';
import { securityHubFinding } from '../fixtures/seed';

// moto's Tagging API and Security Hub, in an account of their own (the Tagging API lists S3
// buckets account-wide, so other files' buckets would show up in another account's tag keys).
const REGION = 'ap-southeast-2';
const ACCOUNT_ID = '444455556666';
let callerAccount: string;
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
  const passedBucket = {
    ...securityHubFinding(REGION, {
      controlId: 'S3.8',
      severity: 'HIGH',
      resourceType: 'AwsS3Bucket',
      resourceId: 'arn:aws:s3:::own-bucket',
      status: 'PASSED',
    }),
    AwsAccountId: ACCOUNT_ID,
  };
  await importFindings(securityhub, [
    ...findings,
    passedBucket,
    // FAILED and PASSED: neither side may read them.
    ...foreignControlFindings(REGION, ACCOUNT_ID, { statuses: ['FAILED', 'PASSED'] }),
  ]);
  const sts = new STSClient(config);
  callerAccount = await readCallerAccount(sts);
  sts.destroy();
  expect(callerAccount).toBe(ACCOUNT_ID);
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
      { log, region: REGION, accountId: callerAccount, defaultSeverity: 'MEDIUM' },
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

describe("the Security Hub readers against moto: only Security Hub's own control results of this account and region", () => {
  it('the failing side ignores forged, fleet-check, member-account and linked-region findings', async () => {
    const collected = await collectSecurityHubCompliance(
      { securityhub, tagging },
      { tags: {}, rules: [] },
      { log, region: REGION, accountId: callerAccount, defaultSeverity: 'MEDIUM' },
    );
    expect(collected.findings.map(({ id, resource }) => `${id} ${resource.id}`).sort()).toEqual(
      Object.values(groups)
        .map((id) => `EC2.13 ${arnOf(id)}`)
        .sort(),
    );
    expect(collected.rules.nonCompliant).toEqual(['EC2.13']);
    // 7 foreign findings (3 PASSED, 4 FAILED) and this account's PASSED S3.8.
    expect(lines).toEqual([
      '3 FAILED and 0 WARNING or NOT_AVAILABLE control result(s) from 1 GetFindings call(s); 8 outside the filters or rules were ignored',
    ]);
  });

  it("the passing side reads only this account's PASSED S3.8, not the forged, member or linked ones", async () => {
    const passed = await listPassedControls(securityhub, {
      log,
      region: REGION,
      accountId: callerAccount,
    });
    expect(passed.results).toEqual([
      expect.objectContaining({ rule: 'S3.8', resourceId: 'arn:aws:s3:::own-bucket' }),
    ]);
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
