import { allControls, hasDocument } from '../../actions/src/core/controls';
import { ConfigurationError } from '../../actions/src/core/errors';
import { loadedFromText, type LoadedPolicy } from '../../actions/src/core/policy';
import type { Finding } from '../../actions/src/core/model';
import {
  auditRecordOf,
  chooseRemedy,
  documentName,
  outcomesOf,
  PINNED_PARAMETERS,
  planRemediation,
  remediationVerdict,
  ROLE_PLACEHOLDER_TEXT,
  sameDocument,
  targetsFromFindings,
  type ExecutionResult,
  type RemediateSubject,
  type RemediationTarget,
} from '../../actions/src/remediate/plan';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/assetguard-remediation-automation`;
const BUILT_IN = loadedFromText('version: 1\n', 'built-in default');
const NOW = new Date('2026-11-30T04:15:00.000Z');

function policyWith(...documents: string[]): LoadedPolicy {
  return loadedFromText(
    `version: 1\nremediation:\n  documents:\n${documents.join('')}`,
    '.github/assetguard.yml',
  );
}

/** One remediation.documents entry as YAML. */
function entry(rule: string, document: string, parameters: Record<string, string>): string {
  const lines = Object.entries(parameters).map(([name, value]) => `        ${name}: '${value}'`);
  return `    - rule: ${rule}\n      document: ${document}\n      parameters:\n${lines.join('\n')}\n`;
}

const ROLE_PARAMETER = { AutomationAssumeRole: '{{automationAssumeRole}}' };

function plan(
  rule: string,
  targets: RemediationTarget[],
  options: { policy?: LoadedPolicy; maxResources?: number; role?: string | null } = {},
) {
  const role = options.role === undefined ? ROLE : options.role;
  return planRemediation({
    remedy: chooseRemedy(rule, options.policy ?? BUILT_IN),
    targets,
    maxResources: options.maxResources ?? 10,
    ...(role !== null && { automationAssumeRole: role }),
    region: REGION,
    accountId: ACCOUNT,
  });
}

describe('chooseRemedy: the runbook for a rule', () => {
  it.each([
    ['EC2.13', 'AWS-DisableIncomingSSHOnPort22', 'EC2.13'],
    ['ec2.13', 'AWS-DisableIncomingSSHOnPort22', 'EC2.13'],
    ['restricted-ssh', 'AWS-DisableIncomingSSHOnPort22', 'EC2.13'],
    ['securityhub-restricted-ssh-1a2b3c', 'AWS-DisableIncomingSSHOnPort22', 'EC2.13'],
    ['restricted-ssh-conformance-pack-x9y8', 'AWS-DisableIncomingSSHOnPort22', 'EC2.13'],
    ['INCOMING_SSH_DISABLED', 'AWS-DisableIncomingSSHOnPort22', 'EC2.13'],
    ['S3.8', 'AWS-DisableS3BucketPublicReadWrite', 'S3.8'],
    ['SSM.1', 'AWS-AttachIAMToInstance', 'SSM.1'],
  ])('%s runs %s (control %s) from the control mapping table', (rule, document, control) => {
    const remedy = chooseRemedy(rule, BUILT_IN);
    expect(remedy.refused).toBeUndefined();
    expect(remedy.control).toBe(control);
    expect(remedy.runbook).toMatchObject({ document, origin: 'control mapping table' });
    expect(remedy.runbook?.parameters.AutomationAssumeRole).toBe('{{automationAssumeRole}}');
  });

  it.each([
    ['EC2.19', /no safe AWS-owned runbook is mapped to EC2\.19.*RevokeSecurityGroupIngress/],
    ['vpc-sg-restricted-common-ports', /no safe AWS-owned runbook.*EC2\.19/],
    ['required-tags', /AWS-SetRequiredTags does not fit the required-tags rule/],
    ['REQUIRED_TAGS', /assetguard tags apply/],
    ['restricted-common-ports', /no AWS-owned Automation runbook for restricted-common-ports/],
    ['SSM.2', /AWS-RunPatchBaseline/],
  ])('refuses %s: the table maps no document, and says why', (rule, why) => {
    const remedy = chooseRemedy(rule, BUILT_IN);
    expect(remedy.runbook).toBeUndefined();
    expect(remedy.refused).toMatch(why);
    expect(remedy.refused).toContain('remediation.documents in built-in default');
  });

  it('a rule neither the table nor the policy knows is bad input (exit 2), naming rule and near matches', () => {
    const misspelt = (): unknown => chooseRemedy('EC2.31', BUILT_IN);
    expect(misspelt).toThrow(ConfigurationError);
    expect(misspelt).toThrow(
      /^rule: "EC2\.31" is neither a rule the control mapping table knows nor one the policy \(built-in default\) names in remediation\.documents; did you mean .*EC2\.13\?/,
    );
    expect(() => chooseRemedy('restricted-shh', BUILT_IN)).toThrow(/did you mean restricted-ssh\?/);
    expect(() => chooseRemedy('my-org-custom-rule', BUILT_IN)).toThrow(
      /^rule: "my-org-custom-rule" is neither .*remediation\.documents\. Name it by its control id/,
    );
    // A known rule without a safe runbook stays a refusal by policy (exit 1), not bad input.
    expect(chooseRemedy('EC2.19', BUILT_IN).refused).toMatch(/^no safe AWS-owned runbook/);
  });

  it("runs the policy's runbook for a rule the table has none for, named by any of its names", () => {
    const policy = policyWith(
      entry('EC2.19', 'MyOrg-RestrictCommonPorts', {
        GroupId: '{{resourceId}}',
        ...ROLE_PARAMETER,
      }),
    );
    for (const rule of [
      'EC2.19',
      'vpc-sg-restricted-common-ports',
      'securityhub-vpc-sg-restricted-common-ports-77',
    ]) {
      const remedy = chooseRemedy(rule, policy);
      expect(remedy.refused).toBeUndefined();
      expect(remedy.runbook).toEqual({
        document: 'MyOrg-RestrictCommonPorts',
        parameters: { GroupId: '{{resourceId}}', ...ROLE_PARAMETER },
        origin: '.github/assetguard.yml',
      });
      expect(remedy.notes.join(' ')).toContain('maps no AWS runbook to');
    }
  });

  it("runs the policy's runbook for a rule the table does not know", () => {
    const policy = policyWith(
      entry('my-org-custom-rule', 'MyOrg-Fix', { Target: 'x-{{resourceId}}', ...ROLE_PARAMETER }),
    );
    expect(chooseRemedy('My-Org-Custom-Rule', policy).runbook?.document).toBe('MyOrg-Fix');
  });

  it("runs the policy's runbook instead of the table's, and says so", () => {
    const policy = policyWith(
      entry('restricted-ssh', 'MyOrg-CloseSsh', { GroupId: '{{resourceId}}', ...ROLE_PARAMETER }),
    );
    const remedy = chooseRemedy('EC2.13', policy);
    expect(remedy.runbook?.document).toBe('MyOrg-CloseSsh');
    expect(remedy.notes).toEqual([
      "the policy's runbook runs instead of the table's AWS-DisableIncomingSSHOnPort22",
    ]);
  });

  it('refuses when the policy names two runbooks for the same rule', () => {
    const policy = policyWith(
      entry('EC2.19', 'MyOrg-A', ROLE_PARAMETER),
      entry('vpc-sg-restricted-common-ports', 'MyOrg-B', ROLE_PARAMETER),
    );
    expect(chooseRemedy('EC2.19', policy).refused).toBe(
      '.github/assetguard.yml: remediation.documents names 2 runbooks for EC2.19 (vpc-sg-restricted-common-ports) (MyOrg-A, MyOrg-B); keep one',
    );
  });

  describe('AWS-AttachIAMToInstance never runs without ForceReplace=false', () => {
    it('the control mapping table passes ForceReplace=false for SSM.1', () => {
      const remedy = chooseRemedy('SSM.1', BUILT_IN);
      expect(remedy.runbook?.parameters.ForceReplace).toBe('false');
      expect(remedy.refused).toBeUndefined();
    });

    it('every table entry that uses the runbook passes it', () => {
      const users = allControls().filter(
        (control) =>
          hasDocument(control.remediation) &&
          control.remediation.document === 'AWS-AttachIAMToInstance',
      );
      expect(users.length).toBeGreaterThan(0);
      for (const control of users) {
        expect(chooseRemedy(control.securityHubControl, BUILT_IN).refused).toBeUndefined();
      }
      expect(PINNED_PARAMETERS['AWS-AttachIAMToInstance']).toEqual([
        expect.objectContaining({ name: 'ForceReplace', value: 'false' }),
      ]);
    });

    it.each([
      ['without ForceReplace', { InstanceId: '{{resourceId}}', RoleName: 'r' }, 'nothing'],
      ['with ForceReplace=true', { InstanceId: '{{resourceId}}', ForceReplace: 'true' }, 'true'],
    ])('a policy runbook %s is refused', (_name, parameters, given) => {
      const policy = policyWith(
        entry('SSM.1', 'AWS-AttachIAMToInstance', { ...parameters, ...ROLE_PARAMETER }),
      );
      const remedy = chooseRemedy('SSM.1', policy);
      expect(remedy.refused).toMatch(
        new RegExp(
          `^AWS-AttachIAMToInstance must run with ForceReplace=false \\(\\.github/assetguard\\.yml gives ${given}\\): its default \\(true\\) disassociates`,
        ),
      );
      expect(
        plan('SSM.1', [{ resource: 'i-0123456789abcdef0' }], { policy }).resources[0],
      ).toMatchObject({ status: 'refused' });
    });

    it.each([
      'arn:aws:ssm:us-east-1::document/AWS-AttachIAMToInstance',
      'arn:aws-cn:ssm:cn-north-1::document/AWS-AttachIAMToInstance',
      'AWS-AttachIAMToInstance:3',
      'arn:aws:ssm:eu-west-1::document/AWS-AttachIAMToInstance:2',
      'aws-attachiamtoinstance',
    ])('the pin holds when the policy names the runbook as %s', (document) => {
      const policy = policyWith(
        entry('SSM.1', document, {
          InstanceId: '{{resourceId}}',
          ForceReplace: 'true',
          ...ROLE_PARAMETER,
        }),
      );
      expect(chooseRemedy('SSM.1', policy).refused).toMatch(
        /must run with ForceReplace=false \(\.github\/assetguard\.yml gives true\)/,
      );
      expect(
        plan('SSM.1', [{ resource: 'i-0123456789abcdef0' }], { policy }).refusal,
      ).toBeDefined();
    });
  });
});

describe('runbook references: the document they name', () => {
  it.each([
    ['AWS-AttachIAMToInstance', 'AWS-AttachIAMToInstance'],
    ['arn:aws:ssm:us-east-1::document/AWS-AttachIAMToInstance', 'AWS-AttachIAMToInstance'],
    ['arn:aws:ssm:eu-west-1:111122223333:document/AcmeOrg-Fix:7', 'AcmeOrg-Fix'],
    ['arn:aws-us-gov:ssm:us-gov-west-1::document/AWS-X:$LATEST', 'AWS-X'],
    [' AcmeOrg-Fix:$DEFAULT ', 'AcmeOrg-Fix'],
  ])('%s names %s', (reference, name) => {
    expect(documentName(reference)).toBe(name);
  });

  it('compares names without case, and never a name with another', () => {
    expect(
      sameDocument(
        'arn:aws:ssm:us-east-1::document/aws-attachiamtoinstance',
        'AWS-AttachIAMToInstance',
      ),
    ).toBe(true);
    expect(sameDocument('AWS-AttachIAMToInstanceV2', 'AWS-AttachIAMToInstance')).toBe(false);
  });

  it("shows the table's traps with a policy entry that names the table's runbook by ARN", () => {
    const policy = policyWith(
      entry('EC2.13', 'arn:aws:ssm:eu-west-1::document/AWS-DisableIncomingSSHOnPort22', {
        SecurityGroupIds: '{{resourceId}}',
        ...ROLE_PARAMETER,
      }),
    );
    const remedy = chooseRemedy('EC2.13', policy);
    expect(remedy.notes).toEqual([]);
    expect(remedy.traps).toEqual(chooseRemedy('EC2.13', BUILT_IN).traps);
    expect(remedy.traps.length).toBeGreaterThan(0);
  });
});

describe('a runbook whose parameters never name the resource', () => {
  it('is refused for a rule that evaluates resources, naming the policy file and entry', () => {
    const policy = policyWith(
      entry('EC2.8', 'AWSConfigRemediation-EnforceEC2InstanceIMDSv2', {
        InstanceId: '{{resourceId}}',
        ...ROLE_PARAMETER,
      }),
      entry('EC2.19', 'AcmeOrg-RevokeCommonPorts', { Ports: '3389', ...ROLE_PARAMETER }),
    );
    expect(chooseRemedy('EC2.19', policy).refused).toBe(
      '.github/assetguard.yml: remediation.documents[1] (rule EC2.19, document AcmeOrg-RevokeCommonPorts) never uses {{resourceId}} in its parameters, but EC2.19 (vpc-sg-restricted-common-ports) evaluates AWS::EC2::SecurityGroup: every resource would get the same run. Put {{resourceId}} in the parameter that names the resource',
    );
    const refused = plan(
      'EC2.19',
      [{ resource: 'sg-0aaaaaaaaaaaaaaaa' }, { resource: 'sg-0bbbbbbbbbbbbbbbb' }],
      {
        policy,
      },
    );
    expect(refused.refusal).toMatch(/never uses \{\{resourceId\}\}/);
  });

  it('runs for an account-level rule: one account, one run', () => {
    const policy = policyWith(
      entry('IAM.7', 'AcmeOrg-PasswordPolicy', { MinimumPasswordLength: '16', ...ROLE_PARAMETER }),
    );
    const result = plan(
      'IAM.7',
      [
        { resource: ACCOUNT, resourceType: 'AWS::::Account' },
        { resource: `AWS::::Account:${ACCOUNT}`, resourceType: 'AWS::::Account' },
      ],
      { policy },
    );
    expect(result.refusal).toBeUndefined();
    expect(result.resources).toHaveLength(1);
  });

  it('every runbook of the control mapping table names the resource, or fixes the account', () => {
    for (const control of allControls()) {
      const remedy = chooseRemedy(control.securityHubControl, BUILT_IN);
      if (remedy.runbook !== undefined) expect(remedy.refused).toBeUndefined();
    }
  });

  it('is refused at plan time when the rule types are unknown and two resources would get the same run', () => {
    const policy = policyWith(
      entry('my-org-custom-rule', 'AcmeOrg-Fix', { Level: 'strict', ...ROLE_PARAMETER }),
    );
    const once = plan('my-org-custom-rule', [{ resource: 'thing-1' }], { policy });
    expect(once.refusal).toBeUndefined();
    const twice = plan('my-org-custom-rule', [{ resource: 'thing-1' }, { resource: 'thing-2' }], {
      policy,
    });
    expect(twice.refusal).toBe(
      '2 resources would run AcmeOrg-Fix (.github/assetguard.yml) with the same parameters: its parameters never use {{resourceId}}, so nothing runs: put {{resourceId}} in the parameter that names the resource, or run it for one resource',
    );
  });
});

describe('planRemediation: the parameters for each resource', () => {
  it.each<[string, string, RemediationTarget, Record<string, string>]>([
    [
      'an instance ARN gives the instance id',
      'SSM.1',
      { resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0` },
      {
        InstanceId: 'i-0123456789abcdef0',
        RoleName: 'AmazonSSMRoleForInstancesQuickSetup',
        ForceReplace: 'false',
        AutomationAssumeRole: ROLE,
      },
    ],
    [
      'an instance id is taken as it is',
      'EC2.8',
      { resource: 'i-0123456789abcdef0' },
      { InstanceId: 'i-0123456789abcdef0', AutomationAssumeRole: ROLE },
    ],
    [
      'a bucket ARN gives the bucket name',
      'S3.8',
      { resource: 'arn:aws:s3:::shop-prod-assets' },
      { S3BucketName: 'shop-prod-assets', AutomationAssumeRole: ROLE },
    ],
    [
      'a bucket name is taken as it is',
      's3-bucket-ssl-requests-only',
      { resource: 'shop-prod-assets' },
      { BucketName: 'shop-prod-assets', AutomationAssumeRole: ROLE },
    ],
    [
      'a security group ARN gives the group id',
      'EC2.13',
      { resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0abc1234def567890` },
      { SecurityGroupIds: 'sg-0abc1234def567890', AutomationAssumeRole: ROLE },
    ],
    [
      "Security Hub's account resource gives the account id",
      'S3.1',
      { resource: `AWS::::Account:${ACCOUNT}`, resourceType: 'AWS::::Account' },
      { AccountId: ACCOUNT, AutomationAssumeRole: ROLE },
    ],
    [
      "Config's account resource id is the account id",
      'S3.1',
      { resource: ACCOUNT, resourceType: 'AWS::::Account' },
      { AccountId: ACCOUNT, AutomationAssumeRole: ROLE },
    ],
    [
      "Config's own id wins over the ARN (an IAM user's AIDA… id)",
      'IAM.8',
      {
        resource: `arn:aws:iam::${ACCOUNT}:user/alice`,
        resourceType: 'AWS::IAM::User',
        configId: 'AIDAEXAMPLEEXAMPLE001',
      },
      {
        IAMResourceId: 'AIDAEXAMPLEEXAMPLE001',
        MaxCredentialUsageAge: '90',
        AutomationAssumeRole: ROLE,
      },
    ],
    [
      'a KMS key ARN gives the key id',
      'KMS.4',
      { resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` },
      { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', AutomationAssumeRole: ROLE },
    ],
    [
      'a runbook without a resource parameter needs no id',
      'EC2.7',
      { resource: `AWS::::Account:${ACCOUNT}`, resourceType: 'AWS::::Account' },
      { AutomationAssumeRole: ROLE },
    ],
  ])('%s (%s)', (_name, rule, target, parameters) => {
    const result = plan(rule, [target]);
    expect(result.refusal).toBeUndefined();
    expect(result.resources).toEqual([
      expect.objectContaining({ resource: target.resource, status: 'planned', parameters }),
    ]);
  });

  it.each<[string, string, RemediationTarget, RegExp]>([
    [
      'an IAM user ARN (its AIDA… id is not in it)',
      'IAM.8',
      { resource: `arn:aws:iam::${ACCOUNT}:user/alice` },
      /unique id \(AIDA…\), which its ARN does not hold/,
    ],
    [
      'an RDS instance ARN (its db-… id is not in it)',
      'RDS.2',
      { resource: `arn:aws:rds:${REGION}:${ACCOUNT}:db:shop-prod` },
      /DbiResourceId \(db-…\), which its ARN does not hold/,
    ],
    [
      'a resource of another type than the rule evaluates',
      'EC2.13',
      { resource: 'i-0123456789abcdef0' },
      /^it is AWS::EC2::Instance, and EC2\.13 \(restricted-ssh\) evaluates AWS::EC2::SecurityGroup \(give an ARN/,
    ],
    [
      'a resource in another region',
      'EC2.13',
      { resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/sg-0abc1234def567890` },
      /^it is in us-east-1; the runbook runs in eu-west-1: run again with region us-east-1$/,
    ],
    [
      'a resource in another account',
      'EC2.13',
      { resource: `arn:aws:ec2:${REGION}:210987654321:security-group/sg-0abc1234def567890` },
      /^it is in account 210987654321; these credentials are for account 123456789012$/,
    ],
    [
      'another account, named by its id',
      'S3.1',
      { resource: '210987654321' },
      /^it is in account 210987654321/,
    ],
  ])('refuses %s, and the whole plan with it', (_name, rule, target, why) => {
    const result = plan(rule, [target]);
    expect(result.resources).toEqual([
      expect.objectContaining({
        status: 'refused',
        message: expect.stringMatching(why) as unknown,
      }),
    ]);
    expect(result.refusal).toMatch(
      /^1 of 1 resource\(s\) cannot be remediated with .*, so nothing runs: /,
    );
  });

  it.each<[string, string, string, RegExp]>([
    [
      'a bucket name for a security group rule',
      'EC2.13',
      'my-bucket',
      /^"my-bucket" is not a security group id \(sg- and 8 or 17 hex digits\), the id AWS Config reports for AWS::EC2::SecurityGroup: give that id, or the resource's ARN$/,
    ],
    ['a bucket name for an account rule', 'S3.1', 'my-bucket', /^"my-bucket" is not an account id/],
    ['an instance name for an instance rule', 'EC2.8', 'web-1', /is not an instance id/],
    ['an IAM user name for IAM.8', 'IAM.8', 'alice', /is not the user's unique id \(AIDA…/],
    ['a DB instance name for RDS.2', 'RDS.2', 'shop-prod', /is not its DbiResourceId/],
    ['a key alias for KMS.4', 'KMS.4', 'alias/orders', /is not a key id/],
    ['an upper-case "bucket" for S3.8', 'S3.8', 'My_Bucket', /is not a bucket name/],
    [
      'a security group id for a bucket rule',
      'S3.8',
      'sg-0abc1234def567890',
      /^it is AWS::EC2::SecurityGroup, and S3\.8/,
    ],
  ])('refuses %s: the id cannot be one of its resources', (_name, rule, resource, why) => {
    const result = plan(rule, [{ resource }]);
    expect(result.resources).toEqual([
      expect.objectContaining({
        status: 'refused',
        message: expect.stringMatching(why) as unknown,
      }),
    ]);
    expect(result.refusal).toMatch(/^1 of 1 resource\(s\) cannot be remediated/);
  });

  it.each([
    ['S3.8', 'shop-prod-assets', 'AWS::S3::Bucket', 'S3BucketName'],
    ['KMS.4', '1234abcd-12ab-34cd-56ef-1234567890ab', 'AWS::KMS::Key', 'KeyId'],
    ['KMS.4', 'mrk-1234abcd12ab34cd56ef1234567890ab', 'AWS::KMS::Key', 'KeyId'],
    ['IAM.8', 'AIDAEXAMPLEEXAMPLE001', 'AWS::IAM::User', 'IAMResourceId'],
    ['RDS.2', 'db-ABCDEFGHIJKL01234MNOPQRST', 'AWS::RDS::DBInstance', 'DbInstanceResourceId'],
  ])('takes %s %s as %s', (rule, resource, resourceType, parameter) => {
    const result = plan(rule, [{ resource }]);
    expect(result.refusal).toBeUndefined();
    expect(result.resources[0]).toMatchObject({ status: 'planned', resourceType });
    expect(result.resources[0]?.parameters?.[parameter]).toBe(resource);
  });

  it('plans a bucket once, named by its name and by its ARN', () => {
    const result = plan('S3.8', [
      { resource: 'shop-prod-assets' },
      { resource: 'arn:aws:s3:::shop-prod-assets' },
    ]);
    expect(result.refusal).toBeUndefined();
    expect(result.resources.map((resource) => resource.resource)).toEqual(['shop-prod-assets']);
  });

  it('passes an id of a type whose form is not known as given, with a warning', () => {
    const policy = policyWith(
      entry('ECR.1', 'AcmeOrg-ScanOnPush', { RepositoryName: '{{resourceId}}', ...ROLE_PARAMETER }),
    );
    const result = plan('ECR.1', [{ resource: 'web' }], { policy });
    expect(result.refusal).toBeUndefined();
    expect(result.resources[0]?.parameters?.RepositoryName).toBe('web');
    expect(result.warnings).toContain(
      'resources: the form of web could not be checked against the id form of AWS::ECR::Repository: passed to AcmeOrg-ScanOnPush as given',
    );
  });

  it('refuses every resource of a rule without a runbook, with the why', () => {
    const result = plan('EC2.19', [{ resource: 'sg-0aaaaaaaaaaaaaaaa' }]);
    expect(result.refusal).toMatch(
      /^EC2\.19 \(vpc-sg-restricted-common-ports\): no safe AWS-owned runbook/,
    );
    expect(result.resources).toEqual([
      expect.objectContaining({
        status: 'refused',
        message: expect.stringContaining('RevokeSecurityGroupIngress') as unknown,
      }),
    ]);
  });

  it('refuses the whole run over max-resources, saying how many and how to narrow it', () => {
    const targets = Array.from({ length: 4 }, (_, index) => ({
      resource: `sg-0${String(index).repeat(16)}`,
    }));
    const result = plan('EC2.13', targets, { maxResources: 3 });
    expect(result.refusal).toBe(
      '4 resources match EC2.13 (restricted-ssh), more than max-resources (3), so nothing runs: narrow the run with resources (ids or ARNs) or scope (tags), or raise max-resources (at most 100)',
    );
    expect(result.resources.map((resource) => resource.status)).toEqual([
      'skipped',
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(plan('EC2.13', targets, { maxResources: 4 }).refusal).toBeUndefined();
  });

  it('plans a resource once, however many rules or forms reported it', () => {
    const result = plan('EC2.13', [
      { resource: 'sg-0abc1234def567890', resourceType: 'AWS::EC2::SecurityGroup' },
      { resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0abc1234def567890` },
      { resource: 'sg-0abc1234def567890', resourceType: 'AWS::EC2::SecurityGroup' },
    ]);
    expect(result.resources.map((resource) => resource.resource)).toEqual(['sg-0abc1234def567890']);
  });

  it('shows a placeholder for the role in a dry run without one, and warns', () => {
    const result = plan('EC2.13', [{ resource: 'sg-0abc1234def567890' }], { role: null });
    expect(result.resources[0]?.parameters?.AutomationAssumeRole).toBe(ROLE_PLACEHOLDER_TEXT);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^no automation-assume-role: the plan shows <automation-assume-role>/),
    ]);
  });

  it('fills both placeholders wherever a policy runbook puts them', () => {
    const policy = policyWith(
      entry('EC2.19', 'MyOrg-Fix', {
        Target: 'group {{resourceId}} (again {{resourceId}})',
        Role: '{{automationAssumeRole}}',
        ...ROLE_PARAMETER,
      }),
    );
    const result = plan('EC2.19', [{ resource: 'sg-0abc1234def567890' }], { policy });
    expect(result.resources[0]?.parameters).toEqual({
      Target: 'group sg-0abc1234def567890 (again sg-0abc1234def567890)',
      Role: ROLE,
      AutomationAssumeRole: ROLE,
    });
  });

  it('gives each resource in the form a later run takes as its resources input', () => {
    const result = plan('IAM.8', [
      {
        resource: `arn:aws:iam::${ACCOUNT}:user/alice`,
        resourceType: 'AWS::IAM::User',
        configId: 'AIDAEXAMPLEEXAMPLE001',
      },
    ]);
    expect(result.resources[0]?.input).toBe('AIDAEXAMPLEEXAMPLE001');
    const again = plan('IAM.8', [{ resource: 'AIDAEXAMPLEEXAMPLE001' }]);
    expect(again.resources[0]?.parameters).toEqual(result.resources[0]?.parameters);
  });
});

