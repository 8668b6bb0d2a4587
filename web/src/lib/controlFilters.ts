// URL search-param state of the control list: filters, sort and keyset paging (pure).
// Paging works as on the risk list: `cursor` plus a `prev` stack of earlier cursors.
import { oneOf, positiveInt, type Paging } from './riskFilters';
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
    q: (params.get('q') ?? '').slice(0, 200),
    sort: oneOf(CONTROL_SORTS, params.get('sort')),
    cursor: params.get('cursor') ?? '',
    prev: params.getAll('prev'),
  };
}

/** Writes the list state into URL search params, omitting empty values, in a stable order. */
export function serializeControlFilters(f: ControlFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of CONTROL_FILTER_KEYS) {
    const v = f[k];
    if (v) p.set(k, v);
  }
  if (f.cursor) {
    p.set('cursor', f.cursor);
    for (const c of f.prev) p.append('prev', c);
  }
  return p;
}

/** The query for GET /api/controls (never the "prev" stack). */
export function toControlApiQuery(f: ControlFilters, limit = 50): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of CONTROL_FILTER_KEYS) {
    const v = f[k];
    if (v) p.set(k, v);
  }
  if (f.cursor) p.set('cursor', f.cursor);
  p.set('limit', String(limit));
  return p;
}

/** Changing a filter or the sort starts again from the first page. */
export function withControlFilter(f: ControlFilters, key: ControlFilterKey, value: string): ControlFilters {
  return { ...f, [key]: value, cursor: '', prev: [] } as ControlFilters;
}

export function clearControlFilters(f: ControlFilters): ControlFilters {
  return { ...EMPTY_CONTROL_FILTERS, sort: f.sort };
}

/** Search and paging of the framework list (`q`, `cursor`, `prev`). */
export interface FrameworkFilters extends Paging {
  q: string;
}

export function parseFrameworkFilters(params: URLSearchParams): FrameworkFilters {
  return { q: (params.get('q') ?? '').slice(0, 200), cursor: params.get('cursor') ?? '', prev: params.getAll('prev') };
}

export function serializeFrameworkFilters(f: FrameworkFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  if (f.cursor) {
    p.set('cursor', f.cursor);
    for (const c of f.prev) p.append('prev', c);
  }
  return p;
}

export function toFrameworkApiQuery(f: FrameworkFilters, limit = 50): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  if (f.cursor) p.set('cursor', f.cursor);
  p.set('limit', String(limit));
  return p;
}
