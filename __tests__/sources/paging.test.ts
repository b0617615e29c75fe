import { UndecidedError } from '../../actions/src/core/errors';
import { readAllPages, type PagedListing } from '../../actions/src/sources/paging';

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
