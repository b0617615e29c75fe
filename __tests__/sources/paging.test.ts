import { UndecidedError } from '../../actions/src/core/errors';
import {
  allOrFirstFailure,
  concurrencyLimit,
  readAllPages,
  type PagedListing,
} from '../../actions/src/sources/paging';

interface Page {
  items?: unknown;
  next?: string;
}

async function* pagesOf(...pages: Page[]): AsyncGenerator<Page> {
  for (const page of pages) yield await Promise.resolve(page);
}

function listing(overrides: Partial<PagedListing<Page, number>> = {}): PagedListing<Page, number> {
  return {
    items: (page) => page.items as number[] | undefined,
    nextToken: (page) => page.next,
    pageCap: 100,
    log: () => undefined,
    progress: (calls, kept) => `${kept} in ${calls}`,
    endless: (calls) => `endless after ${calls}`,
    ...overrides,
  };
}

describe('readAllPages', () => {
  it('hands every item of every page to keep, empty pages with a token included', async () => {
    const seen: number[] = [];
    const calls = await readAllPages(
      pagesOf({ items: [1, 2], next: 'a' }, { items: [], next: 'b' }, { items: [3] }),
      listing(),
      (item) => {
        seen.push(item);
        return true;
      },
    );
    expect(calls).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
  });

  it.each<[string, Page, string]>([
    ['an empty body (no item list)', {}, 'an empty or malformed body'],
    ['a null list', { items: null }, 'object instead of a list'],
    ['a string', { items: 'none' }, 'string instead of a list'],
    ['an object', { items: { 0: 1 } }, 'object instead of a list'],
  ])(
    'refuses a page with %s, naming the operation, instead of reading zero items',
    async (_name, bad, what) => {
      const reading = readAllPages(
        pagesOf({ items: [1], next: 'a' }, bad),
        listing({ operation: 'securityhub:GetFindings' }),
        () => true,
      );
      await expect(reading).rejects.toBeInstanceOf(UndecidedError);
      await expect(reading).rejects.toThrow(
        `securityhub:GetFindings answered page 2 without its list of items (${what}); refusing to read a malformed answer as "nothing"`,
      );
    },
  );

  it('says "an AWS listing" when the caller names no operation', async () => {
    await expect(readAllPages(pagesOf({}), listing(), () => true)).rejects.toThrow(
      'an AWS listing answered page 1 without its list of items',
    );
  });

  it('refuses a listing still handing out tokens at the page cap', async () => {
    await expect(
      readAllPages(
        pagesOf({ items: [1], next: 'a' }, { items: [2], next: 'b' }),
        listing({ pageCap: 2 }),
        () => true,
      ),
    ).rejects.toThrow('endless after 2; refusing to decide on a partial list');
  });
});

describe('concurrencyLimit', () => {
  it('runs at most the limit at once, in order, a finished task handing its slot to the next', async () => {
    const limit = concurrencyLimit(2);
    const started: number[] = [];
    const finish: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const tasks = [0, 1, 2, 3, 4].map((id) =>
      limit(async () => {
        started.push(id);
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => finish.push(resolve));
        running -= 1;
        return id;
      }),
    );
    const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    await tick();
    expect(started).toEqual([0, 1]);
    finish.shift()?.();
    // A newcomer handed in now waits behind the queue: no slot leaks to it.
    const late = limit(() => Promise.resolve('late'));
    await tick();
    expect(started).toEqual([0, 1, 2]);
    while (finish.length > 0 || started.length < 5) {
      finish.shift()?.();
      await tick();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(await late).toBe('late');
    expect(most).toBe(2);
  });

  it('passes a task’s failure to its caller and frees its slot', async () => {
    const limit = concurrencyLimit(1);
    await expect(limit(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit(() => Promise.resolve(1))).resolves.toBe(1);
  });

  it('refuses a limit that is not a whole number ≥ 1', () => {
    expect(() => concurrencyLimit(0)).toThrow(
      'concurrency limit must be a whole number ≥ 1, not 0',
    );
  });
});

describe('allOrFirstFailure', () => {
  it('keeps results in item order, whatever order the work finishes in', async () => {
    const results = await allOrFirstFailure(
      [30, 10, 20],
      concurrencyLimit(3),
      (ms, index) =>
        new Promise<string>((resolve) =>
          setTimeout(() => {
            resolve(`${index}:${ms}`);
          }, ms),
        ),
    );
    expect(results).toEqual(['0:30', '1:10', '2:20']);
  });

  it('throws the first failure, aborts the work in flight, starts nothing after it, and waits for the aborted', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const failure = allOrFirstFailure(
      [0, 1, 2, 3, 4],
      concurrencyLimit(2),
      async (item, _index, signal) => {
        started.push(item);
        try {
          if (item === 1) throw new Error('item 1 failed');
          // Item 0 runs until aborted; it rejects with its own error, which only echoes the first.
          await new Promise<void>((_resolve, reject) => {
            signal.addEventListener(
              'abort',
              () => {
                reject(new Error('aborted'));
              },
              { once: true },
            );
          });
        } finally {
          settled.push(item);
        }
      },
    );
    await expect(failure).rejects.toThrow('item 1 failed');
    expect(started).toEqual([0, 1]);
    expect(settled.sort()).toEqual([0, 1]);
  });

  it('aborts everything when the caller’s signal fires', async () => {
    const caller = new AbortController();
    const seen: boolean[] = [];
    const run = allOrFirstFailure(
      [0, 1],
      concurrencyLimit(2),
      async (_item, _index, signal) => {
        await new Promise<void>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            seen.push(signal.aborted);
            reject(new Error('deadline'));
          });
        });
      },
      caller.signal,
    );
    caller.abort();
    await expect(run).rejects.toThrow('deadline');
    expect(seen).toEqual([true, true]);
  });
});
