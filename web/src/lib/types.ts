export const RISK_STATUSES = ['Identified', 'Assessed', 'Treating', 'Accepted', 'Closed'] as const;
export type RiskStatus = (typeof RISK_STATUSES)[number];
export const RATINGS = ['Low', 'Medium', 'High', 'Critical'] as const;
export type Rating = (typeof RATINGS)[number];
export const SORTS = ['score', '-score', 'updated_at', '-updated_at'] as const;
export type RiskSort = (typeof SORTS)[number];

export interface User {
  id: number;
  email: string;
  name: string;
  disabled: boolean;
}
export interface Organization {
  id: number;
  name: string;
  role: string;
}
export interface AuthStatus {
  authenticated: boolean;
  user?: User;
  organization?: Organization;
  organizations?: Organization[];
  permissions?: string[];
}
export interface Member extends User {
  role: string;
}

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
}

export interface ListMeta {
  total: number;
  limit: number;
  next_cursor: string | null;
}

export interface HistoryEntry {
  version: number;
  event_id: string;
  type: string;
  recorded_at: string;
  position: number;
  actor: { id: number; name: string };
  correlation_id: string;
  ip?: string;
  user_agent?: string;
  changes: { field: string; before: unknown; after: unknown }[];
}

export interface Chart {
  chart_type: string;
  labels: string[];
  values: number[];
}

export interface DashboardCounts {
  risks_open: number;
  risks_high: number;
  [key: string]: number;
}
