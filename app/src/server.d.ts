// Types for the CommonJS server so the repository's TypeScript tests import it checked.
import type { Server } from 'node:http';

export interface CreateServerOptions {
  /** Environment to read APP_VERSION and GIT_SHA from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export declare function createServer(options?: CreateServerOptions): Server;
