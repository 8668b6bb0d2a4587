// Write actions on a risk's responses and control mappings (offered only with risks:write).
import {
  Alert,
  Anchor,
  Button,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useState } from 'react';
import { api, errorMessage, ifMatch, isConflict } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { controlLabel } from '../../controls';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { submitHandler } from '../../../lib/forms';
import { useInvalidate, useMembers } from '../../../lib/hooks';
import type { Control, ControlSummary } from '../../controls';
import type { ListMeta } from '../../../lib/types';
import type { Risk, RiskResponse } from '../types';
import { AddForm } from '../../../components/AddForm';
import { ControlBadgeCells } from '../../controls';
import { DataTable } from '../../../components/DataTable';
import { FormAlert } from '../../../components/FormAlert';
import { UnmapButton } from '../../../components/UnmapButton';

const RESPONSE_TYPES = ['mitigate', 'accept', 'transfer', 'avoid'];
const RESPONSE_STATUSES = [
  { value: 'planned', label: 'planned' },
  { value: 'in_progress', label: 'in progress' },
  { value: 'done', label: 'done' },
];

/** After a write: refetch the risk, its history, lists, controls (they list their risks) and the dashboard. */
const useRiskWrite = () => useInvalidate(['risks', 'controls', 'dashboard']);

function ConflictOrError({ error, onReload }: { error: unknown; onReload: () => void }) {
  if (!error) return null;
  if (isConflict(error)) {
    return (
      <Alert color="orange" role="alert" title="Someone else changed this risk">
        <Button size="xs" onClick={onReload}>
          Reload the risk
        </Button>
      </Alert>
    );
  }
  return (
    <Alert color="red" role="alert">
      {errorMessage(error)}
    </Alert>
  );
}

export function ResponseStatusSelect({ risk, response }: { risk: Risk; response: RiskResponse }) {
  const done = useRiskWrite();
  const m = useMutation({
    mutationFn: (status: string) =>
      api(`/risks/${risk.id}/responses/${response.id}`, {
        method: 'PUT',
        body: { status },
        headers: { 'If-Match': ifMatch(risk.version) },
      }),
    onSuccess: done,
  });
  return (
    <Stack gap={4}>
      <Select
        aria-label={`Status of response ${response.id}`}
        size="xs"
        data={RESPONSE_STATUSES}
        value={response.status}
        allowDeselect={false}
        disabled={m.isPending}
        onChange={(v) => v && v !== response.status && m.mutate(v)}
      />
      <ConflictOrError
        error={m.error}
        onReload={() => {
          m.reset();
          done();
        }}
      />
    </Stack>
  );
}

const RESPONSE_FIELDS = ['type', 'description', 'owner_id', 'due_date'];

export function AddResponseForm({ risk }: { risk: Risk }) {
  const done = useRiskWrite();
  const members = useMembers();
  const [type, setType] = useState('mitigate');
  const [description, setDescription] = useState('');
  const [owner, setOwner] = useState('');
  const [due, setDue] = useState('');
  const m = useMutation({
    mutationFn: () =>
      api(`/risks/${risk.id}/responses`, {
        method: 'POST',
        body: { type, description, owner_id: owner ? Number(owner) : null, due_date: due || null },
        headers: { 'If-Match': ifMatch(risk.version) },
      }),
    onSuccess: () => {
      setDescription('');
      setOwner('');
      setDue('');
      done();
    },
  });
  const errs = mapApiErrors(m.error, RESPONSE_FIELDS);
  return (
    <AddForm
      id="add-response-title"
      title="Add a response"
      onSubmit={() => m.mutate()}
      submitLabel="Add response"
      pending={m.isPending}
    >
      {isConflict(m.error) ? (
        <ConflictOrError
          error={m.error}
          onReload={() => {
            m.reset();
            done();
          }}
        />
      ) : (
        <FormAlert message={errs.form} />
      )}
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Select
          label="Type"
          data={RESPONSE_TYPES}
          value={type}
          allowDeselect={false}
          onChange={(v) => v && setType(v)}
          error={errs.fields.type}
        />
        <Select
          label="Owner"
          clearable
          searchable
          placeholder="No owner"
          data={members.options}
          value={owner || null}
          onChange={(v) => setOwner(v ?? '')}
          error={errs.fields.owner_id}
        />
        <TextInput
          label="Due date"
          type="date"
          value={due}
          onChange={(e) => setDue(e.currentTarget.value)}
          error={errs.fields.due_date}
        />
      </SimpleGrid>
      <Textarea
        label="Description"
        required
        autosize
        minRows={2}
        value={description}
        onChange={(e) => setDescription(e.currentTarget.value)}
        error={errs.fields.description}
      />
    </AddForm>
  );
}

