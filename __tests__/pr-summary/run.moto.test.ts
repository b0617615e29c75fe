import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import nock from 'nock';
import { githubClient } from '../../actions/src/sinks/github';
import { runAction, parseOutputFile, type RunnerResult } from '../support/runner';
import { shownText } from '../fixtures/markdown-shown';
import { startCoverageServer, type CoverageServer } from '../fixtures/inspector-coverage';
import {
  ESTATE_CONTROLS,
  motoEndpoint,
  motoEnv,
  seedEstate,
  seedSecurityHub,
  VULNERABLE,
} from '../fixtures/moto-estate';
import {
  BOT,
  comment,
  OWNER,
  PERSON,
  PR_NUMBER,
  pullRequestEvent,
  REPO,
  startGitHub,
  type FakeGitHub,
} from './github-api';

// The pull-request summary as it runs in pr-checks.yml: the gates' report directories come from
// actually running the bundled scan-gate and compliance-gate against moto (with the pull
// request's policy, which adds MEDIUM to both fail-on lists); the summary is the bundled dist,
// run as the runner runs it, commenting through a GitHub API on 127.0.0.1. The in-process run
// of the action at the end reaches api.github.com through nock.
const REGION = 'eu-south-1';
const ROOT = resolve(__dirname, '../..');
const TOKEN = 'ghs_PrSumm4ryT0k3nNeverInTheLog000000000';
const HOSTILE_TITLE = '::warning::pwned <script>alert(1)</script> [x](javascript:alert(1))';
const BASE_POLICY =
  'version: 1\nimage: { fail-on: [CRITICAL, HIGH] }\ncompliance: { fail-on: [CRITICAL, HIGH] }\n';
const PR_POLICY =
  'version: 1\nimage: { fail-on: [CRITICAL, HIGH, MEDIUM] }\ncompliance: { fail-on: [CRITICAL, HIGH, MEDIUM] }\n';

let coverage: CoverageServer;
let work: string;
let policies: { base: string; pr: string };
let gates: { scan: RunnerResult; compliance: RunnerResult };
let reports: { scan: string; compliance: string };

beforeAll(async () => {
  coverage = await startCoverageServer(motoEndpoint());
  await seedEstate(REGION, [{ repository: 'shop/web', tag: 'v1', findings: VULNERABLE }]);
  await seedSecurityHub(REGION, [
    ...ESTATE_CONTROLS,
    // Finding text is untrusted: it reaches the comment through the gate's verdict.json.
    {
      controlId: 'EC2.91',
      severity: 'HIGH',
      resourceType: 'AwsEc2Instance',
      resourceId: `arn:aws:ec2:${REGION}:123456789012:instance/i-0hostile`,
      tags: { Environment: 'prod', Service: 'web' },
      title: HOSTILE_TITLE,
    },
  ]);
  work = mkdtempSync(join(tmpdir(), 'ag-pr-summary-'));
  policies = { base: join(work, 'base-assetguard.yml'), pr: join(work, 'assetguard.yml') };
  writeFileSync(policies.base, BASE_POLICY);
  writeFileSync(policies.pr, PR_POLICY);
  reports = {
    scan: join(work, 'reports/scan-gate'),
    compliance: join(work, 'reports/compliance-gate'),
  };
  const [scan, compliance] = await Promise.all([
    runAction(
      'scan-gate',
      { image: 'shop/web:v1', policy: policies.pr, 'output-dir': reports.scan },
      { ...motoEnv(REGION), AWS_ENDPOINT_URL_INSPECTOR2: coverage.endpoint },
    ),
    runAction(
      'compliance-gate',
      {
        source: 'securityhub',
        scope: 'Environment=prod\nService=web',
        policy: policies.pr,
        'output-dir': reports.compliance,
      },
      motoEnv(REGION),
    ),
  ]);
  gates = { scan, compliance };
}, 120_000);

afterAll(async () => {
  await coverage.close();
});

/** The environment of a pull_request run of the workflow, with the API at `apiUrl`. */
function pullRequestEnv(apiUrl: string): Record<string, string> {
  const event = join(work, 'event.json');
  writeFileSync(event, JSON.stringify(pullRequestEvent()));
  return {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_API_URL: apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
  };
}

