// Values of the vendor and review forms, their checks before sending, and their
// conversion to API bodies (pure).
import { ApiError } from '../../lib/api';
import {
  CRITICALITIES,
  DECISIONS,
  RISK_TIERS,
  VENDOR_STATUSES,
  type Criticality,
  type Decision,
  type RiskTier,
  type Vendor,
  type VendorStatus,
} from './types';

type Body = Record<string, unknown>;

/** Longest values the server takes. */
export const LIMITS = {
  name: 200,
  service: 300,
  contact_name: 200,
  contact_email: 254,
  reason: 1000,
  notes: 5000,
  risk_ids: 100,
} as const;

function refuse(fields: Record<string, string>) {
  if (Object.keys(fields).length > 0) {
    throw new ApiError(400, { code: 'VALIDATION_ERROR', message: 'Check the highlighted fields.', fields });
  }
}

const isIn = (values: readonly string[], v: string) => values.includes(v);

/** An address alone, as the server takes it: something@domain.tld, no spaces or display name. */
export function isEmailAddress(s: string): boolean {
  return /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/.test(s);
}

/** "2026-03-05" for a UTC date. */
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The day one year after `day` (YYYY-MM-DD), the usual interval between reviews. */
export function yearAfter(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return '';
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return isoDay(d);
}

// --- Vendor ------------------------------------------------------------------------

export interface VendorFormValues {
  name: string;
  service: string;
  criticality: Criticality;
  risk_tier: RiskTier;
  status: VendorStatus;
  contact_name: string;
  contact_email: string;
  /** YYYY-MM-DD or ''. */
  next_review: string;
  /** Ids of the linked risks, as text. */
  risk_ids: string[];
  /** Why the risk tier changes; asked for only on an edit that changes it. */
  reason: string;
}

export const VENDOR_FORM_FIELDS = [
  'name',
  'service',
  'criticality',
  'risk_tier',
  'status',
  'contact_name',
  'contact_email',
  'next_review',
  'risk_ids',
  'reason',
] as const;

export const EMPTY_VENDOR_FORM: VendorFormValues = {
  name: '',
  service: '',
  criticality: 'medium',
  risk_tier: 'Medium',
  status: 'onboarding',
  contact_name: '',
  contact_email: '',
  next_review: '',
  risk_ids: [],
  reason: '',
};

export function vendorToForm(v: Vendor): VendorFormValues {
  return {
    name: v.name,
    service: v.service ?? '',
    criticality: v.criticality,
    risk_tier: v.risk_tier,
    status: v.status,
    contact_name: v.contact_name ?? '',
    contact_email: v.contact_email ?? '',
    next_review: v.next_review ?? '',
    risk_ids: (v.risk_ids ?? []).map(String),
    reason: '',
  };
}

/** Whether the form moves the vendor to another risk tier than `original` has (an edit's tier change needs a reason). */
export function tierChanges(v: Pick<VendorFormValues, 'risk_tier'>, original: Pick<Vendor, 'risk_tier'> | undefined) {
  return original !== undefined && v.risk_tier !== original.risk_tier;
}

/** What the server would refuse, by field, in its words; empty when the form may be sent. */
export function validateVendorForm(v: VendorFormValues, original?: Vendor): Record<string, string> {
  const errs: Record<string, string> = {};
  if (!v.name.trim()) errs.name = 'is required';
  for (const k of ['name', 'service', 'contact_name', 'contact_email'] as const) {
    if (v[k].trim().length > LIMITS[k]) errs[k] = `must be at most ${LIMITS[k]} characters`;
  }
  if (v.contact_email.trim() && !errs.contact_email && !isEmailAddress(v.contact_email.trim())) {
    errs.contact_email = 'must be an email address, such as name@example.com';
  }
  if (!isIn(CRITICALITIES, v.criticality)) errs.criticality = `must be one of ${CRITICALITIES.join(', ')}`;
  if (!isIn(RISK_TIERS, v.risk_tier)) errs.risk_tier = `must be one of ${RISK_TIERS.join(', ')}`;
  if (!isIn(VENDOR_STATUSES, v.status)) errs.status = `must be one of ${VENDOR_STATUSES.join(', ')}`;
  if (v.risk_ids.length > LIMITS.risk_ids) errs.risk_ids = `must hold at most ${LIMITS.risk_ids} risks`;
  if (tierChanges(v, original)) {
    if (!v.reason.trim()) errs.reason = 'is required to change the risk tier: say why it moves';
    else if (v.reason.trim().length > LIMITS.reason) errs.reason = `must be at most ${LIMITS.reason} characters`;
  }
  return errs;
}

