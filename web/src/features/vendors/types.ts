// Third-party risk (API.md: Vendors): vendors, their periodic reviews and the history of
// their risk tier.
export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];
export const RISK_TIERS = ['Low', 'Medium', 'High', 'Critical'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];
export const VENDOR_STATUSES = ['onboarding', 'active', 'offboarded'] as const;
export type VendorStatus = (typeof VENDOR_STATUSES)[number];
export const DECISIONS = ['approved', 'conditional', 'rejected'] as const;
export type Decision = (typeof DECISIONS)[number];
export const VENDOR_SORTS = ['name', '-name', 'next_review', '-next_review', 'updated_at', '-updated_at'] as const;
export type VendorSort = (typeof VENDOR_SORTS)[number];

export interface VendorReview {
  id: number;
  reviewed_at: string;
  reviewer_id: number;
  reviewer_name: string;
  decision: Decision;
  notes: string;
  risk_tier_from: RiskTier;
  risk_tier: RiskTier;
  next_review: string;
  recorded_at: string;
}

export interface TierChange {
  /** null for the vendor's first tier. */
  from: RiskTier | null;
  to: RiskTier;
  at: string;
  by: number;
  by_name: string;
  reason: string;
  /** The review that set the tier; null when an edit or the creation did. */
  review_id: number | null;
}

export interface VendorRisk {
  id: number;
  title: string;
  rating: string;
  status: string;
}

export interface Vendor {
  id: number;
  name: string;
  service: string;
  criticality: Criticality;
  risk_tier: RiskTier;
  status: VendorStatus;
  contact_name: string;
  contact_email: string;
  next_review: string | null;
  overdue_review: boolean;
  risk_ids: number[];
  last_review_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  /** Detail only: every review, newest first. */
  reviews?: VendorReview[];
  /** Detail only: every tier the vendor has had, oldest first. */
  tier_history?: TierChange[];
  /** Detail only: the live risks among risk_ids. */
  risks?: VendorRisk[];
}
