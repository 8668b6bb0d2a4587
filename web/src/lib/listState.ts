// URL search-param state shared by the list pages (pure): value checks, keyset paging,
// and the writing of filters into the page URL and the API query.

/** Keyset paging state shared by the list pages: the current cursor and the stack of earlier ones. */
export interface Paging {
  cursor: string; // '' = first page
  /** Cursors of the pages before the current one ('' = first page), oldest first. */
  prev: string[];
}

export function oneOf<T extends string>(allowed: readonly T[], v: string | null): T | '' {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : '';
}

/**
 * A filter of one value or several separated by commas ("High,Critical"): the allowed
 * ones, in the order `allowed` lists them, so one choice has one URL.
 */
export function someOf(allowed: readonly string[], v: string | null): string {
  if (v === null) return '';
  const picked = new Set(v.split(','));
  return allowed.filter((a) => picked.has(a)).join(',');
}

export function positiveInt(v: string | null): string {
  return v !== null && /^[1-9][0-9]{0,17}$/.test(v.trim()) ? v.trim() : '';
}

/** The free-text search `q`, cut to the length the API accepts. */
export function searchText(params: URLSearchParams): string {
  return (params.get('q') ?? '').slice(0, 200);
}

export function parsePaging(params: URLSearchParams): Paging {
  return { cursor: params.get('cursor') ?? '', prev: params.getAll('prev') };
}

function setFilters<F>(p: URLSearchParams, f: F, keys: readonly (keyof F & string)[]) {
  for (const k of keys) {
    const v = f[k];
    if (v) p.set(k, String(v));
  }
}

/** Writes the list state into URL search params, omitting empty values, in a stable order. */
export function serializeListState<F extends Paging>(f: F, keys: readonly (keyof F & string)[]): URLSearchParams {
  const p = new URLSearchParams();
  setFilters(p, f, keys);
  if (f.cursor) {
    p.set('cursor', f.cursor);
    for (const c of f.prev) p.append('prev', c);
  }
  return p;
}

/** The query for a list endpoint: the filters, sort and cursor (never the "prev" stack). */
export function listApiQuery<F extends Paging>(
  f: F,
  keys: readonly (keyof F & string)[],
  limit: number,
): URLSearchParams {
  const p = new URLSearchParams();
  setFilters(p, f, keys);
  if (f.cursor) p.set('cursor', f.cursor);
  p.set('limit', String(limit));
  return p;
}

/** Changing a filter or the sort starts again from the first page (cursors belong to one sort and filter set). */
export function withListFilter<F extends Paging>(f: F, key: keyof F, value: string): F {
  return { ...f, [key]: value, cursor: '', prev: [] };
}

export function nextPage<F extends Paging>(f: F, nextCursor: string): F {
  return { ...f, prev: [...f.prev, f.cursor], cursor: nextCursor };
}

export function previousPage<F extends Paging>(f: F): F {
  if (f.prev.length === 0) return { ...f, cursor: '' };
  const prev = f.prev.slice(0, -1);
  return { ...f, prev, cursor: f.prev[f.prev.length - 1] };
}

export function hasPrevious(f: Paging): boolean {
  return f.cursor !== '';
}

export function pageNumber(f: Paging): number {
  return f.cursor ? f.prev.length + 1 : 1;
}
