import { Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../lib/api';
import { useAuth } from '../lib/auth';
import { EFFECTIVENESS_BAR_COLORS } from '../lib/controls';
import type { Chart, DashboardCounts } from '../lib/types';
import { EChart } from '../components/EChart';
import { RiskHeatmap } from '../components/RiskHeatmap';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';

function useChart(type: string) {
  return useQuery({
    queryKey: ['dashboard', 'chart', type],
    queryFn: async () => (await api<Chart>('/dashboard/charts', { query: { chart_type: type } })).data,
  });
}

const RATING_BAR_COLORS: Record<string, string> = {
  Low: '#40c057',
  Medium: '#fab005',
  High: '#fd7e14',
  Critical: '#e03131',
};

function barOption(chart: Chart, horizontal = false, colors?: Record<string, string>) {
  const cat = { type: 'category', data: chart.labels, axisLabel: { interval: 0, hideOverlap: true } };
  const val = { type: 'value', minInterval: 1 };
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: horizontal ? 110 : 40, right: 20, top: 10, bottom: 30, containLabel: !horizontal },
    xAxis: horizontal ? val : cat,
    yAxis: horizontal ? { ...cat, inverse: true } : val,
    series: [
      {
        type: 'bar',
        data: chart.values.map((v, i) => ({
          value: v,
          itemStyle: colors?.[chart.labels[i]] ? { color: colors[chart.labels[i]] } : undefined,
        })),
      },
    ],
  };
}

function ChartCard({
  title,
  type,
  children,
}: {
  title: string;
  type: string;
  children: (c: Chart) => React.ReactNode;
}) {
  const q = useChart(type);
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {q.isLoading ? <Loading /> : q.error ? <ErrorAlert error={q.error} /> : q.data ? children(q.data) : null}
    </Card>
  );
}

export default function DashboardPage() {
  const navigate = useNavigate();
  const { can } = useAuth();
  const canControls = can('controls:read');
  const counts = useQuery({
    queryKey: ['dashboard', 'counts'],
    queryFn: async () => (await api<DashboardCounts>('/dashboard')).data,
  });

  return (
    <Stack>
      <Title order={1}>Dashboard</Title>
      <ErrorAlert error={counts.error} />
      <SimpleGrid cols={{ base: 1, xs: 2, lg: canControls ? 4 : 2 }}>
        <Card withBorder component={Link} to="/risks">
          <Text c="dimmed" size="sm">
            Open risks
          </Text>
          <Text fz={32} fw={700}>
            {counts.data?.risks_open ?? '–'}
          </Text>
        </Card>
        <Card withBorder>
          <Text c="dimmed" size="sm">
            Open risks rated High or Critical
          </Text>
          <Group gap="xs">
            <Text fz={32} fw={700}>
              {counts.data?.risks_high ?? '–'}
            </Text>
          </Group>
        </Card>
        {canControls && (
          <Card withBorder component={Link} to="/controls?status=Active">
            <Text c="dimmed" size="sm">
              Active controls
            </Text>
            <Text fz={32} fw={700}>
              {counts.data?.controls_active ?? '–'}
            </Text>
          </Card>
        )}
        {canControls && (
          <Card withBorder component={Link} to="/controls?status=Active&effectiveness=Ineffective">
            <Text c="dimmed" size="sm">
              Active controls rated Ineffective
            </Text>
            <Text fz={32} fw={700}>
              {counts.data?.controls_ineffective ?? '–'}
            </Text>
          </Card>
        )}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <ChartCard title="Risk heat map" type="risk_heatmap">
          {(c) => <RiskHeatmap chart={c} />}
        </ChartCard>
        <ChartCard title="Risks by status" type="risks_by_status">
          {(c) => (
            <EChart
              label={`Risks by status: ${c.labels.map((l, i) => `${l} ${c.values[i]}`).join(', ')}`}
              option={barOption(c)}
              onClick={(p) => p.name && navigate(`/risks?status=${encodeURIComponent(p.name)}`)}
            />
          )}
        </ChartCard>
        <ChartCard title="Open risks by rating" type="risks_by_rating">
          {(c) => (
            <EChart
              label={`Open risks by rating: ${c.labels.map((l, i) => `${l} ${c.values[i]}`).join(', ')}`}
              option={barOption(c, false, RATING_BAR_COLORS)}
              onClick={(p) => p.name && navigate(`/risks?rating=${encodeURIComponent(p.name)}`)}
            />
          )}
        </ChartCard>
        <ChartCard title="Open risks by category" type="risks_by_category">
          {(c) => (
            <EChart
              label={`Open risks by category: ${c.labels.map((l, i) => `${l} ${c.values[i]}`).join(', ')}`}
              option={barOption(c, true)}
              height={Math.max(200, c.labels.length * 28 + 40)}
              onClick={(p) => p.name && navigate(`/risks?category=${encodeURIComponent(p.name)}`)}
            />
          )}
        </ChartCard>
        {canControls && (
          <ChartCard title="Controls by effectiveness" type="controls_by_effectiveness">
            {(c) => (
              <EChart
                label={`Controls by effectiveness: ${c.labels.map((l, i) => `${l} ${c.values[i]}`).join(', ')}`}
                option={barOption(c, false, EFFECTIVENESS_BAR_COLORS)}
                onClick={(p) => p.name && navigate(`/controls?effectiveness=${encodeURIComponent(p.name)}`)}
              />
            )}
          </ChartCard>
        )}
        {canControls && (
          <ChartCard title="Controls by status" type="controls_by_status">
            {(c) => (
              <EChart
                label={`Controls by status: ${c.labels.map((l, i) => `${l} ${c.values[i]}`).join(', ')}`}
                option={barOption(c)}
                onClick={(p) => p.name && navigate(`/controls?status=${encodeURIComponent(p.name)}`)}
              />
            )}
          </ChartCard>
        )}
      </SimpleGrid>
    </Stack>
  );
}
