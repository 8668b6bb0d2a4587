// The engagement's findings (GET /api/findings?engagement_id=N, page by page) and the
// way to raise a new one.
import { Button, Group, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useMembers } from '../../../lib/hooks';
import { itemsOf, totalOf } from '../../../lib/paging';
import { DataTable } from '../../../components/DataTable';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { LoadMore } from '../../../components/LoadMore';
import { Loading } from '../../../components/Loading';
import { Section } from '../../../components/Section';
import { useAuditPages } from '../hooks';
import { workClosedReason } from '../rules';
import type { Engagement, Finding } from '../types';
import { FindingRow, findingColumns } from './FindingsTable';

export function EngagementFindings({ engagement, editable }: { engagement: Engagement; editable: boolean }) {
  const members = useMembers();
  const pages = useAuditPages<Finding>('findings', { engagement_id: String(engagement.id) });
  const findings = itemsOf(pages.data);
  const { total, capped } = totalOf(pages.data, findings.length);
  const counts = engagement.findings_by_status ?? {};
  const closed = workClosedReason(engagement);
  return (
    <Section id="findings-title" title="Findings">
      <Group justify="space-between" mb="xs">
        <Text size="sm" c="dimmed">
          Open {counts.Open ?? 0} · Approved {counts.Approved ?? 0} · Closed {counts.Closed ?? 0}
        </Text>
        {editable && !closed && (
          <Button size="sm" component={Link} to={`/findings/new?engagement_id=${engagement.id}`}>
            Raise finding
          </Button>
        )}
      </Group>
      {editable && closed && (
        <Text size="sm" mb="xs">
          {closed} Its findings stay workable; it takes no new ones.
        </Text>
      )}
      {pages.isLoading ? (
        <Loading />
      ) : pages.error && !pages.data ? (
        <ErrorAlert error={pages.error} title="Could not load the findings" />
      ) : findings.length ? (
        <>
          <DataTable minWidth={720} columns={findingColumns()}>
            {findings.map((f) => (
              <FindingRow key={f.id} finding={f} name={members.name} />
            ))}
          </DataTable>
          <LoadMore
            shown={findings.length}
            total={total}
            capped={capped}
            noun="findings"
            hasMore={pages.hasNextPage}
            loading={pages.isFetchingNextPage}
            error={pages.isFetchNextPageError ? pages.error : null}
            onLoad={() => void pages.fetchNextPage()}
          />
        </>
      ) : (
        <Text c="dimmed">No findings raised.</Text>
      )}
    </Section>
  );
}
