import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { systemClock } from '../core/clock';
import { AssetguardError, ConfigurationError, errorMessage } from '../core/errors';
import { clip, logLine } from '../core/escape';
import { finishSummary } from '../core/markdown';
import {
  parseRepositoryName,
  readInput,
  type InputReader,
  type InputSpecs,
  type OutputSpecs,
  type OutputValues,
} from '../core/inputs';
import { runCommand, type Command, type CommandTypes, type Outcome } from '../core/runner';
import { VERSION } from '../core/version';

/** Reads an action input by its declared (kebab-case) name, as the runner passes it (INPUT_*). */
export const actionInput: InputReader = (name) => core.getInput(name);

/**
 * Appends Markdown to the job summary when the runner provides one (not on local runs). Every
 * renderer bounds its summary already (core/markdown `finishSummary`); this is the edge to
 * GitHub, so it applies the same bound once more rather than let a step's summary be refused.
 */
export async function writeJobSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary
    .addRaw(finishSummary([markdown.trimEnd()], 'the report directory'), true)
    .write();
}

/**
 * The names that `values` gives but `declared` does not, and those `declared` has but `values`
 * lacks; both empty when they match. Pure, so tests can check every command's outputs.
 */
export function outputMismatch(
  declared: OutputSpecs,
  values: Readonly<Record<string, unknown>>,
): { undeclared: string[]; missing: string[] } {
  return {
    undeclared: Object.keys(values).filter((name) => !Object.hasOwn(declared, name)),
    missing: Object.keys(declared).filter((name) => !Object.hasOwn(values, name)),
  };
}

/**
 * Sets every declared output and nothing else, from the declaration (`*_OUTPUTS`, which tests
 * compare with action.yml), so a renamed output cannot drift from what is written.
 * @throws Error (a programming error, not a user's) when the values do not match the declaration.
 */
export function setOutputs<O extends OutputSpecs>(declared: O, values: OutputValues<O>): void {
  const { undeclared, missing } = outputMismatch(declared, values);
  if (undeclared.length > 0 || missing.length > 0) {
    throw new Error(
      `outputs do not match their declaration: undeclared ${undeclared.join(', ') || 'none'}; without a value ${missing.join(', ') || 'none'}`,
    );
  }
  for (const [name, value] of Object.entries(values)) core.setOutput(name, value);
}

/**
 * The action glue every command shares: runs the command on the action's inputs through the
 * shared runner, then gives the runner its outputs (from the declaration), a warning per verdict
 * warning, and the job summary. Returns the outcome for the boundary (`runAction`).
 *
 * Everything written to the log is one line that cannot be a workflow command (core/escape
 * `logLine`): progress lines and warnings (which carry resource ids, rule names and tag values)
 * here; the outcome line in the boundary (core/runner `runBoundary`), for the CLI too.
 *
 * On a pull request (`pull_request`, `pull_request_target`), a command that declares the
 * `github-token` and `pr-comment` inputs (the gates) also keeps its summary as one comment on the
 * pull request (`upsertPullRequestComment`, marker `assetguard:<command name>`), when a token is
 * given and `pr-comment` is not `false`. Failing to comment is a warning naming the permission to
 * grant: the gate's verdict stands.
 */
export async function runInAction<T extends CommandTypes>(command: Command<T>): Promise<Outcome> {
  maskSecretInputs(command.inputs);
  const run = await runCommand(
    command,
    { read: actionInput },
    {
      clock: systemClock,
      log: logToAction,
    },
  );
  setOutputs(command.outputs, run.outputs);
  for (const warning of run.verdict.warnings) core.warning(logLine(warning));
  await writeJobSummary(run.summary);
  // After the run: the event payload is read only by a run that would comment (a token,
  // pr-comment not false, a pull request event), and octokit loaded only when it does, so
  // nothing of either delays the first AWS call or changes the verdict.
  const prComment = pullRequestCommentRequest(command.inputs, actionInput);
  if (prComment) await commentOnPullRequest(prComment, command.name, run.summary);
  return run.outcome;
}

/**
 * Masks the value of every secret input (InputSpec.secret) before anything runs, so the runner
 * replaces it with *** wherever it would reach the log (a failing webhook's message included).
 */
