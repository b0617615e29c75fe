import nock from 'nock';

// Tests never reach the internet: anything but loopback (moto, local sinks) fails loudly.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
