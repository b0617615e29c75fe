/**
 * @jest-environment ./__tests__/app/environment.ts
 */
/**
 * The built portal as ECS runs it: `node app/dist/main.js` in its own process. SIGTERM with a
 * request in flight (the request completes, the process exits 0), traces and metrics pushed
 * over OTLP/HTTP to a local receiver standing in for the ADOT collector, a bad setting (one
 * line, exit 2), and the import CLI.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { IMPORT_TOKEN, reportBody } from './portal';

const APP = join(__dirname, '../../app');
const MAIN = join(APP, 'dist/main.js');
const IMPORT = join(APP, 'dist/import.js');

/** The parts of OTLP/HTTP JSON export requests these tests read. */
interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}

interface OtlpBody {
  resourceSpans?: { scopeSpans: { spans: OtlpSpan[] }[] }[];
  resourceMetrics?: { scopeMetrics: { metrics: { name: string }[] }[] }[];
}

/** A pino log line of the portal. */
interface LogLine {
  msg: string;
  port?: number;
  [field: string]: unknown;
}

/** OTLP/HTTP JSON bodies received, by path (/v1/traces, /v1/metrics). */
interface Receiver {
  endpoint: string;
  bodies: Map<string, OtlpBody[]>;
  server: Server;
}

async function startReceiver(): Promise<Receiver> {
  const bodies = new Map<string, OtlpBody[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
    });
    req.on('end', () => {
      const list = bodies.get(req.url ?? '') ?? [];
      list.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody);
      bodies.set(req.url ?? '', list);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  port: number;
  lines: LogLine[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts the built portal and waits for its `listening` log line. */
async function startProcess(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, newline)) as LogLine;
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        if (line.msg === 'listening' && line.port !== undefined) resolve(line.port);
      }
    });
    child.once('exit', (code) => {
      reject(new Error(`portal exited with ${String(code)} before listening: ${stderr}`));
    });
  });
  return { child, port, lines, stderr: () => stderr, exited };
}

/** Resolves with the first log line (seen or still to come) that `matches`. */
function lineMatching(running: Running, matches: (line: LogLine) => boolean): Promise<LogLine> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const found = running.lines.find(matches);
      if (found === undefined) return false;
      running.child.stdout.off('data', check);
      resolve(found);
      return true;
    };
    if (check()) return;
    // Registered after startProcess's parser, so each chunk is parsed before this runs.
    running.child.stdout.on('data', check);
    running.child.once('exit', (code) => {
      if (!check()) reject(new Error(`portal exited with ${String(code)}: ${running.stderr()}`));
    });
  });
}

function spanList(receiver: Receiver): OtlpSpan[] {
  return (receiver.bodies.get('/v1/traces') ?? []).flatMap((body) =>
    (body.resourceSpans ?? []).flatMap((resource) =>
      resource.scopeSpans.flatMap((scope) => scope.spans),
    ),
  );
}

function metricNames(receiver: Receiver): string[] {
  return (receiver.bodies.get('/v1/metrics') ?? []).flatMap((body) =>
    (body.resourceMetrics ?? []).flatMap((resource) =>
      resource.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => metric.name)),
    ),
  );
}

beforeAll(() => {
  // The test runs what the image runs: the TypeScript build of app/src.
  execFileSync(
    process.execPath,
    [join(APP, 'node_modules/typescript/bin/tsc'), '-p', join(APP, 'tsconfig.json')],
    {
      stdio: 'inherit',
    },
  );
}, 120_000);

