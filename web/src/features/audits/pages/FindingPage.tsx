import { Anchor, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router-dom';
import { isNotFound } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { useMembers } from '../../../lib/hooks';
import { useAsOfView } from '../../../lib/records';
import { AsOfPicker, HistoricalState } from '../../../components/AsOfView';
import { DetailField } from '../../../components/DetailsCard';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { HistorySection } from '../../../components/HistoryTimeline';
import { Loading } from '../../../components/Loading';
import { BackLink, NotFoundNotice } from '../../../components/RecordPageParts';
import { FindingStatusBadge, OverdueBadge, SeverityBadge } from '../components/AuditBadges';
import { FindingStatusActions } from '../components/FindingStatusActions';
import { ManagementResponses } from '../components/ManagementResponses';
import { useFinding } from '../hooks';
import { frozenReason, mayRespond } from '../rules';
import type { Finding } from '../types';

const when = (iso: string) => new Date(iso).toLocaleString();

function FindingDetails({ finding: f, name }: { finding: Finding; name: (id: number | null) => string }) {
  const { can } = useAuth();
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0}>
        <DetailField label="Engagement">
          <Anchor component={Link} to={`/engagements/${f.engagement_id}`}>
            {f.engagement_title || `Engagement #${f.engagement_id}`}
          </Anchor>
        </DetailField>
        <DetailField label="Status">
          <FindingStatusBadge value={f.status} />
        </DetailField>
        <DetailField label="Severity">
          <SeverityBadge value={f.severity} />
        </DetailField>
        <DetailField label="Assigned to">{name(f.assigned_to)}</DetailField>
        <DetailField label="Due date">
          <Group gap={6}>
            <span>{f.due_date ?? '—'}</span>
            {f.overdue && <OverdueBadge />}
          </Group>
        </DetailField>
        <DetailField label="Linked risk">
          {f.risk_id ? (
            <Anchor component={Link} to={`/risks/${f.risk_id}`}>
              {f.risk ? `#${f.risk.id} ${f.risk.title} (${f.risk.rating})` : `Risk #${f.risk_id}`}
            </Anchor>
          ) : (
            '—'
          )}
        </DetailField>
        <DetailField label="Linked control">
          {f.control_id ? (
            can('controls:read') ? (
              <Anchor component={Link} to={`/controls/${f.control_id}`}>
                {f.control ? `${f.control.code} ${f.control.title}` : `Control #${f.control_id}`}
              </Anchor>
            ) : f.control ? (
              `${f.control.code} ${f.control.title}`
            ) : (
              `Control #${f.control_id}`
            )
          ) : (
            '—'
          )}
        </DetailField>
        <DetailField label="Raised from">{f.source_test_id ? `Control test #${f.source_test_id}` : '—'}</DetailField>
        <DetailField label="Version">{f.version}</DetailField>
        <DetailField label="Created">{when(f.created_at)}</DetailField>
        <DetailField label="Updated">{when(f.updated_at)}</DetailField>
      </SimpleGrid>
      <Text size="xs" c="dimmed" mt="md">
        Description
      </Text>
      <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{f.description || '—'}</Text>
    </Card>
  );
}

export function FindingPage() {
  const { id = '' } = useParams();
  const { can, status } = useAuth();
  const members = useMembers();
  const current = useFinding(id);
  const view = useAsOfView<Finding>('findings', id);
  const { asOf, past } = view;
  const f = current.data;
  // A past state is only looked at: every write acts on the finding as it is now.
  const editable = can('audits:write') && !asOf;

  return (
    <Stack>
      <BackLink to="/findings">Back to findings</BackLink>
      {current.isLoading && <Loading />}
      {isNotFound(current.error) ? (
        <NotFoundNotice
          heading={`Finding #${id}`}
          title="No such finding"
          message="This finding does not exist in this organization."
        />
      ) : (
        <ErrorAlert error={current.error} title="Could not load the finding" />
      )}
      {f && (
        <>
          <Group justify="space-between" align="flex-start">
            <Title order={1} style={{ overflowWrap: 'anywhere' }}>
              #{f.id} {asOf && past.data ? past.data.title : f.title}
            </Title>
            {editable && (
              <Group>
                <Button component={Link} to={`/findings/${f.id}/edit`}>
                  Edit
                </Button>
                <FindingStatusActions finding={f} />
              </Group>
            )}
          </Group>
          {editable && frozenReason(f.status) && (
            <Text size="sm">
              {`Title, description, severity and links are frozen while the finding is ${f.status}; reopen it to edit them.`}
            </Text>
          )}

          <AsOfPicker view={view} />

          {asOf ? (
            <>
              <HistoricalState view={view} noun="finding" missing="The finding had not been raised yet at that time." />
              {past.data && (
                <>
                  <FindingDetails finding={past.data} name={members.name} />
                  <ManagementResponses finding={past.data} canRespond={false} />
                </>
              )}
            </>
          ) : (
            <>
              <FindingDetails finding={f} name={members.name} />
              <ManagementResponses finding={f} canRespond={mayRespond(f, status?.user?.id, can)} />
            </>
          )}
          <HistorySection path={`/findings/${id}/history`} queryKey={['findings', 'history', id]} />
        </>
      )}
    </Stack>
  );
}
