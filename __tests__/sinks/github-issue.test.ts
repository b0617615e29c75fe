import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import nock from 'nock';
import {
  commentMarker,
  commentOnPullRequest,
  GITHUB_BODY_LIMIT,
  githubClient,
  pullRequestCommentRequest,
  readGitHubContext,
  reportIssueMarker,
  secretParts,
  upsertIssue,
  upsertPullRequestComment,
  type GitHubContext,
} from '../../actions/src/sinks/github';
import { ConfigurationError } from '../../actions/src/core/errors';

// Response bodies follow the shapes GitHub's REST API returns (docs.github.com/rest/issues),
// trimmed to realistic records: the fields the sink reads plus the ones around them.
const API = 'https://api.github.com';
const OWNER = 'acme';
const REPO = 'platform';
const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
const TITLE = 'assetguard daily security report';

function user(login: string, type: 'Bot' | 'User', id: number): Record<string, unknown> {
  return {
    login,
    id,
    node_id: type === 'Bot' ? 'BOT_kgDOAAAAAQ' : 'MDQ6VXNlcjE=',
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: `${API}/users/${login}`,
    html_url: `https://github.com/${login}`,
    type,
    site_admin: false,
  };
}

const BOT = user('github-actions[bot]', 'Bot', 41898282);
const PERSON = user('octocat', 'User', 583231);

function issue(
  number: number,
  title: string,
  body: string | null,
  extra = {},
): Record<string, unknown> {
  return {
    url: `${API}/repos/${OWNER}/${REPO}/issues/${number}`,
    repository_url: `${API}/repos/${OWNER}/${REPO}`,
    labels_url: `${API}/repos/${OWNER}/${REPO}/issues/${number}/labels{/name}`,
    comments_url: `${API}/repos/${OWNER}/${REPO}/issues/${number}/comments`,
    events_url: `${API}/repos/${OWNER}/${REPO}/issues/${number}/events`,
    html_url: `https://github.com/${OWNER}/${REPO}/issues/${number}`,
    id: 2000000000 + number,
    node_id: `I_kwDOJx${number}`,
    number,
    title,
    user: BOT,
    labels: [
      {
        id: 6000001,
        node_id: 'LA_kwDOJx',
        url: `${API}/repos/${OWNER}/${REPO}/labels/assetguard-report`,
        name: 'assetguard-report',
        color: 'ededed',
        default: false,
        description: null,
      },
    ],
    state: 'open',
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: 3,
    created_at: '2026-02-01T06:02:11Z',
    updated_at: '2026-03-01T06:02:13Z',
    closed_at: null,
    author_association: 'NONE',
    active_lock_reason: null,
    body,
    reactions: { url: `${API}/repos/${OWNER}/${REPO}/issues/${number}/reactions`, total_count: 0 },
    timeline_url: `${API}/repos/${OWNER}/${REPO}/issues/${number}/timeline`,
    performed_via_github_app: null,
    state_reason: null,
    ...extra,
  };
}

function comment(
  id: number,
  issueNumber: number,
  body: string,
  author = BOT,
): Record<string, unknown> {
  return {
    url: `${API}/repos/${OWNER}/${REPO}/issues/comments/${id}`,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${issueNumber}#issuecomment-${id}`,
    issue_url: `${API}/repos/${OWNER}/${REPO}/issues/${issueNumber}`,
    id,
    node_id: `IC_kwDOJx${id}`,
    user: author,
    created_at: '2026-03-01T06:02:13Z',
    updated_at: '2026-03-01T06:02:13Z',
    author_association: author === BOT ? 'NONE' : 'MEMBER',
    body,
    reactions: {
      url: `${API}/repos/${OWNER}/${REPO}/issues/comments/${id}/reactions`,
      total_count: 0,
    },
    performed_via_github_app: null,
  };
}

function link(path: string, page: number, last: number): string {
  return [
    `<${API}${path}&page=${page + 1}>; rel="next"`,
    `<${API}${path}&page=${last}>; rel="last"`,
  ].join(', ');
}

