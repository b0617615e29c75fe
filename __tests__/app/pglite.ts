/**
 * `@electric-sql/pglite` inside the asset portal's tests (jest.config maps the name here): the
 * instance ./environment.ts loaded outside Jest's vm. A test file without that environment
 * fails here, saying which docblock it needs.
 */
import { PGLITE_GLOBAL } from './environment';

type PGliteModule = typeof import('../../app/node_modules/@electric-sql/pglite');

const loaded = (globalThis as Record<string, unknown>)[PGLITE_GLOBAL] as PGliteModule | undefined;
if (loaded === undefined) {
  throw new Error(
    "PGlite is loaded by the portal tests' environment: start the test file with /** @jest-environment ./__tests__/app/environment.ts */",
  );
}

export = loaded;
