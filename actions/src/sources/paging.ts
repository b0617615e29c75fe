import { UndecidedError } from '../core/errors';
import type { Log } from '../core/log';

/** How one paged AWS listing is followed to its end. */
export interface PagedListing<P, T> {
  /** The progress line after `calls` pages with `kept` items kept. */
  progress: (calls: number, kept: number) => string;
  /** Why a listing still handing out tokens after `pageCap` calls is refused. */
  endless: (calls: number, kept: number) => string;
  /**
   * The items of one page. The SDK types them optional, but a page without its list (an empty
   * body, a renamed field) is malformed: `readAllPages` refuses it instead of reading "nothing".
   */
  items: (page: P) => readonly T[] | undefined;
  /** The operation, as IAM names it (service:Action), for the malformed-page error. */
  operation?: string;
  /** The page's continuation token; present means AWS has more. */
  nextToken: (page: P) => string | undefined;
  /** Calls after which a listing that still hands out tokens is refused (a partial list decides nothing). */
  pageCap: number;
  log: Log;
  /** Called once per page, after its items (`calls` counts pages so far). */
  onPage?: (calls: number) => void;
}

/** Pages between two progress lines: a 10k-finding listing logs ten times, a small one never. */
const PROGRESS_EVERY = 10;

/**
 * Follows an SDK paginator (`paginateListFindings`, `paginateGetFindings`, …) to the end and hands
 * every item to `keep`, which returns true for items it kept (the client-side re-check of what the
 * server was asked to filter). Real AWS can answer empty pages that still carry a token
 * (Inspector2), so the paginator is followed past them, but never past `pageCap` calls: a server
 * that never stops is an `UndecidedError`, never a silently truncated list.
 *
 * Every page must carry its item list (`[]` when empty): a page without it, which is what an empty
 * 200 body deserializes to, is an `UndecidedError` naming `listing.operation`, never zero items.
 *
 * Returns the number of calls made (one per page). SDK errors propagate unchanged, so the caller
 * wraps them with `awsFailure` naming its operation and permission.
 */
export async function readAllPages<P, T>(
  pages: AsyncIterable<P> | Iterable<P>,
  listing: PagedListing<P, T>,
  keep: (item: T) => boolean,
): Promise<number> {
  let calls = 0;
  let kept = 0;
  for await (const page of pages) {
    calls += 1;
    const items: unknown = listing.items(page);
    if (!Array.isArray(items)) {
      throw new UndecidedError(
        `${listing.operation ?? 'an AWS listing'} answered page ${calls} without its list of items ` +
          `(${items === undefined ? 'an empty or malformed body' : `${typeof items} instead of a list`}); ` +
          'refusing to read a malformed answer as "nothing"',
      );
    }
    for (const item of items as readonly T[]) if (keep(item)) kept += 1;
    listing.onPage?.(calls);
    if (calls % PROGRESS_EVERY === 0) listing.log(listing.progress(calls, kept));
    if (calls >= listing.pageCap && listing.nextToken(page)) {
      throw new UndecidedError(
        `${listing.endless(calls, kept)}; refusing to decide on a partial list`,
      );
    }
  }
  return calls;
}

/**
 * A gate that runs at most `limit` (≥ 1) of the tasks handed to it at once, in the order they
 * were handed in; each call resolves or rejects as its task does. Used to keep concurrent AWS
 * listings within a service's request rate (a queued task starts only when one finishes).
 */
export function concurrencyLimit(limit: number): ConcurrencyGate {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`concurrency limit must be a whole number ≥ 1, not ${limit}`);
  }
  let running = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) {
      // The finishing task hands its slot over (running stays the same), so no newcomer slips in.
      await new Promise<void>((resolve) => {
        queue.push(resolve);
      });
    } else {
      running += 1;
    }
    try {
      return await task();
    } finally {
      const waiting = queue.shift();
      if (waiting) waiting();
      else running -= 1;
    }
  };
}

/**
 * Read calls one listing keeps in flight at most where its pages are independent (one resource
 * type's listing, one batch of keys or ARNs). Each listing still pages in order; four at ~50 ms
 * per request is ~80 requests/s at most, and a throttled call is paced and retried by the
 * clients' adaptive retry (core/aws), so a lower account rate slows a read, never truncates it.
 */
export const READ_CONCURRENCY = 4;

/** A gate made by `concurrencyLimit`. */
export type ConcurrencyGate = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * `work` over `items` through `gate` (a `concurrencyLimit`, possibly shared with other work);
 * results in the order of `items`, returned once every item has settled. The first failure
 * aborts the signal each `work` gets (also aborted by `signal`, the run's deadline), no item
 * starts after it, and it is what is thrown, after the items it aborted have settled: their
 * errors only echo it and are dropped.
 */
export async function allOrFirstFailure<T, R>(
  items: readonly T[],
  gate: ConcurrencyGate,
  work: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const stop = new AbortController();
  const either = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  let failure: { error: unknown } | undefined;
  /** Whether a failure was recorded (read through a call: it changes while a task awaits). */
  const failed = (): boolean => stop.signal.aborted;
  const results = new Array<R>(items.length);
  await Promise.all(
    items.map((item, index) =>
      // The failure is recorded inside the gated task, before its slot is freed: recorded after
      // (in a .catch), the gate would already have started the next queued item.
      gate(async () => {
        if (failed()) return;
        try {
          results[index] = await work(item, index, either);
        } catch (error) {
          // The first failure aborts `stop`; a later one only echoes it.
          if (!failed()) {
            failure = { error };
            stop.abort();
          }
        }
      }),
    ),
  );
  if (failure !== undefined) throw failure.error;
  return results;
}

/** `allOrFirstFailure` with its own gate of `limit` calls in flight. */
export function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  return allOrFirstFailure(items, concurrencyLimit(limit), work);
}
