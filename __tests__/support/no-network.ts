import nock from 'nock';

// Tests never reach the internet: anything but loopback (moto, local sinks) fails loudly.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);

// Jest gives every test file a fresh nock, but Node's http module is shared by all files that run
// in one process (on a 2-core machine jest runs them all in one). Without restoring, each file's
// nock wraps the previous file's interceptor again: after a few dozen files one socket passes
// through that many mock layers (Node warns of >10 'connect' listeners on MockHttpSocket), and an
// ECONNRESET on a pooled loopback socket surfaces as an unhandled 'error' that kills the run.
afterAll(() => {
  nock.cleanAll();
  nock.restore();
});
