import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import { chunksOf, reachableFiles, startupFiles, textOf } from './support/bundle';
import { loadedFiles, moduleLog } from './support/module-log';
import { runAction } from './support/runner';

// What the committed bundles (actions/dist, ES modules built by scripts/build.mjs) carry, and
// where: what a runner parses before the first AWS request is index.js and the chunks it imports
// statically ("start"); every other chunk file loads only on the path that needs it (issue 12).
// Markers are strings each package holds in its minified code.
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
const LAMBDAS = ['lambda/auto-tag', 'lambda/finding-alert', 'lambda/ssm-role-fixer'];
/** undici's llhttp WebAssembly builds, base64 ("\0asm"). */
const WASM = 'AGFzbQ';
/** ajv's schema compiler (an option only it reads); the precompiled validators lack it. */
const AJV_COMPILER = 'strictSchema';
/** @octokit/core's user agent. */
const OCTOKIT = 'octokit-core.js/';
/** What the stub in place of @actions/core's OIDC client (scripts/lib/oidc-unavailable.cjs) says. */
const OIDC_STUB_MESSAGE = 'core.getIDToken is not available in assetguard bundles';
/** The variable @actions/core's real OIDC client reads: a bundle holding it carries the client. */
const OIDC_CLIENT = 'ACTIONS_ID_TOKEN_REQUEST_URL';
/** bowser's user-agent table: the bundles leave it out (scripts/build.mjs `leftOut`). */
const BOWSER = 'Windows Phone';
/** What @actions/http-client holds (its token handler). */
const HTTP_CLIENT = 'BearerCredentialHandler';
/** Each SDK client package's client name, which its commands' code holds as a string. */
const CLIENT_MARKERS = {
  ec2: '"EC2Client"',
  s3: '"S3Client"',
  ssm: '"SSMClient"',
  securityhub: '"SecurityHubClient"',
  'resource-groups': '"ResourceGroupsClient"',
  'resource-groups-tagging-api': '"ResourceGroupsTaggingAPIClient"',
  'config-service': '"ConfigServiceClient"',
  sesv2: '"SESv2Client"',
  sns: '"SNSClient"',
  iam: '"IAMClient"',
  inspector2: '"Inspector2Client"',
  ecr: '"ECRClient"',
};
/**
 * Per SDK client package, an operation no assetguard code calls (the first of its model): its
 * shapes are in the package's one schemas module, and a bundle that holds it kept every shape
 * (scripts/build.mjs `schemaKeys` lets tree shaking drop the unused ones).
 */
