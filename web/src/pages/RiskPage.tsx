import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api, ApiError, errorMessage } from '../lib/api';
import { useAuth } from '../lib/auth';
import { RATING_COLORS } from '../lib/heatmap';
import { localToRfc3339, rfc3339ToLocal } from '../lib/history';
import { useMembers } from '../lib/hooks';
import { ifMatch } from '../lib/riskForm';
import type { Risk } from '../lib/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { AddResponseForm, ControlMappings, ResponseStatusSelect } from '../components/RiskActions';
import { HistoryTimeline } from '../components/HistoryTimeline';
import { Loading } from '../components/Loading';

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" component="dt">
        {label}
      </Text>
      <Text component="dd" m={0}>
        {children}
      </Text>
    </div>
  );
}

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
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0}>
          <Field label="Category">{risk.category}</Field>
          <Field label="Status">{risk.status}</Field>
          <Field label="Owner">{ownerName(risk.owner_id)}</Field>
          <Field label="Review date">{risk.review_date ?? '—'}</Field>
          <Field label="Inherent (likelihood × impact)">
            {risk.likelihood} × {risk.impact} = <b>{risk.inherent_score}</b>
          </Field>
          <Field label="Rating">
            <Badge color={RATING_COLORS[risk.rating]}>{risk.rating}</Badge>
          </Field>
          <Field label="Residual (likelihood × impact)">
            {risk.residual_score === null ? (
              '—'
            ) : (
              <>
                {risk.residual_likelihood} × {risk.residual_impact} = <b>{risk.residual_score}</b>
              </>
            )}
          </Field>
          <Field label="Version">{risk.version}</Field>
          <Field label="Created">{new Date(risk.created_at).toLocaleString()}</Field>
          <Field label="Updated">{new Date(risk.updated_at).toLocaleString()}</Field>
        </SimpleGrid>
        <Text size="xs" c="dimmed" mt="md">
          Description
        </Text>
        <Text style={{ whiteSpace: 'pre-wrap' }}>{risk.description || '—'}</Text>
      </Card>

      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Responses
        </Title>
        {risk.responses?.length ? (
          <Table.ScrollContainer minWidth={560}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Type</Table.Th>
                  <Table.Th scope="col">Description</Table.Th>
                  <Table.Th scope="col">Owner</Table.Th>
                  <Table.Th scope="col">Due</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
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
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : (
          <Text c="dimmed">No responses recorded.</Text>
        )}
        {editable && <AddResponseForm risk={risk} />}
      </Card>

      <Card withBorder component="section" aria-labelledby="controls-title">
        <Title order={2} size="h4" mb="sm" id="controls-title">
          Controls
        </Title>
        <ControlMappings risk={risk} editable={editable} />
      </Card>
    </Stack>
  );
}

export function RiskPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const asOf = params.get('as_of') ?? '';
  const [asOfInput, setAsOfInput] = useState(asOf ? rfc3339ToLocal(asOf) : '');
  const { can } = useAuth();
  const members = useMembers();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [confirmOpen, confirm] = useDisclosure(false);
  const [reason, setReason] = useState('');

  const current = useQuery({
    queryKey: ['risks', 'one', id],
    queryFn: async () => (await api<Risk>(`/risks/${id}`)).data,
  });
  const past = useQuery({
    queryKey: ['risks', 'asof', id, asOf],
    queryFn: async () => (await api<Risk>(`/risks/${id}`, { query: { as_of: asOf } })).data,
    enabled: asOf !== '',
  });

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
  const delConflict = del.error instanceof ApiError && del.error.code === 'CONFLICT';

  const applyAsOf = () => {
    const iso = localToRfc3339(asOfInput);
    const next = new URLSearchParams(params);
    if (iso) next.set('as_of', iso);
    else next.delete('as_of');
    setParams(next);
  };
  const clearAsOf = () => {
    setAsOfInput('');
    const next = new URLSearchParams(params);
    next.delete('as_of');
    setParams(next);
  };

  const risk = current.data;
  const gone = current.error instanceof ApiError && current.error.status === 404;
  const asOfCard = (
    <Card withBorder component="section" aria-label="View as of">
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label="View as of (your local time)"
          type="datetime-local"
          step={1}
          value={asOfInput}
          onChange={(e) => setAsOfInput(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && applyAsOf()}
        />
        <Button onClick={applyAsOf} disabled={!asOfInput}>
          Show
        </Button>
        {asOf && (
          <Button variant="default" onClick={clearAsOf}>
            Back to current
          </Button>
        )}
      </Group>
    </Card>
  );
  const pastView = (
    <>
      <Alert color="blue" title="Historical view">
        The risk as it stood at {new Date(asOf).toLocaleString()} ({asOf}), rebuilt from its events.
      </Alert>
      {past.isLoading && <Loading />}
      {past.error instanceof ApiError && past.error.status === 404 ? (
        <Alert color="gray">The risk did not exist at that time (or had already been deleted).</Alert>
      ) : (
        <ErrorAlert error={past.error} />
      )}
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
      <Anchor component={Link} to="/risks" size="sm">
        ← Back to risks
      </Anchor>
      {current.isLoading && <Loading />}
      {gone ? (
        <Stack>
          <Title order={1}>Risk #{id}</Title>
          <Alert color="gray" title="Not in the register">
            This risk does not exist in this organization, or has been deleted. A deleted risk can still be viewed as it
            stood before its deletion, and its history stays readable.
          </Alert>
          {asOfCard}
          {asOf && pastView}
          <Card withBorder component="section" aria-labelledby="history-title">
            <Title order={2} size="h4" mb="sm" id="history-title">
              History
            </Title>
            <HistoryTimeline path={`/risks/${id}/history`} queryKey={['risks', 'history', id]} />
          </Card>
        </Stack>
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

          {asOfCard}

          {asOf ? pastView : <RiskDetails risk={risk} ownerName={members.name} editable={can('risks:write')} />}

          <Card withBorder component="section" aria-labelledby="history-title">
            <Title order={2} size="h4" mb="sm" id="history-title">
              History
            </Title>
            <HistoryTimeline path={`/risks/${id}/history`} queryKey={['risks', 'history', id]} />
          </Card>

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
