/**
 * `npm run demo`: the scan gate end to end against a local moto server that this script starts
 * and stops. It seeds an ECR registry with enhanced scanning, a vulnerable image and a clean
 * one with their Inspector2 findings, then runs the bundled CLI (actions/dist/cli) on both with
 * the built-in default policy, and replays one evidence bundle offline.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { MOTO_INSTALL_HINT, motoAvailable, startMoto } from './lib/moto';
import {
  countsOf,
  enableEnhancedScanning,
  inspectorFinding,
  pushImage,
  seedInspectorFindings,
  seedScanStatus,
  type SeedFinding,
} from './lib/seed';

const REGION = 'us-east-1';
const root = resolve(__dirname, '..');
const cli = join(root, 'actions/dist/cli/index.js');
const outDir = join(root, 'out/demo');

const vulnerableFindings: SeedFinding[] = [
  {
    cve: 'CVE-2024-6387',
    severity: 'CRITICAL',
    packageName: 'openssh-server',
    installed: '1:9.2p1-2',
    fixed: '1:9.2p1-2+deb12u3',
    epss: 0.92,
    exploit: true,
  },
  {
    cve: 'CVE-2023-4911',
    severity: 'HIGH',
    packageName: 'libc6',
    installed: '2.36-9',
    fixed: '2.36-9+deb12u3',
    epss: 0.71,
  },
  { cve: 'CVE-2024-2961', severity: 'HIGH', packageName: 'libc6', installed: '2.36-9' },
  {
    cve: 'CVE-2023-44487',
    severity: 'MEDIUM',
    packageName: 'nghttp2',
    installed: '1.52.0-1',
    fixed: '1.52.0-1+deb12u1',
  },
  { cve: 'CVE-2022-0563', severity: 'LOW', packageName: 'util-linux', installed: '2.38.1-5' },
];
const cleanFindings: SeedFinding[] = [
  { cve: 'CVE-2022-0563', severity: 'LOW', packageName: 'util-linux', installed: '2.38.1-5' },
  {
    cve: 'CVE-2023-44487',
    severity: 'MEDIUM',
    packageName: 'nghttp2',
    installed: '1.52.0-1',
    fixed: '1.52.0-1+deb12u1',
    status: 'CLOSED',
  },
];

function runCli(args: string[], env: NodeJS.ProcessEnv, cwd: string): number {
  console.log(`\n$ assetguard ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [cli, ...args], { env, cwd, stdio: 'inherit' });
  return result.status ?? 2;
}

async function main(): Promise<number> {
  if (!motoAvailable()) {
    console.error(`demo: ${MOTO_INSTALL_HINT}`);
    return 2;
  }
  console.log('demo: starting a local moto server (AWS APIs on 127.0.0.1)…');
  const moto = await startMoto();
  const workdir = mkdtempSync(join(tmpdir(), 'assetguard-demo-'));
  const stop = (): void => {
    void moto.stop();
  };
  process.once('SIGINT', stop);
  try {
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'demo',
      AWS_SECRET_ACCESS_KEY: 'demo',
      AWS_REGION: REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const ecr = new ECRClient({
      region: REGION,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
    });
    await enableEnhancedScanning(ecr);
    const vulnerable = await pushImage(ecr, 'web', '1.0.0');
    const clean = await pushImage(ecr, 'web', '1.0.1');
    await seedScanStatus(moto.endpoint, ecr, vulnerable, REGION, {
      status: 'COMPLETE',
      counts: countsOf(vulnerableFindings),
    });
    await seedScanStatus(moto.endpoint, ecr, clean, REGION, {
      status: 'ACTIVE',
      counts: countsOf(cleanFindings),
    });
    // moto ignores ListFindings filters: both answers hold both images' findings, and the
    // gate's client-side re-check by digest keeps only the right ones.
    const all = [
      ...vulnerableFindings.map((finding, index) =>
        inspectorFinding({ ...vulnerable, region: REGION }, finding, index),
      ),
      ...cleanFindings.map((finding, index) =>
        inspectorFinding({ ...clean, region: REGION }, finding, index),
      ),
    ];
    await seedInspectorFindings(moto.endpoint, REGION, [all, all]);
    console.log(
      `demo: seeded ECR repository "web" with ${vulnerable.tag} (vulnerable) and ${clean.tag} (clean) and their Inspector findings`,
    );
    rmSync(outDir, { recursive: true, force: true });

    // cwd is an empty directory, so no .github/assetguard.yml: the built-in default policy applies.
    const blocked = runCli(
      ['scan-gate', '--image', 'web:1.0.0', '--output-dir', join(outDir, 'web-1.0.0')],
      env,
      workdir,
    );
    const passed = runCli(
      ['scan-gate', '--image', 'web:1.0.1', '--output-dir', join(outDir, 'web-1.0.1')],
      env,
      workdir,
    );
    const replayed = runCli(
      ['replay', join(outDir, 'web-1.0.0')],
      { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
      workdir,
    );

    console.log('\ndemo results');
    console.log(
      `  web:1.0.0  exit ${blocked} (${blocked === 1 ? 'blocked, as expected' : 'UNEXPECTED'})`,
    );
    console.log(
      `  web:1.0.1  exit ${passed} (${passed === 0 ? 'passed, as expected' : 'UNEXPECTED'})`,
    );
    console.log(
      `  replay     exit ${replayed} (${replayed === 1 ? 'same verdict, offline' : 'UNEXPECTED'})`,
    );
    console.log(
      `  reports:   ${outDir}/<image>/{summary.md,verdict.json,results.sarif,evidence.json}`,
    );
    return blocked === 1 && passed === 0 && replayed === 1 ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', stop);
    rmSync(workdir, { recursive: true, force: true });
    await moto.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