describe('the portal process', () => {
  let running: Running | undefined;
  let receiver: Receiver | undefined;

  afterEach(async () => {
    // Only reached with a live child when an assertion failed mid-test.
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    running = undefined;
    if (receiver) {
      receiver.server.closeAllConnections();
      await new Promise((resolve) => receiver!.server.close(resolve));
    }
    receiver = undefined;
  });

  it('finishes the request in flight on SIGTERM, refuses new ones, flushes telemetry and exits 0', async () => {
    receiver = await startReceiver();
    running = await startProcess({
      PORTAL_IMPORT_TOKEN: IMPORT_TOKEN,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      // Long enough that only the shutdown flush delivers metrics.
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
    });
    const { port } = running;
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/api/report/latest`)).status).toBe(404);

    // An import whose body arrives in two halves, SIGTERM between them.
    const body = Buffer.from(reportBody());
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/api/imports',
      method: 'POST',
      headers: {
        authorization: `Bearer ${IMPORT_TOKEN}`,
        'content-type': 'application/json',
        'content-length': body.length,
      },
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text });
        });
      });
      req.on('error', reject);
    });
    req.write(body.subarray(0, body.length / 2));
    // Give the first half time to reach the server, then stop it mid-request.
    await new Promise((resolve) => setTimeout(resolve, 200));
    running.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));

    // No new connections while draining.
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(running.child.exitCode).toBeNull();

    req.end(body.subarray(body.length / 2));
    const result = await response;
    expect(result.status).toBe(201);
    expect(JSON.parse(result.text)).toMatchObject({ duplicate: false, findings: 24 });
    expect(await running.exited).toBe(0);

    const messages = running.lines.map((line) => line.msg);
    expect(messages).toEqual(
      expect.arrayContaining(['shutting down: draining requests', 'report imported', 'stopped']),
    );
    expect(running.lines.find((line) => line.msg === 'stopped')).toMatchObject({ drained: true });
    expect(running.stderr()).toBe('');

    // Traces: the import's server span, with its database statements as children.
    const spans = spanList(receiver);
    const server = spans.find((span) => span.name === 'POST /api/imports');
    expect(server).toBeDefined();
    const children = spans.filter((span) => span.parentSpanId === server!.spanId);
    expect(children.map((span) => span.name)).toEqual(expect.arrayContaining(['INSERT pglite']));
    expect(children.every((span) => span.traceId === server!.traceId)).toBe(true);
    // Metrics: the last export at shutdown carries the request and database histograms.
    expect(metricNames(receiver)).toEqual(
      expect.arrayContaining([
        'http_server_request_duration_seconds',
        'db_client_operation_duration_seconds',
      ]),
    );
  }, 60_000);

  it('sends nothing anywhere without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    running = await startProcess({});
    expect(running.lines.find((line) => line.msg === 'listening')).toMatchObject({
      otlp: false,
      imports: false,
    });
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
  }, 60_000);

  it('imports the report REPORT_S3_URI names, with no import token, and stops polling on SIGTERM', async () => {
    // A region of this test's own in the shared moto.
    const region = 'sa-east-1';
    const bucket = 'portal-process-test-reports';
    const s3 = new S3Client({ region, forcePathStyle: true, maxAttempts: 1 });
    try {
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          CreateBucketConfiguration: { LocationConstraint: region },
        }),
      );
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'portal/report.json', Body: reportBody() }),
      );
    } finally {
      s3.destroy();
    }
    running = await startProcess({
      REPORT_S3_URI: `s3://${bucket}/portal/report.json`,
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? '',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: region,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(running.lines.find((line) => line.msg === 'listening')).toMatchObject({
      imports: false,
      reportSource: `s3://${bucket}/portal/report.json`,
    });
    const imported = await lineMatching(running, (line) =>
      /report imported|failed|not valid/.test(line.msg),
    );
    expect(imported).toMatchObject({ msg: 'report imported', channel: 's3', duplicate: false });
    const latest = await fetch(`http://127.0.0.1:${running.port}/api/report/latest`);
    expect(latest.status).toBe(200);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }, 60_000);

  it('stops on a bad setting with one line naming it and exit 2', async () => {
    for (const [env, message] of [
      [
        { DATABASE_URL: 'mysql://db.example.com/portal' },
        /^assetguard-portal: DATABASE_URL must start with postgres:\/\//,
      ],
      [
        { PORTAL_IMPORT_TOKEN: 'short' },
        /^assetguard-portal: PORTAL_IMPORT_TOKEN must be at least 24 characters/,
      ],
      [{ PORT: '99999' }, /^assetguard-portal: PORT must be a whole number from 0 to 65535/],
    ] as const) {
      const child = spawn(process.execPath, [MAIN], {
        env: { PATH: process.env.PATH ?? '', ...env },
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const [code] = await once(child, 'exit');
      expect({ code, stderr }).toEqual({ code: 2, stderr: expect.stringMatching(message) });
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  }, 60_000);
});

describe('the import CLI', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portal-import-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const runImport = (args: string[], env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [IMPORT, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    return once(child, 'exit').then(([code]) => ({ code, stdout, stderr }));
  };

  it('imports report.json (or its directory) into PGLITE_DIR once, then says it is there', async () => {
    const reportDir = join(dir, 'report');
    execFileSync('mkdir', ['-p', reportDir]);
    writeFileSync(join(reportDir, 'report.json'), reportBody());
    const env = { PGLITE_DIR: join(dir, 'pgdata') };
    const first = await runImport([reportDir], env);
    expect(first).toEqual({
      code: 0,
      stdout: expect.stringMatching(
        /report\.json: imported as report 1 \(generated 2026-03-02T06:00:00\.000Z\): 24 open findings, 11 resources\n$/,
      ),
      stderr: '',
    });
    const again = await runImport([join(reportDir, 'report.json')], env);
    expect(again).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/already imported as report 1/),
    });
  }, 60_000);

  it('refuses a bad file, a missing file and an in-memory database with exit 2 and one line', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ title: 'x' }));
    // Valid JSON that once overflowed the stack of the error message and was blamed on the database.
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, '['.repeat(200_000) + ']'.repeat(200_000));
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        [bad],
        { PGLITE_DIR: join(dir, 'other') },
        /^import: .*bad\.json: report\.counts: expected an object, got nothing\n$/,
      ],
      [
        [join(dir, 'missing.json')],
        { PGLITE_DIR: join(dir, 'other') },
        /^import: .*missing\.json: no such file\n$/,
      ],
      [[bad], {}, /^import: set DATABASE_URL \(or PGLITE_DIR\)/],
      [[], {}, /^usage: node dist\/import\.js/],
      [
        [deep],
        { PGLITE_DIR: join(dir, 'other') },
        /^import: .*deep\.json: report(\[0\])+: nested deeper than 32 levels \(got an array of 1 items\)\n$/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const result = await runImport(args, env);
      expect(result).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(message) });
    }
  }, 60_000);

  it('prints the usage on --help and -h and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const result = await runImport([flag]);
      expect(result).toEqual({
        code: 0,
        stdout: expect.stringMatching(/^usage: node dist\/import\.js REPORT_JSON_OR_DIRECTORY\n/),
        stderr: '',
      });
    }
  }, 60_000);
});
