// Values of the case form, their checks before sending, and their conversion to API
// bodies (pure).
import { ApiError } from '../../lib/api';
import { PRIORITIES, type Case, type Priority } from './types';

type Body = Record<string, unknown>;

/** Longest values the server takes (commands/text): title, description, type, reporter. */
export const LIMITS = { title: 300, description: 10000, type: 100, reporter: 200 } as const;

export interface CaseFormValues {
  title: string;
  description: string;
  type: string;
  priority: Priority;
  reporter: string;
  confidential: boolean;
}

export const CASE_FORM_FIELDS = ['title', 'description', 'type', 'priority', 'reporter', 'confidential'] as const;

export const EMPTY_CASE_FORM: CaseFormValues = {
  title: '',
  description: '',
  type: '',
  priority: 'medium',
  reporter: '',
  confidential: false,
};

export function caseToForm(c: Case): CaseFormValues {
  return {
    title: c.title,
    description: c.description ?? '',
    type: c.type ?? '',
    priority: c.priority,
    reporter: c.reporter ?? '',
    confidential: c.confidential,
  };
}

/** What the server would refuse, by field, in its words ("is required"); empty when the form may be sent. */
export function validateCaseForm(v: CaseFormValues): Record<string, string> {
  const errs: Record<string, string> = {};
  if (!v.title.trim()) errs.title = 'is required';
  for (const k of ['title', 'description', 'type', 'reporter'] as const) {
    if (v[k].trim().length > LIMITS[k]) errs[k] = `must be at most ${LIMITS[k]} characters`;
  }
  if (!(PRIORITIES as readonly string[]).includes(v.priority))
    errs.priority = `must be one of ${PRIORITIES.join(', ')}`;
  return errs;
}

/**
 * Refuses the form before it is sent when the server would: the same error a 400 gives,
 * so the form shows it beside its field the same way.
 */
function checked(v: CaseFormValues): CaseFormValues {
  const fields = validateCaseForm(v);
  if (Object.keys(fields).length > 0) {
    throw new ApiError(400, { code: 'VALIDATION_ERROR', message: 'Check the highlighted fields.', fields });
  }
  return v;
}

function caseFields(v: CaseFormValues): Body {
  return {
    title: v.title.trim(),
    description: v.description,
    type: v.type.trim(),
    priority: v.priority,
    reporter: v.reporter.trim(),
    confidential: v.confidential,
  };
}

/** Body of POST /api/cases. */
export function caseToCreate(v: CaseFormValues): Body {
  return caseFields(checked(v));
}

/** Body of PUT /api/cases/:id: only the fields that differ from the case as loaded. */
export function caseToPatch(v: CaseFormValues, original: Case): Body {
  const full = caseFields(checked(v));
  const before = caseFields(caseToForm(original));
  const patch: Body = {};
  for (const k of Object.keys(full)) {
    if (full[k] !== before[k]) patch[k] = full[k];
  }
  return patch;
}
