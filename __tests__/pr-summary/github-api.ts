/**
 * GitHub's REST API for pull-request comments, as the PR summary uses it, in two forms: response
 * bodies in the shapes GitHub returns (docs.github.com/rest/issues/comments, trimmed to realistic
 * records), and a loopback server holding one repository's pull request, for a bundled action
 * run in a child process (which nock, being in-process, cannot reach).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const OWNER = 'acme';
export const REPO = 'platform';
export const PR_NUMBER = 17;
const API = 'https://api.github.com';

export type Author = Record<string, unknown>;

export function user(login: string, type: 'Bot' | 'User', id: number): Author {
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

/** What a GITHUB_TOKEN writes as. */
export const BOT = user('github-actions[bot]', 'Bot', 41898282);
export const PERSON = user('octocat', 'User', 583231);

/** An issue comment on the pull request, as `GET/POST/PATCH …/comments` return it. */
export function comment(id: number, body: string, author: Author = BOT): Record<string, unknown> {
  return {
    url: `${API}/repos/${OWNER}/${REPO}/issues/comments/${id}`,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${PR_NUMBER}#issuecomment-${id}`,
    issue_url: `${API}/repos/${OWNER}/${REPO}/issues/${PR_NUMBER}`,
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
      '+1': 0,
      '-1': 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    },
    performed_via_github_app: null,
  };
}

/** The pull_request event payload the runner writes to GITHUB_EVENT_PATH (trimmed). */
export function pullRequestEvent(): Record<string, unknown> {
  return {
    action: 'synchronize',
    number: PR_NUMBER,
    pull_request: {
      number: PR_NUMBER,
      state: 'open',
      title: 'Block MEDIUM findings too',
      head: { ref: 'stricter-policy', sha: 'c0ffee0000000000000000000000000000000000' },
      base: { ref: 'main', sha: 'bead000000000000000000000000000000000000' },
    },
    repository: { name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER } },
    sender: PERSON,
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  body?: { body?: string };
}

/** A GitHub API on 127.0.0.1 with the comments of one pull request, created and edited in place. */
export interface FakeGitHub {
  url: string;
  requests: RecordedRequest[];
  comments: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startGitHub(): Promise<FakeGitHub> {
  const requests: RecordedRequest[] = [];
  const comments: Record<string, unknown>[] = [
    // Someone else's comment on the same pull request, left alone.
    comment(900, 'Looks good to me', PERSON),
  ];
  let nextId = 1001;
  const listPath = `/repos/${OWNER}/${REPO}/issues/${PR_NUMBER}/comments`;
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '';
      const body = text === '' ? undefined : (JSON.parse(text) as { body?: string });
      requests.push({
        method: request.method ?? '',
        path,
        ...(request.headers.authorization !== undefined && {
          authorization: request.headers.authorization,
        }),
        ...(body !== undefined && { body }),
      });
      const send = (status: number, payload: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(payload));
      };
      const edit = /^\/repos\/acme\/platform\/issues\/comments\/(\d+)$/.exec(path);
      if (request.method === 'GET' && path.split('?')[0] === listPath) {
        send(200, comments);
      } else if (request.method === 'POST' && path === listPath) {
        const created = comment(nextId, body?.body ?? '');
        nextId += 1;
        comments.push(created);
        send(201, created);
      } else if (request.method === 'PATCH' && edit) {
        const index = comments.findIndex((entry) => String(entry.id) === edit[1]);
        if (index < 0) {
          send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
          return;
        }
        const updated = {
          ...comments[index],
          body: body?.body ?? '',
          updated_at: '2026-03-01T07:00:00Z',
        };
        comments[index] = updated;
        send(200, updated);
      } else {
        send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    comments,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => {
          done();
        });
      }),
  };
}
