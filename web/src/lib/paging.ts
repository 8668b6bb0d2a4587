// Lists read a page at a time from a route that answers the list envelope: a record's
// history, and the lists a detail embeds only the first page of (a control's tests).
import { type InfiniteData, useInfiniteQuery } from '@tanstack/react-query';
import { api } from './api';
import type { ListMeta } from './types';

/** One page of a list route, as the API sends it. */
export interface ListPage<T> {
  data: T[];
  meta: ListMeta;
}

async function fetchPage<T>(path: string, cursor: string | null): Promise<ListPage<T>> {
  const r = await api<T[], ListMeta>(path, { query: { cursor } });
  return { data: r.data, meta: r.meta };
}

/**
 * The list's count as its first page gave it, or `loaded` before any page came; `capped`
 * says the count stopped at a bound and is a floor.
 */
export function totalOf<T>(
  data: InfiniteData<ListPage<T>> | undefined,
  loaded: number,
): { total: number; capped: boolean } {
  const meta = data?.pages[0]?.meta;
  return { total: meta?.total ?? loaded, capped: meta?.total_capped ?? false };
}

/** A count to show: "1,000+" where it is a floor, the number itself otherwise. */
export function shownTotal(total: number, capped = false): string {
  return capped ? `${total.toLocaleString('en')}+` : String(total);
}

/** Every item of the pages read so far, in the list's order. */
export function itemsOf<T>(data: InfiniteData<ListPage<T>> | undefined): T[] {
  return (data?.pages ?? []).flatMap((p) => p.data);
}

/**
 * A list read from its route page by page (GET `path`, then `?cursor=` of each page's
 * `meta.next_cursor`): `fetchNextPage` reads the next one, `hasNextPage` says whether
 * there is one.
 */
export function usePagedRoute<T>(path: string, queryKey: readonly unknown[]) {
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage<T>(path, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.meta?.next_cursor ?? undefined,
  });
}

/**
 * A list a detail embeds the first page of, with its total and the cursor of the rest:
 * that page as the detail gave it, then the pages after it from the list's route. The
 * key should name the detail's version, so a newer version starts again from its own
 * first page.
 */
export function useEmbeddedList<T>(
  path: string,
  queryKey: readonly unknown[],
  first: { items: T[]; total: number; nextCursor: string | null },
) {
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage<T>(path, pageParam),
    initialPageParam: null as string | null,
    initialData: {
      pages: [
        { data: first.items, meta: { total: first.total, limit: first.items.length, next_cursor: first.nextCursor } },
      ],
      pageParams: [null],
    },
    // The detail's first page is as fresh as the detail: nothing to read again.
    staleTime: Infinity,
    getNextPageParam: (last) => last.meta?.next_cursor ?? undefined,
  });
}
