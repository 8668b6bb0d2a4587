import { Anchor, Button, Group, Stack, Table, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../../lib/auth';
import { useMembers } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import { DebouncedTextFilter, FilterSelect, FiltersCard, SortSelect } from '../../../components/ListFilters';
import { PagedTable } from '../../../components/PagedTable';
import { EngagementStatusBadge } from '../components/AuditBadges';
import { EngagementBoard } from '../components/EngagementBoard';
import {
  clearEngagementFilters,
  parseEngagementFilters,
  serializeEngagementFilters,
  toEngagementApiQuery,
  withEngagementFilter,
  type EngagementFilterKey,
  type EngagementFilters,
} from '../filters';
import { useAuditList } from '../hooks';
import { ENGAGEMENT_STATUSES, PHASES, type Engagement } from '../types';

const SORT_OPTIONS = [
  { value: 'id', label: 'Default order' },
  { value: '-updated_at', label: 'Recently updated first' },
  { value: 'updated_at', label: 'Least recently updated first' },
  { value: 'planned_start', label: 'Planned start, earliest first' },
  { value: '-planned_start', label: 'Planned start, latest first' },
  { value: 'title', label: 'Title, A to Z' },
];
const ACTIVE_OPTIONS = [
  { value: 'true', label: 'Active (not Completed, not Cancelled)' },
  { value: 'false', label: 'Completed or Cancelled' },
];
const CANCELLED_OPTIONS = [
  { value: 'false', label: 'Leave out Cancelled' },
  { value: 'true', label: 'Cancelled only' },
];
const COLUMNS = ['ID', 'Title', 'Auditee', 'Phase', 'Status', 'Lead auditor', 'Planned', 'Findings', 'Procedures'];

export function EngagementsListPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseEngagementFilters(params);
  const { can } = useAuth();
  const members = useMembers();
  const board = filters.view === 'board';

  const setFilters = (f: EngagementFilters) => setParams(serializeEngagementFilters(f));
  const set = (key: EngagementFilterKey, value: string | null) =>
    setFilters(withEngagementFilter(filters, key, value ?? ''));
  const list = useAuditList<Engagement>('engagements', toEngagementApiQuery(filters), !board);
  // The board's columns read every page of their own phase, from the first.
  const boardQuery = Object.fromEntries(toEngagementApiQuery({ ...filters, phase: '', cursor: '', prev: [] }));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Engagements</Title>
        {can('audits:write') && (
          <Button component={Link} to="/engagements/new">
            New engagement
          </Button>
        )}
      </Group>

      <Group gap="xs" role="group" aria-label="View">
        <Button variant={board ? 'default' : 'filled'} aria-pressed={!board} onClick={() => set('view', '')}>
          Table
        </Button>
        <Button variant={board ? 'filled' : 'default'} aria-pressed={board} onClick={() => set('view', 'board')}>
          Board by phase
        </Button>
      </Group>

      <FiltersCard onClear={() => setFilters(clearEngagementFilters(filters))}>
        <DebouncedTextFilter
          label="Search"
          description="Title, scope or auditee"
          value={filters.q}
          onCommit={(v) => set('q', v)}
        />
        <FilterSelect label="Phase" data={PHASES} value={filters.phase} onChange={(v) => set('phase', v)} />
        <FilterSelect
          label="Status"
          data={ENGAGEMENT_STATUSES}
          value={filters.status}
          onChange={(v) => set('status', v)}
        />
        <FilterSelect
          label="Lead auditor"
          searchable
          placeholder="Anyone"
          data={withCurrentOption(members.options, filters.lead_auditor_id, `User #${filters.lead_auditor_id}`)}
          value={filters.lead_auditor_id}
          onChange={(v) => set('lead_auditor_id', v)}
        />
        <FilterSelect label="Active" data={ACTIVE_OPTIONS} value={filters.active} onChange={(v) => set('active', v)} />
        <FilterSelect
          label="Cancelled"
          data={CANCELLED_OPTIONS}
          value={filters.cancelled}
          onChange={(v) => set('cancelled', v)}
        />
        {!board && <SortSelect options={SORT_OPTIONS} value={filters.sort} onChange={(v) => set('sort', v)} />}
      </FiltersCard>

      {board ? (
        <EngagementBoard query={boardQuery} phase={filters.phase} />
      ) : (
        <PagedTable
          list={list}
          errorTitle="Could not load engagements"
          noun="matching engagement"
          filters={filters}
          onPage={setFilters}
          minWidth={900}
          columns={COLUMNS}
          empty="No engagements match these filters."
          row={(e) => (
            <Table.Tr key={e.id}>
              <Table.Td>{e.id}</Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>
                <Anchor component={Link} to={`/engagements/${e.id}`}>
                  {e.title}
                </Anchor>
              </Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>{e.auditee || '—'}</Table.Td>
              <Table.Td>{e.phase}</Table.Td>
              <Table.Td>
                <EngagementStatusBadge value={e.status} />
              </Table.Td>
              <Table.Td>{members.name(e.lead_auditor_id)}</Table.Td>
              <Table.Td>
                {e.planned_start || e.planned_end ? `${e.planned_start ?? '?'} – ${e.planned_end ?? '?'}` : '—'}
              </Table.Td>
              <Table.Td>
                {e.findings_by_status?.Open ?? 0} open · {e.findings_by_status?.Approved ?? 0} approved ·{' '}
                {e.findings_by_status?.Closed ?? 0} closed
              </Table.Td>
              <Table.Td>
                {e.procedures_signed_off}/{e.procedures_total} signed off
              </Table.Td>
            </Table.Tr>
          )}
        />
      )}
    </Stack>
  );
}
