import { Anchor, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../../lib/auth';
import { withCurrentOption } from '../../../lib/options';
import { DebouncedTextFilter, FilterSelect, FiltersCard, SortSelect } from '../../../components/ListFilters';
import { PagedTable } from '../../../components/PagedTable';
import { CaseBoard } from '../components/CaseBoard';
import { CaseStatusBadge, ConfidentialBadge, PriorityBadge } from '../components/CaseBadges';
import {
  boardQuery,
  clearCaseFilters,
  parseCaseFilters,
  serializeCaseFilters,
  toCaseApiQuery,
  withCaseFilter,
  type CaseFilterKey,
  type CaseFilters,
} from '../filters';
import { useCaseList, useInvestigators } from '../hooks';
import { labelled, priorityLabel, statusLabel } from '../rules';
import { CASE_STATUSES, PRIORITIES, type Case } from '../types';

// 'id' is SortSelect's name for the API's default order, which for cases is the most
// recently updated first.
const SORT_OPTIONS = [
  { value: 'id', label: 'Recently updated first' },
  { value: 'updated_at', label: 'Least recently updated first' },
  { value: '-priority', label: 'Priority, highest first' },
  { value: 'priority', label: 'Priority, lowest first' },
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
];
const CONFIDENTIAL_OPTIONS = [
  { value: 'true', label: 'Confidential only' },
  { value: 'false', label: 'Not confidential' },
];
const OPEN_OPTIONS = [
  { value: 'true', label: 'Open' },
  { value: 'false', label: 'Completed' },
];
const COLUMNS = ['ID', 'Title', 'Status', 'Priority', 'Type', 'Assignee', 'Reporter', 'Evidence', 'Updated'];

export function CasesListPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseCaseFilters(params);
  const { can } = useAuth();
  const investigators = useInvestigators();
  const board = filters.view === 'board';

  const setFilters = (f: CaseFilters) => setParams(serializeCaseFilters(f));
  const set = (key: CaseFilterKey, value: string | null) => setFilters(withCaseFilter(filters, key, value ?? ''));
  const list = useCaseList(toCaseApiQuery(filters), !board);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Cases</Title>
        {can('cases:write') && (
          <Button component={Link} to="/cases/new">
            New case
          </Button>
        )}
      </Group>

      <Group gap="xs" role="group" aria-label="View">
        <Button variant={board ? 'default' : 'filled'} aria-pressed={!board} onClick={() => set('view', '')}>
          Table
        </Button>
        <Button variant={board ? 'filled' : 'default'} aria-pressed={board} onClick={() => set('view', 'board')}>
          Board by status
        </Button>
      </Group>

      <FiltersCard onClear={() => setFilters(clearCaseFilters(filters))}>
        <DebouncedTextFilter
          label="Search"
          description="Title, description or reporter"
          value={filters.q}
          onCommit={(v) => set('q', v)}
        />
        <FilterSelect label="Open" data={OPEN_OPTIONS} value={filters.open} onChange={(v) => set('open', v)} />
        <FilterSelect
          label="Status"
          data={labelled(CASE_STATUSES, statusLabel)}
          value={filters.status}
          onChange={(v) => set('status', v)}
        />
        <FilterSelect
          label="Priority"
          data={labelled(PRIORITIES, priorityLabel)}
          value={filters.priority}
          onChange={(v) => set('priority', v)}
        />
        <FilterSelect
          label="Assignee"
          searchable
          placeholder="Anyone"
          data={withCurrentOption(investigators.options, filters.assignee_id, `User #${filters.assignee_id}`)}
          value={filters.assignee_id}
          onChange={(v) => set('assignee_id', v)}
        />
        <DebouncedTextFilter
          label="Type"
          description="Exact type, e.g. fraud"
          value={filters.type}
          onCommit={(v) => set('type', v)}
        />
        <FilterSelect
          label="Confidential"
          data={CONFIDENTIAL_OPTIONS}
          value={filters.confidential}
          onChange={(v) => set('confidential', v)}
        />
        <SortSelect options={SORT_OPTIONS} value={filters.sort} onChange={(v) => set('sort', v)} />
      </FiltersCard>

      {board ? (
        <CaseBoard query={boardQuery(filters)} status={filters.status} open={filters.open} />
      ) : (
        <PagedTable
          list={list}
          errorTitle="Could not load cases"
          noun="matching case"
          filters={filters}
          onPage={setFilters}
          minWidth={1000}
          columns={COLUMNS}
          empty="No cases match these filters."
          row={(c: Case) => (
            <Table.Tr key={c.id} data-confidential={c.confidential ? 'true' : undefined}>
              <Table.Td>{c.id}</Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>
                <Group gap={6} wrap="wrap">
                  <Anchor component={Link} to={`/cases/${c.id}`}>
                    {c.title}
                  </Anchor>
                  {c.confidential && <ConfidentialBadge />}
                </Group>
              </Table.Td>
              <Table.Td>
                <CaseStatusBadge value={c.status} />
              </Table.Td>
              <Table.Td>
                <PriorityBadge value={c.priority} />
              </Table.Td>
              <Table.Td style={{ overflowWrap: 'break-word' }}>{c.type || '—'}</Table.Td>
              <Table.Td>{c.assignee_name ?? (c.assignee_id ? investigators.name(c.assignee_id) : '—')}</Table.Td>
              <Table.Td style={{ overflowWrap: 'break-word' }}>{c.reporter || '—'}</Table.Td>
              <Table.Td>{c.evidence_count}</Table.Td>
              <Table.Td>
                <Text size="sm" component="time" dateTime={c.updated_at}>
                  {new Date(c.updated_at).toLocaleString()}
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
        />
      )}
    </Stack>
  );
}
