// URL search-param state of the cases list: filters, sort, keyset paging and the table or
// board view. Pure functions only.
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
import { CASE_SORTS, CASE_STATUSES, PRIORITIES, type CaseSort, type CaseStatus, type Priority } from './types';

const BOOLS = ['true', 'false'] as const;
type Bool = (typeof BOOLS)[number];

export interface CaseFilters extends Paging {
  status: CaseStatus | '';
  priority: Priority | '';
  assignee_id: string;
  /** Exact type ("fraud"); free text, as cases name their own types. */
  type: string;
  confidential: Bool | '';
  /** 'true': not completed; 'false': completed. */
  open: Bool | '';
  q: string;
  sort: CaseSort | '';
  /** 'board' shows the cases in columns by status; '' is the table. */
  view: 'board' | '';
}

export const EMPTY_CASE_FILTERS: CaseFilters = {
  status: '',
  priority: '',
  assignee_id: '',
  type: '',
  confidential: '',
  open: '',
  q: '',
  sort: '',
  view: '',
  cursor: '',
  prev: [],
};

const API_KEYS = ['status', 'priority', 'assignee_id', 'type', 'confidential', 'open', 'q', 'sort'] as const;
const URL_KEYS = [...API_KEYS, 'view'] as const;
export type CaseFilterKey = (typeof URL_KEYS)[number];

/** Reads the list state from the URL; invalid values are dropped rather than sent to the API (which would answer 400). */
export function parseCaseFilters(params: URLSearchParams): CaseFilters {
  return {
    status: oneOf(CASE_STATUSES, params.get('status')),
    priority: oneOf(PRIORITIES, params.get('priority')),
    assignee_id: positiveInt(params.get('assignee_id')),
    type: (params.get('type') ?? '').trim().slice(0, 200),
    confidential: oneOf(BOOLS, params.get('confidential')),
    open: oneOf(BOOLS, params.get('open')),
    q: searchText(params),
    sort: oneOf(CASE_SORTS, params.get('sort')),
    view: params.get('view') === 'board' ? 'board' : '',
    ...parsePaging(params),
  };
}

export const serializeCaseFilters = (f: CaseFilters) => serializeListState(f, URL_KEYS);

/** The query for GET /api/cases (the view is the page's own business). */
export const toCaseApiQuery = (f: CaseFilters, limit = 50) => listApiQuery(f, API_KEYS, limit);

export const withCaseFilter = (f: CaseFilters, key: CaseFilterKey, value: string) => withListFilter(f, key, value);

/** Clearing keeps the sort and the view: they are how the list is read, not what it holds. */
export function clearCaseFilters(f: CaseFilters): CaseFilters {
  return { ...EMPTY_CASE_FILTERS, sort: f.sort, view: f.view };
}

/** The board's query: the list's filters from the first page, each column adding its status. */
export function boardQuery(f: CaseFilters): Record<string, string> {
  return Object.fromEntries(toCaseApiQuery({ ...f, status: '', cursor: '', prev: [] }));
}
