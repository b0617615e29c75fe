import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { parseDuration } from './duration';
import { ConfigurationError } from './errors';
import { VERSION as version } from './version';

/** Temporary credentials (STS AssumeRole's), in the shape every SDK v3 client takes. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration?: Date;
}

export interface AwsOptions {
  /** Explicit region; falls back to AWS_REGION, then AWS_DEFAULT_REGION. */
  region?: string;
  /** Another account's credentials (a member role assumed); default: the SDK's own chain. */
  credentials?: AwsCredentials;
  /** Total attempts per call including the first (SDK default 3). */
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
}

/**
 * The options the SDK hands to its NodeHttpHandler (`@smithy/node-http-handler`) when a client's
 * `requestHandler` is given as a plain object; all times in milliseconds.
 */
export interface HttpTimeouts {
  /** Longest wait for the TCP (and TLS) connection to open. */
  connectionTimeout: number;
  /** Longest wait from sending a request to the response headers. */
  requestTimeout: number;
  /** Longest silence on an open socket, which bounds a response body that stops mid-way. */
  socketTimeout: number;
  /** Without it the handler only logs a warning when requestTimeout passes, and keeps waiting. */
  throwOnRequestTimeout: true;
}

export interface ClientConfig {
  region: string;
  credentials?: AwsCredentials;
  customUserAgent: string;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  requestHandler: HttpTimeouts;
}

export const USER_AGENT = `assetguard/${version}`;

/** Environment variable overriding how long a connection to an AWS endpoint may take to open. */
export const CONNECT_TIMEOUT_ENV = 'ASSETGUARD_AWS_CONNECT_TIMEOUT';
/** Environment variable overriding how long one AWS request may wait for its answer. */
export const REQUEST_TIMEOUT_ENV = 'ASSETGUARD_AWS_REQUEST_TIMEOUT';
/** Default connection timeout: AWS endpoints accept in milliseconds; 5 s leaves room for a slow runner. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Default request timeout: the slowest call assetguard makes (a page of 100 findings) answers in a few seconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

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

function timeoutFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  return parseDuration(text, name);
}

/**
 * The HTTP timeouts of every AWS client. Without them the SDK waits forever on an endpoint that
 * accepts a connection and never answers (its NodeHttpHandler defaults every timeout to 0), so a
 * gate would hang past its `--timeout`. A timed-out request is a `TimeoutError`, which the SDK
 * retries like any transient error; after `maxAttempts` it surfaces as an AwsError (exit 2).
 *
 * Overridable with `ASSETGUARD_AWS_CONNECT_TIMEOUT` and `ASSETGUARD_AWS_REQUEST_TIMEOUT`, each a
 * duration with its unit (`10s`, `500ms`, `2m`). Throws ConfigurationError naming the variable
 * when a value is not such a duration.
 */
export function httpTimeouts(env: NodeJS.ProcessEnv = process.env): HttpTimeouts {
  const requestTimeout = timeoutFromEnv(env, REQUEST_TIMEOUT_ENV, DEFAULT_REQUEST_TIMEOUT_MS);
  return {
    connectionTimeout: timeoutFromEnv(env, CONNECT_TIMEOUT_ENV, DEFAULT_CONNECT_TIMEOUT_MS),
    requestTimeout,
    socketTimeout: requestTimeout,
    throwOnRequestTimeout: true,
  };
}

/**
 * The one place AWS clients are configured (STYLE.md #6). Endpoints are not set here on purpose:
 * the SDK reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> itself, so moto or any emulator
 * works without code paths that exist only for tests. See `httpTimeouts` for the timeouts and
 * their environment variables.
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
    requestHandler: httpTimeouts(env),
    ...(options.credentials !== undefined && { credentials: options.credentials }),
  };
}

/** The part of an SDK v3 client that createClient touches (`@smithy/types` MiddlewareStack). */
export interface WithMiddlewareStack {
  middlewareStack: { remove(toRemove: string): boolean };
}

/**
 * The name under which every SDK v3 client registers its logger middleware
 * (`@aws-sdk/core` getLoggerPlugin, step "initialize").
 */
export const SDK_LOGGER_MIDDLEWARE = 'loggerMiddleware';

