/**
 * `npm run bench -- --tags-apply` / `--daily-report`: runs the chosen estate sections
 * (scripts/bench/estate-bench.ts) with the bench's --rounds, --latency-ms and --profile, and
 * writes their figures to out/bench/estate.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  benchDailyReportCli,
  benchTagsApplyCli,
  type DailyReportBenchResult,
  type TagsApplyBenchResult,
} from './estate-bench';

const outDir = resolve(__dirname, '..', '..', 'out', 'bench');

export async function benchEstateSections(
  chosen: { tagsApply: boolean; dailyReport: boolean },
  options: { rounds?: number; latencyMs?: number; profileDir?: string },
  machine: Record<string, string | number>,
  started: number,
): Promise<void> {
  const common = {
    rounds: options.rounds ?? 5,
    ...(options.latencyMs !== undefined && { latencyMs: options.latencyMs }),
  };
  let tagsApply: TagsApplyBenchResult | undefined;
  let dailyReport: DailyReportBenchResult | undefined;
  if (chosen.tagsApply) {
    tagsApply = await benchTagsApplyCli({
      ...common,
      ...(options.profileDir !== undefined && {
        profileDir: join(options.profileDir, 'tags-apply'),
      }),
    });
  }
  if (chosen.dailyReport) {
    dailyReport = await benchDailyReportCli({
      ...common,
      ...(options.profileDir !== undefined && { profileDir: join(options.profileDir, 'report') }),
    });
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'estate.json');
  writeFileSync(
    file,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), machine, tagsApply, dailyReport }, null, 2)}\n`,
  );
  console.log(`\ntotal bench time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`results: ${file}`);
}

/**
 * Also runnable on its own (`npx tsx scripts/bench/estate-sections.ts --tags-apply
 * [--daily-report] [--rounds N] [--latency-ms MS] [--profile DIR]`), which loads neither the
 * other sections nor their imports.
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
  const chosen = {
    tagsApply: argv.includes('--tags-apply'),
    dailyReport: argv.includes('--daily-report'),
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
    },
    { node: process.version },
    performance.now(),
  ).catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
