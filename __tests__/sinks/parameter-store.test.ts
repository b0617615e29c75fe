import {
  DescribeParametersCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsError, ConfigurationError } from '../../actions/src/core/errors';
import { sha256 } from '../../actions/src/core/policy';
import { DESCRIPTION_PREFIX, publishTagPolicy } from '../../actions/src/sinks/parameter-store';
import { motoEndpoint } from '../fixtures/moto-estate';

// moto's Parameter Store: real versions, tiers and ParameterNotFound.
const REGION = 'eu-west-3';
let calls: string[] = [];

function ssmClient(): SSMClient {
  const client = new SSMClient({ region: REGION, endpoint: motoEndpoint(), maxAttempts: 1 });
  client.middlewareStack.add(
    (next, context) => (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'assetguardCountCommands' },
  );
  return client;
}

const POLICY_V1 = 'version: 1\ntags:\n  required:\n    Owner: {}\n';
const POLICY_V2 = 'version: 1\ntags:\n  required:\n    Owner: {}\n    Environment: {}\n';

function publish(
  ssm: SSMClient,
  name: string,
  text: string,
  execute = true,
): ReturnType<typeof publishTagPolicy> {
  return publishTagPolicy(ssm, { name, text, sha256: sha256(text) }, { execute });
}

async function stored(ssm: SSMClient, name: string): Promise<Record<string, unknown>> {
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
  const { Parameters } = await ssm.send(
    new DescribeParametersCommand({
      ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }],
    }),
  );
  return {
    value: Parameter?.Value,
    version: Parameter?.Version,
    type: Parameter?.Type,
    tier: Parameters?.[0]?.Tier,
    description: Parameters?.[0]?.Description,
  };
}

beforeEach(() => {
  calls = [];
});

describe('publishTagPolicy against moto', () => {
  it('writes the first version, skips an unchanged policy, and versions a changed one', async () => {
    const ssm = ssmClient();
    const name = '/assetguard/tag-policy';

    const first = await publish(ssm, name, POLICY_V1);
    expect(first).toEqual({
      action: 'created',
      written: true,
      sha256: sha256(POLICY_V1),
      version: 1,
    });
    expect(await stored(ssm, name)).toEqual({
      value: POLICY_V1,
      version: 1,
      type: 'String',
      tier: 'Standard',
      description: `${DESCRIPTION_PREFIX}${sha256(POLICY_V1)}`,
    });

    calls = [];
    const again = await publish(ssm, name, POLICY_V1);
    expect(again).toEqual({
      action: 'unchanged',
      written: false,
      sha256: sha256(POLICY_V1),
      previousSha256: sha256(POLICY_V1),
      version: 1,
    });
    expect(calls).toEqual(['GetParameterCommand']);

    const changed = await publish(ssm, name, POLICY_V2);
    expect(changed).toEqual({
      action: 'updated',
      written: true,
      sha256: sha256(POLICY_V2),
      previousSha256: sha256(POLICY_V1),
      version: 2,
    });
    expect(await stored(ssm, name)).toMatchObject({
      value: POLICY_V2,
      version: 2,
      description: `${DESCRIPTION_PREFIX}${sha256(POLICY_V2)}`,
    });
  });

  it('replaces a value edited by hand even though the description still carries the hash', async () => {
    const ssm = ssmClient();
    const name = '/assetguard/hand-edited';
    await publish(ssm, name, POLICY_V1);
    await ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: 'version: 1\n',
        Type: 'String',
        Overwrite: true,
      }),
    );
    const result = await publish(ssm, name, POLICY_V1);
    expect(result).toMatchObject({
      action: 'updated',
      written: true,
      version: 3,
      previousSha256: sha256('version: 1\n'),
    });
    expect(await stored(ssm, name)).toMatchObject({ value: POLICY_V1, version: 3 });
  });

  it('uses the Advanced tier above 4 KB, and keeps it when the policy shrinks again', async () => {
    const ssm = ssmClient();
    const name = '/assetguard/large';
    const large = `${POLICY_V1}# ${'x'.repeat(5000)}\n`;
    expect(await publish(ssm, name, large)).toMatchObject({ action: 'created', version: 1 });
    expect(await stored(ssm, name)).toMatchObject({ tier: 'Advanced' });

    calls = [];
    await publish(ssm, name, POLICY_V1);
    expect(calls).toEqual([
      'GetParameterCommand',
      'DescribeParametersCommand',
      'PutParameterCommand',
    ]);
    expect(await stored(ssm, name)).toMatchObject({ tier: 'Advanced', value: POLICY_V1 });
  });

  it('refuses a policy over 8 KB before calling AWS, and says what to do', async () => {
    const ssm = ssmClient();
    const huge = `${POLICY_V1}# ${'x'.repeat(8200)}\n`;
    const attempt = publish(ssm, '/assetguard/huge', huge);
    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(attempt).rejects.toThrow(
      /the policy is 8\d{3} bytes; SSM parameter \/assetguard\/huge holds at most 8192 \(Advanced tier\)/,
    );
    expect(calls).toEqual([]);
  });

  it('refuses a name Parameter Store would reject, naming the policy key', async () => {
    await expect(publish(ssmClient(), '/aws/tag-policy', POLICY_V1)).rejects.toThrow(
      /^tags\.parameter: "\/aws\/tag-policy" is not a usable SSM parameter name/,
    );
    await expect(publish(ssmClient(), 'tag policy', POLICY_V1)).rejects.toThrow(ConfigurationError);
  });
});

