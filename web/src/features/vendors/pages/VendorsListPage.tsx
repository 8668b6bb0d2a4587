import { Anchor, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../../lib/auth';
import {
  DebouncedTextFilter,
  FilterMultiSelect,
  FilterSelect,
  FiltersCard,
  SortSelect,
} from '../../../components/ListFilters';
import { PagedTable } from '../../../components/PagedTable';
import { CriticalityBadge, OverdueBadge, TierBadge, VendorStatusBadge } from '../components/VendorBadges';
import {
  clearVendorFilters,
  parseVendorFilters,
  serializeVendorFilters,
  toVendorApiQuery,
  withVendorFilter,
  type VendorFilterKey,
  type VendorFilters,
} from '../filters';
import { useVendorList } from '../hooks';
import { criticalityLabel, labelled, overdueText, statusLabel } from '../rules';
import { CRITICALITIES, RISK_TIERS, VENDOR_STATUSES, type Vendor } from '../types';

// 'id' is SortSelect's name for the API's default order, by name.
const SORT_OPTIONS = [
  { value: 'id', label: 'Name, A to Z' },
  { value: '-name', label: 'Name, Z to A' },
  { value: 'next_review', label: 'Next review, soonest first' },
  { value: '-next_review', label: 'Next review, latest first' },
  { value: '-updated_at', label: 'Recently updated first' },
  { value: 'updated_at', label: 'Least recently updated first' },
];
const OVERDUE_OPTIONS = [
  { value: 'true', label: 'Overdue only' },
  { value: 'false', label: 'Not overdue' },
];
const COLUMNS = ['Name', 'Risk tier', 'Criticality', 'Status', 'Next review', 'Service', 'Contact'];

export function VendorsListPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseVendorFilters(params);
  const { can } = useAuth();
  const setFilters = (f: VendorFilters) => setParams(serializeVendorFilters(f));
  const set = (key: VendorFilterKey, value: string | null) => setFilters(withVendorFilter(filters, key, value ?? ''));
  const list = useVendorList(toVendorApiQuery(filters));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Vendors</Title>
        {can('vendors:write') && (
          <Button component={Link} to="/vendors/new">
            New vendor
          </Button>
        )}
      </Group>

      {filters.risk_id && (
        <Text size="sm">
          {`Vendors linking risk #${filters.risk_id}. `}
          <Anchor component={Link} to={`/risks/${filters.risk_id}`}>
            Open the risk
          </Anchor>
        </Text>
      )}

      <FiltersCard onClear={() => setFilters(clearVendorFilters(filters))}>
        <DebouncedTextFilter
          label="Search"
          description="Name, service or contact"
          value={filters.q}
          onCommit={(v) => set('q', v)}
        />
        <FilterMultiSelect
          label="Risk tier"
          data={[...RISK_TIERS]}
          value={filters.risk_tier}
          onChange={(v) => set('risk_tier', v)}
        />
        <FilterMultiSelect
          label="Criticality"
          data={labelled(CRITICALITIES, criticalityLabel)}
          value={filters.criticality}
          onChange={(v) => set('criticality', v)}
        />
        <FilterMultiSelect
          label="Status"
          data={labelled(VENDOR_STATUSES, statusLabel)}
          value={filters.status}
          onChange={(v) => set('status', v)}
        />
        <FilterSelect
          label="Review overdue"
          data={OVERDUE_OPTIONS}
          value={filters.overdue_review}
          onChange={(v) => set('overdue_review', v)}
        />
        <SortSelect options={SORT_OPTIONS} value={filters.sort} onChange={(v) => set('sort', v)} />
      </FiltersCard>

      <PagedTable
        list={list}
        errorTitle="Could not load vendors"
        noun="matching vendor"
        filters={filters}
        onPage={setFilters}
        minWidth={1000}
        columns={COLUMNS}
        empty="No vendors match these filters."
        row={(v: Vendor) => (
          <Table.Tr key={v.id} data-overdue={v.overdue_review ? 'true' : undefined}>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>
              <Anchor component={Link} to={`/vendors/${v.id}`}>
                {v.name}
              </Anchor>
            </Table.Td>
            <Table.Td>
              <TierBadge value={v.risk_tier} />
            </Table.Td>
            <Table.Td>
              <CriticalityBadge value={v.criticality} />
            </Table.Td>
            <Table.Td>
              <VendorStatusBadge value={v.status} />
            </Table.Td>
            <Table.Td>
              <Stack gap={4} align="flex-start">
                <Text size="sm">{v.next_review ?? '—'}</Text>
                {v.overdue_review && <OverdueBadge title={overdueText(v) ?? undefined} />}
              </Stack>
            </Table.Td>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>{v.service || '—'}</Table.Td>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>{v.contact_name || '—'}</Table.Td>
          </Table.Tr>
        )}
      />
    </Stack>
  );
}
