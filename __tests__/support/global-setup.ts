import { startMoto, type MotoServer } from '../../scripts/lib/moto';

declare global {
  var assetguardMoto: MotoServer | undefined;
}

/**
 * One moto server for the whole run, on a free loopback port. Workers inherit the environment
 * set here, so every SDK client in a test reaches moto through AWS_ENDPOINT_URL, exactly as a
 * user would point assetguard at an emulator.
 */
export default async function globalSetup(): Promise<void> {
  const moto = await startMoto();
  globalThis.assetguardMoto = moto;
  Object.assign(process.env, {
    MOTO_ENDPOINT: moto.endpoint,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    // The runner uses Node 24; the SDK's Node 20 notice is noise in test output.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}
