// The audit rules the screens follow before asking the server (pure): which phase moves
// an engagement allows, which status moves a finding allows and with what comment,
// which finding fields are frozen, who may sign off a procedure or answer a finding.
// The server decides in the end; these only keep the screens from offering what it
// would refuse, and say why.
import { PHASES, type Engagement, type Finding, type FindingStatus, type Phase, type Procedure } from './types';

export interface PhaseStep {
  phase: Phase;
  /** Where the phase stands relative to the current one. */
  position: 'done' | 'current' | 'ahead';
  /** The move to this phase: the next one forward, or back to an earlier one (which needs a comment). */
  move: 'forward' | 'back' | null;
  /** Why that move is not possible now; null when it is (or when there is no move). */
  blocked: string | null;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The five phases of an engagement with the move to each that the engagement allows. */
export function phaseSteps(e: Pick<Engagement, 'phase' | 'status' | 'findings_by_status'>): PhaseStep[] {
  const current = PHASES.indexOf(e.phase);
  const open = e.findings_by_status?.Open ?? 0;
  return PHASES.map((phase, i) => {
    if (i === current) return { phase, position: 'current', move: null, blocked: null };
    const position = i < current ? 'done' : 'ahead';
    // Phases move forward one step at a time: those further ahead offer no move.
    if (i > current + 1) return { phase, position, move: null, blocked: null };
    const move = i < current ? 'back' : 'forward';
    let blocked: string | null = null;
    if (e.status === 'Cancelled') {
      blocked = 'The engagement is cancelled: reinstate it (change its status) before changing its phase.';
    } else if (phase === 'Reporting' && open > 0) {
      blocked = `${plural(open, 'finding')} still Open: approve or close ${open === 1 ? 'it' : 'each'} before Reporting.`;
    }
    return { phase, position, move, blocked };
  });
}

/** Why the engagement takes no new procedures or findings and no procedure changes, or null when it does. */
export function workClosedReason(e: Pick<Engagement, 'phase' | 'status'>): string | null {
  if (e.status === 'Cancelled') return 'The engagement is cancelled: its work papers are closed.';
  if (e.phase === 'Completed') return 'The engagement is Completed: its work papers are closed.';
  return null;
}

/** Engagement status moves into or out of Cancelled need a comment. */
export function statusNeedsComment(from: string, to: string): boolean {
  return from !== to && (to === 'Cancelled' || from === 'Cancelled');
}

export interface SignOff {
  /** Signed off already: no action, the sign-off is shown instead. */
  signed: boolean;
  /** Why signing off is not possible now; null when it is. */
  blocked: string | null;
}

export function signOffState(
  p: Pick<Procedure, 'assigned_to' | 'status' | 'conclusion' | 'signed_off_by'>,
  userId: number | undefined,
  closedReason: string | null,
): SignOff {
  if (p.signed_off_by !== null && p.signed_off_by !== undefined) return { signed: true, blocked: null };
  let blocked: string | null = null;
  if (closedReason) blocked = closedReason;
  else if (userId !== undefined && p.assigned_to === userId)
    blocked = 'You are assigned to this procedure: someone else must sign it off.';
  else if (p.status !== 'done') blocked = 'Mark the procedure done before signing it off.';
  else if (!p.conclusion.trim()) blocked = 'Write a conclusion before signing it off.';
  return { signed: false, blocked };
}

export interface StatusAction {
  to: FindingStatus;
  label: string;
  /** Whether the server needs a comment for this move. */
  commentRequired: boolean;
  commentLabel: string;
  commentDescription: string;
}

const REOPEN: StatusAction = {
  to: 'Open',
  label: 'Reopen',
  commentRequired: true,
  commentLabel: 'Why it is reopened',
  commentDescription: 'Required: reopening sends the finding back for changes.',
};

/** The status moves a finding in `status` allows (Open -> Approved -> Closed, back to Open with a comment). */
export function findingStatusActions(status: FindingStatus): StatusAction[] {
  switch (status) {
    case 'Open':
      return [
        {
          to: 'Approved',
          label: 'Approve',
          commentRequired: false,
          commentLabel: 'Comment',
          commentDescription: 'Optional. Approving freezes the title, description, severity and links.',
        },
      ];
    case 'Approved':
      return [
        {
          to: 'Closed',
          label: 'Close',
          commentRequired: true,
          commentLabel: 'How the fix was verified',
          commentDescription: 'Required: say how the remediation was checked.',
        },
        REOPEN,
      ];
    case 'Closed':
      return [REOPEN];
    default:
      return [];
  }
}

/** A finding's text: refused for edit while it is Approved or Closed. */
export const FROZEN_FIELDS = ['title', 'description', 'severity', 'risk_id', 'control_id'] as const;

/** Why the finding's text cannot be edited now, or null when it can. */
export function frozenReason(status: FindingStatus): string | null {
  return status === 'Open' ? null : `Frozen while the finding is ${status}; reopen it to edit.`;
}

export function isFrozen(field: string, status: FindingStatus): boolean {
  return frozenReason(status) !== null && (FROZEN_FIELDS as readonly string[]).includes(field);
}

/**
 * Whether the caller may submit a management response: anyone holding audits:write, or
 * the finding's assignee when the role may respond at all (audits:respond).
 */
export function mayRespond(
  finding: Pick<Finding, 'assigned_to'>,
  userId: number | undefined,
  can: (permission: string) => boolean,
): boolean {
  if (can('audits:write')) return true;
  return can('audits:respond') && userId !== undefined && finding.assigned_to === userId;
}

/** The label of the no-risk bar of the findings_by_risk chart, and its list filter value. */
export const NO_LINKED_RISK = 'No linked risk';

/** The findings list a bar of the findings_by_risk chart counts. */
export function findingsByRiskHref(label: string): string {
  const rating = label === NO_LINKED_RISK ? 'none' : label;
  return `/findings?open=true&risk_rating=${encodeURIComponent(rating)}`;
}

/** The engagements list a bar of the audit_phases chart counts (engagements not Cancelled). */
export function auditPhaseHref(label: string): string {
  return `/engagements?phase=${encodeURIComponent(label)}&cancelled=false`;
}
