/** Timing, statistics and table printing for `npm run bench`. */

export interface Timing {
  warmup: number;
  runs: number;
  samplesMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[middle - 1] ?? upper) + upper) / 2;
}

/** Runs `fn` `warmup` times untimed, then `runs` times timed; the median is the figure. */
export function timeSync(fn: () => unknown, warmup: number, runs: number): Timing {
  const results: unknown[] = [];
  for (let i = 0; i < warmup; i += 1) results.push(fn());
  const samplesMs: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    results.push(fn());
    samplesMs.push(performance.now() - started);
    // Keep only the last result alive: earlier ones would otherwise inflate GC work.
    results.length = 0;
  }
  return {
    warmup,
    runs,
    samplesMs,
    medianMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
  };
}

export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.POSITIVE_INFINITY;
}

export function integer(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function mib(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}

/** A plain-text table: first column left-aligned, the rest right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((value, column) => {
        const width = widths[column] ?? value.length;
        return column === 0 ? value.padEnd(width) : value.padStart(width);
      })
      .join('  ')
      .trimEnd();
  return [
    line(headers),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

export function section(title: string): void {
  console.log(`\n## ${title}\n`);
}
