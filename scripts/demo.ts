/**
 * `npm run demo`: both gates and the tag policy end to end against a local moto server that this
 * script starts. It seeds an ECR registry with enhanced scanning, a vulnerable image and a clean
 * one with their Inspector2 findings, Security Hub control findings and a tagged estate, then
 * runs the bundled CLI (actions/dist/cli) on them and replays two evidence bundles offline.
 *
 * Everything it writes stays in out/demo (or `--out DIR`): each run's reports in
 * out/demo/<run>/ and the tag policy the tag runs cite, out/demo/tag-policy.yml, so the reports
 * can be read and replayed afterwards. moto is stopped at the end, so AWS state is gone; with
 * `npm run demo -- --keep` it keeps running (until Ctrl-C) for the CLI to be pointed at it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { paginateGetFindings, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { FLEET_GENERATOR_PREFIX } from '../actions/src/sinks/securityhub-import';
import { MOTO_INSTALL_HINT, motoAvailable, startMoto } from './lib/moto';
import { formatReportFiles, reportFiles } from './lib/report-listing';
import { startCoverageProcess } from '../__tests__/fixtures/inspector-coverage';
import { CLEAN, ESTATE_CONTROLS, VULNERABLE } from '../__tests__/fixtures/estate';
import { DEMO_TAG_POLICY, seedTaggingEstate } from '../__tests__/fixtures/estate-tags';
import { REPORT_POLICY, seedReportEstate } from '../__tests__/fixtures/report-estate';
import { yesterdayOf } from '../__tests__/fixtures/report-history';
import type { ReportState } from '../actions/src/report/model';
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
// The SDK clients this script seeds with would print the SDK's notice about Node 20 (the CLI
// switches it off for itself).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = resolve(__dirname, '..');
const cli = join(root, 'actions/dist/cli/index.js');
const args = process.argv.slice(2);
/** `--keep`: leave moto running at the end, for exploring the seeded estate with the CLI. */
const keep = args.includes('--keep');
const outIndex = args.indexOf('--out');
const outDir = resolve(outIndex >= 0 ? (args[outIndex + 1] ?? 'out/demo') : join(root, 'out/demo'));
/** Marks a directory the demo owns, so a rerun may clear it (and never clears anything else). */
const DEMO_MARKER = '.assetguard-demo';

