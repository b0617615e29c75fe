'use strict';

const { setTimeout } = require('node:timers');

const { createServer } = require('./server');

const DEFAULT_PORT = 8080;
// ECS sends SIGTERM and waits stopTimeout (30 s by default) before SIGKILL;
// give in-flight requests most of that, then exit anyway.
const SHUTDOWN_GRACE_MS = 25_000;

function parsePort(value) {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, got "${value}"`);
  }
  return port;
}

function main() {
  const port = parsePort(process.env.PORT);
  const server = createServer();

  server.listen(port, () => {
    const address = server.address();
    const actual = address && typeof address === 'object' ? address.port : port;
    console.log(`assetguard demo app listening on port ${actual}`);
  });

  let stopping = false;
  const shutdown = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, closing server`);
    const timer = setTimeout(() => {
      console.error('graceful shutdown timed out, exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    timer.unref();
    server.close((err) => {
      if (err) {
        console.error(`error while closing server: ${err.message}`);
        process.exit(1);
      }
      process.exit(0);
    });
    // Keep-alive sockets would otherwise hold close() open until they time out.
    server.closeIdleConnections();
  };

  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main();