const ISSUES_PATH = `/repos/${OWNER}/${REPO}/issues`;
const listQuery = { state: 'open', labels: 'assetguard-report', per_page: '100' };
const where = { owner: OWNER, repo: REPO };
// Node's global fetch, given explicitly (the client's default is the same fetch; nock intercepts it).
const octokit = () => githubClient(TOKEN, API, { fetch: globalThis.fetch });

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe('upsertIssue', () => {
  it('opens the issue, labelled and marked, when none exists', async () => {
    let created: { title: string; body: string; labels: string[] } | undefined;
    nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
      .get(ISSUES_PATH)
      .query(listQuery)
      .reply(200, [issue(3, 'Dependency Dashboard', 'renovate')])
      .post(ISSUES_PATH, (body: typeof created) => {
        created = body;
        return true;
      })
      .reply(201, () => issue(42, TITLE, created?.body ?? ''));
    const result = await upsertIssue(await octokit(), where, {
      title: TITLE,
      body: '## Today\n\n3 open',
      labels: ['security'],
      comment: 'delta',
    });
    expect(result).toEqual({
      number: 42,
      url: `https://github.com/${OWNER}/${REPO}/issues/42`,
      created: true,
    });
    expect(created?.title).toBe(TITLE);
    expect(created?.labels).toEqual(['assetguard-report', 'security']);
    expect(created?.body.startsWith(`${reportIssueMarker(TITLE)}\n## Today`)).toBe(true);
  });

  it('replaces the body of the marked issue and adds the day as a comment', async () => {
    const marker = reportIssueMarker(TITLE);
    const patched: string[] = [];
    const commented: string[] = [];
    nock(API)
      .get(ISSUES_PATH)
      .query(listQuery)
      .reply(200, [issue(7, TITLE, `${marker}\nyesterday's report`)])
      .patch(`${ISSUES_PATH}/7`, (body: { body: string }) => {
        patched.push(body.body);
        return true;
      })
      .reply(200, issue(7, TITLE, 'x'))
      .post(`${ISSUES_PATH}/7/comments`, (body: { body: string }) => {
        commented.push(body.body);
        return true;
      })
      .reply(201, comment(9001, 7, '2 new, 1 fixed'));
    const result = await upsertIssue(await octokit(), where, {
      title: TITLE,
      body: "today's report",
      comment: '2 new, 1 fixed',
    });
    expect(result).toEqual({
      number: 7,
      url: `https://github.com/${OWNER}/${REPO}/issues/7`,
      created: false,
    });
    expect(patched).toEqual([`${marker}\ntoday's report`]);
    expect(commented).toEqual(['2 new, 1 fixed']);
  });

  it('follows rel="next" to find the marked issue on page 2, skipping pull requests', async () => {
    const marker = reportIssueMarker(TITLE);
    const page1 = Array.from({ length: 100 }, (_, index) =>
      index === 0
        ? issue(500, TITLE, `${marker}\nbut a pull request`, {
            pull_request: { url: `${API}/repos/${OWNER}/${REPO}/pulls/500`, merged_at: null },
          })
        : issue(400 + index, `Other issue ${index}`, null),
    );
    const search = `${ISSUES_PATH}?state=open&labels=assetguard-report&per_page=100`;
    nock(API)
      .get(ISSUES_PATH)
      .query(listQuery)
      .reply(200, page1, { Link: link(search, 1, 3) })
      .get(ISSUES_PATH)
      .query({ ...listQuery, page: '2' })
      .reply(200, [issue(12, TITLE, `${marker}\nold`)], { Link: link(search, 2, 3) })
      .patch(`${ISSUES_PATH}/12`)
      .reply(200, issue(12, TITLE, 'new'));
    // No page 3 is read (found), and no issue is created: a pending or unexpected call fails.
    const result = await upsertIssue(await octokit(), where, { title: TITLE, body: 'new' });
    expect(result).toMatchObject({ number: 12, created: false });
  });

  it('never takes over a same-titled issue without the marker', async () => {
    nock(API)
      .get(ISSUES_PATH)
      .query(listQuery)
      .reply(200, [
        issue(5, TITLE, 'A person opened this by hand.'),
        issue(6, TITLE, null),
        issue(8, 'assetguard daily security report (staging)', reportIssueMarker(TITLE)),
      ])
      .post(ISSUES_PATH)
      .reply(201, issue(43, TITLE, 'x'));
    const result = await upsertIssue(await octokit(), where, { title: TITLE, body: 'x' });
    expect(result).toMatchObject({ number: 43, created: true });
  });

  it("never takes over a person's issue that copied the marker: opens the bot's own", async () => {
    const marker = reportIssueMarker(TITLE);
    nock(API)
      .get(ISSUES_PATH)
      .query(listQuery)
      .reply(200, [issue(9, TITLE, `${marker}\ncopied by hand`, { user: PERSON })])
      // A GITHUB_TOKEN may not read /user: nothing a person wrote can then be the token's.
      .get('/user')
      .reply(403, { message: 'Resource not accessible by integration', status: '403' })
      .post(ISSUES_PATH)
      .reply(201, issue(45, TITLE, 'x'));
    const result = await upsertIssue(await octokit(), where, { title: TITLE, body: 'x' });
    expect(result).toMatchObject({ number: 45, created: true });
  });

  it('cuts a body over 65,536 characters, with a note', async () => {
    let sent = '';
    nock(API)
      .get(ISSUES_PATH)
      .query(listQuery)
      .reply(200, [])
      .post(ISSUES_PATH, (body: { body: string }) => {
        sent = body.body;
        return true;
      })
      .reply(201, issue(44, TITLE, 'x'));
    await upsertIssue(await octokit(), where, { title: TITLE, body: '| row |\n'.repeat(20_000) });
    expect(sent.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(sent).toContain("Cut to GitHub's 65,536-character limit");
  });

  it('names the permission to grant on 403, without the token', async () => {
    nock(API).get(ISSUES_PATH).query(listQuery).reply(200, []).post(ISSUES_PATH).reply(403, {
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
      status: '403',
    });
    const error = await upsertIssue(await octokit(), where, { title: TITLE, body: 'x' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(
      'could not open the report issue in acme/platform: 403',
    );
    expect((error as Error).message).toContain('Resource not accessible by integration');
    expect((error as Error).message).toContain('issues: write');
    expect((error as Error).message).not.toContain(TOKEN);
  });
});

describe('upsertPullRequestComment', () => {
  const COMMENTS = `/repos/${OWNER}/${REPO}/issues/17/comments`;
  const MARKER = 'assetguard:scan-gate';

  it('creates the comment once, then updates it in place (never a second)', async () => {
    const posted: string[] = [];
    nock(API)
      .get(COMMENTS)
      .query({ per_page: '100' })
      .reply(200, [comment(1, 17, 'LGTM', PERSON)])
      .post(COMMENTS, (body: { body: string }) => {
        posted.push(body.body);
        return true;
      })
      .reply(201, () => comment(555, 17, posted[0] ?? ''));
    const first = await upsertPullRequestComment(await octokit(), where, 17, {
      marker: MARKER,
      body: '### scan-gate: block',
    });
    expect(first).toEqual({
      id: 555,
      url: `https://github.com/${OWNER}/${REPO}/pull/17#issuecomment-555`,
      created: true,
    });
    expect(posted).toEqual([`${commentMarker(MARKER)}\n### scan-gate: block`]);

    const patched: string[] = [];
    nock(API)
      .get(COMMENTS)
      .query({ per_page: '100' })
      .reply(200, [
        comment(1, 17, 'LGTM', PERSON),
        comment(555, 17, posted[0] ?? ''),
        comment(556, 17, `${commentMarker('assetguard:compliance-gate')}\nother gate`),
      ])
      .patch(`/repos/${OWNER}/${REPO}/issues/comments/555`, (body: { body: string }) => {
        patched.push(body.body);
        return true;
      })
      .reply(200, () => comment(555, 17, patched[0] ?? ''));
    const second = await upsertPullRequestComment(await octokit(), where, 17, {
      marker: MARKER,
      body: '### scan-gate: pass',
    });
    expect(second).toEqual({ ...first, created: false });
    expect(patched).toEqual([`${commentMarker(MARKER)}\n### scan-gate: pass`]);
  });

  it("finds its comment on a later page, and takes the bot's, never a person's copy", async () => {
    const hidden = commentMarker(MARKER);
    const path = `${COMMENTS}?per_page=100`;
    nock(API)
      .get(COMMENTS)
      .query({ per_page: '100' })
      .reply(
        200,
        [
          comment(10, 17, `${hidden}\ncopied by a person`, PERSON),
          ...Array.from({ length: 99 }, (_, index) => comment(100 + index, 17, 'chat', PERSON)),
        ],
        { Link: link(path, 1, 2) },
      )
      .get(COMMENTS)
      .query({ per_page: '100', page: '2' })
      .reply(200, [comment(777, 17, `${hidden}\nold summary`)])
      .patch(`/repos/${OWNER}/${REPO}/issues/comments/777`)
      .reply(200, comment(777, 17, 'new'));
    const result = await upsertPullRequestComment(await octokit(), where, 17, {
      marker: MARKER,
      body: 'new',
    });
    expect(result).toMatchObject({ id: 777, created: false });
  });

  it("leaves a person's comment that starts with the marker alone: creates its own, then updates that", async () => {
    const hidden = commentMarker(MARKER);
    const copied = comment(11, 17, `${hidden}\nI copied your marker`, PERSON);
    const posted: string[] = [];
    nock(API)
      .get(COMMENTS)
      .query({ per_page: '100' })
      .reply(200, [copied])
      .get('/user')
      .reply(403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
        status: '403',
      })
      .post(COMMENTS, (body: { body: string }) => {
        posted.push(body.body);
        return true;
      })
      .reply(201, () => comment(600, 17, posted[0] ?? ''));
    // Any PATCH (of comment 11 or another) is an unexpected request, which nock refuses.
    const first = await upsertPullRequestComment(await octokit(), where, 17, {
      marker: MARKER,
      body: '### scan-gate: block',
    });
    expect(first).toMatchObject({ id: 600, created: true });
    expect(posted).toEqual([`${hidden}\n### scan-gate: block`]);

    const patched: number[] = [];
    nock(API)
      .get(COMMENTS)
      .query({ per_page: '100' })
      .reply(200, [copied, comment(600, 17, posted[0] ?? '')])
      .patch(/\/repos\/acme\/platform\/issues\/comments\/\d+$/, () => true)
      .reply(200, (uri) => {
        patched.push(Number(uri.split('/').at(-1)));
        return comment(600, 17, 'x');
      });
    const second = await upsertPullRequestComment(await octokit(), where, 17, {
      marker: MARKER,
      body: '### scan-gate: pass',
    });
    expect(second).toMatchObject({ id: 600, created: false });
    expect(patched).toEqual([600]);
  });

  it("updates the token user's own comment (a PAT), not another person's", async () => {
    const hidden = commentMarker(MARKER);
    const patched: number[] = [];
    nock(API)
      .get(COMMENTS)
      .query({ per_page: '100' })
      .reply(200, [
        comment(20, 17, `${hidden}\ncopied`, user('mallory', 'User', 777)),
        comment(21, 17, `${hidden}\nold summary`, PERSON),
      ])
      .get('/user')
      .reply(200, PERSON)
      .patch(/\/repos\/acme\/platform\/issues\/comments\/\d+$/, () => true)
      .reply(200, (uri) => {
        patched.push(Number(uri.split('/').at(-1)));
        return comment(21, 17, 'x', PERSON);
      });
    const result = await upsertPullRequestComment(await octokit(), where, 17, {
      marker: MARKER,
      body: 'new',
    });
    expect(result).toMatchObject({ id: 21, created: false });
    expect(patched).toEqual([21]);
  });

  it('names pull-requests: write when GitHub refuses the comment', async () => {
    nock(API).get(COMMENTS).query({ per_page: '100' }).reply(200, []).post(COMMENTS).reply(403, {
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
      status: '403',
    });
    await expect(
      upsertPullRequestComment(await octokit(), where, 17, { marker: MARKER, body: 'x' }),
    ).rejects.toThrow(
      /could not comment on pull request #17 in acme\/platform: 403 .*pull-requests: write/,
    );
  });

  it('refuses a marker that could end the hidden comment', () => {
    expect(() => commentMarker('x --> <script>')).toThrow('comment marker');
  });
});

describe('pullRequestCommentRequest: when runInAction comments', () => {
  const specs = {
    'github-token': { description: 't' },
    'pr-comment': { description: 'c', default: 'true' },
    'output-dir': { description: 'o', default: 'out' },
  };
  const prContext = (eventName: string, number?: unknown): GitHubContext => ({
    eventName,
    payload: number === undefined ? {} : { pull_request: { number } },
    repo: where,
    apiUrl: API,
  });
  const read =
    (values: Record<string, string>) =>
    (name: string): string =>
      values[name] ?? '';

  it.each(['pull_request', 'pull_request_target'])('on %s with a token', (event) => {
    expect(
      pullRequestCommentRequest(specs, read({ 'github-token': TOKEN }), prContext(event, 17)),
    ).toEqual({ token: TOKEN, repo: where, prNumber: 17, apiUrl: API });
  });

  it('not without a token, not with pr-comment false, not on push, not for commands without the input', () => {
    expect(
      pullRequestCommentRequest(specs, read({}), prContext('pull_request', 17)),
    ).toBeUndefined();
    expect(
      pullRequestCommentRequest(
        specs,
        read({ 'github-token': TOKEN, 'pr-comment': 'false' }),
        prContext('pull_request', 17),
      ),
    ).toBeUndefined();
    expect(
      pullRequestCommentRequest(specs, read({ 'github-token': TOKEN }), prContext('push')),
    ).toBeUndefined();
    expect(
      pullRequestCommentRequest(
        { 'output-dir': specs['output-dir'] },
        read({ 'github-token': TOKEN }),
        prContext('pull_request', 17),
      ),
    ).toBeUndefined();
  });
});

describe('pullRequestCommentRequest: a context it cannot read is a warning, never an error', () => {
  const specs = {
    'github-token': { description: 't' },
    'output-dir': { description: 'o', default: 'out' },
  };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'assetguard-event-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it.each([
    ['a payload that is not JSON', '{not json', 'acme/platform', /the event payload is not JSON/],
    [
      'a GITHUB_REPOSITORY that is not owner/repo',
      '{"pull_request":{"number":17}}',
      'acme',
      /GITHUB_REPOSITORY "acme" is not owner\/repo/,
    ],
    [
      'a GITHUB_REPOSITORY of path steps',
      '{"pull_request":{"number":17}}',
      '../..',
      /GITHUB_REPOSITORY "\.\.\/\.\." is not owner\/repo/,
    ],
  ])('%s: no comment, a warning naming it', (_, payload, repository, said) => {
    const warning = jest.spyOn(core, 'warning').mockImplementation(() => undefined);
    const path = join(dir, 'event.json');
    writeFileSync(path, payload);
    const context = readGitHubContext({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: path,
      GITHUB_REPOSITORY: repository,
    });
    expect(pullRequestCommentRequest(specs, () => TOKEN, context)).toBeUndefined();
    expect(warning).toHaveBeenCalledWith(expect.stringMatching(/^no PR comment is posted: /));
    expect(warning).toHaveBeenCalledWith(expect.stringMatching(said));
  });

  it('does not read the payload without a token, or on a push', () => {
    const path = join(dir, 'event.json');
    writeFileSync(path, '{not json');
    const warning = jest.spyOn(core, 'warning').mockImplementation(() => undefined);
    const pr = readGitHubContext({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path });
    expect(pullRequestCommentRequest(specs, () => '', pr)).toBeUndefined();
    const push = readGitHubContext({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: path });
    expect(pullRequestCommentRequest(specs, () => TOKEN, push)).toBeUndefined();
    expect(warning).not.toHaveBeenCalled();
  });
});

