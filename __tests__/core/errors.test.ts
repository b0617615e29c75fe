import {
  AssetguardError,
  AwsError,
  awsFailure,
  ConfigurationError,
  errorMessage,
  EXIT_BLOCK,
  EXIT_ERROR,
  EXIT_PASS,
  hasAwsCode,
  UndecidedError,
} from '../../actions/src/core/errors';

/** An error shaped as the SDK throws it: a modeled exception carries its code in `name`. */
function sdkError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('typed errors', () => {
  it.each([
    [new ConfigurationError('bad policy'), 'configuration', 'ConfigurationError'],
    [new AwsError('no access', 'AccessDeniedException'), 'aws', 'AwsError'],
    [new UndecidedError('scan failed'), 'undecided', 'UndecidedError'],
  ])('%s exits 2 (fail closed) and says what kind of failure it is', (error, kind, name) => {
    expect(error).toBeInstanceOf(AssetguardError);
    expect(error).toBeInstanceOf(Error);
    expect(error.exitCode).toBe(EXIT_ERROR);
    expect(error.kind).toBe(kind);
    expect(error.name).toBe(name);
  });

  it('keeps pass, block and error exit codes distinct', () => {
    expect([EXIT_PASS, EXIT_BLOCK, EXIT_ERROR]).toEqual([0, 1, 2]);
  });
});

function asAwsError(error: unknown): AwsError {
  if (!(error instanceof AwsError)) throw new Error(`expected an AwsError, got ${String(error)}`);
  return error;
}

describe('awsFailure', () => {
  const what = 'list Inspector findings for web@sha256:abc';
  const permission = 'inspector2:ListFindings';

  it.each(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation'])(
    '%s names the IAM action to grant',
    (code) => {
      const error = awsFailure(what, permission, sdkError(code, 'User is not authorized'));
      expect(error).toBeInstanceOf(AwsError);
      expect(error.message).toBe(
        `could not ${what}: ${code}: User is not authorized — grant inspector2:ListFindings`,
      );
      expect(asAwsError(error).awsCode).toBe(code);
      expect(error.cause).toBeInstanceOf(Error);
    },
  );

  it.each(['ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException'])(
    '%s points at the credentials, not at a missing permission',
    (code) => {
      const error = awsFailure(what, permission, sdkError(code, 'The security token expired'));
      expect(error.message).toBe(
        `could not ${what}: ${code}: The security token expired — the AWS credentials are invalid or expired: check the role assumed by configure-aws-credentials`,
      );
      expect(error.message).not.toContain('grant');
    },
  );

  it.each(['ThrottlingException', 'TooManyRequestsException'])(
    '%s says it was still throttled after the retries',
    (code) => {
      const error = awsFailure(what, permission, sdkError(code, 'Rate exceeded'));
      expect(error.message).toBe(
        `could not ${what}: ${code}: Rate exceeded — still throttled after retries: retry later or raise the retry budget`,
      );
    },
  );

  it('reads the code of an error that carries it in Code (XML protocols)', () => {
    const error = awsFailure(
      what,
      permission,
      Object.assign(new Error('denied'), { Code: 'AccessDenied' }),
    );
    expect(error.message).toBe(`could not ${what}: AccessDenied: denied — grant ${permission}`);
  });

  it('an error without an AWS code hints at the network path and the endpoint', () => {
    const error = awsFailure(what, permission, new Error('connect ECONNREFUSED 127.0.0.1:1'));
    expect(error).toBeInstanceOf(AwsError);
    expect(asAwsError(error).awsCode).toBeUndefined();
    expect(error.message).toBe(
      `could not ${what}: connect ECONNREFUSED 127.0.0.1:1 — check the network path and region (is AWS_ENDPOINT_URL set to something unreachable?)`,
    );
  });

  it('an unrecognised AWS code is reported as is, without a misleading hint', () => {
    const error = awsFailure(what, permission, sdkError('InternalServerException', 'oops'));
    expect(error.message).toBe(`could not ${what}: InternalServerException: oops`);
  });

  it('passes assetguard errors through unchanged', () => {
    const undecided = new UndecidedError('scan of web ended with status FAILED');
    expect(awsFailure(what, permission, undecided)).toBe(undecided);
  });

  it('handles a thrown non-Error value', () => {
    const error = awsFailure(what, permission, 'socket closed');
    expect(error.message).toBe(
      `could not ${what}: socket closed — check the network path and region (is AWS_ENDPOINT_URL set to something unreachable?)`,
    );
  });
});

describe('hasAwsCode and errorMessage', () => {
  it('matches the code of SDK errors and nothing else', () => {
    expect(hasAwsCode(sdkError('ScanNotFoundException', 'x'), 'ScanNotFoundException')).toBe(true);
    expect(hasAwsCode(sdkError('ImageNotFoundException', 'x'), 'ScanNotFoundException')).toBe(
      false,
    );
    expect(hasAwsCode(new Error('x'), 'Error')).toBe(false);
    expect(hasAwsCode(undefined, 'ScanNotFoundException')).toBe(false);
    expect(hasAwsCode('ScanNotFoundException', 'ScanNotFoundException')).toBe(false);
  });

  it('reads the message of errors and stringifies anything else', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage(42)).toBe('42');
  });
});
