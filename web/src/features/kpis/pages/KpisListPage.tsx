import { Anchor, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../../lib/auth';
import { useMembers } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import { DebouncedTextFilter, FilterSelect, FiltersCard, SortSelect } from '../../../components/ListFilters';
import { PagedTable } from '../../../components/PagedTable';
import { StaleBadge, TargetBadge } from '../components/KpiBadges';
import {
  clearKpiFilters,
  parseKpiFilters,
  serializeKpiFilters,
  toKpiApiQuery,
  withKpiFilter,
  type KpiFilterKey,
  type KpiFilters,
} from '../filters';
import { useKpiList, useObjectiveOptions } from '../hooks';
import { periodLabel } from '../periods';
import { formatMeasure, frequencyLabel, staleText, targetText } from '../rules';
import { FREQUENCIES, type Kpi } from '../types';

// 'id' is SortSelect's name for the API's default order, by name.
const SORT_OPTIONS = [
  { value: 'id', label: 'Name, A to Z' },
  { value: '-name', label: 'Name, Z to A' },
  { value: '-updated_at', label: 'Recently updated first' },
  { value: 'updated_at', label: 'Least recently updated first' },
];
const ON_TARGET_OPTIONS = [
  { value: 'true', label: 'On target' },
  { value: 'false', label: 'Off target' },
];
const HAS_VALUE_OPTIONS = [
  { value: 'true', label: 'With values' },
  { value: 'false', label: 'No values yet' },
];
const STALE_OPTIONS = [
  { value: 'true', label: 'Stale only' },
  { value: 'false', label: 'Up to date' },
];
const COLUMNS = ['Name', 'Standing', 'Latest value', 'Target', 'Frequency', 'Objective', 'Owner'];

export function KpisListPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseKpiFilters(params);
  const { can } = useAuth();
  const members = useMembers();
  const objectives = useObjectiveOptions();

  const setFilters = (f: KpiFilters) => setParams(serializeKpiFilters(f));
  const set = (key: KpiFilterKey, value: string | null) => setFilters(withKpiFilter(filters, key, value ?? ''));
  const list = useKpiList(toKpiApiQuery(filters));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>KPIs</Title>
        <Group>
          <Button component={Link} to="/objectives" variant="default">
            Objectives
          </Button>
          {can('kpis:write') && (
            <Button component={Link} to="/kpis/new">
              New KPI
            </Button>
          )}
        </Group>
      </Group>

      <FiltersCard onClear={() => setFilters(clearKpiFilters(filters))}>
        <DebouncedTextFilter
          label="Search"
          description="Name, description or unit"
          value={filters.q}
          onCommit={(v) => set('q', v)}
        />
        <FilterSelect
          label="Objective"
          searchable
          data={withCurrentOption(objectives.options, filters.objective_id, `Objective #${filters.objective_id}`)}
          value={filters.objective_id}
          onChange={(v) => set('objective_id', v)}
        />
        <FilterSelect
          label="Owner"
          searchable
          placeholder="Anyone"
          data={withCurrentOption(members.options, filters.owner_id, `User #${filters.owner_id}`)}
          value={filters.owner_id}
          onChange={(v) => set('owner_id', v)}
        />
        <FilterSelect
          label="On target"
          data={ON_TARGET_OPTIONS}
          value={filters.on_target}
          onChange={(v) => set('on_target', v)}
        />
        <FilterSelect
          label="Values"
          data={HAS_VALUE_OPTIONS}
          value={filters.has_value}
          onChange={(v) => set('has_value', v)}
        />
        <FilterSelect label="Stale" data={STALE_OPTIONS} value={filters.stale} onChange={(v) => set('stale', v)} />
        <FilterSelect
          label="Frequency"
          data={FREQUENCIES.map((f) => ({ value: f, label: frequencyLabel(f) }))}
          value={filters.frequency}
          onChange={(v) => set('frequency', v)}
        />
        <SortSelect options={SORT_OPTIONS} value={filters.sort} onChange={(v) => set('sort', v)} />
      </FiltersCard>

      <PagedTable
        list={list}
        errorTitle="Could not load KPIs"
        noun="matching KPI"
        filters={filters}
        onPage={setFilters}
        minWidth={1000}
        columns={COLUMNS}
        empty="No KPIs match these filters."
        row={(k: Kpi) => (
          <Table.Tr key={k.id} data-stale={k.stale ? 'true' : undefined}>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>
              <Anchor component={Link} to={`/kpis/${k.id}`}>
                {k.name}
              </Anchor>
            </Table.Td>
            <Table.Td>
              <Group gap={6} wrap="wrap">
                <TargetBadge onTarget={k.on_target} />
                {k.stale && <StaleBadge title={staleText(k) ?? undefined} />}
              </Group>
            </Table.Td>
            <Table.Td>
              {k.latest_value === null ? (
                '—'
              ) : (
                <>
                  <Text size="sm">{formatMeasure(k.latest_value, k.unit)}</Text>
                  <Text size="xs" c="dimmed">
                    {k.latest_period ? periodLabel(k.latest_period) : ''}
                  </Text>
                </>
              )}
            </Table.Td>
            <Table.Td>{targetText(k)}</Table.Td>
            <Table.Td>{frequencyLabel(k.frequency)}</Table.Td>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>
              {k.objective_id ? (
                <Anchor component={Link} to={`/objectives/${k.objective_id}`}>
                  {k.objective_name ?? `Objective #${k.objective_id}`}
                </Anchor>
              ) : (
                '—'
              )}
            </Table.Td>
            <Table.Td>{members.name(k.owner_id)}</Table.Td>
          </Table.Tr>
        )}
      />
    </Stack>
  );
}
