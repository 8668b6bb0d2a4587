import { describe, expect, it } from 'vitest';
import {
  EMPTY_FINDING_FORM,
  engagementToCreate,
  engagementToForm,
  engagementToPatch,
  findingFormFromQuery,
  findingToCreate,
  findingToForm,
  findingToPatch,
} from './forms';
import type { Engagement, Finding } from './types';

const engagement: Engagement = {
  id: 3,
  title: 'Payroll',
  scope: 'Monthly run',
  auditee: 'Finance',
  lead_auditor_id: 4,
  phase: 'Fieldwork',
  status: 'At Risk',
  planned_start: '2026-01-01',
  planned_end: null,
  findings_by_status: { Open: 1 },
  procedures_total: 0,
  procedures_signed_off: 0,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 2,
};

const finding: Finding = {
  id: 8,
  engagement_id: 3,
  engagement_title: 'Payroll',
  title: 'No approvals',
  description: '',
  severity: 'High',
  risk_id: null,
  control_id: 7,
  source_test_id: 12,
  status: 'Approved',
  assigned_to: 5,
  due_date: '2026-02-01',
  overdue: false,
  management_response: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 3,
};

describe('engagement form', () => {
  it('creates with the status and patches only what changed, never the status', () => {
    const v = engagementToForm(engagement);
    expect(engagementToCreate({ ...v, planned_end: '' })).toMatchObject({
      status: 'At Risk',
      lead_auditor_id: 4,
      planned_end: null,
    });
    expect(engagementToPatch({ ...v, auditee: 'Payroll team', status: 'Delayed' }, engagement)).toEqual({
      auditee: 'Payroll team',
    });
    expect(engagementToPatch({ ...v, lead_auditor_id: '' }, engagement)).toEqual({ lead_auditor_id: null });
  });
});

describe('finding form', () => {
  it('fills in a new finding from its link', () => {
    const v = findingFormFromQuery(new URLSearchParams('control_id=7&source_test_id=12&engagement_id=abc'));
    expect(v).toEqual({ ...EMPTY_FINDING_FORM, control_id: '7', source_test_id: '12' });
    expect(findingToCreate({ ...v, engagement_id: '3', title: 'T' })).toEqual({
      engagement_id: 3,
      title: 'T',
      description: '',
      severity: 'Medium',
      risk_id: null,
      control_id: 7,
      assigned_to: null,
      due_date: null,
      source_test_id: 12,
    });
    expect(findingToCreate({ ...EMPTY_FINDING_FORM, engagement_id: '3' })).not.toHaveProperty('source_test_id');
  });

  it('patches only the changed fields, never the engagement or the source test', () => {
    const v = findingToForm(finding);
    expect(findingToPatch({ ...v, due_date: '2026-03-01', engagement_id: '9', source_test_id: '' }, finding)).toEqual({
      due_date: '2026-03-01',
    });
  });
});