const SUBJECT: RemediateSubject = {
  rule: 'EC2.13',
  control: 'EC2.13',
  configRuleName: 'restricted-ssh',
  document: 'AWS-DisableIncomingSSHOnPort22',
  source: 'resources',
  scope: {},
  region: REGION,
  accountId: ACCOUNT,
  execute: true,
};

describe('outcomes and the verdict', () => {
  const twoGroups = plan('EC2.13', [
    { resource: 'sg-0aaaaaaaaaaaaaaaa' },
    { resource: 'sg-0bbbbbbbbbbbbbbbb' },
  ]);
  const verdictOf = (executions: ExecutionResult[] | undefined, execute: boolean) => {
    const target = plan('EC2.13', [
      { resource: 'sg-0aaaaaaaaaaaaaaaa' },
      { resource: 'sg-0bbbbbbbbbbbbbbbb' },
    ]);
    const outcomes = outcomesOf(target, executions, execute);
    return {
      outcomes,
      verdict: remediationVerdict({
        plan: target,
        outcomes,
        subject: { ...SUBJECT, execute },
        policy: BUILT_IN,
        now: NOW,
        warnings: [],
      }),
    };
  };

  it('a dry run passes with every resource planned', () => {
    const { verdict, outcomes } = verdictOf(undefined, false);
    expect(verdict.verdict).toBe('pass');
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['planned', 'planned']);
    expect(verdict.counts).toEqual({
      resources: 2,
      planned: 2,
      refused: 0,
      skipped: 0,
      succeeded: 0,
      failed: 0,
      timedOut: 0,
    });
  });

  it('an execution passes only when every runbook succeeded', () => {
    const { verdict } = verdictOf(
      twoGroups.resources.map((resource) => ({ resource: resource.resource, status: 'success' })),
      true,
    );
    expect(verdict.verdict).toBe('pass');
    expect(verdict.counts.succeeded).toBe(2);
  });

  it('a failed step or a timeout is an error naming the resource, its status and step', () => {
    const { verdict, outcomes } = verdictOf(
      [
        {
          resource: 'sg-0aaaaaaaaaaaaaaaa',
          status: 'failed',
          executionId: 'e1',
          executionStatus: 'Failed',
          failedStep: 'DisableIncomingSSHTemplate',
          message: 'InvalidPermission.NotFound',
        },
        {
          resource: 'sg-0bbbbbbbbbbbbbbbb',
          status: 'timed-out',
          executionId: 'e2',
          executionStatus: 'InProgress',
          message: 'still InProgress after 30m',
        },
      ],
      true,
    );
    expect(verdict.verdict).toBe('error');
    expect(verdict.error).toBe(
      '2 of 2 remediation(s) of EC2.13 (restricted-ssh) with AWS-DisableIncomingSSHOnPort22 did not succeed: sg-0aaaaaaaaaaaaaaaa Failed at step DisableIncomingSSHTemplate: InvalidPermission.NotFound; sg-0bbbbbbbbbbbbbbbb timed out: still InProgress after 30m',
    );
    expect(outcomes[0]).toEqual({
      resource: 'sg-0aaaaaaaaaaaaaaaa',
      resourceType: 'AWS::EC2::SecurityGroup',
      document: 'AWS-DisableIncomingSSHOnPort22',
      status: 'failed',
      executionId: 'e1',
      executionStatus: 'Failed',
      failedStep: 'DisableIncomingSSHTemplate',
      message: 'InvalidPermission.NotFound',
    });
    expect(verdict.counts).toMatchObject({ failed: 1, timedOut: 1, succeeded: 0 });
  });

  it('a resource without a result was not started: skipped, and not a success', () => {
    const { verdict, outcomes } = verdictOf(
      [{ resource: 'sg-0aaaaaaaaaaaaaaaa', status: 'success' }],
      true,
    );
    expect(outcomes[1]).toMatchObject({ status: 'skipped', message: 'not started' });
    expect(verdict.verdict).toBe('error');
  });

  it('a refused plan blocks (exit 1), naming each refused resource', () => {
    const refused = plan('EC2.13', [
      { resource: 'sg-0aaaaaaaaaaaaaaaa' },
      { resource: 'i-0123456789abcdef0' },
    ]);
    const outcomes = outcomesOf(refused, undefined, true);
    const verdict = remediationVerdict({
      plan: refused,
      outcomes,
      subject: SUBJECT,
      policy: BUILT_IN,
      now: NOW,
      warnings: [],
    });
    expect(verdict.verdict).toBe('block');
    expect(verdict.blocking).toEqual([
      {
        id: 'EC2.13 (restricted-ssh)',
        resource: 'i-0123456789abcdef0',
        reason: expect.stringMatching(/^it is AWS::EC2::Instance/) as unknown,
      },
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['skipped', 'refused']);
  });
});

