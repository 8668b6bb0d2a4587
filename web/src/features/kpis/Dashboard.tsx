// The KPIs' chart on the dashboard (loaded with the dashboard only): how many KPIs are on
// target, off target or without data; each bar opens the KPIs it counts.
import { BarChartCard } from '../../components/ChartCard';
import { useAuth } from '../../lib/auth';
import { kpisOnTargetHref } from './rules';

const BAR_COLORS: Record<string, string> = {
  'On target': '#2b8a3e',
  'Off target': '#e03131',
  'No data': '#868e96',
};

export default function KpiCharts() {
  const { can } = useAuth();
  if (!can('kpis:read')) return null;
  return (
    <BarChartCard title="KPIs against target" type="kpis_on_target" listHref={kpisOnTargetHref} colors={BAR_COLORS} />
  );
}
