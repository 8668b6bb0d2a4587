import { Button, Group, Stack, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../../lib/auth';
import { useMembers } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import { DebouncedTextFilter, FilterSelect, FiltersCard, SortSelect } from '../../../components/ListFilters';
import { PagedTable } from '../../../components/PagedTable';
import { FindingRow, findingColumns } from '../components/FindingsTable';
import {
  clearFindingFilters,
  parseFindingFilters,
  serializeFindingFilters,
  toFindingApiQuery,
  withFindingFilter,
  type FindingFilterKey,
  type FindingFilters,
} from '../filters';
import { useAuditList, useEngagementOptions } from '../hooks';
import { NO_LINKED_RISK } from '../rules';
import { FINDING_STATUSES, RISK_RATINGS, SEVERITIES, type Finding } from '../types';

const SORT_OPTIONS = [
  { value: 'id', label: 'Default order' },
  { value: 'due_date', label: 'Due date, earliest first' },
  { value: '-due_date', label: 'Due date, latest first' },
  { value: '-severity', label: 'Severity, highest first' },
  { value: 'severity', label: 'Severity, lowest first' },
  { value: '-updated_at', label: 'Recently updated first' },
  { value: 'updated_at', label: 'Least recently updated first' },
];
const OVERDUE_OPTIONS = [
  { value: 'true', label: 'Overdue' },
  { value: 'false', label: 'Not overdue' },
];
const OPEN_OPTIONS = [
  { value: 'true', label: 'Not Closed' },
  { value: 'false', label: 'Closed' },
];
const RISK_RATING_OPTIONS = RISK_RATINGS.map((r) => ({ value: r, label: r === 'none' ? NO_LINKED_RISK : r }));

export function FindingsListPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseFindingFilters(params);
  const { can } = useAuth();
  const members = useMembers();
  const engagements = useEngagementOptions(false);

  const setFilters = (f: FindingFilters) => setParams(serializeFindingFilters(f));
  const set = (key: FindingFilterKey, value: string | null) => setFilters(withFindingFilter(filters, key, value ?? ''));
  const list = useAuditList<Finding>('findings', toFindingApiQuery(filters));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Findings</Title>
        {can('audits:write') && (
          <Button
            component={Link}
            to={filters.engagement_id ? `/findings/new?engagement_id=${filters.engagement_id}` : '/findings/new'}
          >
            Raise finding
          </Button>
        )}
      </Group>

      <FiltersCard onClear={() => setFilters(clearFindingFilters(filters))}>
        <DebouncedTextFilter
          label="Search"
          description="Title or description"
          value={filters.q}
          onCommit={(v) => set('q', v)}
        />
        <FilterSelect
          label="Engagement"
          searchable
          data={withCurrentOption(engagements.options, filters.engagement_id, `Engagement #${filters.engagement_id}`)}
          value={filters.engagement_id}
          onChange={(v) => set('engagement_id', v)}
        />
        <FilterSelect
          label="Status"
          data={FINDING_STATUSES}
          value={filters.status}
          onChange={(v) => set('status', v)}
        />
        <FilterSelect
          label="Severity"
          data={SEVERITIES}
          value={filters.severity}
          onChange={(v) => set('severity', v)}
        />
        <FilterSelect
          label="Assigned to"
          searchable
          placeholder="Anyone"
          data={withCurrentOption(members.options, filters.assigned_to, `User #${filters.assigned_to}`)}
          value={filters.assigned_to}
          onChange={(v) => set('assigned_to', v)}
        />
        <FilterSelect
          label="Overdue"
          data={OVERDUE_OPTIONS}
          value={filters.overdue}
          onChange={(v) => set('overdue', v)}
        />
        <FilterSelect label="Open" data={OPEN_OPTIONS} value={filters.open} onChange={(v) => set('open', v)} />
        <FilterSelect
          label="Linked risk rating"
          data={RISK_RATING_OPTIONS}
          value={filters.risk_rating}
          onChange={(v) => set('risk_rating', v)}
        />
        <SortSelect options={SORT_OPTIONS} value={filters.sort} onChange={(v) => set('sort', v)} />
      </FiltersCard>

      <PagedTable
        list={list}
        errorTitle="Could not load findings"
        noun="matching finding"
        filters={filters}
        onPage={setFilters}
        minWidth={900}
        columns={findingColumns(true)}
        empty="No findings match these filters."
        row={(f) => <FindingRow key={f.id} finding={f} name={members.name} withEngagement />}
      />
    </Stack>
  );
}
