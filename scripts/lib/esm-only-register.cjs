/**
 * `tsx --require ./scripts/lib/esm-only-register.cjs …`: resolves the ES-only packages of
 * ./esm-only.cjs to their `import` entry before Node's CommonJS resolver refuses them
 * (ERR_PACKAGE_PATH_NOT_EXPORTED), so the sources run under tsx as they run in the bundles.
 */
const Module = require('node:module');
const { entryPoint } = require('./esm-only.cjs');

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveEsmOnly(request, ...rest) {
  return entryPoint(request) ?? resolve.call(this, request, ...rest);
};