describe('the audit record', () => {
  it('records who, what, when and each outcome, in the shared contract', () => {
    const dryRun = plan('EC2.13', [{ resource: 'sg-0aaaaaaaaaaaaaaaa' }]);
    const record = auditRecordOf({
      identity: {
        id: '1234-1',
        actor: 'octocat',
        repository: 'acme/infra',
        runUrl: 'https://github.com/acme/infra/actions/runs/1234',
      },
      startedAt: NOW,
      finishedAt: new Date(NOW.getTime() + 1500),
      subject: { ...SUBJECT, execute: false },
      outcomes: outcomesOf(dryRun, undefined, false),
    });
    expect(record).toEqual({
      format: 'assetguard-remediation-audit/1',
      id: '1234-1',
      actor: 'octocat',
      repository: 'acme/infra',
      runUrl: 'https://github.com/acme/infra/actions/runs/1234',
      startedAt: '2026-11-30T04:15:00.000Z',
      finishedAt: '2026-11-30T04:15:01.500Z',
      rule: 'EC2.13',
      control: 'EC2.13',
      source: 'resources',
      dryRun: true,
      region: REGION,
      accountId: ACCOUNT,
      outcomes: [
        {
          resource: 'sg-0aaaaaaaaaaaaaaaa',
          resourceType: 'AWS::EC2::SecurityGroup',
          document: 'AWS-DisableIncomingSSHOnPort22',
          status: 'planned',
        },
      ],
    });
  });
});

