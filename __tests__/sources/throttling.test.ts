/**
 * Throttling over the real SDK retry middleware. aws-sdk-client-mock replaces `send` and so
 * bypasses retries; here a loopback HTTP server speaks Inspector2's restJson1 protocol instead.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { clientConfig, USER_AGENT } from '../../actions/src/core/aws';
import { AwsError, UndecidedError } from '../../actions/src/core/errors';
import type { ResolvedImage } from '../../actions/src/sources/image-ref';
import { listImageFindings } from '../../actions/src/sources/inspector';
import { inspectorFinding } from '../fixtures/seed';

const DIGEST = `sha256:${'3'.repeat(64)}`;
const IMAGE: ResolvedImage = {
  repository: 'web',
  digest: DIGEST,
  tag: '1.4.2',
  region: 'us-east-1',
};

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: unknown;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
  /** Sent as is instead of the JSON of `body` (an empty body, say). */
  raw?: string;
}

function throttled(status: number): Answer {
  return {
    status,
    headers: { 'x-amzn-ErrorType': 'ThrottlingException' },
    body: { message: 'Rate exceeded' },
  };
}

const validPage: Answer = {
  status: 200,
  body: {
    findings: [
      inspectorFinding(
        { repository: 'web', digest: DIGEST, region: 'us-east-1', tag: '1.4.2' },
        {
          cve: 'CVE-2024-0001',
          severity: 'CRITICAL',
          packageName: 'openssl',
          installed: '3.0.1',
          fixed: '3.0.2',
        },
      ),
    ],
  },
};

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
/** Answers in order; the last one repeats. */
let answers: Answer[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      seen.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: text === '' ? undefined : JSON.parse(text),
      });
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        'x-amzn-requestid': `request-${seen.length}`,
        ...answer.headers,
      });
      response.end(answer.raw ?? JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => {
    server.close((error) => {
      if (error) reject(error);
      else resolve();
    });
  });
});

let inspector: Inspector2Client;

beforeEach(() => {
  seen = [];
  // The factory's configuration (retry mode, attempts, user agent) with the endpoint overridden;
  // an empty environment so AWS_MAX_ATTEMPTS / AWS_RETRY_MODE on the machine cannot change it.
  inspector = new Inspector2Client({
    ...clientConfig({ region: 'us-east-1' }, {}),
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});

afterEach(() => {
  inspector.destroy();
});

it('retries ThrottlingException (HTTP 429, then 400) and lists the findings', async () => {
  answers = [throttled(429), throttled(400), validPage];

  const listed = await listImageFindings(inspector, IMAGE, { log: () => undefined });

  expect(listed.findings.map(({ id }) => id)).toEqual(['CVE-2024-0001']);
  expect(listed.calls).toBe(1);
  expect(seen).toHaveLength(3);
  for (const request of seen) {
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/findings/list');
    expect(request.body).toEqual({
      filterCriteria: {
        ecrImageHash: [{ comparison: 'EQUALS', value: DIGEST }],
        ecrImageRepositoryName: [{ comparison: 'EQUALS', value: 'web' }],
        findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
      },
      maxResults: 100,
    });
    expect(request.headers['user-agent']).toContain(USER_AGENT);
  }
  // The retries are the SDK's, with the factory's budget of 5 attempts.
  expect(seen.map((request) => request.headers['amz-sdk-request'])).toEqual([
    'attempt=1; max=5',
    'attempt=2; max=5',
    'attempt=3; max=5',
  ]);
}, 60_000);

it('gives up after the retry budget and says it was still throttled', async () => {
  answers = [throttled(429)];
  // A smaller budget than the default 5 keeps the SDK's real backoff short.
  const budgeted = new Inspector2Client({
    ...clientConfig({ region: 'us-east-1', maxAttempts: 3, retryMode: 'standard' }, {}),
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });

  const listing = listImageFindings(budgeted, IMAGE, { log: () => undefined });

  await expect(listing).rejects.toBeInstanceOf(AwsError);
  await expect(listing).rejects.toThrow(
    `could not list Inspector findings for web@${DIGEST} (1.4.2): ThrottlingException: Rate exceeded — still throttled after retries: retry later or raise the retry budget`,
  );
  expect(seen).toHaveLength(3);
  budgeted.destroy();
}, 60_000);

it.each<[string, Answer]>([
  ['an empty body', { status: 200, body: undefined, raw: '' }],
  ['an empty JSON object', { status: 200, body: {} }],
])(
  'an HTTP 200 with %s from ListFindings is exit 2, never "no findings"',
  async (_name, answer) => {
    answers = [answer];
    const listing = listImageFindings(inspector, IMAGE, { log: () => undefined });
    await expect(listing).rejects.toBeInstanceOf(UndecidedError);
    await expect(listing).rejects.toThrow(
      'inspector2:ListFindings answered page 1 without its list of items (an empty or malformed body)',
    );
    expect(seen).toHaveLength(1);
  },
);

it('a finding with a lower-case severity on the wire is exit 2, never UNTRIAGED', async () => {
  const finding = (validPage.body as { findings: Record<string, unknown>[] }).findings[0]!;
  answers = [{ status: 200, body: { findings: [{ ...finding, severity: 'critical' }] } }];
  await expect(listImageFindings(inspector, IMAGE, { log: () => undefined })).rejects.toThrow(
    'has severity "critical", which is not one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNTRIAGED',
  );
});
