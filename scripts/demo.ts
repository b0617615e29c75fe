/**
 * `npm run demo`: the scan gate end to end against a local moto server that this script starts
 * and stops. It seeds an ECR registry with enhanced scanning, a vulnerable image and a clean
 * one with their Inspector2 findings, then runs the bundled CLI (actions/dist/cli) on both with
 * the built-in default policy, and replays one evidence bundle offline.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { MOTO_INSTALL_HINT, motoAvailable, startMoto } from './lib/moto';
import { CLEAN, ESTATE_CONTROLS, VULNERABLE } from '../__tests__/fixtures/estate';
import { DEMO_TAG_POLICY, seedTaggingEstate } from '../__tests__/fixtures/estate-tags';
import {
  countsOf,
  enableEnhancedScanning,
  importControlFindings,
  inspectorFinding,
  pushImage,
  seedInspectorFindings,
  seedScanStatus,
} from '../__tests__/fixtures/seed';

const REGION = 'us-east-1';
// The Actions runner uses Node 24; the SDK's notice about Node 20 is noise in a demo.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const root = resolve(__dirname, '..');
const cli = join(root, 'actions/dist/cli/index.js');
const outDir = join(root, 'out/demo');

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
    // This process and the CLI runs it starts all talk to moto, as a user would point
    // assetguard at an emulator: through the standard AWS_* variables.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'demo',
      AWS_SECRET_ACCESS_KEY: 'demo',
      AWS_REGION: REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const env = process.env;
    const ecr = new ECRClient({ region: REGION });
    await enableEnhancedScanning(ecr);
    const vulnerable = await pushImage(ecr, 'web', '1.0.0');
    const clean = await pushImage(ecr, 'web', '1.0.1');
    await seedScanStatus(moto.endpoint, ecr, vulnerable, REGION, {
      status: 'COMPLETE',
      counts: countsOf(VULNERABLE),
    });
    await seedScanStatus(moto.endpoint, ecr, clean, REGION, {
      status: 'ACTIVE',
      counts: countsOf(CLEAN),
    });
    // moto ignores ListFindings filters: both answers hold both images' findings, and the
    // gate's client-side re-check by digest keeps only the right ones.
    const all = [
      ...VULNERABLE.map((finding, index) =>
        inspectorFinding({ ...vulnerable, region: REGION }, finding, index),
      ),
      ...CLEAN.map((finding, index) =>
        inspectorFinding({ ...clean, region: REGION }, finding, index),
      ),
    ];
    await seedInspectorFindings(moto.endpoint, REGION, [all, all]);
    console.log(
      `demo: seeded ECR repository "web" with ${vulnerable.tag} (vulnerable) and ${clean.tag} (clean) and their Inspector findings`,
    );
    await importControlFindings(moto.endpoint, REGION, ESTATE_CONTROLS);
    console.log(
      `demo: seeded Security Hub with ${ESTATE_CONTROLS.length} control findings for the account (prod and dev resources)`,
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
    const compliance = runCli(
      [
        'compliance-gate',
        '--source',
        'securityhub',
        '--scope',
        'Environment=prod',
        '--output-dir',
        join(outDir, 'compliance-prod'),
      ],
      env,
      workdir,
    );
    // The tag policy: audit (below the minimum), plan, apply, audit again (full coverage).
    await seedTaggingEstate(moto.endpoint, REGION);
    const tagPolicy = join(workdir, 'tag-policy.yml');
    writeFileSync(tagPolicy, DEMO_TAG_POLICY);
    const tagsOut = (name: string): string[] => [
      '--policy',
      tagPolicy,
      '--output-dir',
      join(outDir, name),
    ];
    const auditBefore = runCli(['tags', 'audit', ...tagsOut('tags-audit-before')], env, workdir);
    const applied = runCli(['tags', 'apply', '--execute', ...tagsOut('tags-apply')], env, workdir);
    const auditAfter = runCli(['tags', 'audit', ...tagsOut('tags-audit-after')], env, workdir);
    // Every command leaves evidence; replay re-decides offline (AWS unreachable on purpose).
    const offline = { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    const replayed = runCli(['replay', join(outDir, 'web-1.0.0')], offline, workdir);
    const replayedAudit = runCli(['replay', join(outDir, 'tags-audit-before')], offline, workdir);

    const expect = (code: number, wanted: number, meaning: string): string =>
      `exit ${code} (${code === wanted ? meaning : `UNEXPECTED, expected ${wanted}`})`;
    console.log('\ndemo results');
    console.log(
      `  scan-gate web:1.0.0         ${expect(blocked, 1, 'blocked: CRITICAL and HIGH CVEs')}`,
    );
    console.log(`  scan-gate web:1.0.1         ${expect(passed, 0, 'passed: one LOW finding')}`);
    console.log(
      `  compliance-gate prod        ${expect(compliance, 1, 'blocked: public S3 bucket (S3.8)')}`,
    );
    console.log(
      `  tags audit (before)         ${expect(auditBefore, 1, 'blocked: coverage below tags.min-coverage')}`,
    );
    console.log(
      `  tags apply --execute        ${expect(applied, 0, 'tagged what was missing or wrong')}`,
    );
    console.log(`  tags audit (after)          ${expect(auditAfter, 0, 'passed: full coverage')}`);
    console.log(
      `  replay web:1.0.0 (offline)  ${expect(replayed, 1, 'same verdict from the evidence')}`,
    );
    console.log(
      `  replay tags audit (before)  ${expect(replayedAudit, 1, 'same verdict from the inventory')}`,
    );
    console.log(
      `  reports: ${outDir}/<run>/{summary.md,verdict.json,evidence.json} (+ results.sarif for the gates, tags.json and tags.csv for an audit)`,
    );
    const expected = [
      blocked === 1,
      passed === 0,
      compliance === 1,
      auditBefore === 1,
      applied === 0,
      auditAfter === 0,
      replayed === 1,
      replayedAudit === 1,
    ];
    return expected.every(Boolean) ? 0 : 1;
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
