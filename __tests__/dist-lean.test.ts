import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from './support/runner';

// What the committed bundles (actions/dist) carry, and where: each action's index.js is what a
// runner parses before the first AWS request, its chunk files only on the path that needs them
// (issue 12). Markers are strings each package holds in its minified code.
const dist = join(__dirname, '../actions/dist');
const ACTIONS = [
  'scan-gate',
  'compliance-gate',
  'tag-policy',
  'daily-report',
  'fleet-check',
  'remediate',
  'pr-summary',
];
/** undici's two llhttp WebAssembly builds, base64 ("\0asm"): two per copy of undici. */
const WASM = 'AGFzbQ';
/** ajv's schema compiler (an option only it reads); the precompiled validators lack it. */
const AJV_COMPILER = 'strictSchema';
/** @octokit/core's user agent. */
const OCTOKIT = 'octokit-core.js/';
/** The file scripts/build.mjs ships in place of @actions/core's OIDC client (lib/oidc-utils.js). */
const OIDC_STUB = 'oidc-unavailable.js';
/** bowser's user-agent table: the bundles leave it out (scripts/build.mjs `externals`). */
const BOWSER = 'Windows Phone';
/** What @actions/http-client holds (its token handler): only @actions/github's chunk needs it. */
const HTTP_CLIENT = 'BearerCredentialHandler';
/** One operation name only each SDK client package's shapes hold (the first of its model). */
const CLIENT_MARKERS = {
  ec2: 'AcceptReservedInstancesExchangeQuote',
  s3: 'AbortMultipartUpload',
  ssm: 'AssociateOpsItemRelatedItem',
  securityhub: 'BatchUpdateStandardsControlAssociations',
  'resource-groups': 'PutGroupConfiguration',
  'resource-groups-tagging-api': 'DescribeReportCreation',
  'config-service': 'BatchGetAggregateResourceConfig',
  sesv2: 'BatchGetMetricData',
  sns: 'CheckIfPhoneNumberIsOptedOut',
  iam: 'AddClientIDToOpenIDConnectProvider',
  inspector2: 'BatchGetFreeTrialInfo',
  ecr: 'BatchCheckLayerAvailability',
};
/**
 * Per action, the SDK clients only some of its runs call: each in a chunk, none in index.js.
 * compliance-gate and remediate read one compliance source a run (Config or Security Hub, by the
 * source input), remediate calls SSM only to execute and S3 only for an s3:// audit location,
 * and the daily report mails through SES only with email-to. The daily report's readers (Config,
 * Security Hub, Inspector2, ECR, the Tagging API) are chunks too: every run calls some of them,
 * but only after its first request (sts:GetCallerIdentity), while it waits for the answer; the
 * scan gate's Inspector2 client likewise, after its first ECR request.
 */
const LAZY_CLIENTS: Partial<Record<string, (keyof typeof CLIENT_MARKERS)[]>> = {
  'scan-gate': ['inspector2'],
  'compliance-gate': ['config-service', 'securityhub', 'resource-groups-tagging-api'],
  'tag-policy': ['ec2', 's3', 'ssm', 'resource-groups'],
  'daily-report': [
    'ec2',
    'sesv2',
    'config-service',
    'securityhub',
    'inspector2',
    'ecr',
    'resource-groups-tagging-api',
    's3',
  ],
  'fleet-check': ['ec2', 's3', 'ssm', 'securityhub'],
  remediate: ['config-service', 'securityhub', 'resource-groups-tagging-api', 's3', 'ssm'],
};
/**
 * Per action, other packages it needs only after its decision (to render or deliver): each in a
 * chunk, none in index.js. Markers: d3-color's table of named colours (report.html's charts use
 * d3-scale, which brings it), @slack/webhook's class name.
 */
const LATE_PACKAGES: Partial<Record<string, { name: string; marker: string }[]>> = {
  'daily-report': [
    { name: 'd3 (report.html charts)', marker: 'aliceblue' },
    { name: '@slack/webhook', marker: 'IncomingWebhook' },
  ],
};

const count = (text: string, marker: string): number => text.split(marker).length - 1;
const read = (bundle: string, file: string): string =>
  readFileSync(join(dist, bundle, file), 'utf8');
