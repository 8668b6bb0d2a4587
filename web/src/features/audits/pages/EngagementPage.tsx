import { Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
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
import { EngagementStatusBadge } from '../components/AuditBadges';
import { EngagementFindings } from '../components/EngagementFindings';
import { EngagementStatusModal } from '../components/EngagementStatusModal';
import { PhaseStepper } from '../components/PhaseStepper';
import { Procedures } from '../components/Procedures';
import { useEngagement } from '../hooks';
import type { Engagement } from '../types';

const when = (iso: string) => new Date(iso).toLocaleString();

function EngagementDetails({ e, name }: { e: Engagement; name: (id: number | null) => string }) {
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0}>
        <DetailField label="Phase">{e.phase}</DetailField>
        <DetailField label="Status">
          <EngagementStatusBadge value={e.status} />
        </DetailField>
        <DetailField label="Auditee">{e.auditee || '—'}</DetailField>
        <DetailField label="Lead auditor">{name(e.lead_auditor_id)}</DetailField>
        <DetailField label="Planned start">{e.planned_start ?? '—'}</DetailField>
        <DetailField label="Planned end">{e.planned_end ?? '—'}</DetailField>
        <DetailField label="Version">{e.version}</DetailField>
        <DetailField label="Updated">{when(e.updated_at)}</DetailField>
      </SimpleGrid>
      <Text size="xs" c="dimmed" mt="md">
        Scope
      </Text>
      <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{e.scope || '—'}</Text>
    </Card>
  );
}

export function EngagementPage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const members = useMembers();
  const [statusOpen, statusModal] = useDisclosure(false);
  const current = useEngagement(id);
  const view = useAsOfView<Engagement>('engagements', id);
  const { asOf, past } = view;
  const e = current.data;
  // A past state is only looked at: every write acts on the engagement as it is now.
  const editable = can('audits:write') && !asOf;

  return (
    <Stack>
      <BackLink to="/engagements">Back to engagements</BackLink>
      {current.isLoading && <Loading />}
      {isNotFound(current.error) ? (
        <NotFoundNotice
          heading={`Engagement #${id}`}
          title="No such engagement"
          message="This engagement does not exist in this organization."
        />
      ) : (
        <ErrorAlert error={current.error} title="Could not load the engagement" />
      )}
      {e && (
        <>
          <Group justify="space-between" align="flex-start">
            <Title order={1} style={{ overflowWrap: 'anywhere' }}>
              #{e.id} {asOf && past.data ? past.data.title : e.title}
            </Title>
            {editable && (
              <Group>
                <Button component={Link} to={`/engagements/${e.id}/edit`}>
                  Edit
                </Button>
                <Button variant="outline" onClick={statusModal.open}>
                  Change status
                </Button>
              </Group>
            )}
          </Group>

          <AsOfPicker view={view} />

          {asOf ? (
            <>
              <HistoricalState
                view={view}
                noun="engagement"
                missing="The engagement had not been planned yet at that time."
              />
              {past.data && (
                <>
                  <EngagementDetails e={past.data} name={members.name} />
                  <PhaseStepper engagement={past.data} editable={false} />
                  <Procedures engagement={past.data} editable={false} />
                  <Card withBorder component="section" aria-label="Findings then">
                    <Title order={2} size="h4" mb="xs">
                      Findings
                    </Title>
                    <Text size="sm">
                      Open {past.data.findings_by_status?.Open ?? 0} · Approved{' '}
                      {past.data.findings_by_status?.Approved ?? 0} · Closed {past.data.findings_by_status?.Closed ?? 0}
                    </Text>
                    <Text size="xs" c="dimmed">
                      Counted by the status each finding had then; open a finding to view it as of the same time.
                    </Text>
                  </Card>
                </>
              )}
            </>
          ) : (
            <>
              <EngagementDetails e={e} name={members.name} />
              <PhaseStepper engagement={e} editable={editable} />
              <Procedures engagement={e} editable={editable} />
              <EngagementFindings engagement={e} editable={editable} />
            </>
          )}
          <HistorySection path={`/engagements/${id}/history`} queryKey={['engagements', 'history', id]} />

          {editable && <EngagementStatusModal engagement={e} opened={statusOpen} onClose={statusModal.close} />}
        </>
      )}
    </Stack>
  );
}
