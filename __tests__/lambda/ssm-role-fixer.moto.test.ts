import { randomUUID } from 'node:crypto';
import {
  AssociateIamInstanceProfileCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  EC2Client,
  ReplaceIamInstanceProfileAssociationCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  EXCEPTIONS_ENV,
  TOPIC_ENV,
  configFrom,
  type FixerConfig,
} from '../../actions/src/lambda/ssm-role-fixer/config';
import {
  createHandler,
  type FixerDeps,
  type LogEntry,
} from '../../actions/src/lambda/ssm-role-fixer/handler';
import { postSlack } from '../../actions/src/sinks/slack';
import type { MotoServer } from '../../scripts/lib/moto';
import {
  FIXTURE_ACCOUNT,
  FIXTURE_ASSOCIATION,
  FIXTURE_INSTANCE,
  FIXTURE_REGION,
  fixerEvent,
  lambdaContext,
  startMotoWithManagedPolicies,
} from '../fixtures/ssm-role-fixer';
import { startSlackRecorder, type SlackRecorder } from '../support/sinks';

// EC2 instances with and without instance profiles, IAM roles, instance profiles and the AWS
// managed policy, on a moto server of this file's own that loads AWS managed policies.
const REGION = FIXTURE_REGION;
/** moto's account. */
const ACCOUNT = '123456789012';
/** The function's own account and region, as the Lambda context names them. */
const CONTEXT = lambdaContext(ACCOUNT, REGION);
const SSM_POLICY = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
/** Unique per run, so names never meet another run's on a reused server. */
const RUN = randomUUID().slice(0, 8);

/** Undefined until beforeAll has started them (afterAll stops what was started). */
let moto: MotoServer | undefined;
let slack: SlackRecorder | undefined;
let endpoint = '';
let ec2: EC2Client;
let iam: IAMClient;
let sns: SNSClient;
let sqs: SQSClient;
const clients: { destroy(): void }[] = [];
let topicArn: string;
let queueUrl: string;
let imageId: string;
let logs: LogEntry[] = [];
let sleeps: number[] = [];

const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

beforeAll(async () => {
  moto = await startMotoWithManagedPolicies();
  endpoint = moto.endpoint;
  const options = { region: REGION, endpoint, maxAttempts: 1 };
  ec2 = new EC2Client(options);
  iam = new IAMClient(options);
  sns = new SNSClient(options);
  sqs = new SQSClient(options);
  clients.push(ec2, iam, sns, sqs);
  slack = await startSlackRecorder({ path: `/services/T0/B0/${RUN}` });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: `ssm-role-fixer-${RUN}` }))).TopicArn!;
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `ssm-role-fixer-${RUN}` })))
    .QueueUrl!;
  const queueArn = (
    await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes?.QueueArn;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
  const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
  imageId = images.Images?.[0]?.ImageId ?? '';
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await slack?.close();
  await moto?.stop();
});

beforeEach(async () => {
  logs = [];
  sleeps = [];
  recorder().reset();
  // Each test reads only its own notifications.
  await notifications();
});

/** The Slack recorder beforeAll started. */
function recorder(): SlackRecorder {
  if (slack === undefined) throw new Error('the Slack recorder did not start');
  return slack;
}

function deps(config: Partial<FixerConfig> = {}): FixerDeps {
  const options = { region: REGION, endpoint, maxAttempts: 1 };
  return {
    exceptions: [],
    createDefaultProfile: false,
    defaultRoleName: `ssmfix-${RUN}-default`,
    defaultProfileName: `ssmfix-${RUN}-default`,
    topicArn,
    slack: { url: recorder().url },
    ...config,
    ec2,
    iam: () => Promise.resolve(iam),
    sns: () => Promise.resolve(sns),
    ssm: () => Promise.resolve(new SSMClient(options)),
    postSlack,
    region: REGION,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    log: (entry) => logs.push(entry),
  };
}

