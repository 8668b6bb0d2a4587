import { Button, Group, Text } from '@mantine/core';
import { shownTotal } from '../lib/paging';
import { ErrorAlert } from './ErrorAlert';

/**
 * The foot of a list read a page at a time: how much of it is shown and, while more
 * remains, a button that reads the next page.
 */
export function LoadMore({
  shown,
  total,
  capped = false,
  noun,
  hasMore,
  loading,
  error,
  onLoad,
}: {
  shown: number;
  total: number;
  /** The list stopped counting: total is a floor, and more may follow past it. */
  capped?: boolean;
  /** What the list holds, plural ("tests"). */
  noun: string;
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  onLoad: () => void;
}) {
  if (!hasMore && shown >= total) return null;
  return (
    <>
      <Group justify="space-between" mt="sm">
        <Text size="sm" c="dimmed" aria-live="polite">
          Showing {shown} of {capped ? shownTotal(Math.max(total, shown), true) : total} {noun}
        </Text>
        {hasMore && (
          <Button variant="default" size="xs" onClick={onLoad} loading={loading}>
            Load more {noun}
          </Button>
        )}
      </Group>
      <ErrorAlert error={error} title={`Could not load more ${noun}`} />
    </>
  );
}
