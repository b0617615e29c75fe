import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { createServer } from '../../app/src/server';

const APP_MAIN = path.resolve(__dirname, '../../app/src/main.js');

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => {
    server.close((err) => {
      if (err) reject(err);
      else resolve();
    });
  });
}

describe('demo app routes', () => {
  const server = createServer({ env: { APP_VERSION: '1.2.3', GIT_SHA: 'abc123' } });
  let base = '';

  beforeAll(async () => {
    base = await listen(server);
  });

  afterAll(async () => {
    await close(server);
  });

  it('serves the HTML landing page on /', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('assetguard demo app');
  });

  it('reports health on /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('reports APP_VERSION and GIT_SHA on /version', async () => {
    const res = await fetch(`${base}/version`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ version: '1.2.3', gitSha: 'abc123' });
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await fetch(`${base}/nope?x=1`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not found', path: '/nope' });
  });

  it('rejects methods other than GET and HEAD', async () => {
    const res = await fetch(`${base}/healthz`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('demo app version defaults', () => {
  it('falls back to dev/unknown when the env carries no version', async () => {
    const server = createServer({ env: {} });
    const base = await listen(server);
    try {
      const res = await fetch(`${base}/version`);
      expect(await res.json()).toEqual({ version: 'dev', gitSha: 'unknown' });
    } finally {
      await close(server);
    }
  });
});

describe('demo app process', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    // Only reached with a live child when an assertion failed mid-test.
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  it('listens on PORT and exits 0 on SIGTERM', async () => {
    const proc = spawn(process.execPath, [APP_MAIN], {
      env: { PATH: process.env.PATH, PORT: '0', GIT_SHA: 'feedface' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    let stdout = '';
    const port = await new Promise<number>((resolve, reject) => {
      proc.stdout.setEncoding('utf8');
      proc.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        const match = /listening on port (\d+)/.exec(stdout);
        if (match) resolve(Number(match[1]));
      });
      proc.once('exit', (code) => {
        reject(new Error(`app exited early with ${String(code)}: ${stdout}`));
      });
    });

    const res = await fetch(`http://127.0.0.1:${port}/version`);
    expect(await res.json()).toEqual({ version: 'dev', gitSha: 'feedface' });

    proc.kill('SIGTERM');
    const [code, signal] = await exited;
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(stdout).toContain('SIGTERM received');
  });
});