describe('targetsFromFindings', () => {
  const finding = (overrides: Partial<Finding>): Finding => ({
    id: 'IAM.8',
    sourceId: '',
    source: 'config',
    severity: 'MEDIUM',
    status: 'ACTIVE',
    title: 't',
    resource: { id: 'x', type: 'AWS::IAM::User' },
    packages: [],
    fixAvailable: 'yes',
    ...overrides,
  });

  it("keeps AWS Config's own id when the scope replaced the resource id with its ARN", () => {
    expect(
      targetsFromFindings([
        finding({
          sourceId: 'iam-user-unused-credentials-check/AWS::IAM::User/AIDAEXAMPLEEXAMPLE001',
          resource: { id: `arn:aws:iam::${ACCOUNT}:user/alice`, type: 'AWS::IAM::User' },
        }),
        finding({
          sourceId: 'restricted-ssh/AWS::EC2::SecurityGroup/sg-0abc1234def567890',
          resource: { id: 'sg-0abc1234def567890', type: 'AWS::EC2::SecurityGroup' },
        }),
      ]),
    ).toEqual([
      {
        resource: `arn:aws:iam::${ACCOUNT}:user/alice`,
        resourceType: 'AWS::IAM::User',
        configId: 'AIDAEXAMPLEEXAMPLE001',
      },
      { resource: 'sg-0abc1234def567890', resourceType: 'AWS::EC2::SecurityGroup' },
    ]);
  });

  it('reads the type of a Security Hub resource from its ARN, and accounts from ASFF', () => {
    expect(
      targetsFromFindings([
        finding({
          source: 'securityhub',
          resource: { id: 'arn:aws:s3:::shop-prod-assets', type: 'AwsS3Bucket' },
        }),
        finding({
          source: 'securityhub',
          resource: { id: `AWS::::Account:${ACCOUNT}`, type: 'AwsAccount' },
        }),
      ]),
    ).toEqual([
      { resource: 'arn:aws:s3:::shop-prod-assets', resourceType: 'AWS::S3::Bucket' },
      { resource: `AWS::::Account:${ACCOUNT}`, resourceType: 'AWS::::Account' },
    ]);
  });
});
