import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  RingProgress,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, ApiError } from '../lib/api';
import { useAuth } from '../lib/auth';
import { coverageColor } from '../lib/controls';
import { mapApiErrors } from '../lib/fieldErrors';
import type { Coverage, Framework } from '../lib/types';
import { ControlStatusBadge, EffectivenessBadge } from '../components/ControlBadges';
import { ErrorAlert } from '../components/ErrorAlert';
import { HistoryTimeline } from '../components/HistoryTimeline';
import { Loading } from '../components/Loading';

const REQUIREMENT_FIELDS = ['code', 'title', 'description'];

function AddRequirementForm({ framework }: { framework: Framework }) {
  const qc = useQueryClient();
  const [code, setCode] = useState('');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const m = useMutation({
    mutationFn: async () =>
      (
        await api<Framework>(`/frameworks/${framework.id}/requirements`, {
          method: 'POST',
          body: { code: code.trim(), title, description },
        })
      ).data,
    onSuccess: (f) => {
      setCode('');
      setTitle('');
      setDescription('');
      qc.setQueryData(['frameworks', 'one', String(framework.id)], f);
      qc.invalidateQueries({ queryKey: ['frameworks'] });
    },
  });
  const errs = mapApiErrors(m.error, REQUIREMENT_FIELDS);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    m.mutate();
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="add-requirement-title">
      <Stack gap="xs" mt="md">
        <Title order={3} size="h5" id="add-requirement-title">
          Add a requirement
        </Title>
        {errs.form && (
          <Alert color="red" role="alert">
            {errs.form}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Code"
            required
            maxLength={50}
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            error={errs.fields.code}
          />
          <TextInput
            label="Title"
            required
            maxLength={300}
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
            error={errs.fields.title}
          />
        </SimpleGrid>
        <Textarea
          label="Description"
          autosize
          minRows={2}
          maxLength={5000}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errs.fields.description}
        />
        <Group>
          <Button type="submit" size="sm" loading={m.isPending}>
            Add requirement
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function CoverageView({ id }: { id: string }) {
  const q = useQuery({
    queryKey: ['frameworks', 'coverage', id],
    queryFn: async () => (await api<Coverage>(`/frameworks/${id}/coverage`)).data,
  });
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorAlert error={q.error} title="Could not load the coverage" />;
  const c = q.data;
  if (!c) return null;
  const percent = Math.max(0, Math.min(100, c.coverage_percent));
  return (
    <Stack>
      <Group wrap="wrap" gap="lg">
        <RingProgress
          size={140}
          thickness={14}
          roundCaps
          sections={[{ value: percent, color: coverageColor(percent) }]}
          label={
            <Text ta="center" fw={700} fz="lg">
              {c.coverage_percent}%
            </Text>
          }
          aria-hidden
        />
        <Stack gap={4}>
          <Text fz="xl" fw={700} data-testid="coverage-summary">
            {c.coverage_percent}% covered
          </Text>
          <Text>
            {c.requirements_covered} of {c.requirements_total} requirement{c.requirements_total === 1 ? '' : 's'}{' '}
            covered
          </Text>
          <Text size="sm" c="dimmed">
            A requirement is covered when an Active control rated Effective is mapped to it.
          </Text>
        </Stack>
      </Group>
      <Table.ScrollContainer minWidth={640}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Code</Table.Th>
              <Table.Th scope="col">Requirement</Table.Th>
              <Table.Th scope="col">Covered</Table.Th>
              <Table.Th scope="col">Controls</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {c.requirements.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={4}>
                  <Text c="dimmed">This framework has no requirements.</Text>
                </Table.Td>
              </Table.Tr>
            )}
            {c.requirements.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.code}</Table.Td>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>{r.title}</Table.Td>
                <Table.Td>
                  <Badge color={r.covered ? '#1e6b30' : 'red'}>{r.covered ? 'Yes' : 'No'}</Badge>
                </Table.Td>
                <Table.Td>
                  {r.controls.length === 0 ? (
                    <Text size="sm" c="dimmed">
                      None mapped
                    </Text>
                  ) : (
                    <Stack gap={4} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
                      {r.controls.map((ctl) => (
                        <Group key={ctl.id} gap={6} component="li" wrap="wrap">
                          <Anchor component={Link} to={`/controls/${ctl.id}`} size="sm">
                            {ctl.code} {ctl.title}
                          </Anchor>
                          <ControlStatusBadge value={ctl.status} />
                          <EffectivenessBadge value={ctl.effectiveness} />
                        </Group>
                      ))}
                    </Stack>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

export function FrameworkPage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const q = useQuery({
    queryKey: ['frameworks', 'one', id],
    queryFn: async () => (await api<Framework>(`/frameworks/${id}`)).data,
  });
  const f = q.data;
  const reqs = f?.requirements ?? [];

  return (
    <Stack>
      <Anchor component={Link} to="/frameworks" size="sm">
        ← Back to frameworks
      </Anchor>
      {q.isLoading && <Loading />}
      {q.error instanceof ApiError && q.error.status === 404 ? (
        <Stack>
          <Title order={1}>Framework #{id}</Title>
          <Alert color="gray" title="Not found">
            This framework does not exist in this organization.
          </Alert>
        </Stack>
      ) : (
        <ErrorAlert error={q.error} title="Could not load the framework" />
      )}
      {f && (
        <>
          <Title order={1} style={{ overflowWrap: 'anywhere' }}>
            {f.name}
            {f.version ? ` (${f.version})` : ''}
          </Title>
          <Card withBorder>
            <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0}>
              {[
                ['Version', f.version || '—'],
                ['Requirements', String(f.requirement_count)],
                ['Source', f.source === 'import' ? 'Imported from a file' : 'Entered'],
                ['Created', new Date(f.created_at).toLocaleString()],
              ].map(([label, value]) => (
                <div key={label}>
                  <Text size="xs" c="dimmed" component="dt">
                    {label}
                  </Text>
                  <Text component="dd" m={0}>
                    {value}
                  </Text>
                </div>
              ))}
            </SimpleGrid>
            <Text size="xs" c="dimmed" mt="md">
              Description
            </Text>
            <Text style={{ whiteSpace: 'pre-wrap' }}>{f.description || '—'}</Text>
          </Card>

          <Card withBorder component="section" aria-labelledby="coverage-title">
            <Title order={2} size="h4" mb="sm" id="coverage-title">
              Coverage
            </Title>
            <CoverageView id={id} />
          </Card>

          <Card withBorder component="section" aria-labelledby="requirements-title">
            <Title order={2} size="h4" mb="sm" id="requirements-title">
              Requirements
            </Title>
            {reqs.length ? (
              <Table.ScrollContainer minWidth={560}>
                <Table striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Code</Table.Th>
                      <Table.Th scope="col">Title</Table.Th>
                      <Table.Th scope="col">Description</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {reqs.map((r) => (
                      <Table.Tr key={r.id}>
                        <Table.Td>{r.code}</Table.Td>
                        <Table.Td style={{ overflowWrap: 'anywhere' }}>{r.title}</Table.Td>
                        <Table.Td style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                          {r.description || '—'}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            ) : (
              <Text c="dimmed">No requirements yet.</Text>
            )}
            {can('controls:write') && <AddRequirementForm framework={f} />}
          </Card>

          <Card withBorder component="section" aria-labelledby="history-title">
            <Title order={2} size="h4" mb="sm" id="history-title">
              History
            </Title>
            <HistoryTimeline path={`/frameworks/${id}/history`} queryKey={['frameworks', 'history', id]} />
          </Card>
        </>
      )}
    </Stack>
  );
}
