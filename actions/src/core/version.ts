import { version } from '../../../package.json';

/** assetguard's version (package.json): in the SDK user agent, SARIF's tool and evidence bundles. */
export const VERSION: string = version;
