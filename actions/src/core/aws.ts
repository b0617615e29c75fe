import { ConfigurationError } from './errors';
import { VERSION as version } from './version';

export interface AwsOptions {
  /** Explicit region; falls back to AWS_REGION, then AWS_DEFAULT_REGION. */
  region?: string;
  /** Total attempts per call including the first (SDK default 3). */
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
}

export interface ClientConfig {
  region: string;
  customUserAgent: string;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
}

export const USER_AGENT = `assetguard/${version}`;

export function resolveRegion(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const region = explicit ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigurationError(
      'no AWS region: set the region input (--region) or AWS_REGION, e.g. with aws-actions/configure-aws-credentials',
    );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new ConfigurationError(`region: "${region}" is not an AWS region name such as us-east-1`);
  }
  return region;
}

/**
 * The one place AWS clients are configured (STYLE.md #6). Endpoints are not set here on purpose:
 * the SDK reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> itself, so moto or any emulator
 * works without code paths that exist only for tests.
 */
export function clientConfig(
  options: AwsOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ClientConfig {
  // The SDK's own AWS_MAX_ATTEMPTS / AWS_RETRY_MODE still win over our defaults, as users expect.
  const envAttempts = Number(env.AWS_MAX_ATTEMPTS);
  const envMode = env.AWS_RETRY_MODE;
  return {
    region: resolveRegion(options.region, env),
    customUserAgent: USER_AGENT,
    maxAttempts: options.maxAttempts ?? (envAttempts >= 1 ? envAttempts : 5),
    retryMode:
      options.retryMode ??
      (envMode === 'standard' || envMode === 'adaptive' ? envMode : 'adaptive'),
  };
}

/** Builds any SDK v3 client with the shared configuration. */
export function createClient<C>(
  Client: new (config: ClientConfig) => C,
  options: AwsOptions = {},
): C {
  return new Client(clientConfig(options));
}
