import { Anchor, Badge, Button, Group, Stack, Table, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../../lib/auth';
import { RATING_COLORS } from '../heatmap';
import { useMembers, usePagedList } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import {
  clearFilters,
  parseRiskFilters,
  serializeRiskFilters,
  toApiQuery,
  withFilter,
  type FilterKey,
  type RiskFilters,
} from '../filters';
import { RATINGS, RISK_STATUSES, type Risk } from '../types';
import {
  DebouncedTextFilter,
  FilterMultiSelect,
  FilterSelect,
  FiltersCard,
  SortSelect,
} from '../../../components/ListFilters';
import { PagedTable } from '../../../components/PagedTable';

const SORT_OPTIONS = [
  { value: 'id', label: 'Default (id)' },
  { value: '-score', label: 'Score, highest first' },
  { value: 'score', label: 'Score, lowest first' },
  { value: '-updated_at', label: 'Recently updated first' },
  { value: 'updated_at', label: 'Least recently updated first' },
];
const SCALE = ['1', '2', '3', '4', '5'];
const OPEN_OPTIONS = [
  { value: 'true', label: 'Open' },
  { value: 'false', label: 'Accepted or closed' },
];
const COLUMNS = ['ID', 'Title', 'Category', 'Status', 'L × I', 'Score', 'Rating', 'Residual', 'Owner', 'Updated'];

export function RisksListPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseRiskFilters(params);
  const { can } = useAuth();
  const members = useMembers();

  const setFilters = (f: RiskFilters) => setParams(serializeRiskFilters(f));
  const set = (key: FilterKey, value: string | null) => setFilters(withFilter(filters, key, value ?? ''));
  const list = usePagedList<Risk>('risks', toApiQuery(filters));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Risks</Title>
        {can('risks:write') && (
          <Button component={Link} to="/risks/new">
            New risk
          </Button>
        )}
      </Group>

      <FiltersCard onClear={() => setFilters(clearFilters(filters))}>
        <DebouncedTextFilter
          label="Search"
          description="Title or description"
          value={filters.q}
          onCommit={(v) => set('q', v)}
        />
        <DebouncedTextFilter
          label="Category"
          description="Exact match"
          value={filters.category}
          onCommit={(v) => set('category', v)}
        />
        <FilterSelect label="Open" data={OPEN_OPTIONS} value={filters.open} onChange={(v) => set('open', v)} />
        <FilterMultiSelect
          label="Status"
          data={RISK_STATUSES}
          value={filters.status}
          onChange={(v) => set('status', v)}
        />
        <FilterMultiSelect label="Rating" data={RATINGS} value={filters.rating} onChange={(v) => set('rating', v)} />
        <FilterSelect
          label="Owner"
          searchable
          placeholder="Anyone"
          data={withCurrentOption(members.options, filters.owner_id, `User #${filters.owner_id}`)}
          value={filters.owner_id}
          onChange={(v) => set('owner_id', v)}
        />
        <FilterSelect
          label="Likelihood"
          data={SCALE}
          value={filters.likelihood}
          onChange={(v) => set('likelihood', v)}
        />
        <FilterSelect label="Impact" data={SCALE} value={filters.impact} onChange={(v) => set('impact', v)} />
        <SortSelect options={SORT_OPTIONS} value={filters.sort} onChange={(v) => set('sort', v)} />
      </FiltersCard>

      <PagedTable
        list={list}
        errorTitle="Could not load risks"
        noun="matching risk"
        filters={filters}
        onPage={setFilters}
        minWidth={720}
        columns={COLUMNS}
        empty="No risks match these filters."
        row={(r) => (
          <Table.Tr key={r.id}>
            <Table.Td>{r.id}</Table.Td>
            <Table.Td>
              <Anchor component={Link} to={`/risks/${r.id}`}>
                {r.title}
              </Anchor>
            </Table.Td>
            <Table.Td>{r.category}</Table.Td>
            <Table.Td>{r.status}</Table.Td>
            <Table.Td>
              {r.likelihood} × {r.impact}
            </Table.Td>
            <Table.Td>{r.inherent_score}</Table.Td>
            <Table.Td>
              <Badge color={RATING_COLORS[r.rating]}>{r.rating}</Badge>
            </Table.Td>
            <Table.Td>{r.residual_score ?? '—'}</Table.Td>
            <Table.Td>{members.name(r.owner_id)}</Table.Td>
            <Table.Td>{new Date(r.updated_at).toLocaleString()}</Table.Td>
          </Table.Tr>
        )}
      />
    </Stack>
  );
}
