/**
 * createClient drops the SDK's logger middleware (which deep-copies every response for a logger
 * that discards it) and keeps everything else: retries of transient errors, errors thrown to the
 * caller with AWS's code, responses parsed. Checked against a local 127.0.0.1 endpoint that
 * answers Inspector2 ListFindings from a script.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inspector2Client, ListFindingsCommand } from '@aws-sdk/client-inspector2';
import { createClient, lazyClient, SDK_LOGGER_MIDDLEWARE } from '../../actions/src/core/aws';
import { ConfigurationError } from '../../actions/src/core/errors';

type Answer = (response: ServerResponse) => void;

let server: Server;
let endpoint: string;
let answers: Answer[] = [];
let requests = 0;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => {
  return (response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
};

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests += 1;
    request.resume();
    request.on('end', () => {
      const answer = answers.shift() ?? json(500, { message: 'no answer scripted' });
      answer(response);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_ENDPOINT_URL = endpoint;
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await new Promise((done) => server.close(done));
});

beforeEach(() => {
  answers = [];
  requests = 0;
});

function client(): Inspector2Client {
  const made = createClient(Inspector2Client, { region: 'us-east-1', retryMode: 'standard' });
  // Tests need no real credentials; the client signs with these.
  made.config.credentials = () =>
    Promise.resolve({ accessKeyId: 'testing', secretAccessKey: 'testing' });
  return made;
}

describe('createClient', () => {
  it("removes the SDK's logger middleware and nothing else", () => {
    const made = client();
    const plain = new Inspector2Client({ region: 'us-east-1' });
    const names = (stack: { identify(): string[] }): string[] =>
      stack.identify().map((entry) => entry.split(' ')[0] ?? '');
    expect(names(plain.middlewareStack)).toContain(SDK_LOGGER_MIDDLEWARE);
    expect(names(made.middlewareStack)).not.toContain(SDK_LOGGER_MIDDLEWARE);
    expect(names(made.middlewareStack)).toEqual(
      names(plain.middlewareStack).filter((name) => name !== SDK_LOGGER_MIDDLEWARE),
    );
  });

  it('still retries a throttled call and parses the answer', async () => {
    answers = [
      json(
        400,
        { message: 'slow down' },
        { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/' },
      ),
      json(200, { findings: [{ findingArn: 'arn:aws:inspector2:us-east-1:1:finding/a' }] }),
    ];
    const page = await client().send(new ListFindingsCommand({ maxResults: 100 }));
    expect(requests).toBe(2);
    expect(page.findings?.map((finding) => finding.findingArn)).toEqual([
      'arn:aws:inspector2:us-east-1:1:finding/a',
    ]);
  });

  it('still throws an AWS error with its code to the caller, without retrying it', async () => {
    answers = [
      json(
        403,
        { message: 'not allowed here' },
        { 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/' },
      ),
    ];
    await expect(client().send(new ListFindingsCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: 'not allowed here',
    });
    expect(requests).toBe(1);
  });
});

describe('lazyClient', () => {
  it('loads the class on the first call only, and answers the same client every time', async () => {
    const load = jest.fn(() => Promise.resolve(Inspector2Client));
    const lazy = lazyClient(load, { region: 'eu-west-1' });
    expect(load).not.toHaveBeenCalled();
    const [first, second] = await Promise.all([lazy(), lazy()]);
    expect(await lazy()).toBe(first);
    expect(second).toBe(first);
    expect(load).toHaveBeenCalledTimes(1);
    expect(await first.config.region()).toBe('eu-west-1');
  });

  it('builds the client as createClient does: no logger middleware, calls still answered', async () => {
    const made = await lazyClient(() => Promise.resolve(Inspector2Client), {
      region: 'us-east-1',
    })();
    const names = made.middlewareStack.identify().map((entry) => entry.split(' ')[0] ?? '');
    expect(names).not.toContain(SDK_LOGGER_MIDDLEWARE);
    made.config.credentials = () =>
      Promise.resolve({ accessKeyId: 'testing', secretAccessKey: 'testing' });
    answers = [json(200, { findings: [] })];
    await expect(made.send(new ListFindingsCommand({}))).resolves.toMatchObject({ findings: [] });
    expect(requests).toBe(1);
  });

  it('checks the configuration at once: a bad region fails before anything is loaded', () => {
    const load = jest.fn(() => Promise.resolve(Inspector2Client));
    expect(() => lazyClient(load, { region: 'mars' })).toThrow(ConfigurationError);
    expect(() => lazyClient(load, { region: 'mars' })).toThrow(
      'region: "mars" is not an AWS region name such as us-east-1',
    );
    expect(load).not.toHaveBeenCalled();
  });
});
