// URL search-param state of the risk list: filters, sort and keyset paging.
// Pure functions only, so the list page can be bookmarked and tests stay simple.
import {
  listApiQuery,
  oneOf,
  parsePaging,
  positiveInt,
  searchText,
  serializeListState,
  withListFilter,
  type Paging,
} from '../../lib/listState';
import { RATINGS, RISK_STATUSES, SORTS, type Rating, type RiskSort, type RiskStatus } from './types';

export interface RiskFilters extends Paging {
  category: string;
  status: RiskStatus | '';
  rating: Rating | '';
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

function scale(v: string | null): string {
  return v !== null && /^[1-5]$/.test(v.trim()) ? v.trim() : '';
}

/** Reads the list state from the URL. Invalid values are dropped rather than sent to the API (which would answer 400). */
export function parseRiskFilters(params: URLSearchParams): RiskFilters {
  return {
    category: (params.get('category') ?? '').trim(),
    status: oneOf(RISK_STATUSES, params.get('status')),
    rating: oneOf(RATINGS, params.get('rating')),
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
