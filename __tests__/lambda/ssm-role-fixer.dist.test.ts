import { pathToFileURL } from 'node:url';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { MotoServer } from '../../scripts/lib/moto';
import {
  FIXTURE_ACCOUNT,
  FIXTURE_INSTANCE,
  FIXTURE_REGION,
  fixerEventText,
  lambdaContext,
  startMotoWithManagedPolicies,
} from '../fixtures/ssm-role-fixer';
import { startSlackRecorder } from '../support/sinks';

const REGION = 'eu-north-1';
/** moto's account. */
const ACCOUNT = '123456789012';
const RUN = randomUUID().slice(0, 8);
const BUNDLE = join(
  __dirname,
  '..',
  '..',
  'actions',
  'dist',
  'lambda',
  'ssm-role-fixer',
  'index.js',
);

let moto: MotoServer | undefined;
let endpoint = '';

beforeAll(async () => {
  moto = await startMotoWithManagedPolicies();
  endpoint = moto.endpoint;
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

/** Node running the bundle as Lambda's runtime does: `index.handler` on each event, in order. */
async function invoke(
  events: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  // Loaded as Lambda's Node runtime loads a handler: an error at import is reported as its type
  // and message (Runtime.ImportModuleError), not through Node's uncaught-exception printout,
  // which quotes the whole source line (a minified bundle's is 250 KB) and, under load, can be
  // cut short on a non-blocking pipe before the message is written.
  const script = `(async () => {
let handler;
try {
  ({ handler } = await import(${JSON.stringify(pathToFileURL(BUNDLE).href)}));
} catch (error) {
  process.stderr.write(JSON.stringify({ errorType: error.name, errorMessage: error.message }));
  process.exit(1);
}
const events = JSON.parse(process.argv[1]);
const context = JSON.parse(process.argv[2]);
const results = [];
for (const event of events) results.push(await handler(JSON.parse(event), context));
process.stderr.write(JSON.stringify(results));
})();`;
  // The context's function ARN, as Lambda's runtime passes it: the function's own account.
  const context = lambdaContext(ACCOUNT, REGION);
  return promisify(execFile)(
    process.execPath,
    ['-e', script, JSON.stringify(events), JSON.stringify(context)],
    {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
    },
  );
}

// The committed bundle, invoked as Lambda's Node runtime invokes `index.handler`, with its
// settings from the environment as infra/modules/ssm-role-fixer passes them.
it('actions/dist/lambda/ssm-role-fixer/index.js attaches the SSM policy once, and reports a malformed event on Slack and SNS', async () => {
  const slack = await startSlackRecorder({ path: `/services/T0/B0/${RUN}` });
  const options = { region: REGION, endpoint, maxAttempts: 1 };
  const ec2 = new EC2Client(options);
  const iam = new IAMClient(options);
  const sns = new SNSClient(options);
  try {
    const roleName = `dist-${RUN}-web`;
    await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'ec2.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: roleName }));
    await iam.send(
      new AddRoleToInstanceProfileCommand({ InstanceProfileName: roleName, RoleName: roleName }),
    );
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
    const launched = await ec2.send(
      new RunInstancesCommand({
        ImageId: images.Images?.[0]?.ImageId,
        MinCount: 1,
        MaxCount: 1,
        IamInstanceProfile: { Name: roleName },
      }),
    );
    const instanceId = launched.Instances?.[0]?.InstanceId ?? '';
    const topic = await sns.send(new CreateTopicCommand({ Name: `ssm-role-fixer-dist-${RUN}` }));
    const running = fixerEventText('state-change-running', {
      [FIXTURE_INSTANCE]: instanceId,
      [FIXTURE_ACCOUNT]: ACCOUNT,
      [FIXTURE_REGION]: REGION,
    });
    const malformed = JSON.stringify({ id: 'evt-x', source: 'aws.ec2', 'detail-type': 'x' });
    // As the fixture comes: another account's event, in another region.
    const foreign = fixerEventText('state-change-running', { [FIXTURE_INSTANCE]: instanceId });

    const { stdout, stderr } = await invoke([running, running, malformed, foreign], {
      ASSETGUARD_ALERT_TOPIC_ARN: topic.TopicArn ?? '',
      ASSETGUARD_SLACK_WEBHOOK_URL: slack.url,
      ASSETGUARD_SSM_FIXER_EXCEPTIONS: 'bastion',
    });

    const [first, second, third, fourth] = JSON.parse(stderr) as {
      result?: { status: string; roleName: string };
      malformed?: string;
      refused?: string;
      reported: string[];
    }[];
    expect(first?.result).toMatchObject({ status: 'attached', roleName });
    expect(second?.result).toMatchObject({ status: 'already-attached' });
    expect(third).toMatchObject({ reported: ['slack', 'sns'] });
    expect(third?.malformed).toMatch(/detail-type is "x"/);
    expect(fourth).toMatchObject({ reported: ['slack', 'sns'] });
    expect(fourth?.result).toBeUndefined();
    expect(fourth?.refused).toMatch(
      new RegExp(
        `account ${FIXTURE_ACCOUNT}, not the function's ${ACCOUNT}, and of region ${FIXTURE_REGION}, not the function's ${REGION}`,
      ),
    );
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
    expect(attached.AttachedPolicies?.map((policy) => policy.PolicyArn)).toEqual([
      'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
    ]);
    expect(slack.received).toHaveLength(2);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((line) => line.msg)).toEqual([
      'attached',
      'already-attached',
      'malformed event',
      'reported',
      'reported',
      'refused event',
      'reported',
      'reported',
    ]);
    // The webhook URL is a secret: never in the log.
    expect(stdout).not.toContain(slack.url);
  } finally {
    for (const client of [ec2, iam, sns]) client.destroy();
    await slack.close();
  }
});

it('fails at cold start, naming the variable, when no report destination is set', async () => {
  await expect(invoke([], {})).rejects.toMatchObject({
    stderr: expect.stringContaining(
      'no report destination: set ASSETGUARD_ALERT_TOPIC_ARN, ASSETGUARD_SLACK_WEBHOOK_PARAMETER or ASSETGUARD_SLACK_WEBHOOK_URL',
    ),
  });
});
