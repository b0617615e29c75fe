/**
 * Typed errors separate the user's mistake from an outage (STYLE.md #3). A blocked deploy is not
 * an error: it is a verdict, returned as a value with exit code 1. Every error here means "could
 * not decide" and exits 2 (fail closed).
 */

export const EXIT_PASS = 0;
export const EXIT_BLOCK = 1;
export const EXIT_ERROR = 2;

export abstract class AssetguardError extends Error {
  readonly exitCode = EXIT_ERROR;
  abstract readonly kind: 'configuration' | 'aws' | 'undecided' | 'delivery';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A decided run whose reports are written could not deliver them (a GitHub issue, Slack, email,
 * the next run's state): exit 2, naming each delivery that failed and why.
 */
export class DeliveryError extends AssetguardError {
  readonly kind = 'delivery';
}

/** The user's input, policy or environment is wrong; the message says what to fix and where. */
export class ConfigurationError extends AssetguardError {
  readonly kind = 'configuration';
}

/** An AWS call failed after the SDK's retries; the message names the call and the permission. */
export class AwsError extends AssetguardError {
  readonly kind = 'aws';
  constructor(
    message: string,
    readonly awsCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The evidence needed for a verdict is not there (scan failed, unsupported image, timeout). */
export class UndecidedError extends AssetguardError {
  readonly kind = 'undecided';
}

const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
]);

/**
 * Failures that every later call would repeat the same way (no permission, bad credentials):
 * a loop of writes should stop at the first one rather than fail each item alike.
 */
export function isCredentialOrPermissionFailure(code: string | undefined): boolean {
  return code !== undefined && (ACCESS_DENIED.has(code) || code === 'CredentialsProviderError');
}

function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const named = error as { name?: unknown; Code?: unknown };
  if (typeof named.name === 'string' && named.name !== 'Error') return named.name;
  return typeof named.Code === 'string' ? named.Code : undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Wraps an SDK failure with the context a user needs: what we were doing, the AWS error, and
 * for permission errors the exact IAM action to grant.
 */
export function awsFailure(what: string, permission: string, error: unknown): AssetguardError {
  if (error instanceof AssetguardError) return error;
  const unreadable = unreadableAnswer(error);
  if (unreadable !== undefined) {
    return new AwsError(`could not ${what}: ${unreadable}`, undefined, { cause: error });
  }
  const code = awsErrorCode(error);
  const detail = errorMessage(error);
  let hint = '';
  if (code && ACCESS_DENIED.has(code)) {
    hint =
      code.includes('Token') || code === 'UnrecognizedClientException'
        ? ' — the AWS credentials are invalid or expired: check the role assumed by configure-aws-credentials'
        : ` — grant ${permission}`;
  } else if (code === 'CredentialsProviderError') {
    hint =
      ' — no AWS credentials found: configure them (aws-actions/configure-aws-credentials in a workflow, a profile or env vars locally)';
  } else if (
    code === 'ThrottlingException' ||
    code === 'ThrottledException' ||
    code === 'TooManyRequestsException'
  ) {
    hint = ' — still throttled after retries: retry later or raise the retry budget';
  } else if (code === undefined) {
    hint =
      ' — check the network path and region (is AWS_ENDPOINT_URL set to something unreachable?)';
  }
  const codeText = code ? `${code}: ` : '';
  return new AwsError(`could not ${what}: ${codeText}${detail}${hint}`, code, { cause: error });
}

/**
 * An answer the SDK could not parse (an HTML error page from a proxy or an emulator that lacks
 * the operation, a truncated body): the SDK throws a SyntaxError ("Unexpected token '<' …
 * Deserialization error: … inspect the hidden field {error}.$response"), which says nothing to a
 * user. Returns what happened in their words, with the HTTP status; undefined for other errors.
 */
function unreadableAnswer(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name !== 'SyntaxError' && !error.message.includes('Deserialization error')) {
    return undefined;
  }
  const status = (error as { $response?: { statusCode?: unknown } }).$response?.statusCode;
  const http = typeof status === 'number' ? ` (HTTP ${status})` : '';
  return `the endpoint answered something that is not a well-formed AWS API response${http}; check AWS_ENDPOINT_URL and the region, or whether an emulator implements this operation`;
}

export function hasAwsCode(error: unknown, code: string): boolean {
  return awsErrorCode(error) === code;
}