export function maskSecretInputs(specs: InputSpecs): void {
  for (const [name, spec] of Object.entries(specs)) {
    if (!spec.secret) continue;
    for (const part of secretParts(core.getInput(name).trim())) core.setSecret(part);
  }
}

/** The shortest part of a URL path worth masking: `/` or `/api` say nothing about a secret. */
const MIN_SECRET_PATH = 8;

/**
 * What to mask of one secret value: the value, and when it is a URL also the parts a message may
 * carry alone: its password (as written and decoded) and its path (an incoming webhook's path is
 * its credential).
 */
export function secretParts(value: string): string[] {
  if (value === '') return [];
  const parts = new Set([value]);
  try {
    const url = new URL(value);
    if (url.password !== '') {
      parts.add(url.password);
      parts.add(decodeURIComponent(url.password));
    }
    if (url.pathname.length >= MIN_SECRET_PATH) parts.add(url.pathname);
  } catch {
    // Not a URL (a token): the value alone.
  }
  return [...parts];
}

/**
 * The log of a command run by the action: each line of a message (a plan is several) on its own
 * log line, escaped so that none can be a workflow command (`::error::`, `##[error]`).
 */
export function logToAction(message: string): void {
  for (const line of message.split('\n')) core.info(logLine(line));
}

/** An issue as GitHub's REST API gives it (the fields used here). */
export interface IssueData {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  /** Present when the "issue" is a pull request (the issues endpoints list both). */
  pull_request?: unknown;
  /** Who opened it. */
  user?: { login?: string; type?: string } | null;
}

/** An issue or PR comment as GitHub's REST API gives it (the fields used here). */
export interface CommentData {
  id: number;
  body?: string | null;
  html_url: string;
  user?: { login?: string; type?: string } | null;
}

/**
 * The part of Octokit (@octokit/core with the pagination plugin, `githubClient`) the issue and
 * comment sinks use: `paginate` and `request` by route (the five routes written out here rather
 * than the REST endpoint methods plugin, whose table of every route is ~83 KB in each bundle).
 * Typed here: the packages' own types do not resolve under this repository's CommonJS
 * resolution.
 */
export interface Octokit {
  paginate<M>(
    route: 'GET /repos/{owner}/{repo}/issues',
    parameters: { owner: string; repo: string; state: 'open'; labels: string; per_page: number },
    mapFn: (response: { data: IssueData[] }, done: () => void) => M[],
  ): Promise<M[]>;
  paginate<M>(
    route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
    parameters: { owner: string; repo: string; issue_number: number; per_page: number },
    mapFn: (response: { data: CommentData[] }, done: () => void) => M[],
  ): Promise<M[]>;
  /** `GET /user`: refused (403) to a GITHUB_TOKEN or any GitHub App installation token. */
  request(route: 'GET /user'): Promise<{ data: { login: string } }>;
  request(
    route: 'POST /repos/{owner}/{repo}/issues',
    parameters: { owner: string; repo: string; title: string; body: string; labels: string[] },
  ): Promise<{ data: IssueData }>;
  request(
    route: 'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
    parameters: { owner: string; repo: string; issue_number: number; body: string },
  ): Promise<{ data: IssueData }>;
  request(
    route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
    parameters: { owner: string; repo: string; issue_number: number; body: string },
  ): Promise<{ data: CommentData }>;
  request(
    route: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
    parameters: { owner: string; repo: string; comment_id: number; body: string },
  ): Promise<{ data: CommentData }>;
}

/** The repository an issue or comment belongs to. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** GitHub refuses an issue or comment body longer than this many characters. */
export const GITHUB_BODY_LIMIT = 65_536;

/** The label every report issue carries; the search for the existing issue is narrowed by it. */
export const REPORT_LABEL = 'assetguard-report';

/** GitHub's REST API when neither the caller nor the runner (GITHUB_API_URL) names another. */
export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** The user agent of every GitHub call; octokit appends its own (`octokit-core.js/…`). */
export const GITHUB_USER_AGENT = `assetguard/${VERSION}`;

/**
 * What the PR comment needs to know of the run, from the runner's environment
 * (`readGitHubContext`): the event, its payload, the repository and the REST API's URL.
 */
