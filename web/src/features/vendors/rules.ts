// How vendors read to people (pure): labels of their values, the overdue review in
// words, and the lists the dashboard's vendor figures open.
import type { Criticality, Decision, Vendor, VendorStatus } from './types';

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

/**
 * The vendor list a bar of the vendors_by_risk chart counts. The chart leaves offboarded
 * vendors out, which the list cannot (its status filter takes one status): the bar opens
 * every vendor of that tier.
 */
export function vendorsByTierHref(label: string): string {
  return `/vendors?risk_tier=${encodeURIComponent(label)}`;
}
