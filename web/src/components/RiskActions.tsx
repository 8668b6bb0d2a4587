// Write actions on a risk's responses and control mappings (shown only with risks:write).
import {
  Alert,
  Button,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../lib/api';
import { mapApiErrors } from '../lib/fieldErrors';
import { useMembers } from '../lib/hooks';
import { ifMatch } from '../lib/riskForm';
import type { Risk, RiskResponse } from '../lib/types';

export const RESPONSE_TYPES = ['mitigate', 'accept', 'transfer', 'avoid'];
export const RESPONSE_STATUSES = [
  { value: 'planned', label: 'planned' },
  { value: 'in_progress', label: 'in progress' },
  { value: 'done', label: 'done' },
];

/** After a write: refetch the risk, its history, lists and the dashboard. */
function useRiskWrite() {
  const qc = useQueryClient();
  return () => {
    qc.invalidateQueries({ queryKey: ['risks'] });
    qc.invalidateQueries({ queryKey: ['dashboard'] });
  };
}

function ConflictOrError({ error, onReload }: { error: unknown; onReload: () => void }) {
  if (!error) return null;
  if (error instanceof ApiError && error.code === 'CONFLICT') {
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
  const conflict = m.error instanceof ApiError && m.error.code === 'CONFLICT';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    m.mutate();
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="add-response-title">
      <Stack gap="xs" mt="md">
        <Title order={3} size="h5" id="add-response-title">
          Add a response
        </Title>
        {conflict ? (
          <ConflictOrError
            error={m.error}
            onReload={() => {
              m.reset();
              done();
            }}
          />
        ) : (
          errs.form && (
            <Alert color="red" role="alert">
              {errs.form}
            </Alert>
          )
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
        <Group>
          <Button type="submit" size="sm" loading={m.isPending}>
            Add response
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function ControlMappings({ risk, editable }: { risk: Risk; editable: boolean }) {
  const done = useRiskWrite();
  const [controlId, setControlId] = useState<string | number>('');
  const map = useMutation({
    mutationFn: () =>
      api(`/risks/${risk.id}/controls`, {
        method: 'POST',
        body: { control_id: Number(controlId) },
        headers: { 'If-Match': ifMatch(risk.version) },
      }),
    onSuccess: () => {
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
  return (
    <Stack gap="xs">
      {risk.control_ids.length === 0 ? (
        <Text c="dimmed">No controls mapped.</Text>
      ) : (
        <Group gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {risk.control_ids.map((c) => (
            <Group key={c} gap={4} component="li">
              <Text>Control #{c}</Text>
              {editable && (
                <Button
                  size="compact-xs"
                  variant="subtle"
                  color="red"
                  onClick={() => unmap.mutate(c)}
                  loading={unmap.isPending && unmap.variables === c}
                  aria-label={`Unmap control ${c}`}
                >
                  Unmap
                </Button>
              )}
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
          onSubmit={(e) => {
            e.preventDefault();
            if (controlId !== '') map.mutate();
          }}
          noValidate
        >
          <Group align="flex-end">
            <NumberInput
              label="Control id to map"
              min={1}
              allowDecimal={false}
              allowNegative={false}
              value={controlId}
              onChange={setControlId}
              error={mapErrs.fields.control_id}
              w={180}
            />
            <Button type="submit" size="sm" loading={map.isPending} disabled={controlId === ''}>
              Map control
            </Button>
          </Group>
          {map.error instanceof ApiError && map.error.code === 'CONFLICT' ? (
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
