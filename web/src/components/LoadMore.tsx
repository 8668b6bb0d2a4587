import { Button, Group, Text } from '@mantine/core';
import { ErrorAlert } from './ErrorAlert';

/**
 * The foot of a list read a page at a time: how much of it is shown and, while more
 * remains, a button that reads the next page.
 */
export function LoadMore({
  shown,
  total,
  noun,
  hasMore,
  loading,
  error,
  onLoad,
}: {
  shown: number;
  total: number;
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
          Showing {shown} of {total} {noun}
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
