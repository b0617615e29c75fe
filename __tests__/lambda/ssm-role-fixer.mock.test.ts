import {
  AssociateIamInstanceProfileCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  EC2Client,
  type IamInstanceProfileAssociation,
} from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { FixerConfig } from '../../actions/src/lambda/ssm-role-fixer/config';
import {
  ASSOCIATE_RETRY_DELAYS_MS,
  INSTANCE_LOOKUP_RETRY_DELAYS_MS,
  fixInstance,
  type FixerClients,
} from '../../actions/src/lambda/ssm-role-fixer/fixer';
import {
  createHandler,
  type FixerDeps,
  type LogEntry,
} from '../../actions/src/lambda/ssm-role-fixer/handler';
import type { SlackMessage } from '../../actions/src/sinks/slack';
import {
  FIXTURE_ACCOUNT,
  FIXTURE_INSTANCE,
  FIXTURE_REGION,
  fixerEvent,
  lambdaContext,
} from '../fixtures/ssm-role-fixer';

// What moto cannot express: IAM paging, another partition, EC2 not yet seeing a new instance
// profile, a race with another association, missing permissions and throttling. Response shapes
// follow the botocore models of EC2 (2016-11-15) and IAM (2010-05-08).
const REGION = 'cn-north-1';
const ACCOUNT = '111122223333';
const INSTANCE = FIXTURE_INSTANCE;
const PROFILE = 'payments-web';
const PROFILE_ARN = `arn:aws-cn:iam::${ACCOUNT}:instance-profile/apps/${PROFILE}`;
const ROLE = 'payments-web-role';
const ROLE_ARN = `arn:aws-cn:iam::${ACCOUNT}:role/apps/${ROLE}`;
const SSM_POLICY = 'arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore';
const TOPIC = `arn:aws-cn:sns:${REGION}:${ACCOUNT}:assetguard-ssm-role-fixer-reports`;
/** The function's own account and region, as the Lambda context names them. */
const CONTEXT = lambdaContext(ACCOUNT, REGION, 'aws-cn');

/** DescribeInstances' answer (EC2 2016-11-15) for the instance in a state. */
function described(state: 'pending' | 'running' | 'shutting-down' | 'terminated' = 'running') {
  return {
    Reservations: [
      {
        ReservationId: 'r-0123456789abcdef0',
        OwnerId: ACCOUNT,
        Instances: [
          {
            InstanceId: INSTANCE,
            InstanceType: 't3.micro' as const,
            State: { Code: state === 'running' ? 16 : 48, Name: state },
          },
        ],
      },
    ],
  };
}

const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const sns = mockClient(SNSClient);
let logs: LogEntry[] = [];
let sleeps: number[] = [];
let posted: SlackMessage[] = [];

const CONFIG: FixerConfig = {
  exceptions: [],
  createDefaultProfile: true,
  defaultRoleName: 'assetguard-ssm-managed-instance',
  defaultProfileName: 'assetguard-ssm-managed-instance',
};