describe('commentOnPullRequest: the gate comments, and a refusal never changes its verdict', () => {
  const COMMENTS = `/repos/${OWNER}/${REPO}/issues/17/comments`;
  const request = { token: TOKEN, repo: where, prNumber: 17, apiUrl: API };

  it('posts the summary under the gate marker', async () => {
    const posted: string[] = [];
    nock(API)
      .get(COMMENTS)
      .query({ per_page: '100' })
      .reply(200, [])
      .post(COMMENTS, (body: { body: string }) => {
        posted.push(body.body);
        return true;
      })
      .reply(201, comment(901, 17, 'x'));
    await commentOnPullRequest(
      request,
      'compliance-gate',
      '### compliance-gate: pass',
      await octokit(),
    );
    expect(posted).toEqual(['<!-- assetguard:compliance-gate -->\n### compliance-gate: pass']);
  });

  it('turns a 403 into a warning naming pull-requests: write', async () => {
    const warning = jest.spyOn(core, 'warning').mockImplementation(() => undefined);
    try {
      nock(API)
        .get(COMMENTS)
        .query({ per_page: '100' })
        .reply(403, { message: 'Resource not accessible by integration', status: '403' });
      await expect(
        commentOnPullRequest(request, 'scan-gate', 'summary', await octokit()),
      ).resolves.toBeUndefined();
      expect(warning).toHaveBeenCalledTimes(1);
      const text = String(warning.mock.calls[0]?.[0]);
      expect(text).toContain(
        'scan-gate: the summary was not posted to pull request #17 (the verdict stands)',
      );
      expect(text).toContain('pull-requests: write');
      expect(text).not.toContain(TOKEN);
    } finally {
      warning.mockRestore();
    }
  });
});