/** Every SNS notification waiting in the queue, deleted as read. */
async function notifications(): Promise<{ Subject?: string; Message: string }[]> {
  const found: { Subject?: string; Message: string }[] = [];
  for (;;) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (!answer.Messages?.length) return found;
    for (const message of answer.Messages) {
      found.push(JSON.parse(message.Body ?? '') as { Subject?: string; Message: string });
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }
}

/** A role EC2 may assume, with the given managed policies and one inline policy. */
async function role(name: string, policies: string[] = []): Promise<string> {
  const roleName = `ssmfix-${RUN}-${name}`;
  await iam.send(
    new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: EC2_TRUST }),
  );
  for (const policy of policies) {
    await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policy }));
  }
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'app',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      }),
    }),
  );
  return roleName;
}

/** An instance profile holding the role (or no role). */
async function profile(name: string, roleName?: string): Promise<string> {
  const profileName = `ssmfix-${RUN}-${name}`;
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: profileName }));
  if (roleName !== undefined) {
    await iam.send(
      new AddRoleToInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: roleName }),
    );
  }
  return profileName;
}

async function launch(profileName?: string): Promise<string> {
  const answer = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      MinCount: 1,
      MaxCount: 1,
      InstanceType: 't3.micro',
      ...(profileName !== undefined && { IamInstanceProfile: { Name: profileName } }),
    }),
  );
  return answer.Instances?.[0]?.InstanceId ?? '';
}

async function attached(roleName: string): Promise<string[]> {
  const answer = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  return (answer.AttachedPolicies ?? []).map((policy) => policy.PolicyArn ?? '').sort();
}

async function associations(instanceId: string): Promise<{ id?: string; arn?: string }[]> {
  const answer = await ec2.send(
    new DescribeIamInstanceProfileAssociationsCommand({
      Filters: [{ Name: 'instance-id', Values: [instanceId] }],
    }),
  );
  return (answer.IamInstanceProfileAssociations ?? []).map((a) => ({
    id: a.AssociationId,
    arn: a.IamInstanceProfile?.Arn,
  }));
}

function running(instanceId: string): Record<string, unknown> {
  return fixerEvent('state-change-running', {
    [FIXTURE_INSTANCE]: instanceId,
    [FIXTURE_ACCOUNT]: ACCOUNT,
  });
}