function clients(): FixerClients {
  return {
    ec2: new EC2Client({ region: REGION }),
    iam: () => Promise.resolve(new IAMClient({ region: REGION })),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
}

function deps(overrides: Partial<FixerDeps> = {}): FixerDeps {
  return {
    ...CONFIG,
    ...clients(),
    topicArn: TOPIC,
    slack: { url: 'https://hooks.slack.example/services/T0/B0/secret' },
    sns: () => Promise.resolve(new SNSClient({ region: REGION })),
    ssm: () => Promise.resolve(new SSMClient({ region: REGION })),
    postSlack: (_url, message) => {
      posted.push(message);
      return Promise.resolve();
    },
    region: REGION,
    log: (entry) => logs.push(entry),
    ...overrides,
  };
}

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

function association(overrides: Partial<IamInstanceProfileAssociation> = {}) {
  return {
    AssociationId: 'iip-assoc-0e7736511a163c209',
    InstanceId: INSTANCE,
    IamInstanceProfile: { Arn: PROFILE_ARN, Id: 'AIPAEXAMPLEPROFILE123' },
    State: 'associated' as const,
    ...overrides,
  };
}

function profile(roles: { RoleName: string; Arn: string }[], name = PROFILE) {
  return {
    InstanceProfile: {
      Path: '/apps/',
      InstanceProfileName: name,
      InstanceProfileId: 'AIPAEXAMPLEPROFILE123',
      Arn: PROFILE_ARN,
      CreateDate: new Date('2026-01-05T10:00:00Z'),
      Roles: roles.map((role) => ({
        Path: '/apps/',
        RoleId: 'AROAEXAMPLEROLE123456',
        CreateDate: new Date('2026-01-05T10:00:00Z'),
        ...role,
      })),
    },
  };
}

beforeEach(() => {
  ec2.reset();
  iam.reset();
  sns.reset();
  logs = [];
  sleeps = [];
  posted = [];
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  ec2.on(DescribeInstancesCommand).resolves(described());
});

describe('fixInstance (EC2 and IAM answers moto cannot give)', () => {
  it('reads every page of attached policies before deciding, and attaches nothing when page 2 has it', async () => {
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({
      IamInstanceProfileAssociations: [association()],
    });
    iam.on(GetInstanceProfileCommand).resolves(profile([{ RoleName: ROLE, Arn: ROLE_ARN }]));
    iam
      .on(ListAttachedRolePoliciesCommand, { RoleName: ROLE })
      .resolvesOnce({
        AttachedPolicies: [
          { PolicyName: 'app', PolicyArn: `arn:aws-cn:iam::${ACCOUNT}:policy/app` },
        ],
        IsTruncated: true,
        Marker: 'page-2',
      })
      .resolvesOnce({
        AttachedPolicies: [{ PolicyName: 'AmazonSSMManagedInstanceCore', PolicyArn: SSM_POLICY }],
        IsTruncated: false,
      });

    const result = await fixInstance(clients(), CONFIG, INSTANCE, REGION);
    expect(result).toMatchObject({
      status: 'already-attached',
      roleName: ROLE,
      policyArn: SSM_POLICY,
    });
    expect(iam.commandCalls(ListAttachedRolePoliciesCommand)).toHaveLength(2);
    expect(iam.commandCalls(ListAttachedRolePoliciesCommand)[1]?.args[0].input.Marker).toBe(
      'page-2',
    );
    expect(iam.commandCalls(AttachRolePolicyCommand)).toHaveLength(0);
    // The profile is read by its name, without its path.
    expect(iam.commandCalls(GetInstanceProfileCommand)[0]?.args[0].input).toEqual({
      InstanceProfileName: PROFILE,
    });
  });

  it('attaches the policy of the role ARN partition (aws-cn), asking EC2 only for live associations', async () => {
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({
      IamInstanceProfileAssociations: [association()],
    });
    iam.on(GetInstanceProfileCommand).resolves(profile([{ RoleName: ROLE, Arn: ROLE_ARN }]));
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [], IsTruncated: false });
    iam.on(AttachRolePolicyCommand).resolves({});

    const result = await fixInstance(clients(), CONFIG, INSTANCE, 'us-east-1');
    expect(result.status).toBe('attached');
    expect(iam.commandCalls(AttachRolePolicyCommand)[0]?.args[0].input).toEqual({
      RoleName: ROLE,
      PolicyArn: SSM_POLICY,
    });
    expect(
      ec2.commandCalls(DescribeIamInstanceProfileAssociationsCommand)[0]?.args[0].input,
    ).toEqual({
      Filters: [
        { Name: 'instance-id', Values: [INSTANCE] },
        { Name: 'state', Values: ['associating', 'associated'] },
      ],
    });
  });

  it('ignores a disassociated association even when the server returns it', async () => {
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({
      IamInstanceProfileAssociations: [association({ State: 'disassociated' })],
    });
    const result = await fixInstance(
      clients(),
      { ...CONFIG, createDefaultProfile: false },
      INSTANCE,
      REGION,
    );
    expect(result.status).toBe('no-profile');
  });

  it('reports several live associations, a profile with two roles, and a missing profile, changing nothing', async () => {
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({
      IamInstanceProfileAssociations: [
        association({ State: 'disassociating' }),
        association({ AssociationId: 'iip-assoc-0b215292fab192820', State: 'associating' }),
        association({ AssociationId: 'iip-assoc-0c215292fab192821' }),
      ],
    });
    const several = await fixInstance(clients(), CONFIG, INSTANCE, REGION);
    expect(several).toMatchObject({ status: 'unusable-profile' });
    expect(several.reason).toMatch(/2 live instance profile associations/);

    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({
      IamInstanceProfileAssociations: [association()],
    });
    iam.on(GetInstanceProfileCommand).resolves(
      profile([
        { RoleName: ROLE, Arn: ROLE_ARN },
        { RoleName: 'other', Arn: `arn:aws-cn:iam::${ACCOUNT}:role/other` },
      ]),
    );
    expect((await fixInstance(clients(), CONFIG, INSTANCE, REGION)).reason).toMatch(
      /holds 2 roles \(payments-web-role, other\)/,
    );

    iam.on(GetInstanceProfileCommand).rejects(awsError('NoSuchEntityException', 'not found'));
    expect((await fixInstance(clients(), CONFIG, INSTANCE, REGION)).reason).toMatch(
      /instance profile payments-web does not exist/,
    );
    expect(iam.commandCalls(AttachRolePolicyCommand)).toHaveLength(0);
    expect(ec2.commandCalls(AssociateIamInstanceProfileCommand)).toHaveLength(0);
  });

  it('retries the association while EC2 does not see the new profile yet, waiting between tries', async () => {
    const name = CONFIG.defaultProfileName;
    const roleArn = `arn:aws-cn:iam::${ACCOUNT}:role/${CONFIG.defaultRoleName}`;
    ec2
      .on(DescribeIamInstanceProfileAssociationsCommand)
      .resolves({ IamInstanceProfileAssociations: [] });
    iam
      .on(GetInstanceProfileCommand)
      .rejectsOnce(awsError('NoSuchEntityException'))
      .resolves(profile([{ RoleName: CONFIG.defaultRoleName, Arn: roleArn }], name));
    iam.on(CreateRoleCommand).resolves({
      Role: {
        Path: '/',
        RoleName: CONFIG.defaultRoleName,
        RoleId: 'AROAEXAMPLE',
        Arn: roleArn,
        CreateDate: new Date(),
      },
    });
    iam.on(CreateInstanceProfileCommand).resolves(profile([], name));
    iam.on(AddRoleToInstanceProfileCommand).resolves({});
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [], IsTruncated: false });
    iam.on(AttachRolePolicyCommand).resolves({});
    const invalid = awsError(
      'InvalidParameterValue',
      `Value (${name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`,
    );
    ec2
      .on(AssociateIamInstanceProfileCommand)
      .rejectsOnce(invalid)
      .rejectsOnce(invalid)
      .resolves({
        IamInstanceProfileAssociation: association({
          AssociationId: 'iip-assoc-0aaaaaaaaaaaaaaa1',
          State: 'associating',
        }),
      });

    const result = await fixInstance(clients(), CONFIG, INSTANCE, REGION);
    expect(result).toMatchObject({
      status: 'default-associated',
      associationId: 'iip-assoc-0aaaaaaaaaaaaaaa1',
      created: ['role', 'instance profile'],
      policyArn: SSM_POLICY,
    });
    expect(sleeps).toEqual(ASSOCIATE_RETRY_DELAYS_MS.slice(0, 2));
    expect(iam.commandCalls(AttachRolePolicyCommand)[0]?.args[0].input.PolicyArn).toBe(SSM_POLICY);
    const trust = JSON.parse(
      iam.commandCalls(CreateRoleCommand)[0]?.args[0].input.AssumeRolePolicyDocument ?? '{}',
    ) as { Statement: { Principal: unknown; Action: string }[] };
    expect(trust.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });

  it('gives up after the last retry, 15 s of waiting in all', async () => {
    ec2
      .on(DescribeIamInstanceProfileAssociationsCommand)
      .resolves({ IamInstanceProfileAssociations: [] });
    iam
      .on(GetInstanceProfileCommand)
      .resolves(
        profile(
          [{ RoleName: CONFIG.defaultRoleName, Arn: `arn:aws-cn:iam::${ACCOUNT}:role/x` }],
          CONFIG.defaultProfileName,
        ),
      );
    iam.on(ListAttachedRolePoliciesCommand).resolves({
      AttachedPolicies: [{ PolicyName: 'AmazonSSMManagedInstanceCore', PolicyArn: SSM_POLICY }],
    });
    ec2.on(AssociateIamInstanceProfileCommand).rejects(awsError('InvalidParameterValue'));

    await expect(fixInstance(clients(), CONFIG, INSTANCE, REGION)).rejects.toThrow(
      /could not associate instance profile assetguard-ssm-managed-instance with instance i-0123456789abcdef0: InvalidParameterValue/,
    );
    expect(sleeps).toEqual(ASSOCIATE_RETRY_DELAYS_MS);
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(20_000);
  });

  it('never replaces a profile another association won the race with: it fixes that one instead', async () => {
    ec2
      .on(DescribeIamInstanceProfileAssociationsCommand)
      .resolvesOnce({ IamInstanceProfileAssociations: [] })
      .resolves({ IamInstanceProfileAssociations: [association()] });
    iam
      .on(GetInstanceProfileCommand, { InstanceProfileName: CONFIG.defaultProfileName })
      .resolves(
        profile(
          [{ RoleName: CONFIG.defaultRoleName, Arn: `arn:aws-cn:iam::${ACCOUNT}:role/d` }],
          CONFIG.defaultProfileName,
        ),
      );
    iam
      .on(GetInstanceProfileCommand, { InstanceProfileName: PROFILE })
      .resolves(profile([{ RoleName: ROLE, Arn: ROLE_ARN }]));
    iam.on(ListAttachedRolePoliciesCommand, { RoleName: CONFIG.defaultRoleName }).resolves({
      AttachedPolicies: [{ PolicyName: 'AmazonSSMManagedInstanceCore', PolicyArn: SSM_POLICY }],
    });
    iam.on(ListAttachedRolePoliciesCommand, { RoleName: ROLE }).resolves({ AttachedPolicies: [] });
    iam.on(AttachRolePolicyCommand).resolves({});
    ec2
      .on(AssociateIamInstanceProfileCommand)
      .rejects(
        awsError('IncorrectState', `There is an existing association for instance ${INSTANCE}`),
      );

    const result = await fixInstance(clients(), CONFIG, INSTANCE, REGION);
    expect(result).toMatchObject({ status: 'attached', roleName: ROLE, profileArn: PROFILE_ARN });
    expect(
      iam.commandCalls(AttachRolePolicyCommand).map((call) => call.args[0].input.RoleName),
    ).toEqual([ROLE]);
  });

  it('refuses an answer not as documented, naming the field', async () => {
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({
      IamInstanceProfileAssociations: [association({ IamInstanceProfile: { Arn: 'profile/x' } })],
    });
    await expect(fixInstance(clients(), CONFIG, INSTANCE, REGION)).rejects.toThrow(
      /the answer's IamInstanceProfileAssociations\[0\]\.IamInstanceProfile\.Arn is not an instance profile ARN/,
    );
  });
});