describe('githubClient: the client without a test transport', () => {
  const saved = process.env.GITHUB_API_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_API_URL;
    else process.env.GITHUB_API_URL = saved;
  });

  it("sends through Node's fetch to GITHUB_API_URL, as assetguard, with the token", async () => {
    const ghes = 'https://ghe.example.com/api/v3';
    process.env.GITHUB_API_URL = ghes;
    let agent: string | undefined;
    nock(ghes, { reqheaders: { authorization: `token ${TOKEN}` } })
      .get('/user')
      .reply(function reply() {
        agent = String(this.req.headers['user-agent']);
        return [200, { login: 'octocat', id: 583231, type: 'User' }];
      });
    const client = await githubClient(TOKEN);
    expect((await client.request('GET /user')).data.login).toBe('octocat');
    expect(agent).toMatch(/^assetguard\/\d+\.\d+\.\d+ octokit-core\.js\//);
  });

  it('takes api.github.com when GITHUB_API_URL is unset or empty, and the argument over both', async () => {
    process.env.GITHUB_API_URL = '';
    nock(API).get('/user').reply(200, { login: 'a' });
    expect((await (await githubClient(TOKEN)).request('GET /user')).data.login).toBe('a');
    process.env.GITHUB_API_URL = 'https://ghe.example.com/api/v3';
    nock('http://127.0.0.1:9').get('/api/user').reply(200, { login: 'b' });
    const local = await githubClient(TOKEN, 'http://127.0.0.1:9/api');
    expect((await local.request('GET /user')).data.login).toBe('b');
  });

  it('drops a trailing slash of the base URL (GHES `https://HOST/api/v3/`)', async () => {
    process.env.GITHUB_API_URL = 'https://ghe.example.com/api/v3/';
    nock('https://ghe.example.com').get('/api/v3/user').reply(200, { login: 'c' });
    expect((await (await githubClient(TOKEN)).request('GET /user')).data.login).toBe('c');
  });

  it('names the URL when the request gets no answer, not a made-up 500', async () => {
    nock('http://127.0.0.1:9')
      .post(`/repos/${OWNER}/${REPO}/issues/17/comments`)
      .replyWithError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
      );
    nock('http://127.0.0.1:9')
      .get(`/repos/${OWNER}/${REPO}/issues/17/comments`)
      .query(true)
      .reply(200, []);
    const client = await githubClient(TOKEN, 'http://127.0.0.1:9/', { fetch: globalThis.fetch });
    const failure = upsertPullRequestComment(client, where, 17, {
      marker: 'assetguard:x',
      body: 'b',
    });
    await expect(failure).rejects.toThrow(
      /could not comment on pull request #17 in acme\/platform: no answer from http:\/\/127\.0\.0\.1:9\/repos\/acme\/platform\/issues\/17\/comments: .*ECONNREFUSED.* \(check GITHUB_API_URL, the network and any proxy\)/,
    );
    await expect(failure).rejects.not.toThrow(/\b500\b/);
  });
});

