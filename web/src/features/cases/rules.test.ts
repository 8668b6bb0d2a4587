import { describe, expect, it } from 'vitest';
import {
  assigneeLockedReason,
  casesByStatusHref,
  downloadHref,
  evidenceClosedReason,
  frozenReason,
  investigatorOptions,
  mayUnassign,
  moveBody,
  moveErrors,
  statusLabel,
  statusMoves,
  type StatusMove,
} from './rules';
import { CASE_STATUSES, type CaseStatus } from './types';

const moves = (status: CaseStatus, assignee_id: number | null = 5) =>
  statusMoves({ status, assignee_id }).map((m) => m.to);
const find = (status: CaseStatus, to: CaseStatus, assignee_id: number | null = 5) =>
  statusMoves({ status, assignee_id }).find((m) => m.to === to) as StatusMove;

describe('statusMoves', () => {
  it('offers exactly the legal next moves of each status', () => {
    expect(moves('new', null)).toEqual(['assigned', 'in_progress']);
    expect(moves('assigned')).toEqual(['in_progress']);
    expect(moves('in_progress')).toEqual(['review']);
    expect(moves('review')).toEqual(['completed', 'in_progress']);
    expect(moves('completed')).toEqual(['in_progress']);
  });

  it('never offers a move to the current status, nor skips ahead', () => {
    for (const s of CASE_STATUSES) {
      expect(moves(s)).not.toContain(s);
    }
    expect(moves('new', null)).not.toContain('review');
    expect(moves('assigned')).not.toContain('completed');
    expect(moves('in_progress')).not.toContain('completed');
  });

  it('asks a new case for an assignee whichever way it moves', () => {
    expect(find('new', 'assigned', null).needsAssignee).toBe(true);
    expect(find('new', 'in_progress', null).needsAssignee).toBe(true);
    expect(find('assigned', 'in_progress').needsAssignee).toBe(false);
    // An assigned case that lost its assignee would need one again to start.
    expect(find('assigned', 'in_progress', null).needsAssignee).toBe(true);
  });

  it('asks for a resolution and a closing note to complete', () => {
    const complete = find('review', 'completed');
    expect(complete.needsResolution).toBe(true);
    expect(complete.needsComment).toBe(true);
    expect(complete.commentLabel).toBe('Closing note');
  });

  it('asks why when a case moves back or is reopened', () => {
    const back = find('review', 'in_progress');
    expect(back.needsComment).toBe(true);
    expect(back.back).toBe(true);
    const reopen = find('completed', 'in_progress');
    expect(reopen.label).toBe('Reopen');
    expect(reopen.needsComment).toBe(true);
    expect(reopen.needsResolution).toBe(false);
    expect(find('in_progress', 'review').needsComment).toBe(false);
  });
});

describe('moveErrors and moveBody', () => {
  const none = { assignee_id: '', resolution: '', comment: '' };

  it('names each missing piece', () => {
    expect(moveErrors(find('new', 'in_progress', null), none)).toEqual({
      assignee_id: 'Choose who investigates the case',
    });
    expect(moveErrors(find('review', 'completed'), { ...none, comment: '   ' })).toEqual({
      resolution: 'Choose a resolution',
      comment: 'is required',
    });
    expect(moveErrors(find('in_progress', 'review'), none)).toEqual({});
  });

  it('sends the resolution only when completing, and a comment only when given', () => {
    const complete = find('review', 'completed');
    expect(moveBody(complete, { assignee_id: '', resolution: 'substantiated', comment: ' Proven. ' })).toEqual({
      status: 'completed',
      comment: 'Proven.',
      resolution: 'substantiated',
    });
    expect(moveBody(find('in_progress', 'review'), { ...none, resolution: 'inconclusive' })).toEqual({
      status: 'review',
    });
  });
});

describe('assignees', () => {
  it('offers only enabled admins and investigators, by name', () => {
    const m = (id: number, name: string, role: string, disabled = false) => ({
      id,
      name,
      role,
      disabled,
      email: `${id}@x`,
    });
    expect(
      investigatorOptions([
        m(1, 'Zoe', 'investigator'),
        m(2, 'Ann', 'admin'),
        m(3, 'Vic', 'viewer'),
        m(4, 'Aud', 'auditor'),
        m(5, 'Old', 'investigator', true),
      ]),
    ).toEqual([
      { value: '2', label: 'Ann' },
      { value: '1', label: 'Zoe' },
    ]);
  });

  it('locks the assignee of a completed case and unassigns only new or assigned ones', () => {
    expect(assigneeLockedReason({ status: 'completed' })).toMatch(/reopen/);
    expect(assigneeLockedReason({ status: 'review' })).toBeNull();
    expect(mayUnassign({ status: 'assigned', assignee_id: 3 })).toBe(true);
    expect(mayUnassign({ status: 'in_progress', assignee_id: 3 })).toBe(false);
    expect(mayUnassign({ status: 'new', assignee_id: null })).toBe(false);
  });
});

describe('completed cases', () => {
  it('freeze their fields and take no evidence', () => {
    expect(frozenReason({ status: 'completed' })).not.toBeNull();
    expect(evidenceClosedReason({ status: 'completed' })).not.toBeNull();
    for (const s of ['new', 'assigned', 'in_progress', 'review'] as const) {
      expect(frozenReason({ status: s })).toBeNull();
      expect(evidenceClosedReason({ status: s })).toBeNull();
    }
  });
});

describe('links and labels', () => {
  it('reads statuses as words', () => {
    expect(statusLabel('in_progress')).toBe('In progress');
    expect(statusLabel('odd_value')).toBe('odd value');
  });

  it('links a chart bar to its list and a file to its download, with the reason', () => {
    expect(casesByStatusHref('in_progress')).toBe('/cases?status=in_progress');
    expect(downloadHref(4, 9)).toBe('/api/cases/4/evidence/9');
    expect(downloadHref(4, 9, '  court order & review ')).toBe(
      '/api/cases/4/evidence/9?reason=court%20order%20%26%20review',
    );
  });
});