describe('fixInstance: the instance must exist first (DescribeInstances)', () => {
  it('asks again while EC2 does not know a just-launched instance, then fixes it', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejectsOnce(
        awsError('InvalidInstanceID.NotFound', `The instance ID '${INSTANCE}' does not exist`),
      )
      .resolves(described('pending'));
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({
      IamInstanceProfileAssociations: [association()],
    });
    iam.on(GetInstanceProfileCommand).resolves(profile([{ RoleName: ROLE, Arn: ROLE_ARN }]));
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(AttachRolePolicyCommand).resolves({});

    const result = await fixInstance(clients(), CONFIG, INSTANCE, REGION);
    expect(result.status).toBe('attached');
    expect(sleeps).toEqual(INSTANCE_LOOKUP_RETRY_DELAYS_MS.slice(0, 1));
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]?.args[0].input).toEqual({
      InstanceIds: [INSTANCE],
    });
  });

  it.each<[string, () => void, string]>([
    [
      'unknown after every wait',
      () => {
        ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
      },
      'instance-not-found',
    ],
    [
      'an answer that does not list it',
      () => {
        ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
      },
      'instance-not-found',
    ],
    [
      'terminated',
      () => {
        ec2.on(DescribeInstancesCommand).resolves(described('terminated'));
      },
      'instance-gone',
    ],
    [
      'shutting down',
      () => {
        ec2.on(DescribeInstancesCommand).resolves(described('shutting-down'));
      },
      'instance-gone',
    ],
  ])(
    'an instance %s: no other read, no write, even when creating the default profile is on',
    async (_what, answer, status) => {
      answer();
      const result = await fixInstance(clients(), CONFIG, INSTANCE, REGION);
      expect(result).toMatchObject({ status, instanceId: INSTANCE });
      expect(ec2.commandCalls(DescribeIamInstanceProfileAssociationsCommand)).toHaveLength(0);
      expect(ec2.commandCalls(AssociateIamInstanceProfileCommand)).toHaveLength(0);
      expect(iam.calls()).toHaveLength(0);
    },
  );

  it('names the permission when DescribeInstances is denied', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(
        awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'),
      );
    await expect(fixInstance(clients(), CONFIG, INSTANCE, REGION)).rejects.toThrow(
      /could not find instance i-0123456789abcdef0: UnauthorizedOperation: .* — grant ec2:DescribeInstances/,
    );
  });

  it('refuses an answer without Reservations', async () => {
    ec2.on(DescribeInstancesCommand).resolves({});
    await expect(fixInstance(clients(), CONFIG, INSTANCE, REGION)).rejects.toThrow(
      /could not find instance i-0123456789abcdef0: the answer's Reservations is missing/,
    );
  });
});

