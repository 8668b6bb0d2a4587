// Write actions on a control: record a test, change effectiveness, map / unmap requirements.
import {
  Alert,
  Anchor,
  Button,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, errorMessage } from '../../../lib/api';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { submitHandler } from '../../../lib/forms';
import { localToRfc3339, rfc3339ToLocal } from '../../../lib/history';
import { useInvalidate } from '../../../lib/hooks';
import { useFrameworkOptions } from '../hooks';
import { EFFECTIVENESS, TEST_RESULTS, type Control, type Effectiveness, type Framework } from '../types';
import { DataTable } from '../../../components/DataTable';
import { FormAlert } from '../../../components/FormAlert';
import { FormModal } from '../../../components/FormModal';
import { UnmapButton } from '../../../components/UnmapButton';

/** After a write on a control: refetch controls, coverage, risks (they list controls) and the dashboard. */
const useControlWrite = () => useInvalidate(['controls', 'frameworks', 'risks', 'dashboard']);

function nowLocal(): string {
  return rfc3339ToLocal(new Date().toISOString());
}

export function RecordTestModal({
  control,
  opened,
  onClose,
}: {
  control: Control;
  opened: boolean;
  onClose: () => void;
}) {
  const done = useControlWrite();
  const [testedAt, setTestedAt] = useState(nowLocal);
  const [result, setResult] = useState<string | null>(null);
  const [notes, setNotes] = useState('');
  // "Now" is when the dialog opens, not when the page loaded.
  useEffect(() => {
    if (opened) setTestedAt(nowLocal());
  }, [opened]);
  const m = useMutation({
    mutationFn: () =>
      api<Control>(`/controls/${control.id}/tests`, {
        method: 'POST',
        body: { tested_at: localToRfc3339(testedAt) ?? testedAt, result: result ?? '', notes },
      }),
    onSuccess: () => {
      done();
      close();
    },
  });
  const close = () => {
    setTestedAt(nowLocal());
    setResult(null);
    setNotes('');
    m.reset();
    onClose();
  };
  const errs = mapApiErrors(m.error, ['tested_at', 'result', 'notes']);
  return (
    <FormModal
      opened={opened}
      onClose={close}
      title={`Record a test of ${control.code}`}
      onSubmit={() => m.mutate()}
      submitLabel="Save test"
      pending={m.isPending}
    >
      <FormAlert message={errs.form} title="Could not record the test" />
      <TextInput
        label="Tested at (your local time)"
        description="When the test was performed; not in the future"
        type="datetime-local"
        step={1}
        required
        value={testedAt}
        onChange={(e) => setTestedAt(e.currentTarget.value)}
        error={errs.fields.tested_at}
      />
      <Select
        label="Result"
        required
        placeholder="Choose a result"
        data={[...TEST_RESULTS]}
        value={result}
        onChange={setResult}
        error={errs.fields.result}
      />
      <Textarea
        label="Notes"
        autosize
        minRows={2}
        maxLength={5000}
        value={notes}
        onChange={(e) => setNotes(e.currentTarget.value)}
        error={errs.fields.notes}
      />
    </FormModal>
  );
}

export function EffectivenessModal({
  control,
  opened,
  onClose,
}: {
  control: Control;
  opened: boolean;
  onClose: () => void;
}) {
  const done = useControlWrite();
  const [value, setValue] = useState<string | null>(control.effectiveness);
  // Start from the current rating each time the dialog opens.
  useEffect(() => {
    if (opened) setValue(control.effectiveness as Effectiveness);
  }, [opened, control.effectiveness]);
  const [notes, setNotes] = useState('');
  const m = useMutation({
    mutationFn: () =>
      api<Control>(`/controls/${control.id}/effectiveness`, {
        method: 'PUT',
        body: { effectiveness: value ?? '', notes },
      }),
    onSuccess: () => {
      done();
      close();
    },
  });
  const close = () => {
    setNotes('');
    m.reset();
    onClose();
  };
  const errs = mapApiErrors(m.error, ['effectiveness', 'notes']);
  return (
    <FormModal
      opened={opened}
      onClose={close}
      title={`Change the effectiveness of ${control.code}`}
      onSubmit={() => m.mutate()}
      submitLabel="Save effectiveness"
      pending={m.isPending}
    >
      <Text size="sm">
        Currently <b>{control.effectiveness}</b>. Your name and notes are kept in the effectiveness history.
      </Text>
      <FormAlert message={errs.form} title="Could not change the effectiveness" />
      <Select
        label="Effectiveness"
        required
        data={[...EFFECTIVENESS]}
        allowDeselect={false}
        value={value}
        onChange={setValue}
        error={errs.fields.effectiveness}
      />
      <Textarea
        label="Notes"
        description="Why the rating changes (required)"
        required
        autosize
        minRows={3}
        maxLength={5000}
        value={notes}
        onChange={(e) => setNotes(e.currentTarget.value)}
        error={errs.fields.notes}
      />
    </FormModal>
  );
}

