import type { ControlSummary } from '../controls';

// Risk management (API.md: risks, responses, risk-to-control mapping).
export const RISK_STATUSES = ['Identified', 'Assessed', 'Treating', 'Accepted', 'Closed'] as const;
export type RiskStatus = (typeof RISK_STATUSES)[number];
export const RATINGS = ['Low', 'Medium', 'High', 'Critical'] as const;
export type Rating = (typeof RATINGS)[number];
export const SORTS = ['score', '-score', 'updated_at', '-updated_at'] as const;
export type RiskSort = (typeof SORTS)[number];

export interface RiskResponse {
  id: number;
  risk_id: number;
  type: 'mitigate' | 'accept' | 'transfer' | 'avoid';
  description: string;
  owner_id: number | null;
  due_date: string | null;
  status: 'planned' | 'in_progress' | 'done';
  completed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Risk {
  id: number;
  title: string;
  description: string;
  category: string;
  status: RiskStatus;
  likelihood: number;
  impact: number;
  inherent_score: number;
  rating: Rating;
  residual_likelihood: number | null;
  residual_impact: number | null;
  residual_score: number | null;
  owner_id: number | null;
  review_date: string | null;
  control_ids: number[];
  created_at: string;
  updated_at: string;
  version: number;
  responses?: RiskResponse[];
  /** The risk's mapped controls (detail only). */
  controls?: ControlSummary[];
}