export interface GitHubContext {
  /** GITHUB_EVENT_NAME (`pull_request`, `push`, …); empty outside a workflow run. */
  eventName: string;
  /**
   * The event's webhook payload (GITHUB_EVENT_PATH); `{}` when there is none. A getter, read
   * once on first use, so only a run that comments reads (or fails on) the file.
   */
  readonly payload: { pull_request?: { number?: unknown } };
  /** The repository the run belongs to; a getter, so only a run that comments can fail on it. */
  readonly repo: RepoRef;
  /** GITHUB_API_URL, else https://api.github.com. */
  apiUrl: string;
}

/**
 * The run's GitHub context, from the runner's environment (the runner sets it once per step;
 * tests set it per test). Nothing is read until used:
 * - `payload`: GITHUB_EVENT_PATH's JSON object; `{}` when the variable is unset, and `{}` with a
 *   log line when the file does not exist (a local run with a stale variable: no event, so no
 *   comment, rather than a failed gate).
 * - `repo`: GITHUB_REPOSITORY (`owner/repo`), else the payload's `repository` (owner login,
 *   name), each checked by `parseRepositoryName`.
 * @throws ConfigurationError from `payload`, naming GITHUB_EVENT_PATH and the file when it
 *   cannot be read or is not a JSON object; from `repo`, naming GITHUB_REPOSITORY or the payload
 *   when it is not `owner/repo`, or when neither names a repository.
 */
export function readGitHubContext(env: NodeJS.ProcessEnv = process.env): GitHubContext {
  let payload: GitHubContext['payload'] | undefined;
  const payloadOnce = (): GitHubContext['payload'] =>
    (payload ??= readEventPayload(env.GITHUB_EVENT_PATH));
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    get payload() {
      return payloadOnce();
    },
    get repo() {
      return repoOf(env.GITHUB_REPOSITORY, payloadOnce);
    },
    apiUrl: githubApiUrl(env),
  };
}

/** GITHUB_API_URL (GitHub Enterprise Server's `https://HOST/api/v3`), else api.github.com. */
function githubApiUrl(env: NodeJS.ProcessEnv): string {
  return env.GITHUB_API_URL || DEFAULT_GITHUB_API_URL;
}

function readEventPayload(path: string | undefined): GitHubContext['payload'] {
  if (path === undefined || path === '') return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      core.info(logLine(`GITHUB_EVENT_PATH ${path} does not exist: no event payload`));
      return {};
    }
    throw new ConfigurationError(
      logLine(`GITHUB_EVENT_PATH ${path}: cannot read the event payload: ${errorMessage(error)}`),
      { cause: error },
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(
      logLine(`GITHUB_EVENT_PATH ${path}: the event payload is not JSON: ${errorMessage(error)}`),
      { cause: error },
    );
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ConfigurationError(
      logLine(`GITHUB_EVENT_PATH ${path}: the event payload is not a JSON object`),
    );
  }
  return payload;
}

function repoOf(variable: string | undefined, payload: () => object): RepoRef {
  if (variable !== undefined && variable !== '') {
    const parsed = parseRepositoryName(variable);
    if (!parsed) {
      throw new ConfigurationError(
        logLine(`GITHUB_REPOSITORY ${JSON.stringify(variable)} is not owner/repo`),
      );
    }
    return parsed;
  }
  const repository = (payload() as { repository?: { name?: unknown; owner?: { login?: unknown } } })
    .repository;
  const owner = repository?.owner?.login;
  const repo = repository?.name;
  if (typeof owner === 'string' && typeof repo === 'string') {
    const parsed = parseRepositoryName(`${owner}/${repo}`);
    if (!parsed) {
      throw new ConfigurationError(
        logLine(
          `the event payload's repository ${JSON.stringify(`${owner}/${repo}`)} is not owner/repo`,
        ),
      );
    }
    return parsed;
  }
  throw new ConfigurationError(
    'GITHUB_REPOSITORY is not set and the event payload names no repository: set it to owner/repo',
  );
}

/** The options `githubClient` gives octokit (@octokit/core's, as far as they are used). */
interface GitHubClientOptions {
  auth: string;
  baseUrl: string;
  userAgent: string;
  request?: { fetch: typeof fetch };
}

