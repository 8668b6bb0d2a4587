// Form values of the risk create/edit form and their conversion to API payloads.
import type { Risk, RiskStatus } from './types';

export interface RiskFormValues {
  title: string;
  description: string;
  category: string;
  status: RiskStatus;
  likelihood: string; // '1'..'5'
  impact: string;
  residual_likelihood: string; // '' = none
  residual_impact: string;
  owner_id: string; // '' = none
  review_date: string; // YYYY-MM-DD or ''
}

export const RISK_FORM_FIELDS = [
  'title',
  'description',
  'category',
  'status',
  'likelihood',
  'impact',
  'residual_likelihood',
  'residual_impact',
  'owner_id',
  'review_date',
] as const;

export const EMPTY_RISK_FORM: RiskFormValues = {
  title: '',
  description: '',
  category: '',
  status: 'Identified',
  likelihood: '3',
  impact: '3',
  residual_likelihood: '',
  residual_impact: '',
  owner_id: '',
  review_date: '',
};

const str = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));
const numOrNull = (s: string) => (s.trim() === '' ? null : Number(s));

export function riskToForm(r: Risk): RiskFormValues {
  return {
    title: r.title,
    description: r.description ?? '',
    category: r.category,
    status: r.status,
    likelihood: str(r.likelihood),
    impact: str(r.impact),
    residual_likelihood: str(r.residual_likelihood),
    residual_impact: str(r.residual_impact),
    owner_id: str(r.owner_id),
    review_date: r.review_date ?? '',
  };
}

/** Body of POST /api/risks. */
export function formToCreate(v: RiskFormValues): Record<string, unknown> {
  return {
    title: v.title,
    description: v.description,
    category: v.category,
    status: v.status,
    likelihood: Number(v.likelihood),
    impact: Number(v.impact),
    residual_likelihood: numOrNull(v.residual_likelihood),
    residual_impact: numOrNull(v.residual_impact),
    owner_id: numOrNull(v.owner_id),
    review_date: v.review_date || null,
  };
}

/** Body of PUT /api/risks/:id: only the fields that differ from the risk as loaded. */
export function formToPatch(v: RiskFormValues, original: Risk): Record<string, unknown> {
  const full = formToCreate(v);
  const before = formToCreate(riskToForm(original));
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(full)) {
    if (full[k] !== before[k]) patch[k] = full[k];
  }
  // Residual fields are validated together: send both when either changes.
  if ('residual_likelihood' in patch || 'residual_impact' in patch) {
    patch.residual_likelihood = full.residual_likelihood;
    patch.residual_impact = full.residual_impact;
  }
  return patch;
}
