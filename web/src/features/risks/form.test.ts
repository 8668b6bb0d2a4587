import { describe, expect, it } from 'vitest';
import { ifMatch } from '../../lib/api';
import { formToCreate, formToPatch, riskToForm } from './form';
import type { Risk } from './types';

const risk: Risk = {
  id: 7,
  title: 'Fire',
  description: '',
  category: 'Ops',
  status: 'Identified',
  likelihood: 2,
  impact: 3,
  inherent_score: 6,
  rating: 'Medium',
  residual_likelihood: null,
  residual_impact: null,
  residual_score: null,
  owner_id: 4,
  review_date: null,
  control_ids: [],
  created_at: '',
  updated_at: '',
  version: 3,
};

describe('risk form', () => {
  it('converts a form to a create body', () => {
    const body = formToCreate({ ...riskToForm(risk), owner_id: '', review_date: '2026-12-01' });
    expect(body).toMatchObject({
      likelihood: 2,
      impact: 3,
      owner_id: null,
      review_date: '2026-12-01',
      residual_impact: null,
    });
  });

  it('sends only changed fields, residuals together', () => {
    const v = { ...riskToForm(risk), title: 'Flood', residual_likelihood: '1' };
    expect(formToPatch(v, risk)).toEqual({ title: 'Flood', residual_likelihood: 1, residual_impact: null });
    expect(formToPatch(riskToForm(risk), risk)).toEqual({});
  });

  it('clears nullable fields with null', () => {
    expect(formToPatch({ ...riskToForm(risk), owner_id: '' }, risk)).toEqual({ owner_id: null });
  });

  it('quotes the version for If-Match', () => {
    expect(ifMatch(3)).toBe('"3"');
  });
});
