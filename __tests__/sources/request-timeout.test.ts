/**
 * An AWS endpoint that accepts connections and never answers. Without request timeouts the SDK
 * waits forever (its NodeHttpHandler defaults every timeout to 0) and a gate never ends; with
 * them every call ends in exit 2, and the scan wait ends at its own deadline.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ECRClient } from '@aws-sdk/client-ecr';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import {
  clientConfig,
  createClient,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  httpTimeouts,
} from '../../actions/src/core/aws';
import { systemClock } from '../../actions/src/core/clock';
import { AwsError, ConfigurationError, UndecidedError } from '../../actions/src/core/errors';
import {
  assertEnhancedScanning,
  resolveImageDigest,
  waitForImageScan,
} from '../../actions/src/sources/ecr';
import { parseImageRef, type ResolvedImage } from '../../actions/src/sources/image-ref';
import { listImageFindings } from '../../actions/src/sources/inspector';

const IMAGE: ResolvedImage = {
  repository: 'web',
  digest: `sha256:${'4'.repeat(64)}`,
  tag: '1.4.2',
  region: 'us-east-1',
};
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let silent: Server;
let endpoint: string;
const sockets = new Set<Socket>();
let connections = 0;

beforeAll(async () => {
  // Accepts every connection, reads what comes, and never writes a byte back.
  silent = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => {
    silent.listen(0, '127.0.0.1', resolve);
  });
  endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve, reject) => {
    silent.close((error) => {
      if (error) reject(error);
      else resolve();
    });
  });
});

beforeEach(() => {
  connections = 0;
});

describe('httpTimeouts', () => {
  it('sets connection, request and socket timeouts, and makes a passed request timeout an error', () => {
    expect(httpTimeouts({})).toEqual({
      connectionTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS,
      socketTimeout: DEFAULT_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    });
    expect(clientConfig({ region: 'us-east-1' }, {}).requestHandler).toEqual(httpTimeouts({}));
  });

  it('reads ASSETGUARD_AWS_CONNECT_TIMEOUT and ASSETGUARD_AWS_REQUEST_TIMEOUT as durations', () => {
    expect(
      httpTimeouts({
        ASSETGUARD_AWS_CONNECT_TIMEOUT: '2s',
        ASSETGUARD_AWS_REQUEST_TIMEOUT: '1m30s',
      }),
    ).toEqual({
      connectionTimeout: 2_000,
      requestTimeout: 90_000,
      socketTimeout: 90_000,
      throwOnRequestTimeout: true,
    });
  });

  it.each<[string, string]>([
    ['30', 'ASSETGUARD_AWS_REQUEST_TIMEOUT: "30" has no unit; write it with one, e.g. 30s or 30m'],
    ['soon', 'ASSETGUARD_AWS_REQUEST_TIMEOUT: "soon" is not a duration'],
    ['0s', 'ASSETGUARD_AWS_REQUEST_TIMEOUT: "0s" is not a duration'],
  ])('refuses %j, naming the variable (exit 2)', (value, message) => {
    expect(() => httpTimeouts({ ASSETGUARD_AWS_REQUEST_TIMEOUT: value })).toThrow(
      ConfigurationError,
    );
    expect(() => httpTimeouts({ ASSETGUARD_AWS_REQUEST_TIMEOUT: value })).toThrow(message);
  });
});

describe('an endpoint that accepts connections and never answers', () => {
  it('ends a ListFindings call in an AwsError (exit 2) after the request timeout of each attempt', async () => {
    const inspector = new Inspector2Client({
      ...clientConfig(
        { region: 'us-east-1', maxAttempts: 2, retryMode: 'standard' },
        { ASSETGUARD_AWS_REQUEST_TIMEOUT: '300ms' },
      ),
      endpoint,
      credentials: CREDENTIALS,
    });
    const started = Date.now();
    try {
      const listing = listImageFindings(inspector, IMAGE, { log: () => undefined });
      await expect(listing).rejects.toBeInstanceOf(AwsError);
      await expect(listing).rejects.toThrow(
        `could not list Inspector findings for web@${IMAGE.digest} (1.4.2): TimeoutError: `,
      );
      await expect(listing).rejects.toThrow('exceeded the configured 300 ms requestTimeout');
    } finally {
      inspector.destroy();
    }
    // Two attempts of 300 ms and the SDK's short backoff between them.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(connections).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it('createClient gives every client the timeouts from the environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ECR: endpoint,
      ASSETGUARD_AWS_REQUEST_TIMEOUT: '250ms',
      AWS_MAX_ATTEMPTS: '1',
    });
    // The SDK reads the endpoint variable when the call runs: keep it until the call has ended.
    const ecr = createClient(ECRClient, { region: 'us-east-1' });
    const started = Date.now();
    try {
      const resolving = resolveImageDigest(ecr, parseImageRef('web:1.4.2'), 'us-east-1');
      await expect(resolving).rejects.toBeInstanceOf(AwsError);
      await expect(resolving).rejects.toThrow(
        'could not resolve web:1.4.2 to a digest: TimeoutError: ',
      );
    } finally {
      process.env = saved;
      ecr.destroy();
    }
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 20_000);

  it('ends the scan wait at its deadline even though each call would wait 30 s', async () => {
    // The default request timeout (30 s) is longer than the gate's whole timeout here: the wait's
    // own deadline must abort the call.
    const config = {
      ...clientConfig({ region: 'us-east-1' }, {}),
      endpoint,
      credentials: CREDENTIALS,
    };
    const clients = { ecr: new ECRClient(config), inspector: new Inspector2Client(config) };
    const started = Date.now();
    try {
      const wait = waitForImageScan(clients, IMAGE, {
        timeoutMs: 1_000,
        clock: systemClock,
        log: () => undefined,
      });
      await expect(wait).rejects.toBeInstanceOf(UndecidedError);
      await expect(wait).rejects.toThrow(
        `timed out after 1s waiting for the scan of web@${IMAGE.digest} (1.4.2) (last seen: no answer yet)`,
      );
    } finally {
      clients.ecr.destroy();
      clients.inspector.destroy();
    }
    expect(Date.now() - started).toBeLessThan(4_000);
  }, 20_000);

  it("ends every one-shot call at the run's deadline (an AbortSignal) as exit 2", async () => {
    const config = {
      ...clientConfig({ region: 'us-east-1' }, {}),
      endpoint,
      credentials: CREDENTIALS,
    };
    const ecr = new ECRClient(config);
    const inspector = new Inspector2Client(config);
    const started = Date.now();
    try {
      await expect(
        resolveImageDigest(ecr, parseImageRef('web:1.4.2'), 'us-east-1', {
          signal: AbortSignal.timeout(200),
        }),
      ).rejects.toThrow(
        new UndecidedError(
          "the run's deadline passed while trying to resolve web:1.4.2 to a digest (ecr:DescribeImages)",
        ),
      );
      await expect(
        assertEnhancedScanning(ecr, undefined, { signal: AbortSignal.timeout(200) }),
      ).rejects.toThrow(
        "the run's deadline passed while trying to read the registry scanning configuration",
      );
      await expect(
        listImageFindings(inspector, IMAGE, {
          log: () => undefined,
          signal: AbortSignal.timeout(200),
        }),
      ).rejects.toThrow(
        new UndecidedError(
          `the run's deadline passed while listing Inspector findings for web@${IMAGE.digest} (1.4.2) (inspector2:ListFindings)`,
        ),
      );
    } finally {
      ecr.destroy();
      inspector.destroy();
    }
    expect(Date.now() - started).toBeLessThan(4_000);
  }, 20_000);
});
