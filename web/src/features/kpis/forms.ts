// Values of the KPI, objective and record-a-value forms, their checks before sending, and
// their conversion to API bodies (pure).
import { ApiError } from '../../lib/api';
import { periodError } from './periods';
import { formatMeasure } from './rules';
import { DIRECTIONS, FREQUENCIES, type Direction, type Frequency, type Kpi, type Objective } from './types';

type Body = Record<string, unknown>;

/** Longest values the server takes. */
export const LIMITS = { name: 200, description: 10000, unit: 100, comment: 1000 } as const;

/** Refuses a form before it is sent with the error a 400 would give, so it shows beside its field. */
function refuse(fields: Record<string, string>) {
  if (Object.keys(fields).length > 0) {
    throw new ApiError(400, { code: 'VALIDATION_ERROR', message: 'Check the highlighted fields.', fields });
  }
}

/** Fields of `full` that differ from `before`. */
function changed(full: Body, before: Body): Body {
  const patch: Body = {};
  for (const k of Object.keys(full)) {
    if (full[k] !== before[k]) patch[k] = full[k];
  }
  return patch;
}

const idOrNull = (v: string) => (v ? Number(v) : null);
const idText = (v: number | null | undefined) => (v ? String(v) : '');

/** A decimal number as typed ("95", "-1.5", "0.25"), or null when it is none. */
export function parseNumber(text: string): number | null {
  const t = text.trim().replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

// --- KPI ---------------------------------------------------------------------------

export interface KpiFormValues {
  name: string;
  description: string;
  unit: string;
  /** As typed; a number when sent. */
  target: string;
  direction: Direction;
  frequency: Frequency;
  owner_id: string;
  objective_id: string;
}

export const KPI_FORM_FIELDS = [
  'name',
  'description',
  'unit',
  'target',
  'direction',
  'frequency',
  'owner_id',
  'objective_id',
] as const;

export const EMPTY_KPI_FORM: KpiFormValues = {
  name: '',
  description: '',
  unit: '',
  target: '',
  direction: 'higher_is_better',
  frequency: 'monthly',
  owner_id: '',
  objective_id: '',
};

export function kpiToForm(k: Kpi): KpiFormValues {
  return {
    name: k.name,
    description: k.description ?? '',
    unit: k.unit ?? '',
    target: String(k.target),
    direction: k.direction,
    frequency: k.frequency,
    owner_id: idText(k.owner_id),
    objective_id: idText(k.objective_id),
  };
}

/** What the server would refuse, by field, in its words; empty when the form may be sent. */
export function validateKpiForm(v: KpiFormValues): Record<string, string> {
  const errs: Record<string, string> = {};
  if (!v.name.trim()) errs.name = 'is required';
  for (const k of ['name', 'description', 'unit'] as const) {
    if (v[k].trim().length > LIMITS[k]) errs[k] = `must be at most ${LIMITS[k]} characters`;
  }
  if (!v.target.trim()) errs.target = 'is required';
  else if (parseNumber(v.target) === null) errs.target = 'must be a number';
  if (!(DIRECTIONS as readonly string[]).includes(v.direction)) errs.direction = 'is required';
  if (!(FREQUENCIES as readonly string[]).includes(v.frequency)) {
    errs.frequency = `must be one of ${FREQUENCIES.join(', ')}`;
  }
  return errs;
}

function kpiFields(v: KpiFormValues): Body {
  return {
    name: v.name.trim(),
    description: v.description.trim(),
    unit: v.unit.trim(),
    target: parseNumber(v.target),
    direction: v.direction,
    frequency: v.frequency,
    owner_id: idOrNull(v.owner_id),
    objective_id: idOrNull(v.objective_id),
  };
}

/** Body of POST /api/kpis. */
export function kpiToCreate(v: KpiFormValues): Body {
  refuse(validateKpiForm(v));
  return kpiFields(v);
}

/** Body of PUT /api/kpis/:id: only the fields that differ from the KPI as loaded. */
export function kpiToPatch(v: KpiFormValues, original: Kpi): Body {
  refuse(validateKpiForm(v));
  return changed(kpiFields(v), kpiFields(kpiToForm(original)));
}

/** Why the frequency may not change now, or null when it may (a KPI with values keeps it). */
export function frequencyLockedReason(k: Pick<Kpi, 'latest_period'> | undefined): string | null {
  return k?.latest_period
    ? 'The KPI has values, whose periods are written for this frequency: it cannot change.'
    : null;
}

// --- Objective ---------------------------------------------------------------------

export interface ObjectiveFormValues {
  name: string;
  description: string;
  owner_id: string;
  /** YYYY-MM-DD or ''. */
  period_start: string;
  period_end: string;
}

export const OBJECTIVE_FORM_FIELDS = ['name', 'description', 'owner_id', 'period_start', 'period_end'] as const;

export const EMPTY_OBJECTIVE_FORM: ObjectiveFormValues = {
  name: '',
  description: '',
  owner_id: '',
  period_start: '',
  period_end: '',
};

export function objectiveToForm(o: Objective): ObjectiveFormValues {
  return {
    name: o.name,
    description: o.description ?? '',
    owner_id: idText(o.owner_id),
    period_start: o.period_start ?? '',
    period_end: o.period_end ?? '',
  };
}

export function validateObjectiveForm(v: ObjectiveFormValues): Record<string, string> {
  const errs: Record<string, string> = {};
  if (!v.name.trim()) errs.name = 'is required';
  for (const k of ['name', 'description'] as const) {
    if (v[k].trim().length > LIMITS[k]) errs[k] = `must be at most ${LIMITS[k]} characters`;
  }
  if (v.period_start && v.period_end && v.period_end < v.period_start) {
    errs.period_end = 'must not be before the start';
  }
  return errs;
}

function objectiveFields(v: ObjectiveFormValues): Body {
  return {
    name: v.name.trim(),
    description: v.description.trim(),
    owner_id: idOrNull(v.owner_id),
    period_start: v.period_start || null,
    period_end: v.period_end || null,
  };
}

/** Body of POST /api/objectives. */
export function objectiveToCreate(v: ObjectiveFormValues): Body {
  refuse(validateObjectiveForm(v));
  return objectiveFields(v);
}

/** Body of PUT /api/objectives/:id: only the fields that differ from the objective as loaded. */
export function objectiveToPatch(v: ObjectiveFormValues, original: Objective): Body {
  refuse(validateObjectiveForm(v));
  return changed(objectiveFields(v), objectiveFields(objectiveToForm(original)));
}

// --- Recording a value -------------------------------------------------------------

export interface ValueFormValues {
  period: string;
  /** As typed; a number when sent. */
  value: string;
  comment: string;
}

export const VALUE_FORM_FIELDS = ['period', 'value', 'comment'] as const;

/** What sending the form would do to the period. */
export type ValueWrite = { kind: 'record' } | { kind: 'correct'; current: number } | { kind: 'same'; current: number };

/**
 * A value for a period without one is recorded; for a period with another value it is a
 * correction; the value the period already has changes nothing.
 */
export function valueWrite(current: number | undefined, typed: string): ValueWrite {
  if (current === undefined) return { kind: 'record' };
  const n = parseNumber(typed);
  return n !== null && n === current ? { kind: 'same', current } : { kind: 'correct', current };
}

/** The notice above a correction, or null when the form records a first value. */
export function correctionNotice(w: ValueWrite, period: string, unit: string): string | null {
  if (w.kind === 'record') return null;
  const now = formatMeasure(w.current, unit);
  if (w.kind === 'same') return `${period} already has the value ${now}: sending it again changes nothing.`;
  return `${period} already has the value ${now}. Saving corrects it: both values stay in the history, and a comment saying why is required.`;
}

/** What the server would refuse, by field; empty when the form may be sent. */
export function validateValueForm(
  frequency: Frequency,
  v: ValueFormValues,
  current: number | undefined,
  today: Date,
): Record<string, string> {
  const errs: Record<string, string> = {};
  const p = periodError(frequency, v.period, today);
  if (p) errs.period = p;
  if (!v.value.trim()) errs.value = 'is required';
  else if (parseNumber(v.value) === null) errs.value = 'must be a number';
  if (valueWrite(current, v.value).kind === 'correct' && !v.comment.trim()) {
    errs.comment = 'is required to correct a value: say why it changes';
  }
  if (v.comment.trim().length > LIMITS.comment) errs.comment = `must be at most ${LIMITS.comment} characters`;
  return errs;
}

/** Body of POST /api/kpis/:id/performance, refused before sending as the server would. */
export function valueToBody(frequency: Frequency, v: ValueFormValues, current: number | undefined, today: Date): Body {
  refuse(validateValueForm(frequency, v, current, today));
  const body: Body = { period: v.period.trim(), value: parseNumber(v.value) };
  if (v.comment.trim()) body.comment = v.comment.trim();
  return body;
}
