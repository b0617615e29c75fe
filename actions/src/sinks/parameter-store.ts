/**
 * `tags publish`: puts the policy document where the auto-tag Lambda reads it, an SSM parameter
 * such as /assetguard/tag-policy. Parameter Store versions every write, so the history of the
 * policy the Lambda enforced is kept; an unchanged policy is not written again. Like every sink
 * that changes AWS, it plans first and writes only with `execute` (a dry run reads the current
 * value and says what would change).
 */
import {
  DescribeParametersCommand,
  GetParameterCommand,
  PutParameterCommand,
  type ParameterTier,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { awsFailure, ConfigurationError, hasAwsCode, UndecidedError } from '../core/errors';
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

export interface PublishOptions {
  /** Write the parameter; without it, only read the current value and say what would change. */
  execute: boolean;
}

/**
 * What publish did or, on a dry run, would do: create the parameter, update it to a new
 * version, or nothing because it already holds the policy.
 */
export type PublishAction = 'created' | 'updated' | 'would create' | 'would update' | 'unchanged';

export interface PublishResult {
  action: PublishAction;
  /** True only when this run wrote a new version. */
  written: boolean;
  /** The hash of the policy text: what the parameter holds after an execute. */
  sha256: string;
  /** The hash of the value stored before this run; absent when the parameter did not exist. */
  previousSha256?: string;
  /**
   * The parameter's version after this run: the new one when written, else the current one;
   * absent when the parameter does not exist (a dry run of the first publish).
   */
  version?: number;
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
 * Publishes the policy text unless the stored value already has its hash; without `execute`,
 * only reads the stored value and returns what would change. The stored value is re-hashed
 * rather than trusting the Description, so an edit made by hand in the console is replaced too.
 */
export async function publishTagPolicy(
  ssm: SSMClient,
  request: PublishRequest,
  options: PublishOptions,
): Promise<PublishResult> {
  const { name, text, sha256 } = request;
  checkName(name);
  let tier = tierFor(name, Buffer.byteLength(text, 'utf8'));
  let previous: { sha256: string; version: number } | undefined;
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
    // A missing parameter is ParameterNotFound; a 200 without its value is a malformed answer,
    // not "absent": deciding create vs update on it could overwrite what is there.
    if (Parameter?.Value === undefined) {
      throw new UndecidedError(
        `ssm:GetParameter answered for ${name} without the parameter's value (an empty or malformed body); refusing to decide whether to publish`,
      );
    }
    previous = { sha256: sha256Of(Parameter.Value), version: Parameter.Version ?? 0 };
  } catch (error) {
    if (!hasAwsCode(error, 'ParameterNotFound'))
      throw awsFailure(`read the tag policy parameter ${name}`, 'ssm:GetParameter', error);
  }
  const before = previous && { previousSha256: previous.sha256, version: previous.version };
  if (previous?.sha256 === sha256) {
    return { action: 'unchanged', written: false, sha256, ...before };
  }
  if (!options.execute) {
    return {
      action: previous ? 'would update' : 'would create',
      written: false,
      sha256,
      ...before,
    };
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
      action: previous ? 'updated' : 'created',
      written: true,
      sha256,
      ...(previous && { previousSha256: previous.sha256 }),
      version: Version ?? (previous ? previous.version + 1 : 1),
    };
  } catch (error) {
    throw awsFailure(`write the tag policy parameter ${name}`, 'ssm:PutParameter', error);
  }
}
