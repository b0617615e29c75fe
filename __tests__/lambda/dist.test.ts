import { pathToFileURL } from 'node:url';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateSecurityGroupCommand, DescribeTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { motoEndpoint } from '../fixtures/moto-estate';
import { FIXTURE_ACCOUNT, fixture } from '../fixtures/cloudtrail';

const REGION = 'ap-northeast-2';
const PARAMETER = '/assetguard/auto-tag-dist-test/tag-policy';
const BUNDLE = join(__dirname, '..', '..', 'actions', 'dist', 'lambda', 'auto-tag', 'index.js');

// The committed bundle, imported and invoked as Lambda's Node runtime does with `index.handler`
// (an ES module: package.json beside it says "type": "module").
it('actions/dist/lambda/auto-tag/index.js tags a new security group with the policy from SSM', async () => {
  const ec2 = new EC2Client({ region: REGION, maxAttempts: 1 });
  await new SSMClient({ region: REGION, maxAttempts: 1 }).send(
    new PutParameterCommand({
      Name: PARAMETER,
      Type: 'String',
      Overwrite: true,
      Value: 'version: 1\ntags:\n  required:\n    Environment: { default: dev }\n',
    }),
  );
  const group = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: 'dist-test', Description: 'dist test' }),
  );
  const event = fixture('CreateSecurityGroup', {
    'sg-0123456789abcdef0': group.GroupId ?? '',
    [FIXTURE_ACCOUNT]: '123456789012',
  });
  const script = `import(${JSON.stringify(pathToFileURL(BUNDLE).href)}).then((m) => m.handler(JSON.parse(process.argv[1]))).then((s) => process.stderr.write(JSON.stringify(s)))`;

  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['-e', script, JSON.stringify(event)],
    {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_ENDPOINT_URL: motoEndpoint(),
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ASSETGUARD_TAG_POLICY_PARAMETER: PARAMETER,
      },
    },
  );

  const summary = JSON.parse(stderr) as { tagged: { via: string }[]; failed: unknown[] };
  expect(summary.failed).toEqual([]);
  expect(summary.tagged).toHaveLength(1);
  const lines = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { msg: string });
  expect(lines.map((line) => line.msg)).toEqual(['loaded policy', 'tagged']);
  const tags = await ec2.send(
    new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [group.GroupId ?? ''] }] }),
  );
  expect(
    Object.fromEntries(
      (tags.Tags ?? []).map((tag): [string, string] => [tag.Key ?? '', tag.Value ?? '']),
    ),
  ).toEqual({
    Environment: 'dev',
    'assetguard:created-by':
      'arn:aws:sts::123456789012:assumed-role/platform-deployer/deploy-session',
    'assetguard:created-at': '2026-03-02T09:02:30Z',
  });
});