/** Picks a control by searching GET /api/controls?q=… (server-side search). */
function ControlPicker({
  exclude,
  value,
  onChange,
  error,
}: {
  exclude: Set<number>;
  value: ControlSummary | null;
  onChange: (c: ControlSummary | null) => void;
  error?: string;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 300);
  // Once a control is chosen the search box shows its label; that is no search term.
  const term = value && debounced === controlLabel(value) ? '' : debounced.trim();
  const results = useQuery({
    queryKey: ['controls', 'pick', term],
    queryFn: async () => (await api<Control[], ListMeta>('/controls', { query: { q: term, limit: 20 } })).data,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const found = (results.data ?? []).filter((c) => !exclude.has(c.id));
  const options = [...found];
  if (value && !options.some((c) => c.id === value.id)) options.unshift(value as Control);
  return (
    <Select
      label="Control to map"
      description="Search by code or title"
      searchable
      clearable
      placeholder="Search controls"
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: o }) => o}
      data={options.map((c) => ({ value: String(c.id), label: controlLabel(c) }))}
      value={value ? String(value.id) : null}
      onChange={(v) => onChange(options.find((c) => String(c.id) === v) ?? null)}
      nothingFoundMessage={results.isFetching ? 'Searching…' : 'No controls found'}
      error={error}
      w={{ base: '100%', sm: 380 }}
    />
  );
}

export function ControlMappings({ risk, editable }: { risk: Risk; editable: boolean }) {
  const done = useRiskWrite();
  const { can } = useAuth();
  const canSearch = can('controls:read');
  const [picked, setPicked] = useState<ControlSummary | null>(null);
  const [controlId, setControlId] = useState<string | number>('');
  const chosen = canSearch ? (picked?.id ?? null) : controlId === '' ? null : Number(controlId);
  const map = useMutation({
    mutationFn: () =>
      api(`/risks/${risk.id}/controls`, {
        method: 'POST',
        body: { control_id: chosen },
        headers: { 'If-Match': ifMatch(risk.version) },
      }),
    onSuccess: () => {
      setPicked(null);
      setControlId('');
      done();
    },
  });
  const unmap = useMutation({
    mutationFn: (cid: number) =>
      api(`/risks/${risk.id}/controls/${cid}`, { method: 'DELETE', headers: { 'If-Match': ifMatch(risk.version) } }),
    onSuccess: done,
  });
  const mapErrs = mapApiErrors(map.error, ['control_id']);
  // The detail lists the controls; a risk replayed as of a past time may carry only their ids.
  const controls: ControlSummary[] | null = risk.controls ?? null;
  const ids = controls ? controls.map((c) => c.id) : risk.control_ids;
  const unmapButton = (id: number, name: string) => (
    <UnmapButton
      label={`Unmap control ${name}`}
      onClick={() => unmap.mutate(id)}
      loading={unmap.isPending && unmap.variables === id}
    />
  );
  return (
    <Stack gap="xs">
      {ids.length === 0 ? (
        <Text c="dimmed">No controls mapped.</Text>
      ) : controls ? (
        <DataTable
          minWidth={560}
          columns={['Code', 'Title', 'Status', 'Effectiveness', editable && <VisuallyHidden>Actions</VisuallyHidden>]}
        >
          {controls.map((c) => (
            <Table.Tr key={c.id}>
              <Table.Td>
                {canSearch ? (
                  <Anchor component={Link} to={`/controls/${c.id}`}>
                    {c.code}
                  </Anchor>
                ) : (
                  c.code
                )}
              </Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>{c.title}</Table.Td>
              <ControlBadgeCells control={c} />
              {editable && <Table.Td>{unmapButton(c.id, c.code)}</Table.Td>}
            </Table.Tr>
          ))}
        </DataTable>
      ) : (
        <Group gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {ids.map((c) => (
            <Group key={c} gap={4} component="li">
              <Text>Control #{c}</Text>
              {editable && unmapButton(c, String(c))}
            </Group>
          ))}
        </Group>
      )}
      <ConflictOrError
        error={unmap.error}
        onReload={() => {
          unmap.reset();
          done();
        }}
      />
      {editable && (
        <form
          onSubmit={submitHandler(() => {
            if (chosen !== null) map.mutate();
          })}
          noValidate
          aria-label="Map a control"
        >
          <Group align="flex-end" wrap="wrap">
            {canSearch ? (
              <ControlPicker
                exclude={new Set(ids)}
                value={picked}
                onChange={(c) => {
                  setPicked(c);
                  map.reset();
                }}
                error={mapErrs.fields.control_id}
              />
            ) : (
              <NumberInput
                label="Control id to map"
                min={1}
                allowDecimal={false}
                allowNegative={false}
                value={controlId}
                onChange={(v) => {
                  setControlId(v);
                  map.reset();
                }}
                error={mapErrs.fields.control_id}
                w={180}
              />
            )}
            <Button type="submit" size="sm" loading={map.isPending} disabled={chosen === null}>
              Map control
            </Button>
          </Group>
          {isConflict(map.error) ? (
            <ConflictOrError
              error={map.error}
              onReload={() => {
                map.reset();
                done();
              }}
            />
          ) : (
            mapErrs.form && (
              <Text c="red" size="sm" role="alert">
                {mapErrs.form}
              </Text>
            )
          )}
        </form>
      )}
    </Stack>
  );
}
