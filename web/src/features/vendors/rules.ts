// How vendors read to people (pure): labels of their values, the overdue review in
// words, and the lists the dashboard's vendor figures open.
import { VENDOR_STATUSES, type Criticality, type Decision, type Vendor, type VendorStatus } from './types';

const CRITICALITY_LABELS: Record<Criticality, string> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};
const STATUS_LABELS: Record<VendorStatus, string> = {
  onboarding: 'Onboarding',
  active: 'Active',
  offboarded: 'Offboarded',
};
const DECISION_LABELS: Record<Decision, string> = {
  approved: 'Approved',
  conditional: 'Approved with conditions',
  rejected: 'Rejected',
};

export const criticalityLabel = (v: string) => CRITICALITY_LABELS[v as Criticality] ?? v;
export const statusLabel = (v: string) => STATUS_LABELS[v as VendorStatus] ?? v;
export const decisionLabel = (v: string) => DECISION_LABELS[v as Decision] ?? v;

/** Options of a select over API values, labelled for people. */
export const labelled = (values: readonly string[], label: (v: string) => string) =>
  values.map((value) => ({ value, label: label(value) }));

/** "Review overdue since 2026-03-01", or null when the review is not overdue. */
export function overdueText(v: Pick<Vendor, 'overdue_review' | 'next_review'>): string | null {
  if (!v.overdue_review) return null;
  return v.next_review ? `Review overdue since ${v.next_review}` : 'Review overdue';
}

/** The statuses of the vendors the dashboard counts: every one but offboarded. */
const CURRENT = VENDOR_STATUSES.filter((s) => s !== 'offboarded').join(',');

/** The vendor list a bar of the vendors_by_risk chart counts: current vendors of that tier. */
export function vendorsByTierHref(label: string): string {
  return `/vendors?status=${CURRENT}&risk_tier=${encodeURIComponent(label)}`;
}

/** The vendor list the vendors_high_risk card counts. */
export const VENDORS_HIGH_RISK_HREF = `/vendors?status=${CURRENT}&risk_tier=High,Critical`;
