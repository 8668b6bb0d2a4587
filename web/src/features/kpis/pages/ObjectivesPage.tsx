import { Anchor, Button, Group, Stack, Table, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../../lib/auth';
import { useMembers } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import { DebouncedTextFilter, FilterSelect, FiltersCard, SortSelect } from '../../../components/ListFilters';
import { PagedTable } from '../../../components/PagedTable';
import { ObjectiveProgress } from '../components/ObjectiveProgress';
import {
  clearObjectiveFilters,
  parseObjectiveFilters,
  serializeObjectiveFilters,
  toObjectiveApiQuery,
  withObjectiveFilter,
  type ObjectiveFilterKey,
  type ObjectiveFilters,
} from '../filters';
import { useObjectiveList } from '../hooks';
import { periodRange } from '../rules';
import type { Objective } from '../types';

const SORT_OPTIONS = [
  { value: 'id', label: 'Name, A to Z' },
  { value: '-name', label: 'Name, Z to A' },
  { value: '-updated_at', label: 'Recently updated first' },
  { value: 'updated_at', label: 'Least recently updated first' },
];
const COLUMNS = ['Objective', 'Progress', 'KPIs', 'Owner', 'Period'];

/** The objectives overview: each objective's progress (the share of its KPIs on target) and its KPIs. */
export function ObjectivesPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseObjectiveFilters(params);
  const { can } = useAuth();
  const members = useMembers();
  const setFilters = (f: ObjectiveFilters) => setParams(serializeObjectiveFilters(f));
  const set = (key: ObjectiveFilterKey, value: string | null) =>
    setFilters(withObjectiveFilter(filters, key, value ?? ''));
  const list = useObjectiveList(toObjectiveApiQuery(filters));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Objectives</Title>
        <Group>
          <Button component={Link} to="/kpis" variant="default">
            All KPIs
          </Button>
          {can('kpis:write') && (
            <Button component={Link} to="/objectives/new">
              New objective
            </Button>
          )}
        </Group>
      </Group>

      <FiltersCard onClear={() => setFilters(clearObjectiveFilters(filters))}>
        <DebouncedTextFilter
          label="Search"
          description="Name or description"
          value={filters.q}
          onCommit={(v) => set('q', v)}
        />
        <FilterSelect
          label="Owner"
          searchable
          placeholder="Anyone"
          data={withCurrentOption(members.options, filters.owner_id, `User #${filters.owner_id}`)}
          value={filters.owner_id}
          onChange={(v) => set('owner_id', v)}
        />
        <SortSelect options={SORT_OPTIONS} value={filters.sort} onChange={(v) => set('sort', v)} />
      </FiltersCard>

      <PagedTable
        list={list}
        errorTitle="Could not load objectives"
        noun="matching objective"
        filters={filters}
        onPage={setFilters}
        minWidth={800}
        columns={COLUMNS}
        empty="No objectives match these filters."
        row={(o: Objective) => (
          <Table.Tr key={o.id}>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>
              <Anchor component={Link} to={`/objectives/${o.id}`}>
                {o.name}
              </Anchor>
            </Table.Td>
            <Table.Td>
              <ObjectiveProgress objective={o} />
            </Table.Td>
            <Table.Td>
              <Anchor component={Link} to={`/kpis?objective_id=${o.id}`} aria-label={`KPIs of ${o.name}`}>
                {`${o.kpi_count} KPI${o.kpi_count === 1 ? '' : 's'}`}
              </Anchor>
            </Table.Td>
            <Table.Td>{members.name(o.owner_id)}</Table.Td>
            <Table.Td>{periodRange(o)}</Table.Td>
          </Table.Tr>
        )}
      />
    </Stack>
  );
}
