import { pathToFileURL } from 'node:url';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { motoEndpoint } from '../fixtures/moto-estate';
import { startSlackRecorder } from '../support/sinks';

const REGION = 'ap-east-1';
const SLACK_PARAMETER = '/assetguard/finding-alert-dist-test/slack-webhook';
const TABLE = 'assetguard-finding-alert-dist-test';
const BUNDLE = join(
  __dirname,
  '..',
  '..',
  'actions',
  'dist',
  'lambda',
  'finding-alert',
  'index.js',
);
const EVENT = join(__dirname, '..', 'fixtures', 'finding-events', 'securityhub-imported.json');

// The committed bundle, invoked as Lambda's Node runtime invokes `index.handler`, with its
// settings from the environment as infra/modules/finding-alert passes them.
it('actions/dist/lambda/finding-alert/index.js alerts a HIGH finding on Slack and SNS, once', async () => {
  const slack = await startSlackRecorder({ path: '/services/T0/B0/X' });
  try {
    const url = slack.url;
    const options = { region: REGION, maxAttempts: 1 };
    await new SSMClient(options).send(
      new PutParameterCommand({
        Name: SLACK_PARAMETER,
        Type: 'SecureString',
        Value: url,
        Overwrite: true,
      }),
    );
    await new DynamoDBClient(options).send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const topic = await new SNSClient(options).send(
      new CreateTopicCommand({ Name: 'finding-alert-dist' }),
    );
    const event = readFileSync(EVENT, 'utf8');
    // Two deliveries of the same event in one container: the second sends nothing.
    // Imported as Lambda's Node runtime imports an ES module handler (package.json "type": "module").
    const script = `import(${JSON.stringify(pathToFileURL(BUNDLE).href)}).then(({ handler }) => {
const event = JSON.parse(process.argv[1]);
return handler(event).then((first) => handler(event).then((second) =>
  process.stderr.write(JSON.stringify([first, second]))));
});`;

    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script, event], {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_ENDPOINT_URL: motoEndpoint(),
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ASSETGUARD_ALERT_TABLE: TABLE,
        ASSETGUARD_ALERT_TOPIC_ARN: topic.TopicArn ?? '',
        ASSETGUARD_SLACK_WEBHOOK_PARAMETER: SLACK_PARAMETER,
      },
    });

    const [first, second] = JSON.parse(stderr) as {
      alerts: { owner: string; sent: string[]; alreadySent: string[] }[];
    }[];
    expect(first?.alerts).toEqual([
      expect.objectContaining({ owner: 'payments@example.com', sent: ['slack', 'sns'] }),
    ]);
    expect(second?.alerts).toEqual([
      expect.objectContaining({ sent: [], alreadySent: ['slack', 'sns'] }),
    ]);
    expect(slack.received).toHaveLength(1);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string });
    // No policy parameter: the built-in default (HIGH and above, owner tag Owner), no SSM read.
    expect(lines.map((line) => line.msg)).toEqual([
      'alerted',
      'alerted',
      'already alerted',
      'already alerted',
    ]);
    expect(stdout).not.toContain(url);
  } finally {
    await slack.close();
  }
});
