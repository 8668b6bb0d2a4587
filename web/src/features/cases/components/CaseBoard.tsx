// The cases as a board: a column per status (new..completed), each read page by page
// with the list's other filters; every card links to its case.
import { Anchor, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { itemsOf, shownTotal, totalOf } from '../../../lib/paging';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { LoadMore } from '../../../components/LoadMore';
import { Loading } from '../../../components/Loading';
import { useCasePages } from '../hooks';
import { statusLabel } from '../rules';
import { CASE_STATUSES, type Case, type CaseStatus } from '../types';
import { ConfidentialBadge, PriorityBadge } from './CaseBadges';

export function CaseCard({ c }: { c: Case }) {
  return (
    <Card withBorder component="li" p="xs">
      <Anchor component={Link} to={`/cases/${c.id}`} fw={600} style={{ overflowWrap: 'anywhere' }}>
        {`#${c.id} ${c.title}`}
      </Anchor>
      <Group gap={6} mt={4}>
        <PriorityBadge value={c.priority} />
        {c.confidential && <ConfidentialBadge />}
      </Group>
      <Text size="xs" c="dimmed" mt={4}>
        {`Assignee: ${c.assignee_name ?? (c.assignee_id ? `User #${c.assignee_id}` : 'nobody yet')}`}
      </Text>
      <Text size="xs" c="dimmed">
        {`${c.type || 'No type'} · ${c.evidence_count} file${c.evidence_count === 1 ? '' : 's'}`}
      </Text>
    </Card>
  );
}

function StatusColumn({ status, query }: { status: CaseStatus; query: Record<string, string> }) {
  const pages = useCasePages({ ...query, status });
  const items = itemsOf(pages.data);
  const { total, capped } = totalOf(pages.data, items.length);
  const headingId = `board-${status}`;
  const label = statusLabel(status);
  return (
    <Card withBorder component="section" aria-labelledby={headingId} bg="gray.0" p="sm">
      <Title order={2} size="h5" id={headingId} mb="xs">
        {label} ({pages.isLoading ? '…' : shownTotal(total, capped)})
      </Title>
      {pages.isLoading ? (
        <Loading />
      ) : pages.error && !pages.data ? (
        <ErrorAlert error={pages.error} title={`Could not load ${label}`} />
      ) : items.length ? (
        <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {items.map((c) => (
            <CaseCard key={c.id} c={c} />
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
        noun="cases"
        hasMore={pages.hasNextPage}
        loading={pages.isFetchingNextPage}
        error={pages.isFetchNextPageError ? pages.error : null}
        onLoad={() => void pages.fetchNextPage()}
      />
    </Card>
  );
}

/**
 * `query` holds the list's filters; a status filter, when set, leaves only that column,
 * and the open filter leaves out the columns it excludes.
 */
export function CaseBoard({
  query,
  status,
  open = '',
}: {
  query: Record<string, string>;
  status: CaseStatus | '';
  open?: 'true' | 'false' | '';
}) {
  const statuses = (status ? [status] : CASE_STATUSES).filter(
    (s) => open === '' || (s === 'completed') === (open === 'false'),
  );
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: Math.max(1, statuses.length) }} spacing="sm">
      {statuses.map((s) => (
        <StatusColumn key={s} status={s} query={query} />
      ))}
    </SimpleGrid>
  );
}