/**
 * @octokit/core with the pagination plugin, loaded on first use through an ES module shim
 * (`octokit.js`; the packages are ES modules only, which Jest's CommonJS runtime reaches through
 * the shim). An `import()`, so the bundles carry octokit as a chunk file read only by a run that
 * talks to GitHub, not parsed at every start.
 */
async function loadClientClass(): Promise<new (options: GitHubClientOptions) => Octokit> {
  // @ts-expect-error -- a JavaScript shim without declarations: typed here, by what is used.
  const shim: unknown = await import('./octokit.js');
  return (shim as { GitHubClient: new (options: GitHubClientOptions) => Octokit }).GitHubClient;
}

/**
 * A REST client for `token` (a GITHUB_TOKEN or a PAT; sent as `Authorization: token …`, never
 * logged), against `baseUrl` (GitHub Enterprise Server's `https://HOST/api/v3`), by default
 * GITHUB_API_URL, else https://api.github.com; user agent `assetguard/<version>`. No retries or
 * throttling beyond octokit's defaults: one PR comment or report issue per run.
 *
 * Requests go through `options.fetch`, by default Node's global fetch, which on Node 24 honours
 * HTTPS_PROXY/HTTP_PROXY/NO_PROXY when the job sets NODE_USE_ENV_PROXY=1 (README "Behind a
 * proxy"). Tests give Node's global fetch explicitly, which nock intercepts.
 */
export async function githubClient(
  token: string,
  baseUrl?: string,
  options: { fetch?: typeof fetch } = {},
): Promise<Octokit> {
  const GitHubClient = await loadClientClass();
  return new GitHubClient({
    auth: `token ${token}`,
    // Without a trailing slash: octokit appends `/repos/…`, and `…/api/v3/` would give `//repos`.
    baseUrl: (baseUrl ?? githubApiUrl(process.env)).replace(/\/+$/, ''),
    userAgent: GITHUB_USER_AGENT,
    ...(options.fetch && { request: { fetch: options.fetch } }),
  });
}

/** A body cut to GitHub's limit, ending with a note saying so and where the rest is. */
export function fitBody(body: string, note: string, limit: number = GITHUB_BODY_LIMIT): string {
  if (body.length <= limit) return body;
  const tail = `\n\n> [!NOTE]\n> Cut to GitHub's ${limit.toLocaleString('en-US')}-character limit: ${note}\n`;
  // `clip` counts code points; a body of astral characters is longer in UTF-16 units, so cut on units.
  let head = clip(body, limit - tail.length);
  while (head.length > limit - tail.length) head = clip(head, Array.from(head).length - 1);
  return `${head}${tail}`;
}

/** The hidden HTML comment that marks the report issue titled `title`: the title's sha256, shortened. */
export function reportIssueMarker(title: string): string {
  const digest = createHash('sha256').update(title).digest('hex').slice(0, 16);
  return `<!-- assetguard:report:${digest} -->`;
}

/** The hidden HTML comment that marks one gate's PR comment; `marker` is `assetguard:<gate>`. */
export function commentMarker(marker: string): string {
  if (!/^[\w.:-]+$/.test(marker)) {
    throw new Error(`comment marker ${JSON.stringify(marker)} must be letters, digits, _ . : -`);
  }
  return `<!-- ${marker} -->`;
}

/**
 * The error a failed GitHub call becomes: 401 (bad token), 403 and 404 (the token cannot see or
 * write there; GitHub answers 404 for a repository it hides) are ConfigurationErrors naming the
 * workflow permission to grant; a request that got no answer (octokit's status 500 without a
 * response) is a GitHubApiError naming the URL and what to check; anything else is a
 * GitHubApiError with the status. Never holds the token (Octokit's RequestError redacts the
 * authorization header).
 */
