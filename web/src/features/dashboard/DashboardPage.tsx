import { Alert, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Suspense, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { localToRfc3339, rfc3339ToLocal } from '../../lib/history';
import type { DashboardCard, WebModule } from '../../lib/modules';
import { AsOfPicker } from '../../components/AsOfView';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { modeText, useLiveCounts, type Counts, type EventSourceFactory } from './live';

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
 * The dashboard's "as of" state: the instant in the URL (`?as_of=`, RFC 3339), the
 * datetime-local input (local time) and the counts as the organization's log stood then.
 * It has the shape of a record page's view, so the same picker serves.
 */
function useDashboardAsOf() {
  const [params, setParams] = useSearchParams();
  const asOf = params.get('as_of') ?? '';
  const [input, setInput] = useState(asOf ? rfc3339ToLocal(asOf) : '');
  // A separate key from the live counts: writes invalidate ['dashboard'], and what the
  // log held at a past instant does not change with them.
  const past = useQuery({
    queryKey: ['dashboard as of', asOf],
    queryFn: async () => (await api<Counts>('/dashboard', { query: { as_of: asOf } })).data,
    enabled: asOf !== '',
    staleTime: Infinity,
  });
  const setAsOf = (iso: string | null) => {
    const next = new URLSearchParams(params);
    if (iso) next.set('as_of', iso);
    else next.delete('as_of');
    setParams(next);
  };
  const apply = () => setAsOf(localToRfc3339(input));
  const clear = () => {
    setInput('');
    setAsOf(null);
  };
  return { asOf, input, setInput, apply, clear, past };
}

/**
 * The dashboard: every module's counts, then every module's charts, in the modules'
 * order. The counts follow the server's stream live (polling while it is down), and the
 * charts are read again when the counts change. With `?as_of=` it shows the counts as
 * they stood at that instant instead, under a banner saying so, with the live updates
 * paused; the charts, which read only current figures, are left out meanwhile.
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
  const view = useDashboardAsOf();
  const { asOf, past } = view;
  const { counts, mode } = useLiveCounts({
    ...(eventSource === undefined ? {} : { create: eventSource }),
    paused: asOf !== '',
  });
  const shown = asOf ? past : counts;
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
      <AsOfPicker view={view} />
      {asOf && (
        <Alert color="blue" variant="outline" title={`Dashboard as it stood at ${new Date(asOf).toLocaleString()}`}>
          {`The counts are rebuilt from the organization's records up to ${asOf}, and stay as they were then: live updates are paused. The charts are rebuilt the same way. A card or a bar still opens today's list.`}
        </Alert>
      )}
      {asOf && past.isLoading && <Loading />}
      <ErrorAlert error={shown.error} />
      <SimpleGrid cols={{ base: 1, xs: 2, lg: Math.min(4, Math.max(2, cards.length)) }}>
        {cards.map((c) => (
          <CountCard key={c.count} card={c} value={shown.data?.[c.count]} />
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
