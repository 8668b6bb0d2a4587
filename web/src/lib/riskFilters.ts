// URL search-param state of the risk list: filters, sort and keyset paging.
// Pure functions only, so the list page can be bookmarked and tests stay simple.
import { RATINGS, RISK_STATUSES, SORTS, type Rating, type RiskSort, type RiskStatus } from './types';

export interface RiskFilters {
  category: string;
  status: RiskStatus | '';
  rating: Rating | '';
  owner_id: string; // positive integer as text, or ''
  q: string;
  likelihood: string; // '1'..'5' or ''
  impact: string; // '1'..'5' or ''
  sort: RiskSort | '';
  cursor: string; // '' = first page
  /** Cursors of the pages before the current one ('' = first page), oldest first. */
  prev: string[];
}

export const EMPTY_FILTERS: RiskFilters = {
  category: '',
  status: '',
  rating: '',
  owner_id: '',
  q: '',
  likelihood: '',
  impact: '',
  sort: '',
  cursor: '',
  prev: [],
};

const FILTER_KEYS = ['category', 'status', 'rating', 'owner_id', 'q', 'likelihood', 'impact', 'sort'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export function oneOf<T extends string>(allowed: readonly T[], v: string | null): T | '' {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : '';
}

function scale(v: string | null): string {
  return v !== null && /^[1-5]$/.test(v.trim()) ? v.trim() : '';
}

export function positiveInt(v: string | null): string {
  return v !== null && /^[1-9][0-9]{0,17}$/.test(v.trim()) ? v.trim() : '';
}

/** Reads the list state from the URL. Invalid values are dropped rather than sent to the API (which would answer 400). */
export function parseRiskFilters(params: URLSearchParams): RiskFilters {
  return {
    category: (params.get('category') ?? '').trim(),
    status: oneOf(RISK_STATUSES, params.get('status')),
    rating: oneOf(RATINGS, params.get('rating')),
    owner_id: positiveInt(params.get('owner_id')),
    q: (params.get('q') ?? '').slice(0, 200),
    likelihood: scale(params.get('likelihood')),
    impact: scale(params.get('impact')),
    sort: oneOf(SORTS, params.get('sort')),
    cursor: params.get('cursor') ?? '',
    prev: params.getAll('prev'),
  };
}

/** Writes the list state into URL search params, omitting empty values, in a stable order. */
export function serializeRiskFilters(f: RiskFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = f[k];
    if (v) p.set(k, v);
  }
  if (f.cursor) {
    p.set('cursor', f.cursor);
    for (const c of f.prev) p.append('prev', c);
  }
  return p;
}

/** The query for GET /api/risks: the filters, sort and cursor (never the "prev" stack). */
export function toApiQuery(f: RiskFilters, limit = 50): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = f[k];
    if (v) p.set(k, v);
  }
  if (f.cursor) p.set('cursor', f.cursor);
  p.set('limit', String(limit));
  return p;
}

/** Changing a filter or the sort starts again from the first page (cursors belong to one sort and filter set). */
export function withFilter(f: RiskFilters, key: FilterKey, value: string): RiskFilters {
  return { ...f, [key]: value, cursor: '', prev: [] } as RiskFilters;
}

/** Keyset paging state shared by the list pages: the current cursor and the stack of earlier ones. */
export interface Paging {
  cursor: string; // '' = first page
  /** Cursors of the pages before the current one ('' = first page), oldest first. */
  prev: string[];
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

export function clearFilters(f: RiskFilters): RiskFilters {
  return { ...EMPTY_FILTERS, sort: f.sort };
}

export function pageNumber(f: Paging): number {
  return f.cursor ? f.prev.length + 1 : 1;
}