/** The control's requirements, with unmap buttons and a framework + requirement picker when editable. */
export function RequirementMappings({ control, editable }: { control: Control; editable: boolean }) {
  const done = useControlWrite();
  const frameworks = useFrameworkOptions();
  const [frameworkId, setFrameworkId] = useState<string | null>(null);
  const [requirementId, setRequirementId] = useState<string | null>(null);
  const framework = useQuery({
    queryKey: ['frameworks', 'one', frameworkId],
    queryFn: async () => (await api<Framework>(`/frameworks/${frameworkId}`)).data,
    enabled: editable && frameworkId !== null,
  });
  const mapped = new Set((control.requirements ?? []).map((r) => r.id));
  const requirementOptions = (framework.data?.requirements ?? []).map((r) => ({
    value: String(r.id),
    label: `${r.code} — ${r.title}`,
    disabled: mapped.has(r.id),
  }));

  const map = useMutation({
    mutationFn: () =>
      api<Control>(`/controls/${control.id}/requirements`, {
        method: 'POST',
        body: { requirement_id: Number(requirementId) },
      }),
    onSuccess: () => {
      setRequirementId(null);
      done();
    },
  });
  const unmap = useMutation({
    mutationFn: (rid: number) => api(`/controls/${control.id}/requirements/${rid}`, { method: 'DELETE' }),
    onSuccess: done,
  });
  const mapErrs = mapApiErrors(map.error, ['requirement_id']);
  const reqs = control.requirements ?? [];

  return (
    <Stack gap="xs">
      {reqs.length === 0 ? (
        <Text c="dimmed">No requirements mapped.</Text>
      ) : (
        <DataTable
          minWidth={520}
          columns={['Framework', 'Code', 'Requirement', editable && <VisuallyHidden>Actions</VisuallyHidden>]}
        >
          {reqs.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>
                <Anchor component={Link} to={`/frameworks/${r.framework_id}`}>
                  {r.framework_name}
                </Anchor>
              </Table.Td>
              <Table.Td>{r.code}</Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>{r.title}</Table.Td>
              {editable && (
                <Table.Td>
                  <UnmapButton
                    label={`Unmap requirement ${r.code} of ${r.framework_name}`}
                    onClick={() => unmap.mutate(r.id)}
                    loading={unmap.isPending && unmap.variables === r.id}
                  />
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </DataTable>
      )}
      {unmap.error ? (
        <Alert color="red" role="alert">
          {errorMessage(unmap.error)}
        </Alert>
      ) : null}
      {editable && (
        <form
          onSubmit={submitHandler(() => {
            if (requirementId) map.mutate();
          })}
          noValidate
          aria-label="Map a requirement"
        >
          <Group align="flex-end" wrap="wrap">
            <Select
              label="Framework"
              searchable
              placeholder="Choose a framework"
              data={frameworks.options}
              value={frameworkId}
              onChange={(v) => {
                setFrameworkId(v);
                setRequirementId(null);
                map.reset();
              }}
              w={{ base: '100%', sm: 260 }}
            />
            <Select
              label="Requirement"
              searchable
              placeholder={frameworkId ? 'Choose a requirement' : 'Choose a framework first'}
              disabled={!frameworkId || framework.isLoading}
              data={requirementOptions}
              value={requirementId}
              onChange={(v) => {
                setRequirementId(v);
                map.reset();
              }}
              error={mapErrs.fields.requirement_id}
              nothingFoundMessage="No requirements"
              w={{ base: '100%', sm: 320 }}
            />
            <Button type="submit" size="sm" loading={map.isPending} disabled={!requirementId}>
              Map requirement
            </Button>
          </Group>
          {framework.error ? (
            <Text c="red" size="sm" role="alert">
              {errorMessage(framework.error)}
            </Text>
          ) : null}
          {mapErrs.form && (
            <Text c="red" size="sm" role="alert">
              {mapErrs.form}
            </Text>
          )}
        </form>
      )}
    </Stack>
  );
}
