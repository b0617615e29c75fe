/**
 * `tags publish`: puts the policy document where the auto-tag Lambda reads it, an SSM parameter
 * such as /assetguard/tag-policy. Parameter Store versions every write, so the history of the
 * policy the Lambda enforced is kept; an unchanged policy is not written again.
 */
import {
  DescribeParametersCommand,
  GetParameterCommand,
  PutParameterCommand,
  type ParameterTier,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { awsFailure, ConfigurationError, hasAwsCode } from '../core/errors';
import { sha256 as sha256Of } from '../core/policy';

/** Parameter value limits: Standard up to 4 KB, Advanced up to 8 KB. */
export const STANDARD_MAX_BYTES = 4096;
export const ADVANCED_MAX_BYTES = 8192;
/** The Description carries the hash, so people and the Lambda can compare without the value. */
export const DESCRIPTION_PREFIX = 'assetguard tag policy sha256:';

export interface PublishRequest {
  name: string;
  text: string;
  sha256: string;
}

export interface PublishResult {
  written: boolean;
  /** The parameter's version after this run: the new one, or the current one when unchanged. */
  version: number;
  /** The hash of the value that was there before; absent on the first publish. */
  previousSha256?: string;
}

/** SSM parameter names: letters, digits, `_.-/`, and not under the reserved aws/ssm prefixes. */
function checkName(name: string): void {
  if (!/^\/?[A-Za-z0-9_.\-/]{1,1011}$/.test(name) || /^\/?(aws|ssm)/i.test(name)) {
    throw new ConfigurationError(
      `tags.parameter: "${name}" is not a usable SSM parameter name: use letters, digits and _.-/, a path like /assetguard/tag-policy, not starting with aws or ssm`,
    );
  }
}

function tierFor(name: string, bytes: number): ParameterTier {
  if (bytes > ADVANCED_MAX_BYTES) {
    throw new ConfigurationError(
      `the policy is ${bytes} bytes; SSM parameter ${name} holds at most ${ADVANCED_MAX_BYTES} (Advanced tier): move the tags section to a smaller policy file`,
    );
  }
  return bytes > STANDARD_MAX_BYTES ? 'Advanced' : 'Standard';
}

/**
 * Publishes the policy text unless the stored value already has its hash. The stored value is
 * re-hashed rather than trusting the Description, so an edit made by hand in the console is
 * replaced too.
 */
export async function publishTagPolicy(
  ssm: SSMClient,
  request: PublishRequest,
): Promise<PublishResult> {
  const { name, text, sha256 } = request;
  checkName(name);
  let tier = tierFor(name, Buffer.byteLength(text, 'utf8'));
  let previous: { sha256: string; version: number } | undefined;
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
    if (Parameter?.Value !== undefined)
      previous = { sha256: sha256Of(Parameter.Value), version: Parameter.Version ?? 0 };
  } catch (error) {
    if (!hasAwsCode(error, 'ParameterNotFound'))
      throw awsFailure(`read the tag policy parameter ${name}`, 'ssm:GetParameter', error);
  }
  if (previous?.sha256 === sha256) {
    return { written: false, version: previous.version, previousSha256: previous.sha256 };
  }
  if (previous && tier === 'Standard') {
    // Parameter Store cannot move an Advanced parameter back to Standard: keep its tier.
    try {
      const { Parameters } = await ssm.send(
        new DescribeParametersCommand({
          ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }],
        }),
      );
      if (Parameters?.[0]?.Tier === 'Advanced') tier = 'Advanced';
    } catch (error) {
      throw awsFailure(`read the tier of parameter ${name}`, 'ssm:DescribeParameters', error);
    }
  }
  try {
    const { Version } = await ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: text,
        Type: 'String',
        Tier: tier,
        Overwrite: previous !== undefined,
        Description: `${DESCRIPTION_PREFIX}${sha256}`,
      }),
    );
    return {
      written: true,
      version: Version ?? (previous ? previous.version + 1 : 1),
      ...(previous && { previousSha256: previous.sha256 }),
    };
  } catch (error) {
    throw awsFailure(`write the tag policy parameter ${name}`, 'ssm:PutParameter', error);
  }
}
