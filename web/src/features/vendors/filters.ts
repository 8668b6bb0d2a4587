// URL search-param state of the vendor list: filters, sort and keyset paging. Pure
// functions only.
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
import { CRITICALITIES, RISK_TIERS, VENDOR_SORTS, VENDOR_STATUSES, type VendorSort } from './types';

const BOOLS = ['true', 'false'] as const;
type Bool = (typeof BOOLS)[number];

export interface VendorFilters extends Paging {
  /** Risk tier, status and criticality take one value or several, separated by commas. */
  risk_tier: string;
  status: string;
  criticality: string;
  overdue_review: Bool | '';
  risk_id: string;
  q: string;
  sort: VendorSort | '';
}

export const EMPTY_VENDOR_FILTERS: VendorFilters = {
  risk_tier: '',
  status: '',
  criticality: '',
  overdue_review: '',
  risk_id: '',
  q: '',
  sort: '',
  cursor: '',
  prev: [],
};

const KEYS = ['risk_tier', 'status', 'criticality', 'overdue_review', 'risk_id', 'q', 'sort'] as const;
export type VendorFilterKey = (typeof KEYS)[number];

/** Reads the list state from the URL; invalid values are dropped rather than sent to the API (which would answer 400). */
export function parseVendorFilters(params: URLSearchParams): VendorFilters {
  return {
    risk_tier: someOf(RISK_TIERS, params.get('risk_tier')),
    status: someOf(VENDOR_STATUSES, params.get('status')),
    criticality: someOf(CRITICALITIES, params.get('criticality')),
    overdue_review: oneOf(BOOLS, params.get('overdue_review')),
    risk_id: positiveInt(params.get('risk_id')),
    q: searchText(params),
    sort: oneOf(VENDOR_SORTS, params.get('sort')),
    ...parsePaging(params),
  };
}

export const serializeVendorFilters = (f: VendorFilters) => serializeListState(f, KEYS);

/** The query for GET /api/vendors. */
export const toVendorApiQuery = (f: VendorFilters, limit = 50) => listApiQuery(f, KEYS, limit);

export const withVendorFilter = (f: VendorFilters, key: VendorFilterKey, value: string) =>
  withListFilter(f, key, value);

/** Clearing keeps the sort: it is how the list is read, not what it holds. */
export function clearVendorFilters(f: VendorFilters): VendorFilters {
  return { ...EMPTY_VENDOR_FILTERS, sort: f.sort };
}