describe('the handler: only events of its own account and region', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    [
      'another account',
      { [FIXTURE_ACCOUNT]: '444455556666', [FIXTURE_REGION]: REGION },
      /^the event is of account 444455556666, not the function's 111122223333:/,
    ],
    [
      'another region',
      {},
      /^the event is of region ap-northeast-2, not the function's cn-north-1:/,
    ],
  ])(
    'refuses an event of %s before any AWS call, and reports it',
    async (_what, replace, reason) => {
      for (const name of ['state-change-running', 'AssociateIamInstanceProfile'] as const) {
        posted = [];
        const summary = await createHandler(deps())(fixerEvent(name, replace), CONTEXT);
        expect(summary).toMatchObject({ reported: ['slack', 'sns'] });
        expect(summary.refused).toMatch(reason);
        expect(summary.result).toBeUndefined();
        expect(JSON.stringify(posted)).toContain('refused an event of another account or region');
      }
      expect(ec2.calls()).toHaveLength(0);
      expect(iam.calls()).toHaveLength(0);
      expect(
        sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes?.kind?.StringValue,
      ).toBe('refused-event');
    },
  );

  it('takes its account from the invoked function ARN, an alias or version included', async () => {
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({
      IamInstanceProfileAssociations: [association()],
    });
    iam.on(GetInstanceProfileCommand).resolves(profile([{ RoleName: ROLE, Arn: ROLE_ARN }]));
    iam.on(ListAttachedRolePoliciesCommand).resolves({
      AttachedPolicies: [{ PolicyName: 'AmazonSSMManagedInstanceCore', PolicyArn: SSM_POLICY }],
    });
    const context = { invokedFunctionArn: `${CONTEXT.invokedFunctionArn}:live` };
    const summary = await createHandler(deps())(
      fixerEvent('state-change-running', { [FIXTURE_REGION]: REGION }),
      context,
    );
    expect(summary.result?.status).toBe('already-attached');
  });
});

