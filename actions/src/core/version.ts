/**
 * assetguard's version: in the SDK user agent, SARIF's tool and evidence bundles. Kept here as
 * a literal rather than imported from package.json, which the bundler would embed whole in every
 * bundle (and every devDependency change would then rewrite all of them);
 * __tests__/core/version.test.ts keeps it equal to package.json's version.
 */
export const VERSION = '0.1.0';