const riskIds = (ids: string[]) => [...new Set(ids.map(Number).filter((n) => n > 0))].sort((a, b) => a - b);

function vendorFields(v: VendorFormValues): Body {
  return {
    name: v.name.trim(),
    service: v.service.trim(),
    criticality: v.criticality,
    risk_tier: v.risk_tier,
    status: v.status,
    contact_name: v.contact_name.trim(),
    contact_email: v.contact_email.trim(),
    next_review: v.next_review || null,
    risk_ids: riskIds(v.risk_ids),
  };
}

/** Body of POST /api/vendors. */
export function vendorToCreate(v: VendorFormValues): Body {
  refuse(validateVendorForm(v));
  return vendorFields(v);
}

/** Body of PUT /api/vendors/:id: the fields that differ from the vendor as loaded, and the reason of a tier change. */
export function vendorToPatch(v: VendorFormValues, original: Vendor): Body {
  refuse(validateVendorForm(v, original));
  const full = vendorFields(v);
  const before = vendorFields(vendorToForm(original));
  const patch: Body = {};
  for (const k of Object.keys(full)) {
    const same = Array.isArray(full[k]) ? JSON.stringify(full[k]) === JSON.stringify(before[k]) : full[k] === before[k];
    if (!same) patch[k] = full[k];
  }
  if ('risk_tier' in patch) patch.reason = v.reason.trim();
  return patch;
}

// --- Review ------------------------------------------------------------------------

export interface ReviewFormValues {
  /** YYYY-MM-DD. */
  reviewed_at: string;
  decision: Decision | '';
  risk_tier: RiskTier;
  notes: string;
  /** YYYY-MM-DD. */
  next_review: string;
}

export const REVIEW_FORM_FIELDS = ['reviewed_at', 'decision', 'risk_tier', 'notes', 'next_review'] as const;

/** A new review of `vendor` on `today`: the vendor's tier kept, the next review a year on. */
export function emptyReview(vendor: Pick<Vendor, 'risk_tier'>, today: string): ReviewFormValues {
  return { reviewed_at: today, decision: '', risk_tier: vendor.risk_tier, notes: '', next_review: yearAfter(today) };
}

/** What the server would refuse, by field; empty when the review may be sent. */
export function validateReview(
  r: ReviewFormValues,
  vendor: Pick<Vendor, 'risk_tier' | 'last_review_at'>,
  today: string,
): Record<string, string> {
  const errs: Record<string, string> = {};
  if (!r.reviewed_at) errs.reviewed_at = 'is required';
  else if (r.reviewed_at > today) errs.reviewed_at = 'must not be in the future';
  else if (vendor.last_review_at && r.reviewed_at < vendor.last_review_at) {
    errs.reviewed_at = `must not be before the last review (${vendor.last_review_at})`;
  }
  if (!r.decision || !isIn(DECISIONS, r.decision)) errs.decision = 'Choose what the review concluded';
  if (!isIn(RISK_TIERS, r.risk_tier)) errs.risk_tier = `must be one of ${RISK_TIERS.join(', ')}`;
  if (r.risk_tier !== vendor.risk_tier && !r.notes.trim()) {
    errs.notes = 'is required when the review changes the tier: say why it moves';
  }
  if (r.notes.trim().length > LIMITS.notes) errs.notes = `must be at most ${LIMITS.notes} characters`;
  if (!r.next_review) errs.next_review = 'is required';
  else if (r.reviewed_at && r.next_review <= r.reviewed_at) errs.next_review = 'must be after the review date';
  return errs;
}

/** Body of POST /api/vendors/:id/reviews, refused before sending as the server would. */
export function reviewToBody(
  r: ReviewFormValues,
  vendor: Pick<Vendor, 'risk_tier' | 'last_review_at'>,
  today: string,
): Body {
  refuse(validateReview(r, vendor, today));
  const body: Body = {
    reviewed_at: r.reviewed_at,
    decision: r.decision,
    risk_tier: r.risk_tier,
    next_review: r.next_review,
  };
  if (r.notes.trim()) body.notes = r.notes.trim();
  return body;
}
