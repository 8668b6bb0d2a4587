import { describe, expect, it } from 'vitest';
import {
  auditPhaseHref,
  findingStatusActions,
  findingsByRiskHref,
  frozenReason,
  isFrozen,
  mayRespond,
  phaseSteps,
  signOffState,
  statusNeedsComment,
  workClosedReason,
} from './rules';
import type { EngagementStatus, Phase } from './types';

const engagement = (phase: Phase, status: EngagementStatus = 'On Track', open = 0) => ({
  phase,
  status,
  findings_by_status: { Open: open, Approved: 1, Closed: 0 },
});

describe('phase stepper moves', () => {
  it('offers the next phase forward and every earlier phase back, nothing further ahead', () => {
    const steps = phaseSteps(engagement('Review'));
    expect(steps.map((s) => [s.phase, s.position, s.move, s.blocked])).toEqual([
      ['Planning', 'done', 'back', null],
      ['Fieldwork', 'done', 'back', null],
      ['Review', 'current', null, null],
      ['Reporting', 'ahead', 'forward', null],
      ['Completed', 'ahead', null, null],
    ]);
  });

  it('blocks Reporting while findings are Open, saying how many', () => {
    const reporting = phaseSteps(engagement('Review', 'On Track', 2))[3];
    expect(reporting.move).toBe('forward');
    expect(reporting.blocked).toBe('2 findings still Open: approve or close each before Reporting.');
    expect(phaseSteps(engagement('Review', 'At Risk', 1))[3].blocked).toMatch(/^1 finding still Open/);
    // Moving back into Reporting from Completed enters Reporting too.
    expect(phaseSteps(engagement('Completed', 'On Track', 1))[3]).toMatchObject({ move: 'back' });
    expect(phaseSteps(engagement('Completed', 'On Track', 1))[3].blocked).toMatch(/still Open/);
    // Other moves are not held up by open findings.
    expect(phaseSteps(engagement('Fieldwork', 'On Track', 3))[2].blocked).toBeNull();
  });

  it('blocks every move of a cancelled engagement', () => {
    const steps = phaseSteps(engagement('Fieldwork', 'Cancelled'));
    const moves = steps.filter((s) => s.move !== null);
    expect(moves.map((s) => s.phase)).toEqual(['Planning', 'Review']);
    for (const s of moves) expect(s.blocked).toMatch(/cancelled/);
  });

  it('starts in Planning with only Fieldwork forward', () => {
    const steps = phaseSteps(engagement('Planning'));
    expect(steps.filter((s) => s.move).map((s) => [s.phase, s.move])).toEqual([['Fieldwork', 'forward']]);
  });
});

describe('engagement rules', () => {
  it('closes the work papers of Completed and Cancelled engagements', () => {
    expect(workClosedReason(engagement('Completed'))).toMatch(/Completed/);
    expect(workClosedReason(engagement('Review', 'Cancelled'))).toMatch(/cancelled/);
    expect(workClosedReason(engagement('Reporting', 'Delayed'))).toBeNull();
  });

  it('asks for a comment when cancelling or reinstating', () => {
    expect(statusNeedsComment('On Track', 'Cancelled')).toBe(true);
    expect(statusNeedsComment('Cancelled', 'At Risk')).toBe(true);
    expect(statusNeedsComment('On Track', 'Delayed')).toBe(false);
    expect(statusNeedsComment('Cancelled', 'Cancelled')).toBe(false);
  });
});

describe('procedure sign-off', () => {
  const done = { assigned_to: 5, status: 'done' as const, conclusion: 'All good', signed_off_by: null };

  it('refuses the assignee and allows someone else', () => {
    expect(signOffState(done, 5, null).blocked).toBe(
      'You are assigned to this procedure: someone else must sign it off.',
    );
    expect(signOffState(done, 6, null)).toEqual({ signed: false, blocked: null });
  });

  it('needs status done and a conclusion', () => {
    expect(signOffState({ ...done, status: 'in_progress' }, 6, null).blocked).toMatch(/done/);
    expect(signOffState({ ...done, conclusion: '  ' }, 6, null).blocked).toMatch(/conclusion/);
  });

  it('says when it is signed already or the engagement is closed', () => {
    expect(signOffState({ ...done, signed_off_by: 6 }, 6, null)).toEqual({ signed: true, blocked: null });
    expect(signOffState(done, 6, 'closed').blocked).toBe('closed');
  });
});

describe('finding rules', () => {
  it('offers each status the moves it allows, with the comment they need', () => {
    expect(findingStatusActions('Open').map((a) => [a.label, a.to, a.commentRequired])).toEqual([
      ['Approve', 'Approved', false],
    ]);
    expect(findingStatusActions('Approved').map((a) => [a.label, a.to, a.commentRequired])).toEqual([
      ['Close', 'Closed', true],
      ['Reopen', 'Open', true],
    ]);
    expect(findingStatusActions('Closed').map((a) => [a.label, a.to, a.commentRequired])).toEqual([
      ['Reopen', 'Open', true],
    ]);
    expect(findingStatusActions('Approved')[0].commentLabel).toBe('How the fix was verified');
  });

  it('freezes the text, not the assignee or due date, while Approved or Closed', () => {
    expect(frozenReason('Open')).toBeNull();
    expect(frozenReason('Approved')).toBe('Frozen while the finding is Approved; reopen it to edit.');
    for (const field of ['title', 'description', 'severity', 'risk_id', 'control_id']) {
      expect(isFrozen(field, 'Closed')).toBe(true);
      expect(isFrozen(field, 'Open')).toBe(false);
    }
    expect(isFrozen('assigned_to', 'Approved')).toBe(false);
    expect(isFrozen('due_date', 'Approved')).toBe(false);
  });

  it('lets the assignee who may respond, and every audit writer, answer', () => {
    const perms =
      (...p: string[]) =>
      (x: string) =>
        p.includes(x);
    const f = { assigned_to: 5 };
    expect(mayRespond(f, 5, perms('audits:read', 'audits:respond'))).toBe(true);
    expect(mayRespond(f, 6, perms('audits:read', 'audits:respond'))).toBe(false);
    expect(mayRespond(f, 5, perms('audits:read'))).toBe(false);
    expect(mayRespond(f, 6, perms('audits:write'))).toBe(true);
    expect(mayRespond({ assigned_to: null }, undefined, perms('audits:respond'))).toBe(false);
  });

  it('links chart bars to the lists they count', () => {
    expect(findingsByRiskHref('High')).toBe('/findings?open=true&risk_rating=High');
    expect(findingsByRiskHref('No linked risk')).toBe('/findings?open=true&risk_rating=none');
    expect(auditPhaseHref('Review')).toBe('/engagements?phase=Review&cancelled=false');
  });
});
