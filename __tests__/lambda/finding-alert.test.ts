import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { CreateBucketCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { slackText } from '../../actions/src/core/escape';
import {
  OWNER_UNKNOWN,
  TTL_ATTRIBUTE,
  createHandler,
  type FindingAlertDeps,
  type LogEntry,
} from '../../actions/src/lambda/finding-alert/handler';
import { postSlack } from '../../actions/src/sinks/slack';
import { startSlackRecorder, type SlackRecorder } from '../support/sinks';

// This file's own region: moto keeps state per region, so other test files are not disturbed.
const REGION = 'af-south-1';
const ACCOUNT = '123456789012';
const POLICY_PARAMETER = '/assetguard/finding-alert-test/policy';
const LOW_POLICY_PARAMETER = '/assetguard/finding-alert-test/policy-low';
const SLACK_PARAMETER = '/assetguard/finding-alert-test/slack-webhook';
const FIXTURES = join(__dirname, '..', 'fixtures', 'finding-events');
const FIXTURE_ACCOUNT = '111122223333';
const FIXTURE_REGION = 'eu-central-1';
const FIXTURE_INSTANCE = 'i-0a1b2c3d4e5f60718';
const FIXTURE_BUCKET = 'payments-exports';

const options = { region: REGION, maxAttempts: 1 };
const dynamodb = new DynamoDBClient(options);
const sns = new SNSClient(options);
const sqs = new SQSClient(options);
const ssm = new SSMClient(options);
const ec2 = new EC2Client(options);
const s3 = new S3Client({ ...options, forcePathStyle: true });

/** Every command the Lambda's clients send, by name, in order (an SDK middleware counts them). */
let calls: string[] = [];

interface CommandStack {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; name: string },
  ): void;
}

/** A client as the handler takes its lazily built ones (core/aws LazyClient): already built. */
function lazily<C>(client: C): () => Promise<C> {
  return () => Promise.resolve(client);
}

function counted<C extends { middlewareStack: unknown }>(client: C): C {
  (client.middlewareStack as CommandStack).add(
    (next, context) => (args) => {
      calls.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'assetguardCountCommands' },
  );
  return client;
}

/** What Slack shows of a post: its section's mrkdwn. */
interface SlackPost {
  text: string;
  blocks: { type: string; text: { type: string; text: string } }[];
}
const shown = (post: SlackPost | undefined): string => post?.blocks[0]?.text.text ?? '';

interface Notification {
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** Every notification waiting in a queue, deleted as read. */
async function drain(queueUrl: string): Promise<Notification[]> {
  const found: Notification[] = [];
  for (;;) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === 0) return found;
    for (const message of messages) {
      found.push(JSON.parse(message.Body ?? '') as Notification);
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }
}

async function queue(name: string, topicArn: string, owners?: string[]): Promise<string> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const queueUrl = created.QueueUrl ?? '';
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: attributes.Attributes?.QueueArn ?? '',
      ...(owners && {
        Attributes: {
          FilterPolicy: JSON.stringify({ owner: owners }),
          FilterPolicyScope: 'MessageAttributes',
        },
      }),
    }),
  );
  return queueUrl;
}

let slack: SlackRecorder<SlackPost>;
let topicArn: string;
let allQueue: string;
let paymentsQueue: string;
let platformQueue: string;
let instanceId: string;
let bucket: string;
let table: string;
let tableCount = 0;
let logs: LogEntry[] = [];
let clock = new Date('2026-03-02T09:30:00Z');

type Json = Record<string, unknown>;
/** The event's detail, its first ASFF finding, and that finding's first resource, to edit. */
const detail = (event: Json): Json => event.detail as Json;
const finding = (event: Json): Json => (detail(event).findings as Json[])[0]!;
const resource = (event: Json): Json => (finding(event).Resources as Json[])[0]!;

