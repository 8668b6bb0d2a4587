import { Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Suspense } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import type { DashboardCard, WebModule } from '../../lib/modules';
import type { DashboardCounts } from '../../lib/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';

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

/** The dashboard: every module's counts, then every module's charts, in the modules' order. */
export default function DashboardPage({ modules }: { modules: WebModule[] }) {
  const { can } = useAuth();
  const counts = useQuery({
    queryKey: ['dashboard', 'counts'],
    queryFn: async () => (await api<DashboardCounts>('/dashboard')).data,
  });
  const cards = modules.flatMap((m) => m.dashboard?.cards ?? []).filter((c) => !c.permission || can(c.permission));
  const charts = modules.flatMap((m) => (m.dashboard?.Charts ? [{ name: m.name, Charts: m.dashboard.Charts }] : []));

  return (
    <Stack>
      <Title order={1}>Dashboard</Title>
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
