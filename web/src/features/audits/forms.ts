// Form values of the engagement and finding forms and their conversion to API bodies (pure).
import { positiveInt } from '../../lib/listState';
import { SEVERITIES, type Engagement, type Finding, type Severity } from './types';

type Body = Record<string, unknown>;

const str = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));
const numOrNull = (s: string) => (s.trim() === '' ? null : Number(s));

/** Only the fields of `full` that differ from `before`. */
function changed(full: Body, before: Body): Body {
  const patch: Body = {};
  for (const k of Object.keys(full)) {
    if (full[k] !== before[k]) patch[k] = full[k];
  }
  return patch;
}

export interface EngagementFormValues {
  title: string;
  scope: string;
  auditee: string;
  lead_auditor_id: string; // '' = none
  /** Only at creation; later status changes carry their own comment. */
  status: string;
  planned_start: string; // YYYY-MM-DD or ''
  planned_end: string;
}

export const ENGAGEMENT_FORM_FIELDS = [
  'title',
  'scope',
  'auditee',
  'lead_auditor_id',
  'status',
  'planned_start',
  'planned_end',
] as const;

export const EMPTY_ENGAGEMENT_FORM: EngagementFormValues = {
  title: '',
  scope: '',
  auditee: '',
  lead_auditor_id: '',
  status: 'On Track',
  planned_start: '',
  planned_end: '',
};

export function engagementToForm(e: Engagement): EngagementFormValues {
  return {
    title: e.title,
    scope: e.scope ?? '',
    auditee: e.auditee ?? '',
    lead_auditor_id: str(e.lead_auditor_id),
    status: e.status,
    planned_start: e.planned_start ?? '',
    planned_end: e.planned_end ?? '',
  };
}

function engagementFields(v: EngagementFormValues): Body {
  return {
    title: v.title,
    scope: v.scope,
    auditee: v.auditee,
    lead_auditor_id: numOrNull(v.lead_auditor_id),
    planned_start: v.planned_start || null,
    planned_end: v.planned_end || null,
  };
}

/** Body of POST /api/engagements. */
export function engagementToCreate(v: EngagementFormValues): Body {
  return { ...engagementFields(v), status: v.status };
}

/** Body of PUT /api/engagements/:id: the changed fields (never the status, which has its own dialog). */
export function engagementToPatch(v: EngagementFormValues, original: Engagement): Body {
  return changed(engagementFields(v), engagementFields(engagementToForm(original)));
}

export interface FindingFormValues {
  engagement_id: string;
  title: string;
  description: string;
  severity: Severity;
  risk_id: string; // '' = none
  control_id: string;
  assigned_to: string;
  due_date: string;
  /** The failed control test the finding is raised from ('' = none); creation only. */
  source_test_id: string;
}

export const FINDING_FORM_FIELDS = [
  'engagement_id',
  'title',
  'description',
  'severity',
  'risk_id',
  'control_id',
  'assigned_to',
  'due_date',
  'source_test_id',
] as const;

export const EMPTY_FINDING_FORM: FindingFormValues = {
  engagement_id: '',
  title: '',
  description: '',
  severity: 'Medium',
  risk_id: '',
  control_id: '',
  assigned_to: '',
  due_date: '',
  source_test_id: '',
};

/**
 * A new finding's form as its link fills it in: `/findings/new?engagement_id=3` from an
 * engagement, `?control_id=7&source_test_id=12` from a failed control test.
 */
export function findingFormFromQuery(params: URLSearchParams): FindingFormValues {
  const severity = params.get('severity');
  return {
    ...EMPTY_FINDING_FORM,
    engagement_id: positiveInt(params.get('engagement_id')),
    risk_id: positiveInt(params.get('risk_id')),
    control_id: positiveInt(params.get('control_id')),
    source_test_id: positiveInt(params.get('source_test_id')),
    severity: (SEVERITIES as readonly string[]).includes(severity ?? '') ? (severity as Severity) : 'Medium',
  };
}

export function findingToForm(f: Finding): FindingFormValues {
  return {
    engagement_id: String(f.engagement_id),
    title: f.title,
    description: f.description ?? '',
    severity: f.severity,
    risk_id: str(f.risk_id),
    control_id: str(f.control_id),
    assigned_to: str(f.assigned_to),
    due_date: f.due_date ?? '',
    source_test_id: str(f.source_test_id),
  };
}

function findingFields(v: FindingFormValues): Body {
  return {
    title: v.title,
    description: v.description,
    severity: v.severity,
    risk_id: numOrNull(v.risk_id),
    control_id: numOrNull(v.control_id),
    assigned_to: numOrNull(v.assigned_to),
    due_date: v.due_date || null,
  };
}

/** Body of POST /api/findings. */
export function findingToCreate(v: FindingFormValues): Body {
  const body: Body = { engagement_id: numOrNull(v.engagement_id), ...findingFields(v) };
  if (v.source_test_id) body.source_test_id = Number(v.source_test_id);
  return body;
}

/** Body of PUT /api/findings/:id: the changed fields (the engagement and source test are fixed at creation). */
export function findingToPatch(v: FindingFormValues, original: Finding): Body {
  return changed(findingFields(v), findingFields(findingToForm(original)));
}