/** A fixture event pointed at this file's region, account and resources, then edited. */
function fixture(name: string, edit: (event: Json) => void = () => undefined): Json {
  const text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8')
    .split(FIXTURE_ACCOUNT)
    .join(ACCOUNT)
    .split(FIXTURE_REGION)
    .join(REGION)
    .split(FIXTURE_INSTANCE)
    .join(instanceId)
    .split(FIXTURE_BUCKET)
    .join(bucket);
  const event = JSON.parse(text) as Json;
  edit(event);
  return event;
}

function deps(overrides: Partial<FindingAlertDeps> = {}): FindingAlertDeps {
  return {
    ssm: lazily(counted(new SSMClient(options))),
    dynamodb: counted(new DynamoDBClient(options)),
    sns: lazily(counted(new SNSClient(options))),
    tagging: counted(new ResourceGroupsTaggingAPIClient(options)),
    table,
    topicArn,
    slack: { parameterName: SLACK_PARAMETER },
    postSlack,
    policyParameter: POLICY_PARAMETER,
    now: () => clock,
    log: (entry) => logs.push(entry),
    ...overrides,
  };
}

const policy = (severity: string): string =>
  `version: 1\nreport:\n  alert-severity: ${severity}\n  owner-tag: Owner\n`;

beforeAll(async () => {
  slack = await startSlackRecorder<SlackPost>({ path: '/services/T000/B000/XXXX' });
  await ssm.send(
    new PutParameterCommand({
      Name: POLICY_PARAMETER,
      Type: 'String',
      Value: policy('HIGH'),
      Overwrite: true,
    }),
  );
  await ssm.send(
    new PutParameterCommand({
      Name: LOW_POLICY_PARAMETER,
      Type: 'String',
      Value: policy('LOW'),
      Overwrite: true,
    }),
  );
  await ssm.send(
    new PutParameterCommand({
      Name: SLACK_PARAMETER,
      Type: 'SecureString',
      Value: slack.url,
      Overwrite: true,
    }),
  );
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'assetguard-alerts' }))).TopicArn ?? '';
  allQueue = await queue('alerts-all', topicArn);
  paymentsQueue = await queue('alerts-payments', topicArn, ['payments@example.com']);
  platformQueue = await queue('alerts-platform', topicArn, ['platform@example.com']);

  const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: images.Images?.[0]?.ImageId ?? '',
      MinCount: 1,
      MaxCount: 1,
      InstanceType: 't3.micro',
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: 'Owner', Value: 'platform@example.com' }] },
      ],
    }),
  );
  instanceId = run.Instances?.[0]?.InstanceId ?? '';
  expect(instanceId).toMatch(/^i-/);
  bucket = `finding-alert-${Date.now()}`;
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
  await s3.send(
    new PutBucketTaggingCommand({
      Bucket: bucket,
      Tagging: { TagSet: [{ Key: 'Owner', Value: 'payments@example.com' }] },
    }),
  );
});

afterAll(async () => {
  await slack.close();
});