const chunksOf = (bundle: string): string[] =>
  readdirSync(join(dist, bundle)).filter((file) => /^\d+\.index\.js$/.test(file));

describe.each(ACTIONS)('actions/dist/%s', (bundle) => {
  const entry = read(bundle, 'index.js');

  it('carries one undici (the second, @actions/core 1.x’s, is gone)', () => {
    const all = [entry, ...chunksOf(bundle).map((file) => read(bundle, file))].join('\n');
    expect(count(all, WASM)).toBe(2);
  });

  it('loads octokit from a chunk, only on a run that talks to GitHub', () => {
    expect(count(entry, OCTOKIT)).toBe(0);
    expect(chunksOf(bundle).some((file) => read(bundle, file).includes(OCTOKIT))).toBe(true);
  });

  it('parses no undici nor @actions/http-client before its first request: both are in the GitHub chunk', () => {
    expect(count(entry, WASM)).toBe(0);
    expect(count(entry, HTTP_CLIENT)).toBe(0);
    const github = chunksOf(bundle).filter((file) => read(bundle, file).includes(OCTOKIT));
    expect(github.some((file) => count(read(bundle, file), WASM) === 2)).toBe(true);
  });

  it("takes @actions/core's OIDC client from the stub beside it, which fails naming the build", () => {
    expect(entry).toContain(`"./${OIDC_STUB}"`);
    // Required as the bundle requires it, by a node process: a CommonJS file next to index.js.
    const said = execFileSync(process.execPath, [
      '-e',
      `require(${JSON.stringify(join(dist, bundle, OIDC_STUB))}).OidcClient.getIDToken('sts.amazonaws.com').catch((error) => console.log(error.message))`,
    ]).toString();
    expect(said.trim()).toBe(
      'core.getIDToken is not available in assetguard bundles: scripts/build.mjs leaves out @actions/core’s OIDC client',
    );
  });

  for (const { name, marker } of LATE_PACKAGES[bundle] ?? []) {
    it(`loads ${name} from a chunk, after the first request`, () => {
      expect(count(entry, marker)).toBe(0);
      expect(chunksOf(bundle).some((file) => read(bundle, file).includes(marker))).toBe(true);
    });
  }

  for (const client of LAZY_CLIENTS[bundle] ?? []) {
    it(`loads @aws-sdk/client-${client} from a chunk, only on a run that calls it`, () => {
      const marker = CLIENT_MARKERS[client];
      expect(count(entry, marker)).toBe(0);
      expect(chunksOf(bundle).some((file) => read(bundle, file).includes(marker))).toBe(true);
    });
  }

  if (bundle !== 'pr-summary') {
    it('compiles no JSON Schema at run time (its validators are precompiled)', () => {
      const all = [entry, ...chunksOf(bundle).map((file) => read(bundle, file))].join('\n');
      expect(count(all, AJV_COMPILER)).toBe(0);
    });
  }
});

/**
 * Per Lambda, the SDK clients it calls only after its first request, or on some invocations:
 * each in a chunk file beside index.js (the Lambdas are built as ES modules, like the actions,
 * and their zip holds the whole directory), none in index.js, which every cold start parses.
 * auto-tag and finding-alert reach EC2 only for EC2 resources (sources/tagging); finding-alert
 * reads SSM only for a policy or Slack parameter and publishes to SNS after its claim; the fixer
 * calls IAM, SSM and SNS after describing the instance.
 */
const LAMBDA_LAZY_CLIENTS: Record<string, (keyof typeof CLIENT_MARKERS)[]> = {
  'lambda/auto-tag': ['ec2'],
  'lambda/finding-alert': ['ec2', 'ssm', 'sns'],
  'lambda/ssm-role-fixer': ['iam', 'ssm', 'sns'],
};

describe.each(Object.entries(LAMBDA_LAZY_CLIENTS))('actions/dist/%s', (bundle, clients) => {
  const entry = read(bundle, 'index.js');

  it.each(clients)(
    'loads @aws-sdk/client-%s from a chunk, only on a run that calls it',
    (client) => {
      const marker = CLIENT_MARKERS[client];
      expect(count(entry, marker)).toBe(0);
      expect(chunksOf(bundle).some((file) => read(bundle, file).includes(marker))).toBe(true);
    },
  );
});

