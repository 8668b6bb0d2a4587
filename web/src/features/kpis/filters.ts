// URL search-param state of the KPI and objective lists: filters, sort and keyset paging.
// Pure functions only.
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
import { FREQUENCIES, KPI_SORTS, type Frequency, type KpiSort } from './types';

const BOOLS = ['true', 'false'] as const;
type Bool = (typeof BOOLS)[number];

export interface KpiFilters extends Paging {
  objective_id: string;
  owner_id: string;
  on_target: Bool | '';
  /** 'false': KPIs without any value yet (the dashboard's "No data"). */
  has_value: Bool | '';
  stale: Bool | '';
  frequency: Frequency | '';
  q: string;
  sort: KpiSort | '';
}

export const EMPTY_KPI_FILTERS: KpiFilters = {
  objective_id: '',
  owner_id: '',
  on_target: '',
  has_value: '',
  stale: '',
  frequency: '',
  q: '',
  sort: '',
  cursor: '',
  prev: [],
};

const KPI_KEYS = ['objective_id', 'owner_id', 'on_target', 'has_value', 'stale', 'frequency', 'q', 'sort'] as const;
export type KpiFilterKey = (typeof KPI_KEYS)[number];

/** Reads the list state from the URL; invalid values are dropped rather than sent to the API (which would answer 400). */
export function parseKpiFilters(params: URLSearchParams): KpiFilters {
  return {
    objective_id: positiveInt(params.get('objective_id')),
    owner_id: positiveInt(params.get('owner_id')),
    on_target: oneOf(BOOLS, params.get('on_target')),
    has_value: oneOf(BOOLS, params.get('has_value')),
    stale: oneOf(BOOLS, params.get('stale')),
    frequency: oneOf(FREQUENCIES, params.get('frequency')),
    q: searchText(params),
    sort: oneOf(KPI_SORTS, params.get('sort')),
    ...parsePaging(params),
  };
}

export const serializeKpiFilters = (f: KpiFilters) => serializeListState(f, KPI_KEYS);

/** The query for GET /api/kpis. */
export const toKpiApiQuery = (f: KpiFilters, limit = 50) => listApiQuery(f, KPI_KEYS, limit);

export const withKpiFilter = (f: KpiFilters, key: KpiFilterKey, value: string) => withListFilter(f, key, value);

/** Clearing keeps the sort: it is how the list is read, not what it holds. */
export function clearKpiFilters(f: KpiFilters): KpiFilters {
  return { ...EMPTY_KPI_FILTERS, sort: f.sort };
}

export interface ObjectiveFilters extends Paging {
  owner_id: string;
  q: string;
  sort: KpiSort | '';
}

export const EMPTY_OBJECTIVE_FILTERS: ObjectiveFilters = { owner_id: '', q: '', sort: '', cursor: '', prev: [] };

const OBJECTIVE_KEYS = ['owner_id', 'q', 'sort'] as const;
export type ObjectiveFilterKey = (typeof OBJECTIVE_KEYS)[number];

export function parseObjectiveFilters(params: URLSearchParams): ObjectiveFilters {
  return {
    owner_id: positiveInt(params.get('owner_id')),
    q: searchText(params),
    sort: oneOf(KPI_SORTS, params.get('sort')),
    ...parsePaging(params),
  };
}

export const serializeObjectiveFilters = (f: ObjectiveFilters) => serializeListState(f, OBJECTIVE_KEYS);

/** The query for GET /api/objectives. */
export const toObjectiveApiQuery = (f: ObjectiveFilters, limit = 50) => listApiQuery(f, OBJECTIVE_KEYS, limit);

export const withObjectiveFilter = (f: ObjectiveFilters, key: ObjectiveFilterKey, value: string) =>
  withListFilter(f, key, value);

export function clearObjectiveFilters(f: ObjectiveFilters): ObjectiveFilters {
  return { ...EMPTY_OBJECTIVE_FILTERS, sort: f.sort };
}
