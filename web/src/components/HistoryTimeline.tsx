import { Code, Group, Stack, Text, Timeline } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../lib/api';
import { eventLabel, formatValue } from '../lib/history';
import type { HistoryEntry } from '../lib/types';
import { ErrorAlert } from './ErrorAlert';
import { Loading } from './Loading';
import { Section } from './Section';

/** The audit trail of one stream (GET …/history), newest last, as a timeline. */
export function HistoryTimeline({ path, queryKey }: { path: string; queryKey: readonly unknown[] }) {
  const q = useQuery({
    queryKey,
    queryFn: async () => (await api<HistoryEntry[]>(path)).data,
  });
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorAlert error={q.error} title="Could not load the history" />;
  const entries = q.data ?? [];
  if (!entries.length) return <Text c="dimmed">No history.</Text>;
  return (
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
