import { describe, expect, it } from 'vitest';
import { kpiChartData, kpiChartOption } from './chart';
import { entries, kpi } from './testData';

describe('KPI chart', () => {
  it("draws each period's current value against a constant target line", () => {
    const data = kpiChartData(kpi, entries);
    expect(data.periods).toEqual(['2026-09', '2026-10', '2026-11']);
    expect(data.values).toEqual([99.84, 99.79, 99.82]);
    const option = kpiChartOption(kpi, data);
    expect(option.series.map((s) => s.name)).toEqual(['Value', 'Target']);
    expect(option.series[1].data).toEqual([99.9, 99.9, 99.9]);
    expect(option.series[1].lineStyle.type).toBe('dashed');
  });

  it('says every value and the target in words', () => {
    expect(kpiChartData(kpi, entries).label).toBe(
      'System availability by period against its target (at least 99.9%): September 2026 99.84%, October 2026 99.79%, November 2026 99.82%',
    );
    expect(kpiChartData(kpi, []).label).toMatch(/no values yet$/);
  });
});