describe('readGitHubContext: the run, from the runner environment', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'assetguard-event-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });
  const event = (text: string): string => {
    const path = join(dir, 'event.json');
    writeFileSync(path, text);
    return path;
  };

  it('reads the event, its payload, the repository and the API URL', () => {
    const context = readGitHubContext({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event(JSON.stringify({ action: 'opened', pull_request: { number: 17 } })),
      GITHUB_REPOSITORY: 'acme/platform.web',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
    });
    expect(context.eventName).toBe('pull_request');
    expect(context.payload.pull_request?.number).toBe(17);
    expect(context.repo).toEqual({ owner: 'acme', repo: 'platform.web' });
    expect(context.apiUrl).toBe('https://ghe.example.com/api/v3');
  });

  it('outside a workflow: no event, no payload, api.github.com', () => {
    const context = readGitHubContext({});
    expect(context).toMatchObject({ eventName: '', payload: {}, apiUrl: API });
  });

  it('takes the repository from the payload when GITHUB_REPOSITORY is unset', () => {
    const context = readGitHubContext({
      GITHUB_EVENT_PATH: event(
        JSON.stringify({ repository: { name: 'platform', owner: { login: 'acme' } } }),
      ),
    });
    expect(context.repo).toEqual(where);
  });

  it('names GITHUB_REPOSITORY when it is not owner/repo, or when nothing names the repository', () => {
    for (const value of [
      'acme',
      'acme/',
      '/platform',
      'acme/platform/extra',
      'acme/plat form',
      '../..',
      'acme/..',
      './platform',
    ]) {
      const context = readGitHubContext({ GITHUB_REPOSITORY: value });
      expect(() => context.repo).toThrow(ConfigurationError);
      expect(() => context.repo).toThrow(
        `GITHUB_REPOSITORY ${JSON.stringify(value)} is not owner/repo`,
      );
    }
    expect(() => readGitHubContext({}).repo).toThrow(/GITHUB_REPOSITORY is not set/);
    const dots = event(JSON.stringify({ repository: { name: '..', owner: { login: '..' } } }));
    expect(() => readGitHubContext({ GITHUB_EVENT_PATH: dots }).repo).toThrow(
      `the event payload's repository "../.." is not owner/repo`,
    );
  });

  it('reads nothing until asked: a bad payload fails only its reader', () => {
    const path = event('{not json');
    const context = readGitHubContext({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: path });
    expect(context.eventName).toBe('push');
    expect(() => context.payload).toThrow(`GITHUB_EVENT_PATH ${path}: the event payload is not`);
  });

  it('logs a missing payload file and goes on without a payload', () => {
    const info = jest.spyOn(core, 'info').mockImplementation(() => undefined);
    const missing = join(dir, 'gone.json');
    expect(readGitHubContext({ GITHUB_EVENT_PATH: missing }).payload).toEqual({});
    expect(info).toHaveBeenCalledWith(
      `GITHUB_EVENT_PATH ${missing} does not exist: no event payload`,
    );
  });

  it('refuses a payload that is not a JSON object, naming the file', () => {
    for (const text of ['{"pull_request": ', 'null', '[1]']) {
      const path = event(text);
      expect(() => readGitHubContext({ GITHUB_EVENT_PATH: path }).payload).toThrow(
        ConfigurationError,
      );
      expect(() => readGitHubContext({ GITHUB_EVENT_PATH: path }).payload).toThrow(
        `GITHUB_EVENT_PATH ${path}: the event payload is not`,
      );
    }
    expect(() => readGitHubContext({ GITHUB_EVENT_PATH: dir }).payload).toThrow(
      `GITHUB_EVENT_PATH ${dir}: cannot read the event payload`,
    );
  });
});

describe('secretParts', () => {
  it('masks a URL secret whole, its password as written and decoded, and a webhook path', () => {
    expect(secretParts('smtps://mailer:p%40ss@smtp.example.com:465')).toEqual([
      'smtps://mailer:p%40ss@smtp.example.com:465',
      'p%40ss',
      'p@ss',
    ]);
    expect(secretParts('https://hooks.slack.com/services/T000/B000/XXXX')).toEqual([
      'https://hooks.slack.com/services/T000/B000/XXXX',
      '/services/T000/B000/XXXX',
    ]);
    expect(secretParts('ghp_abcdef')).toEqual(['ghp_abcdef']);
    expect(secretParts('')).toEqual([]);
  });
});