/** A path as the user types it from where they ran the demo. */
const shown = (path: string): string => {
  const inside = relative(process.cwd(), path);
  return inside === '' ? '.' : inside.startsWith('..') ? path : inside;
};

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
  // out/demo is the demo's own (git-ignored); a directory given with --out is cleared only when
  // it is empty or a previous demo's.
  if (
    outIndex >= 0 &&
    existsSync(outDir) &&
    readdirSync(outDir).length > 0 &&
    !existsSync(join(outDir, DEMO_MARKER))
  ) {
    console.error(
      `demo: ${shown(outDir)} is not empty and not a previous demo's output; choose another --out`,
    );
    return 2;
  }
  console.log('demo: starting a local moto server (AWS APIs on 127.0.0.1)…');
  const moto = await startMoto();
  // moto 5.2.1 has no Inspector2 ListCoverage, which the scan gate settles on: a loopback endpoint
  // answers it (each image pushed to moto counts as scanned) and forwards the rest to moto. It
  // runs in a process of its own, since runCli blocks this one while the CLI calls it.
  const coverage = await startCoverageProcess(moto.endpoint);
  // The CLI runs in out/demo: it holds no .github/assetguard.yml, so the gates use the built-in
  // default policy; the tag runs cite out/demo/tag-policy.yml, which stays there with the reports.
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, DEMO_MARKER), 'written by npm run demo; cleared by the next run\n');
  const workdir = outDir;
  const stop = (): void => {
    void moto.stop();
    void coverage.stop();
  };
  process.once('SIGINT', stop);
  let keepRunning = false;
  try {
    // This process and the CLI runs it starts all talk to moto, as a user would point
    // assetguard at an emulator: through the standard AWS_* variables.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ENDPOINT_URL_INSPECTOR2: coverage.endpoint,
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
    // cwd is out/demo, which holds no .github/assetguard.yml: the built-in default policy applies.
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
    // The daily report: two teams' images (one running), a host, a function, Security Hub
    // controls. The first run leaves a state; the demo turns it into yesterday's (with a month
    // of history, some findings fixed since and some new today) and reports again against it.
    // The running image was last seen in use an hour ago, as Inspector2 reports a live one.
    await seedReportEstate(moto.endpoint, REGION, { lastInUse: new Date(Date.now() - 3_600_000) });
    const reportPolicy = join(workdir, 'report-policy.yml');
    writeFileSync(reportPolicy, REPORT_POLICY);
    const statePath = join(outDir, 'report-state.json');
    const reportArgs = (dir: string): string[] => [
      'report',
      '--compliance-source',
      'securityhub',
      '--policy',
      reportPolicy,
      '--state',
      statePath,
      '--output-dir',
      join(outDir, dir),
    ];
    const firstReport = runCli(reportArgs('report-yesterday'), env, workdir);
    if (existsSync(statePath)) {
      const today = JSON.parse(readFileSync(statePath, 'utf8')) as ReportState;
      writeFileSync(statePath, JSON.stringify(yesterdayOf(today)));
      console.log(`\ndemo: ${shown(statePath)} now holds yesterday's state and a month of trend`);
    }
    const report = runCli(reportArgs('report'), env, workdir);
    // Remediation, planned only: the runbook for the public prod bucket the compliance gate
    // blocked on, and for SSH open to the world across the account. A dry run changes nothing
    // (moto has no SSM Automation to run it on); each run leaves its plan and audit record.
    const remediateS3 = runCli(
      [
        'remediate',
        '--rule',
        'S3.8',
        '--source',
        'securityhub',
        '--scope',
        'Environment=prod',
        '--output-dir',
        join(outDir, 'remediate-s3.8'),
      ],
      env,
      workdir,
    );
    const remediateSsh = runCli(
      [
        'remediate',
        '--rule',
        'EC2.13',
        '--source',
        'securityhub',
        '--output-dir',
        join(outDir, 'remediate-ec2.13'),
      ],
      env,
      workdir,
    );
    // The fleet host checks, on this very machine (no Run Command: --targets local), imported into
    // the local Security Hub; report only (--fail-on none), since a dev box fails some checks.
    // Unprivileged, the checks that read root-only files (/etc/shadow, every file for owners,
    // SUID and world-writable scans) answer ERROR, which fails the run closed (exit 2): the demo
    // then excepts them by name, with the reason, as a team would for a known gap.
    const fleetPolicy = join(workdir, 'fleet-policy.yml');
    writeFileSync(fleetPolicy, fleetDemoPolicy(process.getuid?.() === 0));
    const fleet = runCli(
      [
        'fleet-check',
        '--targets',
        'local',
        '--import-to-securityhub',
        '--fail-on',
        'none',
        '--policy',
        fleetPolicy,
        '--output-dir',
        join(outDir, 'fleet-check'),
      ],
      env,
      workdir,
    );
    const fleetImported = await countFleetFindings(REGION);
    console.log(
      `\ndemo: Security Hub now holds ${fleetImported} ACTIVE fleet-check finding(s) of this machine`,
    );
    // Every command leaves evidence; replay re-decides offline (AWS unreachable on purpose).
    const offline = {
      ...process.env,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_INSPECTOR2: 'http://127.0.0.1:9',
    };
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
      `  report (first run)          ${expect(firstReport, 0, 'reported; its state becomes yesterday')}`,
    );
    console.log(
      `  report (against yesterday)  ${expect(report, 0, 'reported: new, fixed, overdue, trend')}`,
    );
    console.log(
      `  remediate S3.8 (dry run)    ${expect(remediateS3, 0, 'planned: AWS-DisableS3BucketPublicReadWrite on the prod bucket')}`,
    );
    console.log(
      `  remediate EC2.13 (dry run)  ${expect(remediateSsh, 0, 'planned: AWS-DisableIncomingSSHOnPort22')}`,
    );
    console.log(
      `  fleet-check local           ${expect(fleet, 0, `checked this machine; ${fleetImported} failing check(s) in Security Hub`)}`,
    );
    console.log(
      `  replay web:1.0.0 (offline)  ${expect(replayed, 1, 'same verdict from the evidence')}`,
    );
    console.log(
      `  replay tags audit (before)  ${expect(replayedAudit, 1, 'same verdict from the inventory')}`,
    );
    const runs = [
      'web-1.0.0',
      'web-1.0.1',
      'compliance-prod',
      'tags-audit-before',
      'tags-apply',
      'tags-audit-after',
      'report-yesterday',
      'report',
      'remediate-s3.8',
      'remediate-ec2.13',
      'fleet-check',
    ];
    console.log(`\nreports written (in ${shown(outDir)}/, read from disk):`);
    for (const line of formatReportFiles(reportFiles(outDir, runs))) console.log(`  ${line}`);
    console.log(`  tag-policy.yml  the tag policy the tag runs cite`);
    console.log(
      `  report-policy.yml, report-state.json  the report's policy and the state it keeps`,
    );
    console.log(
      `  fleet-policy.yml  the fleet check's policy (its exceptions when run unprivileged)`,
    );
    console.log(`\nthe daily report page (open it in a browser; it makes no network request):`);
    console.log(`  ${shown(join(outDir, 'report', 'report.html'))}`);
    console.log('\nexplore them (no AWS needed):');
    console.log(`  cat ${shown(join(outDir, 'web-1.0.0', 'summary.md'))}`);
    console.log(
      `  npx assetguard replay ${shown(join(outDir, 'web-1.0.0'))}          # re-decides from evidence.json`,
    );
    console.log(`  npx assetguard replay ${shown(join(outDir, 'tags-audit-before'))}`);
    if (keep) {
      keepRunning = true;
      console.log(
        `\nmoto keeps running at ${moto.endpoint} (Ctrl-C stops it). Point the CLI at it:`,
      );
      console.log(
        `  export AWS_ENDPOINT_URL=${moto.endpoint} AWS_ENDPOINT_URL_INSPECTOR2=${coverage.endpoint} AWS_REGION=${REGION} AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo`,
      );
      console.log(`  npx assetguard tags audit --policy ${shown(join(outDir, 'tag-policy.yml'))}`);
    } else {
      console.log(
        '\nmoto has been stopped, so the seeded AWS state is gone; `npm run demo -- --keep` leaves it running.',
      );
    }
    const expected = [
      blocked === 1,
      passed === 0,
      compliance === 1,
      auditBefore === 1,
      applied === 0,
      auditAfter === 0,
      firstReport === 0,
      report === 0,
      remediateS3 === 0,
      remediateSsh === 0,
      fleet === 0,
      replayed === 1,
      replayedAudit === 1,
    ];
    return expected.every(Boolean) ? 0 : 1;
  } finally {
    if (!keepRunning) {
      process.removeListener('SIGINT', stop);
      await moto.stop();
      await coverage.stop();
    }
  }
}

