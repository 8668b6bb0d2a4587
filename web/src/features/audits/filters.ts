// URL search-param state of the engagement and finding lists: filters, sort, keyset
// paging and (engagements) the list or board view. Pure functions only.
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
  ENGAGEMENT_SORTS,
  ENGAGEMENT_STATUSES,
  FINDING_SORTS,
  FINDING_STATUSES,
  PHASES,
  RISK_RATINGS,
  SEVERITIES,
  type EngagementSort,
  type EngagementStatus,
  type FindingSort,
  type FindingStatus,
  type Phase,
  type RiskRatingFilter,
  type Severity,
} from './types';

const BOOLS = ['true', 'false'] as const;
type Bool = (typeof BOOLS)[number];

export interface EngagementFilters extends Paging {
  phase: Phase | '';
  status: EngagementStatus | '';
  lead_auditor_id: string;
  active: Bool | '';
  cancelled: Bool | '';
  q: string;
  sort: EngagementSort | '';
  /** 'board' shows the engagements in columns by phase; '' is the table. */
  view: 'board' | '';
}

export const EMPTY_ENGAGEMENT_FILTERS: EngagementFilters = {
  phase: '',
  status: '',
  lead_auditor_id: '',
  active: '',
  cancelled: '',
  q: '',
  sort: '',
  view: '',
  cursor: '',
  prev: [],
};

const ENGAGEMENT_API_KEYS = ['phase', 'status', 'lead_auditor_id', 'active', 'cancelled', 'q', 'sort'] as const;
const ENGAGEMENT_URL_KEYS = [...ENGAGEMENT_API_KEYS, 'view'] as const;
export type EngagementFilterKey = (typeof ENGAGEMENT_URL_KEYS)[number];

/** Reads the list state from the URL; invalid values are dropped rather than sent to the API (which would answer 400). */
export function parseEngagementFilters(params: URLSearchParams): EngagementFilters {
  return {
    phase: oneOf(PHASES, params.get('phase')),
    status: oneOf(ENGAGEMENT_STATUSES, params.get('status')),
    lead_auditor_id: positiveInt(params.get('lead_auditor_id')),
    active: oneOf(BOOLS, params.get('active')),
    cancelled: oneOf(BOOLS, params.get('cancelled')),
    q: searchText(params),
    sort: oneOf(ENGAGEMENT_SORTS, params.get('sort')),
    view: params.get('view') === 'board' ? 'board' : '',
    ...parsePaging(params),
  };
}

export const serializeEngagementFilters = (f: EngagementFilters) => serializeListState(f, ENGAGEMENT_URL_KEYS);

/** The query for GET /api/engagements (the view is the page's own business). */
export const toEngagementApiQuery = (f: EngagementFilters, limit = 50) => listApiQuery(f, ENGAGEMENT_API_KEYS, limit);

export const withEngagementFilter = (f: EngagementFilters, key: EngagementFilterKey, value: string) =>
  withListFilter(f, key, value);

export function clearEngagementFilters(f: EngagementFilters): EngagementFilters {
  return { ...EMPTY_ENGAGEMENT_FILTERS, sort: f.sort, view: f.view };
}

export interface FindingFilters extends Paging {
  engagement_id: string;
  status: FindingStatus | '';
  severity: Severity | '';
  assigned_to: string;
  risk_id: string;
  control_id: string;
  overdue: Bool | '';
  open: Bool | '';
  risk_rating: RiskRatingFilter | '';
  q: string;
  sort: FindingSort | '';
}

export const EMPTY_FINDING_FILTERS: FindingFilters = {
  engagement_id: '',
  status: '',
  severity: '',
  assigned_to: '',
  risk_id: '',
  control_id: '',
  overdue: '',
  open: '',
  risk_rating: '',
  q: '',
  sort: '',
  cursor: '',
  prev: [],
};

const FINDING_KEYS = [
  'engagement_id',
  'status',
  'severity',
  'assigned_to',
  'risk_id',
  'control_id',
  'overdue',
  'open',
  'risk_rating',
  'q',
  'sort',
] as const;
export type FindingFilterKey = (typeof FINDING_KEYS)[number];

export function parseFindingFilters(params: URLSearchParams): FindingFilters {
  return {
    engagement_id: positiveInt(params.get('engagement_id')),
    status: oneOf(FINDING_STATUSES, params.get('status')),
    severity: oneOf(SEVERITIES, params.get('severity')),
    assigned_to: positiveInt(params.get('assigned_to')),
    risk_id: positiveInt(params.get('risk_id')),
    control_id: positiveInt(params.get('control_id')),
    overdue: oneOf(BOOLS, params.get('overdue')),
    open: oneOf(BOOLS, params.get('open')),
    risk_rating: oneOf(RISK_RATINGS, params.get('risk_rating')),
    q: searchText(params),
    sort: oneOf(FINDING_SORTS, params.get('sort')),
    ...parsePaging(params),
  };
}

export const serializeFindingFilters = (f: FindingFilters) => serializeListState(f, FINDING_KEYS);

/** The query for GET /api/findings. */
export const toFindingApiQuery = (f: FindingFilters, limit = 50) => listApiQuery(f, FINDING_KEYS, limit);

export const withFindingFilter = (f: FindingFilters, key: FindingFilterKey, value: string) =>
  withListFilter(f, key, value);

export function clearFindingFilters(f: FindingFilters): FindingFilters {
  return { ...EMPTY_FINDING_FILTERS, sort: f.sort };
}
