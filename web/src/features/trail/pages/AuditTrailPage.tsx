import { Anchor, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { DebouncedTextFilter, FilterSelect, FiltersCard } from '../../../components/ListFilters';
import { PagedTable } from '../../../components/PagedTable';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { ChangeList } from '../components/ChangeList';
import { DateTimeFilter } from '../components/TrailFilterInputs';
import {
  EMPTY_TRAIL_FILTERS,
  TRAIL_FILTER_KEYS,
  parseTrailFilters,
  serializeTrailFilters,
  toTrailApiQuery,
  trailCsvHref,
  withTrailFilter,
  type TrailFilterKey,
  type TrailFilters,
} from '../filters';
import { useTrail } from '../hooks';
import { asOfHref, entityLabel, recordHref } from '../rules';
import { ENTITY_TYPES, type TrailRow } from '../types';

const ENTITY_OPTIONS = ENTITY_TYPES.map((t) => ({ value: t, label: entityLabel(t) }));
const COLUMNS = ['Time', 'Actor', 'Event', 'Record', 'Changes', 'Comment', 'Source'];

function RecordCell({ row }: { row: TrailRow }) {
  const name = row.entity_id > 0 ? `${entityLabel(row.entity_type)} #${row.entity_id}` : entityLabel(row.entity_type);
  const href = recordHref(row);
  const past = asOfHref(row);
  return (
    <Stack gap={2} align="flex-start">
      {href ? (
        <Anchor component={Link} to={href} size="sm">
          {name}
        </Anchor>
      ) : (
        <Text size="sm">{name || '—'}</Text>
      )}
      {past && (
        <Anchor component={Link} to={past} size="xs">
          As it was right after this
        </Anchor>
      )}
    </Stack>
  );
}

/** Where the event came from: client address, user agent and request id, those it has. */
function SourceCell({ row }: { row: TrailRow }) {
  const parts = [
    ['Address', row.ip],
    ['User agent', row.user_agent],
    ['Request', row.request_id],
  ].filter(([, v]) => v);
  if (parts.length === 0) return <Text size="sm">—</Text>;
  return (
    <Stack gap={2}>
      {parts.map(([label, v]) => (
        <Text key={label} size="xs" style={{ overflowWrap: 'anywhere' }}>
          {label}: {v}
        </Text>
      ))}
    </Stack>
  );
}

function TrailTableRow({ row }: { row: TrailRow }) {
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" component="time" dateTime={row.at} title={row.at}>
          {new Date(row.at).toLocaleString()}
        </Text>
      </Table.Td>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>
        {row.actor_name || (row.actor_id ? `#${row.actor_id}` : '—')}
      </Table.Td>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>{row.type}</Table.Td>
      <Table.Td>
        <RecordCell row={row} />
      </Table.Td>
      <Table.Td>
        <ChangeList changes={row.changes} />
      </Table.Td>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>{row.comment || '—'}</Table.Td>
      <Table.Td maw={260}>
        <SourceCell row={row} />
      </Table.Td>
    </Table.Tr>
  );
}

export function AuditTrailPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseTrailFilters(params);
  const setFilters = (f: TrailFilters) => setParams(serializeTrailFilters(f));
  const set = (key: TrailFilterKey, value: string | null) => setFilters(withTrailFilter(filters, key, value ?? ''));
  const list = useTrail(toTrailApiQuery(filters));
  // A refused filter (an unknown event type, `from` after `to`) is shown beside its field.
  const errors = mapApiErrors(list.error, TRAIL_FILTER_KEYS).fields;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Audit trail</Title>
        <Button component="a" href={trailCsvHref(filters)} variant="default">
          Download CSV
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        Every event of the organization, newest first: who did it, from where, and what it changed.
      </Text>

      <FiltersCard onClear={() => setFilters(EMPTY_TRAIL_FILTERS)}>
        <DebouncedTextFilter
          label="Search"
          description="Actor, event type, comment or changed values"
          value={filters.q}
          onCommit={(v) => set('q', v)}
          error={errors.q}
        />
        <FilterSelect
          label="Record type"
          data={ENTITY_OPTIONS}
          value={filters.entity_type}
          onChange={(v) => set('entity_type', v)}
        />
        <DebouncedTextFilter
          label="Record id"
          description="With a record type, one record"
          value={filters.entity_id}
          onCommit={(v) => set('entity_id', v)}
          error={errors.entity_id}
        />
        <DebouncedTextFilter
          label="Actor id"
          description="Only what this user did"
          value={filters.actor_id}
          onCommit={(v) => set('actor_id', v)}
          error={errors.actor_id}
        />
        <DebouncedTextFilter
          label="Event type"
          description="A stored event name, such as RiskUpdated"
          value={filters.event_type}
          onCommit={(v) => set('event_type', v)}
          error={errors.event_type}
        />
        <DateTimeFilter
          label="From (your local time)"
          description="At or after"
          value={filters.from}
          onCommit={(v) => set('from', v)}
          error={errors.from}
        />
        <DateTimeFilter
          label="To (your local time)"
          description="At or before"
          value={filters.to}
          onCommit={(v) => set('to', v)}
          error={errors.to}
        />
      </FiltersCard>

      <PagedTable
        list={list}
        errorTitle="Could not load the audit trail"
        noun="matching event"
        filters={filters}
        onPage={setFilters}
        minWidth={1000}
        columns={COLUMNS}
        empty="No events match these filters."
        row={(r: TrailRow) => <TrailTableRow key={r.event_id} row={r} />}
      />
    </Stack>
  );
}
