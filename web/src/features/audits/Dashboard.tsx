// Audit management's charts on the dashboard (loaded with the dashboard only); each bar
// opens the list it counts.
import { BarChartCard } from '../../components/ChartCard';
import { useAuth } from '../../lib/auth';
import { auditPhaseHref, findingsByRiskHref } from './rules';

const RISK_BAR_COLORS: Record<string, string> = {
  Low: '#40c057',
  Medium: '#fab005',
  High: '#fd7e14',
  Critical: '#e03131',
  'No linked risk': '#868e96',
};

export default function AuditCharts() {
  const { can } = useAuth();
  if (!can('audits:read')) return null;
  return (
    <>
      <BarChartCard
        title="Open findings by linked risk rating"
        type="findings_by_risk"
        listHref={findingsByRiskHref}
        colors={RISK_BAR_COLORS}
      />
      <BarChartCard title="Engagements by phase" type="audit_phases" listHref={auditPhaseHref} />
    </>
  );
}
