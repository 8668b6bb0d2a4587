// The case rules the screens follow before asking the server (pure): the status moves a
// case allows and what each needs, who may be assigned, and when the fields are frozen.
// The server decides in the end; these only keep the screens from offering what it
// would refuse, and say why.
import type { Member } from '../../lib/types';
import type { Option } from '../../lib/options';
import type { Case, CaseStatus, Priority, Resolution } from './types';

const STATUS_LABELS: Record<CaseStatus, string> = {
  new: 'New',
  assigned: 'Assigned',
  in_progress: 'In progress',
  review: 'Review',
  completed: 'Completed',
};

const PRIORITY_LABELS: Record<Priority, string> = { low: 'Low', medium: 'Medium', high: 'High', urgent: 'Urgent' };

const RESOLUTION_LABELS: Record<Resolution, string> = {
  substantiated: 'Substantiated',
  unsubstantiated: 'Unsubstantiated',
  inconclusive: 'Inconclusive',
};

/** "In progress" for in_progress; an unknown value reads as its words. */
export function statusLabel(s: string): string {
  return STATUS_LABELS[s as CaseStatus] ?? s.replace(/_/g, ' ');
}

export function priorityLabel(p: string): string {
  return PRIORITY_LABELS[p as Priority] ?? p;
}

export function resolutionLabel(r: string): string {
  return RESOLUTION_LABELS[r as Resolution] ?? r;
}

/** Options of a select over API values, labelled for people. */
export const labelled = (values: readonly string[], label: (v: string) => string): Option[] =>
  values.map((value) => ({ value, label: label(value) }));

/** One status move a case allows, and what the dialog must ask for. */
export interface StatusMove {
  to: CaseStatus;
  label: string;
  /** The case has no assignee and the move needs one: the dialog picks one first. */
  needsAssignee: boolean;
  needsResolution: boolean;
  /** A comment the server insists on (a closing note, or why the case moves back). */
  needsComment: boolean;
  commentLabel: string;
  commentDescription: string;
  /** A step backwards (review or completed to in progress). */
  back: boolean;
}

function move(to: CaseStatus, label: string, extra: Partial<StatusMove> = {}): StatusMove {
  return {
    to,
    label,
    needsAssignee: false,
    needsResolution: false,
    needsComment: false,
    commentLabel: 'Comment',
    commentDescription: 'Optional; kept in the history.',
    back: false,
    ...extra,
  };
}

/**
 * The status moves of a case in its current state: new -> assigned or in progress (both
 * need an assignee), assigned -> in progress, in progress -> review, review -> completed
 * (a resolution and a closing note) or back to in progress (why), completed -> in
 * progress (reopening, why).
 */
export function statusMoves(c: Pick<Case, 'status' | 'assignee_id'>): StatusMove[] {
  const unassigned = c.assignee_id === null || c.assignee_id === undefined;
  switch (c.status) {
    case 'new':
      return [
        move('assigned', 'Assign', { needsAssignee: true }),
        move('in_progress', 'Start investigation', { needsAssignee: true }),
      ];
    case 'assigned':
      return [move('in_progress', 'Start investigation', { needsAssignee: unassigned })];
    case 'in_progress':
      return [move('review', 'Send for review', { needsAssignee: unassigned })];
    case 'review':
      return [
        move('completed', 'Complete', {
          needsResolution: true,
          needsComment: true,
          commentLabel: 'Closing note',
          commentDescription: 'Required: what the investigation concluded and on what grounds.',
        }),
        move('in_progress', 'Back to investigation', {
          needsAssignee: unassigned,
          needsComment: true,
          commentLabel: 'Why it goes back',
          commentDescription: 'Required: what is still to be investigated.',
          back: true,
        }),
      ];
    case 'completed':
      return [
        move('in_progress', 'Reopen', {
          needsAssignee: unassigned,
          needsComment: true,
          commentLabel: 'Why it is reopened',
          commentDescription: 'Required: reopening clears the resolution.',
          back: true,
        }),
      ];
    default:
      return [];
  }
}

export interface MoveInput {
  assignee_id: string; // '' = none chosen
  resolution: string;
  comment: string;
}

/** What the dialog still lacks for `m`, by field; empty when it may be sent. */
export function moveErrors(m: StatusMove, input: MoveInput): Record<string, string> {
  const errs: Record<string, string> = {};
  if (m.needsAssignee && !input.assignee_id) errs.assignee_id = 'Choose who investigates the case';
  if (m.needsResolution && !input.resolution) errs.resolution = 'Choose a resolution';
  if (m.needsComment && !input.comment.trim()) errs.comment = 'is required';
  return errs;
}

/** Body of PUT /api/cases/:id/status for `m`: the comment when given, the resolution only when completing. */
export function moveBody(m: StatusMove, input: MoveInput): Record<string, unknown> {
  const body: Record<string, unknown> = { status: m.to };
  if (input.comment.trim()) body.comment = input.comment.trim();
  if (m.needsResolution) body.resolution = input.resolution;
  return body;
}

/** Roles whose members may investigate (hold cases:read). */
export const INVESTIGATING_ROLES = ['admin', 'investigator'] as const;

/** Members a case may be assigned to: admins and investigators who are not disabled, by name. */
export function investigatorOptions(members: Member[]): Option[] {
  return members
    .filter((m) => (INVESTIGATING_ROLES as readonly string[]).includes(m.role) && !m.disabled)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => ({ value: String(m.id), label: m.name }));
}

/** Whether the assignee may change now: a completed case keeps its assignee until reopened. */
export function assigneeLockedReason(c: Pick<Case, 'status'>): string | null {
  return c.status === 'completed' ? 'A completed case cannot be reassigned; reopen it first.' : null;
}

/** Whether the assignee may be removed: only while the case is new or assigned. */
export function mayUnassign(c: Pick<Case, 'status' | 'assignee_id'>): boolean {
  return c.assignee_id !== null && (c.status === 'new' || c.status === 'assigned');
}

/** Why the case's fields cannot be edited now, or null when they can. */
export function frozenReason(c: Pick<Case, 'status'>): string | null {
  return c.status === 'completed' ? 'The case is completed: its fields are frozen until it is reopened.' : null;
}

/** Why the case takes no new evidence now, or null when it does. */
export function evidenceClosedReason(c: Pick<Case, 'status'>): string | null {
  return c.status === 'completed' ? 'The case is completed: it takes no new evidence until it is reopened.' : null;
}

/** The cases list a bar of the cases_by_status chart counts. */
export function casesByStatusHref(label: string): string {
  return `/cases?status=${encodeURIComponent(label)}`;
}

/** Where a file of a case downloads from; the reason, when given, goes with the request into the custody. */
export function downloadHref(caseId: number, evidenceId: number, reason = ''): string {
  const r = reason.trim();
  return `/api/cases/${caseId}/evidence/${evidenceId}${r ? `?reason=${encodeURIComponent(r)}` : ''}`;
}
