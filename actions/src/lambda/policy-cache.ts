/**
 * What the Lambdas share: their JSON log line, and the policy read from SSM Parameter Store (the
 * parameter `tags publish` writes), cached per container. The auto-tag and finding-alert
 * handlers each build one cache when the container starts and keep it warm between invocations.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { LazyClient } from '../core/aws';
import { ConfigurationError, awsFailure, hasAwsCode } from '../core/errors';
import { loadedFromText, type Policy } from '../core/policy';

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [key: string]: unknown;
}

/** One structured JSON line per decision, as CloudWatch Logs Insights likes them. */
export function jsonLog(entry: LogEntry): void {
  console.log(JSON.stringify(entry));
}

/** How long a container trusts its cached policy before asking SSM for the version again. */
export const POLICY_TTL_MS = 5 * 60 * 1000;

export interface PolicyCacheDeps {
  /**
   * Built on first use (core/aws `LazyClient`): finding-alert reads a policy only when a
   * parameter is set, so its SSM client package is loaded (a chunk file of the bundle) only then.
   */
  ssm: LazyClient<SSMClient>;
  /** SSM parameter holding the policy text. */
  parameterName: string;
  now: () => Date;
  log: (entry: LogEntry) => void;
}

export interface PolicyCacheOptions {
  /** The environment variable that names the parameter, for the "does not exist" message. */
  parameterEnv: string;
  /** Called with each newly parsed policy, before the "loaded policy" log line. */
  onLoad?: (policy: Policy) => void;
}

/**
 * The policy from SSM, cached: asked again (ssm:GetParameter) once POLICY_TTL_MS has passed, and
 * parsed again only when the parameter's version changed. Throws a ConfigurationError when the
 * parameter is missing, empty or invalid (the message names the parameter, and for an invalid
 * policy its line and key, with `ssm:<name>` as the origin); when SSM fails after a policy was
 * cached, keeps using that one (a stale policy beats dropping events while SSM is briefly
 * unreachable) and logs `using cached policy`, else throws an AwsError naming ssm:GetParameter.
 */
export function cachedPolicy(
  deps: PolicyCacheDeps,
  options: PolicyCacheOptions,
): () => Promise<Policy> {
  const { ssm, parameterName, now, log } = deps;
  let cached: { version: number | undefined; policy: Policy; checkedAt: number } | undefined;
  return async function policy(): Promise<Policy> {
    const at = now().getTime();
    if (cached && at - cached.checkedAt < POLICY_TTL_MS) return cached.policy;
    let text: string | undefined;
    let version: number | undefined;
    // Loaded on the first read (see PolicyCacheDeps.ssm), outside the try: only SSM's answers are
    // read as SSM failures.
    const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const client = await ssm();
    try {
      const answer = await client.send(new GetParameterCommand({ Name: parameterName }));
      text = answer.Parameter?.Value;
      version = answer.Parameter?.Version;
    } catch (error) {
      if (hasAwsCode(error, 'ParameterNotFound')) {
        throw new ConfigurationError(
          `the tag policy SSM parameter ${parameterName} does not exist: publish it with \`assetguard tags publish\`, or set ${options.parameterEnv} to the parameter that holds it (the Lambda role needs ssm:GetParameter on it)`,
          { cause: error },
        );
      }
      const failure = awsFailure(
        `read the tag policy from SSM parameter ${parameterName}`,
        `ssm:GetParameter on parameter ${parameterName}`,
        error,
      );
      if (!cached) throw failure;
      log({
        level: 'warn',
        msg: 'using cached policy',
        parameter: parameterName,
        error: failure.message,
      });
      cached.checkedAt = at;
      return cached.policy;
    }
    if (text === undefined) {
      throw new ConfigurationError(`the tag policy SSM parameter ${parameterName} has no value`);
    }
    if (cached && version !== undefined && cached.version === version) {
      cached.checkedAt = at;
      return cached.policy;
    }
    const policy = loadedFromText(text, `ssm:${parameterName}`).policy;
    options.onLoad?.(policy);
    log({ level: 'info', msg: 'loaded policy', parameter: parameterName, version });
    cached = { version, policy, checkedAt: at };
    return policy;
  };
}
