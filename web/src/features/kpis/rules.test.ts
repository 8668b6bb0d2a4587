import { describe, expect, it } from 'vitest';
import {
  currentValues,
  formatMeasure,
  kpisOnTargetHref,
  meetsTarget,
  objectiveProgress,
  periodRange,
  standingText,
  staleText,
  targetState,
  targetText,
  valueOf,
} from './rules';
import { entries, kpi } from './testData';

describe('on-target wording', () => {
  it('says on, off or no data, never by colour alone', () => {
    expect(targetState(true)).toBe('on');
    expect(targetState(false)).toBe('off');
    expect(targetState(null)).toBe('none');
    expect(standingText(kpi)).toBe('Off target: 99.82% for November 2026 (target at least 99.9%).');
    expect(standingText({ ...kpi, on_target: true, latest_value: 99.95 })).toBe(
      'On target: 99.95% for November 2026 (target at least 99.9%).',
    );
    expect(standingText({ ...kpi, on_target: null, latest_value: null, latest_period: null })).toBe(
      'No value recorded yet.',
    );
  });

  it('writes the target as a floor or a ceiling, with its unit', () => {
    expect(targetText(kpi)).toBe('At least 99.9%');
    expect(targetText({ target: 250, direction: 'lower_is_better', unit: 'EUR thousand' })).toBe(
      'At most 250 EUR thousand',
    );
    expect(formatMeasure(3.2, 'hours')).toBe('3.2 hours');
    expect(formatMeasure(0.1 + 0.2, '')).toBe('0.3');
    expect(formatMeasure(null, '%')).toBe('—');
  });

  it('counts meeting the target exactly as meeting it, by direction', () => {
    expect(meetsTarget(99.9, kpi)).toBe(true);
    expect(meetsTarget(99.89, kpi)).toBe(false);
    const ceiling = { target: 4, direction: 'lower_is_better' as const };
    expect(meetsTarget(4, ceiling)).toBe(true);
    expect(meetsTarget(4.1, ceiling)).toBe(false);
  });
});

describe('stale', () => {
  it('names the period owed and its due date, only when stale', () => {
    expect(staleText(kpi)).toBeNull();
    expect(staleText({ stale: true, last_due_period: '2026-09' })).toBe(
      'Stale: no value for September 2026, due by 2026-11-01.',
    );
    expect(staleText({ stale: true, last_due_period: '2025-Q4' })).toBe(
      'Stale: no value for Q4 2025, due by 2026-04-05.',
    );
    expect(staleText({ stale: true, last_due_period: null })).toBe('Stale: a value is overdue.');
  });
});

describe('performance', () => {
  it("takes each period's last entry as its value, oldest period first", () => {
    expect(currentValues(entries)).toEqual([
      { period: '2026-09', value: 99.84 },
      { period: '2026-10', value: 99.79 },
      { period: '2026-11', value: 99.82 },
    ]);
    expect(valueOf(entries, '2026-10')).toBe(99.79);
    expect(valueOf(entries, '2026-12')).toBeUndefined();
  });
});

describe('objectives', () => {
  it('shows progress as a share and in words', () => {
    expect(objectiveProgress({ kpi_count: 4, on_target_count: 2 })).toEqual({
      percent: 50,
      text: '2 of 4 KPIs on target (50%)',
    });
    expect(objectiveProgress({ kpi_count: 1, on_target_count: 1 }).text).toBe('1 of 1 KPI on target (100%)');
    expect(objectiveProgress({ kpi_count: 0, on_target_count: 0 })).toEqual({ percent: 0, text: 'No KPIs yet' });
    expect(periodRange({ period_start: '2026-01-01', period_end: '2026-12-31' })).toBe('2026-01-01 to 2026-12-31');
    expect(periodRange({ period_start: null, period_end: null })).toBe('—');
  });
});

describe('chart bars', () => {
  it('open the KPIs each bar counts; "No data" opens those without any value', () => {
    expect(kpisOnTargetHref('On target')).toBe('/kpis?on_target=true');
    expect(kpisOnTargetHref('Off target')).toBe('/kpis?on_target=false');
    expect(kpisOnTargetHref('No data')).toBe('/kpis?has_value=false');
  });
});
