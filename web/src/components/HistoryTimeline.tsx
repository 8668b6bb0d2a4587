import { Code, Group, Stack, Text, Timeline } from '@mantine/core';
import { eventLabel, formatValue } from '../lib/history';
import { itemsOf, usePagedRoute } from '../lib/paging';
import type { HistoryEntry } from '../lib/types';
import { ErrorAlert } from './ErrorAlert';
import { LoadMore } from './LoadMore';
import { Loading } from './Loading';
import { Section } from './Section';

/**
 * The audit trail of one stream (GET …/history), newest first, as a timeline: the first
 * page, then older pages one "Load more" at a time.
 */
export function HistoryTimeline({ path, queryKey }: { path: string; queryKey: readonly unknown[] }) {
  const q = usePagedRoute<HistoryEntry>(path, queryKey);
  if (q.isLoading) return <Loading />;
  if (q.error && !q.data) return <ErrorAlert error={q.error} title="Could not load the history" />;
  const entries = itemsOf(q.data);
  if (!entries.length) return <Text c="dimmed">No history.</Text>;
  const total = q.data?.pages[0]?.meta?.total ?? entries.length;
  return (
    <>
      <Timeline active={entries.length} bulletSize={14} lineWidth={2}>
        {entries.map((e) => (
          <Timeline.Item
            key={e.event_id}
            title={
              <Group gap="xs">
                <Text fw={600}>{eventLabel(e.type)}</Text>
                <Text size="sm" c="dimmed">
                  v{e.version} · {e.actor.name} ·{' '}
                  <time dateTime={e.recorded_at}>{new Date(e.recorded_at).toLocaleString()}</time>
                </Text>
              </Group>
            }
          >
            {e.changes.length > 0 && (
              <Stack gap={2} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
                {e.changes.map((c) => (
                  <Text component="li" size="sm" key={c.field} style={{ overflowWrap: 'anywhere' }}>
                    <Code>{c.field}</Code>: {formatValue(c.before)} → {formatValue(c.after)}
                  </Text>
                ))}
              </Stack>
            )}
          </Timeline.Item>
        ))}
      </Timeline>
      <LoadMore
        shown={entries.length}
        total={total}
        noun="events"
        hasMore={q.hasNextPage}
        loading={q.isFetchingNextPage}
        error={q.isFetchNextPageError ? q.error : null}
        onLoad={() => void q.fetchNextPage()}
      />
    </>
  );
}

/** The "History" section of a detail page. */
export function HistorySection({ path, queryKey }: { path: string; queryKey: readonly unknown[] }) {
  return (
    <Section id="history-title" title="History">
      <HistoryTimeline path={path} queryKey={queryKey} />
    </Section>
  );
}
