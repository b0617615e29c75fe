// Start-up cost of each bundle in actions/dist, measured on whole `node` processes:
//   - bytes: the bundle's index.js plus every chunk file beside it (what a runner loads from disk);
//     entry bytes: index.js and the chunks it imports statically, transitively (what `node`
//     parses before the bundle runs; every other chunk loads on its `import()`);
//   - load ms: wall time of `node <bundle>` (or `node -e 'import(bundle)'` for a Lambda, as Lambda loads an ES module handler) doing
//     nothing that needs AWS: an action with no inputs fails on its first required input, the CLI
//     prints `--help` (`cli <command>` rows: that command's `--help`), a Lambda module is only
//     required;
//   - first request ms: from spawning `node` to the arrival of its first HTTP request at a local
//     127.0.0.1 server given as AWS_ENDPOINT_URL (the server then kills the process: what comes
//     after the first request is the bench's business, not start-up's);
//   - first request CPU ms: the process's own CPU time (user + system) when it opens its first
//     TCP connection (a `--require`d hook on net.Socket#connect records process.cpuUsage()):
//     the work before the first request, which a loaded machine does not inflate as it does wall time.
// Each figure is the median of --runs runs (default 7), min–max beside it. The floor row is a bare
// `node -e` that sends one HTTP request: nothing can start faster on this machine. With
// --baseline DIR (another actions/dist, e.g. a copy of the previous commit's), every figure is
// measured on both, alternating baseline and current run by run, so both see the same load.
// Every bundle that calls AWS has a first-request figure: each action on its action.yml defaults,
// the CLI for each command that calls AWS (`cli` is scan-gate), each Lambda on a fixture event.
// pr-summary reads files only (no AWS request). --only NAME,… measures those rows only.
//
// Usage: node scripts/bench-startup.mjs [--dist actions/dist] [--baseline DIR] [--runs 7] [--json]
//          [--only scan-gate,cli,…]
//        node scripts/bench-startup.mjs --logger [--pages 200]   (the SDK logger middleware's cost)
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
};
const dist = resolve(option('dist', join(root, 'actions/dist')));
const baselineDir = option('baseline', undefined);
const baseline = baselineDir === undefined ? undefined : resolve(baselineDir);
const runs = Number(option('runs', '7'));
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs: "${option('runs', '')}" is not a whole number ≥ 1`);
  process.exit(2);
}

/**
 * Bytes of a bundle's index.js and of every chunk it imports statically (`import … from"./x.js"`,
 * `import"./x.js"`; an `import("./x.js")` is left: it loads later), transitively.
 */
function entryBytes(dir) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(dir, file), 'utf8');
    for (const [, next] of text.matchAll(/(?:\bfrom|\bimport)\s*"\.\/([\w.-]+\.js)"/g)) visit(next);
  };
  visit('index.js');
  return [...seen].reduce((total, file) => total + statSync(join(dir, file)).size, 0);
}

/** Bytes of every .js file in a bundle's directory (index.js and its chunks). */
function bundleBytes(dir) {
  let total = 0;
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.js')) total += statSync(join(dir, file)).size;
  }
  return total;
}

const workspace = mkdtempSync(join(tmpdir(), 'bench-startup-'));
writeFileSync(join(workspace, 'github_output'), '');
writeFileSync(join(workspace, 'step_summary'), '');
mkdirSync(join(workspace, '.github'));
writeFileSync(
  join(workspace, '.github/assetguard.yml'),
  'version: 1\ntags:\n  required:\n    Environment: {}\n',
);
// Preloaded into each first-request run: the CPU time used when the first TCP connection opens.
const cpuFile = join(workspace, 'cpu-at-first-connect');
const cpuHook = join(workspace, 'cpu-at-first-connect.cjs');
writeFileSync(
  cpuHook,
  `const net = require('node:net');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  net.Socket.prototype.connect = connect;
  const { user, system } = process.cpuUsage();
  require('node:fs').writeFileSync(${JSON.stringify(cpuFile)}, String((user + system) / 1000));
  return connect.apply(this, args);
};
`,
);
const fixture = (path) => readFileSync(join(root, '__tests__/fixtures', path), 'utf8');
const lambdaEvents = {
  'auto-tag': {
    event: fixture('cloudtrail/CreateBucket.json'),
    env: { ASSETGUARD_TAG_POLICY_PARAMETER: '/bench/policy' },
  },
  'finding-alert': {
    event: fixture('finding-events/inspector2-finding.json'),
    env: {
      ASSETGUARD_ALERT_TABLE: 'bench-alerts',
      ASSETGUARD_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench-alerts',
    },
  },
  'ssm-role-fixer': {
    event: fixture('ssm-role-fixer/state-change-running.json'),
    // A fixer needs a destination for its reports (lambda/destinations).
    env: { ASSETGUARD_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench-alerts' },
  },
};
const requireScript = (bundle, call) =>
  `import(${JSON.stringify(pathToFileURL(bundle).href)}).then((m) => {${call ? ` m.handler(JSON.parse(process.argv[1])).catch(() => {});` : ''}});`;

/** What to run per bundle: args for the load figure, and args + env for the first request (if any). */
function casesIn(dist) {
  const cases = [
    { name: 'scan-gate', inputs: { IMAGE: 'shop/web:v1' } },
    { name: 'compliance-gate', inputs: {} },
    { name: 'tag-policy', inputs: { COMMAND: 'audit' } },
    { name: 'daily-report', inputs: {} },
    {
      name: 'fleet-check',
      inputs: { TARGETS: 'Environment=prod', 'OUTPUT-BUCKET': 'bench-output' },
    },
    { name: 'remediate', inputs: { RULE: 'EC2.13', SCOPE: 'Environment=dev' } },
    { name: 'pr-summary', inputs: null },
  ].map(({ name, inputs }) => {
    const bundle = join(dist, name, 'index.js');
    // As the runner does: every input of action.yml, its default unless given.
    const metadata = parse(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8'));
    const env = {};
    for (const [input, spec] of Object.entries(metadata.inputs ?? {})) {
      env[`INPUT_${input.toUpperCase()}`] = spec.default ?? '';
    }
    Object.assign(
      env,
      Object.fromEntries(
        Object.entries(inputs ?? {}).map(([key, value]) => [`INPUT_${key}`, value]),
      ),
    );
    return {
      name,
      dir: join(dist, name),
      // No region: the action loads its modules, then stops on the configuration error (exit 2).
      load: { args: [bundle], env: { ...env, AWS_REGION: '' } },
      first: inputs === null ? null : { args: [bundle], env },
    };
  });
  // The CLI: `--help` (no command chunk) for the load figure; then each command that calls AWS,
  // as a row of its own (bytes: the entry plus every chunk, as for `cli`).
  const cli = join(dist, 'cli/index.js');
  cases.push({
    name: 'cli',
    dir: join(dist, 'cli'),
    load: { args: [cli, '--help'], env: {} },
    first: { args: [cli, 'scan-gate', '--image', 'shop/web:v1'], env: {} },
  });
  for (const command of [
    ['compliance-gate'],
    ['tags', 'audit'],
    ['report', '--state', join(workspace, 'state.json')],
    ['fleet-check', '--targets', 'Environment=prod', '--output-bucket', 'bench-output'],
    ['remediate', '--rule', 'EC2.13', '--scope', 'Environment=dev'],
  ]) {
    cases.push({
      name: `cli ${command[0]}`,
      dir: join(dist, 'cli'),
      load: { args: [cli, command[0], '--help'], env: {} },
      first: { args: [cli, ...command], env: {} },
    });
  }
  for (const name of ['auto-tag', 'finding-alert', 'ssm-role-fixer']) {
    const bundle = join(dist, 'lambda', name, 'index.js');
    cases.push({
      name: `lambda/${name}`,
      dir: join(dist, 'lambda', name),
      load: { args: ['-e', requireScript(bundle, false)], env: {} },
      // Each on an event of its kind: auto-tag reads its tag policy from SSM before anything else,
      // finding-alert claims the finding in DynamoDB, ssm-role-fixer describes the instance.
      first: {
        args: ['-e', requireScript(bundle, true), lambdaEvents[name].event],
        env: lambdaEvents[name].env,
      },
    });
  }
  return cases;
}

const summary = (times) => {
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], max: times.at(-1) };
};

if (!argv.includes('--logger')) {
  let onRequest = () => {};
  const server = createServer((request, response) => {
    onRequest();
    request.resume();
    response.writeHead(500, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const endpoint = `http://127.0.0.1:${server.address().port}`;

  const baseEnv = {
    PATH: process.env.PATH,
    HOME: workspace,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: join(workspace, 'github_output'),
    GITHUB_STEP_SUMMARY: join(workspace, 'step_summary'),
    RUNNER_TEMP: workspace,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL: endpoint,
  };

  /**
   * One process: ms from spawn to exit, or (untilRequest) to its first request, with the CPU ms it
   * had used when it opened that request's connection; null if no request came.
   */
  function once({ args, env }, untilRequest) {
    return new Promise((done) => {
      rmSync(cpuFile, { force: true });
      const started = performance.now();
      const child = spawn(process.execPath, untilRequest ? ['--require', cpuHook, ...args] : args, {
        cwd: workspace,
        env: { ...baseEnv, ...env },
        stdio: 'ignore',
      });
      let result = null;
      if (untilRequest) {
        onRequest = () => {
          onRequest = () => {};
          result = performance.now() - started;
          child.kill('SIGKILL');
        };
      }
      child.on('exit', () => {
        onRequest = () => {};
        if (!untilRequest) done(performance.now() - started);
        else if (result === null) done(null);
        else done({ ms: result, cpu: Number(readFileSync(cpuFile, 'utf8')) });
      });
    });
  }

  /**
   * Runs the specs alternately (A B A B …), --runs times each; one summary per spec, null if no
   * request came. untilRequest: each summary has its CPU ms beside it, as `cpu`.
   */
  async function measure(specs, untilRequest) {
    const times = specs.map(() => []);
    const cpus = specs.map(() => []);
    for (let run = 0; run < runs; run += 1) {
      for (const [index, spec] of specs.entries()) {
        if (!spec || times[index] === null) continue;
        const outcome = await once(spec, untilRequest);
        if (outcome === null) times[index] = null;
        else if (!untilRequest) times[index].push(outcome);
        else {
          times[index].push(outcome.ms);
          cpus[index].push(outcome.cpu);
        }
      }
    }
    return specs.map((spec, index) =>
      spec && times[index]
        ? { ...summary(times[index]), ...(untilRequest && { cpu: summary(cpus[index]) }) }
        : null,
    );
  }

  const floorScript = `require('node:http').get(process.env.AWS_ENDPOINT_URL, () => {}).on('error', () => {})`;
  const [floorLoad] = await measure([{ args: ['-e', ''], env: {} }], false);
  const [floorFirst] = await measure([{ args: ['-e', floorScript], env: {} }], true);
  const rows = [
    { name: 'bare node (floor)', bytes: 0, entry: 0, load: floorLoad, first: floorFirst },
  ];
  const only = option('only', '')
    .split(',')
    .filter((name) => name !== '');
  const picked = (cases) =>
    only.length === 0
      ? cases
      : cases.filter((entry) =>
          only.some((name) => entry.name === name || entry.name.startsWith(`${name} `)),
        );
  const current = picked(casesIn(dist));
  const before = baseline === undefined ? undefined : picked(casesIn(baseline));
  for (const [index, entry] of current.entries()) {
    const old = before?.[index];
    const specs = (pick) => (old ? [pick(entry), pick(old)] : [pick(entry)]);
    const [load, loadBefore] = await measure(
      specs((item) => item.load),
      false,
    );
    const [first, firstBefore] = await measure(
      specs((item) => item.first),
      true,
    );
    rows.push({
      name: entry.name,
      bytes: bundleBytes(entry.dir),
      entry: entryBytes(entry.dir),
      load,
      first,
      ...(old && {
        before: {
          bytes: bundleBytes(old.dir),
          entry: entryBytes(old.dir),
          load: loadBefore,
          first: firstBefore,
        },
      }),
    });
  }
  server.close();
  rmSync(workspace, { recursive: true, force: true });

  if (argv.includes('--json')) {
    console.log(JSON.stringify(rows, null, 2));
  } else {
    const figure = (m) =>
      m === null ? '—' : `${m.median.toFixed(0)} (${m.min.toFixed(0)}–${m.max.toFixed(0)})`;
    const bytes = (n) => n.toLocaleString('en');
    if (baseline === undefined) {
      console.log(`bundles in ${dist}; median (min–max) of ${runs} runs, ms`);
      console.log(
        '| bundle | bytes | entry bytes | load ms | first AWS request ms | first request CPU ms |',
      );
      console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
      for (const row of rows) {
        console.log(
          `| ${row.name} | ${bytes(row.bytes)} | ${bytes(row.entry)} | ${figure(row.load)} | ${figure(row.first)} | ${figure(row.first?.cpu ?? null)} |`,
        );
      }
    } else {
      console.log(
        `before: ${baseline}; after: ${dist}; median (min–max) of ${runs} alternating runs each, ms`,
      );
      console.log(
        '| bundle | bytes before | bytes after | entry bytes before | entry bytes after | load ms before | load ms after | first AWS request ms before | first AWS request ms after | first request CPU ms before | first request CPU ms after |',
      );
      console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const row of rows) {
        const old = row.before ?? row;
        console.log(
          `| ${row.name} | ${bytes(old.bytes)} | ${bytes(row.bytes)} | ${bytes(old.entry)} | ${bytes(row.entry)} | ${figure(old.load)} | ${figure(row.load)} | ${figure(old.first)} | ${figure(row.first)} | ${figure(old.first?.cpu ?? null)} | ${figure(row.first?.cpu ?? null)} |`,
        );
      }
    }
  }
}

