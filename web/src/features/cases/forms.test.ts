import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api';
import { mapApiErrors } from '../../lib/fieldErrors';
import { CASE_FORM_FIELDS, EMPTY_CASE_FORM, caseToCreate, caseToForm, caseToPatch, validateCaseForm } from './forms';
import { openCase } from './testData';

describe('case form', () => {
  it('starts at medium priority, not confidential', () => {
    expect(EMPTY_CASE_FORM.priority).toBe('medium');
    expect(EMPTY_CASE_FORM.confidential).toBe(false);
  });

  it('requires a title that is more than spaces, and bounds the texts', () => {
    expect(validateCaseForm({ ...EMPTY_CASE_FORM, title: '   ' })).toEqual({ title: 'is required' });
    expect(validateCaseForm({ ...EMPTY_CASE_FORM, title: 'Expense fraud' })).toEqual({});
    expect(validateCaseForm({ ...EMPTY_CASE_FORM, title: 'x'.repeat(301), type: 'y'.repeat(101) })).toEqual({
      title: 'must be at most 300 characters',
      type: 'must be at most 100 characters',
    });
  });

  it('refuses to send an invalid form with the error a 400 would give, shown beside the field', () => {
    let err: unknown;
    try {
      caseToCreate(EMPTY_CASE_FORM);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect(mapApiErrors(err, CASE_FORM_FIELDS)).toEqual({ fields: { title: 'is required' }, form: null });
  });

  it('creates with every field, trimmed', () => {
    expect(
      caseToCreate({
        ...EMPTY_CASE_FORM,
        title: ' Expense fraud ',
        type: ' fraud ',
        reporter: ' Hotline ',
        confidential: true,
      }),
    ).toEqual({
      title: 'Expense fraud',
      description: '',
      type: 'fraud',
      priority: 'medium',
      reporter: 'Hotline',
      confidential: true,
    });
  });

  it('patches only what changed', () => {
    const v = caseToForm(openCase);
    expect(caseToPatch(v, openCase)).toEqual({});
    expect(caseToPatch({ ...v, priority: 'urgent', confidential: false }, openCase)).toEqual({
      priority: 'urgent',
      confidential: false,
    });
  });
});