describe('ssm-role-fixer on moto', () => {
  it('has the AWS managed policy to attach (moto loads it on this server)', async () => {
    expect(await attached(await role('probe', [SSM_POLICY]))).toEqual([SSM_POLICY]);
  });

  it('attaches AmazonSSMManagedInstanceCore to the existing role of a running instance, once, and never touches its profile', async () => {
    const roleName = await role('web', [READ_ONLY]);
    const profileName = await profile('web', roleName);
    const instanceId = await launch(profileName);
    const before = await associations(instanceId);
    expect(before).toHaveLength(1);
    const handler = createHandler(deps());

    const first = await handler(running(instanceId), CONTEXT);
    expect(first.result).toMatchObject({
      status: 'attached',
      instanceId,
      roleName,
      policyArn: SSM_POLICY,
      profileArn: `arn:aws:iam::${ACCOUNT}:instance-profile/${profileName}`,
    });
    expect(await attached(roleName)).toEqual([READ_ONLY, SSM_POLICY].sort());

    // Idempotent: the second delivery finds it attached and writes nothing.
    const second = await handler(running(instanceId), CONTEXT);
    expect(second.result).toMatchObject({ status: 'already-attached', roleName });
    expect(await attached(roleName)).toEqual([READ_ONLY, SSM_POLICY].sort());
    // The same association, the same profile: nothing replaced, nothing disassociated.
    expect(await associations(instanceId)).toEqual(before);
    expect(first.reported).toEqual([]);
    expect(recorder().received).toEqual([]);
    expect(await notifications()).toEqual([]);
    expect(logs.map((line) => line.msg)).toEqual(['attached', 'already-attached']);
  });

  it('leaves a role on the exceptions list alone, whatever the case of its name', async () => {
    const roleName = await role('Legacy-App');
    const instanceId = await launch(await profile('legacy', roleName));
    // As the environment gives it: IAM role names are unique whatever their case.
    const { exceptions } = configFrom({
      [EXCEPTIONS_ENV]: `bastion,${roleName.toUpperCase()}`,
      [TOPIC_ENV]: topicArn,
    });
    const handler = createHandler(deps({ exceptions }));

    const summary = await handler(running(instanceId), CONTEXT);
    expect(summary.result).toMatchObject({ status: 'excepted', roleName });
    expect(await attached(roleName)).toEqual([]);
    expect(summary.reported).toEqual([]);
    expect(logs).toEqual([expect.objectContaining({ level: 'info', msg: 'excepted', roleName })]);
  });

  it('reports an instance without profile when creating one is off, and creates nothing', async () => {
    const instanceId = await launch();
    const config = { defaultRoleName: `ssmfix-${RUN}-never` };
    const summary = await createHandler(deps(config))(running(instanceId), CONTEXT);

    expect(summary.result).toMatchObject({ status: 'no-profile', instanceId });
    expect(summary.reported).toEqual(['slack', 'sns']);
    expect(await associations(instanceId)).toEqual([]);
    await expect(
      iam.send(new GetRoleCommand({ RoleName: config.defaultRoleName })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    expect(recorder().received).toHaveLength(1);
    const [notification] = await notifications();
    expect(notification?.Subject).toBe(`[assetguard] SSM role fixer needs a person: ${instanceId}`);
    expect(notification?.Message).toContain('creating the default one is off');
    expect(logs[0]).toMatchObject({ level: 'warn', msg: 'no-profile', instanceId });
  });

  it('gives instances without profile the default profile when allowed: created once, then reused', async () => {
    const config = {
      createDefaultProfile: true,
      defaultRoleName: `ssmfix-${RUN}-fallback`,
      defaultProfileName: `ssmfix-${RUN}-fallback-profile`,
    };
    const handler = createHandler(deps(config));
    const first = await launch();
    const second = await launch();

    const created = await handler(running(first), CONTEXT);
    expect(created.result).toMatchObject({
      status: 'default-associated',
      roleName: config.defaultRoleName,
      created: ['role', 'instance profile'],
    });
    const profileArn = `arn:aws:iam::${ACCOUNT}:instance-profile/${config.defaultProfileName}`;
    expect(await associations(first)).toEqual([
      { id: created.result?.associationId, arn: profileArn },
    ]);
    expect(await attached(config.defaultRoleName)).toEqual([SSM_POLICY]);
    const trust = (await iam.send(new GetRoleCommand({ RoleName: config.defaultRoleName }))).Role
      ?.AssumeRolePolicyDocument;
    expect(decodeURIComponent(trust ?? '')).toContain('ec2.amazonaws.com');

    const reused = await handler(running(second), CONTEXT);
    expect(reused.result).toMatchObject({ status: 'default-associated' });
    expect(reused.result?.created).toBeUndefined();
    expect(await associations(second)).toEqual([
      { id: reused.result?.associationId, arn: profileArn },
    ]);
    const instanceProfile = await iam.send(
      new GetInstanceProfileCommand({ InstanceProfileName: config.defaultProfileName }),
    );
    expect(instanceProfile.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual([
      config.defaultRoleName,
    ]);

    // The first instance now has a profile: a later event attaches nothing and associates nothing.
    const again = await handler(running(first), CONTEXT);
    expect(again.result).toMatchObject({ status: 'already-attached' });
    expect(sleeps).toEqual([]);
    expect(created.reported).toEqual([]);
  });

  it('reports a profile that holds no role, and changes nothing', async () => {
    const profileName = await profile('empty');
    const instanceId = await launch(profileName);
    const summary = await createHandler(deps({ createDefaultProfile: true }))(
      running(instanceId),
      CONTEXT,
    );

    expect(summary.result).toMatchObject({ status: 'unusable-profile' });
    expect(summary.result?.reason).toContain(`instance profile ${profileName} holds no role`);
    expect(summary.reported).toEqual(['slack', 'sns']);
    expect(await associations(instanceId)).toHaveLength(1);
    const [notification] = await notifications();
    expect(notification?.Message).toContain(
      `Instance profile: arn:aws:iam::${ACCOUNT}:instance-profile/${profileName}`,
    );
  });

  it('fixes the instance a CloudTrail AssociateIamInstanceProfile record names', async () => {
    const roleName = await role('batch');
    const profileName = await profile('batch', roleName);
    const instanceId = await launch();
    await ec2.send(
      new AssociateIamInstanceProfileCommand({
        InstanceId: instanceId,
        IamInstanceProfile: { Name: profileName },
      }),
    );
    const event = fixerEvent('AssociateIamInstanceProfile', {
      [FIXTURE_INSTANCE]: instanceId,
      [FIXTURE_ACCOUNT]: ACCOUNT,
      'payments-web': profileName,
    });

    const summary = await createHandler(deps())(event, CONTEXT);
    expect(summary.result).toMatchObject({ status: 'attached', roleName, instanceId });
    expect(await attached(roleName)).toEqual([SSM_POLICY]);
  });

  it('finds the instance of a Replace record without response through the replaced association', async () => {
    const first = await profile('before', await role('before', [SSM_POLICY]));
    const roleName = await role('after');
    const second = await profile('after', roleName);
    const instanceId = await launch(first);
    const [association] = await associations(instanceId);
    await ec2.send(
      new ReplaceIamInstanceProfileAssociationCommand({
        AssociationId: association?.id,
        IamInstanceProfile: { Name: second },
      }),
    );
    const event = fixerEvent('ReplaceIamInstanceProfileAssociation', {
      [FIXTURE_ASSOCIATION]: association?.id ?? '',
      [FIXTURE_ACCOUNT]: ACCOUNT,
    });
    delete event.detail.responseElements;

    const summary = await createHandler(deps())(event, CONTEXT);
    expect(summary.result).toMatchObject({ status: 'attached', roleName, instanceId });
    expect(await attached(roleName)).toEqual([SSM_POLICY]);
  });

  it('reports an event that is not as documented to Slack and SNS, and resolves', async () => {
    const summary = await createHandler(deps())(
      {
        id: 'evt-1',
        source: 'aws.ec2',
        'detail-type': 'EC2 Instance Rebalance Recommendation',
        detail: {},
      },
      CONTEXT,
    );
    expect(summary).toEqual({
      eventId: 'evt-1',
      malformed: expect.stringContaining('detail-type is "EC2 Instance Rebalance Recommendation"'),
      reported: ['slack', 'sns'],
    });
    const [post] = recorder().received;
    expect(JSON.stringify(post?.body)).toContain('could not read an event');
    const [notification] = await notifications();
    expect(notification?.Subject).toBe('[assetguard] SSM role fixer could not read an event');
    expect(logs[0]).toMatchObject({ level: 'error', msg: 'malformed event', field: 'detail-type' });
  });

  it('ignores other instance states and failed calls without a call to AWS or a report', async () => {
    const handler = createHandler({ ...deps(), ec2: undefined as never, iam: undefined as never });
    const stopped = fixerEvent('state-change-running', {
      '"running"': '"stopped"',
      [FIXTURE_ACCOUNT]: ACCOUNT,
    });
    expect(await handler(stopped, CONTEXT)).toMatchObject({
      ignored: 'instance state stopped, not running',
      reported: [],
    });
    const failed = fixerEvent('AssociateIamInstanceProfile', { [FIXTURE_ACCOUNT]: ACCOUNT });
    failed.detail.errorCode = 'Client.UnauthorizedOperation';
    expect((await handler(failed, CONTEXT)).ignored).toMatch(
      /call failed \(Client\.UnauthorizedOperation\)/,
    );
    expect(recorder().received).toEqual([]);
  });
});

describe('ssm-role-fixer on moto: only its own account and region, only instances that exist', () => {
  /** Neither the default role nor its profile exists: nothing was created. */
  async function expectNothingCreated(config: {
    defaultRoleName: string;
    defaultProfileName: string;
  }) {
    await expect(
      iam.send(new GetRoleCommand({ RoleName: config.defaultRoleName })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    await expect(
      iam.send(new GetInstanceProfileCommand({ InstanceProfileName: config.defaultProfileName })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  }

  const allowed = () => ({
    createDefaultProfile: true,
    defaultRoleName: `ssmfix-${RUN}-refused`,
    defaultProfileName: `ssmfix-${RUN}-refused-profile`,
  });

  it('refuses the event of another account as it comes (the fixture), reports it, and reads or creates nothing', async () => {
    const config = allowed();
    // EC2 and IAM are not there to call: the refusal comes before any read.
    const handler = createHandler({
      ...deps(config),
      ec2: undefined as never,
      iam: undefined as never,
    });
    const summary = await handler(fixerEvent('state-change-running'), CONTEXT);

    expect(summary.result).toBeUndefined();
    expect(summary.refused).toMatch(
      new RegExp(`^the event is of account ${FIXTURE_ACCOUNT}, not the function's ${ACCOUNT}:`),
    );
    expect(summary.reported).toEqual(['slack', 'sns']);
    const [notification] = await notifications();
    expect(notification?.Subject).toBe(
      `[assetguard] SSM role fixer refused an event of another account or region: ${FIXTURE_INSTANCE}`,
    );
    expect(notification?.Message).toContain(`Account: ${FIXTURE_ACCOUNT}`);
    expect(notification?.Message).not.toContain('no instance profile');
    expect(logs[0]).toMatchObject({
      level: 'warn',
      msg: 'refused event',
      account: FIXTURE_ACCOUNT,
    });
    await expectNothingCreated(config);
  });

  it('refuses an event of another region of its own account', async () => {
    const instanceId = await launch();
    const event = fixerEvent('state-change-running', {
      [FIXTURE_INSTANCE]: instanceId,
      [FIXTURE_ACCOUNT]: ACCOUNT,
      [FIXTURE_REGION]: 'eu-west-3',
    });
    const summary = await createHandler(deps(allowed()))(event, CONTEXT);

    expect(summary.refused).toMatch(
      /^the event is of region eu-west-3, not the function's ap-northeast-2:/,
    );
    expect(summary.result).toBeUndefined();
    expect(await associations(instanceId)).toEqual([]);
    await expectNothingCreated(allowed());
  });

  it('reports an instance EC2 does not know as not found, never as "no profile", and creates nothing', async () => {
    const config = allowed();
    const event = fixerEvent('state-change-running', { [FIXTURE_ACCOUNT]: ACCOUNT });
    const summary = await createHandler(deps(config))(event, CONTEXT);

    expect(summary.result).toMatchObject({
      status: 'instance-not-found',
      instanceId: FIXTURE_INSTANCE,
    });
    expect(summary.result?.reason).toMatch(/^instance not found: /);
    expect(summary.reported).toEqual(['slack', 'sns']);
    const [notification] = await notifications();
    expect(notification?.Message).toContain('instance not found');
    expect(notification?.Message).not.toContain('no instance profile');
    // EC2's reads are eventually consistent: an unknown id is asked again twice before it counts.
    expect(sleeps).toEqual([1000, 2000]);
    await expectNothingCreated(config);
  });

  it('leaves a terminated instance alone without a report', async () => {
    const instanceId = await launch();
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    const summary = await createHandler(deps(allowed()))(running(instanceId), CONTEXT);

    expect(summary.result).toMatchObject({ status: 'instance-gone', instanceId });
    expect(summary.reported).toEqual([]);
    expect(await associations(instanceId)).toEqual([]);
    await expectNothingCreated(allowed());
  });

  it('acts on nothing when the Lambda context does not name the function (its account is unknown)', async () => {
    const instanceId = await launch();
    const handler = createHandler(deps(allowed()));
    for (const context of [undefined, { invokedFunctionArn: 'not-an-arn' }]) {
      const summary = await handler(running(instanceId), context);
      expect(summary.failed).toMatch(/^cannot tell the function's own account/);
      expect(summary.result).toBeUndefined();
      expect(summary.reported).toEqual(['slack', 'sns']);
    }
    expect(await associations(instanceId)).toEqual([]);
    await expectNothingCreated(allowed());
  });
});
