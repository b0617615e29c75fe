'use strict';

// The demo workload the deploy pipeline builds, pushes to ECR and gates on its
// Inspector2 findings. It has no dependencies on purpose: every CVE the gate
// reports comes from the base image, which keeps the demo's story readable.

const { Buffer } = require('node:buffer');
const http = require('node:http');
const { URL } = require('node:url');

const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>assetguard demo app</title>
  </head>
  <body>
    <h1>assetguard demo app</h1>
    <p>This service is deployed only after its image passes the assetguard scan gate.</p>
    <ul>
      <li><a href="/healthz">/healthz</a></li>
      <li><a href="/version">/version</a></li>
    </ul>
  </body>
</html>
`;

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
function sendJson(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} html
 */
function sendHtml(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

/**
 * Version metadata is read per request, not at import, so a test (or a
 * container with late-bound env) sees what the process has now.
 * @param {NodeJS.ProcessEnv} env
 */
function versionInfo(env) {
  return {
    version: env.APP_VERSION || 'dev',
    gitSha: env.GIT_SHA || 'unknown',
  };
}

/**
 * @param {{ env?: NodeJS.ProcessEnv }} [options]
 * @returns {import('node:http').Server}
 */
function createServer(options = {}) {
  const env = options.env || process.env;
  return http.createServer((req, res) => {
    const method = req.method || 'GET';
    const path = new URL(req.url || '/', 'http://localhost').pathname;

    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { error: 'method not allowed' });
      return;
    }

    switch (path) {
      case '/':
        sendHtml(res, 200, INDEX_HTML);
        return;
      case '/healthz':
        sendJson(res, 200, { status: 'ok' });
        return;
      case '/version':
        sendJson(res, 200, versionInfo(env));
        return;
      default:
        sendJson(res, 404, { error: 'not found', path });
    }
  });
}

module.exports = { createServer };
