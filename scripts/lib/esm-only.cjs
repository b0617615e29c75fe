/**
 * Packages published as ES modules only, whose `exports` map offers an `import` entry and no
 * `require`/`default` one: @actions/core 3 and the toolkit packages it loads.
 * The bundles (esbuild) resolve them with the `import` condition. Two CommonJS runtimes do not:
 * Jest's (jest.config.js maps them with moduleNameMapper) and tsx, which runs the sources as
 * CommonJS for `npm run assetguard` and `npm run bench` (`tsx --require ./scripts/lib/esm-only-register.cjs`
 * installs the same mapping as a resolver hook; tsx then compiles the ES module it finds).
 *
 * ENTRY_POINTS: bare specifier -> the file its `import` condition names, relative to the root.
 */
const { join } = require('node:path');

const ENTRY_POINTS = {
  '@actions/core': 'node_modules/@actions/core/lib/core.js',
  '@actions/exec': 'node_modules/@actions/exec/lib/exec.js',
  '@actions/io': 'node_modules/@actions/io/lib/io.js',
  '@actions/io/lib/io-util': 'node_modules/@actions/io/lib/io-util.js',
  // @actions/core's http-client (ES only).
  '@actions/http-client': 'node_modules/@actions/http-client/lib/index.js',
  '@actions/http-client/lib/auth': 'node_modules/@actions/http-client/lib/auth.js',
};

/** Jest's moduleNameMapper for ENTRY_POINTS (`^specifier$` -> `<rootDir>/file`). */
function jestModuleNameMapper() {
  return Object.fromEntries(
    Object.entries(ENTRY_POINTS).map(([specifier, file]) => [
      `^${specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`,
      `<rootDir>/${file}`,
    ]),
  );
}

/** The absolute path of a specifier in ENTRY_POINTS, or undefined. */
function entryPoint(request) {
  const file = ENTRY_POINTS[request];
  return file === undefined ? undefined : join(__dirname, '../..', file);
}

module.exports = { entryPoint, jestModuleNameMapper };
