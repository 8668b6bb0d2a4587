// The risk module's charts on the dashboard (loaded with the dashboard only).
import { BarChartCard, ChartCard } from '../../components/ChartCard';
import { RiskHeatmap } from './components/RiskHeatmap';

const RATING_BAR_COLORS: Record<string, string> = {
  Low: '#40c057',
  Medium: '#fab005',
  High: '#fd7e14',
  Critical: '#e03131',
};

// The by-rating and by-category charts count open risks only; the others every live risk.
const risksWhere =
  (param: string, open = false) =>
  (label: string) =>
    `/risks?${open ? 'open=true&' : ''}${param}=${encodeURIComponent(label)}`;

export default function RiskCharts() {
  return (
    <>
      <ChartCard title="Risk heat map" type="risk_heatmap">
        {(c) => <RiskHeatmap chart={c} />}
      </ChartCard>
      <BarChartCard title="Risks by status" type="risks_by_status" listHref={risksWhere('status')} />
      <BarChartCard
        title="Open risks by rating"
        type="risks_by_rating"
        listHref={risksWhere('rating', true)}
        colors={RATING_BAR_COLORS}
      />
      <BarChartCard
        title="Open risks by category"
        type="risks_by_category"
        listHref={risksWhere('category', true)}
        horizontal
      />
    </>
  );
}
