import { Alert, Badge, Button, Card, Group, Modal, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, errorMessage, ifMatch, isConflict, isNotFound } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { RATING_COLORS } from '../heatmap';
import { useMembers } from '../../../lib/hooks';
import { recordQuery, useAsOfView } from '../../../lib/records';
import type { Risk } from '../types';
import { AsOfPicker, HistoricalState } from '../../../components/AsOfView';
import { DataTable } from '../../../components/DataTable';
import { DetailField, DetailsCard } from '../../../components/DetailsCard';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { AddResponseForm, ControlMappings, ResponseStatusSelect } from '../components/RiskActions';
import { HistorySection } from '../../../components/HistoryTimeline';
import { Loading } from '../../../components/Loading';
import { BackLink, NotFoundNotice } from '../../../components/RecordPageParts';
import { Section } from '../../../components/Section';

function RiskDetails({
  risk,
  ownerName,
  editable = false,
}: {
  risk: Risk;
  ownerName: (id: number | null) => string;
  editable?: boolean;
}) {
  return (
    <Stack>
      <DetailsCard description={risk.description}>
        <DetailField label="Category">{risk.category}</DetailField>
        <DetailField label="Status">{risk.status}</DetailField>
        <DetailField label="Owner">{ownerName(risk.owner_id)}</DetailField>
        <DetailField label="Review date">{risk.review_date ?? '—'}</DetailField>
        <DetailField label="Inherent (likelihood × impact)">
          {risk.likelihood} × {risk.impact} = <b>{risk.inherent_score}</b>
        </DetailField>
        <DetailField label="Rating">
          <Badge color={RATING_COLORS[risk.rating]}>{risk.rating}</Badge>
        </DetailField>
        <DetailField label="Residual (likelihood × impact)">
          {risk.residual_score === null ? (
            '—'
          ) : (
            <>
              {risk.residual_likelihood} × {risk.residual_impact} = <b>{risk.residual_score}</b>
            </>
          )}
        </DetailField>
        <DetailField label="Version">{risk.version}</DetailField>
        <DetailField label="Created">{new Date(risk.created_at).toLocaleString()}</DetailField>
        <DetailField label="Updated">{new Date(risk.updated_at).toLocaleString()}</DetailField>
      </DetailsCard>

      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Responses
        </Title>
        {risk.responses?.length ? (
          <DataTable minWidth={560} columns={['Type', 'Description', 'Owner', 'Due', 'Status']}>
            {risk.responses.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.type}</Table.Td>
                <Table.Td>{r.description}</Table.Td>
                <Table.Td>{ownerName(r.owner_id)}</Table.Td>
                <Table.Td>{r.due_date ?? '—'}</Table.Td>
                <Table.Td>
                  {editable ? <ResponseStatusSelect risk={risk} response={r} /> : r.status.replace('_', ' ')}
                </Table.Td>
              </Table.Tr>
            ))}
          </DataTable>
        ) : (
          <Text c="dimmed">No responses recorded.</Text>
        )}
        {editable && <AddResponseForm risk={risk} />}
      </Card>

      <Section id="controls-title" title="Controls">
        <ControlMappings risk={risk} editable={editable} />
      </Section>
    </Stack>
  );
}

export function RiskPage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const members = useMembers();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [confirmOpen, confirm] = useDisclosure(false);
  const [reason, setReason] = useState('');

  const current = useQuery(recordQuery<Risk>('risks', id));
  const view = useAsOfView<Risk>('risks', id);
  const { asOf, past } = view;

  const del = useMutation({
    mutationFn: () =>
      api(`/risks/${id}`, {
        method: 'DELETE',
        body: reason.trim() ? { reason: reason.trim() } : undefined,
        headers: current.data ? { 'If-Match': ifMatch(current.data.version) } : undefined,
      }),
    onSuccess: () => {
      confirm.close();
      qc.invalidateQueries({ queryKey: ['risks'] });
      qc.invalidateQueries({ queryKey: ['dashboard'] });
      navigate('/risks');
    },
  });
  const delConflict = isConflict(del.error);

  const risk = current.data;
  const gone = isNotFound(current.error);
  const pastView = (
    <>
      <HistoricalState
        view={view}
        noun="risk"
        missing="The risk did not exist at that time (or had already been deleted)."
      />
      {past.data && gone && (
        <Title order={2} style={{ overflowWrap: 'anywhere' }}>
          {past.data.title}
        </Title>
      )}
      {past.data && <RiskDetails risk={past.data} ownerName={members.name} />}
    </>
  );
  return (
    <Stack>
      <BackLink to="/risks">Back to risks</BackLink>
      {current.isLoading && <Loading />}
      {gone ? (
        <NotFoundNotice
          heading={`Risk #${id}`}
          title="Not in the register"
          message="This risk does not exist in this organization, or has been deleted. A deleted risk can still be viewed as it stood before its deletion, and its history stays readable."
        >
          <AsOfPicker view={view} />
          {asOf && pastView}
          <HistorySection path={`/risks/${id}/history`} queryKey={['risks', 'history', id]} />
        </NotFoundNotice>
      ) : (
        <ErrorAlert error={current.error} title="Could not load the risk" />
      )}
      {risk && (
        <>
          <Group justify="space-between" align="flex-start">
            <Title order={1} style={{ overflowWrap: 'anywhere' }}>
              #{risk.id} {asOf && past.data ? past.data.title : risk.title}
            </Title>
            {can('risks:write') && !asOf && (
              <Group>
                <Button component={Link} to={`/risks/${risk.id}/edit`}>
                  Edit
                </Button>
                <Button color="red" variant="outline" onClick={confirm.open}>
                  Delete
                </Button>
              </Group>
            )}
          </Group>

          <AsOfPicker view={view} />

          {asOf ? pastView : <RiskDetails risk={risk} ownerName={members.name} editable={can('risks:write')} />}

          <HistorySection path={`/risks/${id}/history`} queryKey={['risks', 'history', id]} />

          <Modal
            opened={confirmOpen}
            onClose={confirm.close}
            title={`Delete risk #${risk.id}?`}
            centered
            closeButtonProps={{ 'aria-label': 'Close' }}
          >
            <Stack>
              <Text size="sm">“{risk.title}” will leave the risk register. Its history stays readable.</Text>
              <Textarea label="Reason (optional)" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
              {del.error &&
                (delConflict ? (
                  <Alert color="orange" role="alert" title="Someone else changed this risk">
                    <Text size="sm" mb="xs">
                      Review the current version before deleting it.
                    </Text>
                    <Button
                      size="xs"
                      onClick={async () => {
                        del.reset();
                        confirm.close();
                        await current.refetch();
                        qc.invalidateQueries({ queryKey: ['risks', 'history', id] });
                      }}
                    >
                      Reload the risk
                    </Button>
                  </Alert>
                ) : (
                  <Alert color="red" role="alert">
                    {errorMessage(del.error)}
                  </Alert>
                ))}
              <Group justify="flex-end">
                <Button variant="default" onClick={confirm.close}>
                  Cancel
                </Button>
                <Button color="red" onClick={() => del.mutate()} loading={del.isPending} disabled={delConflict}>
                  Delete
                </Button>
              </Group>
            </Stack>
          </Modal>
        </>
      )}
    </Stack>
  );
}
