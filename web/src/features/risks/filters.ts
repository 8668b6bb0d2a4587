// URL search-param state of the risk list: filters, sort and keyset paging.
// Pure functions only, so the list page can be bookmarked and tests stay simple.
import {
  listApiQuery,
  oneOf,
  parsePaging,
  positiveInt,
  searchText,
  serializeListState,
  someOf,
  withListFilter,
  type Paging,
} from '../../lib/listState';
import { RATINGS, RISK_STATUSES, SORTS, type RiskSort } from './types';

const BOOLS = ['true', 'false'] as const;

export interface RiskFilters extends Paging {
  category: string;
  /** One status or several, separated by commas. */
  status: string;
  /** One rating or several, separated by commas. */
  rating: string;
  /** 'true': neither Accepted nor Closed; 'false': one of those. */
  open: (typeof BOOLS)[number] | '';
  owner_id: string; // positive integer as text, or ''
  q: string;
  likelihood: string; // '1'..'5' or ''
  impact: string; // '1'..'5' or ''
  sort: RiskSort | '';
}

export const EMPTY_FILTERS: RiskFilters = {
  category: '',
  status: '',
  rating: '',
  open: '',
  owner_id: '',
  q: '',
  likelihood: '',
  impact: '',
  sort: '',
  cursor: '',
  prev: [],
};

const FILTER_KEYS = ['category', 'status', 'rating', 'open', 'owner_id', 'q', 'likelihood', 'impact', 'sort'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

function scale(v: string | null): string {
  return v !== null && /^[1-5]$/.test(v.trim()) ? v.trim() : '';
}

/** Reads the list state from the URL. Invalid values are dropped rather than sent to the API (which would answer 400). */
export function parseRiskFilters(params: URLSearchParams): RiskFilters {
  return {
    category: (params.get('category') ?? '').trim(),
    status: someOf(RISK_STATUSES, params.get('status')),
    rating: someOf(RATINGS, params.get('rating')),
    open: oneOf(BOOLS, params.get('open')),
    owner_id: positiveInt(params.get('owner_id')),
    q: searchText(params),
    likelihood: scale(params.get('likelihood')),
    impact: scale(params.get('impact')),
    sort: oneOf(SORTS, params.get('sort')),
    ...parsePaging(params),
  };
}

export const serializeRiskFilters = (f: RiskFilters) => serializeListState(f, FILTER_KEYS);

/** The query for GET /api/risks. */
export const toApiQuery = (f: RiskFilters, limit = 50) => listApiQuery(f, FILTER_KEYS, limit);

export const withFilter = (f: RiskFilters, key: FilterKey, value: string) => withListFilter(f, key, value);

export function clearFilters(f: RiskFilters): RiskFilters {
  return { ...EMPTY_FILTERS, sort: f.sort };
}
