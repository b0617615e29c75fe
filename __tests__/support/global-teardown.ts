export default async function globalTeardown(): Promise<void> {
  await Promise.all((globalThis.assetguardMoto ?? []).map((server) => server.stop()));
}
