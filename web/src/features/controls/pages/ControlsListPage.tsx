import { Anchor, Button, Group, Stack, Table, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../../lib/auth';
import {
  clearControlFilters,
  parseControlFilters,
  serializeControlFilters,
  toControlApiQuery,
  withControlFilter,
  type ControlFilterKey,
  type ControlFilters,
} from '../filters';
import { frequencyLabel, typeLabel } from '../controls';
import { useMembers, usePagedList } from '../../../lib/hooks';
import { useFrameworkOptions } from '../hooks';
import { withCurrentOption } from '../../../lib/options';
import { CONTROL_STATUSES, CONTROL_TYPES, EFFECTIVENESS, type Control } from '../types';
import { ControlBadgeCells } from '../components/ControlBadges';
import { DebouncedTextFilter, FilterSelect, FiltersCard, SortSelect } from '../../../components/ListFilters';
import { PagedTable } from '../../../components/PagedTable';

const SORT_OPTIONS = [
  { value: 'id', label: 'Default (id)' },
  { value: 'code', label: 'Code, A to Z' },
  { value: '-code', label: 'Code, Z to A' },
  { value: '-updated_at', label: 'Recently updated first' },
  { value: 'updated_at', label: 'Least recently updated first' },
];
const TYPE_OPTIONS = CONTROL_TYPES.map((t) => ({ value: t, label: typeLabel(t) }));
const COLUMNS = ['Code', 'Title', 'Status', 'Effectiveness', 'Type', 'Frequency', 'Last tested'];

export function ControlsListPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseControlFilters(params);
  const { can } = useAuth();
  const members = useMembers();
  const frameworks = useFrameworkOptions();

  const setFilters = (f: ControlFilters) => setParams(serializeControlFilters(f));
  const set = (key: ControlFilterKey, value: string | null) => setFilters(withControlFilter(filters, key, value ?? ''));
  const list = usePagedList<Control>('controls', toControlApiQuery(filters));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Controls</Title>
        {can('controls:write') && (
          <Button component={Link} to="/controls/new">
            New control
          </Button>
        )}
      </Group>

      <FiltersCard onClear={() => setFilters(clearControlFilters(filters))}>
        <DebouncedTextFilter
          label="Search"
          description="Code, title or description"
          value={filters.q}
          onCommit={(v) => set('q', v)}
        />
        <FilterSelect
          label="Framework"
          searchable
          data={withCurrentOption(frameworks.options, filters.framework_id, `Framework #${filters.framework_id}`)}
          value={filters.framework_id}
          onChange={(v) => set('framework_id', v)}
        />
        <FilterSelect
          label="Status"
          data={CONTROL_STATUSES}
          value={filters.status}
          onChange={(v) => set('status', v)}
        />
        <FilterSelect
          label="Effectiveness"
          data={EFFECTIVENESS}
          value={filters.effectiveness}
          onChange={(v) => set('effectiveness', v)}
        />
        <FilterSelect label="Type" data={TYPE_OPTIONS} value={filters.type} onChange={(v) => set('type', v)} />
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
        errorTitle="Could not load controls"
        noun="matching control"
        filters={filters}
        onPage={setFilters}
        minWidth={720}
        columns={COLUMNS}
        empty="No controls match these filters."
        row={(c) => (
          <Table.Tr key={c.id}>
            <Table.Td>
              <Anchor component={Link} to={`/controls/${c.id}`}>
                {c.code}
              </Anchor>
            </Table.Td>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>{c.title}</Table.Td>
            <ControlBadgeCells control={c} />
            <Table.Td>{typeLabel(c.type)}</Table.Td>
            <Table.Td>{frequencyLabel(c.frequency)}</Table.Td>
            <Table.Td>{c.last_tested_at ? new Date(c.last_tested_at).toLocaleString() : 'Never'}</Table.Td>
          </Table.Tr>
        )}
      />
    </Stack>
  );
}