/** The checks of scripts/fleet/host-check.sh that need root to read what they check. */
const ROOT_ONLY_CHECKS = ['U-04', 'U-06', 'U-13', 'U-15'];

/**
 * The demo fleet check's policy: none as root; unprivileged, an exception per root-only check,
 * expiring in 30 days, so that what the demo could not read is said (excepted), not hidden.
 */
function fleetDemoPolicy(root: boolean): string {
  const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const exceptions = root
    ? []
    : ROOT_ONLY_CHECKS.flatMap((id) => [
        `  - id: ${id}`,
        '    reason: the demo runs unprivileged; this check reads root-only files (run it with sudo)',
        '    owner: demo@example.com',
        `    expires: ${expires}`,
      ]);
  return ['version: 1', ...(exceptions.length > 0 ? ['exceptions:', ...exceptions] : []), ''].join(
    '\n',
  );
}

/**
 * The ACTIVE findings the fleet check imported into Security Hub (GetFindings, every page; the
 * generator id is the one sinks/securityhub-import gives them), read back as proof of the import.
 */
async function countFleetFindings(region: string): Promise<number> {
  const client = new SecurityHubClient({ region });
  let count = 0;
  for await (const page of paginateGetFindings(
    { client },
    {
      Filters: {
        GeneratorId: [{ Value: FLEET_GENERATOR_PREFIX, Comparison: 'PREFIX' }],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      },
    },
  )) {
    count += (page.Findings ?? []).filter(
      (finding) =>
        finding.GeneratorId?.startsWith(FLEET_GENERATOR_PREFIX) && finding.RecordState === 'ACTIVE',
    ).length;
  }
  return count;
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
