// The engagements as a board: a column per phase (Planning..Completed), each read page
// by page with the list's other filters; every card links to its engagement.
import { Anchor, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useMembers } from '../../../lib/hooks';
import { itemsOf, shownTotal, totalOf } from '../../../lib/paging';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { LoadMore } from '../../../components/LoadMore';
import { Loading } from '../../../components/Loading';
import { useAuditPages } from '../hooks';
import { PHASES, type Engagement, type Phase } from '../types';
import { EngagementStatusBadge } from './AuditBadges';

function PhaseColumn({ phase, query }: { phase: Phase; query: Record<string, string> }) {
  const members = useMembers();
  const pages = useAuditPages<Engagement>('engagements', { ...query, phase });
  const items = itemsOf(pages.data);
  const { total, capped } = totalOf(pages.data, items.length);
  const headingId = `board-${phase.toLowerCase()}`;
  return (
    <Card withBorder component="section" aria-labelledby={headingId} bg="gray.0" p="sm">
      <Title order={2} size="h5" id={headingId} mb="xs">
        {phase} ({pages.isLoading ? '…' : shownTotal(total, capped)})
      </Title>
      {pages.isLoading ? (
        <Loading />
      ) : pages.error && !pages.data ? (
        <ErrorAlert error={pages.error} title={`Could not load ${phase}`} />
      ) : items.length ? (
        <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {items.map((e) => (
            <Card withBorder component="li" key={e.id} p="xs">
              <Anchor component={Link} to={`/engagements/${e.id}`} fw={600} style={{ overflowWrap: 'anywhere' }}>
                {e.title}
              </Anchor>
              <Group gap={6} mt={4}>
                <EngagementStatusBadge value={e.status} />
                <Text size="xs">Open findings: {e.findings_by_status?.Open ?? 0}</Text>
              </Group>
              <Text size="xs" c="dimmed">
                Lead: {members.name(e.lead_auditor_id)}
              </Text>
            </Card>
          ))}
        </Stack>
      ) : (
        <Text size="sm" c="dimmed">
          None
        </Text>
      )}
      <LoadMore
        shown={items.length}
        total={total}
        capped={capped}
        noun="engagements"
        hasMore={pages.hasNextPage}
        loading={pages.isFetchingNextPage}
        error={pages.isFetchNextPageError ? pages.error : null}
        onLoad={() => void pages.fetchNextPage()}
      />
    </Card>
  );
}

/** `query` holds the list's filters; a phase filter, when set, leaves only that column. */
export function EngagementBoard({ query, phase }: { query: Record<string, string>; phase: Phase | '' }) {
  const phases = phase ? [phase] : PHASES;
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: phases.length === 1 ? 1 : 5 }} spacing="sm">
      {phases.map((p) => (
        <PhaseColumn key={p} phase={p} query={query} />
      ))}
    </SimpleGrid>
  );
}
