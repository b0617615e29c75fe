import { startMoto, type MotoServer } from '../../scripts/lib/moto';

declare global {
  var assetguardMoto: MotoServer[] | undefined;
}

/**
 * One moto server per Jest worker, each on its own free loopback port, so that test files
 * running at once never see (or reset) each other's AWS state. Workers inherit the environment
 * set here: `MOTO_ENDPOINT_<n>` for worker n, read by `moto-worker.ts` before each test file,
 * which points AWS_ENDPOINT_URL at that worker's server, exactly as a user would point assetguard
 * at an emulator. Servers start at once (each is a separate python process).
 */
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  const count = Math.max(1, globalConfig.maxWorkers);
  const started = await Promise.allSettled(Array.from({ length: count }, () => startMoto()));
  const servers = started.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  globalThis.assetguardMoto = servers;
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(servers.map((server) => server.stop()));
    throw failed.reason;
  }
  const first = servers[0] as MotoServer;
  Object.assign(process.env, {
    ...Object.fromEntries(
      servers.map((server, index) => [`MOTO_ENDPOINT_${index + 1}`, server.endpoint]),
    ),
    MOTO_ENDPOINT: first.endpoint,
    AWS_ENDPOINT_URL: first.endpoint,
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
