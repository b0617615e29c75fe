/**
 * Local stand-ins for the report's delivery endpoints, for tests: a Slack incoming webhook and an
 * SMTP server, each listening on 127.0.0.1 on a port the system picks. A test starts one in
 * `beforeAll`/`beforeEach` (or inside the test) and awaits its `close()` in the matching
 * `afterAll`/`afterEach` (or a `finally`); `close()` also ends idle keep-alive connections, so
 * Jest never waits on a socket a client left open.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One request the webhook received: its path, its JSON body, and the status it was answered. */
export interface SlackRequest<Body = unknown> {
  /** The request's path and query, e.g. `/services/T0001/B0002/secret`. */
  path: string;
  /** The parsed JSON body (the raw text, when the body was not JSON: answered 400). */
  body: Body;
  /** The HTTP status the webhook answered this request with. */
  status: number;
}

/** A Slack incoming webhook on 127.0.0.1 (see `startSlackRecorder`). */
export interface SlackRecorder<Body = unknown> {
  /** The webhook URL to give the code under test: `http://127.0.0.1:<port><path>`. */
  url: string;
  /** Every request received, in order, retries included (also those answered with an error). */
  received: SlackRequest<Body>[];
  /**
   * What the webhook answers each request with; assign to change it (e.g. `{ status: 500, body:
   * 'internal_error' }` for an outage, `{ status: 404, body: 'no_service' }` for a revoked hook).
   */
  answer: { status: number; body: string };
  /** The bodies Slack accepted (answered 2xx), in order: what the channel would show. */
  accepted(): Body[];
  /** Empties `received` (in place) and answers `200 ok` again. */
  reset(): void;
  /** Stops listening and ends every open connection; resolves once the server is closed. */
  close(): Promise<void>;
}

/** Slack's answer to a successful incoming-webhook post. */
const SLACK_OK = { status: 200, body: 'ok' } as const;

/**
 * Starts a Slack incoming webhook on 127.0.0.1 (port 0: the system picks one) that records each
 * request's JSON body with its path, and answers `recorder.answer` (initially `200 ok`, as Slack
 * does) as `text/plain`. A body that is not JSON is answered `400 invalid_payload`, as Slack does.
 * `Body` is the shape the test expects posted; it is not checked.
 * @param options.path the webhook's path (default `/services/T0000/B0000/XXXXXXXXXXXXXXXX`); put
 *   a secret in it to check the code under test never shows the URL.
 * @throws Error when `path` does not start with `/`, or the server cannot listen.
 */
export async function startSlackRecorder<Body = unknown>(
  options: { path?: string } = {},
): Promise<SlackRecorder<Body>> {
  const path = options.path ?? '/services/T0000/B0000/XXXXXXXXXXXXXXXX';
  if (!path.startsWith('/'))
    throw new Error(`startSlackRecorder: path "${path}" must start with /`);
  const received: SlackRequest<Body>[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Body;
      let answer: { status: number; body: string } = recorder.answer;
      try {
        body = JSON.parse(text) as Body;
      } catch {
        body = text as Body;
        answer = { status: 400, body: 'invalid_payload' };
      }
      received.push({ path: request.url ?? '', body, status: answer.status });
      response.writeHead(answer.status, { 'content-type': 'text/plain' });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const recorder: SlackRecorder<Body> = {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answer: { ...SLACK_OK },
    accepted: () =>
      received.filter((post) => post.status >= 200 && post.status < 300).map((post) => post.body),
    reset() {
      received.length = 0;
      recorder.answer = { ...SLACK_OK };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        // HTTP clients keep connections alive; close() alone would wait for them to time out.
        server.closeAllConnections();
      }),
  };
  return recorder;
}

/** One message the SMTP server accepted: the envelope's sender and recipients, and the mail. */
export interface SmtpMessage {
  /** The envelope sender (MAIL FROM), `''` when empty. */
  from: string;
  /** The envelope recipients (RCPT TO), in order. */
  to: string[];
  /** The message as mailparser reads it: subject, html, text, attachments. */
  mail: ParsedMail;
}

/** An SMTP server on 127.0.0.1 that requires login (see `startSmtpSink`). */
export interface SmtpSink {
  /** The port it listens on (host 127.0.0.1). */
  port: number;
  /**
   * The `smtp://user:password@127.0.0.1:<port>` URL to give the code under test, with the
   * password URL-encoded; `password` defaults to the one the sink accepts (give another to be
   * refused).
   */
  url(password?: string): string;
  /** Every message accepted, in order, parsed. */
  received: SmtpMessage[];
  /** The user name of every login attempt, in order, refused ones included. */
  logins: string[];
  /** How many login attempts were refused (wrong user or password). */
  refusedLogins: number;
  /** Stops listening and ends every open connection; resolves once the server is closed. */
  close(): Promise<void>;
}

/**
 * Starts an SMTP server (smtp-server) on 127.0.0.1 (port 0: the system picks one) that requires
 * AUTH PLAIN or LOGIN without TLS (STARTTLS is not offered, so a client logs in in the clear, to
 * 127.0.0.1 only), accepts only `user`/`password` (others are refused: `Invalid username or
 * password`), and keeps every message it accepts, parsed by mailparser.
 * @throws Error when the server cannot listen.
 */
export async function startSmtpSink(options: {
  user: string;
  password: string;
}): Promise<SmtpSink> {
  const sink = { received: [] as SmtpMessage[], logins: [] as string[], refusedLogins: 0 };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    // smtp-server waits 30 s by default for open connections on close(); a client that never
    // sent QUIT would hold a test that long.
    closeTimeout: 50,
    onAuth(auth, _session, callback) {
      sink.logins.push(auth.username ?? '');
      if (auth.username === options.user && auth.password === options.password) {
        callback(null, { user: options.user });
        return;
      }
      sink.refusedLogins += 1;
      callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          sink.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            mail,
          });
          callback();
        })
        .catch((error: unknown) => {
          callback(error as Error);
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.server.address() as AddressInfo;
  return Object.assign(sink, {
    port,
    url: (password: string = options.password): string =>
      `smtp://${encodeURIComponent(options.user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  });
}
