// The result part of a list page: error, loading, a live count, the table and the pager.
import { Button, Group, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { ApiResult } from '../lib/api';
import { hasPrevious, nextPage, pageNumber, previousPage, type Paging } from '../lib/listState';
import type { ListMeta } from '../lib/types';
import { DataTable } from './DataTable';
import { ErrorAlert } from './ErrorAlert';
import { Loading } from './Loading';

/** "1 framework", "3 matching risks", "10,000+ matching events" when the count is a floor. */
export function countOf(n: number, noun: string, capped = false): string {
  return capped ? `${n.toLocaleString('en')}+ ${noun}s` : `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Previous / Next over a keyset-paged list; the cursors live in the URL state `filters`. */
function ListPager<F extends Paging>({
  filters,
  nextCursor,
  onPage,
}: {
  filters: F;
  nextCursor: string | null | undefined;
  onPage: (f: F) => void;
}) {
  return (
    <Group justify="space-between">
      <Button variant="default" disabled={!hasPrevious(filters)} onClick={() => onPage(previousPage(filters))}>
        Previous
      </Button>
      <Button
        variant="default"
        disabled={!nextCursor}
        onClick={() => nextCursor && onPage(nextPage(filters, nextCursor))}
      >
        Next
      </Button>
    </Group>
  );
}

export function PagedTable<T, F extends Paging>({
  list,
  errorTitle,
  noun,
  filters,
  onPage,
  minWidth,
  columns,
  empty,
  row,
}: {
  list: UseQueryResult<ApiResult<T[], ListMeta>>;
  errorTitle: string;
  /** What the count counts, in the singular ("matching risk"). */
  noun: string;
  filters: F;
  onPage: (f: F) => void;
  minWidth: number;
  columns: string[];
  /** Shown in the table when the page has no rows. */
  empty: string;
  row: (item: T) => ReactNode;
}) {
  const rows = list.data?.data ?? [];
  const meta = list.data?.meta;
  return (
    <>
      <ErrorAlert error={list.error} title={errorTitle} />
      {list.isLoading ? (
        <Loading />
      ) : (
        <>
          <Text size="sm" c="dimmed" aria-live="polite">
            {meta ? `${countOf(meta.total, noun, meta.total_capped)} · page ${pageNumber(filters)}` : ''}
            {list.isFetching ? ' · updating…' : ''}
          </Text>
          <DataTable
            minWidth={minWidth}
            columns={columns}
            striped
            highlightOnHover
            empty={rows.length === 0 && !list.error && empty}
          >
            {rows.map(row)}
          </DataTable>
          <ListPager filters={filters} nextCursor={meta?.next_cursor} onPage={onPage} />
        </>
      )}
    </>
  );
}
