// The control library's charts on the dashboard (loaded with the dashboard only).
import { BarChartCard } from '../../components/ChartCard';
import { useAuth } from '../../lib/auth';
import { EFFECTIVENESS_BAR_COLORS } from './controls';

const controlsWhere = (param: string) => (label: string) => `/controls?${param}=${encodeURIComponent(label)}`;
// The effectiveness chart counts Active controls only.
const activeControlsWhere = (label: string) => `/controls?status=Active&effectiveness=${encodeURIComponent(label)}`;

export default function ControlCharts() {
  const { can } = useAuth();
  if (!can('controls:read')) return null;
  return (
    <>
      <BarChartCard
        title="Controls by effectiveness"
        type="controls_by_effectiveness"
        listHref={activeControlsWhere}
        colors={EFFECTIVENESS_BAR_COLORS}
      />
      <BarChartCard title="Controls by status" type="controls_by_status" listHref={controlsWhere('status')} />
    </>
  );
}
