// The line chart of a KPI's values by period against its target. Loaded on its own
// (React.lazy), so the chart library never comes with the list pages.
import { LineChart } from 'echarts/charts';
import { LegendComponent } from 'echarts/components';
import { use } from 'echarts/core';
import { useMemo } from 'react';
import { EChart } from '../../../components/EChart';
import { kpiChartData, kpiChartOption } from '../chart';
import type { Kpi, PerformanceEntry } from '../types';

// The shared wrapper registers the bar, heat map and pie charts; a line and its legend
// are this chart's own.
use([LineChart, LegendComponent]);

export default function KpiChart({ kpi, entries }: { kpi: Kpi; entries: PerformanceEntry[] }) {
  const data = useMemo(() => kpiChartData(kpi, entries), [kpi, entries]);
  const option = useMemo(() => kpiChartOption(kpi, data), [kpi, data]);
  return <EChart label={data.label} option={option} height={300} />;
}
