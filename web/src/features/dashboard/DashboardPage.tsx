import { Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Suspense } from 'react';
import { Link } from 'react-router-dom';
import { useAuth } from '../../lib/auth';
import type { DashboardCard, WebModule } from '../../lib/modules';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { modeText, useLiveCounts, type EventSourceFactory } from './live';

function CountCard({ card, value }: { card: DashboardCard; value: number | undefined }) {
  const body = (
    <>
      <Text c="dimmed" size="sm">
        {card.label}
      </Text>
      <Text fz={32} fw={700}>
        {value ?? '–'}
      </Text>
    </>
  );
  return card.to ? (
    <Card withBorder component={Link} to={card.to}>
      {body}
    </Card>
  ) : (
    <Card withBorder>{body}</Card>
  );
}

/**
 * The dashboard: every module's counts, then every module's charts, in the modules'
 * order. The counts follow the server's stream live (polling while it is down), and the
 * charts are read again when the counts change.
 */
export default function DashboardPage({
  modules,
  eventSource,
}: {
  modules: WebModule[];
  /** Where the live stream comes from; the browser's EventSource unless a test gives its own. */
  eventSource?: EventSourceFactory | null;
}) {
  const { can } = useAuth();
  const { counts, mode } = useLiveCounts(eventSource === undefined ? {} : { create: eventSource });
  const cards = modules.flatMap((m) => m.dashboard?.cards ?? []).filter((c) => !c.permission || can(c.permission));
  const charts = modules.flatMap((m) => (m.dashboard?.Charts ? [{ name: m.name, Charts: m.dashboard.Charts }] : []));

  return (
    <Stack>
      <Group justify="space-between" align="baseline" wrap="wrap">
        <Title order={1}>Dashboard</Title>
        <Text size="sm" c="dimmed" data-live={mode}>
          {modeText(mode)}
        </Text>
      </Group>
      <ErrorAlert error={counts.error} />
      <SimpleGrid cols={{ base: 1, xs: 2, lg: Math.min(4, Math.max(2, cards.length)) }}>
        {cards.map((c) => (
          <CountCard key={c.count} card={c} value={counts.data?.[c.count]} />
        ))}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {charts.map(({ name, Charts }) => (
          <Suspense key={name} fallback={<Loading />}>
            <Charts />
          </Suspense>
        ))}
      </SimpleGrid>
    </Stack>
  );
}
