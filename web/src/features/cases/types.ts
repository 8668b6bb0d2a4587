// Investigations (API.md: Investigations (IMS) and evidence): cases, their evidence files
// and each file's chain of custody.
export const CASE_STATUSES = ['new', 'assigned', 'in_progress', 'review', 'completed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const RESOLUTIONS = ['substantiated', 'unsubstantiated', 'inconclusive'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];
export const CASE_SORTS = ['updated_at', '-updated_at', 'priority', '-priority', 'created_at', '-created_at'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];
export const INTEGRITIES = ['unverified', 'match', 'mismatch'] as const;
export type Integrity = (typeof INTEGRITIES)[number];

export interface Evidence {
  id: number;
  case_id?: number;
  owner_kind?: string;
  owner_id?: number;
  file_name: string;
  content_type: string;
  size: number;
  sha256: string;
  description: string;
  uploaded_by: number;
  uploaded_by_name: string;
  uploaded_at: string;
  integrity: Integrity;
  last_verified_at: string | null;
  download_count: number;
}

export interface Case {
  id: number;
  title: string;
  description: string;
  type: string;
  status: CaseStatus;
  priority: Priority;
  reporter: string;
  assignee_id: number | null;
  assignee_name: string | null;
  confidential: boolean;
  resolution: Resolution | null;
  evidence_count: number;
  created_by: number;
  created_at: string;
  updated_at: string;
  status_changed_at: string;
  version: number;
  /** Detail only: every file, oldest first. */
  evidence?: Evidence[];
}

export type CustodyAction = 'uploaded' | 'downloaded' | 'verified';

export interface CustodyEntry {
  action: CustodyAction;
  actor_id: number;
  actor_name: string;
  at: string;
  ip: string;
  user_agent: string;
  sha256: string;
  result: 'match' | 'mismatch' | null;
  reason: string | null;
}

/** The answer of POST …/evidence/:evidence_id/verify. */
export interface Verification {
  evidence_id: number;
  sha256: string;
  actual: string;
  result: 'match' | 'mismatch';
}