export function githubFailure(what: string, permission: string, error: unknown): AssetguardError {
  if (error instanceof AssetguardError) return error;
  const failed = error as {
    status?: unknown;
    response?: unknown;
    request?: { url?: unknown };
  } | null;
  const status = failed?.status;
  const detail = logLine(errorMessage(error));
  // Octokit gives a request that got no answer (DNS, refused, reset, an invalid URL) status 500
  // and no response; that is no server error, and the URL is what to check.
  if (status === 500 && failed?.response === undefined) {
    const url = typeof failed?.request?.url === 'string' ? ` ${logLine(failed.request.url)}` : '';
    return new GitHubApiError(
      `${what}: no answer from${url}: ${detail} (check GITHUB_API_URL, the network and any proxy)`,
      undefined,
      { cause: error },
    );
  }
  if (status === 401) {
    return new ConfigurationError(`${what}: 401 ${detail} — the token is invalid or expired`, {
      cause: error,
    });
  }
  if (status === 403 || status === 404) {
    return new ConfigurationError(
      `${what}: ${status} ${detail} — the token needs ${permission} (workflow \`permissions:\`)`,
      { cause: error },
    );
  }
  return new GitHubApiError(
    `${what}: ${typeof status === 'number' ? `${status} ` : ''}${detail}`,
    typeof status === 'number' ? status : undefined,
    { cause: error },
  );
}

/** A GitHub REST call failed for a reason other than the token's permissions. */
export class GitHubApiError extends AssetguardError {
  readonly kind = 'undecided';
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The author of an issue or comment, as GitHub's REST API gives it (`user`; null when deleted). */
type Author = { login?: string; type?: string } | null | undefined;

function isBot(author: Author): boolean {
  return author?.type === 'Bot';
}

/**
 * The login of the token's own user (`GET /user`), or undefined when GitHub refuses to say: a
 * GITHUB_TOKEN or another GitHub App installation token gets 403 "Resource not accessible by
 * integration" (such a token writes as a Bot, `github-actions[bot]`, which `writtenByToken`
 * recognises by its type). 401 and 404 are treated the same: no identity, so nothing a person
 * wrote is taken over.
 * @throws GitHubApiError on any other failure (an outage is not "someone else").
 */
export async function tokenLogin(
  octokit: Octokit,
  what = "could not read the token's own identity",
): Promise<string | undefined> {
  try {
    const { data } = await octokit.request('GET /user');
    return typeof data.login === 'string' && data.login !== '' ? data.login : undefined;
  } catch (error) {
    const status = (error as { status?: unknown } | null)?.status;
    if (status === 401 || status === 403 || status === 404) return undefined;
    // Not a permission answer (those are handled above), so githubFailure gives a GitHubApiError.
    throw githubFailure(`${what} (GET /user)`, 'read access to the user', error);
  }
}

/**
 * Whether an issue or comment carrying our hidden marker is ours to edit: written by a Bot (a
 * GITHUB_TOKEN writes as `github-actions[bot]`, an App token as `<app>[bot]`), or by the user the
 * token belongs to (a PAT: `login` from `tokenLogin`). A person's copy of the marker is not ours.
 */
export function writtenByToken(author: Author, login: string | undefined): boolean {
  if (isBot(author)) return true;
  return (
    login !== undefined &&
    author?.login !== undefined &&
    author.login.toLowerCase() === login.toLowerCase()
  );
}

/**
 * The first of `marked` that the token wrote: a Bot's without any further call; else, when a
 * person's carries the marker, asks `GET /user` once whether that person is the token's user.
 */
async function firstWrittenByToken<T extends { author: Author }>(
  octokit: Octokit,
  marked: readonly T[],
  what: string,
): Promise<T | undefined> {
  const bot = marked.find((candidate) => isBot(candidate.author));
  if (bot || marked.length === 0) return bot;
  const login = await tokenLogin(octokit, `could not tell who wrote ${what}`);
  return marked.find((candidate) => writtenByToken(candidate.author, login));
}

/** What `upsertIssue` did: the issue's number and page, and whether it was opened now. */
export interface IssueResult {
  number: number;
  url: string;
  created: boolean;
}

/**
 * Keeps one open issue per report title up to date, never a second one. The issue is the open
 * issue labelled `assetguard-report` whose title is exactly `title` and whose body holds the
 * title's hidden marker (`reportIssueMarker`) and that the token's own identity opened
 * (`writtenByToken`); an issue with the same title but without the marker, or a person's issue
 * that copied it, is never taken over. Found: its body is replaced and `comment` (the day's
 * delta), when given, is added as a new comment. Not found: the issue is opened with the label
 * (and `labels`), its body only. Bodies and the comment are cut to GitHub's 65,536 characters
 * with a note.
 *
 * Lists with `GET /repos/{owner}/{repo}/issues?state=open&labels=assetguard-report` (100 per page,
 * every page until a bot's marked issue is found; the endpoint lists pull requests too, which
 * are skipped); `GET /user` only when a marked issue was opened by someone other than a bot.
 * @throws ConfigurationError naming `issues: write` on 401/403/404; GitHubApiError otherwise.
 */
export async function upsertIssue(
  octokit: Octokit,
  where: RepoRef,
  issue: { title: string; body: string; labels?: string[]; comment?: string },
): Promise<IssueResult> {
  const { owner, repo } = where;
  const marker = reportIssueMarker(issue.title);
  const body = fitBody(`${marker}\n${issue.body}`, "the full report is in the run's artifacts.");
  const permission = 'issues: write';
  const place = `${owner}/${repo}`;
  let marked: { number: number; html_url: string; author: Author }[];
  try {
    marked = await octokit.paginate(
      'GET /repos/{owner}/{repo}/issues',
      { owner, repo, state: 'open', labels: REPORT_LABEL, per_page: 100 },
      (response, done) => {
        const page = response.data
          .filter(
            (candidate) =>
              !candidate.pull_request &&
              candidate.title === issue.title &&
              (candidate.body ?? '').includes(marker),
          )
          .map((candidate) => ({
            number: candidate.number,
            html_url: candidate.html_url,
            author: candidate.user,
          }));
        if (page.some((candidate) => isBot(candidate.author))) done();
        return page;
      },
    );
  } catch (error) {
    throw githubFailure(`could not list the open issues of ${place}`, permission, error);
  }
  const found = await firstWrittenByToken(octokit, marked, `the open issues of ${place}`);
  if (!found) {
    try {
      const created = await octokit.request('POST /repos/{owner}/{repo}/issues', {
        owner,
        repo,
        title: issue.title,
        body,
        labels: [REPORT_LABEL, ...(issue.labels ?? []).filter((label) => label !== REPORT_LABEL)],
      });
      return { number: created.data.number, url: created.data.html_url, created: true };
    } catch (error) {
      throw githubFailure(`could not open the report issue in ${place}`, permission, error);
    }
  }
  const { number } = found;
  try {
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      owner,
      repo,
      issue_number: number,
      body,
    });
    if (issue.comment !== undefined && issue.comment.trim() !== '') {
      await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner,
        repo,
        issue_number: number,
        body: fitBody(issue.comment, "the full report is in the issue and the run's artifacts."),
      });
    }
  } catch (error) {
    throw githubFailure(`could not update issue #${number} in ${place}`, permission, error);
  }
  return { number, url: found.html_url, created: false };
}