// --logger: what the SDK's logger middleware costs per Inspector2 ListFindings page, in one
// process: --pages pages of 100 findings from a local server, read with the client as
// createClient builds it (middleware removed) and with the SDK's default stack, alternating
// A B A B; client CPU (user + system) per page. See createClient in actions/src/core/aws.ts.
if (argv.includes('--logger')) {
  // The SDK's Node 20 notice would print into the table.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const require = createRequire(import.meta.url);
  const { Inspector2Client, ListFindingsCommand } = require('@aws-sdk/client-inspector2');
  const finding = (index) => ({
    awsAccountId: '123456789012',
    findingArn: `arn:aws:inspector2:us-east-1:123456789012:finding/${String(index).padStart(32, '0')}`,
    description: 'A flaw in the package allows a remote attacker to do something bad. '.repeat(3),
    firstObservedAt: 1700000000,
    lastObservedAt: 1700000000,
    updatedAt: 1700000000,
    severity: 'HIGH',
    status: 'ACTIVE',
    title: `CVE-2024-${index} - openssl`,
    type: 'PACKAGE_VULNERABILITY',
    inspectorScore: 7.5,
    fixAvailable: 'YES',
    exploitAvailable: 'NO',
    remediation: { recommendation: { text: 'Upgrade the package.' } },
    packageVulnerabilityDetails: {
      vulnerabilityId: `CVE-2024-${index}`,
      source: 'NVD',
      sourceUrl: `https://nvd.nist.gov/vuln/detail/CVE-2024-${index}`,
      vendorSeverity: 'HIGH',
      referenceUrls: ['https://example.com/a', 'https://example.com/b'],
      relatedVulnerabilities: [],
      cvss: [
        {
          baseScore: 7.5,
          scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
          source: 'NVD',
          version: '3.1',
        },
      ],
      vulnerablePackages: [
        {
          name: 'openssl',
          version: '3.0.1',
          release: '1',
          epoch: 0,
          arch: 'x86_64',
          packageManager: 'OS',
          fixedInVersion: '3.0.2',
          remediation: 'yum update openssl',
        },
      ],
    },
    resources: [
      {
        id: 'arn:aws:ecr:us-east-1:123456789012:repository/web/sha256:' + 'a'.repeat(64),
        type: 'AWS_ECR_CONTAINER_IMAGE',
        region: 'us-east-1',
        partition: 'aws',
        tags: {},
        details: {
          awsEcrContainerImage: {
            repositoryName: 'web',
            imageHash: 'sha256:' + 'a'.repeat(64),
            imageTags: ['1.4.2'],
            registry: '123456789012',
            platform: 'AMAZON_LINUX_2',
            pushedAt: 1700000000,
            architecture: 'amd64',
          },
        },
      },
    ],
  });
  const body = JSON.stringify({
    findings: Array.from({ length: 100 }, (_, index) => finding(index)),
    nextToken: 'next',
  });
  const pageServer = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise((done) => pageServer.listen(0, '127.0.0.1', done));
  const config = {
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${pageServer.address().port}`,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  };
  const without = new Inspector2Client(config);
  without.middlewareStack.remove('loggerMiddleware');
  const withLogger = new Inspector2Client(config);
  const pages = Number(option('pages', '200'));
  const cpu = { without: [], with: [] };
  const read = async (client) => {
    const start = process.cpuUsage();
    for (let page = 0; page < 20; page += 1) {
      await client.send(new ListFindingsCommand({ maxResults: 100, nextToken: 'next' }));
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / 20;
  };
  await read(without);
  await read(withLogger);
  for (let round = 0; round < pages / 20; round += 1) {
    cpu.without.push(await read(without));
    cpu.with.push(await read(withLogger));
  }
  pageServer.close();
  const a = summary(cpu.with);
  const b = summary(cpu.without);
  console.log(
    `\nInspector2 ListFindings, 100 findings a page, ${pages} pages each; client CPU ms per page, median (min–max) of ${cpu.with.length} rounds of 20 pages`,
  );
  console.log('| client | CPU ms per page |');
  console.log('| --- | ---: |');
  console.log(
    `| SDK default (logger middleware) | ${a.median.toFixed(2)} (${a.min.toFixed(2)}–${a.max.toFixed(2)}) |`,
  );
  console.log(
    `| createClient (middleware removed) | ${b.median.toFixed(2)} (${b.min.toFixed(2)}–${b.max.toFixed(2)}) |`,
  );
  console.log(`saved: ${(100 * (1 - b.median / a.median)).toFixed(1)}% of client CPU per page`);
}
