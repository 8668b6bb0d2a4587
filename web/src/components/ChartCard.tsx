// A dashboard card holding one chart of GET /api/dashboard/charts, and the bar chart
// most of them draw. Only the dashboard's lazy chunks import this file.
import { Anchor, Card, Group, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../lib/api';
import type { Chart } from '../lib/types';
import { EChart } from './EChart';
import { ErrorAlert } from './ErrorAlert';
import { Loading } from './Loading';

export function ChartCard({
  title,
  type,
  children,
}: {
  title: string;
  type: string;
  children: (c: Chart) => ReactNode;
}) {
  // The dashboard keeps the instant it shows in its URL; a chart follows it, so the
  // past view's charts are the same replay as its counts.
  const asOf = useSearchParams()[0].get('as_of') ?? '';
  const q = useQuery({
    queryKey: asOf ? ['dashboard as of', asOf, 'chart', type] : ['dashboard', 'chart', type],
    queryFn: async () =>
      (
        await api<Chart>('/dashboard/charts', {
          query: asOf ? { chart_type: type, as_of: asOf } : { chart_type: type },
        })
      ).data,
  });
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {q.isLoading ? <Loading /> : q.error ? <ErrorAlert error={q.error} /> : q.data ? children(q.data) : null}
    </Card>
  );
}

function barOption(chart: Chart, horizontal: boolean, colors?: Record<string, string>) {
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

/**
 * A bar chart whose bars open the list they count: `listHref(label)` names it. The
 * accessible name spells out every bar, since the canvas itself says nothing, and a
 * link per bar under the chart opens the same list from the keyboard.
 */
export function BarChartCard({
  title,
  type,
  listHref,
  horizontal = false,
  colors,
}: {
  title: string;
  type: string;
  listHref: (label: string) => string;
  horizontal?: boolean;
  colors?: Record<string, string>;
}) {
  const navigate = useNavigate();
  return (
    <ChartCard title={title} type={type}>
      {(c) => (
        <>
          <EChart
            label={`${title}: ${c.labels.map((l, i) => `${l} ${c.values[i]}`).join(', ')}`}
            option={barOption(c, horizontal, colors)}
            height={horizontal ? Math.max(200, c.labels.length * 28 + 40) : undefined}
            onClick={(p) => p.name && navigate(listHref(p.name))}
          />
          <Group component="ul" gap="xs" mt="xs" p={0} style={{ listStyle: 'none' }} aria-label={`${title}: lists`}>
            {c.labels.map((l, i) => (
              <li key={l}>
                <Anchor component={Link} to={listHref(l)} size="xs" data-bar={l}>
                  {l}: {c.values[i]}
                </Anchor>
              </li>
            ))}
          </Group>
        </>
      )}
    </ChartCard>
  );
}
