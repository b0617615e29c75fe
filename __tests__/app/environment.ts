/**
 * The Jest environment of the asset portal's tests (each file says `@jest-environment
 * ./__tests__/app/environment.ts`): Node's, plus PGlite loaded by Node's own require before the
 * test's vm exists. PGlite's CommonJS build loads Node built-ins with `await import()`, which
 * code inside Jest's vm can run only under --experimental-vm-modules; loaded here, it runs as
 * in the container. jest.config maps `@electric-sql/pglite` to ./pglite.ts, which hands this
 * instance to the app. Its rows, Dates and errors come from Node's realm, so the app never
 * relies on `instanceof` for them.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment } from 'jest-environment-node';

/** The global the environment sets and ./pglite.ts reads. */
export const PGLITE_GLOBAL = 'assetguardPGlite';

export default class PortalTestEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    // Resolved from app/, whose node_modules holds the app's dependencies.
    const appRequire = createRequire(join(__dirname, '../../app/package.json'));
    this.global[PGLITE_GLOBAL] = appRequire('@electric-sql/pglite');
  }
}
