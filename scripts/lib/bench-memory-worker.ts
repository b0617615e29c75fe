/**
 * One memory measurement, run by scripts/bench.ts in a fresh process per size so sizes do not
 * pollute each other: `node --expose-gc --import tsx scripts/lib/bench-memory-worker.ts <count>`.
 * Builds `count` findings, evaluates them once and prints one JSON line on stdout.
 */
import { evaluateImage } from '../../actions/src/scan-gate/evaluate';
import { BENCH_NOW, BENCH_SUBJECT, benchPolicy, syntheticFindings } from './bench-data';

export interface MemoryResult {
  findings: number;
  blocking: number;
  /** Peak resident set size of the whole process (getrusage ru_maxrss), bytes. */
  maxRssBytes: number;
  /** heapUsed after a full GC, before any finding exists: the runtime's own baseline. */
  heapBaselineBytes: number;
  /** heapUsed right after building the findings (nothing collected yet). */
  heapAfterBuildBytes: number;
  /** heapUsed right after evaluateImage returned, before any GC. */
  heapAfterEvaluateBytes: number;
  /** Largest heapUsed seen at any sample point (phase boundaries plus a 1 ms timer). */
  heapPeakBytes: number;
  /** heapUsed after a full GC with findings and verdict still referenced, minus the baseline. */
  retainedBytes: number;
  buildMs: number;
  evaluateMs: number;
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? '0');
  if (!Number.isInteger(count) || count < 0)
    throw new Error(`bad count ${String(process.argv[2])}`);
  let peak = 0;
  const sample = (): number => {
    const used = process.memoryUsage().heapUsed;
    if (used > peak) peak = used;
    return used;
  };
  // evaluateImage is synchronous, so the timer only samples between phases; the phase-boundary
  // samples and ru_maxrss are what bound the peak.
  const timer = setInterval(sample, 1);
  collect();
  const heapBaseline = sample();
  // Let the timer tick once so the process is in steady state before building.
  await new Promise((resolve) => setTimeout(resolve, 5));

  let started = performance.now();
  const findings = syntheticFindings(count);
  const policy = benchPolicy(findings);
  const buildMs = performance.now() - started;
  const heapAfterBuild = sample();

  started = performance.now();
  const verdict = evaluateImage({ findings, policy, subject: BENCH_SUBJECT, now: BENCH_NOW });
  const evaluateMs = performance.now() - started;
  const heapAfterEvaluate = sample();
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearInterval(timer);

  collect();
  const retained = process.memoryUsage().heapUsed - heapBaseline;
  const result: MemoryResult = {
    findings: findings.length,
    blocking: verdict.blocking.length,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    heapBaselineBytes: heapBaseline,
    heapAfterBuildBytes: heapAfterBuild,
    heapAfterEvaluateBytes: heapAfterEvaluate,
    heapPeakBytes: peak,
    retainedBytes: retained,
    buildMs,
    evaluateMs,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