describe('the handler: failures are reported, and thrown only when a retry can help', () => {
  // The fixture's account, in this file's region.
  const event = (): unknown => fixerEvent('state-change-running', { [FIXTURE_REGION]: REGION });

  it('a missing permission is reported once with the permission to grant, and the invocation succeeds', async () => {
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({
      IamInstanceProfileAssociations: [association()],
    });
    iam.on(GetInstanceProfileCommand).resolves(profile([{ RoleName: ROLE, Arn: ROLE_ARN }]));
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(AttachRolePolicyCommand).rejects(awsError('AccessDenied', 'not authorized'));

    const summary = await createHandler(deps())(event(), CONTEXT);
    expect(summary.failed).toMatch(
      /AccessDenied: not authorized — grant iam:AttachRolePolicy on role payments-web-role for policy arn:aws-cn:iam::aws:policy\/AmazonSSMManagedInstanceCore/,
    );
    expect(summary.reported).toEqual(['slack', 'sns']);
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.Subject).toBe(`[assetguard] SSM role fixer could not fix: ${INSTANCE}`);
    expect(published?.Message).toContain('grant iam:AttachRolePolicy');
    expect(published?.Message).not.toContain('Lambda retries');
    expect(published?.MessageAttributes?.kind?.StringValue).toBe('failed');
    expect(logs.at(-1)).toMatchObject({ level: 'info', msg: 'reported', sink: 'sns' });
    expect(logs.find((line) => line.msg === 'could not fix')).toMatchObject({ retried: false });
  });

  it('a role at its managed-policy quota is reported and not retried: a retry would meet it again', async () => {
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({
      IamInstanceProfileAssociations: [association()],
    });
    iam.on(GetInstanceProfileCommand).resolves(profile([{ RoleName: ROLE, Arn: ROLE_ARN }]));
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iam
      .on(AttachRolePolicyCommand)
      .rejects(awsError('LimitExceededException', 'Cannot exceed quota for PoliciesPerRole: 10'));

    const summary = await createHandler(deps())(event(), CONTEXT);
    expect(summary.failed).toMatch(
      /could not attach .* to role payments-web-role: LimitExceededException: Cannot exceed quota for PoliciesPerRole: 10/,
    );
    expect(summary.reported).toEqual(['slack', 'sns']);
  });

  it('throttling is reported as retried, then thrown so Lambda retries the event', async () => {
    ec2
      .on(DescribeIamInstanceProfileAssociationsCommand)
      .rejects(awsError('RequestLimitExceeded', 'Request limit exceeded.'));
    await expect(createHandler(deps())(event(), CONTEXT)).rejects.toThrow(/RequestLimitExceeded/);
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0])).toContain('Lambda retries the event');
  });

  it('a report no destination took fails the invocation (the dead-letter queue keeps the event)', async () => {
    sns.on(PublishCommand).rejects(awsError('AuthorizationError', 'not allowed'));
    const failingSlack = deps({
      postSlack: () =>
        Promise.reject(new Error('Slack: could not post to the incoming webhook: HTTP 500')),
    });
    await expect(createHandler(failingSlack)({ source: 'aws.ec2' }, CONTEXT)).rejects.toThrow(
      /could not report to any destination \(Lambda retries\): slack: Slack: could not post .*; sns: could not publish/,
    );
    expect(logs.filter((line) => line.msg === 'could not report').map((line) => line.sink)).toEqual(
      ['slack', 'sns'],
    );
  });

  it('one destination failing does not lose the report: the other takes it', async () => {
    sns.on(PublishCommand).rejects(awsError('AuthorizationError', 'not allowed'));
    const summary = await createHandler(deps())({ source: 'aws.ec2', 'detail-type': 'x' }, CONTEXT);
    expect(summary.reported).toEqual(['slack']);
    expect(posted).toHaveLength(1);
  });

  it('a Replace record whose association EC2 no longer knows is reported, not guessed', async () => {
    ec2
      .on(DescribeIamInstanceProfileAssociationsCommand)
      .rejects(awsError('InvalidAssociationID.NotFound', 'not found'));
    const replace = fixerEvent('ReplaceIamInstanceProfileAssociation', {
      [FIXTURE_REGION]: REGION,
    });
    delete replace.detail.responseElements;
    const summary = await createHandler(deps())(replace, CONTEXT);
    expect(summary.failed).toMatch(
      /names no instance, and EC2 no longer knows the replaced association iip-assoc-0e7736511a163c209/,
    );
    expect(summary.reported).toEqual(['slack', 'sns']);
  });
});
