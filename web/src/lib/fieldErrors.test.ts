import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { mapApiErrors } from './fieldErrors';

const validation = (fields: Record<string, string>, message = 'invalid input') =>
  new ApiError(400, { code: 'VALIDATION_ERROR', message, fields, request_id: 'r1' });

describe('mapApiErrors', () => {
  it('puts known fields beside the field and no form message', () => {
    const r = mapApiErrors(validation({ title: 'is required', likelihood: 'must be 1-5' }), ['title', 'likelihood']);
    expect(r.fields).toEqual({ title: 'is required', likelihood: 'must be 1-5' });
    expect(r.form).toBeNull();
  });

  it('folds unknown fields into the form message', () => {
    const r = mapApiErrors(validation({ title: 'is required', id: 'bad' }, 'title is required'), ['title']);
    expect(r.fields).toEqual({ title: 'is required' });
    expect(r.form).toBe('title is required (id: bad)');
  });

  it('uses aliases', () => {
    const r = mapApiErrors(validation({ residual: 'set both or neither' }), ['residual_likelihood'], {
      residual: 'residual_likelihood',
    });
    expect(r.fields).toEqual({ residual_likelihood: 'set both or neither' });
  });

  it('shows the message of errors without fields', () => {
    const r = mapApiErrors(new ApiError(409, { code: 'CONFLICT', message: 'stale version' }), ['title']);
    expect(r).toEqual({ fields: {}, form: 'stale version' });
  });

  it('handles non-API errors', () => {
    expect(mapApiErrors(new Error('offline'), [])).toEqual({ fields: {}, form: 'offline' });
    expect(mapApiErrors(null, [])).toEqual({ fields: {}, form: null });
  });
});
