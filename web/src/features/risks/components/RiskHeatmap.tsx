import { Anchor, Table, Text, VisuallyHidden } from '@mantine/core';
import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { buildHeatmap, cellHref } from '../heatmap';
import type { Chart } from '../../../lib/types';
import { EChart, type EChartsOption } from '../../../components/EChart';

const AXIS = ['1', '2', '3', '4', '5'];

export function RiskHeatmap({ chart }: { chart: Chart | undefined }) {
  const navigate = useNavigate();
  const hm = useMemo(() => buildHeatmap(chart), [chart]);

  const option: EChartsOption = useMemo(
    () => ({
      tooltip: {
        formatter: (p: { data: [number, number, number] }) =>
          `Likelihood ${p.data[1] + 1}, impact ${p.data[0] + 1}: ${p.data[2]} risk(s)`,
      },
      grid: { left: 60, right: 20, top: 10, bottom: 50 },
      xAxis: {
        type: 'category',
        data: AXIS,
        name: 'Impact',
        nameLocation: 'middle',
        nameGap: 30,
        splitArea: { show: true },
      },
      yAxis: {
        type: 'category',
        data: AXIS,
        name: 'Likelihood',
        nameLocation: 'middle',
        nameGap: 35,
        splitArea: { show: true },
      },
      visualMap: {
        show: false,
        min: 0,
        max: Math.max(1, hm.max),
        inRange: { color: ['#f1f3f5', '#ffd43b', '#fd7e14', '#e03131'] },
      },
      series: [
        {
          type: 'heatmap',
          data: hm.cells.map((c) => [c.impact - 1, c.likelihood - 1, c.count]),
          label: { show: true },
          emphasis: { itemStyle: { borderColor: '#333', borderWidth: 1 } },
          cursor: 'pointer',
        },
      ],
    }),
    [hm],
  );

  return (
    <>
      <EChart
        label={`Risk heat map: ${hm.total} open risks by likelihood and impact. A table with links follows.`}
        option={option}
        height={320}
        onClick={(p) => {
          const d = p.data as [number, number, number] | undefined;
          if (d) navigate(cellHref(d[1] + 1, d[0] + 1));
        }}
      />
      <Text size="xs" c="dimmed">
        Click a cell, or use the table below, to list its risks.
      </Text>
      <Table.ScrollContainer minWidth={300}>
        <Table withTableBorder withColumnBorders ta="center" mt="xs" captionSide="top">
          <Table.Caption>
            <VisuallyHidden>Open risks per likelihood (rows) and impact (columns)</VisuallyHidden>
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Likelihood \ Impact</Table.Th>
              {AXIS.map((i) => (
                <Table.Th key={i} scope="col" ta="center">
                  {i}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {[5, 4, 3, 2, 1].map((l) => (
              <Table.Tr key={l}>
                <Table.Th scope="row" ta="center">
                  {l}
                </Table.Th>
                {[1, 2, 3, 4, 5].map((i) => {
                  const n = hm.grid[l - 1][i - 1];
                  return (
                    <Table.Td key={i}>
                      <Anchor
                        component={Link}
                        to={cellHref(l, i)}
                        aria-label={`${n} risks with likelihood ${l} and impact ${i}`}
                        c={n ? undefined : 'dimmed'}
                      >
                        {n}
                      </Anchor>
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}