/** What `upsertPullRequestComment` did: the comment's id and link, and whether it is new. */
export interface CommentResult {
  id: number;
  url: string;
  created: boolean;
}

/**
 * Keeps one comment per `marker` (`assetguard:<gate>`) on a pull request: the comment whose body
 * starts with the hidden marker (`commentMarker`) and that the token's own identity wrote
 * (`writtenByToken`) is updated in place, else one is created. A person's comment that carries
 * the marker is never edited (that would overwrite their words, and anyone may copy the marker):
 * it is left alone and the gate writes its own. Never a second one of its own.
 *
 * Lists with `GET /repos/{owner}/{repo}/issues/{number}/comments` (100 per page, every page),
 * `GET /user` only when a marked comment was written by someone other than a bot; writes with
 * `PATCH /repos/{owner}/{repo}/issues/comments/{id}` or `POST …/comments`.
 * @throws ConfigurationError naming `pull-requests: write` on 401/403/404; GitHubApiError otherwise.
 */
export async function upsertPullRequestComment(
  octokit: Octokit,
  where: RepoRef,
  prNumber: number,
  comment: { marker: string; body: string },
): Promise<CommentResult> {
  const { owner, repo } = where;
  const hidden = commentMarker(comment.marker);
  const body = fitBody(`${hidden}\n${comment.body}`, 'the full summary is in the job summary.');
  const permission = 'pull-requests: write';
  const place = `pull request #${prNumber} in ${owner}/${repo}`;
  let marked: { id: number; html_url: string; author: Author }[];
  try {
    marked = await octokit.paginate(
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { owner, repo, issue_number: prNumber, per_page: 100 },
      (response) =>
        response.data
          .filter((candidate) => (candidate.body ?? '').startsWith(hidden))
          .map((candidate) => ({
            id: candidate.id,
            html_url: candidate.html_url,
            author: candidate.user,
          })),
    );
  } catch (error) {
    throw githubFailure(`could not list the comments of ${place}`, permission, error);
  }
  const existing = await firstWrittenByToken(octokit, marked, `the comments of ${place}`);
  try {
    if (existing) {
      const updated = await octokit.request(
        'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
        {
          owner,
          repo,
          comment_id: existing.id,
          body,
        },
      );
      return { id: updated.data.id, url: updated.data.html_url, created: false };
    }
    const created = await octokit.request(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      {
        owner,
        repo,
        issue_number: prNumber,
        body,
      },
    );
    return { id: created.data.id, url: created.data.html_url, created: true };
  } catch (error) {
    throw githubFailure(`could not comment on ${place}`, permission, error);
  }
}