describe('actions/dist/cli entry', () => {
  it('holds no yaml, ajv or undici: the commands load them from their chunks', () => {
    const entry = read('cli', 'index.js');
    expect(count(entry, 'YAMLParseError')).toBe(0);
    expect(count(entry, AJV_COMPILER)).toBe(0);
    expect(count(entry, WASM)).toBe(0);
  });
});

describe.each([
  ...ACTIONS,
  'cli',
  'lambda/auto-tag',
  'lambda/finding-alert',
  'lambda/ssm-role-fixer',
])('actions/dist/%s without bowser', (bundle) => {
  it("carries no bowser (only the SDK's browser user-agent provider requires it)", () => {
    const all = [read(bundle, 'index.js'), ...chunksOf(bundle).map((file) => read(bundle, file))];
    expect(all.filter((text) => text.includes(BOWSER))).toEqual([]);
  });
});

describe('actions/dist/daily-report before its first request', () => {
  // The run as the runner starts it, against an endpoint on 127.0.0.1 that answers
  // GetCallerIdentity (the sts query protocol's XML) and fails every later call; a --require'd
  // hook writes, in order, each chunk file the bundle loads and the first TCP connect.
  it('sends sts:GetCallerIdentity before it loads the readers, which it loads while it waits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dist-lean-first-'));
    const events = join(dir, 'events');
    const hook = join(dir, 'hook.cjs');
    writeFileSync(
      hook,
      `const { appendFileSync } = require('node:fs');
const Module = require('node:module');
const net = require('node:net');
const note = (line) => appendFileSync(${JSON.stringify(events)}, line + '\\n');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (/^\\.\\/\\d+\\.index\\.js$/.test(request)) note('chunk ' + request.slice(2));
  return load.call(this, request, ...rest);
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  net.Socket.prototype.connect = connect;
  note('connect');
  return connect.apply(this, args);
};
`,
    );
    const bodies: string[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        bodies.push(body);
        if (body.includes('Action=GetCallerIdentity')) {
          response.writeHead(200, { 'content-type': 'text/xml' });
          response.end(
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
              '<Arn>arn:aws:iam::123456789012:user/lean</Arn><UserId>AIDALEAN</UserId><Account>123456789012</Account>' +
              '</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
          );
        } else {
          response.writeHead(500, { 'content-type': 'application/json' }).end('{}');
        }
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const result = await runAction(
        'daily-report',
        {},
        {
          NODE_OPTIONS: `--require ${hook}`,
          AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'lean',
          AWS_SECRET_ACCESS_KEY: 'lean',
          AWS_MAX_ATTEMPTS: '1',
        },
      );
      // Every later call fails: the run stops undecided, after its readers were loaded.
      expect(result.exitCode).toBe(2);
    } finally {
      await new Promise((done) => server.close(done));
    }
    expect(bodies[0]).toContain('Action=GetCallerIdentity');
    const lines = readFileSync(events, 'utf8').trim().split('\n');
    const first = lines.indexOf('connect');
    expect(first).toBeGreaterThan(-1);
    const chunks = (part: string[]): string[] =>
      part.filter((line) => line.startsWith('chunk ')).map((line) => line.slice('chunk '.length));
    const holding = (files: string[], client: keyof typeof CLIENT_MARKERS): string[] =>
      files.filter((file) => read('daily-report', file).includes(CLIENT_MARKERS[client]));
    const before = chunks(lines.slice(0, first));
    const after = chunks(lines.slice(first));
    for (const client of [
      'config-service',
      'securityhub',
      'inspector2',
      'ecr',
      'resource-groups-tagging-api',
    ] as const) {
      expect({ client, before: holding(before, client) }).toEqual({ client, before: [] });
    }
    // The default compliance source is Config: its readers, the inventory's and Inspector2's.
    for (const client of ['config-service', 'inspector2', 'resource-groups-tagging-api'] as const) {
      expect({ client, loaded: holding(after, client).length > 0 }).toEqual({
        client,
        loaded: true,
      });
    }
  });
});