const UNUSED_OPERATIONS = {
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
/** What `node` parses before the bundle runs, and every file of it, as text. */
const partsOf = (bundle: string): { start: string; chunks: string[]; all: string } => {
  const dir = join(dist, bundle);
  const start = startupFiles(dir);
  return {
    start: textOf(dir, start),
    chunks: chunksOf(dir).filter((file) => !start.includes(file)),
    all: textOf(dir, ['index.js', ...chunksOf(dir)]),
  };
};
const holds = (bundle: string, files: string[], marker: string): boolean =>
  textOf(join(dist, bundle), files).includes(marker);

describe.each(ACTIONS)('actions/dist/%s', (bundle) => {
  const { start, chunks, all } = partsOf(bundle);

  it('is read by node as ES modules (package.json beside index.js)', () => {
    expect(textOf(join(dist, bundle), ['package.json'])).toBe('{ "type": "module" }\n');
  });

  it('loads octokit from a chunk, only on a run that talks to GitHub', () => {
    expect(count(start, OCTOKIT)).toBe(0);
    expect(holds(bundle, chunks, OCTOKIT)).toBe(true);
  });

  it("carries the stub in place of @actions/core's OIDC client, not the client", () => {
    expect(count(start, OIDC_STUB_MESSAGE)).toBe(1);
    expect(count(all, OIDC_CLIENT)).toBe(0);
  });

  it('keeps of each SDK client only the operations it calls', () => {
    const kept = Object.entries(UNUSED_OPERATIONS).filter(([, name]) => all.includes(name));
    expect(kept).toEqual([]);
  });

  for (const { name, marker } of LATE_PACKAGES[bundle] ?? []) {
    it(`loads ${name} from a chunk, after the first request`, () => {
      expect(count(start, marker)).toBe(0);
      expect(holds(bundle, chunks, marker)).toBe(true);
    });
  }

  for (const client of LAZY_CLIENTS[bundle] ?? []) {
    it(`loads @aws-sdk/client-${client} from a chunk, only on a run that calls it`, () => {
      const marker = CLIENT_MARKERS[client];
      expect(count(start, marker)).toBe(0);
      expect(holds(bundle, chunks, marker)).toBe(true);
    });
  }

  if (bundle !== 'pr-summary') {
    it('compiles no JSON Schema at run time (its validators are precompiled)', () => {
      expect(count(all, AJV_COMPILER)).toBe(0);
    });
  }
});

it("the OIDC stub's getIDToken fails naming the build", () => {
  const said = execFileSync(process.execPath, [
    '-e',
    `require(${JSON.stringify(join(__dirname, '../scripts/lib/oidc-unavailable.cjs'))}).OidcClient.getIDToken('sts.amazonaws.com').catch((error) => console.log(error.message))`,
  ]).toString();
  expect(said.trim()).toBe(
    'core.getIDToken is not available in assetguard bundles: scripts/build.mjs leaves out @actions/core’s OIDC client',
  );
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
  const { start, chunks } = partsOf(bundle);

  it.each(clients)(
    'loads @aws-sdk/client-%s from a chunk, only on a run that calls it',
    (client) => {
      const marker = CLIENT_MARKERS[client];
      expect(count(start, marker)).toBe(0);
      expect(holds(bundle, chunks, marker)).toBe(true);
    },
  );

  it('is read by node as ES modules (package.json beside index.js, which the zip holds)', () => {
    expect(textOf(join(dist, bundle), ['package.json'])).toBe('{ "type": "module" }\n');
  });
});

describe('actions/dist/cli', () => {
  it('parses no yaml or ajv at start: the commands load them from their chunks', () => {
    const { start } = partsOf('cli');
    expect(count(start, 'YAMLParseError')).toBe(0);
    expect(count(start, AJV_COMPILER)).toBe(0);
  });
});

/** Issue 12's ceiling for each action and Lambda bundle: index.js and every chunk, in bytes. */
const MAX_BUNDLE_BYTES = 1_500_000;

describe.each([...ACTIONS, ...LAMBDAS])('actions/dist/%s', (bundle) => {
  it(`is at most ${MAX_BUNDLE_BYTES.toLocaleString('en-US')} bytes, index.js and every chunk`, () => {
    const dir = join(dist, bundle);
    const bytes = ['index.js', ...chunksOf(dir)].reduce(
      (sum, file) => sum + statSync(join(dir, file)).size,
      0,
    );
    expect(bytes).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
  });
});

describe.each([...ACTIONS, 'cli', ...LAMBDAS])('actions/dist/%s', (bundle) => {
  it('holds no chunk that index.js cannot reach (scripts/build.mjs `reachable`)', () => {
    const dir = join(dist, bundle);
    expect(chunksOf(dir).filter((file) => !reachableFiles(dir).includes(file))).toEqual([]);
  });

  it('carries no undici nor @actions/http-client in any file (octokit sends with fetch)', () => {
    const { all } = partsOf(bundle);
    expect(count(all, WASM)).toBe(0);
    expect(count(all, HTTP_CLIENT)).toBe(0);
  });

  it("carries no bowser (only the SDK's browser user-agent provider imports it)", () => {
    expect(count(partsOf(bundle).all, BOWSER)).toBe(0);
  });

  it('keeps of each SDK client only the operations it calls', () => {
    const { all } = partsOf(bundle);
    const kept = Object.entries(UNUSED_OPERATIONS).filter(([, name]) => all.includes(name));
    expect(kept).toEqual([]);
  });
});

describe('actions/dist/daily-report before its first request', () => {
  // The run as the runner starts it, against an endpoint on 127.0.0.1 that answers
  // GetCallerIdentity (the sts query protocol's XML) and fails every later call; a resolve hook
  // (support/module-log) writes, in order, each file of the bundle node loads and the first
  // TCP connect.
  it('sends sts:GetCallerIdentity before it loads the readers, which it loads while it waits', async () => {
    const dir = join(dist, 'daily-report');
    const recorder = moduleLog(dir);
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
          NODE_OPTIONS: recorder.nodeOptions,
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
    const lines = recorder.read();
    const first = lines.indexOf('connect');
    expect(first).toBeGreaterThan(-1);
    const holding = (files: string[], client: keyof typeof CLIENT_MARKERS): string[] =>
      files.filter((file) => textOf(dir, [file]).includes(CLIENT_MARKERS[client]));
    const before = loadedFiles(lines.slice(0, first));
    const after = loadedFiles(lines.slice(first));
    expect(before).toContain('index.js');
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