function summaryInputs(dirs: string[], outputDir: string): Record<string, string> {
  return {
    'report-dirs': dirs.join('\n'),
    policy: policies.pr,
    'base-policy': policies.base,
    'github-token': TOKEN,
    'output-dir': outputDir,
  };
}

describe('the gates ran for real', () => {
  it('both blocked under the pull request policy and wrote their bundles', () => {
    expect(gates.scan.exitCode).toBe(1);
    expect(gates.compliance.exitCode).toBe(1);
    expect(gates.scan.outputs.medium).toBe('1');
  });
});

describe('actions/dist/pr-summary run as the runner runs it', () => {
  let github: FakeGitHub;
  beforeAll(async () => {
    github = await startGitHub();
  });
  afterAll(async () => {
    await github.close();
  });

  it('comments on the pull request, then updates the same comment on the next run', async () => {
    const out = join(work, 'summary-1');
    const first = await runAction(
      'pr-summary',
      summaryInputs([reports.scan, reports.compliance], out),
      pullRequestEnv(github.url),
    );
    expect(first.exitCode).toBe(1);
    const url = `https://github.com/${OWNER}/${REPO}/pull/${PR_NUMBER}#issuecomment-1001`;
    expect(first.outputs).toEqual({ verdict: 'block', 'comment-url': url });
    expect(first.stdout).toContain(`commented on pull request #${PR_NUMBER}: ${url}`);
    expect(first.stdout).toContain('::error::pr-summary: blocked: 2 of 2 gate(s) blocked');
    // The token is masked first thing (the runner hides it from then on), and printed nowhere else.
    expect(first.stdout.split('\n').filter((line) => line.includes(TOKEN))).toEqual([
      `::add-mask::${TOKEN}`,
    ]);

    const posted = github.requests.filter((request) => request.method === 'POST');
    expect(posted).toHaveLength(1);
    expect(posted[0]?.authorization).toBe(`token ${TOKEN}`);
    const body = posted[0]?.body?.body ?? '';
    expect(
      body.startsWith('<!-- assetguard:pr-summary -->\n## assetguard pr-summary: ❌ BLOCKED'),
    ).toBe(true);
    // The comment is summary.md and the job summary, behind its marker.
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(body).toBe(`<!-- assetguard:pr-summary -->\n${summary}`);
    expect(first.summary.trimEnd()).toBe(summary.trimEnd());

    const shown = shownText(body);
    expect(shown).toContain('[run](https://github.com/acme/platform/actions/runs/4242)');
    expect(shown).toMatch(
      /\| scan-gate \(.*reports\/scan-gate\) \| shop\/web@sha256:[0-9a-f]{12}… \(v1\) \| ❌ block \| 4 \| 1 CRITICAL · 2 HIGH · 1 MEDIUM · 1 LOW \|/,
    );
    expect(shown).toMatch(
      /\| compliance-gate \(.*reports\/compliance-gate\) \| securityhub: Environment=prod, Service=web \| ❌ block \|/,
    );
    // The preview: MEDIUM is what the pull request's policy newly blocks, in each gate.
    expect(shown).toContain('### Policy preview');
    expect(shown).toMatch(
      /#### scan-gate \(.*\): newly blocks \(1\)\n\n.*\n.*\n\| MEDIUM \| \[CVE-2023-44487\]\(/,
    );
    expect(shown).toMatch(
      /#### compliance-gate \(.*\): newly blocks \(1\)\n\n.*\n.*\n\| MEDIUM \| \[IAM\.7\]\(/,
    );
    // The hostile control title stays text.
    for (const line of body.split('\n')) expect(line).not.toMatch(/^\s*::/);
    expect(body).not.toContain('<script>');
    expect(shown).toContain(HOSTILE_TITLE);

    const second = await runAction(
      'pr-summary',
      summaryInputs([reports.scan, reports.compliance], join(work, 'summary-2')),
      pullRequestEnv(github.url),
    );
    expect(second.exitCode).toBe(1);
    expect(second.outputs['comment-url']).toBe(url);
    expect(second.stdout).toContain(`updated the comment on pull request #${PR_NUMBER}: ${url}`);
    expect(github.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
    expect(
      github.requests.filter((request) => request.method === 'PATCH').map((r) => r.path),
    ).toEqual([`/repos/${OWNER}/${REPO}/issues/comments/1001`]);
    // One comment of ours, and the person's untouched.
    expect(github.comments.map((entry) => entry.id)).toEqual([900, 1001]);
    expect(github.comments[0]?.body).toBe('Looks good to me');
  }, 60_000);

  it.each([
    [
      'GITHUB_REPOSITORY is not owner/repo',
      { GITHUB_REPOSITORY: 'acme' },
      'GITHUB_REPOSITORY "acme" is not owner/repo',
    ],
    [
      'the event payload is not JSON',
      { GITHUB_EVENT_PATH: 'bad-event.json' },
      'the event payload is not JSON',
    ],
  ])(
    'when %s: a warning, no comment, and the verdict, outputs and summary as without it',
    async (_, override: Record<string, string>, said) => {
      const env = { ...pullRequestEnv(github.url), ...override };
      if (override.GITHUB_EVENT_PATH) {
        env.GITHUB_EVENT_PATH = join(work, override.GITHUB_EVENT_PATH);
        writeFileSync(env.GITHUB_EVENT_PATH, '{"pull_request": {');
      }
      const before = github.requests.length;
      const out = join(work, `summary-context-${before}`);
      const result = await runAction('pr-summary', summaryInputs([reports.scan], out), env);
      expect(result.exitCode).toBe(1);
      expect(result.outputs).toEqual({ verdict: 'block', 'comment-url': '' });
      expect(result.stdout).toMatch(
        new RegExp(
          `::warning::no PR comment is posted: .*${said.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
        ),
      );
      expect(result.stdout).not.toContain('::error::pr-summary: GITHUB');
      expect(result.summary).toContain('## assetguard pr-summary: ❌ BLOCKED');
      expect(github.requests.length).toBe(before);
    },
    60_000,
  );

  it('shows a report directory without verdict.json as "no verdict" and exits 2, never a pass', async () => {
    const errored = join(work, 'reports/errored-gate');
    rmSync(errored, { recursive: true, force: true });
    const result = await runAction(
      'pr-summary',
      {
        ...summaryInputs([reports.compliance, errored], join(work, 'summary-3')),
        'github-token': '',
      },
      {},
    );
    expect(result.exitCode).toBe(2);
    expect(result.outputs).toEqual({ verdict: 'error', 'comment-url': '' });
    const shown = shownText(result.summary);
    expect(shown).toMatch(/^## assetguard pr-summary: ⚠️ COULD NOT DECIDE/);
    expect(shown).toMatch(/\| .*reports\/errored-gate \| – \| ⚠️ no verdict \|/);
    expect(shown).toContain(
      'verdict.json does not exist: the gate step failed before writing its reports',
    );
    expect(result.stdout).toContain('::error::pr-summary: could not decide:');
  });

  it('says so and exits 2 when a bundle was altered (its policy no longer matches its sha256)', async () => {
    const altered = join(work, 'reports/altered-scan-gate');
    cpSync(reports.scan, altered, { recursive: true });
    const file = join(altered, 'evidence.json');
    const evidence = JSON.parse(readFileSync(file, 'utf8')) as { policy: { text: string } };
    evidence.policy.text = evidence.policy.text.replace('MEDIUM', 'LOW');
    writeFileSync(file, JSON.stringify(evidence));
    const result = await runAction(
      'pr-summary',
      { ...summaryInputs([altered], join(work, 'summary-4')), 'github-token': '' },
      {},
    );
    expect(result.exitCode).toBe(2);
    expect(result.outputs.verdict).toBe('error');
    expect(shownText(result.summary)).toContain(
      'altered-scan-gate: its reports fail their check, so its verdict is not taken: bundle: the policy text does not match its recorded sha256; the bundle was altered',
    );
  });

  /** A copy of a gate's report directory with its verdict.json changed by `edit`. */
  function editedCopy(
    from: string,
    name: string,
    edit: (verdict: Record<string, unknown>) => void,
  ) {
    const dir = join(work, 'reports', name);
    rmSync(dir, { recursive: true, force: true });
    cpSync(from, dir, { recursive: true });
    const file = join(dir, 'verdict.json');
    const verdict = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    edit(verdict);
    writeFileSync(file, JSON.stringify(verdict));
    return dir;
  }

  it.each([
    ['no base-policy', undefined],
    ['a base-policy with the same text', 'pr'],
  ] as const)(
    'with %s, a blocked gate whose verdict.json was set to pass exits 2 naming it, never 0',
    async (_, basePolicy) => {
      const forged = editedCopy(reports.scan, 'forged-scan-gate', (verdict) => {
        verdict.verdict = 'pass';
        verdict.blocking = [];
      });
      const result = await runAction(
        'pr-summary',
        {
          ...summaryInputs([forged, reports.compliance], join(work, 'summary-forged')),
          'base-policy': basePolicy === 'pr' ? policies.pr : '',
          'github-token': '',
        },
        {},
      );
      expect(result.exitCode).toBe(2);
      expect(result.outputs.verdict).toBe('error');
      const shown = shownText(result.summary);
      expect(shown).toMatch(/\| scan-gate \(.*forged-scan-gate\) \| .* \| ⚠️ refused \|/);
      expect(shown).toContain(`${forged}: its reports fail their check`);
      // The comment cuts long problem lines; the summary's verdict.json has them whole.
      const written = JSON.parse(
        readFileSync(join(work, 'summary-forged/verdict.json'), 'utf8'),
      ) as { error: string };
      expect(written.error).toContain(
        `${forged}: its reports fail their check, so its verdict is not taken: verdict.json is not the verdict ${forged}/evidence.json records (verdict.json: pass with 0 blocking; evidence.json: block with`,
      );
      expect(result.stdout).not.toMatch(/passed/);
    },
  );

  it('refuses a report directory written by a command that is not a gate, naming it and its command', async () => {
    const report = editedCopy(reports.compliance, 'daily-report', (verdict) => {
      verdict.command = 'report';
    });
    const result = await runAction(
      'pr-summary',
      {
        ...summaryInputs([report, reports.scan], join(work, 'summary-not-gate')),
        'base-policy': '',
        'github-token': '',
      },
      {},
    );
    expect(result.exitCode).toBe(2);
    expect(shownText(result.summary)).toContain(
      `${report}: written by "report", which is not a gate: pr-summary takes the report directories of scan-gate, compliance-gate, tags audit only`,
    );
  });

  it('says a report "directory" that is a file is not a directory', async () => {
    const file = join(work, 'reports/not-a-dir');
    writeFileSync(file, '{}');
    const result = await runAction(
      'pr-summary',
      { ...summaryInputs([file], join(work, 'summary-file')), 'github-token': '' },
      {},
    );
    expect(result.exitCode).toBe(2);
    const shown = shownText(result.summary);
    expect(shown).toContain(
      `${file} is not a directory: report-dirs takes the gates' report directories`,
    );
    expect(shown).not.toContain('does not exist');
  });

  it('as the CLI: the same summary on stdout, no comment, the same exit code', () => {
    const out = join(work, 'summary-cli');
    const cli = spawnSync(
      process.execPath,
      [
        join(ROOT, 'actions/dist/cli/index.js'),
        'pr-summary',
        '--report-dirs',
        reports.scan,
        '--report-dirs',
        reports.compliance,
        '--policy',
        policies.pr,
        '--base-policy',
        policies.base,
        '--output-dir',
        out,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } },
    );
    expect(cli.status).toBe(1);
    expect(cli.stdout.trimEnd()).toBe(readFileSync(join(out, 'summary.md'), 'utf8').trimEnd());
    expect(cli.stdout).toContain('### Policy preview');
    expect(cli.stderr).toContain(
      'pr-summary: blocked: 2 of 2 gate(s) blocked; the policy change newly blocks 2',
    );
  });
});

describe('the action in-process, GitHub at the HTTP layer through nock', () => {
  const API = 'https://api.github.com';
  const COMMENTS = `/repos/${OWNER}/${REPO}/issues/${PR_NUMBER}/comments`;
  const saved = { ...process.env };
  let files: { output: string; summary: string };
  let printed: string[];

  beforeEach(() => {
    const dir = mkdtempSync(join(tmpdir(), 'ag-pr-summary-action-'));
    files = { output: join(dir, 'github_output'), summary: join(dir, 'step_summary') };
    writeFileSync(files.output, '');
    writeFileSync(files.summary, '');
    const inputs = summaryInputs([reports.scan, reports.compliance], join(dir, 'out'));
    Object.assign(process.env, pullRequestEnv(API), {
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      ...Object.fromEntries(
        Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
      ),
    });
    printed = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
  });

  afterEach(() => {
    jest.restoreAllMocks();
    for (const name of Object.keys(process.env)) {
      if (!(name in saved)) Reflect.deleteProperty(process.env, name);
    }
    Object.assign(process.env, saved);
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });

  /**
   * The action as a fresh module, as it is loaded once per step on a runner; it reads the event
   * (GITHUB_EVENT_NAME, the payload) from this test's environment.
   */
  function runPrSummaryAction(
    options: Parameters<typeof import('../../actions/src/pr-summary/main').run>[0],
  ) {
    // A fresh registry: the action and its lazily loaded octokit (sinks/github) start anew.
    jest.resetModules();
    const main = jest.requireActual<typeof import('../../actions/src/pr-summary/main')>(
      '../../actions/src/pr-summary/main',
    );
    return main.run(options);
  }

  // Node's global fetch, given explicitly (the client's default is the same fetch; nock intercepts it).
  const octokit = (token: string, apiUrl: string) =>
    githubClient(token, apiUrl, { fetch: globalThis.fetch });

  it('creates the comment when there is none of ours, then updates that one', async () => {
    const bodies: string[] = [];
    nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
      .get(COMMENTS)
      .query({ per_page: '100' })
      .reply(200, [comment(31, 'Please also check staging', PERSON)])
      .post(COMMENTS, (body: { body: string }) => {
        bodies.push(body.body);
        return true;
      })
      .reply(201, (_uri, body) => comment(4242001, (body as { body: string }).body));
    const created = await runPrSummaryAction({ octokit });
    expect(created.exitCode).toBe(1);
    const url = `https://github.com/${OWNER}/${REPO}/pull/${PR_NUMBER}#issuecomment-4242001`;
    expect(parseOutputFile(readFileSync(files.output, 'utf8'))).toEqual({
      verdict: 'block',
      'comment-url': url,
    });
    expect(bodies[0]).toMatch(/^<!-- assetguard:pr-summary -->\n## assetguard pr-summary/);

    nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
      .get(COMMENTS)
      .query({ per_page: '100' })
      .reply(200, [
        comment(31, 'Please also check staging', PERSON),
        comment(4242001, bodies[0] ?? '', BOT),
      ])
      .patch(`/repos/${OWNER}/${REPO}/issues/comments/4242001`, (body: { body: string }) => {
        bodies.push(body.body);
        return true;
      })
      .reply(200, (_uri, body) => comment(4242001, (body as { body: string }).body));
    writeFileSync(files.output, '');
    const updated = await runPrSummaryAction({ octokit });
    expect(updated.exitCode).toBe(1);
    expect(parseOutputFile(readFileSync(files.output, 'utf8'))['comment-url']).toBe(url);
    expect(bodies).toHaveLength(2);
    expect(
      printed
        .join('')
        .split('\n')
        .filter((line) => line.includes(TOKEN) && !line.startsWith('::add-mask::')),
    ).toEqual([]);
  });

  it('does not comment on a push event, and a refused comment is a warning: the verdict stands', async () => {
    process.env.GITHUB_EVENT_NAME = 'push';
    const pushed = await runPrSummaryAction({ octokit });
    expect(pushed.exitCode).toBe(1);
    expect(parseOutputFile(readFileSync(files.output, 'utf8'))['comment-url']).toBe('');
    expect(printed.join('')).toContain('this push event is not a pull request');

    process.env.GITHUB_EVENT_NAME = 'pull_request';
    writeFileSync(files.output, '');
    nock(API).get(COMMENTS).query({ per_page: '100' }).reply(403, {
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/issues/comments#list-issue-comments',
      status: '403',
    });
    const refused = await runPrSummaryAction({ octokit });
    expect(refused.exitCode).toBe(1);
    expect(parseOutputFile(readFileSync(files.output, 'utf8'))).toEqual({
      verdict: 'block',
      'comment-url': '',
    });
    expect(printed.join('')).toContain('::warning::pr-summary: the summary was not posted');
    expect(printed.join('')).toContain('pull-requests: write');
  });
});
