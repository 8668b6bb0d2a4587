// Audit management (API.md: audit engagements, procedures and findings).
export const PHASES = ['Planning', 'Fieldwork', 'Review', 'Reporting', 'Completed'] as const;
export type Phase = (typeof PHASES)[number];
export const ENGAGEMENT_STATUSES = ['On Track', 'At Risk', 'Delayed', 'Cancelled'] as const;
export type EngagementStatus = (typeof ENGAGEMENT_STATUSES)[number];
/** The statuses an engagement may be created with. */
export const CREATE_STATUSES = ['On Track', 'At Risk', 'Delayed'] as const;
export const ENGAGEMENT_SORTS = ['updated_at', '-updated_at', 'planned_start', '-planned_start', 'title'] as const;
export type EngagementSort = (typeof ENGAGEMENT_SORTS)[number];

export const PROCEDURE_STATUSES = ['not_started', 'in_progress', 'done'] as const;
export type ProcedureStatus = (typeof PROCEDURE_STATUSES)[number];

export const FINDING_STATUSES = ['Open', 'Approved', 'Closed'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
export const SEVERITIES = ['Low', 'Medium', 'High', 'Critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Ratings of the risk a finding is linked to; `none` = no linked risk. */
export const RISK_RATINGS = ['Low', 'Medium', 'High', 'Critical', 'none'] as const;
export type RiskRatingFilter = (typeof RISK_RATINGS)[number];
export const FINDING_SORTS = ['due_date', '-due_date', 'updated_at', '-updated_at', 'severity', '-severity'] as const;
export type FindingSort = (typeof FINDING_SORTS)[number];

export interface Procedure {
  id: number;
  engagement_id: number;
  title: string;
  description: string;
  assigned_to: number | null;
  status: ProcedureStatus;
  conclusion: string;
  signed_off_by: number | null;
  signed_off_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface Engagement {
  id: number;
  title: string;
  scope: string;
  auditee: string;
  lead_auditor_id: number | null;
  phase: Phase;
  status: EngagementStatus;
  planned_start: string | null;
  planned_end: string | null;
  findings_by_status: Partial<Record<FindingStatus, number>>;
  procedures_total: number;
  procedures_signed_off: number;
  created_at: string;
  updated_at: string;
  version: number;
  /** Detail only. */
  procedures?: Procedure[];
}

export interface ManagementResponse {
  response: string;
  action_plan: string;
  target_date: string | null;
  submitted_by: number;
  submitted_at: string;
}

export interface Finding {
  id: number;
  engagement_id: number;
  engagement_title: string;
  title: string;
  description: string;
  severity: Severity;
  risk_id: number | null;
  control_id: number | null;
  source_test_id: number | null;
  status: FindingStatus;
  assigned_to: number | null;
  due_date: string | null;
  overdue: boolean;
  management_response: ManagementResponse | null;
  created_at: string;
  updated_at: string;
  version: number;
  /** Detail only. */
  risk?: { id: number; title: string; rating: string } | null;
  control?: { id: number; code: string; title: string } | null;
  /** Every response, newest first (detail only). */
  management_responses?: ManagementResponse[];
}
