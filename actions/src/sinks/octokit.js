// Octokit is published as ES modules only. The TypeScript sources compile to CommonJS for Jest
// and tsx; this ES module, reached by an `import()` from sinks/github, is the one place that
// imports octokit, so the bundles carry it as a chunk loaded only by a run that talks to GitHub.
// The client is @octokit/core with the one plugin the sinks use (`paginate`; they call routes
// with `request`, not the endpoint-methods plugin's table of every route): no
// @actions/github, whose proxy-aware transport (undici) is most of its size; requests go
// through Node's global fetch (see sinks/github `githubClient`).
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';

export const GitHubClient = Octokit.plugin(paginateRest);
