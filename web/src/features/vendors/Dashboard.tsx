// Third-party risk's chart on the dashboard (loaded with the dashboard only): vendors not
// offboarded by risk tier; each bar opens the vendors of that tier.
import { BarChartCard } from '../../components/ChartCard';
import { useAuth } from '../../lib/auth';
import { vendorsByTierHref } from './rules';

const TIER_BAR_COLORS: Record<string, string> = {
  Low: '#40c057',
  Medium: '#fab005',
  High: '#fd7e14',
  Critical: '#e03131',
};

export default function VendorCharts() {
  const { can } = useAuth();
  if (!can('vendors:read')) return null;
  return (
    <BarChartCard
      title="Vendors by risk tier"
      type="vendors_by_risk"
      listHref={vendorsByTierHref}
      colors={TIER_BAR_COLORS}
    />
  );
}
