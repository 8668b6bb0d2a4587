import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api';
import {
  EFFECTIVENESS_COLORS,
  EMPTY_CONTROL_FORM,
  controlFormToCreate,
  controlFormToPatch,
  controlLabel,
  controlToForm,
  coverageColor,
  effectivenessColor,
  effectivenessSource,
  frequencyLabel,
  importContentType,
  importErrorsOf,
  importLineErrors,
  typeLabel,
} from './controls';
import { EFFECTIVENESS, type Control, type ControlTest, type EffectivenessChange } from './types';

const control: Control = {
  id: 4,
  code: 'AC-01',
  title: 'Access reviews',
  description: '',
  framework_id: 2,
  status: 'Active',
  type: 'detective',
  frequency: 'quarterly',
  owner_id: null,
  effectiveness: 'Not Tested',
  last_tested_at: null,
  risk_ids: [],
  requirement_ids: [],
  created_at: '',
  updated_at: '',
  version: 5,
};

describe('effectiveness badge colours', () => {
  it('has a distinct colour for every rating', () => {
    for (const e of EFFECTIVENESS) expect(EFFECTIVENESS_COLORS[e]).toBeTruthy();
    expect(new Set(Object.values(EFFECTIVENESS_COLORS)).size).toBe(EFFECTIVENESS.length);
    expect(effectivenessColor('Ineffective')).toBe('red');
    expect(effectivenessColor('Effective')).toBe('#1e6b30');
  });
  it('falls back to grey for an unknown rating', () => {
    expect(effectivenessColor('Mystery')).toBe('#495057');
  });
});

describe('labels', () => {
  it('labels frequencies and types', () => {
    expect(frequencyLabel('ad_hoc')).toBe('Ad hoc');
    expect(frequencyLabel('semiannual')).toBe('Semiannual');
    expect(frequencyLabel(null)).toBe('—');
    expect(typeLabel('preventive')).toBe('Preventive');
  });
  it('marks archived controls', () => {
    expect(controlLabel({ code: 'A', title: 'B', status: 'Archived' })).toBe('A — B (Archived)');
    expect(controlLabel({ code: 'A', title: 'B', status: 'Active' })).toBe('A — B');
  });
});

describe('effectiveness history', () => {
  const tests: ControlTest[] = [
    {
      id: 12,
      tested_at: '2026-01-01T00:00:00Z',
      result: 'Fail',
      notes: '',
      recorded_by: { id: 3, name: 'Priya' },
      recorded_at: '2026-01-01T00:00:00Z',
    },
  ];
  const change = (test_id: number | null): EffectivenessChange => ({
    effectiveness: 'Ineffective',
    previous: 'Not Tested',
    notes: '',
    test_id,
    changed_by: { id: 3, name: 'Priya' },
    changed_at: '2026-01-01T00:00:00Z',
  });
  it('names the test behind a change', () => {
    expect(effectivenessSource(change(12), tests)).toBe('Test #12 (Fail)');
    expect(effectivenessSource(change(99), tests)).toBe('Test #99');
  });
  it('names the person behind a manual change', () => {
    expect(effectivenessSource(change(null), tests)).toBe('Priya');
  });
});

describe('framework import', () => {
  it('chooses the content type by extension', () => {
    expect(importContentType('iso.CSV')).toBe('text/csv');
    expect(importContentType('baseline.json')).toBe('application/json');
    expect(importContentType('notes.txt')).toBeNull();
    expect(importContentType('csv')).toBe('text/csv');
  });

  it('sorts line errors by line number, not as text', () => {
    const errs = importLineErrors({
      'line 12': 'title is required',
      'line 4': 'code is longer than 50 characters',
      'line 100': 'duplicate code',
      file: 'has no header',
      'Line 9': 'x',
    });
    expect(errs.map((e) => e.line)).toEqual([null, 4, 9, 12, 100]);
    expect(errs[0]).toEqual({ line: null, key: 'file', message: 'has no header' });
    expect(errs[1].message).toBe('code is longer than 50 characters');
  });

  it('reads the errors of an API error only', () => {
    const err = new ApiError(400, { code: 'VALIDATION_ERROR', message: 'bad rows', fields: { 'line 3': 'x' } });
    expect(importErrorsOf(err)).toEqual([{ line: 3, key: 'line 3', message: 'x' }]);
    expect(importErrorsOf(new Error('offline'))).toEqual([]);
    expect(importLineErrors(undefined)).toEqual([]);
  });
});

describe('control form', () => {
  it('builds a create body with nulls for empty choices', () => {
    expect(controlFormToCreate({ ...EMPTY_CONTROL_FORM, code: ' AC-9 ', title: 'T', owner_id: '7' })).toEqual({
      code: 'AC-9',
      title: 'T',
      description: '',
      framework_id: null,
      status: 'Draft',
      type: 'preventive',
      frequency: 'quarterly',
      owner_id: 7,
    });
  });
  it('sends only changed fields, status included', () => {
    const v = { ...controlToForm(control), status: 'Archived' as const, framework_id: '' };
    expect(controlFormToPatch(v, control)).toEqual({ status: 'Archived', framework_id: null });
    expect(controlFormToPatch(controlToForm(control), control)).toEqual({});
  });
});

describe('coverage colour', () => {
  it('goes from red to green', () => {
    expect(coverageColor(0)).toBe('#e03131');
    expect(coverageColor(50)).toBe('#f08c00');
    expect(coverageColor(80)).toBe('#2f9e44');
  });
});
