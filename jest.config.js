/** One root test config for the whole repository (STYLE.md #11). */
const { jestModuleNameMapper } = require('./scripts/lib/esm-only.cjs');

/**
 * Dependencies published only as ES modules (octokit, d3). The
 * bundles (esbuild) and Node load them as they are; Jest's CommonJS runtime needs them compiled,
 * which ts-jest does for these packages only.
 */
const ESM_PACKAGES = [
  'd3-[a-z-]+',
  'internmap',
  '@actions/core',
  '@actions/exec',
  '@actions/io',
  '@actions/http-client',
  '@octokit',
  'content-type',
  'universal-user-agent',
  'before-after-hook',
  'fast-content-type-parse',
  'json-with-bigint',
];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    '^.+\\.m?js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true, checkJs: false } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  // The ES-only packages whose exports offer only an `import` entry, which Jest's resolver does
  // not take (the same map tsx uses for `npm run assetguard` and `npm run bench`).
  moduleNameMapper: {
    ...jestModuleNameMapper(),
    // The asset portal's embedded PostgreSQL, loaded outside Jest's vm (__tests__/app/environment.ts).
    '^@electric-sql/pglite$': '<rootDir>/__tests__/app/pglite.ts',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  globalSetup: '<rootDir>/__tests__/support/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/support/global-teardown.ts',
  setupFiles: ['<rootDir>/__tests__/support/moto-worker.ts'],
  setupFilesAfterEnv: [
    '<rootDir>/__tests__/support/no-network.ts',
    '<rootDir>/__tests__/support/moto-reset.ts',
  ],
  testTimeout: 30000,
  // Two test files at once (the CI machine has two cores); each worker has its own moto server.
  maxWorkers: 2,
};
