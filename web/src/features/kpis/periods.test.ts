import { describe, expect, it } from 'vitest';
import {
  defaultPeriod,
  dueDate,
  frequencyOf,
  isoDay,
  nextPeriod,
  periodEnd,
  periodError,
  periodLabel,
  periodOf,
  periodStart,
  previousPeriod,
  quarterPeriod,
  splitPeriod,
} from './periods';

const day = (s: string) => new Date(`${s}T00:00:00Z`);
const iso = (d: Date | null) => (d ? isoDay(d) : null);

describe('period formats per frequency', () => {
  it('writes the period holding a day as its frequency does', () => {
    expect(periodOf('monthly', day('2026-03-05'))).toBe('2026-03');
    expect(periodOf('quarterly', day('2026-03-31'))).toBe('2026-Q1');
    expect(periodOf('quarterly', day('2026-04-01'))).toBe('2026-Q2');
    expect(periodOf('quarterly', day('2026-12-31'))).toBe('2026-Q4');
    expect(periodOf('annual', day('2026-07-14'))).toBe('2026');
  });

  it('tells the frequency a period is written for, and nothing for anything else', () => {
    expect(frequencyOf('2026-12')).toBe('monthly');
    expect(frequencyOf('2026-Q4')).toBe('quarterly');
    expect(frequencyOf('2026')).toBe('annual');
    for (const bad of [
      '2026-13',
      '2026-00',
      '2026-Q5',
      '2026-Q0',
      '26',
      '2026-3',
      '2026-q1',
      '0000',
      ' 2026',
      '2026-1-1',
    ]) {
      expect(frequencyOf(bad), bad).toBeNull();
    }
  });

  it('accepts only a period of the KPI frequency that has begun, in the server words', () => {
    const today = day('2026-03-15');
    expect(periodError('monthly', '2026-03', today)).toBe('');
    expect(periodError('monthly', '2026-02', today)).toBe('');
    expect(periodError('quarterly', '2026-Q1', today)).toBe('');
    expect(periodError('annual', '2026', today)).toBe('');
    expect(periodError('monthly', '', today)).toBe('is required');
    expect(periodError('monthly', '2026-3', today)).toBe('must be a month, written YYYY-MM (2026-03)');
    expect(periodError('quarterly', '2026-Q', today)).toBe('must be a quarter, written YYYY-Qn (2026-Q1)');
    expect(periodError('monthly', '2026-Q1', today)).toBe(
      'is a quarterly period, but this KPI is monthly: give a month, written YYYY-MM (2026-03)',
    );
    expect(periodError('quarterly', '2025', today)).toBe(
      'is an annual period, but this KPI is quarterly: give a quarter, written YYYY-Qn (2026-Q1)',
    );
    expect(periodError('monthly', '2026-04', today)).toBe('has not begun yet');
    expect(periodError('quarterly', '2026-Q2', today)).toBe('has not begun yet');
    expect(periodError('annual', '2027', today)).toBe('has not begun yet');
  });

  it('knows where a period begins and ends, leap years included', () => {
    expect(iso(periodStart('2024-02'))).toBe('2024-02-01');
    expect(iso(periodEnd('2024-02'))).toBe('2024-02-29');
    expect(iso(periodEnd('2025-02'))).toBe('2025-02-28');
    expect(iso(periodStart('2026-Q3'))).toBe('2026-07-01');
    expect(iso(periodEnd('2026-Q3'))).toBe('2026-09-30');
    expect(iso(periodEnd('2026'))).toBe('2026-12-31');
    expect(iso(periodStart('0099'))).toBe('0099-01-01');
    expect(periodStart('soon')).toBeNull();
  });

  it('dates a value due 32, 95 or 370 days after its period ends', () => {
    expect(iso(dueDate('2026-01'))).toBe('2026-03-04');
    expect(iso(dueDate('2026-Q1'))).toBe('2026-07-04');
    expect(iso(dueDate('2025'))).toBe('2027-01-05');
  });

  it('steps between periods across years', () => {
    expect(previousPeriod('2026-01')).toBe('2025-12');
    expect(previousPeriod('2026-Q1')).toBe('2025-Q4');
    expect(previousPeriod('2026')).toBe('2025');
    expect(nextPeriod('2025-12')).toBe('2026-01');
    expect(nextPeriod('2025-Q4')).toBe('2026-Q1');
    expect(nextPeriod('2026-Q2')).toBe('2026-Q3');
    expect(nextPeriod('9999')).toBeNull();
  });

  it('suggests the period after the latest value once it has begun, else the last one ended', () => {
    const today = day('2026-12-06');
    expect(defaultPeriod('monthly', today)).toBe('2026-11');
    expect(defaultPeriod('monthly', today, '2026-11')).toBe('2026-12');
    expect(defaultPeriod('monthly', today, '2026-08')).toBe('2026-09');
    expect(defaultPeriod('monthly', today, '2026-12')).toBe('2026-12');
    expect(defaultPeriod('quarterly', today)).toBe('2026-Q3');
    expect(defaultPeriod('quarterly', today, '2026-Q3')).toBe('2026-Q4');
    expect(defaultPeriod('annual', today, '2025')).toBe('2026');
    expect(defaultPeriod('annual', today, '2026')).toBe('2026');
  });

  it('reads periods as people do', () => {
    expect(periodLabel('2026-03')).toBe('March 2026');
    expect(periodLabel('2026-Q1')).toBe('Q1 2026');
    expect(periodLabel('2026')).toBe('2026');
    expect(periodLabel('later')).toBe('later');
  });

  it('splits and joins a quarter as its two inputs edit it, partial while one is missing', () => {
    expect(splitPeriod('2026-Q2')).toEqual({ year: '2026', quarter: '2', month: '' });
    expect(splitPeriod('2026-Q')).toEqual({ year: '2026', quarter: '', month: '' });
    expect(splitPeriod('-Q3')).toEqual({ year: '', quarter: '3', month: '' });
    expect(quarterPeriod('2026', '2')).toBe('2026-Q2');
    expect(quarterPeriod('', '3')).toBe('-Q3');
    expect(quarterPeriod('2026', '')).toBe('2026-Q');
    expect(quarterPeriod('', '')).toBe('');
  });
});
