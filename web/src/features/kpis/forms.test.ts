import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api';
import {
  EMPTY_KPI_FORM,
  EMPTY_OBJECTIVE_FORM,
  correctionNotice,
  frequencyLockedReason,
  kpiToCreate,
  kpiToForm,
  kpiToPatch,
  objectiveToCreate,
  parseNumber,
  validateKpiForm,
  validateObjectiveForm,
  validateValueForm,
  valueToBody,
  valueWrite,
} from './forms';
import { kpi } from './testData';

const today = new Date('2026-12-06T10:00:00Z');

describe('KPI form', () => {
  it('needs a name and a numeric target', () => {
    expect(validateKpiForm(EMPTY_KPI_FORM)).toEqual({ name: 'is required', target: 'is required' });
    expect(validateKpiForm({ ...EMPTY_KPI_FORM, name: 'x', target: 'ninety' })).toEqual({ target: 'must be a number' });
    expect(() => kpiToCreate(EMPTY_KPI_FORM)).toThrow(ApiError);
  });

  it('sends numbers and ids as numbers, and nothing for an empty owner or objective', () => {
    expect(kpiToCreate({ ...EMPTY_KPI_FORM, name: ' Uptime ', target: '99,9', objective_id: '3' })).toEqual({
      name: 'Uptime',
      description: '',
      unit: '',
      target: 99.9,
      direction: 'higher_is_better',
      frequency: 'monthly',
      owner_id: null,
      objective_id: 3,
    });
    expect(parseNumber('-1.5e2')).toBe(-150);
    expect(parseNumber('1.2.3')).toBeNull();
  });

  it('sends only what changed on an edit', () => {
    expect(kpiToPatch(kpiToForm(kpi), kpi)).toEqual({});
    expect(kpiToPatch({ ...kpiToForm(kpi), target: '99.5', owner_id: '' }, kpi)).toEqual({
      target: 99.5,
      owner_id: null,
    });
  });

  it('keeps the frequency of a KPI that has values', () => {
    expect(frequencyLockedReason(kpi)).toMatch(/cannot change/);
    expect(frequencyLockedReason({ latest_period: null })).toBeNull();
  });
});

describe('objective form', () => {
  it('needs a name and an end not before the start', () => {
    expect(validateObjectiveForm(EMPTY_OBJECTIVE_FORM)).toEqual({ name: 'is required' });
    expect(
      validateObjectiveForm({
        ...EMPTY_OBJECTIVE_FORM,
        name: 'x',
        period_start: '2026-06-01',
        period_end: '2026-01-01',
      }),
    ).toEqual({ period_end: 'must not be before the start' });
    expect(objectiveToCreate({ ...EMPTY_OBJECTIVE_FORM, name: 'Grow', owner_id: '2' })).toEqual({
      name: 'Grow',
      description: '',
      owner_id: 2,
      period_start: null,
      period_end: null,
    });
  });
});

describe('recording a value', () => {
  it('records a first value, corrects another one, and leaves the same value alone', () => {
    expect(valueWrite(undefined, '5')).toEqual({ kind: 'record' });
    expect(valueWrite(99.83, '99.79')).toEqual({ kind: 'correct', current: 99.83 });
    expect(valueWrite(99.83, '99.83')).toEqual({ kind: 'same', current: 99.83 });
    expect(valueWrite(99.83, '')).toEqual({ kind: 'correct', current: 99.83 });
  });

  it('says a correction is one before saving', () => {
    expect(correctionNotice({ kind: 'record' }, 'October 2026', '%')).toBeNull();
    expect(correctionNotice({ kind: 'correct', current: 99.83 }, 'October 2026', '%')).toBe(
      'October 2026 already has the value 99.83%. Saving corrects it: both values stay in the history, and a comment saying why is required.',
    );
    expect(correctionNotice({ kind: 'same', current: 3 }, 'Q1 2026', 'hours')).toMatch(/changes nothing/);
  });

  it('requires a comment for a correction only', () => {
    const v = { period: '2026-10', value: '99.79', comment: '' };
    expect(validateValueForm('monthly', v, undefined, today)).toEqual({});
    expect(validateValueForm('monthly', v, 99.83, today)).toEqual({
      comment: 'is required to correct a value: say why it changes',
    });
    expect(validateValueForm('monthly', { ...v, comment: ' ' }, 99.83, today).comment).toBeDefined();
    expect(validateValueForm('monthly', { ...v, value: '99.83' }, 99.83, today)).toEqual({});
  });

  it('refuses a period of another frequency or not begun, and a value that is no number', () => {
    expect(validateValueForm('quarterly', { period: '2026-10', value: 'x', comment: '' }, undefined, today)).toEqual({
      period: expect.stringContaining('this KPI is quarterly'),
      value: 'must be a number',
    });
    expect(validateValueForm('monthly', { period: '2027-01', value: '1', comment: '' }, undefined, today).period).toBe(
      'has not begun yet',
    );
  });

  it('sends the period, the value as a number and the comment when there is one', () => {
    expect(valueToBody('monthly', { period: '2026-12', value: '99.91', comment: '' }, undefined, today)).toEqual({
      period: '2026-12',
      value: 99.91,
    });
    expect(valueToBody('monthly', { period: '2026-10', value: '99.8', comment: ' Ledger ' }, 99.79, today)).toEqual({
      period: '2026-10',
      value: 99.8,
      comment: 'Ledger',
    });
    expect(() => valueToBody('monthly', { period: '2026-10', value: '99.8', comment: '' }, 99.79, today)).toThrow(
      ApiError,
    );
  });
});
