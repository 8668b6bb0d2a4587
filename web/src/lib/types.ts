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
  /** The risk's mapped controls (detail only). */
  controls?: ControlSummary[];
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

// Control library (docs/controls.md).
export const CONTROL_STATUSES = ['Draft', 'Active', 'Archived'] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];
export const EFFECTIVENESS = ['Not Tested', 'Effective', 'Partially Effective', 'Ineffective'] as const;
export type Effectiveness = (typeof EFFECTIVENESS)[number];
export const CONTROL_TYPES = ['preventive', 'detective', 'corrective'] as const;
export type ControlType = (typeof CONTROL_TYPES)[number];
export const FREQUENCIES = [
  'continuous',
  'daily',
  'weekly',
  'monthly',
  'quarterly',
  'semiannual',
  'annual',
  'ad_hoc',
] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const CONTROL_SORTS = ['code', '-code', 'updated_at', '-updated_at'] as const;
export type ControlSort = (typeof CONTROL_SORTS)[number];
export const TEST_RESULTS = ['Pass', 'Fail', 'Inconclusive'] as const;
export type TestResult = (typeof TEST_RESULTS)[number];

export interface PersonRef {
  id: number;
  name: string;
}

export interface ControlTest {
  id: number;
  tested_at: string;
  result: TestResult;
  notes: string;
  recorded_by: PersonRef;
  recorded_at: string;
}

export interface EffectivenessChange {
  effectiveness: Effectiveness;
  previous: Effectiveness | '' | null;
  notes: string;
  test_id: number | null;
  changed_by: PersonRef;
  changed_at: string;
}

export interface ControlRisk {
  id: number;
  title: string;
  status: RiskStatus;
  rating: Rating;
  inherent_score: number;
}

export interface ControlRequirement {
  id: number;
  framework_id: number;
  framework_name: string;
  code: string;
  title: string;
}

export interface Control {
  id: number;
  code: string;
  title: string;
  description: string;
  framework_id: number | null;
  status: ControlStatus;
  type: ControlType;
  frequency: Frequency;
  owner_id: number | null;
  effectiveness: Effectiveness;
  last_tested_at: string | null;
  risk_ids: number[];
  requirement_ids: number[];
  created_at: string;
  updated_at: string;
  version: number;
  /** The detail's first page of tests, latest tested_at first; the totals and cursors tell what else there is. */
  tests?: ControlTest[];
  tests_total?: number;
  tests_next_cursor?: string | null;
  /** The detail's first page of rating changes, newest first. */
  effectiveness_history?: EffectivenessChange[];
  effectiveness_history_total?: number;
  effectiveness_history_next_cursor?: string | null;
  risks?: ControlRisk[];
  requirements?: ControlRequirement[];
}

/** A control as a risk's detail or a coverage row lists it. */
export interface ControlSummary {
  id: number;
  code: string;
  title: string;
  status: ControlStatus;
  effectiveness: Effectiveness;
}

export interface Requirement {
  id: number;
  framework_id: number;
  code: string;
  title: string;
  description: string;
}

export interface Framework {
  id: number;
  name: string;
  version: string;
  description: string;
  source: string;
  requirement_count: number;
  created_at: string;
  updated_at: string;
  requirements?: Requirement[];
}

export interface CoverageRequirement {
  id: number;
  code: string;
  title: string;
  covered: boolean;
  controls: ControlSummary[];
}

export interface Coverage {
  framework_id: number;
  requirements_total: number;
  requirements_covered: number;
  coverage_percent: number;
  requirements: CoverageRequirement[];
}
