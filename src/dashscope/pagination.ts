/**
 * Async iteration over paged list endpoints, in the spirit of openai-node's `core/pagination.ts`:
 * `for await (const item of ds.fineTunes.list())` walks every page; `.pages()` yields whole pages.
 */

/** One fetched page: its items, and how to ask for the next page (null at the end). */
export interface Page<TItem, TCursor> {
  items: TItem[];
  next: TCursor | null;
}

/** Fetches the page at `cursor`. */
export type PageFetcher<TItem, TCursor> = (cursor: TCursor, signal?: AbortSignal) => Promise<Page<TItem, TCursor>>;

/** An async iterable over all items of a paged listing; nothing is fetched until iteration starts. */
export class PageIterator<TItem, TCursor> implements AsyncIterable<TItem> {
  constructor(
    private readonly fetchPage: PageFetcher<TItem, TCursor>,
    private readonly first: TCursor,
    private readonly signal?: AbortSignal,
  ) {}

  /** Yields each page in order, stopping when a page reports no next cursor. */
  async *pages(): AsyncGenerator<Page<TItem, TCursor>, void, undefined> {
    let cursor: TCursor | null = this.first;
    while (cursor !== null) {
      const page: Page<TItem, TCursor> = await this.fetchPage(cursor, this.signal);
      yield page;
      cursor = page.next;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TItem, void, undefined> {
    for await (const page of this.pages()) yield* page.items;
  }

  /** Collects every item (convenience for small listings). */
  async toArray(): Promise<TItem[]> {
    const all: TItem[] = [];
    for await (const item of this) all.push(item);
    return all;
  }
}

/** Page-number cursor used by the native `/api/v1` listings. */
export interface PageNumberCursor {
  page_no: number;
  page_size: number;
}

/**
 * The next page-number cursor, or null when this page was the last. With a `total`, the listing ends
 * once `page_no × pageSize` reaches it (`servedPageSize` is the size the service says it used, which may
 * be smaller than asked); without one, a short or empty page ends it.
 */
export function nextPageNumber(
  cursor: PageNumberCursor,
  received: number,
  total: number | null | undefined,
  servedPageSize?: number | null,
): PageNumberCursor | null {
  if (received === 0) return null;
  const next = { page_no: cursor.page_no + 1, page_size: cursor.page_size };
  if (typeof total === 'number') {
    const size = typeof servedPageSize === 'number' && servedPageSize > 0 ? servedPageSize : cursor.page_size;
    return cursor.page_no * size < total ? next : null;
  }
  return received < cursor.page_size ? null : next;
}
