// The KPI page's chart (pure): each period's current value as a line, against the target
// as a dashed line, and the same in words for screen readers.
import { periodLabel } from './periods';
import { currentValues, formatMeasure, targetText } from './rules';
import type { Kpi, PerformanceEntry } from './types';

export interface KpiChartData {
  periods: string[];
  values: number[];
  label: string;
}

export function kpiChartData(kpi: Kpi, entries: PerformanceEntry[]): KpiChartData {
  const points = currentValues(entries);
  const words = points.map((p) => `${periodLabel(p.period)} ${formatMeasure(p.value, kpi.unit)}`).join(', ');
  return {
    periods: points.map((p) => p.period),
    values: points.map((p) => p.value),
    label: `${kpi.name} by period against its target (${targetText(kpi).toLowerCase()})${words ? `: ${words}` : ': no values yet'}`,
  };
}

/** ECharts option: the values and a constant target line over the same periods. */
export function kpiChartOption(kpi: Kpi, data: KpiChartData) {
  return {
    tooltip: { trigger: 'axis' },
    legend: { data: ['Value', 'Target'], top: 0 },
    grid: { left: 50, right: 20, top: 36, bottom: 30, containLabel: true },
    xAxis: { type: 'category', data: data.periods, boundaryGap: false },
    yAxis: { type: 'value', scale: true, name: kpi.unit || undefined },
    series: [
      {
        name: 'Value',
        type: 'line',
        data: data.values,
        symbolSize: 7,
        itemStyle: { color: '#364fc7' },
        lineStyle: { width: 2 },
      },
      {
        name: 'Target',
        type: 'line',
        data: data.periods.map(() => kpi.target),
        symbol: 'none',
        itemStyle: { color: '#c92a2a' },
        lineStyle: { type: 'dashed', width: 2 },
      },
    ],
  };
}
