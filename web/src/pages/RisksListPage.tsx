import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../lib/api';
import { useAuth } from '../lib/auth';
import { RATING_COLORS } from '../lib/heatmap';
import { useMembers } from '../lib/hooks';
import {
  clearFilters,
  hasPrevious,
  nextPage,
  pageNumber,
  parseRiskFilters,
  previousPage,
  serializeRiskFilters,
  toApiQuery,
  withFilter,
  type FilterKey,
  type RiskFilters,
} from '../lib/riskFilters';
import { RATINGS, RISK_STATUSES, type ListMeta, type Risk } from '../lib/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';

const SORT_OPTIONS = [
  { value: 'id', label: 'Default (id)' },
  { value: '-score', label: 'Score, highest first' },
  { value: 'score', label: 'Score, lowest first' },
  { value: '-updated_at', label: 'Recently updated first' },
  { value: 'updated_at', label: 'Least recently updated first' },
];
const SCALE = ['1', '2', '3', '4', '5'];

export function RisksListPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseRiskFilters(params);
  const { can } = useAuth();
  const members = useMembers();

  const setFilters = (f: RiskFilters) => setParams(serializeRiskFilters(f));
  const set = (key: FilterKey, value: string | null) => setFilters(withFilter(filters, key, value ?? ''));

  // Text inputs update the URL after a pause, not on every keystroke.
  const [q, setQ] = useState(filters.q);
  const [category, setCategory] = useState(filters.category);
  useEffect(() => setQ(filters.q), [filters.q]);
  useEffect(() => setCategory(filters.category), [filters.category]);
  const debounced = useDebouncedCallback((key: FilterKey, v: string) => set(key, v.trim()), 400);

  const apiQuery = toApiQuery(filters);
  const list = useQuery({
    queryKey: ['risks', 'list', apiQuery.toString()],
    queryFn: () => api<Risk[], ListMeta>('/risks', { query: apiQuery }),
    placeholderData: keepPreviousData,
  });

  const rows = list.data?.data ?? [];
  const meta = list.data?.meta;

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

      <Card withBorder component="section" aria-label="Filters">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
          <TextInput
            label="Search"
            description="Title or description"
            value={q}
            onChange={(e) => {
              setQ(e.currentTarget.value);
              debounced('q', e.currentTarget.value);
            }}
          />
          <TextInput
            label="Category"
            description="Exact match"
            value={category}
            onChange={(e) => {
              setCategory(e.currentTarget.value);
              debounced('category', e.currentTarget.value);
            }}
          />
          <Select
            label="Status"
            clearable
            placeholder="Any"
            data={[...RISK_STATUSES]}
            value={filters.status || null}
            onChange={(v) => set('status', v)}
          />
          <Select
            label="Rating"
            clearable
            placeholder="Any"
            data={[...RATINGS]}
            value={filters.rating || null}
            onChange={(v) => set('rating', v)}
          />
          <Select
            label="Owner"
            clearable
            searchable
            placeholder="Anyone"
            data={
              filters.owner_id && !members.options.some((o) => o.value === filters.owner_id)
                ? [...members.options, { value: filters.owner_id, label: `User #${filters.owner_id}` }]
                : members.options
            }
            value={filters.owner_id || null}
            onChange={(v) => set('owner_id', v)}
          />
          <Select
            label="Likelihood"
            clearable
            placeholder="Any"
            data={SCALE}
            value={filters.likelihood || null}
            onChange={(v) => set('likelihood', v)}
          />
          <Select
            label="Impact"
            clearable
            placeholder="Any"
            data={SCALE}
            value={filters.impact || null}
            onChange={(v) => set('impact', v)}
          />
          <Select
            label="Sort"
            data={SORT_OPTIONS}
            value={filters.sort || 'id'}
            allowDeselect={false}
            onChange={(v) => set('sort', v === 'id' ? '' : v)}
          />
        </SimpleGrid>
        <Group mt="sm">
          <Button variant="subtle" size="xs" onClick={() => setFilters(clearFilters(filters))}>
            Clear filters
          </Button>
        </Group>
      </Card>

      <ErrorAlert error={list.error} title="Could not load risks" />
      {list.isLoading ? (
        <Loading />
      ) : (
        <>
          <Text size="sm" c="dimmed" aria-live="polite">
            {meta ? `${meta.total} matching risk${meta.total === 1 ? '' : 's'} · page ${pageNumber(filters)}` : ''}
            {list.isFetching ? ' · updating…' : ''}
          </Text>
          <Table.ScrollContainer minWidth={720}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">ID</Table.Th>
                  <Table.Th scope="col">Title</Table.Th>
                  <Table.Th scope="col">Category</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                  <Table.Th scope="col">L × I</Table.Th>
                  <Table.Th scope="col">Score</Table.Th>
                  <Table.Th scope="col">Rating</Table.Th>
                  <Table.Th scope="col">Residual</Table.Th>
                  <Table.Th scope="col">Owner</Table.Th>
                  <Table.Th scope="col">Updated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={10}>
                      <Text c="dimmed">No risks match these filters.</Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {rows.map((r) => (
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
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group justify="space-between">
            <Button
              variant="default"
              disabled={!hasPrevious(filters)}
              onClick={() => setFilters(previousPage(filters))}
            >
              Previous
            </Button>
            <Button
              variant="default"
              disabled={!meta?.next_cursor}
              onClick={() => meta?.next_cursor && setFilters(nextPage(filters, meta.next_cursor))}
            >
              Next
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}
