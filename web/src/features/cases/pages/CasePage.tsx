import { Alert, Button, Group, SimpleGrid, Stack, Text, Title, Card } from '@mantine/core';
import { Link, useParams } from 'react-router-dom';
import { isNotFound } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { useAsOfView } from '../../../lib/records';
import { AsOfPicker, HistoricalState } from '../../../components/AsOfView';
import { DetailField } from '../../../components/DetailsCard';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { HistorySection } from '../../../components/HistoryTimeline';
import { Loading } from '../../../components/Loading';
import { BackLink, NotFoundNotice } from '../../../components/RecordPageParts';
import { Section } from '../../../components/Section';
import { AssigneeControl } from '../components/AssigneeControl';
import { CaseStatusBadge, ConfidentialBadge, PriorityBadge } from '../components/CaseBadges';
import { CaseStatusActions } from '../components/CaseStatusActions';
import { EvidenceTable } from '../components/EvidenceTable';
import { EvidenceUpload } from '../components/EvidenceUpload';
import { useCase } from '../hooks';
import { assigneeLockedReason, evidenceClosedReason, frozenReason, resolutionLabel } from '../rules';
import type { Case } from '../types';

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

function CaseDetails({ c, writable }: { c: Case; writable: boolean }) {
  const assignee = c.assignee_name ?? (c.assignee_id ? `User #${c.assignee_id}` : 'Nobody yet');
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0}>
        <DetailField label="Status">
          <CaseStatusBadge value={c.status} />
        </DetailField>
        <DetailField label="Priority">
          <PriorityBadge value={c.priority} />
        </DetailField>
        <DetailField label="Type">{c.type || '—'}</DetailField>
        <DetailField label="Assignee">
          <Group gap="xs" component="span">
            <span>{assignee}</span>
            {writable && c.assignee_id !== null && !assigneeLockedReason(c) && <AssigneeControl c={c} />}
          </Group>
        </DetailField>
        <DetailField label="Reporter">{c.reporter || '—'}</DetailField>
        <DetailField label="Resolution">{c.resolution ? resolutionLabel(c.resolution) : '—'}</DetailField>
        <DetailField label="Confidential">{c.confidential ? 'Yes' : 'No'}</DetailField>
        <DetailField label="Evidence">{`${c.evidence_count} file${c.evidence_count === 1 ? '' : 's'}`}</DetailField>
        <DetailField label="Opened">{when(c.created_at)}</DetailField>
        <DetailField label="Updated">{when(c.updated_at)}</DetailField>
        <DetailField label="Status since">{when(c.status_changed_at)}</DetailField>
        <DetailField label="Version">{c.version}</DetailField>
      </SimpleGrid>
      <Text size="xs" c="dimmed" mt="md">
        Description
      </Text>
      <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{c.description || '—'}</Text>
    </Card>
  );
}

export function CasePage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const current = useCase(id);
  const view = useAsOfView<Case>('cases', id);
  const { asOf, past } = view;
  const c = current.data;
  // A past state is only looked at: every write acts on the case as it is now.
  const writable = can('cases:write') && !asOf;

  return (
    <Stack>
      <BackLink to="/cases">Back to cases</BackLink>
      {current.isLoading && <Loading />}
      {isNotFound(current.error) ? (
        <NotFoundNotice
          heading={`Case #${id}`}
          title="No such case"
          message="This case does not exist in this organization."
        />
      ) : (
        <ErrorAlert error={current.error} title="Could not load the case" />
      )}
      {c && (
        <>
          <Group justify="space-between" align="flex-start">
            <Stack gap={4}>
              <Title order={1} style={{ overflowWrap: 'anywhere' }}>
                #{c.id} {asOf && past.data ? past.data.title : c.title}
              </Title>
              {c.confidential && !asOf && (
                <Group gap="xs">
                  <ConfidentialBadge />
                  <Text size="sm">Visible only to admins, the assignee and whoever opened the case.</Text>
                </Group>
              )}
            </Stack>
            {writable && (
              <Group>
                {!frozenReason(c) && (
                  <Button component={Link} to={`/cases/${c.id}/edit`} variant="default">
                    Edit
                  </Button>
                )}
                <CaseStatusActions c={c} />
              </Group>
            )}
          </Group>
          {writable && frozenReason(c) && <Text size="sm">{frozenReason(c)}</Text>}

          <AsOfPicker view={view} />

          {asOf ? (
            <>
              <HistoricalState view={view} noun="case" missing="The case had not been opened yet at that time." />
              {past.data && (
                <>
                  <CaseDetails c={past.data} writable={false} />
                  <Section id="evidence-title" title="Evidence">
                    <EvidenceTable caseId={c.id} evidence={past.data.evidence ?? []} canVerify={false} />
                  </Section>
                </>
              )}
            </>
          ) : (
            <>
              <CaseDetails c={c} writable={writable} />

              <Section id="evidence-title" title="Evidence">
                <Stack>
                  {writable &&
                    (evidenceClosedReason(c) ? (
                      <Alert color="gray" title="No new evidence">
                        {evidenceClosedReason(c)}
                      </Alert>
                    ) : (
                      <EvidenceUpload caseId={c.id} />
                    ))}
                  <EvidenceTable caseId={c.id} evidence={c.evidence ?? []} canVerify={writable} />
                </Stack>
              </Section>
            </>
          )}

          <HistorySection path={`/cases/${id}/history`} queryKey={['cases', 'history', id]} />
        </>
      )}
    </Stack>
  );
}
