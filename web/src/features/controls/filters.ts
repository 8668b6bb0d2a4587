// URL search-param state of the control and framework lists: filters, sort and keyset paging (pure).
// Paging works as on the risk list: `cursor` plus a `prev` stack of earlier cursors.
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
import {
  CONTROL_SORTS,
  CONTROL_STATUSES,
  CONTROL_TYPES,
  EFFECTIVENESS,
  type ControlSort,
  type ControlStatus,
  type ControlType,
  type Effectiveness,
} from './types';

export interface ControlFilters extends Paging {
  framework_id: string; // positive integer as text, or ''
  status: ControlStatus | '';
  effectiveness: Effectiveness | '';
  type: ControlType | '';
  owner_id: string;
  q: string;
  sort: ControlSort | '';
}

export const EMPTY_CONTROL_FILTERS: ControlFilters = {
  framework_id: '',
  status: '',
  effectiveness: '',
  type: '',
  owner_id: '',
  q: '',
  sort: '',
  cursor: '',
  prev: [],
};

const CONTROL_FILTER_KEYS = ['framework_id', 'status', 'effectiveness', 'type', 'owner_id', 'q', 'sort'] as const;
export type ControlFilterKey = (typeof CONTROL_FILTER_KEYS)[number];

/** Reads the list state from the URL; invalid values are dropped rather than sent to the API. */
export function parseControlFilters(params: URLSearchParams): ControlFilters {
  return {
    framework_id: positiveInt(params.get('framework_id')),
    status: oneOf(CONTROL_STATUSES, params.get('status')),
    effectiveness: oneOf(EFFECTIVENESS, params.get('effectiveness')),
    type: oneOf(CONTROL_TYPES, params.get('type')),
    owner_id: positiveInt(params.get('owner_id')),
    q: searchText(params),
    sort: oneOf(CONTROL_SORTS, params.get('sort')),
    ...parsePaging(params),
  };
}

export const serializeControlFilters = (f: ControlFilters) => serializeListState(f, CONTROL_FILTER_KEYS);

/** The query for GET /api/controls. */
export const toControlApiQuery = (f: ControlFilters, limit = 50) => listApiQuery(f, CONTROL_FILTER_KEYS, limit);

export const withControlFilter = (f: ControlFilters, key: ControlFilterKey, value: string) =>
  withListFilter(f, key, value);

export function clearControlFilters(f: ControlFilters): ControlFilters {
  return { ...EMPTY_CONTROL_FILTERS, sort: f.sort };
}

/** Search and paging of the framework list (`q`, `cursor`, `prev`). */
export interface FrameworkFilters extends Paging {
  q: string;
}

const FRAMEWORK_FILTER_KEYS = ['q'] as const;

export function parseFrameworkFilters(params: URLSearchParams): FrameworkFilters {
  return { q: searchText(params), ...parsePaging(params) };
}

export const serializeFrameworkFilters = (f: FrameworkFilters) => serializeListState(f, FRAMEWORK_FILTER_KEYS);

export const toFrameworkApiQuery = (f: FrameworkFilters, limit = 50) => listApiQuery(f, FRAMEWORK_FILTER_KEYS, limit);