/** Applies the shared configuration to a client class, without the SDK's logger middleware. */
function build<C extends WithMiddlewareStack>(
  Client: new (config: ClientConfig) => C,
  config: ClientConfig,
): C {
  const client = new Client(config);
  client.middlewareStack.remove(SDK_LOGGER_MIDDLEWARE);
  return client;
}

/**
 * Builds any SDK v3 client with the shared configuration, without the SDK's logger middleware.
 *
 * Why: after every successful call that middleware builds a log record for `logger.info`, and the
 * arguments are evaluated even for the default NoOpLogger, which discards them: the response
 * minus `$metadata` is copied, then `schemaLogFilter` walks the operation's output schema and
 * deep-copies the whole response (and the input) to mask sensitive members. For a page of 100
 * Inspector2 findings that copy is pure overhead on every page. assetguard never gives the SDK a
 * logger (it logs its own lines), so the record had no reader. Removing it changes nothing
 * else: errors are still thrown to the caller (the middleware only logged and rethrew them), and
 * retries, signing and timeouts live in their own middleware and the request handler.
 */
export function createClient<C extends WithMiddlewareStack>(
  Client: new (config: ClientConfig) => C,
  options: AwsOptions = {},
): C {
  return build(Client, clientConfig(options));
}

/**
 * An SDK client built on its first use: each call resolves the same client. The shape in which
 * code takes a client whose package it needs only on some paths (see `lazyClient`); a test gives
 * its own client as `() => Promise.resolve(client)`.
 */
export type LazyClient<C> = () => Promise<C>;

/**
 * A client given either built or as a `LazyClient` (a test or the bench may hand over a built
 * client where the default builds one on first use): resolves the built client.
 */
export function clientOf<C extends object>(client: C | LazyClient<C>): Promise<C> {
  return typeof client === 'function' ? client() : Promise.resolve(client);
}

/**
 * A client as `createClient` builds it, but whose class is loaded by `load` (an `import()` of its
 * package) only when the client is first asked for, once. Why: an SDK client package is mostly
 * its operation shapes, parsed by `node` when the package loads (@aws-sdk/client-ec2: about 1 MB
 * of a bundle before tree shaking); in a bundle (ES modules, scripts/build.mjs) each `import()`
 * is a chunk file read only by a run that calls it, so a run that never needs EC2 starts without
 * it. The package's commands and paginators must then be loaded the same way where they are
 * used: a static import of a value from the package puts that value's code where the importing
 * module is. Each `import()` of a package is destructured (`const { EC2Client } = await
 * import(...)`): the build turns it into an import of just those names (its `importSlices`), so
 * the chunk holds only what is used, and fails on any other form.
 *
 * The configuration is resolved now, so a missing or malformed region or timeout fails at once
 * (ConfigurationError, as createClient) rather than at the first call. A `load` that rejects
 * rejects every later call too.
 */
export function lazyClient<C extends WithMiddlewareStack>(
  load: () => Promise<new (config: ClientConfig) => C>,
  options: AwsOptions = {},
): LazyClient<C> {
  const config = clientConfig(options);
  let client: Promise<C> | undefined;
  return () => (client ??= load().then((Client) => build(Client, config)));
}

/** Node's diagnostics channel of each HTTP request the process starts (`{ request }`). */
const REQUEST_START = 'http.client.request.start';

/**
 * Resolves once the first HTTP request started from now on is sent (its `finish`: all of it
 * handed to the socket, after the connection and TLS handshake) or closed, or once `call`
 * resolves (a test's mocked client sends nothing); never rejects, and stays pending when `call`
 * fails first (nothing is loaded for a run that has failed). That first request is `call`'s,
 * or one its credentials need (instance metadata): either way a wait on the network.
 * Why wait at all: an import() of a bundle chunk reads and compiles the file at once, on the
 * main thread, and the SDK's first request waits on file reads (the shared config files) before
 * it connects; chunks loaded as soon as the call starts would run in that wait and delay the
 * request by as much (measured: scripts/bench-startup.mjs, "first request CPU ms").
 */
export function firstRequestSent(call: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      unsubscribe(REQUEST_START, onStart);
      resolve();
    };
    const onStart = (message: unknown): void => {
      unsubscribe(REQUEST_START, onStart);
      const { request } = message as { request: ClientRequest };
      request.once('finish', done);
      request.once('close', done);
    };
    subscribe(REQUEST_START, onStart);
    call.then(done, () => unsubscribe(REQUEST_START, onStart));
  });
}
