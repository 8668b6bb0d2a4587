import { Anchor, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../lib/api';
import { useAuth } from '../lib/auth';
import {
  clearControlFilters,
  parseControlFilters,
  serializeControlFilters,
  toControlApiQuery,
  withControlFilter,
  type ControlFilterKey,
  type ControlFilters,
} from '../lib/controlFilters';
import { frequencyLabel, typeLabel } from '../lib/controls';
import { useFrameworkOptions, useMembers } from '../lib/hooks';
import { hasPrevious, nextPage, pageNumber, previousPage } from '../lib/riskFilters';
import { CONTROL_STATUSES, CONTROL_TYPES, EFFECTIVENESS, type Control, type ListMeta } from '../lib/types';
import { ControlStatusBadge, EffectivenessBadge } from '../components/ControlBadges';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';

const SORT_OPTIONS = [
  { value: 'id', label: 'Default (id)' },
  { value: 'code', label: 'Code, A to Z' },
  { value: '-code', label: 'Code, Z to A' },
  { value: '-updated_at', label: 'Recently updated first' },
  { value: 'updated_at', label: 'Least recently updated first' },
];
const TYPE_OPTIONS = CONTROL_TYPES.map((t) => ({ value: t, label: typeLabel(t) }));

/** With an id from the URL that the options lack, keep it selectable under a neutral label. */
function withCurrent(options: { value: string; label: string }[], current: string, label: string) {
  return current && !options.some((o) => o.value === current) ? [...options, { value: current, label }] : options;
}

export function ControlsListPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseControlFilters(params);
  const { can } = useAuth();
  const members = useMembers();
  const frameworks = useFrameworkOptions();

  const setFilters = (f: ControlFilters) => setParams(serializeControlFilters(f));
  const set = (key: ControlFilterKey, value: string | null) => setFilters(withControlFilter(filters, key, value ?? ''));

  const [q, setQ] = useState(filters.q);
  useEffect(() => setQ(filters.q), [filters.q]);
  const debounced = useDebouncedCallback((v: string) => set('q', v.trim()), 400);

  const apiQuery = toControlApiQuery(filters);
  const list = useQuery({
    queryKey: ['controls', 'list', apiQuery.toString()],
    queryFn: () => api<Control[], ListMeta>('/controls', { query: apiQuery }),
    placeholderData: keepPreviousData,
  });

  const rows = list.data?.data ?? [];
  const meta = list.data?.meta;

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

      <Card withBorder component="section" aria-label="Filters">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
          <TextInput
            label="Search"
            description="Code, title or description"
            value={q}
            onChange={(e) => {
              setQ(e.currentTarget.value);
              debounced(e.currentTarget.value);
            }}
          />
          <Select
            label="Framework"
            clearable
            searchable
            placeholder="Any"
            data={withCurrent(frameworks.options, filters.framework_id, `Framework #${filters.framework_id}`)}
            value={filters.framework_id || null}
            onChange={(v) => set('framework_id', v)}
          />
          <Select
            label="Status"
            clearable
            placeholder="Any"
            data={[...CONTROL_STATUSES]}
            value={filters.status || null}
            onChange={(v) => set('status', v)}
          />
          <Select
            label="Effectiveness"
            clearable
            placeholder="Any"
            data={[...EFFECTIVENESS]}
            value={filters.effectiveness || null}
            onChange={(v) => set('effectiveness', v)}
          />
          <Select
            label="Type"
            clearable
            placeholder="Any"
            data={TYPE_OPTIONS}
            value={filters.type || null}
            onChange={(v) => set('type', v)}
          />
          <Select
            label="Owner"
            clearable
            searchable
            placeholder="Anyone"
            data={withCurrent(members.options, filters.owner_id, `User #${filters.owner_id}`)}
            value={filters.owner_id || null}
            onChange={(v) => set('owner_id', v)}
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
          <Button variant="subtle" size="xs" onClick={() => setFilters(clearControlFilters(filters))}>
            Clear filters
          </Button>
        </Group>
      </Card>

      <ErrorAlert error={list.error} title="Could not load controls" />
      {list.isLoading ? (
        <Loading />
      ) : (
        <>
          <Text size="sm" c="dimmed" aria-live="polite">
            {meta ? `${meta.total} matching control${meta.total === 1 ? '' : 's'} · page ${pageNumber(filters)}` : ''}
            {list.isFetching ? ' · updating…' : ''}
          </Text>
          <Table.ScrollContainer minWidth={720}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Code</Table.Th>
                  <Table.Th scope="col">Title</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                  <Table.Th scope="col">Effectiveness</Table.Th>
                  <Table.Th scope="col">Type</Table.Th>
                  <Table.Th scope="col">Frequency</Table.Th>
                  <Table.Th scope="col">Last tested</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={7}>
                      <Text c="dimmed">No controls match these filters.</Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {rows.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/controls/${c.id}`}>
                        {c.code}
                      </Anchor>
                    </Table.Td>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{c.title}</Table.Td>
                    <Table.Td>
                      <ControlStatusBadge value={c.status} />
                    </Table.Td>
                    <Table.Td>
                      <EffectivenessBadge value={c.effectiveness} />
                    </Table.Td>
                    <Table.Td>{typeLabel(c.type)}</Table.Td>
                    <Table.Td>{frequencyLabel(c.frequency)}</Table.Td>
                    <Table.Td>{c.last_tested_at ? new Date(c.last_tested_at).toLocaleString() : 'Never'}</Table.Td>
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
