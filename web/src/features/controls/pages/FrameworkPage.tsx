import {
  Anchor,
  Badge,
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
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, isNotFound } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { coverageColor } from '../controls';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { recordQuery, useAsOfView } from '../../../lib/records';
import type { Coverage, Framework } from '../types';
import { AddForm } from '../../../components/AddForm';
import { AsOfPicker, HistoricalState } from '../../../components/AsOfView';
import { ControlStatusBadge, EffectivenessBadge } from '../components/ControlBadges';
import { DataTable } from '../../../components/DataTable';
import { DetailField, DetailsCard } from '../../../components/DetailsCard';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { FormAlert } from '../../../components/FormAlert';
import { HistorySection } from '../../../components/HistoryTimeline';
import { Loading } from '../../../components/Loading';
import { BackLink, NotFoundNotice } from '../../../components/RecordPageParts';
import { Section } from '../../../components/Section';

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
  return (
    <AddForm
      id="add-requirement-title"
      title="Add a requirement"
      onSubmit={() => m.mutate()}
      submitLabel="Add requirement"
      pending={m.isPending}
    >
      <FormAlert message={errs.form} />
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
    </AddForm>
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
      <DataTable
        minWidth={640}
        columns={['Code', 'Requirement', 'Covered', 'Controls']}
        striped
        empty={c.requirements.length === 0 && 'This framework has no requirements.'}
      >
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
      </DataTable>
    </Stack>
  );
}

/** A framework's own fields; `updated` adds when it last changed (in a past view, which state is shown). */
function FrameworkDetails({ framework, updated = false }: { framework: Framework; updated?: boolean }) {
  return (
    <DetailsCard description={framework.description}>
      <DetailField label="Version">{framework.version || '—'}</DetailField>
      <DetailField label="Requirements">{framework.requirement_count}</DetailField>
      <DetailField label="Source">{framework.source === 'import' ? 'Imported from a file' : 'Entered'}</DetailField>
      <DetailField label="Created">{new Date(framework.created_at).toLocaleString()}</DetailField>
      {updated && <DetailField label="Updated">{new Date(framework.updated_at).toLocaleString()}</DetailField>}
    </DetailsCard>
  );
}

function RequirementsTable({ framework }: { framework: Framework }) {
  const reqs = framework.requirements ?? [];
  if (!reqs.length) return <Text c="dimmed">No requirements yet.</Text>;
  return (
    <DataTable minWidth={560} columns={['Code', 'Title', 'Description']} striped>
      {reqs.map((r) => (
        <Table.Tr key={r.id}>
          <Table.Td>{r.code}</Table.Td>
          <Table.Td style={{ overflowWrap: 'anywhere' }}>{r.title}</Table.Td>
          <Table.Td style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{r.description || '—'}</Table.Td>
        </Table.Tr>
      ))}
    </DataTable>
  );
}

export function FrameworkPage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const q = useQuery(recordQuery<Framework>('frameworks', id));
  const view = useAsOfView<Framework>('frameworks', id);
  const { asOf, past } = view;
  const f = q.data;

  return (
    <Stack>
      <BackLink to="/frameworks">Back to frameworks</BackLink>
      {q.isLoading && <Loading />}
      {isNotFound(q.error) ? (
        <NotFoundNotice
          heading={`Framework #${id}`}
          title="Not found"
          message="This framework does not exist in this organization."
        />
      ) : (
        <ErrorAlert error={q.error} title="Could not load the framework" />
      )}
      {f && (
        <>
          <Title order={1} style={{ overflowWrap: 'anywhere' }}>
            {f.name}
            {f.version ? ` (${f.version})` : ''}
          </Title>

          <AsOfPicker view={view} />

          {asOf ? (
            <>
              <HistoricalState view={view} noun="framework" missing="The framework did not exist at that time." />
              {past.data && (
                <>
                  <FrameworkDetails framework={past.data} updated />
                  <Section id="asof-coverage-title" title="Coverage">
                    <Text c="dimmed">
                      Coverage is shown for the present only: it depends on the controls mapped to the requirements and
                      on their ratings, which are recorded with the controls, not the framework.
                    </Text>
                  </Section>
                  <Section id="asof-requirements-title" title="Requirements">
                    <RequirementsTable framework={past.data} />
                  </Section>
                </>
              )}
            </>
          ) : (
            <>
              <FrameworkDetails framework={f} />
              <Section id="coverage-title" title="Coverage">
                <CoverageView id={id} />
              </Section>
              <Section id="requirements-title" title="Requirements">
                <RequirementsTable framework={f} />
                {can('controls:write') && <AddRequirementForm framework={f} />}
              </Section>
            </>
          )}

          <HistorySection path={`/frameworks/${id}/history`} queryKey={['frameworks', 'history', id]} />
        </>
      )}
    </Stack>
  );
}