beforeEach(async () => {
  tableCount += 1;
  table = `assetguard-alerts-${tableCount}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  slack.reset();
  calls = [];
  logs = [];
  clock = new Date('2026-03-02T09:30:00Z');
  await Promise.all([drain(allQueue), drain(paymentsQueue), drain(platformQueue)]);
});

describe('finding-alert Lambda against moto, a local Slack webhook and SNS → SQS', () => {
  it('alerts a HIGH Security Hub finding once: Slack, and SNS with the owner attribute that subscriptions filter on', async () => {
    const summary = await createHandler(deps())(fixture('securityhub-imported'));

    expect(summary).toEqual({
      alerts: [
        {
          id: `arn:aws:inspector2:${REGION}:${ACCOUNT}:finding/0c1e8a6d5a3b4f1f9d2e7b6a5c4d3e2f`,
          severity: 'HIGH',
          owner: 'payments@example.com',
          sent: ['slack', 'sns'],
          alreadySent: [],
        },
      ],
      skipped: [],
      failed: [],
    });
    expect(slack.accepted()).toHaveLength(1);
    const text = shown(slack.accepted()[0]);
    expect(slack.accepted()[0]?.text).toBe(
      'HIGH Security Hub finding: CVE-2024-6387 - openssh-server',
    );
    expect(text).toContain('*HIGH*');
    expect(text).toContain(
      '<https://nvd.nist.gov/vuln/detail/CVE-2024-6387|CVE-2024-6387 - openssh-server>',
    );
    expect(text).toContain('*Owner:* payments@example.com');

    const [notification, ...more] = await drain(allQueue);
    expect(more).toEqual([]);
    expect(notification?.MessageAttributes?.owner).toEqual({
      Type: 'String',
      Value: 'payments@example.com',
    });
    expect(notification?.MessageAttributes?.severity?.Value).toBe('HIGH');
    expect(notification?.Subject).toBe('[assetguard] HIGH: CVE-2024-6387 - openssh-server');
    expect(notification?.Message).toContain('Owner:    payments@example.com');
    expect(notification?.Message).toContain(`instance/${instanceId}`);
    // A subscription's filter policy on `owner` gets its team's alerts only.
    expect(await drain(paymentsQueue)).toHaveLength(1);
    expect(await drain(platformQueue)).toEqual([]);

    // The claims carry a TTL about 30 days out.
    const items = await dynamodb.send(new ScanCommand({ TableName: table }));
    expect(items.Items).toHaveLength(2);
    const expires = Number(items.Items?.[0]?.[TTL_ATTRIBUTE]?.N);
    expect(expires - clock.getTime() / 1000).toBe(30 * 24 * 60 * 60);
  });

  it('sends nothing for a second delivery of the same event, and reads the webhook once per container', async () => {
    const handler = createHandler(deps());
    await handler(fixture('securityhub-imported'));
    await drain(allQueue);

    const again = await handler(fixture('securityhub-imported'));

    expect(again.alerts[0]?.sent).toEqual([]);
    expect(again.alerts[0]?.alreadySent).toEqual(['slack', 'sns']);
    expect(slack.accepted()).toHaveLength(1);
    expect(await drain(allQueue)).toEqual([]);
    expect(calls.filter((name) => name === 'PublishCommand')).toHaveLength(1);
    // The policy and the SecureString webhook: one GetParameter each.
    expect(calls.filter((name) => name === 'GetParameterCommand')).toHaveLength(2);
  });

  it('alerts again when the finding is updated (a new UpdatedAt)', async () => {
    const handler = createHandler(deps());
    await handler(fixture('securityhub-imported'));

    const updated = await handler(
      fixture('securityhub-imported', (event) => {
        finding(event).UpdatedAt = '2026-03-03T09:10:02.118Z';
      }),
    );

    expect(updated.alerts[0]?.sent).toEqual(['slack', 'sns']);
    expect(slack.accepted()).toHaveLength(2);
    expect(await drain(allQueue)).toHaveLength(2);
  });

  it('does not alert a finding below the policy threshold, and does when the policy lowers it', async () => {
    const low = fixture('securityhub-imported', (event) => {
      finding(event).Severity = { Label: 'LOW', Normalized: 30, Original: 'LOW' };
    });

    const summary = await createHandler(deps())(low);
    expect(summary.alerts).toEqual([]);
    expect(summary.skipped).toEqual([
      { id: expect.any(String), reason: 'severity LOW is below HIGH' },
    ]);
    expect(slack.accepted()).toEqual([]);
    expect(await drain(allQueue)).toEqual([]);
    expect(calls.filter((name) => name === 'PutItemCommand')).toEqual([]);

    const lowered = await createHandler(deps({ policyParameter: LOW_POLICY_PARAMETER }))(low);
    expect(lowered.alerts[0]?.sent).toEqual(['slack', 'sns']);
  });

  it.each([
    [
      'archived',
      (event: Json) => {
        finding(event).RecordState = 'ARCHIVED';
      },
      'not open (ARCHIVED/NEW)',
    ],
    [
      'resolved',
      (event: Json) => {
        finding(event).Workflow = { Status: 'RESOLVED' };
      },
      'not open (ACTIVE/RESOLVED)',
    ],
    [
      'suppressed',
      (event: Json) => {
        finding(event).Workflow = { Status: 'SUPPRESSED' };
      },
      'not open (ACTIVE/SUPPRESSED)',
    ],
  ])('does not alert a Security Hub finding that is %s', async (_, edit, reason) => {
    const summary = await createHandler(deps())(fixture('securityhub-imported', edit));

    expect(summary.skipped).toEqual([{ id: expect.any(String), reason }]);
    expect(summary.alerts).toEqual([]);
    expect(slack.accepted()).toEqual([]);
    expect(await drain(allQueue)).toEqual([]);
  });

  it('alerts an Inspector2 finding, its owner read through tag:GetResources from the instance id', async () => {
    const summary = await createHandler(deps())(fixture('inspector2-finding'));

    expect(summary.alerts).toEqual([
      expect.objectContaining({
        severity: 'CRITICAL',
        owner: 'platform@example.com',
        sent: ['slack', 'sns'],
      }),
    ]);
    expect(calls).toContain('GetResourcesCommand');
    expect(shown(slack.accepted()[0])).toContain('*Vulnerability:* CVE-2025-0001');
    expect(await drain(platformQueue)).toHaveLength(1);
    expect(await drain(paymentsQueue)).toEqual([]);

    const closed = await createHandler(deps())(
      fixture('inspector2-finding', (event) => {
        detail(event).status = 'CLOSED';
      }),
    );
    expect(closed.skipped).toEqual([{ id: expect.any(String), reason: 'not open (CLOSED)' }]);
  });

  it('routes a control finding without resource tags by the bucket tags, and marks an untagged one unowned', async () => {
    const summary = await createHandler(deps())(fixture('securityhub-control'));
    expect(summary.alerts[0]?.owner).toBe('payments@example.com');

    const untagged = await createHandler(deps())(
      fixture('securityhub-control', (event) => {
        resource(event).Id = 'arn:aws:s3:::no-such-bucket-anywhere';
        finding(event).Id = `${String(finding(event).Id)}-untagged`;
      }),
    );
    expect(untagged.alerts[0]?.owner).toBe(OWNER_UNKNOWN);
    const notifications = await drain(allQueue);
    expect(notifications.map((n) => n.MessageAttributes?.owner?.Value)).toEqual([
      'payments@example.com',
      OWNER_UNKNOWN,
    ]);
    expect(notifications[1]?.Message).toContain(
      'Owner:    unknown (no resource carries the Owner tag)',
    );
  });

  it('keeps a hostile title as text in Slack and in the SNS subject', async () => {
    const title = '<!channel> *x* \u202e <https://evil.example|click>\nsecond line';
    await createHandler(deps())(
      fixture('securityhub-imported', (event) => {
        finding(event).Title = title;
        finding(event).SourceUrl = 'javascript:alert(1)';
        delete finding(event).Remediation;
      }),
    );

    const text = shown(slack.accepted()[0]);
    expect(text).toContain(slackText(title));
    expect(slack.accepted()[0]?.text).not.toContain('<!channel>');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('*x*');
    expect(text).not.toContain('<https://evil.example');
    expect(text).not.toContain('javascript:');
    const [notification] = await drain(allQueue);
    const subject = notification?.Subject ?? '';
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(notification?.Message).not.toContain('javascript:');
  });

  it('cuts a long title to an SNS subject of 100 ASCII characters', async () => {
    await createHandler(deps())(
      fixture('securityhub-imported', (event) => {
        finding(event).Title = `Überlänge ${'x'.repeat(300)}`;
      }),
    );
    const [notification] = await drain(allQueue);
    expect(notification?.Subject).toHaveLength(100);
    expect(notification?.Subject).toMatch(/^\[assetguard\] HIGH: \?berl\?nge x+\.\.\.$/);
  });

  it.each([
    [
      'Severity.Label missing',
      (event: Json) => {
        finding(event).Severity = { Normalized: 70 };
      },
      'detail.findings[0].Severity.Label',
      'is missing',
    ],
    [
      'an unknown RecordState',
      (event: Json) => {
        finding(event).RecordState = 'DELETED';
      },
      'detail.findings[0].RecordState',
      'is "DELETED", not one of ACTIVE, ARCHIVED',
    ],
    [
      'a resource without Id',
      (event: Json) => {
        delete resource(event).Id;
      },
      'detail.findings[0].Resources[0].Id',
      'is missing',
    ],
  ])(
    'fails on a malformed Security Hub finding (%s), logging its index, id and field, and sends nothing',
    async (_, edit, field, problem) => {
      const event = fixture('securityhub-imported', edit);
      await expect(createHandler(deps())(event)).rejects.toThrow(
        `malformed finding event: 1 of 1 finding(s) not as documented (the 0 other(s) were handled): ${field} ${problem}`,
      );
      expect(logs).toEqual([
        expect.objectContaining({
          level: 'error',
          msg: 'malformed finding',
          eventId: event.id,
          index: 0,
          findingId: finding(event).Id,
          field,
        }),
      ]);
      expect(slack.accepted()).toEqual([]);
      // Nothing well-formed to alert: not even the policy is read.
      expect(calls).toEqual([]);
    },
  );

  it.each([
    [
      'an Inspector2 finding without findingArn',
      'inspector2-finding',
      (event: Json) => {
        delete detail(event).findingArn;
      },
      'detail.findingArn is missing',
    ],
    [
      'another detail-type',
      'inspector2-finding',
      (event: Json) => {
        event['detail-type'] = 'Inspector2 Coverage';
      },
      'detail-type is "Inspector2 Coverage"',
    ],
    [
      'no Security Hub findings',
      'securityhub-imported',
      (event: Json) => {
        detail(event).findings = [];
      },
      'detail.findings is empty',
    ],
    [
      'a Security Hub event account that is not a string',
      'securityhub-imported',
      (event: Json) => {
        event.account = 123456789012;
      },
      'account is not a string',
    ],
  ])(
    'fails on a malformed event (%s), naming the field, and sends nothing',
    async (_, name, edit, message) => {
      await expect(createHandler(deps())(fixture(name, edit))).rejects.toThrow(
        `malformed finding event: ${message}`,
      );
      expect(logs).toContainEqual(
        expect.objectContaining({ level: 'error', msg: 'malformed event' }),
      );
      expect(slack.accepted()).toEqual([]);
      expect(calls.filter((call) => call !== 'GetParameterCommand')).toEqual([]);
    },
  );

  it('alerts the 99 well-formed findings of a batch of 100 once, logs the malformed one, and fails; the retry sends nothing new', async () => {
    const batch = fixture('securityhub-imported', (event) => {
      const template = JSON.stringify(finding(event));
      detail(event).findings = Array.from({ length: 100 }, (_, index) => {
        const copy = JSON.parse(template) as Json;
        copy.Id = `${String(copy.Id)}-${index}`;
        copy.Title = `finding ${index}`;
        return copy;
      });
      // As some products send it: a severity without the Label the ASFF requires.
      (detail(event).findings as Json[])[50]!.Severity = { Original: 'HIGH' };
    });
    const badId = String((detail(batch).findings as Json[])[50]!.Id);
    const failure =
      'malformed finding event: 1 of 100 finding(s) not as documented (the 99 other(s) were handled): ' +
      'detail.findings[50].Severity.Label is missing';
    const wellFormed = Array.from({ length: 100 }, (_, index) => `finding ${index}`).filter(
      (title) => title !== 'finding 50',
    );

    await expect(createHandler(deps())(batch)).rejects.toThrow(failure);

    expect(
      slack
        .accepted()
        .map((post) => post.text.replace(/^HIGH Security Hub finding: /, ''))
        .sort(),
    ).toEqual([...wellFormed].sort());
    const notifications = await drain(allQueue);
    expect(notifications.map((n) => n.Subject?.replace('[assetguard] HIGH: ', '')).sort()).toEqual(
      [...wellFormed].sort(),
    );
    const errors = logs.filter((entry) => entry.level === 'error');
    expect(errors).toEqual([
      expect.objectContaining({
        msg: 'malformed finding',
        eventId: batch.id,
        index: 50,
        findingId: badId,
        field: 'detail.findings[50].Severity.Label',
        error: 'malformed finding event: detail.findings[50].Severity.Label is missing',
      }),
    ]);
    expect(logs.filter((entry) => entry.msg === 'alerted')).toHaveLength(99 * 2);
    const claims = await dynamodb.send(new ScanCommand({ TableName: table }));
    expect(claims.Items).toHaveLength(99 * 2);
    expect(claims.Items?.map((item) => item.findingId?.S)).not.toContain(badId);

    // Lambda's retry (maybe in another container): the claims hold, so nothing is sent again.
    logs = [];
    await expect(createHandler(deps())(batch)).rejects.toThrow(failure);
    expect(slack.accepted()).toHaveLength(99);
    expect(await drain(allQueue)).toEqual([]);
    expect(logs.filter((entry) => entry.msg === 'already alerted')).toHaveLength(99 * 2);
    expect(logs.filter((entry) => entry.level === 'error')).toEqual([
      expect.objectContaining({ msg: 'malformed finding', index: 50, findingId: badId }),
    ]);
    // ~1,000 calls to moto, a finding at a time as Slack's webhook rate asks: a minute on a
    // loaded 2-core CI machine, so the guard is wider than jest's default.
  }, 180_000);

  it('names both a failed Slack send and a malformed finding when a batch has both', async () => {
    const event = fixture('securityhub-imported', (edited) => {
      const good = finding(edited);
      const bad = { ...good, Id: `${String(good.Id)}-bad`, Title: '' };
      detail(edited).findings = [bad, good];
    });
    slack.answer = { status: 500, body: 'internal_error' };

    await expect(createHandler(deps())(event)).rejects.toThrow(
      /could not send 1 alert.*slack for .*HTTP 500.*; also malformed finding event: 1 of 2 finding\(s\).*detail\.findings\[0\]\.Title is empty/,
    );
    slack.answer = { status: 200, body: 'ok' };
    expect(await drain(allQueue)).toHaveLength(1);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'malformed finding',
        index: 0,
        field: 'detail.findings[0].Title',
      }),
    );
  });

  it('fails when Slack fails, after publishing to SNS; the retry sends Slack only', async () => {
    const handler = createHandler(deps());
    slack.answer = { status: 500, body: 'internal_error' };

    await expect(handler(fixture('securityhub-imported'))).rejects.toThrow(
      /could not send 1 alert.*slack for .*HTTP 500/,
    );
    slack.answer = { status: 200, body: 'ok' };
    expect(slack.accepted()).toEqual([]);
    expect(await drain(allQueue)).toHaveLength(1);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'could not alert', sink: 'slack' }),
    );

    const retry = await handler(fixture('securityhub-imported'));
    expect(retry.alerts[0]).toEqual(
      expect.objectContaining({ sent: ['slack'], alreadySent: ['sns'] }),
    );
    expect(slack.accepted()).toHaveLength(1);
    expect(await drain(allQueue)).toEqual([]);
  });

  it('fails naming the table when the dedupe table does not exist, and sends nothing', async () => {
    await expect(
      createHandler(deps({ table: 'no-such-table' }))(fixture('securityhub-imported')),
    ).rejects.toThrow(/DynamoDB table no-such-table/);
    expect(slack.accepted()).toEqual([]);
    expect(await drain(allQueue)).toEqual([]);
  });
});
