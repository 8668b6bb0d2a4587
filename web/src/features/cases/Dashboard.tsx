// Investigations' chart on the dashboard (loaded with the dashboard only); each bar opens
// the cases it counts. Callers without cases:read get no chart (the server refuses it).
import { BarChartCard } from '../../components/ChartCard';
import { useAuth } from '../../lib/auth';
import { casesByStatusHref } from './rules';

const STATUS_BAR_COLORS: Record<string, string> = {
  new: '#364fc7',
  assigned: '#1864ab',
  in_progress: '#5f3dc4',
  review: '#a63a0c',
  completed: '#495057',
};

export default function CaseCharts() {
  const { can } = useAuth();
  if (!can('cases:read')) return null;
  return (
    <BarChartCard
      title="Cases by status"
      type="cases_by_status"
      listHref={casesByStatusHref}
      colors={STATUS_BAR_COLORS}
    />
  );
}