describe('publishTagPolicy without execute (a dry run, like apply and groups)', () => {
  it('reads only, and says what would change: the parameter, the current and the new sha256', async () => {
    const ssm = ssmClient();
    const name = '/assetguard/dry-run';

    const first = await publish(ssm, name, POLICY_V1, false);
    expect(first).toEqual({ action: 'would create', written: false, sha256: sha256(POLICY_V1) });
    expect(calls).toEqual(['GetParameterCommand']);
    await expect(ssm.send(new GetParameterCommand({ Name: name }))).rejects.toThrow(
      /ParameterNotFound|not found/i,
    );

    await publish(ssm, name, POLICY_V1);
    calls = [];
    const changed = await publish(ssm, name, POLICY_V2, false);
    expect(changed).toEqual({
      action: 'would update',
      written: false,
      sha256: sha256(POLICY_V2),
      previousSha256: sha256(POLICY_V1),
      version: 1,
    });
    expect(calls).toEqual(['GetParameterCommand']);
    expect(await stored(ssm, name)).toMatchObject({ value: POLICY_V1, version: 1 });

    expect(await publish(ssm, name, POLICY_V1, false)).toMatchObject({ action: 'unchanged' });
  });
});

describe('publishTagPolicy permissions', () => {
  it('names ssm:PutParameter when the write is denied', async () => {
    const ssm = new SSMClient({ region: REGION });
    const mock = mockClient(ssm);
    mock
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' }));
    mock
      .on(PutParameterCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const attempt = publish(ssm, '/assetguard/tag-policy', POLICY_V1);
    await expect(attempt).rejects.toThrow(AwsError);
    await expect(attempt).rejects.toThrow(
      'could not write the tag policy parameter /assetguard/tag-policy: AccessDeniedException: not authorized — grant ssm:PutParameter',
    );
  });

  it('names ssm:GetParameter when the read is denied', async () => {
    const ssm = new SSMClient({ region: REGION });
    mockClient(ssm)
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await expect(publish(ssm, '/assetguard/tag-policy', POLICY_V1)).rejects.toThrow(
      /grant ssm:GetParameter$/,
    );
  });

  it('refuses a GetParameter answer without the parameter (exit 2), never taking it as absent', async () => {
    const ssm = new SSMClient({ region: REGION });
    const mock = mockClient(ssm);
    mock.on(GetParameterCommand).resolves({});
    await expect(publish(ssm, '/assetguard/tag-policy', POLICY_V1)).rejects.toThrow(
      /ssm:GetParameter answered for \/assetguard\/tag-policy without the parameter's value/,
    );
    expect(mock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });
});
