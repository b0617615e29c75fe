'use strict';
// Bundled in place of @actions/core's OIDC client (lib/oidc-utils.js),
// which scripts/build.mjs leaves out: it is the only reason @actions/core loads
// @actions/http-client and undici, and no assetguard action asks GitHub for an OIDC token
// (AWS credentials come from the job, e.g. aws-actions/configure-aws-credentials).
// core.getIDToken is the one caller; it fails with this message rather than a missing module.
class OidcClient {
  static async getIDToken() {
    throw new Error(
      'core.getIDToken is not available in assetguard bundles: scripts/build.mjs leaves out @actions/core’s OIDC client',
    );
  }
}
module.exports = { OidcClient };
