/**
 * Small pure helpers every source and sink needs when it batches work for an AWS API with a
 * per-call limit, and when it counts its calls for progress lines and benchmarks.
 */

/** Splits `items` into consecutive slices of at most `size` (the API's per-call limit); `size` ≥ 1. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be ≥ 1, got ${size}`);
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size)
    out.push(items.slice(index, index + size));
  return out;
}

/** API calls made in one run, by operation name (`ListFindings: 3`). */
export type CallCounts = Record<string, number>;

/** Counts one call of `operation`. */
export function countCall(calls: CallCounts, operation: string): void {
  calls[operation] = (calls[operation] ?? 0) + 1;
}