/** What runInAction needs to comment on a pull request. */
export interface PullRequestCommentRequest {
  token: string;
  repo: RepoRef;
  prNumber: number;
  apiUrl: string;
}

/** The events whose payload carries `pull_request`. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

/**
 * Whether (and where) a command's summary goes to a PR comment: only for a command that declares
 * the `github-token` input, on a pull_request or pull_request_target event whose payload gives
 * the PR number, with a token given and `pr-comment` not `false`. The token, a secret input, is
 * already masked (`maskSecretInputs`, first thing in `runInAction`). `context` is the run's
 * (`readGitHubContext`), read only past the token and `pr-comment` checks. Each reason not to
 * comment that the user may not expect is a warning, never an error: an invalid `pr-comment`,
 * an event without a PR number, or a context that cannot be read (an unreadable payload, a
 * GITHUB_REPOSITORY that is not owner/repo). The comment is a courtesy; the verdict stands.
 */
export function pullRequestCommentRequest(
  specs: InputSpecs,
  read: InputReader,
  context: GitHubContext = readGitHubContext(),
): PullRequestCommentRequest | undefined {
  if (!Object.hasOwn(specs, 'github-token')) return undefined;
  const token = readInput(specs, read, 'github-token');
  if (token === undefined) return undefined;
  const wanted = Object.hasOwn(specs, 'pr-comment') ? readInput(specs, read, 'pr-comment') : 'true';
  if (wanted !== 'true' && wanted !== 'false') {
    core.warning(
      logLine(
        `pr-comment: ${JSON.stringify(wanted)} is not true or false; no PR comment is posted`,
      ),
    );
    return undefined;
  }
  if (wanted === 'false') return undefined;
  if (!PULL_REQUEST_EVENTS.has(context.eventName)) return undefined;
  try {
    const prNumber = context.payload.pull_request?.number;
    if (typeof prNumber !== 'number' || !Number.isSafeInteger(prNumber) || prNumber < 1) {
      core.warning(
        `${context.eventName} event without a pull request number; no PR comment is posted`,
      );
      return undefined;
    }
    return { token, repo: context.repo, prNumber, apiUrl: context.apiUrl };
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    core.warning(logLine(`no PR comment is posted: ${error.message}`));
    return undefined;
  }
}

/**
 * Posts or updates the gate's summary as its PR comment (marker `assetguard:<name>`). Never
 * throws: a failure is a warning naming the permission (the gate's verdict stands). Returns the
 * comment, or undefined when it could not be posted.
 */
export async function commentOnPullRequest(
  request: PullRequestCommentRequest,
  name: string,
  summary: string,
  octokit?: Octokit,
): Promise<CommentResult | undefined> {
  try {
    const client = octokit ?? (await githubClient(request.token, request.apiUrl));
    const result = await upsertPullRequestComment(client, request.repo, request.prNumber, {
      marker: `assetguard:${name}`,
      body: summary,
    });
    core.info(
      logLine(
        `${result.created ? 'commented on' : 'updated the comment on'} pull request #${request.prNumber}: ${result.url}`,
      ),
    );
    return result;
  } catch (error) {
    core.warning(
      logLine(
        `${name}: the summary was not posted to pull request #${request.prNumber} (the verdict stands): ${errorMessage(error)}`,
      ),
    );
    return undefined;
  }
}
