// A KPI's performance: every value recorded and every correction, newest period first
// and, within a period, in the order they were made, so a correction shows the value it
// replaced, who made it, when and why.
import { Badge, Table, Text } from '@mantine/core';
import { DataTable } from '../../../components/DataTable';
import { periodLabel } from '../periods';
import { formatMeasure, meetsTarget } from '../rules';
import type { Kpi, PerformanceEntry } from '../types';
import { TargetBadge } from './KpiBadges';

/** The entries grouped by period, newest period first, each group in the order made; the last of a group is current. */
export function performanceRows(entries: PerformanceEntry[]): { entry: PerformanceEntry; current: boolean }[] {
  const periods = [...new Set(entries.map((e) => e.period))].sort().reverse();
  return periods.flatMap((p) => {
    const group = entries.filter((e) => e.period === p);
    return group.map((entry, i) => ({ entry, current: i === group.length - 1 }));
  });
}

const COLUMNS = ['Period', 'Value', 'Against target', 'Entry', 'Previous value', 'Comment', 'By', 'When'];

export function PerformanceTable({ kpi, entries }: { kpi: Kpi; entries: PerformanceEntry[] }) {
  const rows = performanceRows(entries);
  return (
    <DataTable
      minWidth={900}
      columns={COLUMNS}
      label="Values recorded, newest period first"
      empty={rows.length === 0 && 'No values recorded yet.'}
    >
      {rows.map(({ entry: e, current }) => (
        <Table.Tr key={`${e.period}-${e.recorded_at}`} data-corrected={e.corrected ? 'true' : undefined}>
          <Table.Td>
            <Text size="sm" fw={current ? 600 : undefined}>
              {periodLabel(e.period)}
            </Text>
          </Table.Td>
          <Table.Td>
            <Text size="sm" td={current ? undefined : 'line-through'}>
              {formatMeasure(e.value, kpi.unit)}
            </Text>
            {!current && (
              <Text size="xs" c="dimmed">
                replaced later
              </Text>
            )}
          </Table.Td>
          <Table.Td>{current ? <TargetBadge onTarget={meetsTarget(e.value, kpi)} /> : '—'}</Table.Td>
          <Table.Td>
            {e.corrected ? (
              <Badge color="#a63a0c" variant="outline" style={{ minWidth: 'max-content' }}>
                Correction
              </Badge>
            ) : (
              'Recorded'
            )}
          </Table.Td>
          <Table.Td>{e.previous_value === null ? '—' : formatMeasure(e.previous_value, kpi.unit)}</Table.Td>
          <Table.Td style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>{e.comment || '—'}</Table.Td>
          <Table.Td>{e.recorded_by_name || `User #${e.recorded_by}`}</Table.Td>
          <Table.Td>
            <Text size="sm" component="time" dateTime={e.recorded_at}>
              {new Date(e.recorded_at).toLocaleString()}
            </Text>
          </Table.Td>
        </Table.Tr>
      ))}
    </DataTable>
  );
}
