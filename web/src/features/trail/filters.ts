// URL search-param state of the audit trail: filters and keyset paging, the API query
// and the CSV export's address. Pure functions only.
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
import { ENTITY_TYPES, type EntityType } from './types';

export interface TrailFilters extends Paging {
  entity_type: EntityType | '';
  entity_id: string;
  actor_id: string;
  event_type: string;
  /** Instants in RFC 3339, as the API takes them; the inputs show them in local time. */
  from: string;
  to: string;
  q: string;
}

export const EMPTY_TRAIL_FILTERS: TrailFilters = {
  entity_type: '',
  entity_id: '',
  actor_id: '',
  event_type: '',
  from: '',
  to: '',
  q: '',
  cursor: '',
  prev: [],
};

export const TRAIL_FILTER_KEYS = ['entity_type', 'entity_id', 'actor_id', 'event_type', 'from', 'to', 'q'] as const;
export type TrailFilterKey = (typeof TRAIL_FILTER_KEYS)[number];

/**
 * An id as typed: a value that is not one is still sent, so the API names the field
 * rather than the filter being silently ignored.
 */
function typedId(v: string | null): string {
  const s = (v ?? '').trim().slice(0, 20);
  return positiveInt(s) || s;
}

/** An instant the browser can read; the API judges the rest (and `from` after `to`) and names the field. */
function instant(v: string | null): string {
  const s = (v ?? '').trim();
  return s && !Number.isNaN(Date.parse(s)) ? s : '';
}

/** An event name ("RiskUpdated"); an unknown one is sent, so the API says why it matches nothing. */
function eventName(v: string | null): string {
  return (v ?? '').trim().slice(0, 200);
}

/** Reads the trail's state from the URL; a record type or time the API could never take is dropped. */
export function parseTrailFilters(params: URLSearchParams): TrailFilters {
  return {
    entity_type: oneOf(ENTITY_TYPES, params.get('entity_type')),
    entity_id: typedId(params.get('entity_id')),
    actor_id: typedId(params.get('actor_id')),
    event_type: eventName(params.get('event_type')),
    from: instant(params.get('from')),
    to: instant(params.get('to')),
    q: searchText(params),
    ...parsePaging(params),
  };
}

export const serializeTrailFilters = (f: TrailFilters) => serializeListState(f, TRAIL_FILTER_KEYS);

/** The query for GET /api/audit-trail. */
export const toTrailApiQuery = (f: TrailFilters, limit = 50) => listApiQuery(f, TRAIL_FILTER_KEYS, limit);

export const withTrailFilter = (f: TrailFilters, key: TrailFilterKey, value: string) => withListFilter(f, key, value);

/** The CSV export of every row matching the filters: no page, so no cursor. */
export function trailCsvHref(f: TrailFilters): string {
  const p = new URLSearchParams({ format: 'csv' });
  for (const [k, v] of serializeListState({ ...f, cursor: '', prev: [] }, TRAIL_FILTER_KEYS)) p.set(k, v);
  return `/api/audit-trail?${p}`;
}
