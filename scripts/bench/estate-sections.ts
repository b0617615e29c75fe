/**
 * `npm run bench -- --tags-apply` / `--daily-report`: runs the chosen estate sections
 * (scripts/bench/estate-bench.ts) with the bench's --rounds, --latency-ms and --profile, and
 * writes their figures to out/bench/estate.json. The daily report runs once per compliance
 * source asked for (both by default): `dailyReport` holds the Config run's figures, as before,
 * `dailyReportSecurityHub` the Security Hub run's.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  benchDailyReportCli,
  benchTagsApplyCli,
  type ComplianceSource,
  type DailyReportBenchResult,
  type TagsApplyBenchResult,
} from './estate-bench';

const outDir = resolve(__dirname, '..', '..', 'out', 'bench');

/** The report's compliance sources, in the order the section runs them. */
export const COMPLIANCE_SOURCES: readonly ComplianceSource[] = ['config', 'securityhub'];

export async function benchEstateSections(
  chosen: {
    tagsApply: boolean;
    dailyReport: boolean;
    /** The daily report's compliance sources (default both). */
    complianceSources?: readonly ComplianceSource[];
  },
  options: {
    rounds?: number;
    latencyMs?: number;
    profileDir?: string;
    /** Security Hub throttled as documented (estate-bench `securityHubThrottle`). */
    securityHubThrottle?: boolean;
  },
  machine: Record<string, string | number>,
  started: number,
): Promise<void> {
  const common = {
    rounds: options.rounds ?? 5,
    ...(options.latencyMs !== undefined && { latencyMs: options.latencyMs }),
  };
  let tagsApply: TagsApplyBenchResult | undefined;
  let dailyReport: DailyReportBenchResult | undefined;
  let dailyReportSecurityHub: DailyReportBenchResult | undefined;
  if (chosen.tagsApply) {
    tagsApply = await benchTagsApplyCli({
      ...common,
      ...(options.profileDir !== undefined && {
        profileDir: join(options.profileDir, 'tags-apply'),
      }),
    });
  }
  if (chosen.dailyReport) {
    for (const source of chosen.complianceSources ?? COMPLIANCE_SOURCES) {
      const result = await benchDailyReportCli({
        ...common,
        complianceSource: source,
        ...(options.securityHubThrottle === true && { securityHubThrottle: true }),
        ...(options.profileDir !== undefined && {
          profileDir: join(
            options.profileDir,
            source === 'config' ? 'report' : 'report-securityhub',
          ),
        }),
      });
      if (source === 'config') dailyReport = result;
      else dailyReportSecurityHub = result;
    }
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'estate.json');
  writeFileSync(
    file,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), machine, tagsApply, dailyReport, dailyReportSecurityHub }, null, 2)}\n`,
  );
  console.log(`\ntotal bench time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`results: ${file}`);
}

/**
 * Also runnable on its own (`npx tsx scripts/bench/estate-sections.ts --tags-apply
 * [--daily-report] [--compliance-source config|securityhub] [--securityhub-throttle]
 * [--rounds N] [--latency-ms MS] [--profile DIR]`), which loads neither the other sections nor their imports.
 */
if (require.main === module) {
  const argv = process.argv.slice(2);
  const valueOf = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const number = (flag: string): number | undefined => {
    const text = valueOf(flag);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) {
      console.error(`${flag} ${JSON.stringify(text)}: expected an integer >= 0`);
      process.exit(2);
    }
    return value;
  };
  const rounds = number('--rounds');
  const latencyMs = number('--latency-ms');
  const profileDir = valueOf('--profile');
  const sourceText = valueOf('--compliance-source');
  if (sourceText !== undefined && !COMPLIANCE_SOURCES.includes(sourceText as ComplianceSource)) {
    console.error(
      `--compliance-source ${JSON.stringify(sourceText)}: expected ${COMPLIANCE_SOURCES.join(' or ')}`,
    );
    process.exit(2);
  }
  const chosen = {
    tagsApply: argv.includes('--tags-apply'),
    dailyReport: argv.includes('--daily-report'),
    ...(sourceText !== undefined && { complianceSources: [sourceText as ComplianceSource] }),
  };
  if (!chosen.tagsApply && !chosen.dailyReport) {
    chosen.tagsApply = true;
    chosen.dailyReport = true;
  }
  benchEstateSections(
    chosen,
    {
      ...(rounds !== undefined && { rounds }),
      ...(latencyMs !== undefined && { latencyMs }),
      ...(profileDir !== undefined && { profileDir: resolve(profileDir) }),
      ...(argv.includes('--securityhub-throttle') && { securityHubThrottle: true }),
    },
    { node: process.version },
    performance.now(),
  ).catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
